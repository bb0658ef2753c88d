"""`kiosk demo` and `kiosk run` as a person starts them (subprocesses), and the sandbox panel."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot
from ui_helpers import SHOTS, sign_in_self_service, wait_step

from kiosk.services.sandbox_admin import SandboxAdmin
from kiosk.ui.demo import SandboxPanel
from kiosk.ui.main_window import MainWindow


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(extra)
    return env


def test_demo_screenshot_renders_the_first_screen_and_exits_0(tmp_path: Path) -> None:
    out = tmp_path / "first.png"
    proc = subprocess.run(
        [sys.executable, "-m", "kiosk", "demo", "--screenshot", str(out)],
        env=_env(QT_QPA_PLATFORM="offscreen"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1600, 1000)
    # The title bar is painted in the registry's blue, not left blank.
    assert image.pixelColor(10, 10) == QColor("#00447c")
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(out, SHOTS / "demo_first_screen.png")


def test_demo_without_a_display_says_how_to_run_it_under_xvfb() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "kiosk", "demo"],
        env=_env(QT_QPA_PLATFORM="offscreen"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "xvfb-run" in proc.stderr
    assert "--screenshot" in proc.stderr


def test_kiosk_run_paints_the_first_screen_without_a_backend() -> None:
    # Nothing listens on port 9: the first screen must not wait for the backend.
    proc = subprocess.run(
        [sys.executable, "-m", "kiosk", "run", "--backend", "http://127.0.0.1:9"],
        env=_env(QT_QPA_PLATFORM="offscreen", KIOSK_QUIT_AFTER_FIRST_PAINT="1"),
        capture_output=True,
        text=True,
        timeout=60,
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
    wait_step(qtbot, window, "pending")
    panel.refresh_codes()
    code = admin.latest_code(None, kind="sms_code")
    qtbot.waitUntil(lambda: code in panel.codes.text(), timeout=10_000)


def test_kiosk_run_without_a_display_says_so_instead_of_running_invisibly() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "kiosk", "run"],
        env=_env(QT_QPA_PLATFORM="offscreen"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "xvfb-run" in proc.stderr and "kiosk run" in proc.stderr
