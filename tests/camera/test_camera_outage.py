"""Camera missing, unplugged mid-preview, frozen: a message with a help code, automatic
reconnection, a hand-off to staff, and never a hang."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from kiosk.camera import messages
from kiosk.camera.guide import CaptureGuide
from kiosk.camera.sources import FrameSource, SourceError, open_source, parse_spec
from kiosk.camera.worker import CaptureSettings
from kiosk.ui.camera_view import CameraView

UnplugFactory = Callable[..., Callable[[], FrameSource]]

FAST = CaptureSettings(frozen_after_s=0.6, retry_interval_s=0.1, handoff_after_attempts=3)


@pytest.fixture
def views(qtbot: QtBot) -> Iterator[list[CameraView]]:
    made: list[CameraView] = []
    yield made
    for v in made:
        v.stop()


def _view(qtbot: QtBot, made: list[CameraView], source: object) -> CameraView:
    view = CameraView(source, settings=FAST, guide=CaptureGuide(countdown_s=3600))  # type: ignore[arg-type]
    qtbot.addWidget(view)
    view.show()
    seen: list[str] = []
    view.guidance_changed.connect(seen.append)
    view.seen_codes = seen  # type: ignore[attr-defined]
    made.append(view)
    return view


CableView = Callable[..., CameraView]


@pytest.fixture
def cable_view(
    qtbot: QtBot,
    views: list[CameraView],
    clip_dir: dict[str, Path],
    plug: Any,
    unpluggable: UnplugFactory,
) -> CableView:
    """A view on the good clip behind `plug`: the cable goes after `fail_after` frames."""

    def make(fail_after: int, mode: str = "fail") -> CameraView:
        return _view(qtbot, views, unpluggable(clip_dir["good"], plug, fail_after, mode))

    return make


def _frozen_view(qtbot: QtBot, cable_view: CableView) -> CameraView:
    """A started view whose read() blocks after 8 frames, once it reports the frozen camera."""
    view = cable_view(fail_after=8, mode="block")
    view.start()
    qtbot.waitUntil(lambda: view.problem == messages.CAMERA_FROZEN, timeout=10000)
    return view


def test_camera_spec_parsing() -> None:
    assert parse_spec("0") == 0
    assert parse_spec(2) == 2
    assert parse_spec("Synthetic") == "synthetic"
    assert parse_spec("/tmp/clip.avi") == "/tmp/clip.avi"


@pytest.mark.parametrize("spec", ["99", "/nonexistent/clip.avi"])
def test_r29_missing_source_refuses_with_missing_help_code(spec: str) -> None:
    with pytest.raises(SourceError) as err:
        open_source(spec)
    assert err.value.help_code == messages.CAMERA_MISSING


@pytest.mark.parametrize("spec", ["99", "/nonexistent/clip.avi"])
def test_r29_missing_camera_shows_help_code_then_hands_off_to_staff(
    qtbot: QtBot, views: list[CameraView], spec: str
) -> None:
    view = _view(qtbot, views, spec)
    with qtbot.waitSignal(view.camera_failed, timeout=10000) as failed:
        view.start()
    assert failed.args == [messages.CAMERA_MISSING]
    assert view.state == "unavailable"
    assert not view.capture_button.isEnabled()
    assert view.problem_label.isVisible()
    assert (
        view.problem_label.text() == "鏡頭暫時未能使用，請聯繫櫃檯職員協助。（求助碼：AC-KI-0101）"
    )
    assert messages.CAMERA_MISSING in view.seen_codes  # type: ignore[attr-defined]


def test_r29_unplug_mid_preview_shows_message_and_reconnects(
    qtbot: QtBot, cable_view: CableView, plug: Any
) -> None:
    view = cable_view(fail_after=10)
    view.start()
    qtbot.waitUntil(lambda: view.state == "unavailable", timeout=10000)
    assert view.problem == messages.CAMERA_UNPLUGGED
    assert view.problem_label.text() == messages.help_text(messages.CAMERA_UNPLUGGED)
    assert view.problem_label.isVisible()
    assert not view.guidance_label.isVisible()
    assert view.preview.image() is None  # no stale picture passing for a live one
    shown = view.preview.frames_shown

    with qtbot.waitSignal(view.controller.recovered, timeout=10000):
        plug.push()
    assert view.state == "preview"
    assert not view.problem_label.isVisible()
    assert view.guidance_label.isVisible()
    assert view.capture_button.isEnabled()
    qtbot.waitUntil(lambda: view.preview.frames_shown > shown + 5, timeout=10000)


def test_r29_camera_gone_for_long_hands_off_then_recovers_when_it_returns(
    qtbot: QtBot, cable_view: CableView, plug: Any
) -> None:
    view = cable_view(fail_after=5)
    with qtbot.waitSignal(view.camera_failed, timeout=10000) as failed:
        view.start()
    assert failed.args == [messages.CAMERA_UNPLUGGED]
    assert "請聯繫櫃檯職員協助" in view.problem_label.text()
    # Not a dead end: staff plug the camera back in and the preview comes back by itself.
    with qtbot.waitSignal(view.controller.recovered, timeout=10000):
        plug.push()
    assert view.state == "preview"


def test_r29_frozen_camera_is_detected_and_stop_returns_while_read_blocks(
    qtbot: QtBot, cable_view: CableView, plug: Any
) -> None:
    view = _frozen_view(qtbot, cable_view)
    assert view.problem_label.text() == messages.help_text(messages.CAMERA_FROZEN)
    blocked = [t for t in threading.enumerate() if t.name == "camera-reader" and t.is_alive()]
    assert blocked, "the frozen read() should still be blocked in its reader thread"

    threads = list(view.controller._threads)
    view.stop()  # must not wait for the blocked read()
    assert threads and all(t.isFinished() for t in threads)
    assert not view.controller.running

    plug.push()  # the cable returns: the abandoned reader wakes, releases and ends
    for t in blocked:
        t.join(timeout=5)
        assert not t.is_alive()


def test_r29_frozen_camera_reconnects_when_frames_come_back(
    qtbot: QtBot, cable_view: CableView, plug: Any
) -> None:
    view = _frozen_view(qtbot, cable_view)
    with qtbot.waitSignal(view.controller.recovered, timeout=10000):
        plug.push()
    assert view.state == "preview" and view.problem is None


def test_r29_camera_check_command_reports_what_the_source_gives(
    clip_dir: dict[str, Path],
) -> None:
    import json
    import subprocess
    import sys

    run = subprocess.run(
        [sys.executable, "-m", "kiosk.camera", "--camera", str(clip_dir["good"]), "--frames", "6"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["source"]["kind"] == "file"
    assert (out["source"]["width"], out["source"]["height"], out["source"]["fourcc"]) == (
        1280,
        720,
        "MJPG",
    )
    assert out["detector"] == "blazeface"  # the bundled model, not the Haar fallback
    assert out["last_guidance"][-1] == messages.GOOD

    missing = subprocess.run(
        [sys.executable, "-m", "kiosk.camera", "--camera", "/nonexistent/clip.avi"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert missing.returncode == 2
    assert json.loads(missing.stdout)["help_code"] == messages.CAMERA_MISSING
