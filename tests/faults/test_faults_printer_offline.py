"""Issue 12 kind 7 on a real CUPS queue that exists but is out of service (a private cupsd,
tests/receipt/helpers.py private_cups): stopped (`cupsdisable`) or refusing jobs
(`cupsreject`). When the kiosk printed through Qt (cupsPrintFile, its answer dropped) a
rejecting queue lost the receipt while the end page said 收據已列印. Now the kiosk asks CUPS
itself and submits the job through libcups (kiosk/receipt/printing.py Cups): the holder
reads the offline message with AC-KI-0302, the registry holds the receipt once, unprinted,
and nothing waits in the queue to print later."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from kiosk.receipt import printing
from kiosk.receipt.identity import enrol_ephemeral
from kiosk.receipt.model import Outcome
from kiosk.receipt.printing import PrinterOffline, SystemPrinter
from kiosk.receipt.render import PaperFormat
from kiosk.receipt.service import ReceiptService, make_receipt
from kiosk.services import errors
from kiosk.services.registry import RegistryClient
from kiosk.ui.main_window import MainWindow
from tests.faults.receipt_faults import STAFF, renew_with_receipts, reset_sandbox
from tests.flows.harness import Counter
from tests.receipt.helpers import CupsQueue, private_cups, qr_in_pdf, receipt_data
from tests.ui.ui_helpers import shot

OFFLINE_ZH = ("收據打印機離線：收據未能列印，請向櫃檯職員索取補印（收據已交 eSignTrust 保存）。"
              "（求助碼：AC-KI-0302）")


@pytest.fixture(scope="module")
def queue() -> Iterator[CupsQueue]:
    with private_cups() as q:
        yield q


@pytest.mark.parametrize("off,on", [("cupsdisable", "cupsenable"), ("cupsreject", "cupsaccept")])
def test_r31_issue12_out_of_service_cups_queue_tells_the_holder_and_lodges_once_unprinted(
    qapp: Any, qtbot: Any, sandbox_server: str, tmp_path: Path, queue: CupsQueue,
    off: str, on: str,
) -> None:
    reset_sandbox(sandbox_server)
    counter = Counter(sandbox_server, tmp_path / "journal.sqlite")
    try:
        registry = counter.services.registry
        service = ReceiptService(enrol_ephemeral(registry, "LOBBY-P"), registry,
                                 SystemPrinter(queue.name), PaperFormat.ROLL)
        with queue.switched(off, on):
            flow, view = renew_with_receipts(counter, service)
            assert view.step_id == "done" and view.outcome == "activated"
            receipt = view.data["receipt"]
            assert receipt["printed"] is False and receipt["lodged"] is True
            assert receipt["help_code"] == errors.KIOSK_PRINTER_OFFLINE
            assert receipt["messages"]["zh-Hant"] == OFFLINE_ZH

            window = MainWindow(flow, lang="zh-Hant")
            qtbot.addWidget(window)
            window.resize(1280, 900)
            window.show()
            window.show_view(flow.current)
            QApplication.processEvents()
            status = window.page.receipt_panel.status.text()
            assert "收據打印機離線" in status and status.count("AC-KI-0302") == 1
            assert window.start_over_button.isVisible()
            shot(window, f"issue12_end_cups_{off}_zh-Hant")
            window.set_lang("pt")
            QApplication.processEvents()
            status = window.page.receipt_panel.status.text()
            assert "balcão" in status and "AC-KI-0302" in status
            shot(window, f"issue12_end_cups_{off}_pt")

            again = flow.reprint_receipt()  # the holder's reprint: the queue still out
            assert again is not None and not again.printed
            assert again.help_code == errors.KIOSK_PRINTER_OFFLINE
        staff = registry.staff_login(*STAFF)
        lodged = [r for r in registry.receipts(staff) if r.renewal_id == flow.renewal_id]
        assert len(lodged) == 1 and lodged[0].printed is False
        # Back in service, nothing of the holder's waits in it to print as well.
        assert queue.jobs() == "" and list(queue.out.glob("*.pdf")) == []
    finally:
        counter.close()


@pytest.mark.parametrize("off,on,said", [
    ("cupsdisable", "cupsenable", "became stopped; 1 job(s) cancelled"),
    ("cupsreject", "cupsaccept", "refused the job: cupsCreateJob failed"),
])
def test_r31_issue12_queue_put_out_of_service_while_the_job_goes_in_prints_nothing_later(
    qapp: Any, sandbox_server: str, queue: CupsQueue, monkeypatch: pytest.MonkeyPatch,
    off: str, on: str, said: str,
) -> None:
    """The queue is put out of service after the kiosk's check and before its job goes in
    (a staff member at the printer). Stopped: CUPS holds the job; the kiosk says offline
    and cancels it (by the id cupsCreateJob gave). Rejecting: cupsCreateJob fails, and the
    kiosk says offline. Either way, once the queue runs again only the next receipt prints."""
    registry = RegistryClient(sandbox_server + "/registry/v1")
    try:
        identity = enrol_ephemeral(registry, "LOBBY-P")
    finally:
        registry.close()
    held = make_receipt(receipt_data(Outcome.ACTIVATED, ref="RN-HELD-0001"), identity)
    later = make_receipt(receipt_data(Outcome.ACTIVATED, ref="RN-NEXT-0002"), identity)
    real = printing.Cups.submit

    def out_meanwhile(cups: printing.Cups, queue_name: str, *args: Any) -> int:
        assert queue.lp(off, queue.name).returncode == 0
        return real(cups, queue_name, *args)

    monkeypatch.setattr(printing.Cups, "submit", out_meanwhile)
    try:
        with pytest.raises(PrinterOffline) as err:
            SystemPrinter(queue.name).print_pdf(held.pdf, PaperFormat.ROLL, "receipt")
        assert err.value.help_code == errors.KIOSK_PRINTER_OFFLINE
        assert said in str(err.value)
        assert queue.jobs() == ""
    finally:
        assert queue.lp(on, queue.name).returncode == 0
    monkeypatch.setattr(printing.Cups, "submit", real)
    SystemPrinter(queue.name).print_pdf(later.pdf, PaperFormat.ROLL, "receipt")
    first = queue.wait_for_pdf()
    assert qr_in_pdf(first.read_bytes()) == later.seal  # the held one never printed
    first.unlink()
    assert list(queue.out.glob("*.pdf")) == []
