"""`make faults`: each fault kind at every step of a real renewal, over real HTTP through
tests/faults/proxy.py in front of the sandbox; a table and one JSON line of figures.

A case is one fault at one step. After it, the holder answers again with the backend
healthy, and the renewal must still end in 成功激活 with the certificate activated exactly
once (checked on the backend: the renewal's activation jobs and the completion emails).
What the holder saw is the set of help codes the error panel showed.

Kinds of issue 12 that exist today: 1 unreachable, 2 timeout, 3 5xx, 4 reply lost after the
backend acted, 5 process killed, 6 camera unplugged mid-capture (tests/faults/camera_faults.py),
7 printer offline and 12 keyring locked or missing (at the receipt step:
tests/faults/receipt_faults.py), 8 disk full while journaling (a real tmpfs filled before each
step), 9 hostile replies, 10 clock skew, 11 TLS failure.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.config import BackendConfig
from kiosk.flows.renewal import StepView
from kiosk.services.errors import BackendError
from kiosk.services.factory import build_services, close_services
from tests.faults import camera_faults, receipt_faults
from tests.faults.proxy import HOSTILE, FaultProxy
from tests.faults.sentinel import sentinel_run
from tests.flows.harness import Counter

HOLDER = "H-SINGLE"
#: Short enough that a hung backend costs little, long enough for a face match on a busy
#: 2-core machine.
TIMEOUT_S = 2.0


@dataclass
class Row:
    kind: str
    steps: list[str] = field(default_factory=list)
    saw: set[str] = field(default_factory=set)
    cases: int = 0
    duplicates: int = 0
    data_lost: int = 0
    crashes: int = 0
    stuck: str = ""  # where a renewal that did not finish stopped
    detours: set[str] = field(default_factory=set)  # known dead ends waited out


def _seen_codes(view: StepView) -> set[str]:
    err: Any = view.error
    if err is None:
        return set()
    code = getattr(err, "help_code", None)
    return {str(code)} if code else {"(no code)"}


def _proxied(counter: Counter, proxy_url: str, **config: Any) -> None:
    close_services(counter.services)
    base = BackendConfig.for_sandbox(proxy_url, timeout_s=TIMEOUT_S)
    cfg = BackendConfig(
        registry_url=base.registry_url, bureau_url=base.bureau_url, eid_url=base.eid_url,
        esign_url=base.esign_url, timeout_s=TIMEOUT_S, **config,
    )
    counter.services = build_services(cfg)


def _check_backend(counter: Counter, row: Row, view: StepView) -> None:
    """Exactly one activation per certificate, one completion email, the renewal done."""
    if view.step_id != "done" or view.outcome != "activated":
        row.data_lost += 1
        err: Any = view.error
        row.stuck = f"{view.step_id} {getattr(err, 'help_code', '') if err else ''}".strip()
        return
    row.duplicates += count_duplicates(counter)


def count_duplicates(counter: Counter) -> int:
    """Certificates activated more than once, completion emails beyond the first."""
    session = counter.flow.session
    rid = counter.journal.entries(HOLDER)[-1].renewal_id
    assert session is not None
    jobs = counter.services.registry.activations(session, rid)
    per_cert: dict[str, int] = {}
    for job in jobs:
        if job.state == "succeeded":
            for r in job.results:
                per_cert[r.cert_id] = per_cert.get(r.cert_id, 0) + 1
    return (sum(n - 1 for n in per_cert.values() if n > 1)
            + max(0, len(counter.admin.outbox(kind="renewal_completed")) - 1))


def _walk(
    counter: Counter,
    row: Row,
    fault_for_step: Callable[[str, int], Callable[[], None] | None],
    proxy: FaultProxy,
    kill: bool = False,
) -> StepView:
    """Walks the renewal; before each step's answer, arms that step's fault (if any)."""
    flow = counter.flow
    counter.holder_id = HOLDER
    step_no = 0
    done_steps: set[str] = set()
    killed: set[str] = set()

    def submit(step: str, call: Callable[[], StepView]) -> StepView:
        nonlocal step_no
        # One fault per step: the holder's retry at the same step goes to a healthy backend.
        arm = None if step in done_steps else fault_for_step(step, step_no)
        done_steps.add(step)
        step_no += 1
        if arm is None:
            return call()
        arm()
        row.cases += 1
        row.steps.append(step)
        try:
            faulted = call()
        except BackendError:
            row.crashes += 1  # the flow must turn it into a view, not raise it
            faulted = flow.current
        except Exception:  # noqa: BLE001 - counted: an untyped exception is a crash
            row.crashes += 1
            faulted = flow.current
        finally:
            proxy.disarm()
        row.saw |= _seen_codes(faulted)
        return faulted

    sheet = counter.sheet(HOLDER)
    view = submit("sign_in", lambda: flow.sign_in_start(str(sheet["id_number"])))
    if view.step_id != "sign_in_code":
        view = flow.sign_in_start(str(sheet["id_number"]))
    view = flow.sign_in_complete(counter.admin.latest_code(None, "sms_code"))
    for _ in range(80):
        if view.is_last:
            break
        step = view.step_id
        answer = counter.answer(view)
        after = submit(step, lambda a=answer, f=flow: f.submit(a))  # type: ignore[misc]
        if (kill and after.error is None and after.step_id != step and not after.is_last
                and step not in killed):
            killed.add(step)
            # Power cut after this step: a new process, the same journal, sign in, resume.
            row.cases += 1
            row.steps.append(step)
            flow = counter.flow = counter.new_flow()
            try:
                after = counter.sign_in(HOLDER, flow)
            except Exception:  # noqa: BLE001 - counted
                row.crashes += 1
                break
        if after.error is not None:
            code = getattr(after.error, "help_code", "")
            if code == "AC-AB-0012" and step == "email_code":
                # A dead end (fixed in kiosk/flows/stages/emails.py): the code was sent, its
                # answer lost, and the retry refused. Counted, then waited out.
                row.detours.add(f"{step} {code}")
                counter.admin.advance_clock(301)
            after = flow.current
        view = after
    return view


def _no_fault_but_count(step: str, n: int) -> Callable[[], None]:
    return lambda: None


def _every_step(kind: str, proxy: FaultProxy) -> Callable[[str, int], Callable[[], None]]:
    return lambda step, n: (lambda: proxy.arm(kind))


def _hostile_rotation(proxy: FaultProxy) -> Callable[[str, int], Callable[[], None]]:
    names = sorted(HOSTILE)
    return lambda step, n: (lambda: proxy.arm(f"hostile:{names[n % len(names)]}"))


def run_kind(kind: str, sandbox_url: str, work: Path) -> Row:
    row = Row(kind)
    import requests

    requests.post(f"{sandbox_url}/sandbox/v1/reset", timeout=60).raise_for_status()
    db = work / f"{kind.replace(' ', '_')}.sqlite"
    if kind == "11 TLS failure":
        return _tls(sandbox_url, work, row)
    if kind == "8 disk full while journaling":
        return _disk_full(sandbox_url, work, row)
    if kind == "6 camera unplugged":
        return camera_faults.camera_unplugged(sandbox_url, work, row)
    if kind == "7 printer offline":
        return receipt_faults.printer_offline(sandbox_url, work, row)
    if kind == "12 keyring locked or missing":
        return receipt_faults.keyring_unavailable(sandbox_url, work, row)
    with FaultProxy(sandbox_url) as proxy:
        counter = Counter(sandbox_url, db)
        try:
            _proxied(counter, proxy.url)
            if kind == "10 clock skew":
                # The kiosk's clock 5 hours ahead of the backend's: waits and countdowns
                # follow the backend's times, so the renewal goes through unchanged.
                skew = 5 * 3600.0
                counter.flow = counter.flow.__class__(
                    counter.services, counter.journal, lang="zh-Hant", caps=counter.caps,
                    sleep=lambda s: time.sleep(min(s, 0.1)),
                    clock=lambda: time.monotonic() + skew,
                )
                faults: Callable[[str, int], Callable[[], None] | None] = _no_fault_but_count
            elif kind == "9 hostile replies":
                faults = _hostile_rotation(proxy)
            elif kind == "5 process killed":
                faults = lambda step, n: None  # noqa: E731
            else:
                faults = _every_step(KIND_FAULT[kind], proxy)
            counter.flow = counter.flow if kind == "10 clock skew" else counter.new_flow()
            view = _walk(counter, row, faults, proxy, kill=kind == "5 process killed")
            _check_backend(counter, row, view)
        finally:
            counter.close()
    return row


@contextlib.contextmanager
def small_disk(where: Path, size: str = "16m") -> Iterator[Path]:
    """A tmpfs of its own (needs root, as CI runs): a disk that really fills up."""
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"cannot mount a tmpfs (run as root): {done.stderr}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(disk: Path) -> Path:
    """Takes every free byte of `disk` (ENOSPC after); remove the file for room again."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as f:
        for block in (b"\0" * 65536, b"\0"):
            try:
                while True:
                    f.write(block)
            except OSError as err:
                if err.errno != errno.ENOSPC:
                    raise
    return filler


def _fresh(answer: dict[str, object]) -> dict[str, object]:
    """A copy with new photo buffers (the flow wipes the ones it was given)."""
    return {k: bytearray(v) if isinstance(v, bytes | bytearray) else v
            for k, v in answer.items()}


def walk_disk_full(counter: Counter, disk: Path, row: Row) -> StepView:
    """Before each step's answer the journal's disk is filled, after it emptied: the step
    shows AC-KI-0010 (or goes through), then the holder answers again."""
    counter.sign_in(HOLDER)
    flow = counter.flow
    view = flow.current
    for _ in range(80):
        if view.is_last:
            break
        step = view.step_id
        answer = {k: bytes(v) if isinstance(v, bytearray) else v
                  for k, v in counter.answer(view).items()}
        filler = fill(disk)
        row.cases += 1
        row.steps.append(step)
        try:
            view = faulted = flow.submit(_fresh(answer))
        except Exception:  # noqa: BLE001 - counted
            row.crashes += 1
            view = faulted = flow.current
        finally:
            filler.unlink()  # room again
        row.saw |= _seen_codes(faulted)
        if faulted.error is not None and faulted.step_id == step:
            view = flow.submit(_fresh(answer))
            if step == "eid" and view.error is not None:
                # The e-ID took the SMS code before the journal failed: a new code (what
                # the page offers), then the answer.
                flow.submit({"action": "request"})
                view = flow.submit(counter.answer(flow.current))
    return view


def _disk_full(sandbox_url: str, work: Path, row: Row) -> Row:
    with small_disk(work / "disk") as disk:
        counter = Counter(sandbox_url, disk / "journal.sqlite")
        try:
            view = walk_disk_full(counter, disk, row)
            _check_backend(counter, row, view)
        finally:
            counter.close()
    return row


def _tls(sandbox_url: str, work: Path, row: Row) -> Row:
    from tests.services.tls_certs import TestPki

    pki = TestPki(work)
    for bad in ("self_signed", "expired", "wrong_host"):
        leaf = pki.leaf(bad, self_signed=bad == "self_signed", expired=bad == "expired",
                        host="other.example" if bad == "wrong_host" else "127.0.0.1")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(leaf.cert, leaf.key)
        with FaultProxy(sandbox_url, tls=ctx) as proxy:
            counter = Counter(sandbox_url, work / f"tls-{bad}.sqlite")
            try:
                _proxied(counter, proxy.url, ca_bundle=str(pki.ca.cert))
                counter.flow = counter.new_flow()
                row.cases += 1
                row.steps.append(f"sign_in ({bad.replace('_', ' ')})")
                try:
                    view = counter.flow.sign_in_start(str(counter.sheet(HOLDER)["id_number"]))
                    row.saw |= _seen_codes(view)
                except Exception:  # noqa: BLE001 - counted
                    row.crashes += 1
                if proxy.seen:
                    row.data_lost += 1  # a request crossed an unverified connection
            finally:
                counter.close()
    return row


KIND_FAULT = {
    "1 unreachable": "unreachable",
    "2 timeout": "timeout",
    "3 5xx": "5xx",
    "4 reply lost after the backend acted": "reply-lost",
}
KINDS = [
    "1 unreachable", "2 timeout", "3 5xx", "4 reply lost after the backend acted",
    "5 process killed", "9 hostile replies", "10 clock skew", "11 TLS failure",
    "8 disk full while journaling", "7 printer offline", "12 keyring locked or missing",
    "6 camera unplugged",
]


def run_suite(sandbox_url: str, kinds: list[str] | None = None) -> list[Row]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="kiosk-faults-") as tmp:
        for kind in kinds or KINDS:
            started = time.monotonic()
            rows.append(run_kind(kind, sandbox_url, Path(tmp)))
            # progress on stderr, so the table and the JSON line stay the whole of stdout
            print(f"{kind}: {time.monotonic() - started:.0f} s", file=sys.stderr)
    return rows


def table(rows: list[Row]) -> str:
    lines = [f"{'kind':<40} {'steps':>5} {'cases':>5}  {'duplicates':>10} {'data lost':>9} "
             f"{'crashes':>7}  what the holder saw"]
    for r in rows:
        stuck = f" [stopped at {r.stuck}]" if r.stuck else ""
        stuck += "".join(f" [waited out {d}]" for d in sorted(r.detours))
        lines.append(
            f"{r.kind:<40} {len(set(r.steps)):>5} {r.cases:>5}  {r.duplicates:>10} "
            f"{r.data_lost:>9} {r.crashes:>7}  "
            f"{', '.join(sorted(r.saw)) or '(nothing: went through)'}{stuck}"
        )
    return "\n".join(lines)


def figures(rows: list[Row], fuzz_cases: int = 0,
            sentinel_hits: int | None = None) -> dict[str, int | None]:
    return {
        "fault_kinds": len(rows),
        "cases": sum(r.cases for r in rows),
        "duplicates": sum(r.duplicates for r in rows),
        "data_lost": sum(r.data_lost for r in rows),
        "crashes": sum(r.crashes for r in rows),
        "fuzz_cases": fuzz_cases,
        # None when the sentinel run (tests/faults/sentinel.py) did not run
        "sentinel_hits": sentinel_hits,
    }


def main() -> int:
    from PySide6.QtWidgets import QApplication

    from sandbox.app import SandboxSettings, create_app
    from sandbox.server import SandboxServer

    _app = QApplication.instance() or QApplication([])  # the CUPS printer asks Qt

    with tempfile.TemporaryDirectory(prefix="kiosk-faults-sandbox-") as tmp:
        settings = SandboxSettings(db_url=f"sqlite:///{tmp}/sandbox.sqlite",
                                   activation_seconds=0.3)
        server = SandboxServer(create_app(settings), host="127.0.0.1", port=0)
        server.start()
        try:
            # `python -m tests.faults.suite 7 12`: only those kinds (the figures say so)
            wanted = [k for k in KINDS if k.split()[0] in sys.argv[1:]]
            # stdout is the table and the JSON line only (python-escpos prints warnings)
            with contextlib.redirect_stdout(sys.stderr):
                rows = run_suite(server.url, wanted or None)
                with tempfile.TemporaryDirectory(prefix="kiosk-faults-sentinel-") as sent:
                    privacy = sentinel_run(server.url, Path(sent))
        finally:
            server.stop()
    print(table(rows))
    count = Path(os.environ.get("KIOSK_FUZZ_COUNT_FILE", "/nonexistent"))
    for hit in privacy["hits"]:
        print(f"sentinel found: {hit}")
    result = figures(rows, int(count.read_text()) if count.is_file() else 0,
                     len(privacy["hits"]))
    print(json.dumps(result))
    bad = sum(int(result[k] or 0)
              for k in ("duplicates", "data_lost", "crashes", "sentinel_hits"))
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
