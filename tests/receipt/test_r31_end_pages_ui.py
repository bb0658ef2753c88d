"""R31 on the Qt end pages: a renewal driven to its end against the sandbox, shown in the
real MainWindow offscreen, printing through a real path (the private CUPS queue, or
python-escpos's file output decoded back). The holder sees whether the receipt printed,
presses 列印收據 once, then reads why the button is gone; with the printer gone they read
the message and its help code, and 重新開始 is still there."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QPushButton

from kiosk.receipt.identity import KioskIdentity, NotEnrolled
from kiosk.receipt.printing import SystemPrinter, printer_from_setting
from kiosk.receipt.render import PaperFormat
from kiosk.receipt.service import ReceiptService
from kiosk.services.factory import close_services
from kiosk.ui.main_window import MainWindow
from kiosk.ui.worker import wait_idle
from tests.receipt.helpers import qr_in_escpos, qr_in_pdf, renew_to_end
from tests.ui.ui_helpers import screen_text, shot


@pytest.fixture
def end_window(qtbot: Any, sandbox_url: str) -> Iterator[Any]:
    """make(receipts, scenario, lang) -> (window, flow) on the flow's end page."""
    made: list[tuple[MainWindow, Any]] = []

    def make(receipts: Any, scenario: str = "h-abc", lang: str = "zh-Hant",
             self_service: bool = True) -> tuple[MainWindow, Any]:
        flow = renew_to_end(sandbox_url, receipts, scenario)
        window = MainWindow(flow, lang=lang, self_service=self_service)
        qtbot.addWidget(window)
        window.resize(1280, 900)
        window.show()
        qtbot.waitExposed(window)
        window.show_view(flow.current)
        made.append((window, flow))
        return window, flow

    yield make
    wait_idle(10_000)
    for _, flow in made:
        close_services(flow.services)


def _panel(window: MainWindow) -> Any:
    QApplication.processEvents()
    panel = getattr(window.page, "receipt_panel", None)
    assert panel is not None and panel.isVisible(), "no receipt panel on the end page"
    return panel


def _shown(window: MainWindow, cls: type[Any], name: str) -> Any:
    """The visible widget of that name (a page rebuilt for a language drops its old ones
    later, and shows new ones once events run), or None."""
    QApplication.processEvents()
    found = [w for w in window.findChildren(cls, name) if w.isVisible()]
    assert len(found) <= 1, name
    return found[0] if found else None


def _reprint(qtbot: Any, window: MainWindow) -> None:
    old = window.page
    button = _shown(window, QPushButton, "printReceipt")
    assert button is not None
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.page is not old and not window.working, timeout=30_000)


def test_r31_end_page_says_printed_and_offers_one_reprint_through_cups(
    qtbot: Any, end_window: Any, identity: KioskIdentity, cups_queue: Any,
) -> None:
    window, flow = end_window(lambda registry: ReceiptService(
        identity, registry, SystemPrinter(cups_queue.name), PaperFormat.ROLL))
    assert flow.current.step_id == "done"
    panel = _panel(window)
    assert "收據已列印" in panel.status.text()
    assert _shown(window, QPushButton, "printReceipt").text() == "列印收據"
    first = cups_queue.wait_for_pdf()
    assert qr_in_pdf(first.read_bytes()) == flow.receipt.seal  # the paper is this receipt
    first.unlink()
    shot(window, "r31_end_printed_zh-Hant")

    _reprint(qtbot, window)
    again = cups_queue.wait_for_pdf()
    assert qr_in_pdf(again.read_bytes()) == flow.receipt.seal
    again.unlink()
    # the one reprint used: no button, a line saying why, and the page still has a way on
    assert _shown(window, QPushButton, "printReceipt") is None
    no_more = _shown(window, QLabel, "receiptNoMore")
    assert no_more is not None and no_more.isVisible()
    assert "已補印一次" in no_more.text() and "櫃檯" in no_more.text()
    assert window.start_over_button.isVisible() and window.start_over_button.isEnabled()
    window.set_lang("pt")
    assert "reimpresso uma vez" in _shown(window, QLabel, "receiptNoMore").text()
    shot(window, "r31_end_reprinted_pt")
    assert list(cups_queue.out.glob("*.pdf")) == []  # nothing printed a third time


def test_r31_printer_gone_end_page_shows_the_message_and_help_code_then_reprints_on_escpos(
    qtbot: Any, end_window: Any, identity: KioskIdentity, tmp_path: Path,
) -> None:
    """The offline-only end (h-offline): the ESC/POS device is missing at first (its folder
    does not exist), the holder is told to ask at the counter (AC-KI-0301); once it is back
    the reprint lands on it and its bytes decode to the same seal."""
    device = tmp_path / "printer" / "lp0"
    window, flow = end_window(lambda registry: ReceiptService(
        identity, registry, printer_from_setting(f"escpos-file:{device}"), PaperFormat.ROLL),
        scenario="h-offline", lang="pt")
    assert flow.current.outcome == "offline"
    panel = _panel(window)
    assert "balcão" in panel.status.text()
    assert panel.status.text().count("AC-KI-0301") == 1
    assert window.start_over_button.isVisible()
    shot(window, "r31_end_printer_gone_pt")
    window.set_lang("zh-Hant")
    assert "請向櫃檯職員索取補印" in _panel(window).status.text()
    assert "AC-KI-0301" in screen_text(window)
    shot(window, "r31_end_printer_gone_zh-Hant")

    device.parent.mkdir()
    _reprint(qtbot, window)
    assert "收據已列印" in _panel(window).status.text()
    assert "AC-KI-0301" not in screen_text(window)
    assert qr_in_escpos(device.read_bytes()) == flow.receipt.seal


def test_r31_unenrolled_kiosk_end_page_sends_the_holder_to_the_counter(
    end_window: Any,
) -> None:
    window, flow = end_window(lambda registry: ReceiptService(
        NotEnrolled("not enrolled"), registry, SystemPrinter("none"), PaperFormat.ROLL),
        scenario="h-noeid")
    assert flow.current.outcome == "refused"
    panel = _panel(window)
    assert "收據將由櫃檯提供" in panel.status.text()
    assert panel.status.text().count("AC-KI-0305") == 1
    assert _shown(window, QPushButton, "printReceipt") is None  # nothing to print here
    assert window.start_over_button.isVisible()
    shot(window, "r31_end_not_enrolled_zh-Hant")
