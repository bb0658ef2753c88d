"""R31 in the renewal flow: an H-ABC renewal driven to its end prints the receipt once to a
real CUPS queue, the holder gets one reprint, and with the printer gone the end page carries
the holder's message with its help code while the receipt is lodged unprinted."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from kiosk.flows.renewal import RenewalFlow
from kiosk.receipt.identity import KioskIdentity
from kiosk.receipt.printing import Printer, SystemPrinter
from kiosk.receipt.render import PaperFormat
from kiosk.receipt.service import ReceiptService
from kiosk.receipt.verify import seal_from_pdf
from kiosk.services.factory import close_services
from tests.receipt.helpers import renew_to_end


def _renew(sandbox_url: str, identity: KioskIdentity, printer: Printer) -> RenewalFlow:
    flow = renew_to_end(sandbox_url, lambda registry: ReceiptService(
        identity, registry, printer, PaperFormat.ROLL))
    assert flow.current.outcome == "activated"
    flow._test_services = flow.services  # type: ignore[attr-defined]
    return flow


def test_r31_a_renewal_ends_with_its_receipt_printed_once_and_one_reprint(
    qapp: Any, sandbox_url: str, identity: KioskIdentity, cups_queue: Any,
) -> None:
    flow = _renew(sandbox_url, identity, SystemPrinter(cups_queue.name))
    try:
        receipt = flow.current.data["receipt"]
        assert receipt == {"printed": True, "lodged": True, "help_code": None, "messages": {},
                           "reprints_left": 1, "available": True}
        job = cups_queue.wait_for_pdf()
        assert flow.receipt is not None and flow.receipt.seal
        job.unlink()
        # entering the end again (a re-render) prints nothing more; the reprint prints once
        flow._notify()
        state = flow.reprint_receipt()
        assert state is not None and state.printed and state.reprints_left == 0
        cups_queue.wait_for_pdf().unlink()
        assert flow.reprint_receipt() is state and state.reprints_left == 0
        assert flow.current.data["receipt"]["reprints_left"] == 0
        assert list(cups_queue.out.glob("*.pdf")) == []
        made = flow.receipt.result.receipt
        assert seal_from_pdf(made.pdf) == flow.receipt.seal
    finally:
        close_services(flow._test_services)  # type: ignore[attr-defined]


def test_r31_printer_gone_tells_the_holder_and_lodges_the_receipt_unprinted(
    qapp: Any, sandbox_url: str, identity: KioskIdentity, registry: Any, staff: Any,
) -> None:
    gone = SystemPrinter("no-such-queue-" + Path(tempfile.mkdtemp()).name)
    flow = _renew(sandbox_url, identity, gone)
    try:
        receipt = flow.current.data["receipt"]
        assert receipt["printed"] is False and receipt["lodged"] is True
        assert receipt["help_code"] == "AC-KI-0301"
        assert "請向櫃檯職員索取補印" in receipt["messages"]["zh-Hant"]
        unprinted = registry.receipts(staff, printed=False)
        assert [r.renewal_id for r in unprinted] == [flow.renewal_id]
    finally:
        close_services(flow._test_services)  # type: ignore[attr-defined]
