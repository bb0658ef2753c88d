"""Receipt data for every outcome, and the command-line tools the tests read PDFs with."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import datetime as dt
import io
import os
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.receipt.model import CertificateRow, CertOutcome, Outcome, ReceiptData

SERIALS = {
    "old1": "A1B2C3D4E5F60718", "new1": "9F8E7D6C5B4A3921",
    "old2": "1111222233334444", "new2": "5555666677778888",
    "old3": "ABCDEF0123456789",
}


def receipt_data(outcome: Outcome, lang: str = "zh-Hant", ref: str = "RN-TEST-0001") -> ReceiptData:
    rows = {
        Outcome.ACTIVATED: (
            CertificateRow("cloud", SERIALS["old1"], dt.date(2026, 12, 5), CertOutcome.ACTIVATED,
                           SERIALS["new1"], dt.date(2029, 12, 5)),
            CertificateRow("cloud", SERIALS["old2"], dt.date(2026, 12, 20),
                           CertOutcome.ACTIVATED, SERIALS["new2"], dt.date(2029, 12, 20)),
        ),
        Outcome.PARTLY: (
            CertificateRow("cloud", SERIALS["old1"], dt.date(2026, 12, 5), CertOutcome.ACTIVATED,
                           SERIALS["new1"], dt.date(2029, 12, 5)),
            CertificateRow("qualified", SERIALS["old3"], dt.date(2027, 1, 3), CertOutcome.OFFLINE,
                           help_code="AC-AB-0007"),
        ),
        Outcome.OFFLINE: (
            CertificateRow("qualified", SERIALS["old3"], dt.date(2027, 1, 3), CertOutcome.OFFLINE,
                           help_code="AC-AB-0007"),
            CertificateRow("encryption", SERIALS["old2"], dt.date(2027, 2, 1),
                           CertOutcome.OFFLINE, help_code="AC-AB-0007"),
        ),
        Outcome.REFUSED: (
            CertificateRow("cloud", SERIALS["old1"], dt.date(2026, 12, 5),
                           CertOutcome.NOT_RENEWED, help_code="AC-AB-0021"),
        ),
        Outcome.STAFF: (
            CertificateRow("cloud", SERIALS["old1"], dt.date(2026, 12, 5), CertOutcome.STAFF),
            CertificateRow("standard", SERIALS["old3"], dt.date(2027, 1, 3), CertOutcome.STAFF),
        ),
    }[outcome]
    help_code = {Outcome.OFFLINE: "AC-AB-0007", Outcome.REFUSED: "AC-AB-0021"}.get(outcome)
    messages = {
        "zh-Hant": "台端之帳戶未啟用「極高」級別之電子身份識別工具。",
        "pt": "A sua conta não tem a identificação electrónica de nível muito elevado.",
        "en": "Your account has no very-high level electronic identification.",
    } if outcome is Outcome.REFUSED else {}
    return ReceiptData.for_holder(
        outcome,
        kiosk_id="LOBBY-1",
        site="Macau Main Office",
        issued_at=dt.datetime.now(dt.UTC).replace(microsecond=0),  # within the cert's validity
        renewal_ref=ref,
        holder_name="CHAN TAI MAN 陳大文",
        holder_id="1000001(1)",
        certificates=rows,
        lang=lang,
        help_code=help_code,
        help_messages=messages,
    )


def run(cmd: list[str], data: bytes | None = None, **kw: Any) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(cmd, input=data, capture_output=True, timeout=120, check=False, **kw)


def pdftotext(pdf: bytes) -> str:
    done = run(["pdftotext", "-layout", "-", "-"], pdf)
    assert done.returncode == 0, done.stderr
    return done.stdout.decode("utf-8")




ROOT = Path(__file__).resolve().parents[2]


def renew_to_end(sandbox_url: str, receipts: Any, scenario: str = "h-abc",
                 kiosk_id: str = "LOBBY-1") -> Any:
    """A scenario's renewal driven to its end against the sandbox with `receipts` as the
    flow's issuer; the flow's services are closed with `close_services(flow.services)`."""
    from kiosk.config import BackendConfig
    from kiosk.flows.journal import MemoryJournal
    from kiosk.flows.renewal import RenewalFlow
    from kiosk.services.factory import build_sandbox_admin, build_services
    from kiosk.walkthrough import Driver, load_scenario
    from kiosk.walkthrough import Printer as LinePrinter

    config = BackendConfig.for_sandbox(sandbox_url, timeout_s=30.0)
    services = build_services(config)
    admin = build_sandbox_admin(config)
    if callable(receipts) and not hasattr(receipts, "issue"):
        receipts = receipts(services.registry)
    flow = RenewalFlow(services, MemoryJournal(), receipts=receipts, kiosk_id=kiosk_id,
                       site="Lobby")
    try:
        Driver(load_scenario(ROOT / "scenarios" / f"{scenario}.toml"), flow, admin,
               LinePrinter(io.StringIO()), True).run()
    finally:
        admin.close()
    return flow


def qr_in_pdf(pdf: bytes) -> str:
    """The seal's text, read from the QR code of the PDF's first page rendered at 200 dpi."""
    import cv2
    import numpy as np

    from kiosk.receipt.verify import decode_qr

    done = run(["pdftoppm", "-png", "-r", "200", "-singlefile", "-"], pdf)
    assert done.returncode == 0, done.stderr
    return decode_qr(cv2.imdecode(np.frombuffer(done.stdout, np.uint8), cv2.IMREAD_GRAYSCALE))


def escpos_rasters(data: bytes) -> list[Any]:
    """Decodes python-escpos's GS v 0 raster images back into pictures."""
    import struct

    from PIL import Image

    images = []
    at = 0
    while (at := data.find(b"\x1dv0", at)) >= 0:
        width_bytes, height = struct.unpack("<HH", data[at + 4: at + 8])
        bits = data[at + 8: at + 8 + width_bytes * height]
        image = Image.frombytes("1", (width_bytes * 8, height), bits)
        images.append(Image.eval(image.convert("L"), lambda v: 255 - v))  # 1 = black dot
        at += 8 + len(bits)
    return images


def qr_in_escpos(data: bytes) -> str:
    """The seal's text, from the QR code of what an ESC/POS printer was sent."""
    import cv2
    import numpy as np
    from PIL import Image

    from kiosk.receipt.verify import decode_qr

    rasters = escpos_rasters(data)
    assert rasters, "no raster image in the ESC/POS bytes"
    whole = Image.new("L", (rasters[0].width, sum(r.height for r in rasters)), 255)
    y = 0
    for r in rasters:
        whole.paste(r, (0, y))
        y += r.height
    buf = io.BytesIO()
    whole.save(buf, "PNG")
    picture = cv2.imdecode(np.frombuffer(buf.getvalue(), np.uint8), cv2.IMREAD_GRAYSCALE)
    return decode_qr(picture)


@contextlib.contextmanager
def keyring_daemon(home: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """dbus-daemon --session + gnome-keyring-daemon (secrets, unlocked with a random
    password) under `home`: (the bus address, the keyring daemon). The caller points
    DBUS_SESSION_BUS_ADDRESS at the address; both are stopped after."""
    import os
    import secrets
    import time

    from keyring.backends.SecretService import Keyring

    (home / "data").mkdir(parents=True, exist_ok=True)
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )
    procs: list[subprocess.Popen[bytes]] = [bus]
    saved = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    try:
        assert bus.stdout is not None
        address = bus.stdout.readline().decode().strip()
        assert address.startswith("unix:"), address
        env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": address, "HOME": str(home),
               "XDG_DATA_HOME": str(home / "data"), "XDG_RUNTIME_DIR": str(home)}
        daemon = subprocess.Popen(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env=env,
        )
        procs.append(daemon)
        assert daemon.stdin is not None
        daemon.stdin.write(secrets.token_hex(16).encode())
        daemon.stdin.close()
        deadline = time.monotonic() + 20
        # Asked before it has made the login keyring from the password, the daemon wants to
        # prompt for a new one (no prompter here: "Prompt dismissed"): wait for the file.
        while not (home / "data" / "keyrings" / "login.keyring").exists():
            assert daemon.poll() is None, "gnome-keyring-daemon exited"
            assert time.monotonic() < deadline, "gnome-keyring-daemon made no login keyring"
            time.sleep(0.05)
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = address
        while True:  # then it takes a moment to claim org.freedesktop.secrets
            try:
                Keyring().get_password("probe", "probe")
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield address, daemon
    finally:
        if saved is None:
            os.environ.pop("DBUS_SESSION_BUS_ADDRESS", None)
        else:
            os.environ["DBUS_SESSION_BUS_ADDRESS"] = saved
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


# --- inotify: every file made under some folders, even one deleted at once ----------------

_IN_MODIFY, _IN_CLOSE_WRITE, _IN_MOVED_TO, _IN_CREATE = 0x2, 0x8, 0x80, 0x100
_IN_Q_OVERFLOW, _IN_ISDIR = 0x4000, 0x40000000
_IN_NONBLOCK, _IN_CLOEXEC = 0o4000, 0o2000000


@contextlib.contextmanager
def files_made_under(folders: list[Path]) -> Iterator[list[str]]:
    """inotify (libc through ctypes) on `folders` and every folder made in them: the list
    fills with "path (create|write|moved in)" for each file or folder made, written or moved
    in while the block runs. The kernel queues the events, so a temp file made and deleted
    at once is listed all the same (a queue overflow is listed too)."""
    import select
    import struct
    import threading

    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    fd = libc.inotify_init1(_IN_NONBLOCK | _IN_CLOEXEC)
    assert fd >= 0, f"inotify_init1: errno {ctypes.get_errno()}"
    mask = _IN_CREATE | _IN_MOVED_TO | _IN_MODIFY | _IN_CLOSE_WRITE
    watched: dict[int, Path] = {}
    made: list[str] = []

    def watch(folder: Path, new: bool = True) -> None:
        wd = libc.inotify_add_watch(fd, str(folder).encode(), mask)
        assert wd >= 0 or new, f"inotify_add_watch {folder}: errno {ctypes.get_errno()}"
        watched[wd] = folder
        for p in folder.iterdir():
            if new:  # made in a new folder before its watch was in place
                made.append(f"{p} (create)")
            if p.is_dir():
                watch(p, new)

    def drain() -> None:
        while True:
            try:
                buf = os.read(fd, 65536)
            except BlockingIOError:
                return
            at = 0
            while at < len(buf):
                wd, ev, _cookie, size = struct.unpack_from("iIII", buf, at)
                name = buf[at + 16: at + 16 + size].rstrip(b"\0").decode("utf-8", "replace")
                at += 16 + size
                if ev & _IN_Q_OVERFLOW:
                    made.append("(inotify queue overflow)")
                    continue
                path = watched.get(wd, Path("?")) / name
                kind = ("create" if ev & _IN_CREATE else "moved in" if ev & _IN_MOVED_TO
                        else "write")
                made.append(f"{path} ({kind})")
                if ev & _IN_ISDIR and ev & (_IN_CREATE | _IN_MOVED_TO):
                    with contextlib.suppress(OSError):
                        watch(path)

    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            if select.select([fd], [], [], 0.05)[0]:
                drain()

    for folder in folders:
        watch(folder, new=False)
    reader = threading.Thread(target=loop, daemon=True)
    reader.start()
    try:
        yield made
    finally:
        stop.set()
        reader.join(timeout=5)
        drain()
        os.close(fd)


# --- CUPS: a private cupsd with a cups-pdf queue -----------------------------------------


@dataclass
class CupsQueue:
    name: str
    out: Path  # where cups-pdf writes the jobs' PDFs
    env: dict[str, str]
    root: Path  # the cupsd's folder: its spool, temp, cache, state, logs; cups-pdf's spool

    def spool_dirs(self) -> list[Path]:
        """Where the printing side keeps a job while it prints (cupsd's RequestRoot and
        TempDir, cups-pdf's spool), its cache and state, and the logs."""
        return [self.root / d for d in ("spool", "tmp", "pdf-spool", "cache", "state", "log")]

    def lp(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        return run(list(args), env=self.env)

    def wait_for_pdf(self, timeout_s: float = 60) -> Path:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            done = [p for p in self.out.glob("*.pdf") if p.stat().st_size > 0]
            if done:
                time.sleep(0.3)  # cups-pdf writes then closes
                return done[0]
            time.sleep(0.2)
        raise AssertionError(f"no PDF from queue {self.name} within {timeout_s}s")

    @contextlib.contextmanager
    def switched(self, off: str, on: str) -> Iterator[None]:
        """The queue put out of service with `off` (cupsdisable: stopped, cupsreject: not
        accepting jobs) for the block, back with `on` (cupsenable, cupsaccept) after."""
        done = self.lp(off, self.name)
        assert done.returncode == 0, done.stderr
        try:
            yield
        finally:
            back = self.lp(on, self.name)
            assert back.returncode == 0, back.stderr

    def wait_done(self, timeout_s: float = 60) -> None:
        """Until no job of the queue is pending or printing."""
        deadline = time.monotonic() + timeout_s
        while self.jobs():
            assert time.monotonic() < deadline, f"jobs left on {self.name}: {self.jobs()}"
            time.sleep(0.2)

    def jobs(self) -> str:
        """`lpstat -o QUEUE`: the jobs not yet done, one a line."""
        return self.lp("lpstat", "-o", self.name).stdout.decode()


_CUPS_PDF_CONF = Path("/etc/cups")  # cups-pdf reads its per-queue config only from here


def _libcups_server(server: str | None) -> None:
    """libcups keeps the server it first connected to for the life of the process; a new
    CUPS_SERVER is read only after cupsSetServer(NULL). Qt's print plugin shares this libcups."""
    found = ctypes.util.find_library("cups")
    if found:
        ctypes.CDLL(found).cupsSetServer(server.encode() if server else None)


@contextlib.contextmanager
def private_cups() -> Iterator[CupsQueue]:
    """A private cupsd (socket in its own folder) with one enabled cups-pdf queue; this
    process's libcups (and so Qt's printing) talks to it until the block ends."""
    # Not under pytest's tmp folder: that is 0700 root, and CUPS filters run as user lp.
    root = Path(tempfile.mkdtemp(prefix="receipt-cups-"))
    root.chmod(0o755)
    for sub in ("spool", "cache", "state", "log", "tmp", "out", "ppd", "pdf-spool"):
        (root / sub).mkdir()
    (root / "out").chmod(0o777)
    (root / "tmp").chmod(0o1777)  # the filters (user lp) copy the job there
    (root / "cups-files.conf").write_text(
        f"ServerRoot {root}\nRequestRoot {root}/spool\nCacheDir {root}/cache\n"
        f"StateDir {root}/state\nTempDir {root}/tmp\nAccessLog {root}/log/access_log\n"
        f"ErrorLog {root}/log/error_log\nPageLog {root}/log/page_log\n"
        "User lp\nGroup lp\nSystemGroup root\n"
    )
    sock = root / "cups.sock"
    (root / "cupsd.conf").write_text(
        f"Listen {sock}\nLogLevel warn\nBrowsing Off\nDefaultAuthType None\nWebInterface No\n"
        # A printed job's document is deleted (the default keeps it a day: the receipt's PDF
        # whole in spool/d00001-001); its history (title, user, pages) stays.
        "PreserveJobFiles No\n"
        "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
        "<Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n"
    )
    name = "rcpt_" + secrets.token_hex(4)
    conf = _CUPS_PDF_CONF / f"cups-pdf-{name}.conf"
    conf.write_text(f"Out {root}/out\nAnonDirName {root}/out\nSpool {root}/pdf-spool\n"
                    f"Log {root}/log\n")
    cupsd = subprocess.Popen(
        ["cupsd", "-f", "-c", str(root / "cupsd.conf"), "-s", str(root / "cups-files.conf")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    env = {**os.environ, "CUPS_SERVER": str(sock)}
    try:
        deadline = time.monotonic() + 20
        while not sock.exists():
            assert cupsd.poll() is None, "cupsd exited"
            assert time.monotonic() < deadline, "cupsd did not start"
            time.sleep(0.1)
        added = run(["lpadmin", "-p", name, "-v", f"cups-pdf:/{name}", "-P",
                     "/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd", "-E"], env=env)
        assert added.returncode == 0, added.stderr
        # libcups reads CUPS_SERVER when Qt first asks for printers: set it for the process.
        old = os.environ.get("CUPS_SERVER")
        os.environ["CUPS_SERVER"] = str(sock)
        _libcups_server(str(sock))
        try:
            yield CupsQueue(name, root / "out", env, root)
        finally:
            if old is None:
                os.environ.pop("CUPS_SERVER", None)
            else:
                os.environ["CUPS_SERVER"] = old
            _libcups_server(old)
    finally:
        cupsd.terminate()
        try:
            cupsd.wait(timeout=15)
        except subprocess.TimeoutExpired:
            cupsd.kill()
        conf.unlink(missing_ok=True)
        shutil.rmtree(root, ignore_errors=True)
