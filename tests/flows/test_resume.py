"""Resume after a restart, abandon when the holder has gone, staff look-up, clean logs."""

from __future__ import annotations

import logging

import pytest

from tests.flows.harness import PASSWORD, PHRASE, Counter, data, past_step1


def test_a_restarted_kiosk_resumes_where_the_backend_confirmed(counter: Counter) -> None:
    counter.at("H-SINGLE", "declaration")  # the face passed; the declaration is not accepted yet
    flow = counter.new_flow()
    view = past_step1(counter.sign_in("H-SINGLE", flow), flow)
    assert view.step_id == "confirm" and len(data(view)["certificates"]) == 1
    view = counter.to("eid", flow)
    flow = counter.new_flow()
    view = past_step1(counter.sign_in("H-SINGLE", flow), flow)
    assert view.step_id == "eid"  # the declaration stays accepted
    view = counter.to("done", flow)
    assert view.outcome == "activated"
    assert [e.state for e in counter.journal.entries("H-SINGLE")] == ["activated"]


def test_a_holder_who_has_gone_is_abandoned_and_the_backend_keeps_its_records(
    counter: Counter,
) -> None:
    counter.at("H-SINGLE", "photo")
    counter.flow.abandon()
    assert counter.flow.session is None
    assert counter.journal.open_entry("H-SINGLE") is None
    assert counter.journal.entries("H-SINGLE")[0].state == "abandoned"
    flow = counter.new_flow()
    # R7: the verified address still counts (step 1's list says so, then 下一步); the
    # consent lived in memory only.
    view = past_step1(counter.sign_in("H-SINGLE", flow), flow)
    assert view.step_id == "consent"
    assert counter.journal.open_entry("H-SINGLE") is not None


def test_staff_signs_in_and_looks_the_holder_up(counter: Counter) -> None:
    view = counter.flow.start_staff()
    assert view.step_id == "staff_login" and view.inputs == ("username", "password")
    view = counter.flow.submit({"username": "staff01", "password": "wrong"})
    assert view.step_id == "staff_login"
    assert view.error is not None and view.error.help_code == "AC-AB-0035"
    view = counter.flow.submit({"username": "staff01", "password": "counter-demo-1"})
    assert view.step_id == "desk_home"  # the counter home (R32): 下一步 assists a holder
    view = counter.flow.submit({})
    assert view.step_id == "staff_lookup"
    view = counter.flow.submit({"id_number": "9999999(9)"})
    assert view.error is not None and view.error.help_code == "AC-AB-0002"
    view = counter.flow.submit({"id_number": counter.sheet("H-ABC")["id_number"]})
    assert view.step_id == "pending" and data(view)["count"] == 3


def test_wizard_state_in_the_logs_carries_no_personal_data(
    counter: Counter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    view = counter.at("H-SINGLE", "done")
    assert view.outcome == "activated"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "'step': 'done'" in logged  # the flow did log its steps
    sheet = counter.sheet("H-SINGLE")
    codes = [counter.admin.latest_code(None, "sms_code")]
    codes.append(counter.admin.latest_code("siowa.leong@single.example", "email_code"))
    for secret in [sheet["id_number"], sheet["name"], PASSWORD, PHRASE, *codes]:
        assert str(secret) not in logged, secret


def test_wrong_sign_in_codes_hand_over_to_staff(counter: Counter) -> None:
    view = counter.flow.sign_in_start(counter.sheet("H-SINGLE")["id_number"])
    right = counter.admin.latest_code(None, "sms_code")
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(counter.caps.eid_failures - 1):
        view = counter.flow.sign_in_complete(wrong)
        assert view.step_id == "sign_in_code"
        assert view.error is not None and view.error.help_code == "AC-AB-0022"
    view = counter.flow.sign_in_complete(wrong)
    assert view.step_id == "staff" and view.outcome == "staff"
    assert "請聯繫櫃檯職員協助" in view.messages[-1].text()


def test_resume_with_a_holder_signed_in_elsewhere(counter: Counter) -> None:
    counter.at("H-SINGLE", "photo")
    # The UI's own sign-in (or a staff look-up) produced the session; the flow resumes it.
    eid = counter.services.eid
    challenge = eid.start_login(counter.sheet("H-SINGLE")["id_number"])
    session = eid.complete_login(
        challenge.challenge_id, counter.admin.latest_code(None, "sms_code")
    )
    flow = counter.new_flow()
    view = past_step1(flow.resume(session), flow)
    assert view.step_id == "consent" and view.error is None
    assert flow.renewal_id == "R-SINGLE"
