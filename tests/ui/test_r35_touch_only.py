"""R35: whole renewals in self-service by taps alone (qtbot.mouseClick on on-screen keys and
buttons; no key events, no setText), for H-ABC (existing password) and H-NEWPW (R22: a new
password and its confirmation)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton
from pytestqt.qtbot import QtBot
from touch_walk import tap_next, tap_type, walk_to_activation_form
from ui_helpers import click, field, shot, visible_texts, wait_step

from kiosk.services.sandbox_admin import SandboxAdmin
from kiosk.ui.main_window import MainWindow


def _rules(window: MainWindow, name: str) -> QLabel:
    assert window.page is not None
    fb = window.page.findChild(QLabel, f"rules_{name}")
    assert fb is not None, name
    return fb


def _activation_form(
    qtbot: QtBot, make_window: Callable[..., MainWindow], admin: SandboxAdmin, holder_id: str
) -> MainWindow:
    """A self-service window, walked by taps to the activation form with both of the
    holder's cloud-sign certificates selected (下一步 (2))."""
    window = make_window(self_service=True)
    assert walk_to_activation_form(qtbot, window, admin, holder_id) == "下一步 (2)"
    return window


def _finish(qtbot: QtBot, window: MainWindow) -> None:
    tap_next(qtbot, window)  # 激活證書
    wait_step(qtbot, window, "done")
    assert "成功激活" in visible_texts(window)
    # Nothing typed is left in any field of the window.
    assert all(not e.text() or e.isReadOnly() for e in window.findChildren(QLineEdit))


def test_r35_h_abc_renews_in_self_service_by_taps_alone(
    qtbot: QtBot, make_window: Callable[..., MainWindow], admin: SandboxAdmin
) -> None:
    window = _activation_form(qtbot, make_window, admin, "H-ABC")
    # The password: shift for the capital, the symbols page for "-".
    tap_type(qtbot, window, "password", "Cloud-demo-1")
    pw = field(window, "password")
    assert pw.echoMode() == QLineEdit.EchoMode.Password
    toggle = pw.parentWidget().findChild(QPushButton, "secretToggle")
    click(qtbot, toggle)  # 顯示: the holder checks what was typed
    assert pw.echoMode() == QLineEdit.EchoMode.Normal and toggle.text() == "隱藏"
    # R24 as it is typed: a letters-and-digits keyboard (no symbols page) and live rules.
    tap_type(qtbot, window, "revocation_phrase", "Revoke2026demo")
    assert "symbols" not in window.keyboard.keys  # type: ignore[union-attr]
    assert _rules(window, "revocation_phrase").text() == "✔ 符合規則"
    tap_type(qtbot, window, "revocation_phrase_confirm", "Revoke2026")
    fb = _rules(window, "revocation_phrase_confirm")
    assert fb.isVisible() and fb.text() == "確認撤銷短語與證書撤銷短語不相符。"
    shot(window, "r35_touch_activation_form_mismatch")
    tap_type(qtbot, window, "revocation_phrase_confirm", "Revoke2026demo")
    assert fb.text() == "✔ 符合規則"
    _finish(qtbot, window)
    shot(window, "r35_touch_done")


def test_r35_h_newpw_sets_a_new_password_in_self_service_by_taps_alone(
    qtbot: QtBot, make_window: Callable[..., MainWindow], admin: SandboxAdmin
) -> None:
    window = _activation_form(qtbot, make_window, admin, "H-NEWPW")
    tap_type(qtbot, window, "password", "newpass")
    # R23 before submitting: too short and no non-letter yet.
    rules = _rules(window, "password").text()
    assert "密碼長度必須為 8 個位或以上" in rules and "非字母" in rules
    tap_type(qtbot, window, "password", "Newpass-2026")
    assert _rules(window, "password").text() == "✔ 符合規則"
    tap_type(qtbot, window, "password_confirm", "Newpass-2026")
    assert _rules(window, "password_confirm").text() == "✔ 符合規則"
    tap_type(qtbot, window, "revocation_phrase", "Revoke2026demo")
    tap_type(qtbot, window, "revocation_phrase_confirm", "Revoke2026demo")
    shot(window, "r35_touch_new_password_form")
    _finish(qtbot, window)
