"""Fixtures for the UI tests: the real renewal flow against the sandbox on 127.0.0.1, a real
SQLite journal file, and the real kiosk window offscreen."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot
from ui_helpers import show_at_kiosk_size, stop_windows

from kiosk.config import BackendConfig
from kiosk.flows.renewal import RenewalFlow
from kiosk.services.factory import build_sandbox_admin, build_services
from kiosk.services.sandbox_admin import SandboxAdmin
from kiosk.store import open_journal
from kiosk.ui.app import ensure_app
from kiosk.ui.main_window import MainWindow
from kiosk.ui.pages import CONTEXT


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


@pytest.fixture(autouse=True)
def synthetic_camera() -> None:
    """Photo pages show the synthetic camera (there is no webcam here) unless a test picks
    another source; the test hands in the photo a camera would give."""
    CONTEXT.camera_source = "synthetic"


@pytest.fixture
def make_window(qtbot: QtBot, flow: RenewalFlow) -> Iterator[Callable[..., MainWindow]]:
    ensure_app()
    made: list[MainWindow] = []

    def make(**kw: Any) -> MainWindow:
        window = show_at_kiosk_size(qtbot, MainWindow(flow, **kw))
        made.append(window)
        return window

    yield make
    stop_windows(made)


@pytest.fixture
def window(make_window: Callable[..., MainWindow]) -> MainWindow:
    return make_window()
