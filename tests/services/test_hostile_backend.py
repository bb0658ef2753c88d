"""The client against a hostile backend on 127.0.0.1 (issue 12, section 1 and 2).

Each case is something a broken or malicious backend (or a box in front of it) can send.
Each must end in a typed BackendError whose help code the holder can read out, within the
call's deadline (the test returning at all: pytest-timeout), in bounded memory (tracemalloc
peak of the call, against a bound far below what reading the body whole would take), and
without re-sending the holder's data anywhere.
"""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from hostile_http import (
    Answer,
    HostileServer,
    announced,
    as_json,
    drip,
    endless,
    free_port,
    gzip_bomb,
    raw,
    truncated,
)
from test_services_http import CERT, HOLDER, JOB, RENEWAL, envelope
from tls_certs import TestPki

from kiosk.config import BackendConfig
from kiosk.services import parse
from kiosk.services.errors import (
    BackendError,
    ConnectionFailed,
    ServerError,
    TimeoutFailed,
    TlsFailed,
    UnexpectedResponse,
    ValidationFailed,
)
from kiosk.services.factory import build_services
from kiosk.services.http import MAX_BODY_BYTES, JsonHttpClient

MiB = 1024 * 1024
#: Generous: the cap is 2 MiB; reading a 50 MB body or a 1.6 GB bomb whole is far above.
MEMORY_BOUND = 24 * MiB

Start = Callable[..., HostileServer]


@pytest.fixture
def hostile() -> Iterator[Start]:
    servers: list[HostileServer] = []

    def start(answer: Answer | Callable[[HostileServer], Answer], **kw: Any) -> HostileServer:
        server = HostileServer(lambda w: None, **kw)
        server.answer = answer
        servers.append(server)
        return server

    yield start
    for s in servers:
        s.close()


def client(url: str, timeout_s: float = 3.0) -> JsonHttpClient:
    session = requests.Session()
    session.trust_env = False
    return JsonHttpClient(url, session, timeout_s, retry_delays=(0.05, 0.05))


def call_measured(c: JsonHttpClient, parser: Callable[[Any], Any] = parse.renewal) -> tuple[
    BackendError, int
]:
    tracemalloc.start()
    try:
        with pytest.raises(BackendError) as info:
            c.get("/renewals/current", parse=parser, token="t")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return info.value, peak


def deep(n: int) -> bytes:
    return b"[" * n + b"]" * n


def with_field(**fields: Any) -> dict[str, Any]:
    return {**RENEWAL, **fields}


# (id, answer, expected class, expected help code)
HOSTILE: list[tuple[str, Answer, type[BackendError], str]] = [
    ("nested-200000", raw(deep(200_000)), UnexpectedResponse, "AC-KI-0003"),
    ("nested-unclosed", raw(b"[" * 500_000), UnexpectedResponse, "AC-KI-0003"),
    ("nested-in-object", raw(b'{"a":' * 50_000 + b"1" + b"}" * 50_000),
     UnexpectedResponse, "AC-KI-0003"),
    ("400-digit-int", raw(json.dumps(with_field(renewal_id=1)).replace(
        "1,", "1" * 400 + ",", 1).encode()), UnexpectedResponse, "AC-KI-0003"),
    ("huge-float-score", raw(b'{"match_id":"M","score":1e400,"threshold":0.4,"passed":true}'),
     UnexpectedResponse, "AC-KI-0003"),
    ("nan", raw(b'{"match_id":"M","score":NaN,"threshold":0.4,"passed":true}'),
     UnexpectedResponse, "AC-KI-0003"),
    ("infinity", raw(b'{"match_id":"M","score":-Infinity,"threshold":0.4,"passed":true}'),
     UnexpectedResponse, "AC-KI-0003"),
    ("wrong-types", as_json(with_field(identity_pending="C-ABC-1")),
     UnexpectedResponse, "AC-KI-0003"),
    ("wrong-type-in-cert", as_json(with_field(identity_pending=[{**CERT, "expiry": 20261220}])),
     UnexpectedResponse, "AC-KI-0003"),
    ("bad-date", as_json(with_field(identity_pending=[{**CERT, "expiry": "2026-13-45"}])),
     UnexpectedResponse, "AC-KI-0003"),
    ("unknown-enum", as_json(with_field(identity_pending=[{**CERT, "type": "gold"}])),
     UnexpectedResponse, "AC-KI-0003"),
    ("wrong-content-type", as_json(RENEWAL, content_type="text/html"),
     UnexpectedResponse, "AC-KI-0003"),
    ("no-content-type", raw(json.dumps(RENEWAL).encode(), content_type=None),
     UnexpectedResponse, "AC-KI-0003"),
    ("not-utf8", raw(b'{"renewal_id":"\xff\xfe"}'), UnexpectedResponse, "AC-KI-0003"),
    ("empty-200", raw(b""), UnexpectedResponse, "AC-KI-0003"),
    ("html-200", raw(b"<html><body>It works!</body></html>", content_type="text/html"),
     UnexpectedResponse, "AC-KI-0003"),
    ("html-502", raw(b"<html><h1>502 Bad Gateway</h1></html>", 502, "text/html"),
     ServerError, "AC-KI-0003"),
    ("html-422", raw(b"<html>no</html>", 422, "text/html"), ValidationFailed, "AC-KI-0003"),
    ("script-help-code", as_json(envelope("AC-ZZ-9999<script>", "validation", "r"), 422),
     ValidationFailed, "AC-KI-0003"),
    ("help-code-suffix", as_json(envelope("AC-AB-0008x", "validation", "r"), 422),
     ValidationFailed, "AC-KI-0003"),
    ("kiosk-help-code-from-backend", as_json(envelope("AC-KI-0001", "validation", "r"), 422),
     ValidationFailed, "AC-KI-0003"),
    ("truncated-body", truncated(json.dumps(RENEWAL).encode()), ConnectionFailed, "AC-KI-0001"),
    ("lying-content-length", raw(b"{}", headers={"Content-Length": "-5"}),
     UnexpectedResponse, "AC-KI-0003"),
    ("body-50MB-announced", announced(50 * MiB), UnexpectedResponse, "AC-KI-0003"),
    ("body-cap-plus-one", raw(b" " * (MAX_BODY_BYTES + 1)), UnexpectedResponse, "AC-KI-0003"),
    ("body-endless-unannounced", endless(), UnexpectedResponse, "AC-KI-0003"),
    ("gzip-bomb-512MB", gzip_bomb(512 * MiB), UnexpectedResponse, "AC-KI-0003"),
    ("gzip-garbage", raw(b"\x1f\x8b\x08\x00garbage", headers={"Content-Encoding": "gzip"}),
     UnexpectedResponse, "AC-KI-0003"),
    ("unknown-encoding", raw(b"{}", headers={"Content-Encoding": "br"}),
     UnexpectedResponse, "AC-KI-0003"),
    ("redirect-302-get", raw(b"", 302, None, {"Location": "http://127.0.0.1:9/"}),
     UnexpectedResponse, "AC-KI-0003"),
    ("job-error-code-script", as_json({**JOB, "error_code": "<b>AC-AB-0033</b>"}),
     UnexpectedResponse, "AC-KI-0003"),
]

PARSERS: dict[str, Callable[[Any], Any]] = {
    "huge-float-score": parse.face_match,
    "nan": parse.face_match,
    "infinity": parse.face_match,
    "job-error-code-script": parse.activation_job,
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("answer", "cls", "code"),
    [pytest.param(a, c, h, id=i) for i, a, c, h in HOSTILE],
)
def test_hostile_reply_ends_in_a_typed_error_with_a_help_code_in_bounded_memory(
    hostile: Start,
    request: pytest.FixtureRequest,
    answer: Answer,
    cls: type[BackendError],
    code: str,
) -> None:
    server = hostile(answer)
    case = request.node.callspec.id
    err, peak = call_measured(client(server.url), PARSERS.get(case, parse.renewal))
    assert type(err) is cls
    assert err.help_code == code
    assert err.user_message("zh-Hant") and err.user_message("pt") and err.user_message("en")
    assert "<" not in err.user_message("en")
    assert peak < MEMORY_BOUND, f"{case}: {peak / MiB:.1f} MiB"


def test_a_backend_help_code_of_the_documented_form_is_kept(hostile: Start) -> None:
    server = hostile(as_json(envelope("AC-AB-0008", "validation", "r-1", attempts_left=2), 422))
    err, _ = call_measured(client(server.url))
    assert isinstance(err, ValidationFailed)
    assert err.help_code == "AC-AB-0008"
    assert err.details == {"attempts_left": 2}
    assert err.user_message("pt") == "O código de verificação não está correcto."


@pytest.mark.timeout(60)
def test_a_drip_feeding_backend_cannot_outlive_the_calls_deadline(hostile: Start) -> None:
    """One byte every 1.5 s keeps every socket read short; the call still ends at its
    deadline (3 s here), retries included, with the timeout's help code."""
    server = hostile(None)
    server.answer = drip(1.5, server.stop)
    err, peak = call_measured(client(server.url, timeout_s=3.0))
    assert isinstance(err, TimeoutFailed)
    assert err.help_code == "AC-KI-0002"
    # The deadline bounds the retries too: no second attempt started after it ran out.
    assert len(server.seen) == 1
    assert peak < MEMORY_BOUND


@pytest.mark.timeout(60)
def test_a_307_is_never_followed_and_the_id_number_goes_nowhere_else(hostile: Start) -> None:
    elsewhere = hostile(as_json({"ok": True}))
    redirecting = hostile(raw(b"", 307, None, {"Location": f"{elsewhere.url}/steal"}))
    c = client(redirecting.url)
    with pytest.raises(UnexpectedResponse) as info:
        c.post("/staff/lookup", json={"id_number": "1000001(1)"}, parse=parse.holder_session)
    assert info.value.help_code == "AC-KI-0003"
    assert info.value.http_status == 307
    assert elsewhere.seen == []
    assert len(redirecting.seen) == 1  # sent once, not re-sent after the 307


# -- transport (section 2) ---------------------------------------------------------------


def tls_config(url: str, **kw: Any) -> BackendConfig:
    return BackendConfig(registry_url=url, bureau_url=url, eid_url=url, esign_url=url, **kw)


@pytest.fixture
def pki(tmp_path: Path) -> TestPki:
    return TestPki(tmp_path)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("bad", ["self_signed", "expired", "wrong_host", "unknown_ca"])
def test_tls_failure_has_its_own_help_code_not_network_down(
    hostile: Start, pki: TestPki, bad: str
) -> None:
    leaf = pki.leaf(
        bad,
        self_signed=bad == "self_signed",
        expired=bad == "expired",
        host="other.example" if bad == "wrong_host" else "127.0.0.1",
    )
    server = hostile(as_json(RENEWAL), tls=leaf.server_context())
    # unknown_ca: the kiosk trusts only the system's CAs; the others: our CA is trusted.
    ca = None if bad == "unknown_ca" else str(pki.ca.cert)
    registry = build_services(tls_config(server.url, ca_bundle=ca)).registry
    with pytest.raises(TlsFailed) as info:
        registry.current_renewal(HOLDER)
    assert info.value.help_code == "AC-KI-0004"
    assert not isinstance(info.value, ConnectionFailed)
    assert "安全連線" in info.value.user_message("zh-Hant")
    assert server.seen == []  # nothing of the holder's crossed an unverified connection


@pytest.mark.timeout(60)
def test_ca_bundle_verifies_the_backend_and_a_client_certificate_gives_mutual_tls(
    hostile: Start, pki: TestPki
) -> None:
    leaf = pki.leaf("server")
    kiosk = pki.leaf("kiosk", host="kiosk-1", client=True)
    server = hostile(as_json(RENEWAL), tls=leaf.server_context(client_ca=pki.ca.cert))
    without = build_services(tls_config(server.url, ca_bundle=str(pki.ca.cert))).registry
    with pytest.raises(TlsFailed):
        without.current_renewal(HOLDER)  # the server wants the kiosk's certificate
    with_cert = build_services(
        tls_config(
            server.url,
            ca_bundle=str(pki.ca.cert),
            client_cert=str(kiosk.cert),
            client_key=str(kiosk.key),
        )
    ).registry
    assert with_cert.current_renewal(HOLDER).renewal_id == "R-1"
    assert len(server.seen) == 1


@pytest.mark.timeout(60)
def test_environment_proxies_are_ignored_and_a_configured_proxy_is_used(
    hostile: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = hostile(as_json(RENEWAL))
    env_proxy = hostile(as_json(RENEWAL))
    for var in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
        monkeypatch.setenv(var, env_proxy.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    direct = build_services(tls_config(backend.url)).registry
    assert direct.current_renewal(HOLDER).renewal_id == "R-1"
    assert env_proxy.seen == [] and len(backend.seen) == 1

    configured = hostile(as_json(RENEWAL))
    proxied = build_services(tls_config(backend.url, proxy_url=configured.url)).registry
    proxied.current_renewal(HOLDER)
    assert len(configured.seen) == 1
    assert configured.seen[0].path.startswith(backend.url)  # asked as a proxy is
    assert len(backend.seen) == 1 and env_proxy.seen == []


def test_nothing_listens_is_still_connection_failed(hostile: Start) -> None:
    c = client(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(ConnectionFailed) as info:
        c.get("/x", parse=parse.ignore)
    assert info.value.help_code == "AC-KI-0001"


@pytest.mark.timeout(60)
def test_a_redirect_carrying_a_gzip_bomb_is_not_inflated(hostile: Start) -> None:
    """requests' Session.send reads a whole 3xx body even when redirects are off."""
    bomb = gzip_bomb(512 * MiB)

    def answer(w: Any) -> None:
        bomb_bytes = b""
        captured: list[bytes] = []
        bomb(type("W", (), {"write": lambda self, b: captured.append(b)})())
        bomb_bytes = b"".join(captured)
        body = bomb_bytes.split(b"\r\n\r\n", 1)[1]
        w.write(
            f"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/\r\nContent-Type: "
            f"application/json\r\nContent-Encoding: gzip\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n".encode() + body
        )

    server = hostile(answer)
    err, peak = call_measured(client(server.url))
    assert isinstance(err, UnexpectedResponse) and err.http_status == 302
    assert err.help_code == "AC-KI-0003"
    assert peak < MEMORY_BOUND
