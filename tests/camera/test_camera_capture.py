"""The real capture path: MJPG files played at real time through the capture worker, the
analysis worker and the CameraView page body, offscreen. Asserts what a person sees."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from kiosk.camera import messages
from kiosk.camera.guide import COUNTDOWN, CaptureGuide
from kiosk.camera.sources import SourceInfo
from kiosk.camera.worker import CaptureSettings
from kiosk.ui.camera_view import CameraView, button_labels

ViewFactory = Callable[..., CameraView]


@pytest.fixture
def make_view(qtbot: QtBot) -> Iterator[ViewFactory]:
    views: list[CameraView] = []

    def make(source: object, **kw: object) -> CameraView:
        kw.setdefault("guide", CaptureGuide(countdown_s=1.0))  # a short countdown
        view = CameraView(source, **kw)  # type: ignore[arg-type]
        qtbot.addWidget(view)
        view.resize(800, 600)
        view.show()
        seen: list[str] = []
        view.guidance_changed.connect(seen.append)
        view.seen = seen  # type: ignore[attr-defined]
        reports: list[object] = []
        view.controller.analysed.connect(reports.append)
        view.reports = reports  # type: ignore[attr-defined]
        views.append(view)
        view.start()
        return view

    yield make
    for v in views:
        v.stop()


def _faces_in_jpeg(data: bytes) -> tuple[np.ndarray, int]:
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert img is not None, "photo is not a JPEG"
    cascade = cv2.CascadeClassifier(
        cv2.data.haarcascades + "haarcascade_frontalface_default.xml"  # type: ignore[attr-defined]
    )
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    return img, len(cascade.detectMultiScale(gray, 1.1, 5, minSize=(100, 100)))


def test_r12_good_clip_is_captured_automatically_reviewed_and_sent_on_next(
    make_view: ViewFactory, qtbot: QtBot, clip_dir: dict[str, Path]
) -> None:
    view = make_view(str(clip_dir["good"]))
    qtbot.waitUntil(lambda: view.state == "review", timeout=10000)
    assert COUNTDOWN in view.seen  # type: ignore[attr-defined]
    assert view.guidance_label.text() == "請檢查照片，可重新拍照或按下一步"
    labels = button_labels("zh-Hant")
    assert view.retake_button.isVisible() and view.retake_button.text() == labels["retake"]
    assert view.next_button.isVisible() and view.next_button.text() == "下一步"
    assert not view.capture_button.isVisible()

    with qtbot.waitSignal(view.photo_ready, timeout=2000) as sent:
        view.next_button.click()
    photo = sent.args[0]
    assert isinstance(photo, bytearray)  # one the receiver can wipe, no immutable copy
    img, faces = _faces_in_jpeg(bytes(photo))
    assert faces == 1
    assert img.shape[:2] == (720, 1280)  # the full frame, not the preview
    info = view.source_info
    assert isinstance(info, SourceInfo) and (info.kind, info.width, info.height) == (
        "file",
        1280,
        720,
    )


@pytest.mark.parametrize(
    ("clip", "expected"),
    [
        ("empty", messages.NO_FACE),
        ("two", messages.ONLY_ONE),
        ("dark", messages.TOO_DARK),
        ("blurred", messages.HOLD_STILL),
        ("far", messages.MOVE_CLOSER),
    ],
)
def test_r12_bad_clip_shows_guidance_and_never_captures(
    make_view: ViewFactory, qtbot: QtBot, clip_dir: dict[str, Path], clip: str, expected: str
) -> None:
    view = make_view(str(clip_dir[clip]))
    qtbot.waitUntil(lambda: expected in view.seen, timeout=10000)  # type: ignore[attr-defined]
    assert view.guidance_label.text() == messages.guidance_text(expected)
    # Well past the 0.5 s good moment auto capture would need, nothing was taken.
    n = len(view.reports)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: len(view.reports) >= n + 12, timeout=15000)  # type: ignore[attr-defined]
    assert view.state == "preview"
    assert not view.has_photo()
    assert messages.GOOD not in view.seen  # type: ignore[attr-defined]
    assert COUNTDOWN not in view.seen  # type: ignore[attr-defined]
    assert view.capture_button.isVisible() and view.capture_button.isEnabled()


def test_r12_manual_capture_then_retake_wipes_the_photo(
    make_view: ViewFactory, qtbot: QtBot, clip_dir: dict[str, Path]
) -> None:
    view = make_view(str(clip_dir["empty"]), guide=CaptureGuide(countdown_s=3600))
    qtbot.waitUntil(lambda: view.preview.frames_shown > 0, timeout=10000)
    view.capture_button.click()
    assert view.state == "review"
    held = view.photo_buffer()
    assert held is not None and bytes(held[:2]) == b"\xff\xd8"
    view.retake_button.click()
    assert view.state == "preview"
    assert not view.has_photo()
    assert held == bytearray(len(held))  # zeroed in place, not just dropped
    assert view.capture_button.isVisible() and not view.next_button.isVisible()


def test_r12_rejected_photo_returns_to_preview_with_the_seed_message(
    make_view: ViewFactory, qtbot: QtBot, clip_dir: dict[str, Path]
) -> None:
    view = make_view(str(clip_dir["empty"]), guide=CaptureGuide(countdown_s=3600))
    qtbot.waitUntil(lambda: view.preview.frames_shown > 0, timeout=10000)
    view.capture()
    held = view.photo_buffer()
    assert held is not None
    view.show_rejected()
    assert view.state == "preview"
    assert view.guidance_label.text() == "照片未達檢測要求，請重新拍照。"
    assert held == bytearray(len(held))


def test_r12_refusal_stays_readable_and_blocks_no_manual_retake(
    make_view: ViewFactory, qtbot: QtBot, clip_dir: dict[str, Path]
) -> None:
    view = make_view(str(clip_dir["good"]))
    view.rejected_hold_s = 3600
    qtbot.waitUntil(lambda: view.state == "review", timeout=10000)
    view.show_rejected()
    n = len(view.reports)  # type: ignore[attr-defined]
    # Good frames keep coming, yet the refusal stays and no automatic photo is taken.
    qtbot.waitUntil(lambda: len(view.reports) >= n + 10, timeout=15000)  # type: ignore[attr-defined]
    assert view.state == "preview"
    assert view.guidance_label.text() == "照片未達檢測要求，請重新拍照。"
    view.capture_button.click()  # the person may retake at once by hand
    assert view.state == "review" and view.has_photo()


def test_preview_is_mirrored_and_scaled_while_the_photo_is_not(
    make_view: ViewFactory, qtbot: QtBot, clip_dir: dict[str, Path]
) -> None:
    view = make_view(str(clip_dir["mirror"]), guide=CaptureGuide(countdown_s=3600))
    qtbot.waitUntil(lambda: view.preview.frames_shown > 0, timeout=10000)
    image = view.preview.image()
    assert image is not None and image.width() == 960  # scaled for the preview
    left, right = image.pixelColor(10, 270), image.pixelColor(950, 270)
    # The clip is red on the left, blue on the right: a mirror shows blue on the left.
    assert left.blue() > 200 and left.red() < 50
    assert right.red() > 200 and right.blue() < 50
    view.capture()
    held = view.photo_buffer()
    assert held is not None
    photo = cv2.imdecode(np.frombuffer(held, np.uint8), cv2.IMREAD_COLOR)
    assert photo[360, 10, 2] > 200 and photo[360, 10, 0] < 50  # red stays on the left


def test_language_switch_changes_buttons_and_guidance(
    make_view: ViewFactory, qtbot: QtBot, clip_dir: dict[str, Path]
) -> None:
    view = make_view(str(clip_dir["empty"]), lang="pt")
    qtbot.waitUntil(lambda: messages.NO_FACE in view.seen, timeout=10000)  # type: ignore[attr-defined]
    assert view.capture_button.text() == "Tirar fotografia"
    assert view.guidance_label.text() == "Coloque o rosto dentro da oval"
    view.set_language("en")
    assert view.capture_button.text() == "Take photo"
    assert view.guidance_label.text() == "Place your face inside the oval"


def test_r29_synthetic_source_runs_the_same_path(make_view: ViewFactory, qtbot: QtBot) -> None:
    view = make_view("synthetic", settings=CaptureSettings())
    qtbot.waitUntil(lambda: view.preview.frames_shown >= 5, timeout=10000)
    qtbot.waitUntil(lambda: len(view.reports) >= 2, timeout=10000)  # type: ignore[attr-defined]
    assert view.source_info is not None and view.source_info.kind == "synthetic"
    assert view.problem is None


def test_stopping_the_camera_leaves_no_face_on_screen_and_no_photo(
    make_view: ViewFactory, qtbot: QtBot, clip_dir: dict[str, Path]
) -> None:
    view = make_view(str(clip_dir["good"]))
    qtbot.waitUntil(lambda: view.state == "review", timeout=10000)
    held = view.photo_buffer()
    assert held is not None and held[:2] == b"\xff\xd8"  # a JPEG is held for review
    view.stop()
    assert view.preview.image() is None  # the last frame (a face) is no longer drawn
    assert view.photo_buffer() is None
    assert not any(held)  # the buffer it held is overwritten, not just dropped
