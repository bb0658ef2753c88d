"""Step 2: consent, ID data and the live photo (R9-R12), on the sandbox over real HTTP."""

from __future__ import annotations

from kiosk.flows.renewal import RetryCaps
from kiosk.services.api import HolderSession
from sandbox.faces import live_photo
from tests.flows.harness import Counter, data, ids, refused_at, texts

R9_TEXT = (
    "為申辦電子證書服務之目的，本人明確同意授權郵電局向身份證明局擷取本人之澳門特別行政區"
    "居民身份證卡面訊息及影像，以及其他個人資料包括聯絡電話。"
)


def _progress(counter: Counter) -> dict[str, bool]:
    session = counter.flow.session
    assert isinstance(session, HolderSession)
    p = counter.services.registry.current_renewal(session).progress
    return {"consent": p.consent_given, "identity": p.identity_checked, "face": p.face_passed}


def test_r9_nothing_is_fetched_before_consent(counter: Counter) -> None:
    view = counter.at("H-SINGLE", "consent")
    assert view.step_number == 2
    assert R9_TEXT in texts(view) and "同意並接受個人資料收集協定及聲明" in texts(view)
    view = counter.flow.submit({"agree": False})
    assert view.step_id == "consent" and view.error is not None
    assert view.error.id == "consent.required"
    calls = [a.call for a in counter.journal.audit_trail("R-SINGLE")]
    assert "bureau.consent" not in calls and "registry.check_identity" not in calls
    assert _progress(counter) == {"consent": False, "identity": False, "face": False}
    view = counter.flow.submit({"agree": True})
    assert view.step_id == "photo"  # the ID-data check ran at once, then the photo
    assert _progress(counter) == {"consent": True, "identity": True, "face": False}


def test_r10_unsupported_document_ends_the_online_renewal(counter: Counter) -> None:
    view = counter.at("H-FOREIGN", "photo")
    assert view.step_id == "id_unsupported" and view.is_last and view.outcome == "refused"
    assert texts(view)[0] == "不支援之身份證明文件類別"
    assert view.messages[0].help_code == "AC-AB-0017"
    assert "id.offline_only" in ids(view)  # the way forward: offline, at the counter
    assert counter.journal.entries("H-FOREIGN")[0].state == "refused"


def test_r11_id_data_differing_from_the_bureau_end_the_online_renewal(counter: Counter) -> None:
    view = refused_at(
        counter, "H-MISMATCH", "photo", "id_invalid", "無效之身份證明文件個人資料", "AC-AB-0018"
    )
    assert view.messages[0].help_code == "AC-AB-0018"


def test_r11_a_different_but_valid_expiry_date_does_not_count(counter: Counter) -> None:
    counter.sign_in("H-ABC")  # the bureau has another, still valid, expiry date
    view = counter.to("photo")
    assert view.step_id == "photo" and view.error is None


def test_r12_photo_under_the_threshold_asks_for_a_retake(counter: Counter) -> None:
    counter.at("H-ABC", "photo")
    view = counter.flow.submit({"photo_jpeg": bytearray(live_photo("biden"))})
    assert view.step_id == "photo"
    assert view.error is not None and view.error.help_code == "AC-AB-0019"
    assert view.error.text() == "照片未達檢測要求，請重新拍照。"
    assert data(view)["retakes_left"] == 2
    view = counter.flow.submit({"photo_jpeg": bytearray(live_photo("obama"))})
    assert view.step_id == "face_result" and view.error is None
    assert float(data(view)["score"]) >= float(data(view)["threshold"])
    assert _progress(counter)["face"] is True


def test_r12_repeated_failed_photos_hand_over_to_staff(counter: Counter) -> None:
    counter.caps = RetryCaps(photo_retakes=2)
    counter.flow = counter.new_flow()
    counter.at("H-ABC", "photo")
    view = counter.flow.submit({"photo_jpeg": bytearray(live_photo("biden"))})
    assert view.step_id == "photo"
    view = counter.flow.submit({"photo_jpeg": bytearray(live_photo("astronaut"))})
    assert view.step_id == "staff" and view.outcome == "staff"
    assert data(view)["reference"] == "R-ABC"
    assert "AC-AB-0019" in {m.help_code for m in view.messages}


def test_the_photo_is_wiped_once_the_step_used_it(counter: Counter) -> None:
    counter.at("H-ABC", "photo")
    photo = bytearray(live_photo("obama"))
    view = counter.flow.submit({"photo_jpeg": photo})
    assert view.step_id == "face_result"
    assert photo == bytearray(len(photo))


def test_photos_may_be_any_bytes_like_and_the_kiosks_buffer_is_wiped(counter: Counter) -> None:
    # Review finding 5: the UI hands its own buffer (a memoryview of a bytearray) over
    # without copying it; the flow passes it to the clients as is and zeros it afterwards.
    counter.at("H-SINGLE", "photo")
    photo = bytearray(live_photo("biden"))
    view = counter.flow.submit({"photo_jpeg": memoryview(photo)})
    assert view.step_id == "face_result", view.error
    assert photo == bytearray(len(photo))
    view = counter.to("eid")
    view = counter.flow.submit({"action": "request"})
    face = bytearray(live_photo("biden"))
    code = counter.admin.latest_code(None, "sms_code")
    view = counter.flow.submit({"sms_code": code, "face_jpeg": memoryview(face)})
    assert view.step_id == "signed", (view.step_id, view.error)
    assert face == bytearray(len(face))


def test_no_photo_is_refused_before_the_bureau(counter: Counter) -> None:
    counter.at("H-ABC", "photo")
    view = counter.flow.submit({})
    assert view.error is not None and view.error.id == "photo.missing"
    assert "bureau.match_face" not in [a.call for a in counter.journal.audit_trail("R-ABC")]
