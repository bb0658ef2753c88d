"""Frame sources behind one small `cv2.VideoCapture`-like interface.

`open_source(spec)` gives a webcam (int or digit string), the synthetic scene ("synthetic")
or a video file (anything else). The capture worker only ever calls `read()`, `release()`,
`is_opened()` and `describe()`, so all three run the same code path.
"""

from __future__ import annotations

import logging
import math
import os
import time
from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np

from kiosk.camera import messages

log = logging.getLogger(__name__)

Frame = np.ndarray


class SourceError(Exception):
    """A source could not be opened; `help_code` says why (missing / busy)."""

    def __init__(self, help_code: str, detail: str) -> None:
        super().__init__(f"{help_code}: {detail}")
        self.help_code = help_code
        self.detail = detail


@dataclass(frozen=True)
class SourceInfo:
    """What the source actually gives, read back after asking (webcams may refuse)."""

    kind: str  # "device" | "file" | "synthetic"
    name: str
    width: int
    height: int
    fps: float
    fourcc: str


class FrameSource(Protocol):
    def read(self) -> tuple[bool, Frame | None]: ...

    def release(self) -> None: ...

    def is_opened(self) -> bool: ...

    def describe(self) -> SourceInfo: ...


@dataclass(frozen=True)
class CaptureRequest:
    """What we ask a webcam for: 1080p MJPG at 30 fps (raw YUYV at 1080p is ~5 fps on USB 2)."""

    width: int = 1920
    height: int = 1080
    fps: float = 30.0
    fourcc: str = "MJPG"


def _fourcc_text(value: float) -> str:
    code = int(value)
    text = "".join(chr((code >> (8 * i)) & 0xFF) for i in range(4))
    return text if text.isprintable() and text.strip() else "?"


class _VideoCaptureSource:
    """What a webcam and a video file share: one `cv2.VideoCapture` and what it gave."""

    _cap: cv2.VideoCapture
    _info: SourceInfo

    def read(self) -> tuple[bool, Frame | None]:
        ok, frame = self._cap.read()
        return bool(ok), frame if ok else None

    def release(self) -> None:
        self._cap.release()

    def is_opened(self) -> bool:
        return bool(self._cap.isOpened())

    def describe(self) -> SourceInfo:
        return self._info


class DeviceSource(_VideoCaptureSource):
    """A webcam by index."""

    def __init__(self, index: int, request: CaptureRequest | None = None) -> None:
        request = request or CaptureRequest()
        self._index = index
        self._cap = cv2.VideoCapture(index)
        if not self._cap.isOpened():
            self._cap.release()
            # V4L2 gives no portable "busy" error through OpenCV; a device node that exists
            # but will not open is, in practice, held by another program.
            busy = os.path.exists(f"/dev/video{index}")
            code = messages.CAMERA_BUSY if busy else messages.CAMERA_MISSING
            raise SourceError(code, f"camera {index} did not open")
        self._cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*request.fourcc))
        self._cap.set(cv2.CAP_PROP_FRAME_WIDTH, request.width)
        self._cap.set(cv2.CAP_PROP_FRAME_HEIGHT, request.height)
        self._cap.set(cv2.CAP_PROP_FPS, request.fps)
        # Some drivers queue several frames; the newest is what a person expects to see.
        self._cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        self._info = SourceInfo(
            kind="device",
            name=str(index),
            width=int(self._cap.get(cv2.CAP_PROP_FRAME_WIDTH)),
            height=int(self._cap.get(cv2.CAP_PROP_FRAME_HEIGHT)),
            fps=float(self._cap.get(cv2.CAP_PROP_FPS) or 0.0),
            fourcc=_fourcc_text(self._cap.get(cv2.CAP_PROP_FOURCC)),
        )
        log.info(
            "camera %s gives %dx%d %s at %.1f fps",
            index,
            self._info.width,
            self._info.height,
            self._info.fourcc,
            self._info.fps,
        )


class FileSource(_VideoCaptureSource):
    """A video file played at its own frame rate, looping, as a webcam would deliver it."""

    def __init__(self, path: str, *, loop: bool = True, realtime: bool = True) -> None:
        if not os.path.isfile(path):
            raise SourceError(messages.CAMERA_MISSING, f"no video file at {path}")
        self._cap = cv2.VideoCapture(path)
        if not self._cap.isOpened():
            self._cap.release()
            raise SourceError(messages.CAMERA_MISSING, f"video file {path} did not open")
        fps = float(self._cap.get(cv2.CAP_PROP_FPS) or 0.0)
        self._fps = fps if 1.0 <= fps <= 240.0 else 30.0
        self._loop = loop
        self._realtime = realtime
        self._next_due = 0.0
        self.frames_read = 0
        self._info = SourceInfo(
            kind="file",
            name=os.path.basename(path),
            width=int(self._cap.get(cv2.CAP_PROP_FRAME_WIDTH)),
            height=int(self._cap.get(cv2.CAP_PROP_FRAME_HEIGHT)),
            fps=self._fps,
            fourcc=_fourcc_text(self._cap.get(cv2.CAP_PROP_FOURCC)),
        )

    def _pace(self) -> None:
        if not self._realtime:
            return
        now = time.monotonic()
        if self._next_due == 0.0:
            self._next_due = now
        delay = self._next_due - now
        if delay > 0:
            time.sleep(delay)
        # A slow consumer must not make the file "catch up" in a burst: real cameras don't.
        self._next_due = max(self._next_due, time.monotonic() - 1.0 / self._fps) + 1.0 / self._fps

    def read(self) -> tuple[bool, Frame | None]:
        self._pace()
        ok, frame = super().read()
        if not ok and self._loop:
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = super().read()
        if ok:
            self.frames_read += 1
        return ok, frame


class SyntheticSource:
    """A moving drawn scene for machines with no camera (demos, training, smoke tests).

    The drawn oval is not a face to the detector (no eyes, no mouth): quality tests use real
    face images in video files.
    """

    def __init__(self, width: int = 1280, height: int = 720, fps: float = 30.0) -> None:
        self._w, self._h, self._fps = width, height, fps
        self._t0 = time.monotonic()
        self._next_due = 0.0
        self._n = 0
        self._open = True
        yy, xx = np.mgrid[0:height, 0:width]
        grad = (60 + 80 * xx / width + 40 * yy / height).astype(np.uint8)
        self._background = cv2.merge([grad, (grad * 0.9).astype(np.uint8), grad // 2 + 40])

    def read(self) -> tuple[bool, Frame | None]:
        if not self._open:
            return False, None
        now = time.monotonic()
        if self._next_due == 0.0:
            self._next_due = now
        if self._next_due > now:
            time.sleep(self._next_due - now)
        self._next_due = max(self._next_due, time.monotonic() - 1.0 / self._fps) + 1.0 / self._fps
        t = time.monotonic() - self._t0
        frame = self._background.copy()
        cx = int(self._w / 2 + self._w * 0.04 * math.sin(t * 1.3))
        cy = int(self._h * 0.45 + self._h * 0.02 * math.sin(t * 0.7))
        ax, ay = int(self._h * 0.17), int(self._h * 0.23)
        # A plain moving oval, no eyes or mouth: BlazeFace finds a drawn smiley a face.
        cv2.ellipse(frame, (cx, cy), (ax, ay), 0, 0, 360, (150, 175, 215), -1, cv2.LINE_AA)
        self._n += 1
        return True, frame

    def release(self) -> None:
        self._open = False

    def is_opened(self) -> bool:
        return self._open

    def describe(self) -> SourceInfo:
        return SourceInfo("synthetic", "synthetic", self._w, self._h, self._fps, "RAW")


def parse_spec(spec: str | int) -> str | int:
    """`--camera` value -> an int (device), "synthetic" or a file path."""
    if isinstance(spec, int):
        return spec
    text = spec.strip()
    if text.isdigit():
        return int(text)
    if text.lower() == "synthetic":
        return "synthetic"
    return text


def open_source(spec: str | int, request: CaptureRequest | None = None) -> FrameSource:
    """Open the source a `--camera` value names. Raises SourceError when it cannot."""
    parsed = parse_spec(spec)
    if isinstance(parsed, int):
        return DeviceSource(parsed, request)
    if parsed == "synthetic":
        return SyntheticSource()
    return FileSource(parsed)
