"""A camera cable for tests: a real file source (cv2.VideoCapture on a clip) that is pulled
after some frames and pushed back, as webcams fail (tests/camera, `make faults` kind 6)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from kiosk.camera import messages
from kiosk.camera.sources import FileSource, FrameSource, SourceError, SourceInfo


class Plug:
    """A camera cable: `pull()` makes the next read fail (or block), `push()` brings it back."""

    def __init__(self) -> None:
        self.connected = threading.Event()
        self.connected.set()
        self.opens = 0

    def pull(self) -> None:
        self.connected.clear()

    def push(self) -> None:
        self.connected.set()


class UnpluggableSource:
    """Wraps a real file source; after `fail_after` frames and while unplugged, read() fails
    (`mode="fail"`) or blocks until the cable is back (`mode="block"`), as webcams do."""

    def __init__(self, inner: FrameSource, plug: Plug, fail_after: int, mode: str) -> None:
        self._inner, self._plug, self._left, self._mode = inner, plug, fail_after, mode

    def read(self) -> tuple[bool, np.ndarray | None]:
        self._left -= 1
        if self._left == 0:
            self._plug.pull()
        if not self._plug.connected.is_set():
            if self._mode == "block":
                self._plug.connected.wait()
            return False, None
        return self._inner.read()

    def release(self) -> None:
        self._inner.release()

    def is_opened(self) -> bool:
        return self._inner.is_opened()

    def describe(self) -> SourceInfo:
        return self._inner.describe()


def unpluggable_factory(
    path: Path, plug: Plug, fail_after: int, mode: str = "fail"
) -> Callable[[], FrameSource]:
    """Opens like a webcam: refused while unplugged; the first opening fails after N frames."""

    def open_() -> FrameSource:
        if not plug.connected.is_set():
            raise SourceError(messages.CAMERA_MISSING, "unplugged")
        plug.opens += 1
        left = fail_after if plug.opens == 1 else -1
        return UnpluggableSource(FileSource(str(path)), plug, left, mode)

    return open_
