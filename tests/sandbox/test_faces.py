"""The sandbox bureau's face matching (R12), on real photographs decoded and matched for real."""

from __future__ import annotations

import itertools

import cv2
import numpy as np
import pytest

from sandbox import faces

OTHER = faces.DATA_DIR / "other"


def _jpeg(bgr: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return buf.tobytes()


@pytest.mark.parametrize("name", faces.FACE_NAMES)
def test_r12_same_person_scores_above_threshold(name: str) -> None:
    score = faces.match_score(faces.registered_face(name), faces.live_photo(name))
    assert faces.THRESHOLD <= score <= 1.0


def test_r12_another_real_photo_of_the_same_person_passes() -> None:
    # obama3 is a third photograph (other day, other room, other lighting), not a variation.
    score = faces.match_score(faces.registered_face("obama"), (OTHER / "obama3.jpg").read_bytes())
    assert score >= faces.THRESHOLD


@pytest.mark.parametrize(
    ("registered", "live"),
    [(a, b) for a, b in itertools.permutations(faces.FACE_NAMES, 2)],
)
def test_r12_different_person_scores_below_threshold(registered: str, live: str) -> None:
    score = faces.match_score(faces.registered_face(registered), faces.live_photo(live))
    assert 0.0 <= score < faces.THRESHOLD


def test_r12_threshold_has_a_margin_on_both_sides() -> None:
    genuine = [
        faces.match_score(faces.registered_face(n), faces.live_photo(n)) for n in faces.FACE_NAMES
    ]
    impostor = [
        faces.match_score(faces.registered_face(a), faces.live_photo(b))
        for a, b in itertools.permutations(faces.FACE_NAMES, 2)
    ]
    assert min(genuine) - faces.THRESHOLD >= 0.1
    assert faces.THRESHOLD - max(impostor) >= 0.1


def test_r12_empty_image_has_no_face() -> None:
    blank = np.full((480, 640, 3), 128, np.uint8)
    with pytest.raises(faces.NoFaceFound):
        faces.match_score(faces.registered_face("obama"), _jpeg(blank))


def test_r12_half_a_face_is_not_a_face() -> None:
    with pytest.raises(faces.NoFaceFound):
        faces.match_score(
            faces.registered_face("obama"), (OTHER / "obama_partial_face.jpg").read_bytes()
        )


def test_r12_two_faces_in_one_photo_are_refused() -> None:
    left = faces.decode(faces.registered_face("obama"))
    right = faces.decode(faces.registered_face("biden"))
    height = left.shape[0]
    right = cv2.resize(right, (round(right.shape[1] * height / right.shape[0]), height))
    both = _jpeg(np.hstack([left, right]))
    with pytest.raises(faces.NoFaceFound, match="more than one"):
        faces.match_score(faces.registered_face("obama"), both)
    # and as the registered side too
    with pytest.raises(faces.NoFaceFound):
        faces.match_score(both, faces.live_photo("obama"))


@pytest.mark.parametrize("junk", [b"", b"not a jpeg at all", b"\xff\xd8\xff\xe0" + b"\x00" * 64])
def test_r12_bytes_that_are_not_an_image_raise_value_error(junk: bytes) -> None:
    with pytest.raises(ValueError, match="not an image"):
        faces.match_score(faces.registered_face("biden"), junk)
    with pytest.raises(ValueError, match="not an image"):
        faces.match_score(junk, faces.live_photo("biden"))


def test_r12_same_inputs_give_the_same_score() -> None:
    registered, live = faces.registered_face("astronaut"), faces.live_photo("astronaut")
    first = faces.match_score(registered, live)
    # a copy defeats any caching by object identity; the cache is by content, and the live
    # side is always recomputed
    again = faces.match_score(bytes(bytearray(registered)), bytes(bytearray(live)))
    assert first == again
    assert np.array_equal(faces.face_embedding(live), faces.face_embedding(live))


def test_r12_aligned_chip_is_a_150px_colour_face() -> None:
    chip = faces.crop_and_prepare(faces.live_photo("biden"))
    assert chip.shape == (150, 150, 3)
    assert chip.dtype == np.uint8
    assert chip.std() > 20  # a real picture, not a flat fill


def test_unknown_demo_face_name_is_refused() -> None:
    with pytest.raises(KeyError):
        faces.registered_face("nobody")
