"""The sandbox bureau's face-similarity service (R12): one registered face against one photo.

Method (deterministic, CPU only, no network):
1. decode the image with OpenCV (ValueError when the bytes are not an image);
2. find the face with OpenCV's Haar cascade ``haarcascade_frontalface_alt2`` on a copy scaled
   to at most 320 px (the cascade's cost grows with the pixel count; faces at a counter fill a
   large part of the frame);
3. dlib's 5-point landmark model places eyes and nose inside that box, and dlib aligns a
   150x150 face chip on them;
4. dlib's ResNet face-recognition model (``dlib_face_recognition_resnet_model_v1``, shipped by
   the ``face-recognition-models`` package, CC0) turns the chip into a 128-d embedding;
5. score = 1 - Euclidean distance between the two embeddings, clamped to [0, 1].

Why not LBPH: measured on the bundled photos, LBP histograms (Ahonen et al., any radius, grid,
crop or region weights tried) put Biden closer to one Obama photo than two Obama photos are to
each other; texture does not survive a change of lighting and expression. The ResNet
embedding separates them by a wide margin (see THRESHOLD).
"""

from __future__ import annotations

import hashlib
import importlib.util
import threading
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np

METHOD = (
    "Haar frontal-face detection (OpenCV alt2) + dlib 5-point alignment + dlib ResNet "
    "128-d embedding; score = 1 - Euclidean distance"
)
# dlib's published operating point is distance 0.6 (99.38 % on LFW), i.e. score 0.4. On the
# bundled photos genuine pairs score 0.65-0.68 (real second photos of Obama) and 0.90-0.93
# (synthetic variations), impostor pairs at most 0.19: 0.4 leaves a margin of >= 0.2 each side.
THRESHOLD = 0.4

FACE_NAMES = ("obama", "biden", "astronaut")

DATA_DIR = Path(__file__).resolve().parent / "data" / "faces"

# The cascade looks at a copy whose longer side is at most this many pixels.
_DETECT_SIDE = 320
# Smallest face, in pixels of that copy: a face narrower than 1/10 of the frame is someone
# in the background, not the person at the counter.
_MIN_FACE = 30
# A second hit that is smaller than this fraction of the largest face is ignored: at this
# ratio it is a far-away face in the background or one of the cascade's small false positives
# (e.g. folded hands), not a second person presenting themselves.
_SECOND_FACE_RATIO = 0.5
_CHIP_SIZE = 150
_CHIP_PADDING = 0.25


class NoFaceFound(ValueError):
    """The image holds no face, or more than one."""


def _asset(name: str, kind: str) -> bytes:
    if name not in FACE_NAMES:
        raise KeyError(f"unknown sandbox face {name!r}; known: {', '.join(FACE_NAMES)}")
    return (DATA_DIR / kind / f"{name}.jpg").read_bytes()


def registered_face(name: str) -> bytes:
    """JPEG of the face the bureau has on file for this demo person."""
    return _asset(name, "registered")


def live_photo(name: str) -> bytes:
    """A different JPEG of the same person, which must pass the match."""
    return _asset(name, "live")


def _models_dir() -> Path:
    # find_spec does not run the package's __init__, which imports the deprecated
    # pkg_resources only to compute these same paths.
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the face-recognition-models package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


@lru_cache(maxsize=1)
def _models() -> tuple[Any, Any, Any]:
    import dlib  # imported late: only the sandbox needs it, and loading takes ~0.3 s

    models = _models_dir()
    cascade = cv2.CascadeClassifier(
        str(Path(cv2.data.haarcascades) / "haarcascade_frontalface_alt2.xml")  # type: ignore[attr-defined]
    )
    if cascade.empty():
        raise RuntimeError("OpenCV's Haar cascades are missing (opencv 5.x wheels lack them)")
    shape = dlib.shape_predictor(str(models / "shape_predictor_5_face_landmarks.dat"))
    net = dlib.face_recognition_model_v1(str(models / "dlib_face_recognition_resnet_model_v1.dat"))
    return cascade, shape, net


# dlib's network object keeps scratch buffers: calls from the server's worker threads must not
# overlap. OpenCV's cascade is guarded by the same lock for simplicity (it is ~15 ms).
_lock = threading.Lock()


def decode(image: bytes) -> np.ndarray:
    """BGR pixels of an encoded image; ValueError if the bytes are not an image."""
    if not isinstance(image, bytes | bytearray | memoryview) or len(image) == 0:
        raise ValueError("not an image: empty")
    bgr = cv2.imdecode(np.frombuffer(image, np.uint8), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError("not an image: cannot decode")
    return bgr


def _overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over the smaller box: 1.0 when one box lies inside the other."""
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0, x1 - x0) * max(0, y1 - y0)
    return float(inter) / float(min(a[2] * a[3], b[2] * b[3]))


def detect_face(bgr: np.ndarray) -> tuple[int, int, int, int]:
    """The one face of the image as (x, y, w, h) in its pixels.

    The cascade's hits are sorted by size. Hits overlapping the largest (a third of the
    smaller box or more) are the same face seen at another scale and are dropped; any other
    hit at least half the largest one's width is a second person: NoFaceFound. Smaller,
    separate hits are ignored (see _SECOND_FACE_RATIO).
    """
    cascade, _, _ = _models()
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    scale = min(1.0, _DETECT_SIDE / max(gray.shape[:2]))
    if scale < 1.0:
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    gray = cv2.equalizeHist(gray)
    hits = cascade.detectMultiScale(gray, 1.1, 5, minSize=(_MIN_FACE, _MIN_FACE))
    if len(hits) == 0:
        raise NoFaceFound("no face found")
    boxes = sorted((np.asarray(h, dtype=np.int64) for h in hits), key=lambda b: -b[2] * b[3])
    largest = boxes[0]
    for other in boxes[1:]:
        if _overlap(largest, other) >= 1 / 3:
            continue
        if other[2] >= _SECOND_FACE_RATIO * largest[2]:
            raise NoFaceFound("more than one face found")
    x, y, w, h = (int(round(v / scale)) for v in largest)
    return x, y, w, h


def crop_and_prepare(image: bytes) -> np.ndarray:
    """The aligned 150x150 RGB face chip the embedding is computed from.

    Raises ValueError (not an image) or NoFaceFound (no face, or several).
    """
    import dlib

    bgr = decode(image)
    with _lock:
        x, y, w, h = detect_face(bgr)
        _, shape_model, _ = _models()
        rgb = np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        landmarks = shape_model(rgb, dlib.rectangle(x, y, x + w, y + h))
        chip = dlib.get_face_chip(rgb, landmarks, _CHIP_SIZE, _CHIP_PADDING)
    return np.asarray(chip)


def face_embedding(image: bytes) -> np.ndarray:
    """The 128-d embedding of the one face in the image (float64)."""
    chip = crop_and_prepare(image)
    _, _, net = _models()
    with _lock:
        vector = net.compute_face_descriptor(np.ascontiguousarray(chip))
    return np.asarray(vector, dtype=np.float64)


class _EmbeddingCache:
    """Embeddings of recently seen registered faces, in memory only, keyed by a digest.

    The bureau compares every photo of a renewal with the same registered face; caching it
    halves the cost of a retake. Nothing is written to disk.
    """

    def __init__(self, size: int = 32) -> None:
        self._size = size
        self._items: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._guard = threading.Lock()

    def get(self, image: bytes) -> np.ndarray:
        key = hashlib.sha256(image).digest()
        with self._guard:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        vector = face_embedding(image)
        with self._guard:
            self._items[key] = vector
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return vector


_registered = _EmbeddingCache()


def match_score(registered_jpeg: bytes, live_jpeg: bytes) -> float:
    """Similarity in [0, 1] of the face in live_jpeg to the one in registered_jpeg.

    Pass when >= THRESHOLD. Raises ValueError when either is not an image, NoFaceFound when
    either does not hold exactly one face.
    """
    live = face_embedding(bytes(live_jpeg))
    registered = _registered.get(bytes(registered_jpeg))
    distance = float(np.linalg.norm(registered - live))
    return round(min(1.0, max(0.0, 1.0 - distance)), 4)
