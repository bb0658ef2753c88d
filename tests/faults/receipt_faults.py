"""Kinds 7 (printer offline) and 12 (keyring locked or missing) of `make faults`: the
receipt step at the end of a real renewal over real HTTP, with a real printer target that
cannot be opened or a real CUPS queue stopped or rejecting jobs, and a real gnome-keyring
that is locked or gone.

Each case is a whole H-SINGLE renewal (the sandbox reset before it). What is checked on
the backend: the renewal activated once, its receipt lodged exactly once with the registry
(printed or not), and for kind 7 the counter's reprint marks it printed.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from kiosk.flows.renewal import RenewalFlow, StepView
from kiosk.receipt.identity import DEMO_CODE, IdentityStore, enrol, enrol_ephemeral, load_or_error
from kiosk.receipt.printing import EscposPrinter, EscposTarget, Printer, SystemPrinter
from kiosk.receipt.render import PaperFormat
from kiosk.receipt.service import ReceiptService
from kiosk.receipt.setup import ReceiptSetup
from kiosk.services import errors
from kiosk.store import SqlJournal
from tests.flows.harness import Counter
from tests.receipt.helpers import CupsQueue, private_cups

HOLDER = "H-SINGLE"
STAFF = ("staff01", "counter-demo-1")
#: What the holder is told when the kiosk prints no receipt (either kind): see the counter.
TO_THE_COUNTER = "櫃檯"


def reset_sandbox(sandbox_url: str) -> None:
    requests.post(f"{sandbox_url}/sandbox/v1/reset", timeout=60).raise_for_status()


def renew_with_receipts(counter: Counter, receipts: Any) -> tuple[RenewalFlow, StepView]:
    """H-SINGLE renewed to its end by a kiosk whose flow issues receipts with `receipts`."""
    flow = RenewalFlow(counter.services, SqlJournal(f"sqlite:///{counter.db}"),
                       lang="zh-Hant", caps=counter.caps, sleep=lambda s: None,
                       receipts=receipts, kiosk_id="LOBBY-F", site="Faults")
    counter.flow = flow
    counter.sign_in(HOLDER)
    return flow, counter.to("done")


def _lodged_for(counter: Counter, staff: Any, rid: str) -> list[Any]:
    return [r for r in counter.services.registry.receipts(staff) if r.renewal_id == rid]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nobody listens once it is closed


def _check_end(row: Any, flow: RenewalFlow, view: StepView, want_code: str) -> dict[str, Any]:
    """The end page: activated, the receipt's state with `want_code` and the holder's
    message sending them to the counter. Counts a miss as data lost."""
    receipt = dict(view.data.get("receipt") or {})
    code = receipt.get("help_code")
    row.saw.add(str(code) if code else "(no code)")
    if view.outcome != "activated" or receipt.get("printed") or code != want_code or \
            TO_THE_COUNTER not in str((receipt.get("messages") or {}).get("zh-Hant", "")):
        row.data_lost += 1
        row.stuck = f"{view.step_id} receipt={receipt}"
    return receipt


@dataclass(frozen=True)
class Gone:
    """A printer case: the printer, the help code the holder must see, and what puts the
    printer out of service for the case (a real queue disabled, say) and back after."""

    printer: Printer
    code: str
    out_of_service: Callable[[], contextlib.AbstractContextManager[Any]] = contextlib.nullcontext


def _gone_printers(work: Path, cups: CupsQueue) -> dict[str, Gone]:
    return {
        "receipt (ESC/POS file that cannot be opened)": Gone(
            EscposPrinter(EscposTarget("file", path=str(work / "unplugged" / "lp0"))),
            errors.KIOSK_PRINTER_MISSING),
        "receipt (ESC/POS network printer switched off)": Gone(
            EscposPrinter(EscposTarget("network", host="127.0.0.1", port=_closed_port())),
            errors.KIOSK_PRINTER_MISSING),
        "receipt (CUPS queue missing)": Gone(SystemPrinter("no-such-queue-faults"),
                                             errors.KIOSK_PRINTER_MISSING),
        "receipt (CUPS queue stopped: cupsdisable)": Gone(
            SystemPrinter(cups.name), errors.KIOSK_PRINTER_OFFLINE,
            lambda: cups.switched("cupsdisable", "cupsenable")),
        "receipt (CUPS queue rejecting jobs: cupsreject)": Gone(
            SystemPrinter(cups.name), errors.KIOSK_PRINTER_OFFLINE,
            lambda: cups.switched("cupsreject", "cupsaccept")),
    }


def printer_offline(sandbox_url: str, work: Path, row: Any) -> Any:
    """Kind 7: the printer gone or out of service at the receipt step: an ESC/POS printer
    that cannot be opened, a CUPS queue that does not exist, and a real CUPS queue (a private
    cupsd, tests/receipt/helpers.py) that exists but is stopped or rejects jobs. The receipt
    is lodged unprinted exactly once, the holder is sent to the counter with the case's help
    code (AC-KI-0301 missing, AC-KI-0302 offline), the holder's reprint fails the same way
    and lodges nothing more, nothing waits in the CUPS queue to print later, and the counter
    prints it (marked printed on the registry)."""
    with private_cups() as cups:
        for step, gone in _gone_printers(work, cups).items():
            reset_sandbox(sandbox_url)
            with counter_at(sandbox_url, work / f"printer-{len(row.steps)}.sqlite") as counter, \
                    gone.out_of_service():
                row.cases += 1
                row.steps.append(step)
                try:
                    _printer_case(counter, work, row, gone)
                    if cups.jobs() or list(cups.out.glob("*.pdf")):
                        row.duplicates += 1  # it would print as well as the counter's reprint
                        row.stuck = f"{step}: a job left in the queue: {cups.jobs()!r}"
                except Exception as exc:  # noqa: BLE001 - counted: an untyped exception is a crash
                    row.crashes += 1
                    row.stuck = f"{step}: {type(exc).__name__}: {exc}"
    return row


def _printer_case(counter: Counter, work: Path, row: Any, gone: Gone) -> None:
    registry = counter.services.registry
    identity = enrol_ephemeral(registry, "LOBBY-F")
    service = ReceiptService(identity, registry, gone.printer, PaperFormat.ROLL)
    flow, view = renew_with_receipts(counter, service)
    _check_end(row, flow, view, gone.code)
    again = flow.reprint_receipt()  # the holder's one reprint: still no printer
    if again is None or again.printed or again.help_code != gone.code:
        row.data_lost += 1
    staff = registry.staff_login(*STAFF)
    rid = flow.renewal_id
    lodged = _lodged_for(counter, staff, rid)
    row.duplicates += max(0, len(lodged) - 1)
    if len(lodged) != 1 or lodged[0].printed:
        row.data_lost += 1
        return
    # The counter reprints it on its own printer (an ESC/POS file here).
    out = work / f"counter-{len(row.steps)}.escpos"
    out.touch()
    desk = ReceiptService(identity, registry, EscposPrinter(EscposTarget("file", path=str(out))))
    marked = desk.reprint(staff, lodged[0].receipt_id)
    after = _lodged_for(counter, staff, rid)
    if not marked.printed or out.stat().st_size == 0 or len(after) != 1 or not after[0].printed:
        row.data_lost += 1
    out.unlink()
    add_duplicates(counter, flow, row)


def add_duplicates(counter: Counter, flow: RenewalFlow, row: Any) -> None:
    from tests.faults.suite import count_duplicates

    counter.flow = flow
    row.duplicates += count_duplicates(counter)


def keyring_unavailable(sandbox_url: str, work: Path, row: Any) -> Any:
    """Kind 12: the kiosk enrolled (key encrypted in the data folder, its passphrase in a
    real gnome-keyring), then at start the keyring locked, then gone from the session bus.
    The setup names the fix for staff (AC-KI-0306), the renewal runs to its end, the holder
    is told the receipt comes from the counter, nothing is lodged, nothing crashes."""
    from keyring.backends.SecretService import Keyring

    from tests.receipt.helpers import keyring_daemon

    folder = work / "kiosk-data"
    with keyring_daemon(work / "keyring-home") as (_address, daemon):
        reset_sandbox(sandbox_url)
        with counter_at(sandbox_url, work / "enrol.sqlite") as counter:
            enrol(counter.services.registry, DEMO_CODE, "LOBBY-K", IdentityStore(folder, Keyring()))
        import secretstorage

        bus = secretstorage.dbus_init()
        secretstorage.get_default_collection(bus).lock()
        bus.close()
        _keyring_case(sandbox_url, work, row, folder, "start (keyring locked)", "is locked")
        daemon.terminate()
        daemon.wait(timeout=10)
        _keyring_case(sandbox_url, work, row, folder, "start (no Secret Service on the bus)",
                      "gnome-keyring")
    return row


@contextlib.contextmanager
def counter_at(sandbox_url: str, db: Path) -> Any:
    counter = Counter(sandbox_url, db)
    try:
        yield counter
    finally:
        counter.close()


def _keyring_case(sandbox_url: str, work: Path, row: Any, folder: Path, step: str,
                  fix: str) -> None:
    from keyring.backends.SecretService import Keyring

    row.cases += 1
    row.steps.append(step)
    reset_sandbox(sandbox_url)
    with counter_at(sandbox_url, work / f"keyring-{len(row.steps)}.sqlite") as counter:
        try:
            # What `kiosk run` does at start: the setup loads the identity and asks problem().
            setup = ReceiptSetup({"kiosk_id": "LOBBY-K"},
                                 enrol=lambda: load_or_error(IdentityStore(folder, Keyring())))
            problem = setup.problem()
            service = setup.service(counter.services.registry)
            staff_message = service.status().staff_message
            if problem != errors.KIOSK_KEYRING_UNAVAILABLE or fix not in staff_message:
                row.data_lost += 1
                row.stuck = f"{step}: {problem} {staff_message!r}"
            flow, view = renew_with_receipts(counter, service)
            _check_end(row, flow, view, errors.KIOSK_KEYRING_UNAVAILABLE)
            add_duplicates(counter, flow, row)
        except Exception as exc:  # noqa: BLE001 - counted: an untyped exception is a crash
            row.crashes += 1
            row.stuck = f"{step}: {type(exc).__name__}: {exc}"
