"""Video clips made from still portraits, for tests, benchmarks and demos.

A clip is a portrait composited on a plain background with a small sway (as a person standing
at the counter), written as MJPG .avi so it goes through the same `cv2.VideoCapture` path as
a webcam's MJPG stream.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from kiosk.camera.quality import Oval


def background(width: int, height: int) -> np.ndarray:
    """A plain, slightly graded wall: lets the detector see nothing but the faces."""
    yy, xx = np.mgrid[0:height, 0:width]
    grad = (150 + 30 * xx / width + 20 * yy / height).astype(np.uint8)
    return cv2.merge([grad, grad, (grad * 0.96).astype(np.uint8)])


def place(frame: np.ndarray, portrait: np.ndarray, cx: float, top: float, height: float) -> None:
    """Paste `portrait` scaled to `height` px, centred at x=`cx`, its top at y=`top`."""
    s = height / portrait.shape[0]
    _paste(frame, cv2.resize(portrait, None, fx=s, fy=s, interpolation=cv2.INTER_AREA), cx, top)


def _paste(frame: np.ndarray, img: np.ndarray, cx: float, top: float) -> None:
    fh, fw = frame.shape[:2]
    ph, pw = img.shape[:2]
    x0, y0 = int(round(cx - pw / 2)), int(round(top))
    sx0, sy0 = max(0, -x0), max(0, -y0)
    x0c, y0c = max(0, x0), max(0, y0)
    x1c, y1c = min(fw, x0 + pw), min(fh, y0 + ph)
    if x1c > x0c and y1c > y0c:
        frame[y0c:y1c, x0c:x1c] = img[sy0 : sy0 + (y1c - y0c), sx0 : sx0 + (x1c - x0c)]


# Share of the oval's width a portrait's face fills at scale 1: inside the guide's 0.55-0.95.
FACE_FILL = 0.72


def face_box(portrait: np.ndarray) -> tuple[float, float, float] | None:
    """Centre x, centre y and width of the largest face of a still portrait, in its pixels."""
    from kiosk.camera.detectors import BLAZEFACE_MODEL, BlazeFaceDetector

    if not BLAZEFACE_MODEL.is_file():
        return None
    faces = BlazeFaceDetector().detect_full(portrait)
    if not faces:
        return None
    x, y, w, h = faces[0].box
    return x + w / 2, y + h / 2, float(w)


class _Scene:
    """Portraits resized once for a frame size; frames differ only by the sway.

    Each portrait is scaled and placed by its own face (found once on the still): the face
    fills `FACE_FILL` x `scale` of the oval's width, level with the oval's centre. A portrait
    without a face found is placed as a head-and-shoulders crop (face ~42 % down, ~40 % of it).
    """

    def __init__(
        self, portraits: Sequence[np.ndarray], width: int, height: int, scale: float
    ) -> None:
        _, ocy, orx, ory = Oval().axes_px(width, height)
        self.images: list[np.ndarray] = []
        self.offsets: list[tuple[float, float]] = []  # face centre's offset from image centre
        for p in portraits:
            box = face_box(p)
            if box is None:
                s = 2.85 * ory * scale / p.shape[0]
                fcx, fcy = p.shape[1] / 2 * s, 0.42 * p.shape[0] * s
            else:
                s = FACE_FILL * scale * 2 * orx / box[2]
                fcx, fcy = box[0] * s, box[1] * s
            img = cv2.resize(p, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
            self.images.append(img)
            self.offsets.append((img.shape[1] / 2 - fcx, ocy - fcy))
        self.background = background(width, height)
        self.width = width

    def frame(self, i: int, sway_px: float) -> np.ndarray:
        frame = self.background.copy()
        dx = sway_px * math.sin(2 * math.pi * i / 45)
        k = len(self.images)
        for j, (img, (ox, top)) in enumerate(zip(self.images, self.offsets, strict=True)):
            _paste(frame, img, self.width * (j + 1) / (k + 1) + dx + ox, top)
        return frame


def portrait_frame(
    portraits: Sequence[np.ndarray],
    width: int,
    height: int,
    i: int = 0,
    *,
    scale: float = 1.0,
    sway_px: float = 3.0,
) -> np.ndarray:
    """Frame `i` of the portraits side by side (one: centred in the oval), gently swaying.

    `scale` 1.0 sizes a portrait so its face fills the default oval guide.
    """
    return _Scene(portraits, width, height, scale).frame(i, sway_px)


def portrait_frames(
    portraits: Sequence[np.ndarray],
    width: int,
    height: int,
    n: int,
    *,
    scale: float = 1.0,
    sway_px: float = 3.0,
) -> list[np.ndarray]:
    """`n` frames of `portrait_frame`."""
    scene = _Scene(portraits, width, height, scale)
    return [scene.frame(i, sway_px) for i in range(n)]


def write_clip(path: Path | str, frames: Sequence[np.ndarray], fps: float = 30.0) -> Path:
    """Write frames as MJPG .avi; returns the path."""
    out = Path(path)
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter.fourcc(*"MJPG"), fps, (w, h))
    if not writer.isOpened():
        raise RuntimeError(f"cannot write {out}")
    try:
        for f in frames:
            writer.write(f)
    finally:
        writer.release()
    return out


def darken(frames: Sequence[np.ndarray], factor: float = 0.25) -> list[np.ndarray]:
    return [cv2.convertScaleAbs(f, alpha=factor) for f in frames]


def blur(frames: Sequence[np.ndarray], sigma: float = 6.0) -> list[np.ndarray]:
    return [cv2.GaussianBlur(f, (0, 0), sigma) for f in frames]


def write_portrait_clip(
    path: Path | str,
    portraits: Sequence[np.ndarray],
    width: int,
    height: int,
    n: int,
    fps: float = 30.0,
) -> Path:
    """Like `write_clip(portrait_frames(...))` one frame at a time: a 1080p clip of a few
    seconds would otherwise hold a gigabyte of frames in memory."""
    out = Path(path)
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter.fourcc(*"MJPG"), fps, (width, height))
    if not writer.isOpened():
        raise RuntimeError(f"cannot write {out}")
    try:
        scene = _Scene(portraits, width, height, 1.0)
        for i in range(n):
            writer.write(scene.frame(i, 3.0))
    finally:
        writer.release()
    return out


def turn_head(frame: np.ndarray, cx: float, radius: float, degrees: float) -> np.ndarray:
    """The picture wrapped on a vertical cylinder of `radius` px around x=`cx` and turned by
    `degrees`: a rough head turn (yaw) made from a frontal portrait, for the pose check."""
    h, w = frame.shape[:2]
    xs = np.arange(w, dtype=np.float32)
    u = np.clip((xs - cx) / radius, -1.0, 1.0)
    phi = np.arcsin(u) - math.radians(degrees)
    inside = (np.abs(xs - cx) < radius) & (np.abs(phi) < math.pi / 2)
    mapx = np.where(inside, cx + radius * np.sin(phi), xs).astype(np.float32)
    map_x = np.ascontiguousarray(np.broadcast_to(mapx, (h, w)))
    map_y = np.ascontiguousarray(np.broadcast_to(np.arange(h, dtype=np.float32)[:, None], (h, w)))
    return cv2.remap(frame, map_x, map_y, cv2.INTER_LINEAR)


def place_face(
    frame: np.ndarray,
    portrait: np.ndarray,
    box: tuple[float, float, float],
    cx: float,
    cy: float,
    width: float,
    margin: float | None = None,
) -> None:
    """Paste `portrait` so that its face `box` (centre x, centre y, width in its pixels) lands
    centred at (`cx`, `cy`) of `frame`, `width` px wide; with `margin`, only the part within
    that many face widths left and right of the face (people standing side by side)."""
    if margin is not None:
        x0 = max(0, int(box[0] - margin * box[2]))
        portrait = portrait[:, x0 : int(box[0] + margin * box[2])]
        box = (box[0] - x0, box[1], box[2])
    s = width / box[2]
    img = cv2.resize(portrait, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
    _paste(frame, img, cx - box[0] * s + img.shape[1] / 2, cy - box[1] * s)
