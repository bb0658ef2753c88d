"""Rebuild the face images of this folder from the original public-domain files.

Run once by hand (not at import time): `python sandbox/data/faces/prepare.py SRC_DIR`, where
SRC_DIR holds the originals named in SOURCES.md. The output is deterministic: fixed crops, a
fixed random seed for the noise, fixed JPEG quality.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
MAX_SIDE = 640
QUALITY = 90

# Head-and-shoulders crops (x0, y0, x1, y1) in original pixels, chosen around the Haar face box
# so that a 640 px image keeps a face of about 200 px, like a kiosk webcam portrait; the
# originals are full-length portraits whose faces would shrink to ~90 px otherwise.
CROPS: dict[str, tuple[int, int, int, int]] = {
    "obama.jpg": (100, 0, 880, 780),
    "obama2.jpg": (0, 40, 626, 760),
    "obama3.jpg": (300, 0, 1300, 1000),
    "biden.jpg": (150, 0, 1030, 880),
    "astronaut.png": (0, 0, 512, 512),
}


def _fit(img: np.ndarray) -> np.ndarray:
    h, w = img.shape[:2]
    scale = min(1.0, MAX_SIDE / max(h, w))
    if scale < 1.0:
        img = cv2.resize(img, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    return img


def _write(path: Path, img: np.ndarray, quality: int = QUALITY) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    path.write_bytes(buf.tobytes())


def _crop(src: Path, name: str) -> np.ndarray:
    img = cv2.imread(str(src / name), cv2.IMREAD_COLOR)
    if img is None:
        raise SystemExit(f"cannot read {src / name}")
    x0, y0, x1, y1 = CROPS[name]
    return _fit(img[y0:y1, x0:x1])


def variation(img: np.ndarray, *, seed: int, angle: float, shift: tuple[int, int],
              zoom: float, gain: float, bias: float, noise: float) -> np.ndarray:
    """A second 'live' shot of the same person: the head moved and tilted a little, the camera
    exposed differently, sensor noise, and a JPEG re-encode (done by the caller)."""
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, zoom)
    m[:, 2] += shift
    out = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    out = out.astype(np.float32) * gain + bias
    rng = np.random.default_rng(seed)
    out += rng.normal(0.0, noise, out.shape).astype(np.float32)
    return np.clip(out, 0, 255).astype(np.uint8)


def main(src: Path) -> None:
    _write(HERE / "registered" / "obama.jpg", _crop(src, "obama.jpg"))
    _write(HERE / "live" / "obama.jpg", _crop(src, "obama2.jpg"))
    _write(HERE / "other" / "obama3.jpg", _crop(src, "obama3.jpg"))
    partial = cv2.imread(str(src / "obama_partial_face.jpg"), cv2.IMREAD_COLOR)
    if partial is None:
        raise SystemExit(f"cannot read {src / 'obama_partial_face.jpg'}")
    partial = _fit(partial)
    _write(HERE / "other" / "obama_partial_face.jpg", partial)

    biden = _crop(src, "biden.jpg")
    _write(HERE / "registered" / "biden.jpg", biden)
    _write(HERE / "live" / "biden.jpg",
           variation(biden, seed=2, angle=-4.0, shift=(-18, 10), zoom=0.93, gain=1.12,
                     bias=-14.0, noise=4.0), quality=82)

    astro = _crop(src, "astronaut.png")
    _write(HERE / "registered" / "astronaut.jpg", astro)
    _write(HERE / "live" / "astronaut.jpg",
           variation(astro, seed=3, angle=5.0, shift=(14, -8), zoom=1.06, gain=0.88,
                     bias=18.0, noise=4.0), quality=82)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/faces"))
