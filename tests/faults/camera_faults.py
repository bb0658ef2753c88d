"""Kind 6 of `make faults`: the camera unplugged mid-capture at the identity photo and at
the e-ID face, through the kiosk's own capture path (CameraView, its reader thread and
cv2.VideoCapture on a clip of the holder's live photo) with a cable that is pulled after
some frames (tests/camera/unplug.py), then pushed back.

What is checked: the holder saw the camera's message with its help code, the renewal did
not move nor lose what was answered meanwhile, and once the camera is back the photo taken
with it carries the renewal on to 成功激活 (activated once, checked on the backend).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.camera import messages
from tests.faults.receipt_faults import HOLDER, add_duplicates, counter_at, reset_sandbox
from tests.flows.harness import Counter


def _until(done: Callable[[], bool], timeout_s: float = 30.0) -> bool:
    from PySide6.QtCore import QCoreApplication

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        if done():
            return True
        time.sleep(0.02)
    return False


def capture_through_unplug(clip: Path, row: Any, step: str) -> bytearray | None:
    """A CameraView on the unpluggable clip: the cable goes after 12 frames; the holder
    sees the camera's message; the cable comes back; 拍照. The photo, or None."""
    from kiosk.camera.guide import CaptureGuide
    from kiosk.camera.worker import CaptureSettings
    from kiosk.ui.camera_view import CameraView
    from tests.camera.unplug import Plug, unpluggable_factory

    plug = Plug()
    view = CameraView(unpluggable_factory(clip, plug, fail_after=12),
                      settings=CaptureSettings(frozen_after_s=0.6, retry_interval_s=0.1,
                                               handoff_after_attempts=50),
                      guide=CaptureGuide(countdown_s=3600))
    row.cases += 1
    row.steps.append(step)
    try:
        view.show()
        view.start()
        if not _until(lambda: view.state == "unavailable"):
            row.stuck = f"{step}: the unplugged camera was never said"
            return None
        row.saw.add(str(view.problem))
        if view.problem_label.text() != messages.help_text(str(view.problem)):
            row.stuck = f"{step}: shown {view.problem_label.text()!r}"
            return None
        shown = view.preview.frames_shown
        plug.push()
        if not _until(lambda: view.state == "preview" and view.preview.frames_shown > shown + 3):
            row.stuck = f"{step}: the camera did not come back"
            return None
        view.capture()
        photo = view.photo_buffer()
        return bytearray(photo) if photo is not None else None
    finally:
        plug.push()
        view.stop()
        view.deleteLater()


def camera_unplugged(sandbox_url: str, work: Path, row: Any) -> Any:
    from kiosk.ui.demo_camera import DemoCamera

    reset_sandbox(sandbox_url)
    with counter_at(sandbox_url, work / "camera.sqlite") as counter:
        try:
            counter.sign_in(HOLDER)
            clip = DemoCamera(_made(work / "clips")).clip(str(counter.sheet(HOLDER)["face"]))
            view = _photo_step(counter, clip, row)
            if view is not None:
                view = _eid_step(counter, clip, row)
            if view is not None:
                view = counter.to("done")
                if view.outcome != "activated":
                    row.data_lost += 1
                    row.stuck = f"{view.step_id} {view.error}"
                add_duplicates(counter, counter.flow, row)
            else:
                row.data_lost += 1
        except Exception as exc:  # noqa: BLE001 - counted: an untyped exception is a crash
            row.crashes += 1
            row.stuck = f"{type(exc).__name__}: {exc}"
    return row


def _photo_step(counter: Counter, clip: Path, row: Any) -> Any:
    counter.to("photo")
    photo = capture_through_unplug(clip, row, "photo (unplugged mid-preview)")
    if photo is None or counter.flow.current.step_id != "photo":
        return None  # the outage moved the renewal, or no photo once the camera was back
    view = counter.flow.submit({"photo_jpeg": photo})
    return view if view.error is None and view.step_id != "photo" else None


def _eid_step(counter: Counter, clip: Path, row: Any) -> Any:
    view = counter.to("eid")
    view = counter.flow.submit({"action": "request"})  # 獲取驗證碼 first, as the page offers
    code = counter.admin.latest_code(None, "sms_code")
    face = capture_through_unplug(clip, row, "eid face (unplugged mid-preview)")
    # Nothing lost: the code request still stands after the outage (no new code needed).
    if face is None or counter.flow.current.step_id != "eid" or \
            "mobile_masked" not in (counter.flow.current.data or {}):
        return None
    view = counter.flow.submit({"sms_code": code, "face_jpeg": face})
    return view if view.error is None and view.step_id != "eid" else None


def _made(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder
