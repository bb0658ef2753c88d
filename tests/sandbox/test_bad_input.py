"""Bad input: every endpoint answers a typed error with a help code, and an error leaves
nothing half-written."""

from __future__ import annotations

import uuid

import requests

from sandbox import faces
from tests.sandbox.helpers import FACES, b64, error_code, outbox, walk


def _post_raw(url: str, data: bytes, headers: dict[str, str] | None = None) -> requests.Response:
    h = {"Content-Type": "application/json", **(headers or {})}
    return requests.post(url, data=data, headers=h, timeout=30)


def test_malformed_json_is_400_ac_ab_0001(sandbox_url: str) -> None:
    r = _post_raw(f"{sandbox_url}/eid/v1/login/start", b'{"id_number": ')
    assert r.status_code == 400 and error_code(r) == "AC-AB-0001"
    err = r.json()["error"]
    assert err["kind"] == "validation" and set(err["message"]) == {"zh-Hant", "pt", "en"}


def test_wrong_types_missing_and_unknown_fields_are_422(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-ABC")
    address = "tm.chan@abc.example"
    w.request_code(address)
    for body in ({"address": address, "code": 123456},  # a number, not a string
                 {"address": address},  # missing
                 {"address": address, "code": "12345"},  # not 6 digits
                 {"address": address, "code": "123456", "extra": 1},  # unknown field
                 [address, "123456"]):  # not an object
        r = w.post(w.reg("/emails/verify"), body)
        assert r.status_code == 422 and error_code(r) == "AC-AB-0001", body
    # None of these counted as a wrong code.
    status = w.get(w.reg("/emails")).json()["emails"]
    assert {e["address"]: e["attempts_left"] for e in status}[address] == 5
    r = w.post(w.reg("/declaration"), {"accepted": "true"})
    assert r.status_code == 422 and error_code(r) == "AC-AB-0001"
    r = requests.post(f"{sandbox_url}/sandbox/v1/clock/advance", json={"seconds": -5}, timeout=10)
    assert r.status_code == 422 and error_code(r) == "AC-AB-0001"


def test_errors_do_not_echo_the_submitted_values(sandbox_url: str) -> None:
    r = requests.post(f"{sandbox_url}/registry/v1/staff/login",
                      json={"username": "staff01", "password": 12345678}, timeout=10)
    assert r.status_code == 422 and "12345678" not in r.text


def test_unknown_holder_renewal_certificate_and_path(sandbox_url: str) -> None:
    r = requests.post(f"{sandbox_url}/eid/v1/login/start", json={"id_number": "9999999(9)"},
                      timeout=10)
    assert r.status_code == 404 and error_code(r) == "AC-AB-0002"
    w = walk(sandbox_url, "H-ABC")
    for r in (w.get("/registry/v1/renewals/R-NOPE/emails"),
              w.get("/registry/v1/renewals/R-SINGLE/emails"),  # someone else's
              w.get("/registry/v1/activations/J-NOPE")):
        assert r.status_code == 404 and error_code(r) == "AC-AB-0003"
    w.through_submit()
    for body in ({"cert_ids": ["C-NOPE-1"]}, {"cert_ids": ["C-SINGLE-1"]}):
        r = w.post(w.reg("/precheck"), body)
        assert r.status_code == 404 and error_code(r) == "AC-AB-0003"
    r = requests.get(f"{sandbox_url}/registry/v1/nothing-here", timeout=10)
    assert r.status_code == 404 and error_code(r) == "AC-AB-0041"
    r = requests.delete(f"{sandbox_url}/registry/v1/ca.pem", timeout=10)
    assert r.status_code == 405 and error_code(r) == "AC-AB-0041"
    r = requests.post(f"{sandbox_url}/sandbox/v1/holders/H-NOPE/face",
                      json={"photo_jpeg_b64": b64(faces.live_photo("obama"))}, timeout=30)
    assert r.status_code == 404 and error_code(r) == "AC-AB-0002"


def test_staff_lookup_signs_a_holder_in_for_the_counter(sandbox_url: str) -> None:
    r = requests.post(f"{sandbox_url}/registry/v1/staff/login",
                      json={"username": "staff01", "password": "wrong"}, timeout=10)
    assert r.status_code == 401 and error_code(r) == "AC-AB-0035"
    staff = requests.post(f"{sandbox_url}/registry/v1/staff/login",
                          json={"username": "staff01", "password": "counter-demo-1"},
                          timeout=10).json()
    auth = {"Authorization": f"Bearer {staff['staff_token']}"}
    r = requests.post(f"{sandbox_url}/registry/v1/staff/lookup",
                      json={"id_number": "0000000(0)"}, headers=auth, timeout=10)
    assert r.status_code == 404 and error_code(r) == "AC-AB-0002"
    r = requests.post(f"{sandbox_url}/registry/v1/staff/lookup",
                      json={"id_number": "1000001(1)"}, headers=auth, timeout=10)
    assert r.status_code == 200 and r.json()["holder_id"] == "H-ABC"
    holder = {"Authorization": f"Bearer {r.json()['holder_token']}"}
    current = requests.get(f"{sandbox_url}/registry/v1/renewals/current", headers=holder,
                           timeout=10)
    assert current.json()["renewal_id"] == "R-ABC"
    # A holder token is not a staff token.
    r = requests.post(f"{sandbox_url}/registry/v1/staff/lookup",
                      json={"id_number": "1000001(1)"}, headers=holder, timeout=10)
    assert r.status_code == 401 and error_code(r) == "AC-AB-0004"


def test_missing_or_expired_sign_in_is_401(sandbox_url: str) -> None:
    r = requests.get(f"{sandbox_url}/registry/v1/renewals/current", timeout=10)
    assert r.status_code == 401 and error_code(r) == "AC-AB-0004"
    r = requests.get(f"{sandbox_url}/registry/v1/renewals/current",
                     headers={"Authorization": "Bearer forged"}, timeout=10)
    assert r.status_code == 401 and error_code(r) == "AC-AB-0004"
    w = walk(sandbox_url, "H-ABC")
    requests.post(f"{sandbox_url}/sandbox/v1/clock/advance", json={"seconds": 1801}, timeout=10)
    r = w.get("/registry/v1/renewals/current")
    assert r.status_code == 401 and error_code(r) == "AC-AB-0004"


def test_steps_out_of_order_are_refused(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-ABC")
    r = w.post("/bureau/v1/consents", {"renewal_id": w.rid, "accepted": True})
    assert r.status_code == 409 and error_code(r) == "AC-AB-0027"
    assert r.json()["error"]["details"]["missing"] == "emails_verified"
    w.verify_emails().consent()
    r = w.face_match(faces.live_photo(FACES["H-ABC"]))
    assert error_code(r) == "AC-AB-0027"  # before the identity check
    for r in (w.get(w.reg("/application")),
              w.post(w.reg("/declaration"), {"accepted": True}),
              w.get(w.reg("/activation-form")),
              w.activate(["C-ABC-2"]),
              w.post(w.reg("/precheck"), {"cert_ids": ["C-ABC-2"]})):
        assert r.status_code == 409 and error_code(r) == "AC-AB-0027"
    r = w.post(w.reg("/emails/verify"), {"address": "tm.chan@abc.example", "code": "123456"})
    assert error_code(r) == "AC-AB-0010"  # that address's code was used already


def test_idempotency_key_is_required_on_submit_and_activation(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-SINGLE").through_identity().declare().sign()
    r = w.post(w.reg("/submit"), {"signature_id": w.signature_id})
    assert r.status_code == 422 and error_code(r) == "AC-AB-0001"
    assert w.refresh()["progress"]["submitted"] is False


def test_oversized_body_is_413(sandbox_url: str) -> None:
    big = b'{"id_number": "' + b"1" * (2 * 1024 * 1024) + b'"}'
    r = _post_raw(f"{sandbox_url}/eid/v1/login/start", big)
    assert r.status_code == 413 and error_code(r) == "AC-AB-0005"
    assert r.headers["X-Request-ID"]

    def chunks() -> object:  # no Content-Length: the size is only known by reading
        for _ in range(3):
            yield b"1" * (1024 * 1024)

    r = requests.post(f"{sandbox_url}/eid/v1/login/start", data=chunks(),  # type: ignore[arg-type]
                      headers={"Content-Type": "application/json"}, timeout=30)
    assert r.status_code == 413 and error_code(r) == "AC-AB-0005"


def test_request_id_is_echoed_in_header_and_error(sandbox_url: str) -> None:
    r = requests.get(f"{sandbox_url}/registry/v1/renewals/current",
                     headers={"X-Request-ID": "kiosk-42"}, timeout=10)
    assert r.headers["X-Request-ID"] == "kiosk-42"
    assert r.json()["error"]["request_id"] == "kiosk-42"
    r = requests.get(f"{sandbox_url}/sandbox/v1/clock", timeout=10)
    assert len(r.headers["X-Request-ID"]) >= 8


def test_nothing_half_written_when_activation_names_an_unknown_certificate(
    sandbox_url: str,
) -> None:
    w = walk(sandbox_url, "H-ABC")
    w.through_submit()
    r = w.activate(["C-ABC-2", "C-NOPE-9"])
    assert r.status_code == 404 and error_code(r) == "AC-AB-0003"
    # C-ABC-2 was not left "activating": a correct request activates it now.
    r = w.activate(["C-ABC-2"])
    assert r.status_code == 202
    assert [x["cert_id"] for x in w.wait_job(r.json()["job_id"])["results"]] == ["C-ABC-2"]


def test_nothing_half_written_when_a_new_password_is_refused(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-NEWPW")
    w.through_submit()
    r = w.activate(["C-NEWPW-1"], password="Good-pass-1", confirm="Good-pass-1",
                   phrase="bad phrase!")
    assert error_code(r) == "AC-AB-0030"
    # The password of the refused attempt was not stored: the account still needs a new one.
    assert w.get(w.reg("/activation-form")).json()["needs_new_password"] is True


def test_nothing_half_written_when_submission_is_refused(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-OFFLINE").through_identity().declare().sign()
    real = w.signature_id
    w.signature_id = "S-forged"
    assert error_code(w.submit()) == "AC-AB-0003"
    r = w.refresh()
    assert r["progress"]["submitted"] is False and r["offline_pending"] == []
    staff = requests.post(f"{sandbox_url}/registry/v1/staff/login",
                          json={"username": "staff01", "password": "counter-demo-1"},
                          timeout=10).json()["staff_token"]
    queue = requests.get(f"{sandbox_url}/registry/v1/staff/offline-queue",
                         headers={"Authorization": f"Bearer {staff}"}, timeout=10)
    assert queue.json()["items"] == []
    w.signature_id = real
    assert w.submit(str(uuid.uuid4())).status_code == 200


def test_nothing_half_written_when_identity_check_fails(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-MISMATCH").verify_emails().consent()
    before = len(outbox(sandbox_url))
    assert error_code(w.identity_check()) == "AC-AB-0018"
    assert w.refresh()["progress"]["identity_checked"] is False
    assert len(outbox(sandbox_url)) == before


def test_service_unavailable_is_503_and_passes(sandbox_url: str) -> None:
    requests.post(f"{sandbox_url}/sandbox/v1/faults", json={"unavailable_requests": 1},
                  timeout=10).raise_for_status()
    url = f"{sandbox_url}/eid/v1/login/start"
    r = requests.post(url, json={"id_number": "1000001(1)"}, timeout=10)
    assert r.status_code == 503 and error_code(r) == "AC-AB-0036"
    assert outbox(sandbox_url, kind="sms_code") == []  # nothing was done
    assert requests.post(url, json={"id_number": "1000001(1)"}, timeout=10).status_code == 200
