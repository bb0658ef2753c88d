"""The kiosk's clients against the real sandbox on 127.0.0.1: sign-in, the pending list,
step 1 (email codes) and step 2 (consent, ID data, live photo). See docs/api.md.

Codes are read from the sandbox's outbox through SandboxAdmin (tests/services/sandbox_walk.py),
as a tester at a demo reads the "emailed" and "texted" codes. Each test starts from a freshly
reseeded sandbox.
"""

from __future__ import annotations

import pytest
from sandbox_walk import Kiosk

from kiosk.services.api import CertStatus, HolderSession
from kiosk.services.errors import AuthError, Conflict, NotFound, ValidationFailed
from kiosk.services.sandbox_admin import extract_code

# -- sign-in -------------------------------------------------------------------------------


def test_sign_in_with_eid_reading_the_sms_code(kiosk: Kiosk) -> None:
    challenge = kiosk.services.eid.start_login(kiosk.id_number_of("H-ABC"))
    assert "*" in challenge.mobile_masked  # the mobile number is never shown in full
    code = kiosk.admin.latest_code(None, "sms_code")
    assert len(code) == 6 and code.isdigit()
    session = kiosk.services.eid.complete_login(challenge.challenge_id, code)
    assert session.holder_id == "H-ABC"
    assert session.token and session.display_name


def test_sign_in_with_a_wrong_sms_code_is_refused_ac_ab_0022(kiosk: Kiosk) -> None:
    challenge = kiosk.services.eid.start_login(kiosk.id_number_of("H-ABC"))
    right = kiosk.admin.latest_code(None, "sms_code")
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    with pytest.raises(ValidationFailed) as caught:
        kiosk.services.eid.complete_login(challenge.challenge_id, wrong)
    assert caught.value.help_code == "AC-AB-0022"
    assert caught.value.details["attempts_left"] == 4


def test_unknown_id_number_is_not_found_ac_ab_0002(kiosk: Kiosk) -> None:
    with pytest.raises(NotFound) as caught:
        kiosk.services.eid.start_login("9999999(9)")
    assert caught.value.help_code == "AC-AB-0002"
    assert caught.value.request_id  # the registry's staff can find the call by it


def test_calls_without_a_token_are_refused_ac_ab_0004(kiosk: Kiosk) -> None:
    nobody = HolderSession(token="not-a-token", holder_id="H-ABC", display_name="")
    with pytest.raises(AuthError) as caught:
        kiosk.services.registry.current_renewal(nobody)
    assert caught.value.help_code == "AC-AB-0004"
    assert caught.value.http_status == 401


# -- pending list and step 1 ---------------------------------------------------------------


def test_current_renewal_for_h_abc_lists_three_certificates_with_card_fields(
    kiosk: Kiosk,
) -> None:
    renewal = kiosk.services.registry.current_renewal(kiosk.sign_in("H-ABC"))
    assert renewal.holder_id == "H-ABC"
    # R2: every record needs identity verification first
    assert len(renewal.identity_pending) == 3
    assert renewal.activation_pending == () and renewal.offline_pending == ()
    assert not renewal.progress.emails_verified and not renewal.progress.submitted
    for cert in renewal.identity_pending:
        assert cert.serial and cert.holder_name and cert.email and cert.org_name
        assert cert.department and cert.position
        assert cert.status in set(CertStatus)
    assert any(c.cloud for c in renewal.identity_pending)
    assert any(not c.cloud for c in renewal.identity_pending)
    # only a qualified certificate shows 交易限額 and 代理資格
    for cert in renewal.identity_pending:
        has_extra = cert.transaction_limit is not None and cert.agent_qualification is not None
        assert has_extra == (cert.type == "qualified")


def test_r4_each_distinct_address_is_listed_once(kiosk: Kiosk) -> None:
    s, renewal = kiosk.renewal("H-ABC")
    emails = kiosk.services.registry.emails(s, renewal.renewal_id)
    addresses = [e.address for e in emails]
    assert sorted(addresses) == sorted({c.email for c in renewal.identity_pending})
    assert all(e.verified_at is None and e.can_request_code for e in emails)


def test_r5_r6_email_code_is_sent_for_300_seconds_and_verifies(kiosk: Kiosk) -> None:
    s, renewal = kiosk.renewal("H-ABC")
    reg = kiosk.services.registry
    address = renewal.identity_pending[0].email
    sent = reg.request_email_code(s, renewal.renewal_id, address)
    assert sent.address == address and sent.expires_in == 300
    assert (sent.expires_at - kiosk.admin.now()).total_seconds() == pytest.approx(300, abs=5)
    code = kiosk.admin.latest_code(address, "email_code")
    status = reg.verify_email_code(s, renewal.renewal_id, address, code)
    assert status.address == address and status.verified_at is not None
    listed = {e.address: e for e in reg.emails(s, renewal.renewal_id)}
    assert listed[address].verified_at is not None


def test_r8_code_email_has_the_seed_subject_and_the_code(kiosk: Kiosk) -> None:
    s, renewal = kiosk.renewal("H-ABC")
    address = renewal.identity_pending[0].email
    kiosk.services.registry.request_email_code(s, renewal.renewal_id, address)
    (mail,) = kiosk.admin.outbox(to=address, kind="email_code")
    assert mail.channel == "email"
    assert mail.subject is not None and "《電郵驗證》" in mail.subject
    assert f"驗證碼：{kiosk.admin.latest_code(address, 'email_code')}" in mail.body


def _code_sent(kiosk: Kiosk) -> tuple[HolderSession, str, str, str]:
    """H-ABC signed in, a code asked for its first address: the session, the renewal id, the
    address and the code the outbox holds."""
    s, renewal = kiosk.renewal("H-ABC")
    address = renewal.identity_pending[0].email
    kiosk.services.registry.request_email_code(s, renewal.renewal_id, address)
    return s, renewal.renewal_id, address, kiosk.admin.latest_code(address, "email_code")


def test_wrong_email_code_is_refused_ac_ab_0008_with_attempts_left(kiosk: Kiosk) -> None:
    s, renewal_id, address, right = _code_sent(kiosk)
    reg = kiosk.services.registry
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    with pytest.raises(ValidationFailed) as caught:
        reg.verify_email_code(s, renewal_id, address, wrong)
    err = caught.value
    assert err.help_code == "AC-AB-0008"
    assert err.http_status == 422
    first_left = err.details["attempts_left"]
    assert isinstance(first_left, int) and first_left > 0
    assert all(err.user_message(lang) for lang in ("zh-Hant", "pt", "en"))
    with pytest.raises(ValidationFailed) as again:
        reg.verify_email_code(s, renewal_id, address, wrong)
    assert again.value.details["attempts_left"] == first_left - 1


def test_r5_code_expires_after_300_seconds(kiosk: Kiosk) -> None:
    s, renewal_id, address, code = _code_sent(kiosk)
    reg = kiosk.services.registry
    # a new code cannot be asked for while this one runs
    with pytest.raises(Conflict) as early:
        reg.request_email_code(s, renewal_id, address)
    assert early.value.help_code == "AC-AB-0012"
    kiosk.admin.advance_clock(301)
    with pytest.raises(ValidationFailed) as caught:
        reg.verify_email_code(s, renewal_id, address, code)
    assert caught.value.help_code == "AC-AB-0009"
    assert reg.request_email_code(s, renewal_id, address).expires_in == 300


# -- step 2 ---------------------------------------------------------------------------------


def test_r9_consent_then_identity_check(kiosk: Kiosk) -> None:
    s, renewal = kiosk.renewal("H-ABC")
    kiosk.verify_all_emails(s, renewal.renewal_id)
    consent = kiosk.services.bureau.consent(s, renewal.renewal_id)
    assert consent.consent_token
    kiosk.services.registry.check_identity(s, renewal.renewal_id, consent.consent_token)
    progress = kiosk.services.registry.current_renewal(s).progress
    assert progress.emails_verified and progress.consent_given and progress.identity_checked


def test_r9_identity_check_without_consent_is_refused_ac_ab_0016(kiosk: Kiosk) -> None:
    s, renewal = kiosk.renewal("H-ABC")
    kiosk.verify_all_emails(s, renewal.renewal_id)
    with pytest.raises(AuthError) as caught:
        kiosk.services.registry.check_identity(s, renewal.renewal_id, "forged-consent")
    assert caught.value.help_code == "AC-AB-0016"


def test_r12_face_match_with_the_live_photo_passes(kiosk: Kiosk) -> None:
    s, renewal = kiosk.renewal("H-ABC")
    kiosk.verify_all_emails(s, renewal.renewal_id)
    consent = kiosk.services.bureau.consent(s, renewal.renewal_id)
    kiosk.services.registry.check_identity(s, renewal.renewal_id, consent.consent_token)
    match = kiosk.services.bureau.match_face(
        s, renewal.renewal_id, consent.consent_token, kiosk.live_photo("H-ABC")
    )
    assert match.passed and match.score >= match.threshold
    kiosk.services.registry.record_face_match(s, renewal.renewal_id, match.match_id)
    assert kiosk.services.registry.current_renewal(s).progress.face_passed


def test_r12_another_persons_photo_is_refused_ac_ab_0019(kiosk: Kiosk) -> None:
    s, renewal = kiosk.renewal("H-ABC")
    kiosk.verify_all_emails(s, renewal.renewal_id)
    consent = kiosk.services.bureau.consent(s, renewal.renewal_id)
    kiosk.services.registry.check_identity(s, renewal.renewal_id, consent.consent_token)
    someone_else = kiosk.someone_else_than("H-ABC")
    with pytest.raises(ValidationFailed) as caught:
        kiosk.services.bureau.match_face(
            s, renewal.renewal_id, consent.consent_token, kiosk.live_photo(someone_else)
        )
    err = caught.value
    assert err.help_code == "AC-AB-0019"
    assert err.user_message("zh-Hant") == "照片未達檢測要求，請重新拍照。"
    assert err.details["score"] < err.details["threshold"]
    assert not kiosk.services.registry.current_renewal(s).progress.face_passed


def test_sandbox_admin_reads_the_clock_and_advances_it(kiosk: Kiosk) -> None:
    before = kiosk.admin.now()
    after = kiosk.admin.advance_clock(3600)
    assert 3599 <= (after - before).total_seconds() <= 3700
    assert before.tzinfo is not None


def test_staff_sign_in_with_a_wrong_password_is_refused_ac_ab_0035(kiosk: Kiosk) -> None:
    with pytest.raises(AuthError) as caught:
        kiosk.services.registry.staff_login(kiosk.admin.staff()[0]["username"], "not-the-pass")
    assert caught.value.help_code == "AC-AB-0035"


def test_staff_lookup_signs_the_holder_in(kiosk: Kiosk) -> None:
    staff = kiosk.staff_login()
    holder = kiosk.services.registry.staff_lookup(staff, kiosk.id_number_of("H-ABC"))
    assert holder.holder_id == "H-ABC"
    assert kiosk.services.registry.current_renewal(holder).holder_id == "H-ABC"


def test_latest_code_reads_the_labelled_code_not_the_contact_numbers() -> None:
    body = (
        "請於限時內在《電子證書服務 (機構)》之電郵地址驗證頁面，輸入以下驗證碼。\n"
        "電話：28330338 傳真：82995511 編號 123456789\n"
        "驗證碼：730178\n"
    )
    assert extract_code(body) == "730178"
    assert extract_code("Your e-ID code 402913, valid for 5 minutes.") == "402913"
    assert extract_code("電話：28330338") is None


# -- step 2: ID data (R10, R11) and a tester's own face ------------------------------------


def test_r10_a_passport_holder_cannot_continue_online_ac_ab_0017(kiosk: Kiosk) -> None:
    s, renewal = kiosk.renewal("H-FOREIGN")
    kiosk.verify_all_emails(s, renewal.renewal_id)
    with pytest.raises(ValidationFailed) as caught:
        consent = kiosk.services.bureau.consent(s, renewal.renewal_id)
        kiosk.services.registry.check_identity(s, renewal.renewal_id, consent.consent_token)
    assert caught.value.help_code == "AC-AB-0017"
    assert caught.value.user_message("zh-Hant") == "不支援之身份證明文件類別"


def test_r11_data_differing_from_the_bureau_is_refused_ac_ab_0018(kiosk: Kiosk) -> None:
    s, renewal = kiosk.renewal("H-MISMATCH")
    kiosk.verify_all_emails(s, renewal.renewal_id)
    consent = kiosk.services.bureau.consent(s, renewal.renewal_id)
    with pytest.raises(ValidationFailed) as caught:
        kiosk.services.registry.check_identity(s, renewal.renewal_id, consent.consent_token)
    assert caught.value.help_code == "AC-AB-0018"
    assert caught.value.user_message("zh-Hant") == "無效之身份證明文件個人資料"
    assert not kiosk.services.registry.current_renewal(s).progress.identity_checked


def test_r11_a_different_but_valid_expiry_does_not_count(kiosk: Kiosk) -> None:
    # H-ABC's card expiry at the bureau differs from the registry's but is still valid
    s, renewal = kiosk.renewal("H-ABC")
    kiosk.verify_all_emails(s, renewal.renewal_id)
    consent = kiosk.services.bureau.consent(s, renewal.renewal_id)
    kiosk.services.registry.check_identity(s, renewal.renewal_id, consent.consent_token)
    assert kiosk.services.registry.current_renewal(s).progress.identity_checked


def test_register_face_lets_a_tester_pass_with_their_own_photo(kiosk: Kiosk) -> None:
    from sandbox.faces import registered_face

    tester = kiosk.someone_else_than("H-ABC")
    tester_face = str(kiosk.holder(tester)["face"])
    kiosk.admin.register_face("H-ABC", registered_face(tester_face))
    s, renewal = kiosk.renewal("H-ABC")
    kiosk.verify_all_emails(s, renewal.renewal_id)
    consent = kiosk.services.bureau.consent(s, renewal.renewal_id)
    kiosk.services.registry.check_identity(s, renewal.renewal_id, consent.consent_token)
    match = kiosk.services.bureau.match_face(
        s, renewal.renewal_id, consent.consent_token, kiosk.live_photo(tester)
    )
    assert match.passed
