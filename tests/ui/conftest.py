"""Fixtures for the UI tests: the real renewal flow against the sandbox on 127.0.0.1, a real
SQLite journal file, and the real kiosk window offscreen."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from kiosk.config import BackendConfig
from kiosk.flows.renewal import RenewalFlow
from kiosk.services.factory import build_sandbox_admin, build_services
from kiosk.services.sandbox_admin import SandboxAdmin
from kiosk.store import open_journal
from kiosk.ui.app import ensure_app
from kiosk.ui.main_window import MainWindow
from kiosk.ui.worker import wait_idle


@pytest.fixture
def admin(sandbox_url: str) -> SandboxAdmin:
    a = build_sandbox_admin(BackendConfig.for_sandbox(sandbox_url))
    assert a is not None
    return a


@pytest.fixture
def flow(sandbox_url: str, tmp_path: Path) -> RenewalFlow:
    config = BackendConfig.for_sandbox(sandbox_url)
    journal = open_journal(f"sqlite:///{tmp_path / 'journal.sqlite'}")
    return RenewalFlow(build_services(config), journal)


@pytest.fixture
def make_window(qtbot: QtBot, flow: RenewalFlow) -> Iterator[Callable[..., MainWindow]]:
    ensure_app()
    made: list[MainWindow] = []

    def make(**kw: Any) -> MainWindow:
        w = MainWindow(flow, **kw)
        qtbot.addWidget(w)
        w.resize(1280, 900)
        w.show()
        qtbot.waitExposed(w)
        made.append(w)
        return w

    yield make
    for w in made:
        if w.idle is not None:
            w.idle.stop()
    # No flow step may still be running against the sandbox when it is reset for the next test.
    wait_idle(10_000)


@pytest.fixture
def window(make_window: Callable[..., MainWindow]) -> MainWindow:
    return make_window()
