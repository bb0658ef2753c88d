"""Face detectors for the live guide: BlazeFace (default), Haar (fallback), YuNet (configured).

BlazeFace short-range
---------------------
MediaPipe's short-range face detector (``resources/models/face_detection_short_range.tflite``,
Apache-2.0, from the mediapipe 0.10.14 wheel: see ``resources/models/SOURCE.md``), run by
``cv2.dnn`` so no MediaPipe install is needed. It takes a 128x128 RGB square scaled to [-1, 1]
(NCHW), scores 896 anchors (strides 8 and 16, 2 and 6 anchors per cell) and regresses a box
plus 6 keypoints per anchor: the eyes, the nose tip, the mouth centre and both ear tragions.
Decoding and the weighted non-maximum suppression follow MediaPipe's own graph
(``face_detection_short_range_cpu``: score threshold 0.5, suppression IoU 0.3).

The whole frame is scaled so its long side is 128 px (the letterbox's scale), so a face
anywhere in the picture is seen; the input is that frame padded to a multiple of 16 (the model
is convolutional: a 640x360 frame is a 128x80 input with 560 anchors, the same face pixels as
the 128x128 letterbox at 62 % of its cost). Between two such full passes the detector looks
again in a square of `track_zoom` x the last face around it, at `track_input` px: the face is
larger there than in the full pass, so its box and keypoints are steadier. At 96 px and 1.65x
the face has the pixels it had at 128 px and 2.2x, with the same eye error against dlib (3.6 %
vs 3.7 % median, bench/faces.py) at 56 % of the cost. A full pass runs every `full_every`
analyses (a second person walking in is noticed within that many frames) and at once whenever
the face is lost. Each input size has its own network (see `_network`).

Haar
----
OpenCV's cascades (frontal face, glasses-tolerant eyes, profile), in the opencv 4.x wheels. It
is only the fallback when the model file is missing or does not load: 10x slower and it misses
faces BlazeFace finds (see README).
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

log = logging.getLogger(__name__)

Box = tuple[int, int, int, int]  # x, y, w, h in analysis-frame pixels
Point = tuple[float, float]

# Located as the bundled fonts are (kiosk/ui/app.py): resources/ beside the kiosk package.
MODELS_DIR = Path(__file__).resolve().parents[2] / "resources" / "models"
BLAZEFACE_MODEL = MODELS_DIR / "face_detection_short_range.tflite"


@dataclass(frozen=True)
class FaceDetection:
    box: Box
    eyes: tuple[Point, Point] | None = None  # (left-in-image, right-in-image) centres
    nose: Point | None = None
    mouth: Point | None = None
    ears: tuple[Point, Point] | None = None  # (left-in-image, right-in-image) tragions
    score: float = 1.0


class FaceDetector(Protocol):
    name: str
    # Whether detect() and profile_present() look at the equalised grey frame; if not, the
    # analyser passes None and converts only the face to grey.
    uses_gray: bool

    def detect(self, bgr: np.ndarray, gray: np.ndarray | None) -> list[FaceDetection]: ...

    def profile_present(self, gray: np.ndarray | None) -> bool: ...

    def reset(self) -> None: ...


# --- BlazeFace ---------------------------------------------------------------------------


def _anchors(width: int = 128, height: int = 128) -> np.ndarray:
    """(n, 16) anchor offsets in input pixels, in the model's output order, for an input of
    `width` x `height` (multiples of 16): strides 8 and 16, 2 and 6 anchors per cell, row by
    row (at 128 x 128 MediaPipe's 896 anchors). Each row is the anchor centre laid out as the
    regressor row it is added to: box centre, box size (nothing added), six keypoints."""
    out = []
    for stride, per_cell in ((8, 2), (16, 6)):
        ys, xs = np.mgrid[0 : height // stride, 0 : width // stride]
        centres = np.stack([(xs + 0.5) * stride, (ys + 0.5) * stride], axis=-1).reshape(-1, 2)
        out.append(np.repeat(centres, per_cell, axis=0))
    centres = np.concatenate(out).astype(np.float32)
    rows = np.tile(centres, 8)
    rows[:, 2:4] = 0.0
    return rows


def _iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """IoU of one (x0, y0, x1, y1) box with many."""
    x0 = np.maximum(box[0], boxes[:, 0])
    y0 = np.maximum(box[1], boxes[:, 1])
    x1 = np.minimum(box[2], boxes[:, 2])
    y1 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return np.asarray(inter / np.maximum(area + areas - inter, 1e-9))


def weighted_nms(
    scores: np.ndarray, coords: np.ndarray, iou: float = 0.3
) -> list[tuple[float, np.ndarray]]:
    """MediaPipe's WEIGHTED suppression: each kept face is the score-weighted mean of the
    candidates overlapping it. `coords` rows start with x0, y0, x1, y1 (keypoints follow)."""
    order = np.argsort(-scores)
    scores, coords = scores[order], coords[order]
    out: list[tuple[float, np.ndarray]] = []
    while len(scores):
        overlap = _iou(coords[0, :4], coords[:, :4]) > iou
        w = scores[overlap]
        out.append((float(scores[0]), (coords[overlap] * w[:, None]).sum(0) / w.sum()))
        scores, coords = scores[~overlap], coords[~overlap]
    return out


class BlazeFaceDetector:
    """BlazeFace short-range on cv2.dnn, full-frame letterbox plus re-detection near the face."""

    name = "blazeface"
    uses_gray = False
    INPUT = 128  # the model's own input side: the full pass's scale

    def __init__(
        self,
        model_path: str | os.PathLike[str] = BLAZEFACE_MODEL,
        score_threshold: float = 0.5,
        full_every: int = 2,
        track_zoom: float = 1.65,
        track_input: int = 96,
    ) -> None:
        self._model = str(model_path)
        # One network per input size, with that size's anchors. cv2.dnn reallocates every
        # layer's buffers when a network's input shape changes: the full pass and the
        # close-up alternating on one network cost 1.5x as much as on a network each.
        self._nets: dict[tuple[int, int], tuple[Any, Any, np.ndarray]] = {}
        self._network((self.INPUT, self.INPUT))  # a model that does not load fails here
        self.score_threshold = score_threshold
        self._min_logit = math.log(score_threshold / (1 - score_threshold))
        self.full_every = full_every
        self.track_zoom = track_zoom
        self.track_input = _multiple_of_16(track_input)
        self._last: FaceDetection | None = None
        self._since_full = 0
        self.passes = {"full": 0, "track": 0}

    def reset(self) -> None:
        self._last = None
        self._since_full = 0

    def _network(self, size: tuple[int, int]) -> tuple[Any, Any, np.ndarray]:
        found = self._nets.get(size)
        if found is None:
            net = cv2.dnn.readNetFromTFLite(self._model)
            found = self._nets[size] = (net, net.getUnconnectedOutLayersNames(),
                                        _anchors(*size))
        return found

    def detect(self, bgr: np.ndarray, gray: np.ndarray | None = None) -> list[FaceDetection]:
        if self._last is not None and self._since_full < self.full_every:
            found = self._tracked(bgr, self._last)
            self.passes["track"] += 1
            if found is not None:
                self._since_full += 1
                self._last = found
                return [found]
        faces = self.detect_full(bgr)
        self._since_full = 1
        before, self._last = self._last, None
        if len(faces) == 1:
            # In the letterboxed frame a face at the counter is 20-40 px of the 128: its box
            # is good, its keypoints are not (eye error ~10 % of the eye distance, roll off by
            # up to 20 deg, see README). The face followed a frame ago lends its close-up
            # keypoints, moved with the box; a new face gets one look closer instead.
            if before is not None and _box_iou(before.box, faces[0].box) >= 0.5:
                self._last = _moved(before, faces[0])
            else:
                self._last = self._tracked(bgr, faces[0]) or faces[0]
                self.passes["track"] += 1
            return [self._last]
        # Only one face is followed: with two or more the next pass is a full one again.
        return faces

    def detect_full(self, bgr: np.ndarray) -> list[FaceDetection]:
        """Every face of the letterboxed frame, largest first."""
        h, w = bgr.shape[:2]
        self.passes["full"] += 1
        # The frame at the letterbox's scale (its long side 128 px), but without the padding
        # rows: a 640x360 frame is a 128x80 input, 560 anchors instead of 896, the same face
        # pixels at 62 % of the forward pass's cost.
        s = self.INPUT / max(h, w)
        faces = self._run(bgr, 0.0, 0.0, s, (_multiple_of_16(w * s), _multiple_of_16(h * s)))
        if not faces and w > h:
            # A person standing back is 10-15 px in the letterboxed square, under the model's
            # smallest anchors; the centre square (where the oval is) sees them 1.8x larger,
            # so they are told "come closer" instead of "no face".
            faces = self._run(bgr, (w - h) / 2, 0.0, self.INPUT / h, (self.INPUT, self.INPUT))
        return faces

    def _tracked(self, bgr: np.ndarray, last: FaceDetection) -> FaceDetection | None:
        x, y, fw, fh = last.box
        side = self.track_zoom * max(fw, fh)
        n = self.track_input
        faces = self._run(bgr, x + fw / 2 - side / 2, y + fh / 2 - side / 2, n / side, (n, n))
        if len(faces) != 1:
            return None  # lost, or someone beside the face: a full pass decides
        return faces[0]

    def _run(
        self, bgr: np.ndarray, x0: float, y0: float, scale: float, size: tuple[int, int]
    ) -> list[FaceDetection]:
        """Detect in the part of the frame from (x0, y0) that fills an input of `size`
        (width, height; multiples of 16) at `scale` input pixels per frame pixel. The model
        is convolutional: any such size works, with an anchor grid of its own. Whatever lies
        outside the frame is black."""
        nw, nh = size
        # One affine warp crops, scales and pads in a single pass.
        m = np.array([[scale, 0, -x0 * scale], [0, scale, -y0 * scale]], np.float32)
        square = cv2.warpAffine(bgr, m, (nw, nh), flags=cv2.INTER_AREA,
                                borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))
        blob = cv2.dnn.blobFromImage(square, 1 / 127.5, (nw, nh), (127.5, 127.5, 127.5),
                                     swapRB=True)
        net, outputs, anchors = self._network(size)
        net.setInput(blob)
        raw_scores, raw = net.forward(outputs)
        logits = raw_scores.reshape(-1)
        keep = logits > self._min_logit
        if not keep.any():
            return []
        scores = 1.0 / (1.0 + np.exp(-np.minimum(logits[keep], 100.0)))
        # The regressors are in input pixels: box centre and keypoints as offsets from the
        # anchor, then the box's width and height.
        pts = raw.reshape(-1, 16)[keep] + anchors[keep]
        cx, cy, bw, bh = pts[:, 0], pts[:, 1], pts[:, 2], pts[:, 3]
        coords = np.concatenate(
            [np.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], 1), pts[:, 4:]], 1
        )
        faces = []
        for score, c in weighted_nms(scores, coords):
            # From input pixels back to frame pixels.
            xs = c[0::2] / scale + x0
            ys = c[1::2] / scale + y0
            faces.append(_blaze_face(xs, ys, score))
        faces.sort(key=lambda f: -f.box[2] * f.box[3])
        return faces

    def profile_present(self, gray: np.ndarray | None) -> bool:
        # BlazeFace finds turned heads itself; their keypoints then say "face the camera".
        return False


def _multiple_of_16(v: float) -> int:
    """The model's input sides: the stride-16 grid must tile them."""
    return max(16, -(-int(math.ceil(v)) // 16) * 16)


def _box_iou(a: Box, b: Box) -> float:
    """IoU of two (x, y, w, h) boxes."""
    boxes = np.array([[b[0], b[1], b[0] + b[2], b[1] + b[3]]], np.float64)
    return float(_iou(np.array([a[0], a[1], a[0] + a[2], a[1] + a[3]], np.float64), boxes)[0])


def _moved(before: FaceDetection, now: FaceDetection) -> FaceDetection:
    """`before`'s keypoints carried into `now`'s box (same place in the box, new scale)."""
    (ax, ay, aw, ah), (bx, by, bw, bh) = before.box, now.box
    sx, sy = bw / max(aw, 1), bh / max(ah, 1)

    def move(p: Point) -> Point:
        return (bx + (p[0] - ax) * sx, by + (p[1] - ay) * sy)

    def pair(ps: tuple[Point, Point] | None) -> tuple[Point, Point] | None:
        return None if ps is None else (move(ps[0]), move(ps[1]))

    return FaceDetection(now.box, pair(before.eyes), None if before.nose is None else
                         move(before.nose), None if before.mouth is None else
                         move(before.mouth), pair(before.ears), now.score)


def _blaze_face(xs: np.ndarray, ys: np.ndarray, score: float) -> FaceDetection:
    bx0, by0, bx1, by1 = float(xs[0]), float(ys[0]), float(xs[1]), float(ys[1])
    box = (int(round(bx0)), int(round(by0)), int(round(bx1 - bx0)), int(round(by1 - by0)))
    p = [(float(x), float(y)) for x, y in zip(xs[2:], ys[2:], strict=True)]
    # MediaPipe's order: the person's right eye (left in the image) first, then the left eye,
    # nose tip, mouth centre, right ear, left ear.
    return FaceDetection(box, (p[0], p[1]), p[2], p[3], (p[4], p[5]), score)


# --- Haar (fallback) ---------------------------------------------------------------------


def _cascade(file_name: str) -> cv2.CascadeClassifier:
    path = os.path.join(cv2.data.haarcascades, file_name)  # type: ignore[attr-defined]
    clf = cv2.CascadeClassifier(path)
    if clf.empty():
        raise RuntimeError(f"Haar cascade {path} did not load")
    return clf


class HaarDetector:
    name = "haar"
    uses_gray = True

    def __init__(self) -> None:
        self._face = _cascade("haarcascade_frontalface_default.xml")
        self._eyes = _cascade("haarcascade_eye_tree_eyeglasses.xml")
        self._eyes_plain = _cascade("haarcascade_eye.xml")
        self._profile = _cascade("haarcascade_profileface.xml")

    def reset(self) -> None:
        pass

    def _min_face(self, gray: np.ndarray) -> int:
        # A face needs >= 0.33 of the frame height to fill the oval (min_fill); smaller than
        # 0.18 it is far too far anyway, and skipping the small scales halves the Haar cost.
        # Between the two the person is told "move closer" rather than "no face".
        return max(24, int(gray.shape[0] * 0.18))

    def detect(self, bgr: np.ndarray, gray: np.ndarray | None) -> list[FaceDetection]:
        if gray is None:
            gray = cv2.equalizeHist(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY))
        m = self._min_face(gray)
        boxes = self._face.detectMultiScale(gray, 1.15, 5, minSize=(m, m))
        faces = sorted((tuple(int(v) for v in b) for b in boxes), key=lambda b: -b[2] * b[3])
        out: list[FaceDetection] = []
        for i, (x, y, w, h) in enumerate(faces):
            eyes = self._eye_pair(gray, (x, y, w, h)) if i == 0 else None
            out.append(FaceDetection((x, y, w, h), eyes))
        return out

    def _eye_pair(self, gray: np.ndarray, box: Box) -> tuple[Point, Point] | None:
        x, y, w, h = box
        top = gray[y : y + int(h * 0.6), x : x + w]
        m, big = max(8, w // 8), (w // 2, w // 2)
        found = list(self._eyes.detectMultiScale(top, 1.1, 2, minSize=(m, m), maxSize=big))
        if len(found) < 2:
            # The plain eye cascade finds more tilted eyes; its brow-and-eye boxes are too
            # big, hence the pick by expected eye size below.
            found += list(self._eyes_plain.detectMultiScale(top, 1.1, 3, minSize=(m, m),
                                                            maxSize=big))
        left = [e for e in found if e[0] + e[2] / 2 < w / 2]
        right = [e for e in found if e[0] + e[2] / 2 >= w / 2]
        if not left or not right:
            return None
        expected = 0.16 * w  # eye box / face box width on frontal faces

        def pick(cands: list[Any]) -> Any:
            return min(cands, key=lambda e: abs(float(e[2]) - expected))

        le, re = pick(left), pick(right)
        return (
            (x + le[0] + le[2] / 2, y + le[1] + le[3] / 2),
            (x + re[0] + re[2] / 2, y + re[1] + re[3] / 2),
        )

    def profile_present(self, gray: np.ndarray | None) -> bool:
        if gray is None:
            raise ValueError("the Haar profile check needs the grey frame (uses_gray)")
        m = self._min_face(gray)
        if len(self._profile.detectMultiScale(gray, 1.15, 5, minSize=(m, m))):
            return True
        flipped = cv2.flip(gray, 1)  # the cascade knows one side only
        return bool(len(self._profile.detectMultiScale(flipped, 1.15, 5, minSize=(m, m))))


# --- YuNet (configured ONNX file) ---------------------------------------------------------


class YuNetDetector:
    """cv2.FaceDetectorYN with a configured ONNX file; landmarks give the eyes directly."""

    name = "yunet"
    uses_gray = False

    def __init__(self, model_path: str, score_threshold: float = 0.8) -> None:
        self._model = cv2.FaceDetectorYN.create(model_path, "", (320, 320), score_threshold)
        self._size: tuple[int, int] = (0, 0)

    def reset(self) -> None:
        pass

    def detect(self, bgr: np.ndarray, gray: np.ndarray | None) -> list[FaceDetection]:
        h, w = bgr.shape[:2]
        if self._size != (w, h):
            self._model.setInputSize((w, h))
            self._size = (w, h)
        _, faces = self._model.detect(bgr)
        out: list[FaceDetection] = []
        for f in [] if faces is None else faces:
            box = (int(f[0]), int(f[1]), int(f[2]), int(f[3]))
            # YuNet landmarks: right eye (image left), left eye, nose, mouth corners.
            eyes = ((float(f[4]), float(f[5])), (float(f[6]), float(f[7])))
            mouth = ((float(f[10]) + float(f[12])) / 2, (float(f[11]) + float(f[13])) / 2)
            out.append(FaceDetection(box, eyes, (float(f[8]), float(f[9])), mouth,
                                     score=float(f[14])))
        out.sort(key=lambda d: -d.box[2] * d.box[3])
        return out

    def profile_present(self, gray: np.ndarray | None) -> bool:
        return False


_warned: set[str] = set()


def _warn_once(message: str, *args: object) -> None:
    text = message % args
    if text not in _warned:
        _warned.add(text)
        log.warning(text)


def make_detector(face_model: str | os.PathLike[str] | None = None) -> FaceDetector:
    """The bundled BlazeFace model, or the configured file (``.tflite``: BlazeFace, ``.onnx``:
    YuNet). Haar when that file is missing or does not load, said once in the log."""
    path = str(face_model) if face_model else str(BLAZEFACE_MODEL)
    if not os.path.isfile(path):
        _warn_once("face model file %s is missing: using the Haar cascade", path)
        return HaarDetector()
    try:
        if path.endswith(".onnx"):
            return YuNetDetector(path)
        return BlazeFaceDetector(path)
    except cv2.error as exc:
        _warn_once("face model %s did not load (%s): using the Haar cascade", path,
                   getattr(exc, "msg", exc))
    return HaarDetector()
