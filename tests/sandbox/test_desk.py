"""R32 on the registry's side: the 待線下辦理 queue, the in-person check, and issuance from a
CSR exactly once; R7's 30-day window at submission; R2's three groups. Real HTTP."""

from __future__ import annotations

import uuid

import requests
from cryptography import x509

from sandbox import faces
from tests.sandbox.desk_helpers import complete, csr_pem, in_person, key_for, queue, staff
from tests.sandbox.helpers import FACES, ID_NUMBERS, T, advance, b64, error_code, outbox, walk

DAY = 86400.0


def test_r32_queue_shows_where_and_when_verified_and_is_searchable(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-OFFLINE").through_identity().declare().sign()
    r = requests.post(w.url(w.reg("/submit")), json={"signature_id": w.signature_id},
                      headers={**w.auth, "Idempotency-Key": "s1", "X-Kiosk-ID": "LOBBY-02"},
                      timeout=T)
    assert r.status_code == 200, r.text
    auth = staff(sandbox_url)
    items = queue(sandbox_url, auth)
    assert [i["cert_id"] for i in items] == ["C-OFFLINE-1", "C-OFFLINE-2"]
    first = items[0]
    assert first["verified_kiosk_id"] == "LOBBY-02" and first["verified_at"]
    assert first["reference"] == w.rid and first["state"] == "waiting"
    assert first["certificate"]["type"] == "qualified"
    assert first["in_person"] == {"renewal_id": w.rid, "id_checked": False,
                                  "face_passed": False, "face_tries_left": 3,
                                  "attested": False, "done": False}
    serial = items[1]["certificate"]["serial"]
    for q in (ID_NUMBERS["H-OFFLINE"], "wong ka", "黃家豪", w.rid):
        found = [i["cert_id"] for i in queue(sandbox_url, auth, q=q)]
        assert found == ["C-OFFLINE-1", "C-OFFLINE-2"], q
    assert [i["cert_id"] for i in queue(sandbox_url, auth, q=serial.lower())] == ["C-OFFLINE-2"]
    assert queue(sandbox_url, auth, q="1000001(1)") == []  # H-ABC has nothing waiting


def test_r32_issues_from_the_csr_exactly_once(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-OFFLINE")
    w.through_submit()
    auth = staff(sandbox_url)
    key = key_for("qualified")
    csr = csr_pem(key)
    r = complete(sandbox_url, auth, "C-OFFLINE-1", csr, "k1")
    assert r.status_code == 409 and error_code(r) == "AC-AB-0063"  # no in-person check yet
    in_person(sandbox_url, auth, w.rid, "H-OFFLINE")
    wrong_type = complete(sandbox_url, auth, "C-OFFLINE-2", csr, "k-enc")  # EC for encryption
    assert wrong_type.status_code == 422 and error_code(wrong_type) == "AC-AB-0064"
    first = complete(sandbox_url, auth, "C-OFFLINE-1", csr, "k1")
    assert first.status_code == 200, first.text
    issued = first.json()
    cert = x509.load_pem_x509_certificate(issued["certificate_pem"].encode())
    ca = x509.load_pem_x509_certificate(
        requests.get(f"{sandbox_url}/registry/v1/ca.pem", timeout=T).content)
    cert.verify_directly_issued_by(ca)
    assert cert.public_key() == key.public_key()
    assert f"{cert.serial_number:016X}" == issued["new_serial"] != issued["old_serial"]
    assert cert.not_valid_after_utc.date().isoformat() == issued["new_expiry"]
    # The same key replays it; another key with the same key pair gets the same one; a
    # lost reply finds it with GET; another key pair is refused: never issued twice.
    assert complete(sandbox_url, auth, "C-OFFLINE-1", csr, "k1").json() == issued
    assert complete(sandbox_url, auth, "C-OFFLINE-1", csr_pem(key), "k2").json() == issued
    got = requests.get(f"{sandbox_url}/registry/v1/staff/offline-queue/C-OFFLINE-1/certificate",
                       headers=auth, timeout=T)
    assert got.json() == issued
    other = complete(sandbox_url, auth, "C-OFFLINE-1", csr_pem(key_for("qualified")), "k3")
    assert other.status_code == 409 and error_code(other) == "AC-AB-0039"
    assert [i["cert_id"] for i in queue(sandbox_url, auth)] == ["C-OFFLINE-2"]
    done = [i for i in queue(sandbox_url, auth, include_issued="true")
            if i["cert_id"] == "C-OFFLINE-1"]
    assert done[0]["state"] == "issued" and done[0]["new_serial"] == issued["new_serial"]
    mails = outbox(sandbox_url, kind="renewal_completed")
    assert len(mails) == 1 and issued["new_serial"] in mails[0]["body"]
    none_yet = requests.get(
        f"{sandbox_url}/registry/v1/staff/offline-queue/C-OFFLINE-2/certificate",
        headers=auth, timeout=T)
    assert none_yet.status_code == 404 and error_code(none_yet) == "AC-AB-0003"


def test_r32_in_person_id_number_must_match_and_attestation_needs_three_tries(
    sandbox_url: str,
) -> None:
    w = walk(sandbox_url, "H-OFFLINE")
    w.through_submit()
    auth = staff(sandbox_url)
    url = f"{sandbox_url}/registry/v1/staff/in-person/{w.rid}"
    r = requests.post(f"{url}/id-check", json={"id_number": ID_NUMBERS["H-ABC"]},
                      headers=auth, timeout=T)
    assert r.status_code == 422 and error_code(r) == "AC-AB-0061"
    early = requests.post(f"{url}/attest", json={"reason": "Known to the officer in person"},
                          headers=auth, timeout=T)
    assert early.status_code == 409 and error_code(early) == "AC-AB-0065"
    r = requests.post(f"{url}/id-check", json={"id_number": ID_NUMBERS["H-OFFLINE"]},
                      headers=auth, timeout=T)
    assert r.status_code == 200
    wrong_face = faces.live_photo(FACES["H-ABC"])
    lefts = []
    for _ in range(3):
        r = requests.post(f"{url}/face", json={"photo_jpeg_b64": b64(wrong_face)},
                          headers=auth, timeout=T)
        assert r.status_code == 422 and error_code(r) == "AC-AB-0019"
        lefts.append(r.json()["error"]["details"]["tries_left"])
    assert lefts == [2, 1, 0]
    r = requests.post(f"{url}/face", json={"photo_jpeg_b64": b64(wrong_face)}, headers=auth,
                      timeout=T)
    assert r.status_code == 409 and error_code(r) == "AC-AB-0062"
    short = requests.post(f"{url}/attest", json={"reason": "ok"}, headers=auth, timeout=T)
    assert short.status_code == 422  # a written reason, not a tick
    r = requests.post(f"{url}/attest",
                      json={"reason": "Photo on file is 10 years old; card checked by hand"},
                      headers=auth, timeout=T)
    assert r.status_code == 200
    status = requests.get(url, headers=auth, timeout=T).json()
    assert status["attested"] and status["done"] and not status["face_passed"]
    r = complete(sandbox_url, auth, "C-OFFLINE-1", csr_pem(key_for("qualified")), "k")
    assert r.status_code == 200


def _through_sign_then(sandbox_url: str, seconds: float) -> requests.Response:
    """Emails verified, identity, declaration and signature done; then `seconds` pass and
    the holder (signed in again: the session expired) presses 確認提交."""
    w = walk(sandbox_url, "H-SINGLE").through_identity().declare().sign()
    advance(sandbox_url, seconds)
    signature = w.signature_id
    w.login()
    w.signature_id = signature
    return w.submit()


def test_r7_submission_within_30_days_of_verification_is_accepted(sandbox_url: str) -> None:
    r = _through_sign_then(sandbox_url, 30 * DAY - 120)
    assert r.status_code == 200, r.text


def test_r7_submission_past_30_days_of_verification_is_refused(sandbox_url: str) -> None:
    r = _through_sign_then(sandbox_url, 30 * DAY + 120)
    assert r.status_code == 409 and error_code(r) == "AC-AB-0060"
    message = r.json()["error"]["message"]
    assert "30日" in message["zh-Hant"] and "30 dias" in message["pt"]
    # The address asks for a new code again (step 1); nothing was submitted.
    w = walk(sandbox_url, "H-SINGLE")
    emails = w.get(w.reg("/emails")).json()["emails"]
    assert [e["verified_at"] for e in emails] == [None]
    assert w.refresh()["progress"]["submitted"] is False


def test_r2_the_pending_list_has_all_three_groups(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-ABC")
    before = w.refresh()
    assert [c["cert_id"] for c in before["identity_pending"]] == [
        "C-ABC-1", "C-ABC-2", "C-ABC-3"]
    assert before["activation_pending"] == [] and before["offline_pending"] == []
    w.through_submit()
    after = w.refresh()
    assert after["identity_pending"] == []
    assert {c["type"] for c in after["activation_pending"]} == {"cloud"}
    assert [c["type"] for c in after["offline_pending"]] == ["qualified"]
    # Finished at the counter: the record leaves 待線下辦理, the cloud ones still wait.
    auth = staff(sandbox_url)
    in_person(sandbox_url, auth, w.rid, "H-ABC")
    (offline,) = after["offline_pending"]
    assert complete(sandbox_url, auth, offline["cert_id"], csr_pem(key_for("qualified")),
                    str(uuid.uuid4())).status_code == 200
    last = w.refresh()
    assert last["offline_pending"] == [] and len(last["activation_pending"]) == 2


def test_r32_desk_calls_are_in_the_openapi_with_response_models(sandbox_url: str) -> None:
    spec = requests.get(f"{sandbox_url}/openapi.json", timeout=T).json()
    calls = {
        ("get", "/registry/v1/staff/offline-queue"): "QueueOut",
        ("get", "/registry/v1/staff/in-person/{renewal_id}"): "InPersonOut",
        ("post", "/registry/v1/staff/in-person/{renewal_id}/id-check"): "IdCheckedOut",
        ("post", "/registry/v1/staff/in-person/{renewal_id}/face"): "FaceOut",
        ("post", "/registry/v1/staff/in-person/{renewal_id}/attest"): "AttestedOut",
        ("post", "/registry/v1/staff/offline-queue/{cert_id}/complete"): "IssuedOut",
        ("get", "/registry/v1/staff/offline-queue/{cert_id}/certificate"): "IssuedOut",
        ("post", "/registry/v1/staff/logout"): "SignedOutOut",
    }
    for (method, path), model in calls.items():
        ok = spec["paths"][path][method]["responses"]["200"]["content"]["application/json"]
        assert ok["schema"]["$ref"].endswith("/" + model), (method, path)
    assert "csr_pem" in spec["components"]["schemas"]["CompleteIn"]["properties"]
