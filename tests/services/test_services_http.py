"""The clients against real HTTP servers on 127.0.0.1 that fail on purpose.

Each test stages what a backend (or a proxy in front of it) could do, and checks what the
kiosk would show (error class, help code, messages, request id) and what the backend saw
(how many requests, which headers).
"""

from __future__ import annotations

import base64
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
import requests
from canned_http import CannedServer, Reply

from kiosk.config import BackendConfig
from kiosk.services.api import CertType, HolderSession, StaffSession
from kiosk.services.bureau import BureauClient
from kiosk.services.errors import (
    ConnectionFailed,
    NotFound,
    RateLimited,
    ServerError,
    TimeoutFailed,
    UnexpectedResponse,
    ValidationFailed,
)
from kiosk.services.factory import build_services
from kiosk.services.registry import RegistryClient

Canned = Callable[..., CannedServer]

HOLDER = HolderSession(token="holder-token-1", holder_id="H-ABC", display_name="CHAN TAI MAN")
STAFF = StaffSession(token="staff-token-1", staff_id="S-1", display_name="Counter 1")

CERT: dict[str, Any] = {
    "cert_id": "C-ABC-1",
    "type": "cloud",
    "serial": "5A3F0001",
    "expiry": "2026-12-20",
    "status": "valid",
    "holder_name": "CHAN TAI MAN",
    "email": "chan@abc.example",
    "org_name": "ABC LIMITED",
    "department": "Operations Dept.",
    "position": "Assistant Operations Manager",
    "transaction_limit": None,
    "agent_qualification": None,
}
RENEWAL: dict[str, Any] = {
    "renewal_id": "R-1",
    "holder_id": "H-ABC",
    "identity_pending": [CERT],
    "activation_pending": [],
    "offline_pending": [],
    "progress": {
        "emails_verified": False,
        "consent_given": False,
        "identity_checked": False,
        "face_passed": False,
        "declaration_accepted": False,
        "signed": False,
        "submitted": False,
    },
}
JOB: dict[str, Any] = {
    "job_id": "J-1",
    "state": "running",
    "poll_after_s": 0.5,
    "results": [],
    "error_code": None,
}


def envelope(code: str, kind: str, request_id: str, **details: Any) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "kind": kind,
            "title": {"zh-Hant": "驗證碼錯誤", "pt": "Código errado", "en": "Wrong code"},
            "message": {
                "zh-Hant": "驗證碼不正確，請重新輸入。",
                "pt": "O código de verificação não está correcto.",
                "en": "The verification code is not correct.",
            },
            "details": details,
            "request_id": request_id,
        }
    }


class Slept(list[float]):
    """Records the back-off delays instead of waiting them."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def registry(base: str, slept: Slept, timeout_s: float = 5.0) -> RegistryClient:
    return RegistryClient(
        f"{base}/registry/v1",
        requests.Session(),
        timeout_s,
        retry_delays=(0.2, 0.5),
        sleep=slept,
    )


def test_connection_refused_is_connection_failed_ac_ki_0001(closed_port_url: str) -> None:
    slept = Slept()
    with pytest.raises(ConnectionFailed) as caught:
        registry(closed_port_url, slept).current_renewal(HOLDER)
    err = caught.value
    assert err.help_code == "AC-KI-0001"
    assert "暫時未能連接" in err.user_message("zh-Hant")
    assert err.http_status is None
    assert uuid.UUID(err.request_id or "").version == 4
    # a GET is safe to repeat: two more tries, with the injected back-off
    assert slept == [0.2, 0.5]


def test_connection_refused_post_without_key_is_tried_once(closed_port_url: str) -> None:
    slept = Slept()
    with pytest.raises(ConnectionFailed):
        registry(closed_port_url, slept).request_email_code(HOLDER, "R-1", "chan@abc.example")
    assert slept == []


def test_read_timeout_is_timeout_failed_ac_ki_0002(canned: Canned) -> None:
    server = canned(Reply(hold=True))
    slept = Slept()
    client = registry(server.url, slept, timeout_s=0.3)
    with pytest.raises(TimeoutFailed) as caught:
        client.current_renewal(HOLDER)
    assert caught.value.help_code == "AC-KI-0002"
    assert "逾時" in caught.value.user_message()
    assert caught.value.retryable  # the person may press 重試 themselves
    # even a GET is not tried again once the call has used up its timeout: a backend that
    # hung once keeps the person waiting one timeout, not three
    assert len(server.seen) == 1
    assert slept == []


def test_get_500_then_200_is_retried_and_succeeds(canned: Canned) -> None:
    server = canned(
        Reply(500, envelope("AC-AB-0036", "server", "srv-1")),
        Reply(200, RENEWAL),
    )
    slept = Slept()
    renewal = registry(server.url, slept).current_renewal(HOLDER)
    assert [s.method for s in server.seen] == ["GET", "GET"]
    assert slept == [0.2]
    assert renewal.renewal_id == "R-1"
    cert = renewal.identity_pending[0]
    assert cert.type is CertType.CLOUD and cert.cloud
    assert cert.expiry == date(2026, 12, 20)
    assert cert.position == "Assistant Operations Manager"
    assert renewal.progress.submitted is False


def test_post_without_idempotency_key_is_not_retried(canned: Canned) -> None:
    server = canned(Reply(503, envelope("AC-AB-0036", "server", "srv-2")), Reply(200, {}))
    slept = Slept()
    with pytest.raises(ServerError) as caught:
        registry(server.url, slept).verify_email_code(HOLDER, "R-1", "chan@abc.example", "123456")
    assert caught.value.help_code == "AC-AB-0036"
    assert caught.value.http_status == 503
    assert len(server.seen) == 1
    assert slept == []


def test_r26_activation_retry_sends_the_same_idempotency_key(canned: Canned) -> None:
    server = canned(
        Reply(502, "<html><body>Bad Gateway</body></html>", content_type="text/html"),
        Reply(503, envelope("AC-AB-0036", "server", "srv-3")),
        Reply(202, JOB),
    )
    slept = Slept()
    job = registry(server.url, slept).activate(
        HOLDER, "R-1", ["C-ABC-1"], "Passw0rd!", None, "phrase2024abc", idempotency_key="key-123"
    )
    assert job.job_id == "J-1" and job.state == "running" and job.poll_after_s == 0.5
    assert len(server.seen) == 3
    assert {s.headers["Idempotency-Key"] for s in server.seen} == {"key-123"}
    # one logical call: its retries share one request id, so support finds all three
    assert len({s.headers["X-Request-ID"] for s in server.seen}) == 1
    assert all(s.json() == server.seen[0].json() for s in server.seen)
    assert server.seen[0].json()["cert_ids"] == ["C-ABC-1"]
    assert slept == [0.2, 0.5]


def test_4xx_is_never_retried(canned: Canned) -> None:
    server = canned(Reply(404, envelope("AC-AB-0003", "not_found", "srv-4")), Reply(200, RENEWAL))
    slept = Slept()
    with pytest.raises(NotFound) as caught:
        registry(server.url, slept).current_renewal(HOLDER)
    assert caught.value.help_code == "AC-AB-0003"
    assert len(server.seen) == 1

    limited = canned(Reply(429, envelope("AC-AB-0006", "rate_limit", "srv-5")), Reply(202, JOB))
    with pytest.raises(RateLimited):
        registry(limited.url, slept).activate(
            HOLDER, "R-1", ["C-ABC-1"], "Passw0rd!", None, "phrase2024abc", "key-9"
        )
    assert len(limited.seen) == 1
    assert slept == []


def test_422_envelope_is_validation_failed_with_the_servers_help_code(canned: Canned) -> None:
    server = canned(
        Reply(
            422,
            envelope("AC-AB-0008", "validation", "srv-req-42", attempts_left=2),
            headers={"X-Request-ID": "srv-req-42"},
        )
    )
    with pytest.raises(ValidationFailed) as caught:
        registry(server.url, Slept()).verify_email_code(HOLDER, "R-1", "chan@abc.example", "000000")
    err = caught.value
    assert err.help_code == "AC-AB-0008"
    assert err.http_status == 422
    assert err.request_id == "srv-req-42"
    assert err.details == {"attempts_left": 2}
    assert err.user_message("zh-Hant") == "驗證碼不正確，請重新輸入。"
    assert err.user_message("pt") == "O código de verificação não está correcto."
    assert err.user_message("en") == "The verification code is not correct."


def test_html_502_is_server_error(canned: Canned) -> None:
    server = canned(Reply(502, "<html><h1>502 Bad Gateway</h1></html>", content_type="text/html"))
    slept = Slept()
    with pytest.raises(ServerError) as caught:
        registry(server.url, slept).application(HOLDER, "R-1")
    err = caught.value
    assert err.http_status == 502
    # no envelope, so no server help code: the kiosk's "unexpected answer" text is shown
    assert err.help_code == "AC-KI-0003"
    assert "回應異常" in err.user_message()
    assert len(server.seen) == 3  # a GET: retried, then given up
    # the request id the kiosk sent is kept when the server sent none back
    assert err.request_id == server.seen[-1].headers["X-Request-ID"]


def test_200_with_garbage_json_is_unexpected_response_ac_ki_0003(canned: Canned) -> None:
    server = canned(Reply(200, '{"renewal_id": "R-1", ', headers={"X-Request-ID": "srv-7"}))
    with pytest.raises(UnexpectedResponse) as caught:
        registry(server.url, Slept()).current_renewal(HOLDER)
    assert caught.value.help_code == "AC-KI-0003"
    assert caught.value.request_id == "srv-7"
    assert len(server.seen) == 1  # a broken answer is not a hiccup: no retry


@pytest.mark.parametrize(
    "body",
    [
        {k: v for k, v in RENEWAL.items() if k != "progress"},
        {**RENEWAL, "identity_pending": [{**CERT, "expiry": "20/12/2026"}]},
        {**RENEWAL, "identity_pending": [{**CERT, "type": "platinum"}]},
        [RENEWAL],
    ],
    ids=["missing-progress", "bad-date", "unknown-type", "list-not-object"],
)
def test_200_not_matching_the_contract_is_unexpected_response(
    canned: Canned, body: Any
) -> None:
    server = canned(Reply(200, body))
    with pytest.raises(UnexpectedResponse) as caught:
        registry(server.url, Slept()).current_renewal(HOLDER)
    assert caught.value.help_code == "AC-KI-0003"


def test_every_call_sends_bearer_token_and_its_own_uuid4_request_id(canned: Canned) -> None:
    server = canned(Reply(200, RENEWAL))
    client = registry(server.url, Slept())
    client.current_renewal(HOLDER)
    client.current_renewal(HOLDER)
    first, second = server.seen
    assert first.headers["Authorization"] == "Bearer holder-token-1"
    ids = [uuid.UUID(s.headers["X-Request-ID"]) for s in server.seen]
    assert all(i.version == 4 for i in ids) and ids[0] != ids[1]
    assert first.path == "/registry/v1/renewals/current"


def test_path_values_cannot_reach_another_endpoint(canned: Canned) -> None:
    renewed = {
        "cert_id": "C-1",
        "type": "qualified",
        "email": "a@b.example",
        "old_serial": "01",
        "old_expiry": "2026-12-20",
        "new_serial": "02",
        "new_expiry": "2029-12-20",
    }
    server = canned(Reply(200, renewed))
    result = registry(server.url, Slept()).complete_offline(STAFF, "../../x?y", "key-1")
    assert server.seen[0].path == "/registry/v1/staff/offline-queue/..%2F..%2Fx%3Fy/complete"
    assert server.seen[0].headers["Authorization"] == "Bearer staff-token-1"
    assert result.new_expiry == date(2029, 12, 20) and result.type is CertType.QUALIFIED


def test_photo_travels_as_base64_in_json(canned: Canned) -> None:
    server = canned(
        Reply(200, {"match_id": "M-1", "score": 0.91, "threshold": 0.8, "passed": True})
    )
    photo = b"\xff\xd8\xff\xe0fake-jpeg-bytes\xff\xd9"
    bureau = BureauClient(f"{server.url}/bureau/v1", requests.Session(), 5.0)
    match = bureau.match_face(HOLDER, "R-1", "consent-1", photo)
    sent = server.seen[0].json()
    assert base64.b64decode(sent["photo_jpeg_b64"]) == photo
    assert sent["renewal_id"] == "R-1" and sent["consent_token"] == "consent-1"
    assert match.passed and match.score == pytest.approx(0.91)


def test_codes_passwords_and_photos_never_reach_the_log(
    canned: Canned, caplog: pytest.LogCaptureFixture
) -> None:
    server = canned(
        Reply(
            422,
            envelope("AC-AB-0008", "validation", "srv-8", attempts_left=1),
            headers={"X-Request-ID": "srv-8"},
        ),
        Reply(202, JOB),
        Reply(200, {"match_id": "M-1", "score": 0.9, "threshold": 0.8, "passed": True}),
    )
    caplog.set_level(logging.DEBUG)
    client = registry(server.url, Slept())
    with pytest.raises(ValidationFailed):
        client.verify_email_code(HOLDER, "R-SECRET-1", "chan@abc.example", "730178")
    client.activate(HOLDER, "R-1", ["C-1"], "S3cretPass", "S3cretPass", "revokeMe2024", "k-1")
    BureauClient(f"{server.url}/bureau/v1", requests.Session(), 5.0).match_face(
        HOLDER, "R-1", "consent-1", b"PHOTO-BYTES-XYZ"
    )
    text = caplog.text
    for secret in ("730178", "S3cretPass", "revokeMe2024", "holder-token-1",
                   base64.b64encode(b"PHOTO-BYTES-XYZ").decode(), "chan@abc.example"):
        assert secret not in text
    # what is logged: method, path template, status, request id
    assert "POST /registry/v1/renewals/{rid}/emails/verify -> 422 request_id=srv-8" in text
    assert "/renewals/{rid}/activations -> 202" in text
    # the kiosk's own lines carry the template, not the filled-in IDs
    kiosk_lines = [r.getMessage() for r in caplog.records if r.name.startswith("kiosk")]
    assert kiosk_lines and all("R-SECRET-1" not in line for line in kiosk_lines)


def test_build_services_gives_each_backend_its_own_session(canned: Canned) -> None:
    server = canned(Reply(200, RENEWAL))
    sessions: list[requests.Session] = []

    def make_session() -> requests.Session:
        sessions.append(requests.Session())
        return sessions[-1]

    services = build_services(BackendConfig.for_sandbox(server.url), session_factory=make_session)
    assert len(sessions) == 4 and len({id(s) for s in sessions}) == 4
    assert services.registry.current_renewal(HOLDER).renewal_id == "R-1"
    assert server.seen[0].path == "/registry/v1/renewals/current"


def test_times_are_timezone_aware_utc(canned: Canned) -> None:
    server = canned(
        Reply(200, {"address": "chan@abc.example", "expires_at": "2026-11-26T08:05:00Z",
                    "expires_in": 300})
    )
    sent = registry(server.url, Slept()).request_email_code(HOLDER, "R-1", "chan@abc.example")
    assert sent.expires_at == datetime(2026, 11, 26, 8, 5, tzinfo=UTC)
    assert sent.expires_in == 300


def test_connection_lost_mid_answer_is_connection_failed_and_a_get_is_retried(
    canned: Canned,
) -> None:
    server = canned(Reply(200, RENEWAL, truncate=True), Reply(200, RENEWAL))
    slept = Slept()
    assert registry(server.url, slept).current_renewal(HOLDER).renewal_id == "R-1"
    assert len(server.seen) == 2 and slept == [0.2]

    cut = canned(Reply(200, {"address": "a@b.example"}, truncate=True))
    with pytest.raises(ConnectionFailed) as caught:
        registry(cut.url, slept).request_email_code(HOLDER, "R-1", "a@b.example")
    assert caught.value.help_code == "AC-KI-0001"
    assert len(cut.seen) == 1
