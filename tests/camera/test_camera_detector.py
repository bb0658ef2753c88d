"""The face detector on the repo's face images: found at every size and position, nothing on
empty scenes, two on two-person frames; the Haar fallback when the model cannot be loaded."""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np
import pytest

from bench.faces import empty_scenes, face_images, face_test_set, two_person_frames
from kiosk.camera import clips
from kiosk.camera.detectors import BlazeFaceDetector, HaarDetector, make_detector
from kiosk.camera.quality import FaceAnalyzer


def _small(frame: np.ndarray) -> np.ndarray:
    return cv2.resize(frame, (640, 360), interpolation=cv2.INTER_AREA)


@pytest.fixture(scope="module")
def detector() -> BlazeFaceDetector:
    d = make_detector()
    assert isinstance(d, BlazeFaceDetector)  # the bundled model loads from resources/
    return d


def test_r12_every_repo_face_is_found_at_every_size_and_position(
    detector: BlazeFaceDetector,
) -> None:
    misses = []
    frames = list(face_test_set())
    assert len(frames) >= 24 and len(face_images()) >= 9
    for name, frame, (cx, cy, fw) in frames:
        detector.reset()
        faces = detector.detect(_small(frame), None)  # type: ignore[arg-type]
        ok = len(faces) == 1
        if ok:
            x, y, w, h = (2 * v for v in faces[0].box)
            # Where dlib's HOG put the face, within half a face width: the right face.
            ok = abs(x + w / 2 - cx) < 0.5 * fw and abs(y + h / 2 - cy) < 0.5 * fw
            ok = ok and 0.6 < w / fw < 1.6
        if not ok:
            misses.append(name)
    assert misses == []


def test_r12_no_face_on_empty_scenes(detector: BlazeFaceDetector) -> None:
    scenes = empty_scenes()
    assert len(scenes) >= 5
    for i, scene in enumerate(scenes):
        detector.reset()
        assert detector.detect(_small(scene), None) == [], i  # type: ignore[arg-type]


def test_r12_two_faces_on_two_person_frames(detector: BlazeFaceDetector) -> None:
    for frame in two_person_frames():
        detector.reset()
        faces = detector.detect(_small(frame), None)  # type: ignore[arg-type]
        assert len(faces) == 2
        centres = sorted(f.box[0] + f.box[2] / 2 for f in faces)
        assert centres[0] < 320 < centres[1]  # one on each side, not one face twice


def test_between_full_passes_the_face_is_looked_for_near_where_it_was(
    face_a: np.ndarray, face_b: np.ndarray
) -> None:
    d = BlazeFaceDetector(full_every=3)
    one = _small(clips.portrait_frame([face_a], 1280, 720))
    for _ in range(3):
        assert len(d.detect(one, None)) == 1  # type: ignore[arg-type]
    # The first analysis was a full pass (and one close-up for the keypoints), then two
    # close-ups.
    assert d.passes == {"full": 1, "track": 3}
    # A second person steps in: the next full pass (at most `full_every` analyses) sees them.
    two = _small(clips.portrait_frame([face_a, face_b], 1280, 720, scale=0.7))
    counts = [len(d.detect(two, None)) for _ in range(3)]  # type: ignore[arg-type]
    assert 2 in counts


def test_far_face_is_still_found_and_told_to_come_closer(face_a: np.ndarray) -> None:
    # A face a quarter of the oval wide: 13 px in the letterboxed square, found by the
    # centre-square pass.
    frame = _small(clips.portrait_frame([face_a], 1280, 720, scale=0.35))
    report = FaceAnalyzer().analyse(frame, 1280)
    assert report.faces == 1 and report.primary == "move_closer"


def test_missing_model_file_falls_back_to_haar_and_says_so_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    missing = tmp_path / "face_detection_short_range.tflite"
    with caplog.at_level(logging.WARNING, logger="kiosk.camera.detectors"):
        first, second = make_detector(missing), make_detector(missing)
    assert isinstance(first, HaarDetector) and isinstance(second, HaarDetector)
    lines = [r.getMessage() for r in caplog.records if str(missing) in r.getMessage()]
    assert len(lines) == 1 and "Haar" in lines[0]
    # The fallback still guides: a face is found and judged.
    assert FaceAnalyzer(first).analyse(
        _small(clips.portrait_frame([cv2.imread(str(face_images()[0]))], 1280, 720)), 1280
    ).faces == 1


def test_broken_model_file_falls_back_to_haar(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = tmp_path / "broken.tflite"
    broken.write_bytes(b"not a model" * 100)
    with caplog.at_level(logging.WARNING, logger="kiosk.camera.detectors"):
        d = make_detector(broken)
    assert isinstance(d, HaarDetector)
    assert any(str(broken) in r.getMessage() and "did not load" in r.getMessage()
               for r in caplog.records)


def test_the_synthetic_camera_shows_no_face_so_it_is_never_captured_by_itself() -> None:
    # Demos and UI tests run on `--camera synthetic`: a face there would auto-capture a
    # drawing. (BlazeFace took the old smiley for a face.)
    from kiosk.camera.sources import SyntheticSource

    source = SyntheticSource()
    analyzer = FaceAnalyzer()
    try:
        for _ in range(10):
            ok, frame = source.read()
            assert ok and frame is not None
            assert analyzer.analyse(_small(frame), frame.shape[1]).faces == 0
    finally:
        source.release()
