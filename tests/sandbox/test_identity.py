"""Step 2, backend side: consent, ID-card data from the bureau, live photo (R9-R12)."""

from __future__ import annotations

import cv2
import numpy as np
import requests

from sandbox import faces
from sandbox.seed import HOLDERS
from tests.sandbox.helpers import FACES, Walk, b64, error_code, other_face, walk


def test_r9_nothing_is_fetched_from_the_bureau_without_consent(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-ABC").verify_emails()
    w.consent_token = "not-a-consent-token"
    r = w.identity_check()
    assert r.status_code == 403 and error_code(r) == "AC-AB-0016"
    r = w.post("/bureau/v1/id-cards/latest", {"consent_token": "not-a-consent-token"})
    assert r.status_code == 403 and error_code(r) == "AC-AB-0016"
    assert w.refresh()["progress"]["identity_checked"] is False


def test_r9_consent_unlocks_the_latest_id_card_data(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-ABC").verify_emails().consent()
    assert w.refresh()["progress"]["consent_given"] is True
    r = w.post("/bureau/v1/id-cards/latest", {"consent_token": w.consent_token})
    assert r.status_code == 200
    card = r.json()
    assert card["document_type"] == "macau_resident_id"
    assert card["id_number"] == "1000001(1)" and card["name"] == "CHAN TAI MAN"


def test_r9_consent_of_one_holder_does_not_serve_another(sandbox_url: str) -> None:
    abc = walk(sandbox_url, "H-ABC").verify_emails().consent()
    single = walk(sandbox_url, "H-SINGLE").verify_emails()
    r = single.post("/bureau/v1/id-cards/latest", {"consent_token": abc.consent_token})
    assert r.status_code == 403 and error_code(r) == "AC-AB-0016"
    single.consent_token = abc.consent_token
    assert error_code(single.identity_check()) == "AC-AB-0016"


def test_r9_consent_must_be_accepted(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-ABC").verify_emails()
    r = w.post("/bureau/v1/consents", {"renewal_id": w.rid, "accepted": False})
    assert r.status_code == 422 and error_code(r) == "AC-AB-0001"
    assert w.refresh()["progress"]["consent_given"] is False


def _identity_check_refused(base: str, holder_id: str, code: str, message: str) -> Walk:
    """`holder_id` consents; the identity check is refused (422) with `code` and this
    zh-Hant message, and the renewal's identity stays unchecked."""
    w = walk(base, holder_id).verify_emails().consent()
    r = w.identity_check()
    assert r.status_code == 422 and error_code(r) == code
    assert r.json()["error"]["message"]["zh-Hant"] == message
    assert w.refresh()["progress"]["identity_checked"] is False
    return w


def test_r10_non_macau_document_is_refused(sandbox_url: str) -> None:
    _identity_check_refused(sandbox_url, "H-FOREIGN", "AC-AB-0017", "不支援之身份證明文件類別")


def test_r11_registered_data_differing_from_the_bureau_is_refused(sandbox_url: str) -> None:
    w = _identity_check_refused(
        sandbox_url, "H-MISMATCH", "AC-AB-0018", "無效之身份證明文件個人資料"
    )
    # Nothing further can be done online: the photo step needs a passed identity check.
    r = w.face_match(faces.live_photo(FACES["H-MISMATCH"]))
    assert r.status_code == 409 and error_code(r) == "AC-AB-0027"


def test_r11_a_different_expiry_that_is_still_valid_does_not_count(sandbox_url: str) -> None:
    abc = next(h for h in HOLDERS if h.holder_id == "H-ABC")
    assert abc.bureau["doc_expiry_days"] != abc.doc_expiry_days  # the seed's premise
    w = walk(sandbox_url, "H-ABC").verify_emails().consent()
    r = w.identity_check()
    assert r.status_code == 200, r.text
    assert w.refresh()["progress"]["identity_checked"] is True


def test_r12_photo_of_the_holder_passes_with_its_score(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-SINGLE").verify_emails().consent()
    w.identity_check()
    r = w.face_match(faces.live_photo("biden"))
    assert r.status_code == 200
    match = r.json()
    assert match["passed"] is True and match["threshold"] == faces.THRESHOLD
    assert match["score"] >= faces.THRESHOLD
    r = w.post(w.reg("/face"), {"match_id": match["match_id"]})
    assert r.status_code == 200
    assert w.refresh()["progress"]["face_passed"] is True


def test_r12_photo_of_someone_else_is_below_threshold_then_retake_passes(
    sandbox_url: str,
) -> None:
    w = walk(sandbox_url, "H-ABC").verify_emails().consent()
    w.identity_check()
    r = w.face_match(faces.live_photo(other_face("obama")))
    assert r.status_code == 422 and error_code(r) == "AC-AB-0019"
    err = r.json()["error"]
    assert err["message"]["zh-Hant"] == "照片未達檢測要求，請重新拍照。"
    assert err["details"]["score"] < err["details"]["threshold"] == faces.THRESHOLD
    # The failed match cannot be recorded as the renewal's face.
    r = w.post(w.reg("/face"), {"match_id": err["details"]["match_id"]})
    assert r.status_code == 422 and error_code(r) == "AC-AB-0019"
    assert w.refresh()["progress"]["face_passed"] is False
    w.pass_face()  # 重新拍照
    assert w.refresh()["progress"]["face_passed"] is True


def test_r12_image_without_a_face_is_refused(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-ABC").verify_emails().consent()
    w.identity_check()
    wall = np.full((240, 320, 3), 180, np.uint8)
    cv2.putText(wall, "no face here", (20, 120), cv2.FONT_HERSHEY_SIMPLEX, 1, (0, 0, 0), 2)
    ok, jpeg = cv2.imencode(".jpg", wall)
    assert ok
    r = w.face_match(jpeg.tobytes())
    assert r.status_code == 422 and error_code(r) == "AC-AB-0020"
    r = w.face_match(b"not a jpeg at all")
    assert r.status_code == 422 and error_code(r) == "AC-AB-0020"


def test_r12_another_holders_passed_match_cannot_be_used(sandbox_url: str) -> None:
    single = walk(sandbox_url, "H-SINGLE").verify_emails().consent()
    single.identity_check()
    match_id = single.face_match(faces.live_photo("biden")).json()["match_id"]
    abc = walk(sandbox_url, "H-ABC").verify_emails().consent()
    abc.identity_check()
    r = abc.post(abc.reg("/face"), {"match_id": match_id})
    assert r.status_code == 404 and error_code(r) == "AC-AB-0003"


def test_r12_a_testers_own_face_can_be_registered(sandbox_url: str) -> None:
    # The demo registers the tester's webcam photo; here Biden's photo stands in for it.
    face_url = f"{sandbox_url}/sandbox/v1/holders/H-ABC/face"
    r = requests.post(face_url, json={"photo_jpeg_b64": b64(faces.registered_face("biden"))},
                      timeout=30)
    assert r.status_code == 200
    w = walk(sandbox_url, "H-ABC").verify_emails().consent()
    w.identity_check()
    assert w.face_match(faces.live_photo("biden")).status_code == 200
    assert error_code(w.face_match(faces.live_photo("obama"))) == "AC-AB-0019"
    assert requests.delete(face_url, timeout=10).status_code == 200
    assert w.face_match(faces.live_photo("obama")).status_code == 200


def test_r12_reset_forgets_a_face_registered_over_the_api(sandbox_url: str) -> None:
    r = requests.post(f"{sandbox_url}/sandbox/v1/holders/H-ABC/face",
                      json={"photo_jpeg_b64": b64(faces.registered_face("biden"))}, timeout=30)
    assert r.status_code == 200
    requests.post(f"{sandbox_url}/sandbox/v1/reset", timeout=10).raise_for_status()
    w = walk(sandbox_url, "H-ABC").verify_emails().consent()
    w.identity_check()
    assert w.face_match(faces.live_photo("obama")).status_code == 200


def test_r12_registering_a_photo_without_a_face_is_refused(sandbox_url: str) -> None:
    r = requests.post(f"{sandbox_url}/sandbox/v1/holders/H-ABC/face",
                      json={"photo_jpeg_b64": b64(b"\xff\xd8 not really a jpeg")}, timeout=30)
    assert r.status_code == 422 and error_code(r) == "AC-AB-0020"
    w = walk(sandbox_url, "H-ABC").verify_emails().consent()
    w.identity_check()
    assert w.face_match(faces.live_photo("obama")).status_code == 200
