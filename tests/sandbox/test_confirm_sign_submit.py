"""Step 3, backend side: data confirmation, declaration, very-high e-ID, e-signature, submit
(R13-R16), and the pending lists it moves records between (R2, R3)."""

from __future__ import annotations

import hashlib
import io
import re
import uuid

import requests
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from sandbox import faces
from tests.sandbox.helpers import (
    FACES,
    advance,
    b64,
    error_code,
    latest_code,
    other_face,
    outbox,
    walk,
)

CARD_FIELDS = {"cert_id", "type", "serial", "expiry", "status", "holder_name", "email",
               "org_name", "department", "position", "transaction_limit",
               "agent_qualification"}


def test_r2_every_record_needs_identity_verification_first(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-ABC")
    ids = [c["cert_id"] for c in w.renewal["identity_pending"]]
    assert ids == ["C-ABC-1", "C-ABC-2", "C-ABC-3"]
    assert w.renewal["activation_pending"] == [] and w.renewal["offline_pending"] == []


def test_r2_after_submission_cloud_goes_online_and_non_cloud_offline(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-ABC")
    w.through_submit()
    r = w.refresh()
    assert r["identity_pending"] == []
    assert [c["cert_id"] for c in r["activation_pending"]] == ["C-ABC-1", "C-ABC-2"]
    assert [c["cert_id"] for c in r["offline_pending"]] == ["C-ABC-3"]


def test_r3_the_seed_example_records_with_their_card_fields(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-ABC")
    certs = {c["cert_id"]: c for c in w.renewal["identity_pending"]}
    assert all(set(c) == CARD_FIELDS for c in certs.values())
    assert [certs[k]["type"] for k in sorted(certs)] == ["cloud", "cloud", "qualified"]
    assert [certs[k]["status"] for k in sorted(certs)] == ["revoked", "valid", "expired"]
    q = certs["C-ABC-3"]
    assert (q["transaction_limit"], q["agent_qualification"]) == ("0", "n/a")
    assert certs["C-ABC-1"]["transaction_limit"] is None
    assert {c["org_name"] for c in certs.values()} == {"ABC LIMITED"}
    assert {c["position"] for c in certs.values()} == {"Assistant Operations Manager"}


def test_r3_records_cannot_be_deselected_submission_covers_all(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-ABC")
    answer = w.through_submit()
    covered = [c["cert_id"] for c in answer["activation_pending"] + answer["offline_pending"]]
    assert sorted(covered) == ["C-ABC-1", "C-ABC-2", "C-ABC-3"]
    # The submit call has no way to name a subset.
    w2 = walk(sandbox_url, "H-SINGLE").through_identity().declare().sign()
    r = w2.post(w2.reg("/submit"), {"signature_id": w2.signature_id, "cert_ids": ["C-SINGLE-1"]},
                key=str(uuid.uuid4()))
    assert r.status_code == 422 and error_code(r) == "AC-AB-0001"


def test_r13_application_lists_every_certificates_renewal_data(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-ABC").through_identity()
    app = w.application()
    assert [c["cert_id"] for c in app["certificates"]] == ["C-ABC-1", "C-ABC-2", "C-ABC-3"]
    assert app["certificates"] == w.refresh()["identity_pending"]
    pdf = w.get(w.reg("/application.pdf"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert hashlib.sha256(pdf.content).hexdigest() == app["document_sha256"]


def test_r14_declaration_has_the_six_points_of_the_seed(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-SINGLE").through_identity()
    points = w.application()["declaration"]
    assert len(points) == 6
    assert points[0] == "本人確認上述提交之所有資料真實及正確。"
    assert points[5] == (
        "本人知悉有關存取及使用由應用服務供應方提供所申請之服務，需受相關規則及條款規範。"
    )


def test_r14_identification_only_after_the_declaration_is_accepted(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-SINGLE").through_identity()
    w.application()
    r = w.post("/eid/v1/challenges", {"purpose": f"renewal:{w.rid}"})
    assert r.status_code == 409 and error_code(r) == "AC-AB-0037"
    assert len(outbox(sandbox_url, kind="sms_code")) == 1  # only the sign-in SMS went out
    r = w.post(w.reg("/declaration"), {"accepted": True})
    assert r.status_code == 200 and w.refresh()["progress"]["declaration_accepted"] is True
    assert w.post("/eid/v1/challenges", {"purpose": f"renewal:{w.rid}"}).status_code == 200


def test_r15_account_without_very_high_tool_cannot_pass(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-NOEID").through_identity().declare()
    r = w.post("/eid/v1/challenges", {"purpose": f"renewal:{w.rid}"})
    assert r.status_code == 403 and error_code(r) == "AC-AB-0021"
    assert "非常高級" in r.json()["error"]["message"]["zh-Hant"]


def test_r15_sms_code_goes_to_the_registered_mobile(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-SINGLE").through_identity().declare()
    r = w.post("/eid/v1/challenges", {"purpose": f"renewal:{w.rid}"})
    assert r.status_code == 200
    assert r.json()["mobile_masked"] == "+853 ****0002"
    sms = outbox(sandbox_url, kind="sms_code")[-1]
    assert sms["channel"] == "sms" and sms["to"] == "+853 6600 0002"


def test_r15_wrong_sms_code_and_wrong_face_are_refused(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-SINGLE").through_identity().declare()
    challenge = w.post("/eid/v1/challenges", {"purpose": f"renewal:{w.rid}"}).json()
    code = re.search(r"一次性密碼：(\d{6})", outbox(sandbox_url, kind="sms_code")[-1]["body"])
    assert code
    wrong = f"{(int(code.group(1)) + 1) % 1_000_000:06d}"
    path = f"/eid/v1/challenges/{challenge['challenge_id']}/verify"
    me = b64(faces.live_photo(FACES["H-SINGLE"]))
    r = w.post(path, {"sms_code": wrong, "face_jpeg_b64": me})
    assert r.status_code == 422 and error_code(r) == "AC-AB-0022"
    assert r.json()["error"]["details"]["attempts_left"] == 4
    stranger = b64(faces.live_photo(other_face("biden")))
    r = w.post(path, {"sms_code": code.group(1), "face_jpeg_b64": stranger})
    assert r.status_code == 422 and error_code(r) == "AC-AB-0024"
    r = w.post(path, {"sms_code": code.group(1), "face_jpeg_b64": me})
    assert r.status_code == 200 and r.json()["level"] == "very_high"
    # One identification, one use.
    r = w.post(path, {"sms_code": code.group(1), "face_jpeg_b64": me})
    assert r.status_code == 422 and error_code(r) == "AC-AB-0023"


def _sms_challenge(sandbox_url: str) -> tuple[str, str]:
    """A strong e-ID sign-in challenge for holder 1000002(2): its id and the SMS code sent."""
    r = requests.post(f"{sandbox_url}/eid/v1/login/start", json={"id_number": "1000002(2)"},
                      timeout=10)
    return r.json()["challenge_id"], latest_code(sandbox_url, "+853 6600 0002", "sms_code")


def test_r15_sms_code_locks_after_five_wrong_tries(sandbox_url: str) -> None:
    cid, right = _sms_challenge(sandbox_url)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    complete = f"{sandbox_url}/eid/v1/login/complete"
    for left in (4, 3, 2, 1):
        r = requests.post(complete, json={"challenge_id": cid, "sms_code": wrong}, timeout=10)
        assert error_code(r) == "AC-AB-0022"
        assert r.json()["error"]["details"]["attempts_left"] == left
    r = requests.post(complete, json={"challenge_id": cid, "sms_code": wrong}, timeout=10)
    assert r.status_code == 423 and error_code(r) == "AC-AB-0038"
    r = requests.post(complete, json={"challenge_id": cid, "sms_code": right}, timeout=10)
    assert r.status_code == 423 and error_code(r) == "AC-AB-0038"


def test_r15_sms_code_expires_after_300_seconds(sandbox_url: str) -> None:
    cid, right = _sms_challenge(sandbox_url)
    advance(sandbox_url, 300)
    r = requests.post(f"{sandbox_url}/eid/v1/login/complete",
                      json={"challenge_id": cid, "sms_code": right}, timeout=10)
    assert r.status_code == 422 and error_code(r) == "AC-AB-0023"


def test_r16_signature_is_real_and_verifies_against_the_registry_ca(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-ABC").through_identity().declare().sign()
    assert w.refresh()["progress"]["signed"] is True
    signed = w.get(f"/esign/v1/signatures/{w.signature_id}/document")
    assert signed.status_code == 200
    ca_pem = requests.get(f"{sandbox_url}/registry/v1/ca.pem", timeout=10)
    assert ca_pem.headers["content-type"].startswith("application/x-pem-file")
    assert ca_pem.text.startswith("-----BEGIN CERTIFICATE-----")
    original = w.get(w.reg("/application.pdf")).content
    assert signed.content.startswith(original)  # an incremental update of the document
    reader = PdfFileReader(io.BytesIO(signed.content), strict=False)
    context = ValidationContext(trust_roots=list(load_certs_from_pemder_data(ca_pem.content)),
                                allow_fetching=False, revocation_mode="soft-fail")
    status = validate_pdf_signature(reader.embedded_signatures[-1], context)
    assert status.intact and status.valid and status.trusted
    assert "CHAN TAI MAN" in status.signing_cert.subject.human_friendly


def test_r16_submission_confirms_the_signed_application(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-ABC").through_identity().declare().sign()
    r = w.submit()
    assert r.status_code == 200
    body = r.json()
    assert body["submitted_at"] and body["notice"] is None
    assert w.refresh()["progress"]["submitted"] is True


def test_r16_an_assertion_signs_once(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-SINGLE").through_identity().declare()
    w.application()
    assertion = w.eid_assertion()
    body = {"assertion": assertion, "document_id": w.document_id}
    assert w.post("/esign/v1/signatures", body).status_code == 200
    r = w.post("/esign/v1/signatures", body)
    assert r.status_code == 422 and error_code(r) == "AC-AB-0025"


def test_r16_second_submission_is_refused_and_a_retry_replays(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-SINGLE").through_identity().declare().sign()
    key = str(uuid.uuid4())
    first = w.submit(key)
    again = w.submit(key)
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    r = w.submit()
    assert r.status_code == 409 and error_code(r) == "AC-AB-0026"


def test_r16_signature_of_another_holder_is_not_accepted(sandbox_url: str) -> None:
    other = walk(sandbox_url, "H-SINGLE").through_identity().declare().sign()
    w = walk(sandbox_url, "H-ABC").through_identity().declare()
    w.signature_id = other.signature_id
    r = w.submit()
    assert r.status_code == 404 and error_code(r) == "AC-AB-0003"
    assert w.refresh()["progress"]["submitted"] is False


def test_r3_a_valid_certificate_shows_expired_once_its_day_has_passed(sandbox_url: str) -> None:
    advance(sandbox_url, 46 * 86400)  # H-ABC's valid certificate expired yesterday
    w = walk(sandbox_url, "H-ABC")
    statuses = {c["cert_id"]: c["status"] for c in w.renewal["identity_pending"]}
    assert statuses == {"C-ABC-1": "revoked", "C-ABC-2": "expired", "C-ABC-3": "expired"}
