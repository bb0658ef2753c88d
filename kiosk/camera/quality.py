"""Face guide and photo-quality checks on a downscaled frame.

Detector
--------
`detectors.make_detector()`: BlazeFace short-range on cv2.dnn with the bundled model (faces
anywhere in the frame, 6 keypoints); OpenCV's Haar cascades only when the model cannot be
loaded (logged once). See `kiosk/camera/detectors.py` and the README for the figures.

Thresholds and where they come from
-----------------------------------
The measures follow the quality components of ISO/IEC 29794-5 as implemented by BSI's OFIQ
(SingleFacePresent, HeadSize, InterEyeDistance, HeadPose, Sharpness, LuminanceMean,
UnderExposurePrevention / OverExposurePrevention, IlluminationUniformity) and the portrait
rules of ICAO 9303 Part 3 / ISO/IEC 19794-5 (39794-5). They are *proxies* computed from face
boxes and keypoints, not OFIQ's landmark- and CNN-based values; the bureau's face match is the
authority (R12). What each one stands for:

- single face: ISO/IEC 29794-5 SingleFacePresent; ICAO: only the holder in the picture. Faces
  whose width is at least `second_face_ratio` of the largest count as another person.
- face size and position: ICAO/ISO 19794-5 want the head centred with the face filling a fixed
  share of the portrait (OFIQ HeadSize). The kiosk's oval guide is that frame: the face box
  must be `min_fill`..`max_fill` of the oval width and its centre within `max_offset` of the
  oval's semi-axes.
- inter-eye distance: ISO/IEC 19794-5 asks >= 90 px (ICAO recommends 120) on the *final
  portrait*; the full camera frame is wider than a portrait, so we only refuse below
  `min_ied_px` = 60 px (the 19794-5 token-image minimum) and rely on the oval fill for the rest.
- head pose: ICAO 9303 / ISO 19794-5 allow about +/-5 deg yaw and pitch and +/-8 deg roll; OFIQ
  scores yaw/pitch/roll from a 3D face model. Roll is the eye-line angle: BlazeFace's eye
  keypoints from the close-up pass agree with dlib's 5-point eyes within a median 1.2 deg, p90
  2.5, at most 3.5 (bench/faces.py), so `max_roll_deg` = 10 (ICAO's 8 plus that p90): a real
  photo tilted 5 deg by dlib measured 5.8-8.5 from frame to frame and was told "face the
  camera" on a head held still. Roll and yaw are judged on the median of the last `POSE_WINDOW`
  analyses of the face, for the same jitter. Yaw (BlazeFace): `yaw_index`, the mean of the nose
  tip's offset from the eye midpoint (in eye distances) and the eye-to-ear asymmetry;
  `max_yaw_index` = 0.5. Official frontal portraits measure <= 0.25, a real photo turned ~20
  deg (sandbox live/obama.jpg) 0.38-0.45, heads turned ~45 deg (synthetic) 0.5-0.6: a coarse
  "looking away" check, not ICAO's 5 deg, which six 2-D keypoints cannot resolve. Haar
  fallback: the eye midpoint's offset from the box centre (`max_yaw_offset` = 0.08 of the face
  width). Pitch is not measured. With no eye pair (Haar only) the pose check is skipped rather
  than refused.
- sharpness: OFIQ Sharpness is a random forest over Laplacian/Sobel features; we use the
  classic variance of the Laplacian on the face crop resized to 128 px wide (scale-free),
  refused below `min_sharpness`, plus face motion between analysed frames (`max_motion`).
- exposure: OFIQ LuminanceMean / Under- and OverExposurePrevention: mean face luminance in
  `min_luminance`..`max_luminance` (0..255) and at most `max_clipped` of face pixels >= 250.
- illumination uniformity: OFIQ IlluminationUniformity compares the left and right face
  halves; we refuse when the darker half's mean is below `min_uniformity` of the brighter's.
"""

from __future__ import annotations

import math
import statistics
import time
from collections import deque
from dataclasses import dataclass, field

import cv2
import numpy as np

from kiosk.camera import messages
from kiosk.camera.detectors import (
    BlazeFaceDetector,
    Box,
    FaceDetection,
    FaceDetector,
    HaarDetector,
    Point,
    YuNetDetector,
    make_detector,
)

__all__ = [
    "AutoCapture", "BlazeFaceDetector", "Box", "FaceAnalyzer", "FaceDetection", "FaceDetector",
    "HaarDetector", "Oval", "Point", "QualityReport", "Thresholds", "YuNetDetector",
    "make_detector",
]


# Analyses whose median head pose decides "face the camera" (about a third of a second).
POSE_WINDOW = 5

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
    max_roll_deg: float = 10.0  # ICAO's 8 deg plus the keypoints' p90 roll error
    max_yaw_offset: float = 0.08  # Haar: eye midpoint off the box centre, share of width
    max_yaw_index: float = 0.5  # keypoints: see the module docstring
    min_sharpness: float = 60.0
    max_motion: float = 0.04  # face-centre travel between analyses, share of frame height
    min_luminance: float = 70.0
    max_luminance: float = 200.0
    max_clipped: float = 0.15
    min_uniformity: float = 0.55


@dataclass(frozen=True)
class QualityReport:
    """One analysed frame. `issues` are guidance ids, most important first; none means good."""

    faces: int
    issues: tuple[str, ...]
    face_box: tuple[float, float, float, float] | None = None  # share of frame: x, y, w, h
    metrics: dict[str, float] = field(default_factory=dict)
    analysis_ms: float = 0.0  # wall clock, including any wait for the CPU
    analysis_cpu_ms: float = 0.0  # CPU time of the analysing thread: the work itself

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
        self.detector = detector or make_detector()
        self.t = thresholds or Thresholds()
        self.oval = oval or Oval()
        self._last_centre: Point | None = None
        # The head pose of the last few analyses of this face: keypoints jitter by a degree
        # or two between frames, so the "face the camera" check takes their median rather
        # than flicker on a head held near the limit (a real photo tilted ~7 deg did).
        self._poses: deque[tuple[float, float]] = deque(maxlen=POSE_WINDOW)

    def reset(self) -> None:
        self._last_centre = None
        self._poses.clear()
        self.detector.reset()

    def analyse(self, bgr_small: np.ndarray, full_width: int | None = None) -> QualityReport:
        """Check one downscaled BGR frame; `full_width` scales pixel measures (IED) back."""
        started, cpu = time.perf_counter(), time.thread_time()
        report = self._analyse(bgr_small, full_width or bgr_small.shape[1])
        ms = (time.perf_counter() - started) * 1000.0
        cpu_ms = (time.thread_time() - cpu) * 1000.0
        return QualityReport(
            report.faces, report.issues, report.face_box, report.metrics, ms, cpu_ms
        )

    def _analyse(self, bgr: np.ndarray, full_width: int) -> QualityReport:
        t = self.t
        h, w = bgr.shape[:2]
        # The grey frame, equalised, for Haar only, so a dark face is still found and told
        # "too dark"; BlazeFace finds it as it is, and only the face is made grey below.
        eq = None
        if self.detector.uses_gray:
            eq = cv2.equalizeHist(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY))
        faces = self.detector.detect(bgr, eq)
        if faces:
            big = faces[0].box[2]
            faces = [f for f in faces if f.box[2] >= t.second_face_ratio * big]
        if not faces:
            self._last_centre = None
            self._poses.clear()
            turned = self.detector.profile_present(eq)
            return QualityReport(0, (messages.FACE_CAMERA if turned else messages.NO_FACE,))
        if len(faces) > 1:
            self._last_centre = None
            self._poses.clear()
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
            if m["ied_px"] < t.min_ied_px:
                issues.add(messages.MOVE_CLOSER)
            if face.nose is not None and face.ears is not None:
                m["yaw_index"] = yaw_index(face)
                self._poses.append((m["roll_deg"], m["yaw_index"]))
                roll = statistics.median(abs(p[0]) for p in self._poses)
                yaw = statistics.median(abs(p[1]) for p in self._poses)
                turned = roll > t.max_roll_deg or yaw > t.max_yaw_index
            else:
                turned = abs(m["roll_deg"]) > t.max_roll_deg
                m["yaw_offset"] = float(((lx + rx) / 2 - fcx) / fw)
                turned = turned or abs(m["yaw_offset"]) > t.max_yaw_offset
            if turned:
                issues.add(messages.FACE_CAMERA)

        # The inner face (no hair, no background) carries the light and focus measures, on
        # the face box made grey (the part inside the frame), not the whole frame.
        bx, by = max(x, 0), max(y, 0)
        crop = cv2.cvtColor(bgr[by : max(y + fh, by), bx : max(x + fw, bx)], cv2.COLOR_BGR2GRAY)
        ix, iy = max(int(fw * 0.15) + x - bx, 0), max(int(fh * 0.15) + y - by, 0)
        inner = crop[iy : int(fh * 0.9) + y - by, ix : int(fw * 0.85) + x - bx]
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
            size = (128, max(1, round(128 * fh / fw)))
            norm = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
            # Variance of the Laplacian; 16-bit holds a 3x3 Laplacian of 8-bit pixels exactly.
            m["sharpness"] = float(cv2.meanStdDev(cv2.Laplacian(norm, cv2.CV_16S))[1][0, 0] ** 2)
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


def yaw_index(face: FaceDetection) -> float:
    """Signed head-turn proxy from BlazeFace keypoints, 0 when frontal.

    The mean of two measures in the eye line's frame (so a tilted head is not a turned one):
    the nose tip's offset from the eye midpoint in eye distances, and the asymmetry of the
    eye-to-ear distances, (left - right) / (left + right). Both grow as the head turns.
    """
    assert face.eyes is not None and face.nose is not None and face.ears is not None
    (lx, ly), (rx, ry) = face.eyes
    ied = max(math.hypot(rx - lx, ry - ly), 1e-6)
    ux, uy = (rx - lx) / ied, (ry - ly) / ied  # unit vector along the eye line

    def along(p: Point) -> float:
        return (p[0] - lx) * ux + (p[1] - ly) * uy

    nose = (along(face.nose) - ied / 2) / ied
    left, right = -along(face.ears[0]), along(face.ears[1]) - ied
    ears = (left - right) / max(abs(left) + abs(right), 1e-6)
    return float((nose + ears) / 2)


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
