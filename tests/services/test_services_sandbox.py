"""The four clients against the real sandbox over HTTP on 127.0.0.1 (docs/api.md).

Codes are read from the sandbox's outbox through SandboxAdmin, as a tester at a demo reads
the "emailed" and "texted" codes. Every test starts from the freshly reseeded sandbox.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from kiosk.config import BackendConfig
from kiosk.services.api import (
    ActivationJob,
    CertStatus,
    HolderSession,
    Renewal,
    Services,
    Submission,
)
from kiosk.services.errors import AuthError, Conflict, NotFound, ValidationFailed
from kiosk.services.factory import build_sandbox_admin, build_services, close_services
from kiosk.services.sandbox_admin import SandboxAdmin
from sandbox.faces import live_photo


class Kiosk:
    """What a test drives: the kiosk's clients plus the tester's view of the outbox."""

    def __init__(self, base_url: str) -> None:
        config = BackendConfig.for_sandbox(base_url, timeout_s=30.0)
        self.services: Services = build_services(config)
        admin = build_sandbox_admin(config)
        assert admin is not None
        self.admin: SandboxAdmin = admin
        self.last_signature_id = ""

    def holder(self, holder_id: str) -> dict[str, Any]:
        """The tester's sheet for a demo holder: ID number, face, cloud password…"""
        for h in self.admin.holders():
            if h.get("holder_id") == holder_id:
                return h
        raise LookupError(holder_id)

    def id_number_of(self, holder_id: str) -> str:
        return str(self.holder(holder_id)["id_number"])

    def live_photo(self, holder_id: str) -> bytes:
        """A live photo of the person whose face the bureau has on file for this holder."""
        return live_photo(str(self.holder(holder_id)["face"]))

    def sign_in(self, holder_id: str) -> HolderSession:
        challenge = self.services.eid.start_login(self.id_number_of(holder_id))
        code = self.admin.latest_code(None, "sms_code")
        return self.services.eid.complete_login(challenge.challenge_id, code)

    def verify_all_emails(self, s: HolderSession, renewal_id: str) -> None:
        for status in self.services.registry.emails(s, renewal_id):
            if status.verified_at is not None:
                continue
            self.services.registry.request_email_code(s, renewal_id, status.address)
            code = self.admin.latest_code(status.address, "email_code")
            self.services.registry.verify_email_code(s, renewal_id, status.address, code)

    def pass_identity(self, s: HolderSession, renewal_id: str, photo: bytes) -> None:
        consent = self.services.bureau.consent(s, renewal_id)
        self.services.registry.check_identity(s, renewal_id, consent.consent_token)
        match = self.services.bureau.match_face(s, renewal_id, consent.consent_token, photo)
        self.services.registry.record_face_match(s, renewal_id, match.match_id)

    def sign_and_submit(
        self, s: HolderSession, renewal_id: str, photo: bytes, key: str
    ) -> Submission:
        reg = self.services.registry
        application = reg.application(s, renewal_id)
        reg.accept_declaration(s, renewal_id)
        challenge = self.services.eid.start_challenge(s, f"renewal:{renewal_id}")
        code = self.admin.latest_code(None, "sms_code")
        assertion = self.services.eid.verify_challenge(s, challenge.challenge_id, code, photo)
        signature = self.services.esign.sign(s, assertion.assertion, application.document_id)
        self.last_signature_id = signature.signature_id
        return reg.submit(s, renewal_id, signature.signature_id, key)

    def close(self) -> None:
        close_services(self.services)
        self.admin.close()


@pytest.fixture
def kiosk(sandbox_url: str) -> Iterator[Kiosk]:
    k = Kiosk(sandbox_url)
    yield k
    k.close()


def wait_for_job(kiosk: Kiosk, s: HolderSession, job: ActivationJob) -> ActivationJob:
    for _ in range(200):
        if job.state != "running":
            return job
        time.sleep(min(job.poll_after_s, 0.2))
        job = kiosk.services.registry.activation_status(s, job.job_id)
    raise AssertionError("activation still running after 200 polls")


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


def _renewal(kiosk: Kiosk, holder_id: str) -> tuple[HolderSession, Renewal]:
    session = kiosk.sign_in(holder_id)
    return session, kiosk.services.registry.current_renewal(session)


def test_r4_each_distinct_address_is_listed_once(kiosk: Kiosk) -> None:
    s, renewal = _renewal(kiosk, "H-ABC")
    emails = kiosk.services.registry.emails(s, renewal.renewal_id)
    addresses = [e.address for e in emails]
    assert sorted(addresses) == sorted({c.email for c in renewal.identity_pending})
    assert all(e.verified_at is None and e.can_request_code for e in emails)


def test_r5_r6_email_code_is_sent_for_300_seconds_and_verifies(kiosk: Kiosk) -> None:
    s, renewal = _renewal(kiosk, "H-ABC")
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
    s, renewal = _renewal(kiosk, "H-ABC")
    address = renewal.identity_pending[0].email
    kiosk.services.registry.request_email_code(s, renewal.renewal_id, address)
    (mail,) = kiosk.admin.outbox(to=address, kind="email_code")
    assert mail.channel == "email"
    assert mail.subject is not None and "《電郵驗證》" in mail.subject
    assert f"驗證碼：{kiosk.admin.latest_code(address, 'email_code')}" in mail.body


def test_wrong_email_code_is_refused_ac_ab_0008_with_attempts_left(kiosk: Kiosk) -> None:
    s, renewal = _renewal(kiosk, "H-ABC")
    reg = kiosk.services.registry
    address = renewal.identity_pending[0].email
    reg.request_email_code(s, renewal.renewal_id, address)
    right = kiosk.admin.latest_code(address, "email_code")
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    with pytest.raises(ValidationFailed) as caught:
        reg.verify_email_code(s, renewal.renewal_id, address, wrong)
    err = caught.value
    assert err.help_code == "AC-AB-0008"
    assert err.http_status == 422
    first_left = err.details["attempts_left"]
    assert isinstance(first_left, int) and first_left > 0
    assert all(err.user_message(lang) for lang in ("zh-Hant", "pt", "en"))
    with pytest.raises(ValidationFailed) as again:
        reg.verify_email_code(s, renewal.renewal_id, address, wrong)
    assert again.value.details["attempts_left"] == first_left - 1


def test_r5_code_expires_after_300_seconds(kiosk: Kiosk) -> None:
    s, renewal = _renewal(kiosk, "H-ABC")
    reg = kiosk.services.registry
    address = renewal.identity_pending[0].email
    reg.request_email_code(s, renewal.renewal_id, address)
    code = kiosk.admin.latest_code(address, "email_code")
    # a new code cannot be asked for while this one runs
    with pytest.raises(Conflict) as early:
        reg.request_email_code(s, renewal.renewal_id, address)
    assert early.value.help_code == "AC-AB-0012"
    kiosk.admin.advance_clock(301)
    with pytest.raises(ValidationFailed) as caught:
        reg.verify_email_code(s, renewal.renewal_id, address, code)
    assert caught.value.help_code == "AC-AB-0009"
    assert reg.request_email_code(s, renewal.renewal_id, address).expires_in == 300


# -- step 2 ---------------------------------------------------------------------------------


def test_r9_consent_then_identity_check(kiosk: Kiosk) -> None:
    s, renewal = _renewal(kiosk, "H-ABC")
    kiosk.verify_all_emails(s, renewal.renewal_id)
    consent = kiosk.services.bureau.consent(s, renewal.renewal_id)
    assert consent.consent_token
    kiosk.services.registry.check_identity(s, renewal.renewal_id, consent.consent_token)
    progress = kiosk.services.registry.current_renewal(s).progress
    assert progress.emails_verified and progress.consent_given and progress.identity_checked


def test_r9_identity_check_without_consent_is_refused_ac_ab_0016(kiosk: Kiosk) -> None:
    s, renewal = _renewal(kiosk, "H-ABC")
    kiosk.verify_all_emails(s, renewal.renewal_id)
    with pytest.raises(AuthError) as caught:
        kiosk.services.registry.check_identity(s, renewal.renewal_id, "forged-consent")
    assert caught.value.help_code == "AC-AB-0016"


def test_r12_face_match_with_the_live_photo_passes(kiosk: Kiosk) -> None:
    s, renewal = _renewal(kiosk, "H-ABC")
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
    s, renewal = _renewal(kiosk, "H-ABC")
    kiosk.verify_all_emails(s, renewal.renewal_id)
    consent = kiosk.services.bureau.consent(s, renewal.renewal_id)
    kiosk.services.registry.check_identity(s, renewal.renewal_id, consent.consent_token)
    someone_else = next(
        h["holder_id"] for h in kiosk.admin.holders() if h["face"] != kiosk.holder("H-ABC")["face"]
    )
    with pytest.raises(ValidationFailed) as caught:
        kiosk.services.bureau.match_face(
            s, renewal.renewal_id, consent.consent_token, kiosk.live_photo(someone_else)
        )
    err = caught.value
    assert err.help_code == "AC-AB-0019"
    assert err.user_message("zh-Hant") == "照片未達檢測要求，請重新拍照。"
    assert err.details["score"] < err.details["threshold"]
    assert not kiosk.services.registry.current_renewal(s).progress.face_passed


# -- steps 3 and 4 --------------------------------------------------------------------------


def test_r14_application_has_the_six_declaration_points(kiosk: Kiosk) -> None:
    s, renewal = _renewal(kiosk, "H-ABC")
    kiosk.verify_all_emails(s, renewal.renewal_id)
    kiosk.pass_identity(s, renewal.renewal_id, kiosk.live_photo("H-ABC"))
    application = kiosk.services.registry.application(s, renewal.renewal_id)
    assert len(application.declaration) == 6
    assert {c.cert_id for c in application.certificates} == {
        c.cert_id for c in renewal.identity_pending
    }
    assert len(application.document_sha256) == 64


def test_r16_h_abc_submits_and_splits_cloud_from_offline(kiosk: Kiosk) -> None:
    s, renewal = _renewal(kiosk, "H-ABC")
    photo = kiosk.live_photo("H-ABC")
    kiosk.verify_all_emails(s, renewal.renewal_id)
    kiosk.pass_identity(s, renewal.renewal_id, photo)
    key = str(uuid.uuid4())
    submission = kiosk.sign_and_submit(s, renewal.renewal_id, photo, key)
    assert {c.cert_id for c in submission.activation_pending} == {
        c.cert_id for c in renewal.identity_pending if c.cloud
    }
    assert {c.cert_id for c in submission.offline_pending} == {
        c.cert_id for c in renewal.identity_pending if not c.cloud
    }
    assert submission.notice_code is None  # some are cloud-sign: not the R19 notice
    after = kiosk.services.registry.current_renewal(s)
    assert after.progress.signed and after.progress.submitted
    # the same key again (a retry after a lost answer) gets the first answer back
    again = kiosk.services.registry.submit(s, renewal.renewal_id, kiosk.last_signature_id, key)
    assert again.submitted_at == submission.submitted_at


def test_r19_only_non_cloud_certificates_get_the_ac_ab_0007_notice(kiosk: Kiosk) -> None:
    s, renewal = _renewal(kiosk, "H-OFFLINE")
    photo = kiosk.live_photo("H-OFFLINE")
    kiosk.verify_all_emails(s, renewal.renewal_id)
    kiosk.pass_identity(s, renewal.renewal_id, photo)
    submission = kiosk.sign_and_submit(s, renewal.renewal_id, photo, str(uuid.uuid4()))
    assert submission.notice_code == "AC-AB-0007"
    assert submission.activation_pending == ()
    assert len(submission.offline_pending) == len(renewal.identity_pending)


def _submitted(kiosk: Kiosk, holder_id: str) -> tuple[HolderSession, Renewal]:
    s, renewal = _renewal(kiosk, holder_id)
    photo = kiosk.live_photo(holder_id)
    kiosk.verify_all_emails(s, renewal.renewal_id)
    kiosk.pass_identity(s, renewal.renewal_id, photo)
    kiosk.sign_and_submit(s, renewal.renewal_id, photo, str(uuid.uuid4()))
    return s, renewal


def test_r26_h_single_activates_once_and_gets_a_new_certificate(kiosk: Kiosk) -> None:
    s, renewal = _submitted(kiosk, "H-SINGLE")
    reg = kiosk.services.registry
    rid = renewal.renewal_id
    (cert,) = renewal.identity_pending
    assert cert.cloud  # R18: one cloud certificate, no selection page
    assert [c.cert_id for c in reg.current_renewal(s).activation_pending] == [cert.cert_id]

    reg.precheck(s, rid, [cert.cert_id])
    form = reg.activation_form(s, rid)
    assert form.cloud_username and not form.needs_new_password  # it holds a valid certificate
    password = str(kiosk.holder("H-SINGLE")["cloud_password"])
    key = str(uuid.uuid4())
    first = reg.activate(s, rid, [cert.cert_id], password, None, "Revoke2026phrase", key)
    # the kiosk lost the answer and asks again with the same key: still one activation
    second = reg.activate(s, rid, [cert.cert_id], password, None, "Revoke2026phrase", key)
    assert second.job_id == first.job_id

    done = wait_for_job(kiosk, s, first)
    assert done.state == "succeeded" and done.error_help_code is None
    (renewed,) = done.results
    assert renewed.cert_id == cert.cert_id
    assert renewed.old_serial == cert.serial and renewed.old_expiry == cert.expiry
    assert renewed.new_serial != cert.serial and renewed.new_expiry > cert.expiry
    (mail,) = kiosk.admin.outbox(kind="renewal_completed")
    assert renewed.new_serial in mail.body


def test_r25_wrong_cloud_password_is_refused_ac_ab_0032(kiosk: Kiosk) -> None:
    s, renewal = _submitted(kiosk, "H-SINGLE")
    (cert,) = renewal.identity_pending
    with pytest.raises(ValidationFailed) as caught:
        kiosk.services.registry.activate(
            s, renewal.renewal_id, [cert.cert_id], "Wrong-pass-9", None, "Revoke2026phrase",
            str(uuid.uuid4()),
        )
    assert caught.value.help_code == "AC-AB-0032"
    assert caught.value.user_message("zh-Hant") == "台端之雲簽簽名密碼（存取碼）不正確。"


def test_r26_same_key_with_a_different_body_is_refused_ac_ab_0034(kiosk: Kiosk) -> None:
    s, renewal = _submitted(kiosk, "H-SINGLE")
    reg = kiosk.services.registry
    rid = renewal.renewal_id
    (cert,) = renewal.identity_pending
    password = str(kiosk.holder("H-SINGLE")["cloud_password"])
    key = str(uuid.uuid4())
    job = reg.activate(s, rid, [cert.cert_id], password, None, "Revoke2026phrase", key)
    with pytest.raises(Conflict) as caught:
        reg.activate(s, rid, [cert.cert_id], password, None, "Another2026phrase", key)
    assert caught.value.help_code == "AC-AB-0034"
    assert wait_for_job(kiosk, s, job).state == "succeeded"


def test_sandbox_admin_reads_the_clock_and_advances_it(kiosk: Kiosk) -> None:
    before = kiosk.admin.now()
    after = kiosk.admin.advance_clock(3600)
    assert 3599 <= (after - before).total_seconds() <= 3700
    assert before.tzinfo is not None



def test_r32_staff_finishes_an_offline_renewal_exactly_once(kiosk: Kiosk) -> None:
    from sandbox.seed import STAFF  # the demo counter account a trainer is given

    _, renewal = _submitted(kiosk, "H-OFFLINE")
    username, (password, _name) = next(iter(STAFF.items()))
    reg = kiosk.services.registry
    staff = reg.staff_login(username, password)
    queue = reg.offline_queue(staff)
    mine = [i for i in queue if i.holder_id == "H-OFFLINE"]
    assert {i.cert_id for i in mine} == {c.cert_id for c in renewal.identity_pending}
    item = mine[0]
    assert item.certificate.serial and item.holder_name
    key = str(uuid.uuid4())
    renewed = reg.complete_offline(staff, item.cert_id, key)
    assert renewed.cert_id == item.cert_id and renewed.old_serial == item.certificate.serial
    assert reg.complete_offline(staff, item.cert_id, key) == renewed
    assert item.cert_id not in {i.cert_id for i in reg.offline_queue(staff)}


def test_staff_sign_in_with_a_wrong_password_is_refused_ac_ab_0035(kiosk: Kiosk) -> None:
    with pytest.raises(AuthError) as caught:
        kiosk.services.registry.staff_login("staff01", "not-the-password")
    assert caught.value.help_code == "AC-AB-0035"


def test_staff_lookup_signs_the_holder_in(kiosk: Kiosk) -> None:
    from sandbox.seed import STAFF

    username, (password, _name) = next(iter(STAFF.items()))
    staff = kiosk.services.registry.staff_login(username, password)
    holder = kiosk.services.registry.staff_lookup(staff, kiosk.id_number_of("H-ABC"))
    assert holder.holder_id == "H-ABC"
    assert kiosk.services.registry.current_renewal(holder).holder_id == "H-ABC"
