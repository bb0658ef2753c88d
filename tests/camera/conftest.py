"""Camera fixtures: real face images, MJPG clips written once per session, a view factory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.camera import clips
from kiosk.camera.sources import FrameSource
from tests.camera.unplug import Plug, unpluggable_factory

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


@pytest.fixture
def plug() -> Iterator[Plug]:
    p = Plug()
    yield p
    p.push()  # never leave a reader thread blocked behind a test


@pytest.fixture
def unpluggable() -> Callable[..., Callable[[], FrameSource]]:
    return unpluggable_factory
