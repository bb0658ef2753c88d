"""`kiosk demo` and `kiosk run` as a person starts them (subprocesses), and the sandbox panel."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot
from ui_helpers import SHOTS, run_kiosk, sign_in_self_service

from kiosk.services.sandbox_admin import SandboxAdmin
from kiosk.ui.demo import SandboxPanel
from kiosk.ui.main_window import MainWindow


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(extra)
    return env


def test_demo_screenshot_renders_the_first_screen_and_exits_0(tmp_path: Path) -> None:
    out = tmp_path / "first.png"
    proc = run_kiosk("demo", "--screenshot", str(out), env=_env(QT_QPA_PLATFORM="offscreen"))
    assert proc.returncode == 0, proc.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1600, 1000)
    # The title bar is painted in the registry's blue, not left blank.
    assert image.pixelColor(10, 10) == QColor("#00447c")
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(out, SHOTS / "demo_first_screen.png")


def test_demo_without_a_display_says_how_to_run_it_under_xvfb() -> None:
    proc = run_kiosk("demo", env=_env(QT_QPA_PLATFORM="offscreen"))
    assert proc.returncode == 2
    assert "xvfb-run" in proc.stderr
    assert "--screenshot" in proc.stderr


def test_kiosk_run_paints_the_first_screen_without_a_backend() -> None:
    # Nothing listens on port 9: the first screen must not wait for the backend.
    proc = run_kiosk(
        "run",
        "--backend",
        "http://127.0.0.1:9",
        env=_env(QT_QPA_PLATFORM="offscreen", KIOSK_QUIT_AFTER_FIRST_PAINT="1"),
    )
    assert proc.returncode == 0, proc.stderr


def test_sandbox_panel_lists_demo_holders_and_the_newest_codes(
    qtbot: QtBot, window: MainWindow, admin: SandboxAdmin, sandbox_url: str
) -> None:
    panel = SandboxPanel(sandbox_url, admin)
    qtbot.addWidget(panel)
    panel.load_holders()
    qtbot.waitUntil(lambda: "1000001(1)" in panel.holders.text(), timeout=10_000)
    assert panel.outbox_url == f"{sandbox_url}/sandbox/outbox"
    sign_in_self_service(qtbot, window, admin)
    panel.refresh_codes()
    code = admin.latest_code(None, kind="sms_code")
    qtbot.waitUntil(lambda: code in panel.codes.text(), timeout=10_000)


def test_kiosk_run_without_a_display_says_so_instead_of_running_invisibly() -> None:
    proc = run_kiosk("run", env=_env(QT_QPA_PLATFORM="offscreen"))
    assert proc.returncode == 2
    assert "xvfb-run" in proc.stderr and "kiosk run" in proc.stderr


def test_demo_camera_completes_the_photo_step_with_the_signed_in_holders_face(
    qtbot: QtBot,
    window: MainWindow,
    admin: SandboxAdmin,
    sandbox_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ui_helpers import click, consent_to_photo, pending_to_consent, shot, wait_step

    from kiosk.ui.demo_camera import DemoCamera
    from kiosk.ui.pages import CONTEXT

    monkeypatch.setattr(CONTEXT, "camera_source", CONTEXT.camera_source)

    camera = DemoCamera(tmp_path)
    panel = SandboxPanel(sandbox_url, admin, camera=camera)
    qtbot.addWidget(panel)
    panel.follow(window)
    panel.load_holders()
    # The panel says which face each demo holder has registered.
    qtbot.waitUntil(lambda: "obama" in panel.holders.text(), timeout=10_000)
    assert panel.face_choice is not None
    panel.face_choice.setCurrentText("biden")
    assert CONTEXT.camera_source.endswith("demo-biden.avi")
    sign_in_self_service(qtbot, window, admin)  # H-ABC, registered face: obama
    # Signed in: the demo camera now shows the holder's own face.
    assert panel.face_choice.currentText() == "obama"
    assert CONTEXT.camera_source.endswith("demo-obama.avi")
    pending_to_consent(qtbot, window, admin)
    page = consent_to_photo(qtbot, window)  # its camera view: the demo clip
    # The tips first; 開始拍照, then the clip goes through the normal --camera FILE path:
    # the 3-2-1 countdown, the automatic capture, review, 下一步.
    click(qtbot, page.camera.tips.start_button)
    qtbot.waitUntil(lambda: page.camera.state == "review", timeout=20_000)
    shot(page.camera, "demo_camera_review")
    # One 下一步, the window's own at the bottom right (review #6), not a second in the camera.
    assert not page.camera.next_button.isVisible()
    assert window.next_button.text() == "下一步"
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "face_result")


def test_on_quit_the_step_finishes_then_backends_and_journal_are_closed(
    qtbot: QtBot, admin: SandboxAdmin, sandbox_url: str, tmp_path: Path
) -> None:
    import argparse

    from kiosk.config import BackendConfig
    from kiosk.store import open_journal
    from kiosk.ui.app import ensure_app
    from kiosk.ui.launch import LazyFlow, build_window, close_on_quit, flow_factory

    app = ensure_app()
    journal = open_journal(f"sqlite:///{tmp_path / 'journal.sqlite'}")
    flow = LazyFlow(flow_factory(BackendConfig.for_sandbox(sandbox_url), journal))
    args = argparse.Namespace(
        lang="zh-Hant", self_service=False, idle_seconds=120.0, countdown_seconds=15
    )
    window = build_window(args, flow, camera="synthetic")  # the same window run and demo build
    qtbot.addWidget(window)
    window.show()
    sign_in_self_service(qtbot, window, admin)
    shutdown = close_on_quit(app, flow, journal)
    try:
        registry = flow.built.services.registry
        pools = registry.session.adapters["http://"].poolmanager.pools
        assert len(pools) > 0  # a live connection to the registry
        shutdown()  # what aboutToQuit runs
        assert len(pools) == 0
        assert journal.engine.pool.checkedin() == 0
    finally:
        app.aboutToQuit.disconnect(shutdown)
