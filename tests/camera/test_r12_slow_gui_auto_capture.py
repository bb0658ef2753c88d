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
