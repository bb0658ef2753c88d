"""R7 at the kiosk's screen: a renewal picked up again shows step 1's list, each address
已驗證 with its verification time, then 下一步; after 30 days the address says it must be
verified again, beside its 驗證 button (pytest-qt, real sandbox over HTTP)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from kiosk.services.api import HolderSession
from kiosk.services.sandbox_admin import SandboxAdmin
from kiosk.ui.main_window import MainWindow
from kiosk.ui.steps.emails import EmailsPage, local_minute
from tests.ui.ui_helpers import (
    click,
    screen_text,
    shot,
    sign_in_self_service,
    to_consent,
    wait_step,
)


def _verified_times(window: MainWindow) -> dict[str, str]:
    session = window.flow.session
    assert isinstance(session, HolderSession)
    statuses = window.flow.services.registry.emails(session, "R-ABC")
    out = {}
    for s in statuses:
        assert s.verified_at is not None
        out[s.address] = local_minute(s.verified_at)
    return out


def _comes_back(
    qtbot: QtBot, make_window: Callable[..., MainWindow], admin: SandboxAdmin, days: int
) -> tuple[MainWindow, EmailsPage, dict[str, str]]:
    """H-ABC verifies both addresses, leaves, and signs in again `days` later."""
    first = make_window()
    to_consent(qtbot, first, admin)
    times = _verified_times(first)
    assert len(times) == 2  # H-ABC's two addresses
    if days:
        admin.advance_clock(days * 24 * 3600)
    window = make_window()  # the holder comes back to the kiosk's first screen
    sign_in_self_service(qtbot, window, admin, reach="emails")
    page = window.page
    assert isinstance(page, EmailsPage)
    return window, page, times


def test_r7_resumed_renewal_shows_each_address_verified_with_its_time_then_next(
    qtbot: QtBot, make_window: Callable[..., MainWindow], admin: SandboxAdmin
) -> None:
    window, page, times = _comes_back(qtbot, make_window, admin, 0)
    text = screen_text(window)
    for address, when in times.items():
        assert address in text and when in text
        assert not isinstance(page.rows[address], QPushButton)  # no 驗證: 已驗證
    assert text.count("已驗證") >= 2
    assert window.next_button.isVisible() and window.next_button.isEnabled()
    shot(window, "r7_resumed_step1_zh")
    click(qtbot, window.lang_buttons["pt"])
    assert "Verificado" in screen_text(window)
    shot(window, "r7_resumed_step1_pt")
    click(qtbot, window.lang_buttons["zh-Hant"])
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "consent")


def test_r7_after_30_days_the_address_says_it_must_be_verified_again(
    qtbot: QtBot, make_window: Callable[..., MainWindow], admin: SandboxAdmin
) -> None:
    window, page, times = _comes_back(qtbot, make_window, admin, 31)
    text = screen_text(window)
    assert "驗證已逾30日，須重新驗證" in text
    assert "已超過30日，須重新驗證" in text  # the message above the list
    for address, when in times.items():
        assert when in text  # when it was verified, beside it
        assert isinstance(page.rows[address], QPushButton)  # 驗證 again
    assert not window.next_button.isEnabled() or not window.next_button.isVisible()
    shot(window, "r7_stale_step1_zh")
    click(qtbot, window.lang_buttons["pt"])
    assert "Verificado há mais de 30 dias" in screen_text(window)
    shot(window, "r7_stale_step1_pt")
