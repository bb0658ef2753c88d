"""`kiosk doctor`: checks a terminal before a holder finds out what is wrong.

    kiosk doctor                                   # this terminal, as `kiosk run` would start
    kiosk doctor --backend URL --camera 0 --json   # for remote support
    kiosk doctor --demo                            # the embedded sandbox and the demo camera

Each check gives a plain verdict and, when it is not fine, the fix. The exit code is 1 when
a check failed (the text names it), 0 otherwise; a warning (printer or enrolment not set up
in this build) does not fail. It takes the same choices as `kiosk run` (its options, the
stored settings, $KIOSK_CONFIG / $KIOSK_BACKEND), so it checks what the kiosk would use.
No personal data is read or printed: the camera's frames stay in memory.
"""

from __future__ import annotations

import argparse
import email.utils
import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

OK, WARN, FAIL = "ok", "warn", "fail"
# Emailed/SMS codes expire 5 minutes after the backend sends them (R5), by the backend's
# clock. A terminal 2 minutes off already eats 40% of a holder's time (its countdown and
# "code expired" disagree with the backend's); at 5 minutes a code can be expired before
# the holder has read it. So: warn above 2 minutes, fail above 5.
WARN_SKEW_S = 120.0
FAIL_SKEW_S = 300.0
MIN_FREE_MB = 500
CAMERA_SECONDS = 2.0  # how long the camera is watched for its real frame rate and a face


@dataclass
class Check:
    name: str
    status: str
    verdict: str
    fix: str = ""
    facts: dict[str, Any] = field(default_factory=dict)
    # The catalog's words for the verdict and fix (doctor.v.<key> / doctor.f.<key>, filled
    # with `args`), what the staff notice shows in the kiosk's language; not in the JSON.
    key: str = ""
    args: dict[str, Any] = field(default_factory=dict)

    def said(self, key: str, **args: Any) -> Check:
        self.key, self.args = key, args
        return self


# --- the checks ----------------------------------------------------------------------------


def check_camera(source: str, *, face: bool = True, seconds: float = CAMERA_SECONDS) -> Check:
    """Opens the source the photo pages would open, reads for `seconds`: the size and the
    frame rate it really delivers, and (unless `face` is False) whether BlazeFace finds a
    face in one of the frames."""
    import cv2

    from kiosk.camera.detectors import make_detector
    from kiosk.camera.sources import SourceError, open_source

    try:
        src = open_source(source)
    except SourceError as exc:
        return Check(
            "camera",
            FAIL,
            f"camera {source!r} does not open ({exc.detail})",
            "plug the webcam in (or free it: another program may hold it), or choose the "
            "source: `kiosk settings set camera 0` / `--camera INDEX|FILE`",
            {"source": source, "help_code": exc.help_code},
        )
    try:
        frames, found, shape = 0, False, (0, 0)
        detector = make_detector() if face else None
        start = time.monotonic()
        while time.monotonic() - start < seconds:
            ok, frame = src.read()
            if not ok or frame is None:
                break
            frames += 1
            shape = (int(frame.shape[1]), int(frame.shape[0]))
            if detector is not None and not found and frames % 5 == 1:
                found = bool(detector.detect(frame, cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)))
        elapsed = max(time.monotonic() - start, 1e-6)
        info = src.describe()
    finally:
        src.release()
    fps = round(frames / elapsed, 1)
    facts: dict[str, Any] = {
        "source": source,
        "kind": info.kind,
        "width": shape[0],
        "height": shape[1],
        "fps": fps,
        "asked_fps": info.fps,
        "fourcc": info.fourcc,
    }
    if frames == 0:
        return Check(
            "camera",
            FAIL,
            f"camera {source!r} opens but gives no picture",
            "unplug and plug the webcam back in; if it stays dark, replace the cable or camera",
            facts,
        )
    size = f"{shape[0]}x{shape[1]} at {fps} fps"
    if fps < 10:
        return Check(
            "camera",
            FAIL,
            f"camera gives {size}: too slow for the live photo",
            "use a USB 2 port of its own or a camera that delivers MJPG; close other programs",
            facts,
        )
    if face and not found:
        return Check(
            "camera",
            FAIL,
            f"camera gives {size} but no face was found",
            "stand in front of the camera and run again; check the lighting and that the lens "
            "is not covered (or `--no-face` to check only the picture)",
            facts,
        )
    facts["face"] = found if face else None
    return Check("camera", OK, f"camera gives {size}" + (", a face is found" if found else ""),
                 facts=facts)


def check_printer(printer: str | None = None) -> Check:
    """The `printer` setting: `system:QUEUE` that CUPS queue, `system` (or unset) the CUPS
    default queue, `none` a warning; an ESC/POS printer is named, not probed."""
    if printer == "none":
        return Check("printer", WARN, "printer not configured (setting printer = none)",
                     "`kiosk settings set printer system` (CUPS) or an escpos-… printer")
    if printer and printer.startswith("escpos-"):
        return Check("printer", OK, f"ESC/POS printer {printer} (not probed)",
                     facts={"printer": printer})
    if printer and printer.startswith("system"):
        printer = printer.partition(":")[2] or None
    lpstat = shutil.which("lpstat")
    if lpstat is None:
        return Check(
            "printer",
            WARN,
            "printer not configured (CUPS is not installed)",
            "install CUPS and add the receipt printer's queue: `lpadmin -p NAME -v URI -E`",
        )
    args = [lpstat, "-p", printer] if printer else [lpstat, "-d"]
    try:
        out = subprocess.run(args, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Check("printer", WARN, f"printer not configured ({type(exc).__name__})",
                     "start CUPS (`systemctl start cups`) and set a default queue")
    text = (out.stdout + out.stderr).strip()
    if printer:
        if out.returncode != 0:
            return Check("printer", FAIL, f"printer queue {printer!r} does not exist",
                         "add it with lpadmin, or set the queue that exists", {"lpstat": text}
                         ).said("printer_missing", queue=printer)
        state = "disabled" if "disabled" in text else "ready"
        status = FAIL if state == "disabled" else OK
        return Check("printer", status, f"printer {printer!r} is {state}",
                     "" if status == OK else f"`cupsenable {printer}` and clear its paper jam",
                     {"lpstat": text}).said("printer_disabled" if status == FAIL else "",
                                            queue=printer)
    if out.returncode != 0 or "no system default" in text or ":" not in text:
        return Check(
            "printer",
            WARN,
            "printer not configured (no CUPS default queue)",
            "add the receipt printer and make it the default: `lpadmin -d NAME`",
            {"lpstat": text},
        )
    name = text.rsplit(":", 1)[1].strip()
    return Check("printer", OK, f"printer: CUPS default queue {name!r}", facts={"queue": name})


def _tls_problem(
    exc: BaseException, url: str, ca_bundle: str | None
) -> tuple[str, str, str, dict[str, Any]]:
    """What is wrong with the server's certificate, in words, and the fix (and their catalog
    key and params): the error OpenSSL gave (ssl.SSLCertVerificationError, deep inside
    requests' exception)."""
    import ssl

    seen: set[int] = set()
    stack: list[Any] = [exc]
    verify: ssl.SSLCertVerificationError | None = None
    while stack and verify is None:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, ssl.SSLCertVerificationError):
            verify = e
            break
        if isinstance(e, BaseException):
            stack += [e.__cause__, e.__context__, getattr(e, "reason", None), *e.args]
    code = getattr(verify, "verify_code", None)
    reason = getattr(verify, "verify_message", None) or str(exc)
    host = url.split("//", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]
    if code == 10 or "expired" in reason:  # X509_V_ERR_CERT_HAS_EXPIRED
        return (f"{url}: the server's TLS certificate expired",
                "the backend's certificate must be renewed: ask the registry's IT "
                "(check this terminal's clock too: `timedatectl`)", "tls_expired", {"url": url})
    if code == 62 or "mismatch" in reason:  # X509_V_ERR_HOSTNAME_MISMATCH (and IP)
        return (f"{url}: the server's TLS certificate is for another host name, not {host}",
                "wrong host name: use the backend's name its certificate is issued for in "
                "the URL (`kiosk settings set backend URL` or the [backend] table)",
                "tls_host", {"url": url, "host": host})
    if ca_bundle:
        return (f"{url}: the server's TLS certificate is not issued by a CA in {ca_bundle} "
                f"({reason})",
                "set ca_bundle to the registry's CA file (the PEM the registry gave you)",
                "tls_ca", {"url": url, "ca_bundle": ca_bundle, "reason": reason})
    return (f"{url}: the server's TLS certificate is not trusted ({reason})",
            "set ca_bundle to the registry's CA file: `kiosk settings set ca_bundle "
            "/etc/kiosk/registry-ca.pem` or ca_bundle in the [backend] table",
            "tls_untrusted", {"url": url, "reason": reason})


def check_backend(
    name: str, url: str, *, timeout_s: float = 5.0, ca_bundle: str | None = None
) -> Check:
    """Reachable (any HTTP answer below 500), its TLS certificate valid (https; verified
    against `ca_bundle` when set, as the kiosk's clients do, else the system's CAs), and
    the clock skew from its Date header."""
    import requests

    check = f"backend {name}"
    facts: dict[str, Any] = {"url": url, "tls": url.startswith("https:"), "ca_bundle": ca_bundle}
    try:
        with requests.Session() as session:
            session.trust_env = False  # as kiosk/services/factory.py: the kiosk's own CAs
            resp = session.get(url, timeout=(3.0, timeout_s), allow_redirects=False,
                               verify=ca_bundle or True)
    except requests.exceptions.SSLError as exc:
        verdict, fix, key, args = _tls_problem(exc, url, ca_bundle)
        return Check(check, FAIL, verdict, fix, facts).said(key, **args)
    except requests.exceptions.RequestException as exc:
        return Check(check, FAIL, f"{url} does not answer ({exc.__class__.__name__})",
                     "check the network cable and the URL (`kiosk settings get backend` or the "
                     "[backend] table of the config file); ask IT whether the service is up",
                     facts).said("backend_down", url=url, error=exc.__class__.__name__)
    facts["http_status"] = resp.status_code
    resp.close()
    if resp.status_code >= 500:
        return Check(check, FAIL, f"{url} answers with a server error {resp.status_code}",
                     "ask IT to look at the service's log", facts
                     ).said("backend_5xx", url=url, status=resp.status_code)
    date = resp.headers.get("Date")
    if date:
        try:
            skew = (datetime.now(UTC) - email.utils.parsedate_to_datetime(date)).total_seconds()
        except (TypeError, ValueError):
            skew = None
        facts["clock_skew_s"] = None if skew is None else round(skew, 1)
        if skew is not None and abs(skew) > WARN_SKEW_S:
            status = FAIL if abs(skew) > FAIL_SKEW_S else WARN
            why = ("codes it sends can be expired before the holder types them"
                   if status == FAIL else "codes seem to expire early or late (they live 5 min)")
            return Check(check, status,
                         f"this terminal's clock is {skew:+.0f} s off the backend's: {why}",
                         "turn on time sync (`timedatectl set-ntp true`)", facts
                         ).said(f"clock_{status}", skew=f"{skew:+.0f}")
    return Check(check, OK, f"{url} answers ({resp.status_code})", facts=facts)


def check_keyring(*, required: bool = True) -> Check:
    """A keyring backend that is there and unlocked (encrypted receipts keep their key there)."""
    try:
        import keyring
        from keyring.errors import KeyringError, KeyringLocked
    except ImportError:
        return Check("keyring", FAIL, "the keyring package is missing", "reinstall the kiosk")
    backend = keyring.get_keyring()
    facts = {"backend": f"{type(backend).__module__}.{type(backend).__name__}"}
    if "fail" in type(backend).__module__ or getattr(backend, "priority", 1) <= 0:
        return Check(
            "keyring",
            FAIL if required else WARN,
            "no keyring on this terminal",
            "install gnome-keyring (and python's secretstorage) and start the kiosk in a "
            "desktop session whose login unlocks it",
            facts,
        )
    try:
        keyring.get_password("registry-kiosk", "doctor-probe")
    except KeyringLocked:
        return Check("keyring", FAIL, "the keyring is locked",
                     "unlock it at login (the session's password), then restart the kiosk", facts)
    except KeyringError as exc:
        return Check("keyring", FAIL, f"the keyring does not answer ({type(exc).__name__})",
                     "restart the desktop session", facts)
    return Check("keyring", OK, f"keyring {facts['backend']} is unlocked", facts=facts)


def check_certificate(folder: Path | None = None, *, required: bool = True) -> Check:
    """The kiosk's own certificate written by `kiosk enrol --code` (kiosk/receipt/identity.py):
    present, days to expiry, issued by the registry CA of its chain (the trust list)."""
    from cryptography import x509

    from kiosk.receipt import identity

    path = (folder or identity.data_dir()) / identity._CHAIN_FILE
    fix = "enrol the terminal: `kiosk enrol --code CODE` (docs/deploy.md)"
    if not path.is_file():
        return Check("certificate", FAIL if required else WARN, "not enrolled", fix,
                     {"path": str(path)})
    certs = x509.load_pem_x509_certificates(path.read_bytes())
    cert, issuers = certs[0], certs[1:]
    days = (cert.not_valid_after_utc - datetime.now(UTC)).days
    facts: dict[str, Any] = {"path": str(path), "days_left": days,
                             "subject": cert.subject.rfc4514_string()}
    trusted = False
    for ca in issuers:
        try:
            cert.verify_directly_issued_by(ca)
            trusted = True
        except Exception:  # noqa: BLE001 - a bad signature or another key type: not this CA
            continue
    if not trusted:
        return Check("certificate", FAIL, "the kiosk's certificate is not issued by the "
                     "registry CA it was enrolled with", fix, facts)
    if days < 0:
        return Check("certificate", FAIL, f"the kiosk's certificate expired {-days} days ago",
                     fix, facts)
    if days < 30:
        return Check("certificate", WARN, f"the kiosk's certificate expires in {days} days",
                     fix, facts)
    return Check("certificate", OK, f"enrolled, {days} days to expiry", facts=facts)


def check_resources() -> Check:
    """The bundled fonts (Chinese renders), the face model, the compiled translations."""
    from kiosk.camera.detectors import BLAZEFACE_MODEL
    from kiosk.i18n import locale_dir
    from kiosk.ui.app import FONT_FILES, RESOURCES

    missing = [f"resources/fonts/{f}" for f in FONT_FILES
               if not (RESOURCES / "fonts" / f).is_file()]
    if not BLAZEFACE_MODEL.is_file():
        missing.append(f"resources/models/{BLAZEFACE_MODEL.name}")
    langs = sorted(p.parent.parent.name for p in locale_dir().glob("*/LC_MESSAGES/kiosk.[mp]o"))
    if not langs:
        missing.append(f"{locale_dir()}/*/LC_MESSAGES/kiosk.mo")
    facts = {"fonts": list(FONT_FILES), "face_model": BLAZEFACE_MODEL.name,
             "languages": sorted(set(langs))}
    if missing:
        return Check("fonts and face model", FAIL, "missing: " + ", ".join(missing),
                     "reinstall the kiosk package (these files ship inside it)", facts
                     ).said("resources_missing", files=", ".join(missing))
    return Check("fonts and face model", OK, "fonts, face model and translations present",
                 facts=facts)


def check_disk(path: Path) -> Check:
    while not path.exists() and path != path.parent:
        path = path.parent
    free_mb = shutil.disk_usage(path).free // 2**20
    facts = {"path": str(path), "free_mb": free_mb}
    if free_mb < MIN_FREE_MB:
        return Check("disk", FAIL, f"only {free_mb} MB free on {path}",
                     "free disk space (old logs, /tmp) or give the terminal a larger disk", facts
                     ).said("disk_low", mb=free_mb, path=path)
    return Check("disk", OK, f"{free_mb} MB free", facts=facts)


def check_store(url: str) -> Check:
    """The store opens, is at the migrations' newest revision (a kiosk's own SQLite file
    is brought there at start) and takes a write (rolled back)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    from kiosk.store.migrate import HEAD, current
    from kiosk.store.paths import is_sqlite, sqlite_path

    shown = url
    facts: dict[str, Any] = {"url": shown, "head": HEAD}
    if is_sqlite(url):
        path = sqlite_path(url)
        if path is not None and not path.exists():
            folder = path.parent if path.parent.exists() else None
            if folder is None or not os.access(folder, os.W_OK):
                return Check("store", FAIL, f"the folder of {path} cannot be written",
                             "give the kiosk's user its data folder (chown, chmod 0700)", facts)
            return Check("store", OK, f"{path} is made at the first start", facts=facts)
    kwargs: dict[str, Any] = {}
    if url.startswith("postgresql"):
        kwargs["connect_args"] = {"connect_timeout": 3}
    engine = create_engine(url, **kwargs)
    shown = engine.url.render_as_string(hide_password=True)
    facts["url"] = shown
    try:
        have = current(engine)
        facts["revision"] = have
        if have != HEAD and engine.dialect.name != "sqlite":
            return Check("store", FAIL, f"the store is at revision {have or 'none'}, not {HEAD}",
                         f"run `kiosk db upgrade --journal {shown}`", facts)
        if have == HEAD:
            with engine.connect() as conn:
                trans = conn.begin()
                conn.execute(text("DELETE FROM kiosk_heartbeat WHERE kiosk_id = ''"))
                trans.rollback()
    except SQLAlchemyError as exc:
        return Check("store", FAIL, f"the store does not take a write ({type(exc).__name__})",
                     "check that the database is up and the kiosk's role may write "
                     f"({shown})", facts)
    finally:
        engine.dispose()
    if have != HEAD:
        return Check("store", OK, f"revision {have or 'none'}, upgraded to {HEAD} at start",
                     facts=facts)
    return Check("store", OK, f"writable, migrations current ({HEAD})", facts=facts)


# --- running them --------------------------------------------------------------------------


def backend_config(args: argparse.Namespace, stored_ca_bundle: str | None = None) -> Any:
    """The BackendConfig `kiosk run` would use: --config's [backend] table, else --backend;
    the `ca_bundle` setting when the table names none (the TOML's own key wins)."""
    from dataclasses import replace

    from kiosk.config import BackendConfig

    if args.config:
        config = BackendConfig.from_toml(args.config)
    else:
        config = replace(BackendConfig.for_sandbox(args.backend), sandbox_url=None)
    if config.ca_bundle is None and stored_ca_bundle:
        config = replace(config, ca_bundle=stored_ca_bundle)
    return config


def backend_urls(config: Any) -> dict[str, str]:
    return {
        "registry": config.registry_url,
        "bureau": config.bureau_url,
        "eid": config.eid_url,
        "esign": config.esign_url,
    }


def _backend_step(name: str, url: str, ca_bundle: str | None) -> Callable[[], Check]:
    return lambda: check_backend(name, url, ca_bundle=ca_bundle)


def run_checks(
    args: argparse.Namespace,
    *,
    keyring_required: bool = True,
    stored_printer: str | None = None,
    stored_ca_bundle: str | None = None,
) -> list[Check]:
    """Every check, in the order support reads them; one that raises is a failed check."""
    from kiosk.store.paths import data_dir, db_url

    url = db_url(args.journal, create=False)
    steps: list[tuple[str, Callable[[], Check]]] = [
        ("camera", lambda: check_camera(str(args.camera), face=not args.no_face)),
        ("printer", lambda: check_printer(getattr(args, "printer", None) or stored_printer)),
    ]
    ca_bundle = None
    try:
        config = backend_config(args, stored_ca_bundle)
        urls, ca_bundle = backend_urls(config), config.ca_bundle
    except ValueError as exc:  # ConfigError: the message names the file and what to fix
        bad = Check("backend", FAIL, str(exc), "fix the file, or use --backend URL")
        steps.append(("backend", lambda: bad))
        urls = {}
    for name, u in urls.items():
        steps.append((f"backend {name}", _backend_step(name, u, ca_bundle)))
    steps += [
        ("keyring", lambda: check_keyring(required=keyring_required)),
        ("certificate", lambda: check_certificate(required=keyring_required)),
        ("fonts and face model", check_resources),
        ("disk", lambda: check_disk(data_dir(create=False))),
        ("store", lambda: check_store(url)),
    ]
    return _run_steps(steps, "send this report to support")


def _run_steps(steps: list[tuple[str, Callable[[], Check]]], fix: str) -> list[Check]:
    """Each step's Check; one that raises is a failed check with `fix`, not fatal."""
    out = []
    for name, step in steps:
        try:
            out.append(step())
        except Exception as exc:  # noqa: BLE001 - a check that breaks is reported, not fatal
            out.append(Check(name, FAIL, f"the check itself failed ({type(exc).__name__}: {exc})",
                             fix).said("check_broke", error=f"{type(exc).__name__}: {exc}"))
    return out


def quick_checks(
    *,
    printer: str | None,
    backends: Mapping[str, str],
    ca_bundle: str | None = None,
    data: Path | None = None,
) -> list[Check]:
    """The checks that take no camera (the kiosk holds it) and no operator: the printer,
    each backend (reachable, TLS, clock), fonts and face model, free disk. What `kiosk run`
    checks at start and the counter desk's site-status panel shows."""
    from kiosk.store.paths import data_dir

    steps: list[tuple[str, Callable[[], Check]]] = [
        ("printer", lambda: check_printer(printer)),
        *((f"backend {name}", _backend_step(name, url, ca_bundle))
          for name, url in backends.items()),
        ("disk", lambda: check_disk(data if data is not None else data_dir(create=False))),
        ("fonts and face model", check_resources),
    ]
    return _run_steps(steps, "run `kiosk doctor` and send its report to support")


def start_failures(
    *, printer: str | None, backends: Mapping[str, str], ca_bundle: str | None = None
) -> list[Check]:
    """The quick checks that failed, each with its fix: what staff must see when the kiosk
    starts, before a holder runs into it (warnings, e.g. printer = none, are not shown)."""
    return [c for c in quick_checks(printer=printer, backends=backends, ca_bundle=ca_bundle)
            if c.status == FAIL]


def report_text(checks: list[Check]) -> str:
    marks = {OK: "OK  ", WARN: "WARN", FAIL: "FAIL"}
    lines = []
    for c in checks:
        lines.append(f"[{marks[c.status]}] {c.name}: {c.verdict}")
        if c.fix and c.status != OK:
            lines.append(f"       fix: {c.fix}")
    failed = [c.name for c in checks if c.status == FAIL]
    lines.append("FAILED: " + ", ".join(failed) if failed else "all checks passed")
    return "\n".join(lines) + "\n"


def report_json(checks: list[Check]) -> str:
    failed = [c.name for c in checks if c.status == FAIL]
    return json.dumps({"ok": not failed, "failed": failed,
                       "checks": [_public(c) for c in checks]}, ensure_ascii=False) + "\n"


def _public(check: Check) -> dict[str, Any]:
    """A check as support's JSON has it (its English words, not the catalog's key)."""
    out = asdict(check)
    del out["key"], out["args"]
    return out
