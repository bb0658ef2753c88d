"""The kiosk's clients against the real sandbox on 127.0.0.1: step 3 (declaration, very-high
e-ID, signature, submission), step 4 (pre-checks, activation) and the counter's offline queue.

Activation must happen exactly once whatever the kiosk retries (R26): these tests resend
calls with the same Idempotency-Key and check the backend's records.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sandbox_walk import Kiosk, wait_for_job

from kiosk.services.errors import AuthError, Conflict, ValidationFailed

# -- steps 3 and 4 --------------------------------------------------------------------------


def test_r14_application_has_the_six_declaration_points(kiosk: Kiosk) -> None:
    s, renewal = kiosk.renewal("H-ABC")
    kiosk.verify_all_emails(s, renewal.renewal_id)
    kiosk.pass_identity(s, renewal.renewal_id, kiosk.live_photo("H-ABC"))
    application = kiosk.services.registry.application(s, renewal.renewal_id)
    assert len(application.declaration) == 6
    assert {c.cert_id for c in application.certificates} == {
        c.cert_id for c in renewal.identity_pending
    }
    assert len(application.document_sha256) == 64


def test_r16_h_abc_submits_and_splits_cloud_from_offline(kiosk: Kiosk) -> None:
    s, renewal = kiosk.renewal("H-ABC")
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
    s, renewal = kiosk.renewal("H-OFFLINE")
    photo = kiosk.live_photo("H-OFFLINE")
    kiosk.verify_all_emails(s, renewal.renewal_id)
    kiosk.pass_identity(s, renewal.renewal_id, photo)
    submission = kiosk.sign_and_submit(s, renewal.renewal_id, photo, str(uuid.uuid4()))
    assert submission.notice_code == "AC-AB-0007"
    assert submission.activation_pending == ()
    assert len(submission.offline_pending) == len(renewal.identity_pending)


def test_r26_h_single_activates_once_and_gets_a_new_certificate(kiosk: Kiosk) -> None:
    s, renewal = kiosk.submitted("H-SINGLE")
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
    s, renewal = kiosk.submitted("H-SINGLE")
    (cert,) = renewal.identity_pending
    with pytest.raises(ValidationFailed) as caught:
        kiosk.services.registry.activate(
            s, renewal.renewal_id, [cert.cert_id], "Wrong-pass-9", None, "Revoke2026phrase",
            str(uuid.uuid4()),
        )
    assert caught.value.help_code == "AC-AB-0032"
    assert caught.value.user_message("zh-Hant") == "台端之雲簽簽名密碼（存取碼）不正確。"


def test_r26_same_key_with_a_different_body_is_refused_ac_ab_0034(kiosk: Kiosk) -> None:
    s, renewal = kiosk.submitted("H-SINGLE")
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


def test_r32_staff_finishes_an_offline_renewal_exactly_once(kiosk: Kiosk) -> None:
    from tests.sandbox.desk_helpers import csr_pem, key_for

    _, renewal = kiosk.submitted("H-OFFLINE")
    reg = kiosk.services.registry
    staff = kiosk.staff_login()
    queue = reg.desk_queue(staff)
    mine = [i for i in queue if i.holder_id == "H-OFFLINE"]
    assert {i.cert_id for i in mine} == {c.cert_id for c in renewal.identity_pending}
    item = mine[0]
    assert item.certificate.serial and item.holder_name and item.state == "waiting"
    assert item.renewal_id == renewal.renewal_id and not item.in_person.done
    assert reg.desk_queue(staff, query=item.certificate.serial)[0].cert_id == item.cert_id
    reg.check_id_number(staff, item.renewal_id, kiosk.id_number_of("H-OFFLINE"))
    reg.check_face(staff, item.renewal_id, kiosk.live_photo("H-OFFLINE"))
    assert reg.in_person_status(staff, item.renewal_id).done
    key = str(uuid.uuid4())
    csr = csr_pem(key_for("qualified")).encode()
    issued = reg.issue_certificate(staff, item.cert_id, csr, key)
    renewed = issued.renewed
    assert renewed.cert_id == item.cert_id and renewed.old_serial == item.certificate.serial
    assert issued.certificate_pem.startswith(b"-----BEGIN CERTIFICATE-----")
    assert reg.issue_certificate(staff, item.cert_id, csr, key) == issued
    assert reg.issued_certificate(staff, item.cert_id) == issued
    assert item.cert_id not in {i.cert_id for i in reg.desk_queue(staff)}
    (done,) = [i for i in reg.desk_queue(staff, include_issued=True) if i.cert_id == item.cert_id]
    assert done.state == "issued" and done.new_serial == renewed.new_serial


# -- branches of the guide ------------------------------------------------------------------


def test_r15_account_without_very_high_eid_is_refused_ac_ab_0021(kiosk: Kiosk) -> None:
    s, renewal = kiosk.renewal("H-NOEID")
    rid = renewal.renewal_id
    kiosk.verify_all_emails(s, rid)
    kiosk.pass_identity(s, rid, kiosk.live_photo("H-NOEID"))
    kiosk.services.registry.application(s, rid)  # R13: the data confirmation page
    kiosk.services.registry.accept_declaration(s, rid)
    with pytest.raises(AuthError) as caught:
        kiosk.services.eid.start_challenge(s, f"renewal:{rid}")
    assert caught.value.help_code == "AC-AB-0021"
    assert caught.value.http_status == 403
    assert len(kiosk.admin.outbox(kind="sms_code")) == 1  # only the sign-in SMS went out


def test_r20_changed_certificate_must_be_revoked_first_ac_ab_0015(kiosk: Kiosk) -> None:
    s, renewal = kiosk.submitted("H-REVOKE")
    (cert,) = renewal.identity_pending
    with pytest.raises(Conflict) as caught:
        kiosk.services.registry.precheck(s, renewal.renewal_id, [cert.cert_id])
    err = caught.value
    assert err.help_code == "AC-AB-0015"
    (listed,) = err.details["certificates"]
    assert listed["cert_id"] == cert.cert_id and listed["revoke_url"].startswith("http")
    # the holder revokes the original on the revocation page, then activation may go on
    kiosk.admin.revoke_certificate(cert.cert_id)
    kiosk.services.registry.precheck(s, renewal.renewal_id, [cert.cert_id])


def test_r21_id_data_changed_since_verification_ac_ab_0014(kiosk: Kiosk) -> None:
    s, renewal = kiosk.submitted("H-REAUTH")
    (cert,) = renewal.identity_pending
    with pytest.raises(Conflict) as caught:
        kiosk.services.registry.precheck(s, renewal.renewal_id, [cert.cert_id])
    assert caught.value.help_code == "AC-AB-0014"
    (mail,) = kiosk.admin.outbox(kind="reauth_needed")
    assert mail.to == cert.email and cert.serial in mail.body
    progress = kiosk.services.registry.current_renewal(s).progress
    assert not progress.identity_checked and not progress.submitted


def test_r22_account_without_a_valid_certificate_sets_a_new_password(kiosk: Kiosk) -> None:
    s, renewal = kiosk.submitted("H-NEWPW")
    reg = kiosk.services.registry
    rid = renewal.renewal_id
    form = reg.activation_form(s, rid)
    assert form.needs_new_password
    cloud = [c.cert_id for c in reg.current_renewal(s).activation_pending]
    assert cloud
    with pytest.raises(ValidationFailed) as differ:
        reg.activate(s, rid, cloud, "NewPass2026", "NewPass2027", "Phrase2026ok", "k-1")
    assert differ.value.help_code == "AC-AB-0031"
    with pytest.raises(ValidationFailed) as weak:
        reg.activate(s, rid, cloud, "onlyletters", "onlyletters", "Phrase2026ok", "k-2")
    assert weak.value.help_code == "AC-AB-0029"
    job = reg.activate(s, rid, cloud, "NewPass2026", "NewPass2026", "Phrase2026ok", "k-3")
    assert wait_for_job(kiosk, s, job).state == "succeeded"


def test_r32_the_desk_searches_the_queue_without_the_id_number_in_any_url(kiosk: Kiosk) -> None:
    """URLs end up in proxies' and servers' access logs: the search words go in a body."""
    _, renewal = kiosk.submitted("H-OFFLINE")
    reg = kiosk.services.registry
    urls: list[str] = []
    session = reg.session  # type: ignore[attr-defined]
    prepare = session.prepare_request

    def recording(request: Any) -> Any:
        prepared = prepare(request)
        urls.append(prepared.url)  # every URL this client sends
        return prepared

    session.prepare_request = recording
    staff = kiosk.staff_login()
    id_number = kiosk.id_number_of("H-OFFLINE")
    found = reg.desk_queue(staff, query=id_number)
    assert {e.cert_id for e in found} == {c.cert_id for c in renewal.identity_pending}
    assert reg.desk_queue(staff, query="WONG KA HOU") == found  # a name too
    assert urls and not any(id_number[:7] in u or "WONG" in u for u in urls)
