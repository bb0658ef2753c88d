"""R32 and R34 at the counter desk, driven through its pages (pytest-qt, offscreen): the real
sandbox over HTTP, a real SQLite journal, a real SoftHSM2 token, and `pkcs11-tool` (opensc)
as the independent look at what ends up on the token."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton
from pytestqt.qtbot import QtBot

from kiosk.services.errors import BackendError
from kiosk.tokens.softhsm import SoftHsmToken
from kiosk.tokens.token import TokenModule
from kiosk.ui.main_window import MainWindow
from tests.desk.conftest import (
    PIN,
    lock_user_pin,
    shot_desk,
    sign_in,
    to_token_page,
    type_pin,
)
from tests.services.sandbox_walk import Kiosk
from tests.ui.ui_helpers import click, current_step, field, screen_text, type_into, wait_step

DeskWindow = Callable[..., tuple[MainWindow, Kiosk, Any]]


@pytest.fixture
def offline_at_desk(qtbot: QtBot, desk_window: DeskWindow) -> DeskWindow:
    """desk_window(**kw) once H-OFFLINE has done steps 1 to 3 online, staff signed in."""

    def make(**kw: Any) -> tuple[MainWindow, Kiosk, Any]:
        window, kiosk, journal = desk_window(**kw)
        kiosk.submitted("H-OFFLINE")
        sign_in(qtbot, window)
        return window, kiosk, journal

    return make


def test_r32_desk_pages_finish_h_offline_onto_the_token_and_pkcs11_tool_shows_it(
    qtbot: QtBot, offline_at_desk: DeskWindow,
    token: SoftHsmToken, tmp_path: Path,
) -> None:
    window, kiosk, journal = offline_at_desk()
    shot_desk(window, "desk_home_zh")
    rid = to_token_page(qtbot, window, kiosk, "zh")
    type_pin(qtbot, window, token, "000000")  # a wrong PIN: the token counts it
    qtbot.waitUntil(lambda: window.error_panel.isVisible() and not window.working)
    assert "AC-KI-0204" in window.error_panel.help.text()
    assert "載體密碼（PIN）不正確" in window.error_panel.message.text()
    assert current_step(window) == "desk_token"
    assert field(window, "pin").text() == ""
    type_pin(qtbot, window, token, PIN)
    wait_step(qtbot, window, "desk_done")
    done = window.flow.current.data["progress"]  # type: ignore[attr-defined]
    assert all(r["done"] for r in done) and len(done) == 2
    text = screen_text(window)
    assert all(r["new_serial"] in text and r["new_expiry"] in text for r in done)
    # No receipt service on this terminal: said plainly, no pointer to a reprint.
    state = window.page.findChild(QLabel, "receiptState")  # type: ignore[union-attr]
    assert state.text().startswith("本終端機未設定收據")
    assert "重印" not in state.text()
    shot_desk(window, "desk_done_zh")
    # What is on the token, looked at with opensc's pkcs11-tool: two key pairs made there,
    # never extractable, and the two certificates whose serials the registry reports.
    listing = token.pkcs11_tool("-O", pin=PIN)
    assert listing.count("Private Key Object") == 2
    assert listing.count("never extractable") == 2
    assert listing.count("Certificate Object") == 2
    reg = kiosk.services.registry
    issued = {e.cert_id: e for e in reg.desk_queue(kiosk.staff_login(), include_issued=True)
              if e.renewal_id == rid}
    assert sorted(e.new_serial or "" for e in issued.values()) == sorted(
        r["new_serial"] for r in done)
    assert all(e.state == "issued" for e in issued.values())
    for r in done:
        assert f"serial: {r['new_serial'].lower()}" in listing.lower() or \
            r["new_serial"].lower().lstrip("0") in listing.lower().replace(":", "")
    trail = repr(journal.audit_trail())
    assert "registry.desk_queue" in trail and "token.open" in trail
    assert "registry.issue_certificate" in trail
    assert PIN not in trail and kiosk.id_number_of("H-OFFLINE") not in trail
    # Back home: the holder's data are gone, the staff session stays.
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "desk_home")
    assert rid not in screen_text(window)
    assert len(window.flow._wizard.stack) == 1  # type: ignore[attr-defined]


def test_r32_desk_token_pulled_out_midway_says_so_and_resumes_when_back_pt(
    qtbot: QtBot, offline_at_desk: DeskWindow,
    token: SoftHsmToken,
) -> None:
    window, kiosk, _ = offline_at_desk(lang="pt")
    shot_desk(window, "desk_home_pt")
    to_token_page(qtbot, window, kiosk, "pt")
    pulled: list[bool] = []

    def pull(step: str) -> None:
        progress = window.flow.current.data.get("progress") or []  # type: ignore[attr-defined]
        if step == "desk_issue" and not pulled and any(r["done"] for r in progress):
            shot_desk(window, "desk_issue_pt")
            token.remove()  # the first certificate is on it; the holder pulls the token
            pulled.append(True)

    window.view_shown.connect(pull)
    type_pin(qtbot, window, token, PIN)
    wait_step(qtbot, window, "desk_token")
    assert pulled
    assert "AC-KI-0203" in screen_text(window)
    shot_desk(window, "desk_token_removed_pt")
    # The page says it was removed, and offers to look again once it is plugged back in.
    again = window.page.findChild(QPushButton, "tokenLookAgain")  # type: ignore[union-attr]
    token.restore()
    click(qtbot, again)
    qtbot.waitUntil(lambda: not window.working and token.label in (
        window.flow.current.data.get("tokens") or ()))  # type: ignore[attr-defined]
    type_pin(qtbot, window, token, PIN)
    wait_step(qtbot, window, "desk_done")
    shot_desk(window, "desk_done_pt")
    listing = token.pkcs11_tool("-O", pin=PIN)
    assert listing.count("Certificate Object") == 2  # exactly one per certificate
    assert listing.count("Private Key Object") == 2
    outbox = kiosk.admin.outbox(kind="renewal_completed")
    assert len(outbox) == 2


def test_r32_desk_wrong_pins_until_the_token_locks_says_so_clearly(
    qtbot: QtBot, offline_at_desk: DeskWindow,
    token: SoftHsmToken, module: TokenModule,
) -> None:
    window, kiosk, _ = offline_at_desk()
    to_token_page(qtbot, window, kiosk, "zh_lock")
    for _ in range(2):
        type_pin(qtbot, window, token, "999999")
        qtbot.waitUntil(lambda: window.error_panel.isVisible() and not window.working)
        assert "AC-KI-0204" in window.error_panel.help.text()
    lock_user_pin(token, module)  # the token's own limit reached (SoftHSM2 never locks)
    type_pin(qtbot, window, token, PIN)
    qtbot.waitUntil(lambda: "AC-KI-0205" in window.error_panel.help.text()
                    and not window.working)
    assert current_step(window) == "desk_token"
    assert "鎖" in window.error_panel.message.text()
    shot_desk(window, "desk_token_locked_zh")
    assert "Certificate Object" not in token.pkcs11_tool("-O")


def test_r34_an_idle_staff_session_locks_wipes_the_holder_and_the_password_unlocks(
    qtbot: QtBot, offline_at_desk: DeskWindow,
) -> None:
    window, kiosk, journal = offline_at_desk(idle_s=1.5, countdown_s=1)
    click(qtbot, window.page.buttons["queue"])  # type: ignore[union-attr]
    wait_step(qtbot, window, "desk_queue")
    name = window.flow.current.data["entries"][0]["holder_name"]  # type: ignore[attr-defined]
    assert name in screen_text(window)
    qtbot.waitUntil(lambda: current_step(window) == "desk_locked", timeout=15_000)
    window.idle.stop()  # type: ignore[union-attr]
    flow = window.flow
    assert flow.ctx.staff is None  # type: ignore[attr-defined]
    assert name not in repr(flow._wizard.stack)  # type: ignore[attr-defined]
    assert name not in screen_text(window)
    assert "證書用戶的資料已清除" in screen_text(window)
    shot_desk(window, "desk_locked_zh")
    type_into(qtbot, field(window, "password"), "wrong-password")
    click(qtbot, window.next_button)
    qtbot.waitUntil(lambda: window.error_panel.isVisible() and not window.working)
    assert current_step(window) == "desk_locked"
    field(window, "password").clear()
    type_into(qtbot, field(window, "password"), "counter-demo-1")
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "desk_home")
    assert not any(e.text() for e in window.findChildren(QLineEdit))
    assert "desk.lock" in repr(journal.audit_trail())


def test_r32_desk_site_status_shows_failed_checks_with_their_fix_and_the_reprint_page(
    qtbot: QtBot, desk_window: DeskWindow,
) -> None:
    window, _kiosk, _ = desk_window(lang="pt")
    sign_in(qtbot, window)
    click(qtbot, window.page.buttons["status"])  # type: ignore[union-attr]
    wait_step(qtbot, window, "desk_status")
    text = screen_text(window)
    assert "Avaria · kiosk K-LOBBY-1 printer" in text
    assert "Como resolver: switch the printer on and load paper" in text
    assert "Há verificações que falharam" in text
    shot_desk(window, "desk_status_pt")
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "desk_home")
    click(qtbot, window.page.buttons["receipts"])  # type: ignore[union-attr]
    wait_step(qtbot, window, "desk_receipts")
    assert "Não há recibos por imprimir." in screen_text(window)
    shot_desk(window, "desk_receipts_pt")


def test_r32_desk_sign_out_returns_to_staff_sign_in_and_the_registry_refuses_the_old_token(
    qtbot: QtBot, desk_window: DeskWindow,
) -> None:
    window, kiosk, journal = desk_window()
    sign_in(qtbot, window)
    old = window.flow.ctx.staff  # type: ignore[attr-defined]
    assert kiosk.services.registry.desk_queue(old) is not None  # live until signed out
    click(qtbot, window.page.buttons["sign_out"])  # type: ignore[union-attr]
    wait_step(qtbot, window, "staff_login")
    assert window.flow.ctx.staff is None  # type: ignore[attr-defined]
    assert field(window, "username").text() == "" and field(window, "password").text() == ""
    with pytest.raises(BackendError) as refused:
        kiosk.services.registry.desk_queue(old)
    assert refused.value.help_code == "AC-AB-0004"
    assert "registry.staff_logout" in repr(journal.audit_trail())
    # Signing in again opens a new session at the counter home.
    type_into(qtbot, field(window, "username"), "staff01")
    type_into(qtbot, field(window, "password"), "counter-demo-1")
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "desk_home")
    assert window.flow.ctx.staff.token != old.token  # type: ignore[attr-defined]
