"""R35 / issue 10 §5: at text size A++ on 1280x800, the error banner does not push a page's
keypad or its buttons under the footer or off the screen: every key and button is whole in
view, or below the fold with the more-below cue shown (reachable by dragging). Looked at on
the SMS code page and the email code page after a wrong code, in every language."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QApplication, QPushButton, QScrollArea, QWidget
from pytestqt.qtbot import QtBot
from touch_walk import page_keypad, tap_keypad, tap_next
from ui_helpers import click, open_email_code, shot, wait_step

from kiosk.services.sandbox_admin import SandboxAdmin
from kiosk.ui.main_window import MainWindow
from kiosk.ui.steps import EmailsPage
from kiosk.ui.widgets import Keypad


def _scroll_area_of(w: QWidget) -> QScrollArea | None:
    parent = w.parentWidget()
    while parent is not None and not isinstance(parent, QScrollArea):
        parent = parent.parentWidget()
    return parent


def hidden_controls(window: MainWindow) -> list[str]:
    """The page's keypad keys and buttons, and the footer's, that a holder can neither see
    whole nor reach: not above the footer; for a button other than a key, not in a scroll
    area showing its cue either (the keys must be in view: the holder is typing)."""
    QApplication.processEvents()
    assert window.page is not None
    body = QRect(0, 0, window.width(), window.nav.y())
    pads = window.page.findChildren(Keypad)
    keys = {id(k) for pad in pads for k in pad.findChildren(QPushButton)}
    found = []
    for b in window.page.findChildren(QPushButton):
        if not b.isVisible():
            continue
        rect = QRect(b.mapTo(window, QPoint(0, 0)), b.size())
        if body.contains(rect):
            area = _scroll_area_of(b)
            view = area.viewport() if area is not None else None
            if view is None or QRect(view.mapTo(window, QPoint(0, 0)), view.size()).contains(
                rect
            ):
                continue
        area = _scroll_area_of(b)
        cue = getattr(window.page, "more_below", None)
        on_keypad = id(b) in keys
        if area is not None and cue is not None and cue.isVisible() and not on_keypad:
            continue  # a button below the fold, and the page says so (never a key)
        found.append(f"{b.text()!r} at {rect.getRect()}")
    for b in (window.next_button, window.back_button, window.start_over_button):
        if b.isVisible() and QRect(b.mapTo(window, QPoint(0, 0)), b.size()).bottom() >= (
            window.height()
        ):
            found.append(f"footer {b.text()!r} off the screen")
    return found


def _wait_banner(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(
        lambda: window.error_panel.isVisible() and not window.working, timeout=15_000
    )


def _banner_at_a_plus_plus(window: MainWindow, name: str) -> list[str]:
    assert window.error_panel.isVisible() and window.error_panel.message.text()
    window.text_size.choose("A++")
    QApplication.processEvents()
    shot(window, name)
    return hidden_controls(window)


@pytest.mark.parametrize("lang", ["zh-Hant", "pt", "en"])
def test_r35_a_banner_at_a_plus_plus_leaves_the_keypad_and_buttons_reachable(
    qtbot: QtBot, make_window: Callable[..., MainWindow], admin: SandboxAdmin, lang: str
) -> None:
    window = make_window(self_service=True, lang=lang)
    window.resize(1280, 800)
    try:
        click(qtbot, window.page.buttons["self"])  # type: ignore[union-attr]
        wait_step(qtbot, window, "sign_in")
        tap_keypad(qtbot, window, "1000001(1)")
        tap_next(qtbot, window)
        wait_step(qtbot, window, "sign_in_code")
        tap_keypad(qtbot, window, "000000")  # a wrong SMS code
        tap_next(qtbot, window)
        _wait_banner(qtbot, window)
        assert len(page_keypad(window).buttons) >= 10
        problems = _banner_at_a_plus_plus(window, f"r35_banner_sms_code_{lang}_App")
        window.text_size.choose("A")
        # The right code; then an email address's code page, with a wrong code.
        tap_keypad(qtbot, window, admin.latest_code(None, kind="sms_code"))
        tap_next(qtbot, window)
        wait_step(qtbot, window, "pending")
        tap_next(qtbot, window)
        wait_step(qtbot, window, "emails")
        emails = window.page
        assert isinstance(emails, EmailsPage)
        open_email_code(qtbot, window, emails)
        tap_keypad(qtbot, window, "000000")
        tap_next(qtbot, window)
        _wait_banner(qtbot, window)
        problems += _banner_at_a_plus_plus(window, f"r35_banner_email_code_{lang}_App")
    finally:
        window.text_size.choose("A")
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("lang", ["zh-Hant", "pt", "en"])
def test_r35_the_locked_staff_pin_pad_at_a_plus_plus_fits_the_screen(
    qtbot: QtBot, make_window: Callable[..., MainWindow], lang: str
) -> None:
    from datetime import UTC, datetime, timedelta

    from kiosk.store.staff_pin import PinCheck
    from kiosk.ui.lockdown import PinDialog

    window = make_window(self_service=True)
    window.resize(1280, 800)
    window.text_size.choose("A++")
    try:
        dialog = PinDialog(lambda _pin: None, lang, window)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        dialog.show_status(PinCheck("locked", 0, datetime.now(UTC) + timedelta(minutes=5)))
        QApplication.processEvents()
        shot(dialog, f"r35_pin_pad_locked_{lang}_App")
        # The pad, its message and every key fit on the 1280x800 screen, keys not squeezed.
        # (with room to spare: the window manager centres it on the screen)
        assert dialog.height() <= 760 and dialog.width() <= 1280, dialog.size()
        for key in dialog.keypad.keys.values():
            assert key.height() >= 48 and key.width() >= key.sizeHint().width(), key.text()
        assert dialog.ok_button.height() >= 48 and not dialog.ok_button.isEnabled()
    finally:
        window.text_size.choose("A")
