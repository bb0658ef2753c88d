"""Face guide and photo-quality checks on a downscaled frame.

Detector
--------
Default: OpenCV's Haar frontal-face cascade (``haarcascade_frontalface_default.xml``) plus the
eye cascade that tolerates glasses (``haarcascade_eye_tree_eyeglasses.xml``) for the eye line,
and the profile cascade only when no frontal face is found (to say "face the camera" rather
than "no face"). Why: they ship inside the opencv 4.x wheels, so a fresh machine works offline
from registry packages alone; opencv-python 5.x wheels ship neither cascades nor a YuNet model
(see shared NOTES). A better detector can be configured: a YuNet ONNX file
(``cv2.FaceDetectorYN``, e.g. ``face_detection_yunet_2023mar.onnx``) via
`CameraSettings.face_model`; if the file is missing or does not load we log one line and fall
back to Haar.

Thresholds and where they come from
-----------------------------------
The measures follow the quality components of ISO/IEC 29794-5 as implemented by BSI's OFIQ
(SingleFacePresent, HeadSize, InterEyeDistance, HeadPose, Sharpness, LuminanceMean,
UnderExposurePrevention / OverExposurePrevention, IlluminationUniformity) and the portrait
rules of ICAO 9303 Part 3 / ISO/IEC 19794-5 (39794-5). They are *proxies* computed from Haar
boxes and eye centres, not OFIQ's landmark- and CNN-based values; the bureau's face match is the
authority (R12). What each one stands for:

- single face: ISO/IEC 29794-5 SingleFacePresent; ICAO: only the holder in the picture. Faces
  whose width is at least `second_face_ratio` of the largest count as another person.
- face size and position: ICAO/ISO 19794-5 want the head centred with the face filling a fixed
  share of the portrait (OFIQ HeadSize). The kiosk's oval guide is that frame: the Haar face
  box must be `min_fill`..`max_fill` of the oval width and its centre within `max_offset` of the
  oval's semi-axes.
- inter-eye distance: ISO/IEC 19794-5 asks >= 90 px (ICAO recommends 120) on the *final
  portrait*; the full camera frame is wider than a portrait, so we only refuse below
  `min_ied_px` = 60 px (the 19794-5 token-image minimum) and rely on the oval fill for the rest.
- head pose: ICAO 9303 / ISO 19794-5 allow about +/-5 deg yaw and pitch and +/-8 deg roll; OFIQ
  scores yaw/pitch/roll from a 3D face model. Haar proxy: roll is the eye-line angle
  (`max_roll_deg` = 8); yaw is the offset of the eye midpoint from the face-box centre as a
  share of the face width (`max_yaw_offset` = 0.08, roughly 10-15 deg). The frontal cascade
  itself stops finding faces beyond about 20-25 deg yaw. Pitch is not measured. With no eye
  pair found (glasses glare, closed eyes) the pose check is skipped rather than refused: Haar
  cannot tell those apart and a dead end is worse than a retake after the bureau's answer.
- sharpness: OFIQ Sharpness is a random forest over Laplacian/Sobel features; we use the
  classic variance of the Laplacian on the face crop resized to 128 px wide (scale-free),
  refused below `min_sharpness`, plus face motion between analysed frames (`max_motion`).
- exposure: OFIQ LuminanceMean / Under- and OverExposurePrevention: mean face luminance in
  `min_luminance`..`max_luminance` (0..255) and at most `max_clipped` of face pixels >= 250.
- illumination uniformity: OFIQ IlluminationUniformity compares the left and right face
  halves; we refuse when the darker half's mean is below `min_uniformity` of the brighter's.
"""

from __future__ import annotations

import logging
import math
import os
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import cv2
import numpy as np

from kiosk.camera import messages

log = logging.getLogger(__name__)

Box = tuple[int, int, int, int]  # x, y, w, h in analysis-frame pixels
Point = tuple[float, float]


@dataclass(frozen=True)
class Oval:
    """The face guide, relative to the (unmirrored) frame: centre and semi-axes.

    Sized from the frame height so a 4:3 and a 16:9 camera show the same face shape.
    """

    cx: float = 0.5  # share of width
    cy: float = 0.46  # share of height
    ry: float = 0.40  # share of height
    aspect: float = 1.35  # height / width of the oval

    def axes_px(self, width: int, height: int) -> tuple[float, float, float, float]:
        ry = self.ry * height
        return self.cx * width, self.cy * height, ry / self.aspect, ry


@dataclass(frozen=True)
class Thresholds:
    second_face_ratio: float = 0.4
    min_fill: float = 0.55
    max_fill: float = 0.95
    max_offset: float = 0.35
    min_ied_px: float = 60.0
    max_roll_deg: float = 8.0
    max_yaw_offset: float = 0.08
    min_sharpness: float = 60.0
    max_motion: float = 0.04  # face-centre travel between analyses, share of frame height
    min_luminance: float = 70.0
    max_luminance: float = 200.0
    max_clipped: float = 0.15
    min_uniformity: float = 0.55


@dataclass(frozen=True)
class FaceDetection:
    box: Box
    eyes: tuple[Point, Point] | None = None  # (left-in-image, right-in-image) centres


class FaceDetector(Protocol):
    name: str

    def detect(self, bgr: np.ndarray, gray: np.ndarray) -> list[FaceDetection]: ...

    def profile_present(self, gray: np.ndarray) -> bool: ...


def _cascade(file_name: str) -> cv2.CascadeClassifier:
    path = os.path.join(cv2.data.haarcascades, file_name)  # type: ignore[attr-defined]
    clf = cv2.CascadeClassifier(path)
    if clf.empty():
        raise RuntimeError(f"Haar cascade {path} did not load")
    return clf


class HaarDetector:
    name = "haar"

    def __init__(self) -> None:
        self._face = _cascade("haarcascade_frontalface_default.xml")
        self._eyes = _cascade("haarcascade_eye_tree_eyeglasses.xml")
        self._eyes_plain = _cascade("haarcascade_eye.xml")
        self._profile = _cascade("haarcascade_profileface.xml")

    def _min_face(self, gray: np.ndarray) -> int:
        # A face needs >= 0.33 of the frame height to fill the oval (min_fill); smaller than
        # 0.18 it is far too far anyway, and skipping the small scales halves the Haar cost.
        # Between the two the person is told "move closer" rather than "no face".
        return max(24, int(gray.shape[0] * 0.18))

    def detect(self, bgr: np.ndarray, gray: np.ndarray) -> list[FaceDetection]:
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

    def profile_present(self, gray: np.ndarray) -> bool:
        m = self._min_face(gray)
        if len(self._profile.detectMultiScale(gray, 1.15, 5, minSize=(m, m))):
            return True
        flipped = cv2.flip(gray, 1)  # the cascade knows one side only
        return bool(len(self._profile.detectMultiScale(flipped, 1.15, 5, minSize=(m, m))))


class YuNetDetector:
    """cv2.FaceDetectorYN with a configured ONNX file; landmarks give the eyes directly."""

    name = "yunet"

    def __init__(self, model_path: str, score_threshold: float = 0.8) -> None:
        self._model = cv2.FaceDetectorYN.create(model_path, "", (320, 320), score_threshold)
        self._size: tuple[int, int] = (0, 0)

    def detect(self, bgr: np.ndarray, gray: np.ndarray) -> list[FaceDetection]:
        h, w = bgr.shape[:2]
        if self._size != (w, h):
            self._model.setInputSize((w, h))
            self._size = (w, h)
        _, faces = self._model.detect(bgr)
        out: list[FaceDetection] = []
        for f in [] if faces is None else faces:
            box = (int(f[0]), int(f[1]), int(f[2]), int(f[3]))
            # YuNet landmarks: right eye (image left) then left eye.
            eyes = ((float(f[4]), float(f[5])), (float(f[6]), float(f[7])))
            out.append(FaceDetection(box, eyes))
        out.sort(key=lambda d: -d.box[2] * d.box[3])
        return out

    def profile_present(self, gray: np.ndarray) -> bool:
        return False


def make_detector(face_model: str | None = None) -> FaceDetector:
    """YuNet when a model file is configured and loads; otherwise Haar, saying so once."""
    if face_model:
        if not os.path.isfile(face_model):
            log.warning("face model file %s is missing: using the Haar cascade", face_model)
        else:
            try:
                return YuNetDetector(face_model)
            except cv2.error as exc:
                log.warning("face model %s did not load (%s): using the Haar cascade",
                            face_model, exc.msg if hasattr(exc, "msg") else exc)
    return HaarDetector()


@dataclass(frozen=True)
class QualityReport:
    """One analysed frame. `issues` are guidance ids, most important first; none means good."""

    faces: int
    issues: tuple[str, ...]
    face_box: tuple[float, float, float, float] | None = None  # share of frame: x, y, w, h
    metrics: dict[str, float] = field(default_factory=dict)
    analysis_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def primary(self) -> str:
        return self.issues[0] if self.issues else messages.GOOD


class FaceAnalyzer:
    """Stateful (it remembers the last face position, for "hold still"). One per preview."""

    def __init__(
        self,
        detector: FaceDetector | None = None,
        thresholds: Thresholds | None = None,
        oval: Oval | None = None,
    ) -> None:
        self.detector = detector or HaarDetector()
        self.t = thresholds or Thresholds()
        self.oval = oval or Oval()
        self._last_centre: Point | None = None

    def reset(self) -> None:
        self._last_centre = None

    def analyse(self, bgr_small: np.ndarray, full_width: int | None = None) -> QualityReport:
        """Check one downscaled BGR frame; `full_width` scales pixel measures (IED) back."""
        started = time.perf_counter()
        report = self._analyse(bgr_small, full_width or bgr_small.shape[1])
        ms = (time.perf_counter() - started) * 1000.0
        return QualityReport(report.faces, report.issues, report.face_box, report.metrics, ms)

    def _analyse(self, bgr: np.ndarray, full_width: int) -> QualityReport:
        t = self.t
        h, w = bgr.shape[:2]
        gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
        # Equalised for detection only, so a dark face is still found and told "too dark".
        faces = self.detector.detect(bgr, cv2.equalizeHist(gray))
        if faces:
            big = faces[0].box[2]
            faces = [f for f in faces if f.box[2] >= t.second_face_ratio * big]
        if not faces:
            self._last_centre = None
            turned = self.detector.profile_present(cv2.equalizeHist(gray))
            return QualityReport(0, (messages.FACE_CAMERA if turned else messages.NO_FACE,))
        if len(faces) > 1:
            self._last_centre = None
            return QualityReport(len(faces), (messages.ONLY_ONE,))

        face = faces[0]
        x, y, fw, fh = face.box
        issues: set[str] = set()
        m: dict[str, float] = {}

        ocx, ocy, orx, ory = self.oval.axes_px(w, h)
        m["fill"] = fw / (2 * orx)
        if m["fill"] < t.min_fill:
            issues.add(messages.MOVE_CLOSER)
        elif m["fill"] > t.max_fill:
            issues.add(messages.MOVE_BACK)
        fcx, fcy = x + fw / 2, y + fh / 2
        m["offset"] = math.hypot((fcx - ocx) / orx, (fcy - ocy) / ory)
        if m["offset"] > t.max_offset:
            issues.add(messages.CENTER)

        if face.eyes is not None:
            (lx, ly), (rx, ry) = face.eyes
            scale = full_width / w
            m["ied_px"] = math.hypot(rx - lx, ry - ly) * scale
            m["roll_deg"] = math.degrees(math.atan2(ry - ly, rx - lx))
            m["yaw_offset"] = float(((lx + rx) / 2 - fcx) / fw)
            if m["ied_px"] < t.min_ied_px:
                issues.add(messages.MOVE_CLOSER)
            if abs(m["roll_deg"]) > t.max_roll_deg or abs(m["yaw_offset"]) > t.max_yaw_offset:
                issues.add(messages.FACE_CAMERA)

        # The inner face (no hair, no background) carries the light and focus measures.
        ix, iy = x + int(fw * 0.15), y + int(fh * 0.15)
        inner = gray[iy : y + int(fh * 0.9), ix : x + int(fw * 0.85)]
        if inner.size:
            m["luminance"] = float(inner.mean())
            m["clipped"] = float((inner >= 250).mean())
            if m["luminance"] < t.min_luminance:
                issues.add(messages.TOO_DARK)
            elif m["luminance"] > t.max_luminance or m["clipped"] > t.max_clipped:
                issues.add(messages.TOO_BRIGHT)
            half = inner.shape[1] // 2
            a, b = float(inner[:, :half].mean()), float(inner[:, half:].mean())
            m["uniformity"] = min(a, b) / max(a, b, 1.0)
            if m["uniformity"] < t.min_uniformity:
                issues.add(messages.UNEVEN_LIGHT)
            crop = gray[y : y + fh, x : x + fw]
            size = (128, max(1, round(128 * fh / fw)))
            norm = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
            m["sharpness"] = float(cv2.Laplacian(norm, cv2.CV_64F).var())
            if m["sharpness"] < t.min_sharpness:
                issues.add(messages.HOLD_STILL)

        if self._last_centre is not None:
            px, py = self._last_centre
            m["motion"] = math.hypot(fcx - px, fcy - py) / h
            if m["motion"] > t.max_motion:
                issues.add(messages.HOLD_STILL)
        self._last_centre = (fcx, fcy)

        ordered = tuple(i for i in messages.GUIDANCE_ORDER if i in issues)
        box = (x / w, y / h, fw / w, fh / h)
        return QualityReport(1, ordered, box, m)


class AutoCapture:
    """Fires once the photo has been good for `hold_s` over at least `min_frames` analyses."""

    def __init__(self, hold_s: float = 1.0, min_frames: int = 3) -> None:
        self.hold_s = hold_s
        self.min_frames = min_frames
        self._since: float | None = None
        self._count = 0

    def reset(self) -> None:
        self._since = None
        self._count = 0

    def feed(self, report: QualityReport, now: float) -> bool:
        if not report.ok:
            self.reset()
            return False
        if self._since is None:
            self._since = now
        self._count += 1
        return self._count >= self.min_frames and now - self._since >= self.hold_s
