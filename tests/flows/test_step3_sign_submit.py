"""Step 3: confirmation, declaration, strong e-ID, e-signature, submission (R13-R16)."""

from __future__ import annotations

from kiosk.flows.renewal import CARD_FIELDS, RetryCaps
from tests.flows.harness import Counter, data, ids, texts


def test_r13_data_confirmation_lists_every_certificate_with_its_card_fields(
    counter: Counter,
) -> None:
    view = counter.at("H-ABC", "confirm")
    assert view.step_number == 3
    certs = data(view)["certificates"]
    assert len(certs) == 3
    for cert in certs:
        for key, _msg_id in CARD_FIELDS[:9]:
            assert cert[key], key
    qualified = next(c for c in certs if c["type"] == "qualified")
    assert qualified["transaction_limit"] == "0"


def test_r14_the_declaration_must_be_accepted_before_identification(counter: Counter) -> None:
    view = counter.at("H-SINGLE", "declaration")
    assert "同意並接受申請人／登記人協定及聲明" in texts(view)
    points = data(view)["declaration"]
    assert len(points) == 6
    assert points[0] == "本人確認上述提交之所有資料真實及正確。"
    view = counter.flow.submit({"agree": False})  # 關閉
    assert view.step_id == "declaration"
    assert view.error is not None and view.error.help_code == "AC-AB-0037"
    view = counter.flow.submit({"agree": True})  # 同意
    assert view.step_id == "eid"


def test_r15_identification_needs_face_and_sms_code(counter: Counter) -> None:
    view = counter.at("H-SINGLE", "eid")
    view = counter.flow.submit({"action": "request"})
    assert "*" in str(data(view)["mobile_masked"])
    right = counter.admin.latest_code(None, "sms_code")
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    view = counter.flow.submit({"sms_code": wrong, "face_jpeg": bytearray(counter.photo())})
    assert view.step_id == "eid"
    assert view.error is not None and view.error.help_code == "AC-AB-0022"
    view = counter.flow.submit({"sms_code": right, "face_jpeg": bytearray(counter.photo())})
    assert view.step_id == "signed"


def test_r15_account_without_the_very_high_tool_cannot_pass(counter: Counter) -> None:
    view = counter.at("H-NOEID", "eid")
    view = counter.flow.submit({"action": "request"})
    assert view.step_id == "eid_unavailable" and view.outcome == "refused"
    assert view.messages[0].help_code == "AC-AB-0021"


def test_r15_repeated_identification_failures_hand_over_to_staff(counter: Counter) -> None:
    counter.caps = RetryCaps(eid_failures=2)
    counter.flow = counter.new_flow()
    counter.at("H-SINGLE", "eid")
    counter.flow.submit({"action": "request"})
    right = counter.admin.latest_code(None, "sms_code")
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    view = counter.flow.submit({"sms_code": wrong, "face_jpeg": bytearray(counter.photo())})
    assert view.step_id == "eid"
    view = counter.flow.submit({"sms_code": wrong, "face_jpeg": bytearray(counter.photo())})
    assert view.step_id == "staff" and data(view)["reference"] == "R-SINGLE"


def test_r16_signed_then_reviewed_then_submitted(counter: Counter) -> None:
    view = counter.at("H-ABC", "signed")
    assert texts(view) == ["簽署申請文件成功"]
    assert view.can_back is False  # what is signed stays signed
    view = counter.flow.submit({})  # 繼續
    assert view.step_id == "review" and len(data(view)["certificates"]) == 3
    view = counter.flow.submit({})  # 確認提交
    assert view.step_id == "submitted" and texts(view) == ["已確認並成功提交證書續期申請"]
    entry = counter.journal.open_entry("H-ABC")
    assert entry is not None and entry.submitted_at is not None and entry.submit_key
    view = counter.flow.submit({})  # 下一步 → step 4
    assert view.step_number == 4


def test_back_returns_to_the_step_the_holder_saw(counter: Counter) -> None:
    view = counter.at("H-SINGLE", "declaration")
    assert view.can_back
    view = counter.flow.back()
    assert view.step_id == "confirm" and "confirm.intro" in ids(view)


def test_reset_forgets_the_holder(counter: Counter) -> None:
    counter.at("H-SINGLE", "declaration")
    counter.flow.reset()
    assert counter.flow.session is None
    assert counter.flow.current.step_id == "idle"
    assert counter.flow.current.data == {}
