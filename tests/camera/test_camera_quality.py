"""Face guide and quality checks on real face images (no Qt): what guidance a person gets."""

from __future__ import annotations

import logging

import cv2
import numpy as np
import pytest

from kiosk.camera import clips, messages
from kiosk.camera.quality import (
    AutoCapture,
    FaceAnalyzer,
    HaarDetector,
    QualityReport,
    make_detector,
)

W, H = 1280, 720


def _small(frame: np.ndarray) -> np.ndarray:
    return cv2.resize(frame, (640, 360), interpolation=cv2.INTER_AREA)


def _analyse(frames: list[np.ndarray]) -> QualityReport:
    analyzer = FaceAnalyzer()
    report = None
    for f in frames:
        report = analyzer.analyse(_small(f), W)
    assert report is not None
    return report


@pytest.fixture(scope="module")
def good(face_a: np.ndarray) -> list[np.ndarray]:
    return clips.portrait_frames([face_a], W, H, 3)


def test_r12_centred_sharp_lit_face_passes_every_check(good: list[np.ndarray]) -> None:
    report = _analyse(good)
    assert report.faces == 1
    assert report.issues == ()
    assert report.primary == messages.GOOD
    # The eye pair was found, so pose and inter-eye distance were checked, not skipped.
    assert report.metrics["ied_px"] >= 60
    assert abs(report.metrics["roll_deg"]) <= 8


def test_r12_empty_scene_asks_for_a_face() -> None:
    assert _analyse([clips.background(W, H)]).issues == (messages.NO_FACE,)


def test_r12_two_people_are_told_only_one(face_a: np.ndarray, face_b: np.ndarray) -> None:
    report = _analyse(clips.portrait_frames([face_a, face_b], W, H, 1, scale=0.7))
    assert report.faces == 2
    assert report.primary == messages.ONLY_ONE


def test_r12_dark_face_is_told_too_dark(good: list[np.ndarray]) -> None:
    report = _analyse(clips.darken(good))
    assert report.primary == messages.TOO_DARK


def test_r12_overexposed_face_is_told_too_bright(good: list[np.ndarray]) -> None:
    bright = [cv2.convertScaleAbs(f, alpha=1.9, beta=40) for f in good]
    assert messages.TOO_BRIGHT in _analyse(bright).issues


def test_r12_blurred_face_is_told_hold_still(good: list[np.ndarray]) -> None:
    report = _analyse(clips.blur(good))
    assert report.issues == (messages.HOLD_STILL,)


def test_r12_small_face_is_told_move_closer(face_a: np.ndarray) -> None:
    report = _analyse(clips.portrait_frames([face_a], W, H, 2, scale=0.55))
    assert report.primary == messages.MOVE_CLOSER


def test_r12_face_too_big_is_told_move_back(face_a: np.ndarray) -> None:
    report = _analyse(clips.portrait_frames([face_a], W, H, 2, scale=1.4))
    assert report.primary == messages.MOVE_BACK


def test_r12_face_outside_the_oval_is_told_to_centre(face_a: np.ndarray) -> None:
    frame = clips.background(W, H)
    _, ocy, _, ory = FaceAnalyzer().oval.axes_px(W, H)
    clips.place(frame, face_a, W * 0.2, ocy - 0.42 * 2.85 * ory, 2.85 * ory)
    assert _analyse([frame]).primary == messages.CENTER


def test_r12_tilted_head_is_told_face_the_camera(good: list[np.ndarray]) -> None:
    frame = good[0]
    rot = cv2.getRotationMatrix2D((W / 2, H * 0.46), 14, 1.0)
    tilted = cv2.warpAffine(frame, rot, (W, H), borderMode=cv2.BORDER_REPLICATE)
    report = _analyse([tilted])
    assert report.faces == 1
    assert messages.FACE_CAMERA in report.issues


def test_r12_uneven_light_is_told(good: list[np.ndarray]) -> None:
    # Light from one side: the person's right half of the picture at a third of the light.
    ramp = np.ones((H, W), np.float32)
    ramp[:, W // 2 :] = 0.35
    lit = [(f * ramp[..., None]).astype(np.uint8) for f in good]
    assert messages.UNEVEN_LIGHT in _analyse(lit).issues


def test_r12_a_moving_face_is_told_hold_still(face_a: np.ndarray) -> None:
    analyzer = FaceAnalyzer()
    a = clips.portrait_frames([face_a], W, H, 1)[0]
    b = np.roll(a, 70, axis=1)  # the face jumped 70 px between two analysed frames
    analyzer.analyse(_small(a), W)
    assert messages.HOLD_STILL in analyzer.analyse(_small(b), W).issues


def test_auto_capture_needs_a_good_moment_and_restarts_after_a_bad_frame() -> None:
    ok = QualityReport(1, ())
    bad = QualityReport(1, (messages.TOO_DARK,))
    auto = AutoCapture(hold_s=1.0, min_frames=3)
    assert not auto.feed(ok, 10.0)
    assert not auto.feed(ok, 10.5)
    assert not auto.feed(bad, 10.9)  # the moment restarts
    assert not auto.feed(ok, 11.0)
    assert not auto.feed(ok, 11.5)
    assert auto.feed(ok, 12.0)


def test_missing_face_model_file_falls_back_to_haar_with_a_log_line(
    tmp_path: object, caplog: pytest.LogCaptureFixture
) -> None:
    missing = f"{tmp_path}/face_detection_yunet_2023mar.onnx"
    with caplog.at_level(logging.WARNING, logger="kiosk.camera.quality"):
        detector = make_detector(missing)
    assert isinstance(detector, HaarDetector)
    assert any(missing in r.getMessage() and "Haar" in r.getMessage() for r in caplog.records)


def test_every_message_has_three_languages_and_codes_show_the_help_code() -> None:
    for mid in messages.guidance_ids():
        texts = {lang: messages.guidance_text(mid, lang) for lang in messages.LANGS}
        assert len(set(texts.values())) == 3, mid
    for code in messages.HELP_CODES:
        assert code.startswith("AC-KI-01")
        assert messages.help_text(code, "zh-Hant").endswith(f"（求助碼：{code}）")
        assert messages.help_text(code, "pt").endswith(f"(Código de ajuda: {code})")
        assert code in messages.handoff_text(code, "en")


def test_r12_rejected_photo_text_is_the_seed_text_verbatim() -> None:
    assert messages.guidance_text(messages.REJECTED) == "照片未達檢測要求，請重新拍照。"
