"""R34 at the counter: the idle lock ends the staff session at the registry (real sandbox over
HTTP), so a leaked staff token dies with the lock; with the registry unreachable the lock
shows at once all the same and no staff token is left in the flow."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from kiosk.services.errors import BackendError
from kiosk.ui.main_window import MainWindow
from tests.desk.conftest import sign_in
from tests.services.sandbox_walk import Kiosk
from tests.ui.ui_helpers import current_step, screen_text

DeskWindow = Callable[..., tuple[MainWindow, Kiosk, Any]]


def _signed_in(qtbot: QtBot, desk_window: DeskWindow) -> tuple[MainWindow, Kiosk, Any, Any]:
    """A counter window that idles out after 1.5 s + 1 s, staff01 signed in (their session)."""
    window, kiosk, journal = desk_window(idle_s=1.5, countdown_s=1)
    sign_in(qtbot, window)
    return window, kiosk, journal, window.flow.ctx.staff  # type: ignore[attr-defined]


def test_r34_the_idle_lock_ends_the_staff_session_at_the_registry(
    qtbot: QtBot, desk_window: DeskWindow,
) -> None:
    window, kiosk, journal, old = _signed_in(qtbot, desk_window)
    assert kiosk.services.registry.desk_queue(old) is not None  # live before the lock
    qtbot.waitUntil(lambda: current_step(window) == "desk_locked", timeout=15_000)
    window.idle.stop()  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: "registry.staff_logout" in repr(journal.audit_trail()),
                    timeout=15_000)
    with pytest.raises(BackendError) as refused:
        kiosk.services.registry.desk_queue(old)
    assert refused.value.help_code == "AC-AB-0004"
    assert window.flow.ctx.staff is None  # type: ignore[attr-defined]
    assert "證書用戶的資料已清除" in screen_text(window)


def test_r34_with_the_registry_unreachable_the_lock_shows_at_once_and_no_token_is_kept(
    qtbot: QtBot, desk_window: DeskWindow,
) -> None:
    window, kiosk, journal, old = _signed_in(qtbot, desk_window)
    # A registry that takes the connection and never answers (the worst case: the client
    # waits for its deadline); closing it afterwards resets the waiting connection.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    registry = window.flow.ctx.services.registry  # type: ignore[attr-defined]
    registry.base_url = f"http://127.0.0.1:{silent.getsockname()[1]}/registry/v1"
    try:
        qtbot.waitUntil(lambda: current_step(window) == "desk_locked", timeout=15_000)
        window.idle.stop()  # type: ignore[union-attr]
        qtbot.waitUntil(lambda: not window.working and not window.overlay.isVisible())
        assert "證書用戶的資料已清除" in screen_text(window)
        # Locked and usable while the sign-out still waits for the registry.
        assert "registry.staff_logout" not in repr(journal.audit_trail())
    finally:
        silent.close()
    qtbot.waitUntil(lambda: "registry.staff_logout" in repr(journal.audit_trail()),
                    timeout=15_000)
    flow = window.flow
    assert flow.ctx.staff is None  # type: ignore[attr-defined]
    kept = repr(vars(flow.ctx)) + repr(vars(flow.ctx.desk)) + repr(flow._wizard.stack)  # type: ignore[attr-defined]
    assert old.token not in kept
    assert old.token not in repr(journal.audit_trail())
    # The sign-out did not reach the registry: the token there lapses only at its expiry.
    assert kiosk.services.registry.desk_queue(old) is not None
