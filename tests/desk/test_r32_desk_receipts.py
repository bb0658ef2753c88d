"""R31 and R32 at the counter desk with a real ReceiptService: a kiosk identity the sandbox's
CA issued (enrolled for the test), an ESC/POS printer writing to a file, the seal decoded
back from the printed bytes and checked against the registry's trust list. And the reprint
page: a receipt a lobby kiosk lodged unprinted (its printer was missing) printed once here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from kiosk.receipt.identity import KioskIdentity, enrol_ephemeral
from kiosk.receipt.printing import printer_from_setting
from kiosk.receipt.render import PaperFormat
from kiosk.receipt.service import ReceiptService
from kiosk.receipt.verify import verify_seal
from kiosk.services.factory import close_services
from kiosk.services.registry import RegistryClient
from kiosk.tokens.softhsm import SoftHsmToken
from kiosk.ui.main_window import MainWindow
from tests.desk.conftest import PIN, shot_desk, sign_in, to_token_page, type_pin
from tests.receipt.helpers import qr_in_escpos, renew_to_end
from tests.services.sandbox_walk import Kiosk
from tests.ui.ui_helpers import click, screen_text, wait_step

DeskWindow = Callable[..., tuple[MainWindow, Kiosk, Any]]


@pytest.fixture
def registry(sandbox_url: str) -> Iterator[RegistryClient]:
    client = RegistryClient(sandbox_url + "/registry/v1")
    yield client
    client.close()


def _escpos_service(identity: KioskIdentity, device: Path) -> Callable[[Any], ReceiptService]:
    return lambda registry: ReceiptService(
        identity, registry, printer_from_setting(f"escpos-file:{device}"), PaperFormat.ROLL)


def test_r32_desk_done_prints_the_receipt_whose_seal_lists_the_issued_serials(
    qtbot: QtBot, desk_window: DeskWindow, token: SoftHsmToken, registry: RegistryClient,
    tmp_path: Path,
) -> None:
    device = tmp_path / "printer" / "lp0"
    device.parent.mkdir()
    identity = enrol_ephemeral(registry, "DESK-1")
    window, kiosk, journal = desk_window(receipts=_escpos_service(identity, device))
    kiosk.submitted("H-OFFLINE")
    sign_in(qtbot, window)
    rid = to_token_page(qtbot, window, kiosk, "zh_receipt")
    type_pin(qtbot, window, token, PIN)
    wait_step(qtbot, window, "desk_done")
    state = window.page.findChild(QLabel, "receiptState")  # type: ignore[union-attr]
    assert state.text() == "收據已列印，請交予證書用戶。"
    shot_desk(window, "desk_done_receipt_zh")
    done = window.flow.current.data["progress"]  # type: ignore[attr-defined]
    # The paper: its seal, read back from the printer's bytes, verifies against the
    # registry's published certificates and lists what was issued here.
    claims = verify_seal(qr_in_escpos(device.read_bytes()), registry.trust_list())
    assert claims["reference"] == rid and claims["kiosk_id"] == "DESK-1"
    assert claims["outcome"] == "activated"
    assert sorted((c["os"], c["ns"], c["ne"]) for c in claims["certificates"]) == sorted(
        (r["serial"], r["new_serial"], r["new_expiry"]) for r in done)
    # Lodged as printed: nothing waits on the reprint list.
    staff = kiosk.staff_login()
    assert list(registry.receipts(staff, printed=False)) == []
    (lodged,) = [r for r in registry.receipts(staff) if r.renewal_id == rid]
    assert lodged.printed
    assert "receipt.issue" in repr(journal.audit_trail())


def test_r32_desk_reprints_once_the_receipt_a_lobby_kiosk_could_not_print(
    qtbot: QtBot, desk_window: DeskWindow, registry: RegistryClient, sandbox_url: str,
    tmp_path: Path,
) -> None:
    # The lobby: H-OFFLINE's self-service renewal ends while its printer is missing.
    lobby = enrol_ephemeral(registry, "LOBBY-1")
    flow = renew_to_end(sandbox_url, _escpos_service(lobby, tmp_path / "gone" / "lp0"),
                        "h-offline")
    try:
        assert flow.receipt is not None and not flow.receipt.printed and flow.receipt.lodged
        ref = flow.receipt.renewal_ref
        lobby_seal = flow.receipt.seal
    finally:
        close_services(flow.services)
    # The counter: its own identity and printer.
    device = tmp_path / "desk-printer" / "lp0"
    device.parent.mkdir()
    window, kiosk, journal = desk_window(
        receipts=_escpos_service(enrol_ephemeral(registry, "DESK-1"), device), lang="pt")
    sign_in(qtbot, window)
    click(qtbot, window.page.buttons["receipts"])  # type: ignore[union-attr]
    wait_step(qtbot, window, "desk_receipts")
    text = screen_text(window)
    (waiting,) = registry.receipts(kiosk.staff_login(), printed=False)
    at = waiting.lodged_at.strftime("%Y-%m-%d %H:%M")
    assert f"Referência {ref} · quiosque LOBBY-1 · {at} UTC" in text
    shot_desk(window, "desk_receipts_waiting_pt")
    (button,) = window.page.reprint_buttons.values()  # type: ignore[union-attr]
    assert button.text() == "Reimprimir"
    click(qtbot, button)
    qtbot.waitUntil(lambda: not window.working
                    and f"Recibo reimpresso (referência {ref})." in screen_text(window))
    # What came out of the counter's printer is the lobby's receipt, with the lobby's seal.
    assert qr_in_escpos(device.read_bytes()) == lobby_seal
    assert "Não há recibos por imprimir." in screen_text(window)
    assert not getattr(window.page, "reprint_buttons", {})
    shot_desk(window, "desk_receipts_reprinted_pt")
    assert list(registry.receipts(kiosk.staff_login(), printed=False)) == []
    assert "receipt.reprint" in repr(journal.audit_trail())
