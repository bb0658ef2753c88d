"""R2 at the kiosk (issue 9 §4): the pending list's three groups, and the queue slip.

H-OFFLINE renews in the lobby (its two non-cloud certificates pass identity verification and
wait at the counter), then comes back: signed in again against the sandbox over HTTP, the
pending list shows 待身份鑑別之證書 empty, 待線上激活之證書 empty and both certificates under
待線下辦理之證書, with the guidance to take the reference to the counter; the kiosk prints a
queue slip whose QR code is that reference (read back from the private CUPS queue's PDF or
from python-escpos's file output). A printer that fails says so with AC-KI-0530, and the
page still shows the reference and a way on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QLabel

from kiosk.receipt.identity import KioskIdentity
from kiosk.receipt.model import Outcome
from kiosk.receipt.printing import NoPrinter, SystemPrinter, printer_from_setting
from kiosk.receipt.render import PaperFormat
from kiosk.receipt.service import ReceiptService
from kiosk.receipt.slip import render_slip
from kiosk.services.factory import close_services
from kiosk.ui.app import style_sheet
from kiosk.ui.main_window import MainWindow
from kiosk.ui.worker import wait_idle
from tests.receipt.helpers import (
    SERIALS,
    pdftotext,
    qr_in_escpos,
    qr_in_pdf,
    receipt_data,
    renew_to_end,
    run,
)
from tests.ui.ui_helpers import SHOTS, screen_text, shot


@pytest.fixture
def come_back(qtbot: Any, sandbox_url: str, identity: KioskIdentity) -> Iterator[Any]:
    """come_back(printer, lang) -> (window, flow): H-OFFLINE's lobby renewal (no printer),
    then the holder's second visit on a new flow printing with `printer`, on its page."""
    made: list[Any] = []

    def make(printer: Any, lang: str = "zh-Hant") -> tuple[MainWindow, Any]:
        first = renew_to_end(sandbox_url, lambda registry: ReceiptService(
            identity, registry, NoPrinter(), PaperFormat.ROLL), "h-offline")
        made.append(first)
        assert first.current.step_id == "offline_done"
        again = renew_to_end(sandbox_url, lambda registry: ReceiptService(
            identity, registry, printer, PaperFormat.ROLL), "h-offline")
        made.append(again)
        window = MainWindow(again, lang=lang, self_service=True)
        window.setStyleSheet(style_sheet())  # as `kiosk run` styles it (on this window only)
        qtbot.addWidget(window)
        window.resize(1280, 900)
        window.show()
        qtbot.waitExposed(window)
        window.show_view(again.current)
        QApplication.processEvents()
        return window, again

    yield make
    wait_idle(10_000)
    for flow in made:
        close_services(flow.services)


def _visible(window: MainWindow, name: str) -> QLabel:
    QApplication.processEvents()
    found = [w for w in window.findChildren(QLabel, name) if w.isVisible()]
    assert len(found) == 1, name
    return found[0]


def _reference(flow: Any) -> str:
    renewal = flow._wizard.data["renewal"]
    return str(renewal.renewal_id)


def test_r2_returning_holder_sees_three_groups_and_takes_a_queue_slip_from_cups(
    come_back: Any, cups_queue: Any,
) -> None:
    window, flow = come_back(SystemPrinter(cups_queue.name))
    view = flow.current
    assert view.step_id == "offline_queue" and view.outcome == "offline"
    renewal = flow._wizard.data["renewal"]
    assert not renewal.identity_pending and not renewal.activation_pending
    serials = sorted(c.serial for c in renewal.offline_pending)
    assert len(serials) == 2  # H-OFFLINE's qualified and encryption certificates
    ref = _reference(flow)
    text = screen_text(window)
    # the three groups, in the guide's order; the two empty ones say so in one line
    at = [text.index(g) for g in ("待身份鑑別之證書", "待線上激活之證書", "待線下辦理之證書")]
    assert at == sorted(at)
    assert _visible(window, "group_identity_empty").text() == "暫無證書。"
    assert _visible(window, "group_activation_empty").text() == "暫無證書。"
    assert not [w for w in window.findChildren(QLabel, "group_offline_empty") if w.isVisible()]
    offline_part = text[at[2]:]
    for serial in serials:
        assert serial in offline_part  # each certificate under 待線下辦理
    assert "商業機構合格證書" in offline_part
    assert "開始鑑別" not in text  # nothing to verify: no 開始鑑別(0)
    counter = _visible(window, "offlineCounter").text()
    assert f"請攜同參考編號 {ref} 親臨 eSignTrust 證書註冊署櫃檯" in counter
    assert "輪候單已列印" in _visible(window, "receiptStatus").text()
    assert not window.next_button.isVisible()
    assert window.start_over_button.isVisible()
    shot(window, "r2_pending_three_groups_zh-Hant")

    slip = cups_queue.wait_for_pdf()
    assert qr_in_pdf(slip.read_bytes()) == ref  # the paper carries this renewal's reference
    png = SHOTS / "r2_queue_slip"
    done = run(["pdftoppm", "-png", "-r", "150", "-singlefile", str(slip), str(png)])
    assert done.returncode == 0, done.stderr
    slip.unlink()

    window.set_lang("pt")
    QApplication.processEvents()
    text = screen_text(window)
    for group in ("Certificados a aguardar verificação de identidade",
                  "Certificados a aguardar activação online",
                  "Certificados a tratar presencialmente"):
        assert group in text
    assert f"com a referência {ref}" in _visible(window, "offlineCounter").text()
    assert "senha de atendimento foi impressa" in _visible(window, "receiptStatus").text()
    shot(window, "r2_pending_three_groups_pt")
    assert list(cups_queue.out.glob("*.pdf")) == []  # one slip, not one per language


def test_r2_queue_slip_printer_gone_says_ac_ki_0530_and_keeps_the_reference_in_sight(
    come_back: Any, tmp_path: Path, sandbox_url: str, identity: KioskIdentity,
) -> None:
    """The ESC/POS device is missing: the holder reads AC-KI-0530 and to give the reference
    shown at the counter; the page keeps it and 重新開始. The next returning visit, with the
    device back, prints a slip whose decoded QR code is the reference."""
    device = tmp_path / "printer" / "lp0"
    window, flow = come_back(printer_from_setting(f"escpos-file:{device}"))
    assert flow.current.step_id == "offline_queue"
    ref = _reference(flow)
    status = _visible(window, "receiptStatus").text()
    assert "輪候單未能列印" in status and status.count("AC-KI-0530") == 1
    assert ref in _visible(window, "offlineCounter").text()
    assert window.start_over_button.isVisible() and window.start_over_button.isEnabled()
    assert flow.receipt is not None and flow.receipt.help_code == "AC-KI-0530"
    shot(window, "r2_queue_slip_not_printed_zh-Hant")
    window.set_lang("pt")
    assert "Não foi possível imprimir a senha" in _visible(window, "receiptStatus").text()

    device.parent.mkdir()
    again = renew_to_end(sandbox_url, lambda registry: ReceiptService(
        identity, registry, printer_from_setting(f"escpos-file:{device}"),
        PaperFormat.ROLL), "h-offline")
    try:
        assert again.current.step_id == "offline_queue"
        assert again.receipt.printed and again.receipt.help_code is None
        assert qr_in_escpos(device.read_bytes()) == ref
    finally:
        close_services(again.services)



def test_r2_queue_slip_names_the_reference_the_waiting_certificates_and_the_counter() -> None:
    """The slip's text as the holder reads it, in Chinese and Portuguese (pt session); its
    QR code is the reference; the holder's name and ID number are not on it."""
    pdf = render_slip(receipt_data(Outcome.OFFLINE, lang="pt", ref="RN-SLIP-0042"))
    text = " ".join(pdftotext(pdf).split())
    packed = text.replace(" ", "")  # Chinese wraps anywhere: compare without the breaks
    assert "輪候單" in text and "Senha de atendimento" in text
    assert "RN-SLIP-0042" in text
    assert SERIALS["old3"] in text and SERIALS["old2"] in text
    assert "商業機構合格證書" in text and "加密證書" in text
    assert "證書註冊署櫃檯" in packed and "balcão da eSignTrust" in text
    assert "CHAN TAI MAN" not in text and "1000001" not in text
    assert qr_in_pdf(pdf) == "RN-SLIP-0042"
