"""The capture guide on clips: MJPG files written here, read back through cv2.VideoCapture
(FileSource), analysed as the preview does, fed to the guide with the clip's timestamps.
Asserts the one hint a person would see, the 3-2-1 countdown and when the photo is taken."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.camera import clips, messages
from kiosk.camera.guide import CAPTURED, COUNTDOWN, CaptureGuide, GuideStep, reason_for
from kiosk.camera.quality import FaceAnalyzer, QualityReport
from kiosk.camera.sources import FileSource

W, H = 1280, 720
STEP_S = 0.1  # ten analyses a second, as the preview manages


def _frames(path: Path) -> list[np.ndarray]:
    """Every frame of the clip, read through the real capture path (cv2.VideoCapture)."""
    source = FileSource(str(path), loop=False, realtime=False)
    frames = []
    try:
        while True:
            ok, frame = source.read()
            if not ok or frame is None:
                break
            frames.append(frame)
    finally:
        source.release()
    return frames


def _play(path: Path) -> list[QualityReport]:
    """Every frame of the clip, analysed at 640 px as the preview does."""
    analyzer = FaceAnalyzer()
    return [analyzer.analyse(cv2.resize(f, (640, 360), interpolation=cv2.INTER_AREA),
                             f.shape[1]) for f in _frames(path)]


def _guide(reports: list[QualityReport], guide: CaptureGuide | None = None,
           t0: float = 100.0) -> tuple[CaptureGuide, list[tuple[float, GuideStep]]]:
    guide = guide or CaptureGuide()
    steps = [(t0 + i * STEP_S, guide.feed(r, t0 + i * STEP_S)) for i, r in enumerate(reports)]
    return guide, steps


@pytest.fixture(scope="module")
def good(face_a: np.ndarray) -> list[np.ndarray]:
    return clips.portrait_frames([face_a], W, H, 12)


def _roll(frames: list[np.ndarray], deg: float) -> list[np.ndarray]:
    m = cv2.getRotationMatrix2D((W / 2, H * 0.46), deg, 1.0)
    return [cv2.warpAffine(f, m, (W, H), borderMode=cv2.BORDER_REPLICATE) for f in frames]


def _side_light(frames: list[np.ndarray]) -> list[np.ndarray]:
    ramp = np.ones((H, W), np.float32)
    ramp[:, W // 2 :] = 0.35
    return [(f * ramp[..., None]).astype(np.uint8) for f in frames]


def _jumpy(frames: list[np.ndarray]) -> list[np.ndarray]:
    return [np.roll(f, 70 if i % 2 else 0, axis=1) for i, f in enumerate(frames)]


HINT_CLIPS: dict[str, Callable[[list[np.ndarray], np.ndarray, np.ndarray], list[np.ndarray]]] = {
    messages.ONLY_ONE: lambda g, a, b: clips.portrait_frames([a, b], W, H, 12, scale=0.7),
    messages.NO_FACE: lambda g, a, b: [clips.background(W, H)] * 12,
    messages.MOVE_CLOSER: lambda g, a, b: clips.portrait_frames([a], W, H, 12, scale=0.5),
    messages.MOVE_BACK: lambda g, a, b: clips.portrait_frames([a], W, H, 12, scale=1.45),
    messages.CENTER: lambda g, a, b: [np.roll(f, -380, axis=1) for f in g],
    messages.FACE_CAMERA: lambda g, a, b: _roll(g, 14),
    messages.TOO_DARK: lambda g, a, b: clips.darken(g),
    messages.TOO_BRIGHT: lambda g, a, b: [cv2.convertScaleAbs(f, alpha=1.6, beta=90) for f in g],
    messages.UNEVEN_LIGHT: lambda g, a, b: _side_light(g),
    messages.HOLD_STILL: lambda g, a, b: clips.blur(g),
    "hold_still_moving": lambda g, a, b: _jumpy(g),
}


@pytest.mark.parametrize("hint", list(HINT_CLIPS))
def test_r12_each_problem_gets_its_one_hint_and_no_countdown(
    hint: str, good: list[np.ndarray], face_a: np.ndarray, face_b: np.ndarray, tmp_path: Path
) -> None:
    path = clips.write_clip(tmp_path / f"{hint}.avi", HINT_CLIPS[hint](good, face_a, face_b))
    guide, steps = _guide(_play(path))
    expected = messages.HOLD_STILL if hint == "hold_still_moving" else hint
    assert len(steps) == 12
    assert steps[-1][1].hint == expected
    # One hint at a time, and it settles: the last half of the clip shows only that one.
    assert {s.hint for _, s in steps[6:]} == {expected}
    assert all(s.countdown is None and not s.capture for _, s in steps)


def test_r12_a_good_frame_counts_down_3_2_1_then_captures_once(
    face_a: np.ndarray, tmp_path: Path
) -> None:
    path = clips.write_clip(tmp_path / "good.avi", clips.portrait_frames([face_a], W, H, 45))
    guide, steps = _guide(_play(path))
    shown = [s.countdown for _, s in steps if s.countdown is not None]
    assert [n for i, n in enumerate(shown) if i == 0 or shown[i - 1] != n] == [3, 2, 1]
    assert all(s.hint == COUNTDOWN for _, s in steps if s.countdown is not None)
    shots = [(t, s) for t, s in steps if s.capture]
    assert len(shots) == 1  # once, then the guide waits for review
    started = next(t for t, s in steps if s.countdown == 3)
    assert shots[0][0] - started >= 3.0 - 1e-9
    assert shots[0][1].reason is None  # an automatic photo is a good one
    assert guide.state == CAPTURED and steps[-1][1].hint == messages.REVIEW


def _steps_darkened(
    face: np.ndarray, tmp_path: Path, count: int, dark: slice
) -> list[tuple[float, GuideStep]]:
    """The guide's steps on a clip of `count` good portrait frames, those in `dark` too dark."""
    g = clips.portrait_frames([face], W, H, count)
    frames = g[: dark.start] + clips.darken(g[dark]) + g[dark.stop :]
    return _guide(_play(clips.write_clip(tmp_path / "darkened.avi", frames)))[1]


def test_r12_a_problem_during_the_countdown_cancels_it_with_its_hint(
    face_a: np.ndarray, tmp_path: Path
) -> None:
    steps = _steps_darkened(face_a, tmp_path, 60, slice(15, 25))
    during_dark = [s for _, s in steps[17:25]]
    assert all(s.countdown is None for s in during_dark)
    assert during_dark[-1].hint == messages.TOO_DARK
    assert not any(s.capture for _, s in steps[:25])
    # Good again: the countdown starts over from 3 and the photo is taken.
    after = [s.countdown for _, s in steps[25:] if s.countdown is not None]
    assert after[0] == 3 and any(s.capture for _, s in steps[25:])


def test_r12_one_bad_frame_does_not_restart_the_countdown(
    face_a: np.ndarray, tmp_path: Path
) -> None:
    steps = _steps_darkened(face_a, tmp_path, 45, slice(12, 13))
    shown = [s.countdown for _, s in steps if s.countdown is not None]
    assert shown == sorted(shown, reverse=True)  # never back up to 3
    assert sum(s.capture for _, s in steps) == 1


def test_r12_manual_capture_works_any_time_and_says_what_was_wrong(tmp_path: Path) -> None:
    path = clips.write_clip(tmp_path / "empty.avi", [clips.background(W, H)] * 6)
    guide, _ = _guide(_play(path))
    shot = guide.manual(101.0)
    assert shot.capture and shot.reason == messages.NO_FACE
    assert not guide.manual(101.1).capture  # one photo per review


def test_r12_manual_capture_on_a_good_frame_has_nothing_to_change(
    good: list[np.ndarray], tmp_path: Path
) -> None:
    guide, _ = _guide(_play(clips.write_clip(tmp_path / "good_short.avi", good[:3])))
    shot = guide.manual(100.5)
    assert shot.capture and shot.reason is None


def test_r12_refused_photo_names_what_to_change_and_pauses_auto_capture(
    face_a: np.ndarray, tmp_path: Path
) -> None:
    # Dim but within limits: every check passes, light is the measure nearest its limit.
    dim = clips.darken(clips.portrait_frames([face_a], W, H, 90), 0.55)
    reports = _play(clips.write_clip(tmp_path / "dim.avi", dim))
    assert all(r.ok for r in reports[1:])
    guide, steps = _guide(reports[:40])
    assert any(s.capture for _, s in steps)
    # The bureau refuses it (R12): the hint is the refusal, the reason says more light.
    after = guide.refused(104.0)
    assert after.hint == messages.REJECTED and after.reason == messages.TOO_DARK
    _, later = _guide(reports[40:], guide, t0=104.1)
    paused = [s for t, s in later if t < 108.0]
    assert all(s.hint == messages.REJECTED and s.countdown is None for s in paused)
    assert any(s.countdown == 3 for t, s in later if t >= 108.0)


def test_reason_is_the_first_problem_of_the_last_analysis() -> None:
    report = QualityReport(1, (messages.MOVE_CLOSER, messages.TOO_DARK))
    assert reason_for(report) == messages.MOVE_CLOSER
    assert reason_for(QualityReport(0, (messages.NO_FACE,))) == messages.NO_FACE
    assert reason_for(None) == messages.NO_FACE
    guide = CaptureGuide()
    guide.feed(QualityReport(2, (messages.ONLY_ONE,)), 1.0)
    assert guide.refused(2.0).reason == messages.ONLY_ONE


def test_r12_a_head_turned_well_away_is_told_to_face_the_camera() -> None:
    from bench.faces import ROOT

    portrait = cv2.imread(str(ROOT / "sandbox/data/faces/registered/astronaut.jpg"))
    frame = clips.portrait_frame([portrait], W, H)
    _, _, orx, _ = FaceAnalyzer().oval.axes_px(W, H)
    turned = clips.turn_head(frame, W / 2, 0.6 * clips.FACE_FILL * 2 * orx, 45)
    small = cv2.resize(turned, (640, 360), interpolation=cv2.INTER_AREA)
    report = FaceAnalyzer().analyse(small, W)
    assert report.faces == 1 and messages.FACE_CAMERA in report.issues
    assert report.metrics["yaw_index"] > 0.5
    # The same face frontal is not refused for its pose.
    front = FaceAnalyzer().analyse(cv2.resize(frame, (640, 360)), W)
    assert messages.FACE_CAMERA not in front.issues


def test_r12_a_slightly_turned_real_photo_is_not_refused_for_its_pose() -> None:
    from bench.faces import ROOT

    # sandbox live/obama.jpg: a real photo at a lectern, head turned ~20 deg: the bureau's
    # match passes it, so the guide must not block it.
    portrait = cv2.imread(str(ROOT / "sandbox/data/faces/live/obama.jpg"))
    analyzer = FaceAnalyzer()
    for frame in clips.portrait_frames([portrait], W, H, 3):
        report = analyzer.analyse(cv2.resize(frame, (640, 360)), W)
    assert report.ok, report.issues


@pytest.mark.parametrize("every", [1, 2, 3])
def test_r12_a_still_head_slightly_tilted_is_never_told_to_face_the_camera(
    tmp_path: Path, every: int
) -> None:
    # The demo holder's live clip (a real photo, head tilted ~5 deg by dlib's eyes), analysed
    # every frame or every 2nd/3rd as a busy preview does, over three loops: the keypoints'
    # frame-to-frame jitter (5.8-8.5 deg measured) must not flash "face the camera" at a
    # holder who is holding still, or the countdown restarts and never ends.
    from kiosk.ui.demo_camera import DemoCamera

    frames = _frames(DemoCamera(tmp_path).clip("obama"))
    analyzer = FaceAnalyzer()
    hints = []
    for k in range(0, 3 * len(frames), every):
        frame = frames[k % len(frames)]
        report = analyzer.analyse(cv2.resize(frame, (640, 480)), frame.shape[1])
        assert report.faces == 1
        hints.extend(report.issues)
    assert messages.FACE_CAMERA not in hints
