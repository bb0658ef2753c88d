"""Camera fixtures: real face images, MJPG clips written once per session, a view factory."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.camera import clips, messages
from kiosk.camera.sources import FileSource, FrameSource, SourceError, SourceInfo

DATA = Path(__file__).parent / "data"
W, H = 1280, 720
N = 30  # 1 s at 30 fps; file sources loop


@pytest.fixture(scope="session")
def face_a() -> np.ndarray:
    img = cv2.imread(str(DATA / "face_a.jpg"))
    assert img is not None
    return img


@pytest.fixture(scope="session")
def face_b() -> np.ndarray:
    img = cv2.imread(str(DATA / "face_b.jpg"))
    assert img is not None
    return img


@pytest.fixture(scope="session")
def clip_dir(
    tmp_path_factory: pytest.TempPathFactory, face_a: np.ndarray, face_b: np.ndarray
) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("clips")
    good = clips.portrait_frames([face_a], W, H, N)
    mirror_probe = np.zeros((H, W, 3), np.uint8)
    mirror_probe[:, : W // 2] = (0, 0, 255)  # left half red, right half blue (BGR)
    mirror_probe[:, W // 2 :] = (255, 0, 0)
    return {
        "good": clips.write_clip(d / "good.avi", good),
        "empty": clips.write_clip(d / "empty.avi", [clips.background(W, H)] * N),
        "two": clips.write_clip(
            d / "two.avi", clips.portrait_frames([face_a, face_b], W, H, N, scale=0.7)
        ),
        "dark": clips.write_clip(d / "dark.avi", clips.darken(good)),
        "blurred": clips.write_clip(d / "blurred.avi", clips.blur(good)),
        "far": clips.write_clip(
            d / "far.avi", clips.portrait_frames([face_a], W, H, N, scale=0.55)
        ),
        "mirror": clips.write_clip(d / "mirror.avi", [mirror_probe] * 10),
    }


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


@pytest.fixture
def plug() -> Iterator[Plug]:
    p = Plug()
    yield p
    p.push()  # never leave a reader thread blocked behind a test


@pytest.fixture
def unpluggable() -> Callable[..., Callable[[], FrameSource]]:
    return unpluggable_factory
