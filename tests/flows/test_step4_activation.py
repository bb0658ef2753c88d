"""Step 4: activation (R17-R26), on the sandbox over real HTTP."""

from __future__ import annotations

import uuid

import requests

from kiosk.services.api import HolderSession
from tests.flows.harness import (
    PASSWORD,
    PHRASE,
    Counter,
    data,
    ids,
    past_step1,
    refused_at,
    texts,
)


def test_r17_cloud_certificates_are_selected_non_cloud_on_their_own_tab(
    counter: Counter,
) -> None:
    view = counter.at("H-ABC", "activation_select")
    assert view.step_number == 4
    assert [c["type"] for c in data(view)["cloud"]] == ["cloud", "cloud"]
    assert [c["type"] for c in data(view)["non_cloud"]] == ["qualified"]
    assert "請勾選證書項後進行線上證書激活：" in texts(view)
    view = counter.flow.submit({"cert_ids": []})
    assert view.step_id == "activation_select" and view.error is not None
    view = counter.flow.submit({"cert_ids": ["C-ABC-2"]})
    assert view.step_id == "activation_form"
    view = counter.to("done")
    assert [r["cert_id"] for r in data(view)["renewed"]] == ["C-ABC-2"]


def test_r18_single_cloud_cert_skips_selection(counter: Counter) -> None:
    counter.sign_in("H-SINGLE")
    seen = []
    counter.flow.observers.append(lambda v: seen.append(v.step_id))
    view = counter.to("activation_form")
    assert view.step_id == "activation_form"
    assert "activation_select" not in seen
    assert seen[seen.index("submitted") + 1] == "precheck"


def test_r19_all_non_cloud_ends_online_with_the_offline_notice(counter: Counter) -> None:
    view = counter.at("H-OFFLINE", "done")
    assert view.step_id == "offline_done" and view.outcome == "offline"
    assert texts(view) == [
        "已完成線上遞交非“雲簽”證書申請，後續證書簽發事宜須線下進行。"
        "請聯繫eSignTrust預約線下辦理。(求助碼：AC-AB-0007)",
        "系統暫不支援非“雲簽”證書之線上激活，通過身份鑑別後需聯繫 eSignTrust 預約線下辦理。",
    ]
    assert len(data(view)["non_cloud"]) == 2
    # R32: the counter finds them in its offline queue.
    staff = counter.services.registry.staff_login("staff01", "counter-demo-1")
    queued = {i.cert_id for i in counter.services.registry.offline_queue(staff)}
    assert {"C-OFFLINE-1", "C-OFFLINE-2"} <= queued


def test_r20_changed_data_with_a_valid_original_must_be_revoked_first(counter: Counter) -> None:
    view = refused_at(
        counter, "H-REVOKE", "activation_form", "revoke_first", "需先撤銷原有證書", "AC-AB-0015"
    )
    assert view.messages[1].help_code == "AC-AB-0015"
    (link,) = data(view)["revoke"]
    assert link["cert_id"] == "C-REVOKE-1" and link["revoke_url"].startswith("http")
    assert view.can_back  # 上一步


def test_r20_after_revoking_on_the_linked_page_activation_goes_on(counter: Counter) -> None:
    view = counter.at("H-REVOKE", "activation_form")
    assert view.step_id == "revoke_first"
    # The holder follows the link and revokes there (the sandbox's revocation page).
    (link,) = data(view)["revoke"]
    requests.post(link["revoke_url"], timeout=30).raise_for_status()
    view = counter.flow.submit({})  # 激活證書: the check runs again
    assert view.step_id == "activation_form"
    # The account now holds no valid certificate: a new password (R22).
    assert data(view)["needs_new_password"] is True
    view = counter.to("done")
    assert view.outcome == "activated"
    assert counter.journal.entries("H-REVOKE")[-1].state == "activated"


def test_r21_changed_id_data_send_back_to_verification_with_the_email(counter: Counter) -> None:
    view = refused_at(
        counter,
        "H-REAUTH",
        "activation_form",
        "reverify",
        "身份證明文件個人資料已失效",
        "AC-AB-0014",
    )
    assert view.messages[1].help_code == "AC-AB-0014"
    (mail,) = counter.admin.outbox(kind="reauth_needed")
    assert "需重新認證進行身份鑑別" in str(mail.subject)
    session = counter.flow.session
    assert isinstance(session, HolderSession)
    progress = counter.services.registry.current_renewal(session).progress
    assert progress.submitted is False and progress.emails_verified is True
    # The way forward: identity verification again, past step 1's list (R7 keeps the
    # emails: 已驗證 with their time) to the consent; the bureau's data now differ from the
    # registry's, which the check says (R11).
    view = past_step1(counter.flow.submit({}), counter.flow)
    assert view.step_id == "consent" and view.error is None
    view = counter.flow.submit({"agree": True})
    assert view.step_id == "id_invalid" and view.messages[0].help_code == "AC-AB-0018"


def test_r21_id_card_expired_before_a_late_activation(counter: Counter) -> None:
    counter.sign_in("H-SINGLE")  # the ID card expires 40 days after the sandbox's reset
    view = counter.to("submitted")
    counter.admin.advance_clock(41 * 24 * 3600)  # the holder comes back six weeks later
    view = counter.flow.submit({})  # the kiosk was left as it was: the sign-in expired
    assert view.error is not None and view.error.help_code == "AC-AB-0004"
    assert view.error.text() == "登入已逾時，請重新登入。"
    flow = counter.new_flow()
    view = counter.sign_in("H-SINGLE", flow)  # resumes after the submission: the check
    assert view.step_id == "reverify"
    assert view.messages[1].help_code == "AC-AB-0014"
    assert len(counter.admin.outbox(kind="reauth_needed")) == 1


def test_r21_found_by_the_activation_itself_sends_back_to_verification(
    counter: Counter,
) -> None:
    # Review finding 3: the card expires between the precheck and the activation; the
    # registry repeats the check inside the activation (R21 "did not follow at once").
    view = counter.at("H-SINGLE", "activation_form")
    counter.admin.expire_id_card("H-SINGLE")
    view = counter.flow.submit(counter.answer(view))
    assert view.step_id == "reverify" and view.outcome == "refused"
    assert view.messages[1].help_code == "AC-AB-0014"
    assert len(counter.admin.outbox(kind="reauth_needed")) == 1
    view = counter.flow.submit({})  # the way forward: identity verification again
    view = past_step1(view, counter.flow)
    assert view.step_id == "consent" and view.error is None


def test_r20_found_by_the_activation_itself_asks_to_revoke_first(counter: Counter) -> None:
    view = counter.at("H-SINGLE", "activation_form")
    (cert,) = counter.sheet("H-SINGLE")["certificates"]
    counter.admin.change_certificate_data(cert["cert_id"])
    view = counter.flow.submit(counter.answer(view))
    assert view.step_id == "revoke_first"
    assert view.messages[1].help_code == "AC-AB-0015"
    (link,) = data(view)["revoke"]
    assert link["cert_id"] == cert["cert_id"]


def test_r22_account_without_a_valid_certificate_sets_a_new_password(counter: Counter) -> None:
    view = counter.at("H-NEWPW", "activation_form")
    assert data(view)["needs_new_password"] is True
    assert view.inputs == (
        "password", "password_confirm", "revocation_phrase", "revocation_phrase_confirm"
    )
    assert "activation.new_password" in ids(view)
    view = counter.to("done")
    assert view.outcome == "activated"


def test_r22_an_account_with_a_valid_certificate_asks_the_existing_password(
    counter: Counter,
) -> None:
    view = counter.at("H-SINGLE", "activation_form")
    assert data(view)["needs_new_password"] is False
    assert data(view)["cloud_username"]
    assert view.inputs == ("password", "revocation_phrase", "revocation_phrase_confirm")


def test_r23_password_rules_are_checked_before_the_registry(counter: Counter) -> None:
    counter.at("H-NEWPW", "activation_form")
    for weak, problem in (
        ("short1", "validation.password_length"),
        ("12345678", "validation.password_letter"),
        ("abcdefgh", "validation.password_nonletter"),
    ):
        view = counter.flow.submit(
            {"password": weak, "password_confirm": weak, "revocation_phrase": PHRASE}
        )
        assert view.step_id == "activation_form"
        assert problem in [e.id for e in view.errors]
    view = counter.flow.submit(
        {"password": "Good-pass-1", "password_confirm": "Good-pass-2", "revocation_phrase": PHRASE}
    )
    assert view.error is not None and view.error.id == "validation.password_mismatch"
    assert "registry.activate" not in [a.call for a in counter.journal.audit_trail("R-NEWPW")]


def test_r24_revocation_phrase_of_7_or_65_characters_or_a_symbol_is_refused(
    counter: Counter,
) -> None:
    counter.at("H-SINGLE", "activation_form")
    for phrase, problem in (
        ("a" * 7, "validation.phrase_length"),
        ("a" * 65, "validation.phrase_length"),
        ("abcd!1234", "validation.phrase_charset"),
    ):
        view = counter.flow.submit({"password": PASSWORD, "revocation_phrase": phrase})
        assert view.step_id == "activation_form"
        assert view.error is not None and view.error.id == problem
        assert view.error.help_code == "AC-AB-0030"
    assert "registry.activate" not in [a.call for a in counter.journal.audit_trail("R-SINGLE")]


def test_r25_wrong_existing_password_then_the_right_one(counter: Counter) -> None:
    counter.at("H-SINGLE", "activation_form")
    view = counter.flow.submit({"password": "Wrong-pass-1", "revocation_phrase": PHRASE})
    assert view.step_id == "activation_form"
    assert view.error is not None and view.error.help_code == "AC-AB-0032"
    assert view.error.text() == "台端之雲簽簽名密碼（存取碼）不正確。"
    view = counter.flow.submit({"password": PASSWORD, "revocation_phrase": PHRASE})
    view = counter.to("done")
    assert view.outcome == "activated"


def test_r25_repeated_wrong_passwords_hand_over_to_staff(counter: Counter) -> None:
    counter.at("H-SINGLE", "activation_form")
    for attempt in range(1, 4):
        wrong = {"password": f"Wrong-pass-{attempt}", "revocation_phrase": PHRASE}
        view = counter.flow.submit(wrong)
        if attempt < 3:
            assert view.step_id == "activation_form"
            assert data(view)["counters"]["password_failures"] == attempt
    assert view.step_id == "staff" and view.outcome == "staff"
    assert data(view)["handoff_code"] == "AC-AB-0032"
    assert view.messages[0].help_code == "AC-AB-0032"
    assert counter.journal.entries("H-SINGLE")[-1].state == "staff"


def test_r26_activated_once_with_the_completed_email(counter: Counter) -> None:
    view = counter.at("H-SINGLE", "done")
    assert texts(view)[0] == "成功激活"
    (renewed,) = data(view)["renewed"]
    assert renewed["new_serial"] != renewed["old_serial"]
    assert renewed["new_expiry"] > renewed["old_expiry"]
    (mail,) = counter.admin.outbox(kind="renewal_completed")
    assert renewed["new_serial"] in mail.body
    entry = counter.journal.entries("H-SINGLE")[-1]
    assert entry.state == "activated" and entry.job_id
    assert counter.flow.submit({}).step_id == "done"  # 完成 again changes nothing


def test_r26_a_retried_activation_never_activates_twice(counter: Counter) -> None:
    view = counter.at("H-SINGLE", "done")
    entry = counter.journal.entries("H-SINGLE")[-1]
    session = counter.flow.session
    assert isinstance(session, HolderSession) and entry.activation_key
    # The answer was lost and the kiosk asks again with the journal's key: the first answer.
    again = counter.services.registry.activate(
        session, "R-SINGLE", ["C-SINGLE-1"], PASSWORD, None, PHRASE, entry.activation_key
    )
    assert again.job_id == entry.job_id
    # A new key for the same certificate is refused: it is renewed already.
    other = str(uuid.uuid4())
    try:
        counter.services.registry.activate(
            session, "R-SINGLE", ["C-SINGLE-1"], PASSWORD, None, PHRASE, other
        )
    except Exception as exc:  # noqa: BLE001 - any refusal will do; the outbox tells the rest
        assert getattr(exc, "help_code", None) in ("AC-AB-0003", "AC-AB-0039", "AC-AB-0026")
    else:
        raise AssertionError("a second activation was accepted")
    assert len(counter.admin.outbox(kind="renewal_completed")) == 1
    assert view.outcome == "activated"


def test_r35_the_flow_refuses_a_revocation_phrase_confirmation_that_differs(
    counter: Counter,
) -> None:
    counter.at("H-SINGLE", "activation_form")
    view = counter.flow.submit(
        {
            "password": "Cloud-demo-1",
            "revocation_phrase": PHRASE,
            "revocation_phrase_confirm": PHRASE + "x",
        }
    )
    assert view.step_id == "activation_form"
    assert view.error is not None and view.error.id == "validation.phrase_mismatch"
    assert view.error.text("zh-Hant") == "確認撤銷短語與證書撤銷短語不相符。"
