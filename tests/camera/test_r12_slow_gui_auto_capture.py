"""R12 auto capture keeps the frame it judged even when the GUI thread is late.

The guide says "capture" on a report the GUI handles some time after the analysis thread made
it. With a fast detector the analysis thread used to run several reports ahead of a busy GUI,
so the frame of the report in hand had already been dropped: the holder got "photo failed"
after a good countdown. Analysis is now paced to the GUI (one report in flight)."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np
from pytestqt.qtbot import QtBot

from kiosk.camera.quality import QualityReport
from kiosk.camera.worker import CameraController


def test_r12_a_slow_gui_still_gets_the_very_frame_each_report_judged(
    qtbot: QtBot, clip_dir: dict[str, Path]
) -> None:
    controller = CameraController(str(clip_dir["good"]))
    photos: list[bytearray | None] = []
    newest_differs: list[bool] = []

    def busy_gui(report: QualityReport) -> None:
        time.sleep(0.15)  # the GUI thread is drawing, laying out, talking to the backend...
        photo = controller.take_photo(judged=True, report=report)
        photos.append(photo)
        newest = controller.take_photo()
        if photo is not None and newest is not None:
            newest_differs.append(bytes(photo) != bytes(newest))

    controller.analysed.connect(busy_gui)
    controller.start()
    try:
        qtbot.waitUntil(lambda: len(photos) >= 6, timeout=20_000)
    finally:
        controller.stop()
    assert all(p is not None for p in photos), "a report's own frame was gone"
    # Each is a whole JPEG of the camera's frame size.
    first = cv2.imdecode(np.frombuffer(bytes(photos[0] or b""), np.uint8), cv2.IMREAD_COLOR)
    assert first is not None and first.shape[1] == 1280
    # The camera kept running meanwhile: the judged frame is not simply the newest one.
    assert any(newest_differs)


BITS, BLOCK = 5, 48  # a frame's index, drawn as 5 black/white squares along the top edge


def _numbered(frames: list[np.ndarray]) -> list[np.ndarray]:
    out = []
    for i, frame in enumerate(frames):
        f = frame.copy()
        for b in range(BITS):
            f[:BLOCK, b * BLOCK : (b + 1) * BLOCK] = 255 if (i >> b) & 1 else 0
        out.append(f)
    return out


def _index(frame: np.ndarray) -> int:
    return sum(
        1 << b
        for b in range(BITS)
        if frame[8 : BLOCK - 8, b * BLOCK + 8 : (b + 1) * BLOCK - 8].mean() > 127
    )


def test_r12_after_a_slow_gui_the_next_analysis_is_of_the_newest_frame_not_a_stale_one(
    qtbot: QtBot, tmp_path: Path, face_a: np.ndarray
) -> None:
    """While the GUI is busy the waiting frame is replaced by newer ones: the guide then judges
    what the holder does now, not what they did a GUI-lag ago."""
    from kiosk.camera import clips

    n = 30  # the clip loops every second; indices are compared modulo n
    clip = clips.write_clip(
        tmp_path / "numbered.avi", _numbered(clips.portrait_frames([face_a], 1280, 720, n))
    )
    controller = CameraController(str(clip))
    judged: list[int] = []
    newest_when_done: list[int] = []

    def busy_gui(report: QualityReport) -> None:
        photo = controller.take_photo(judged=True, report=report)
        assert photo is not None
        frame = cv2.imdecode(np.frombuffer(bytes(photo), np.uint8), cv2.IMREAD_COLOR)
        judged.append(_index(frame))
        time.sleep(0.2)  # about 6 frames arrive meanwhile
        newest = controller.latest_frame()
        assert newest is not None
        newest_when_done.append(_index(newest))

    controller.analysed.connect(busy_gui)
    controller.start()
    try:
        qtbot.waitUntil(lambda: len(judged) >= 8, timeout=20_000)
    finally:
        controller.analysed.disconnect(busy_gui)  # reports still queued when it stops
        controller.stop()
    # How many frames older than the newest (when the GUI caught up) the next judged one was.
    lags = [
        (done - nxt + n // 2) % n - n // 2
        for done, nxt in zip(newest_when_done, judged[1:], strict=False)
    ]
    assert lags and max(lags) <= 1, lags
