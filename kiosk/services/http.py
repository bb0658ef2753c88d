"""The one place where the kiosk speaks HTTP to a backend.

Every client in kiosk/services is a `JsonHttpClient`: it sends JSON, reads JSON, and turns
every failure into one of the errors of `kiosk.services.errors` (the status-to-class table is
`error_class_for`). It trusts no backend (issue 12):
- one total deadline per logical call (connect, headers, the whole body, every retry and
  back-off): requests' own timeout bounds each socket read, so a server dripping a byte a
  second would otherwise keep a call alive for ever;
- the body is read as a stream and capped at `MAX_BODY_BYTES` *after* decompression (the
  kiosk does its own gzip/deflate with a bounded output, so a 0.5 MB bomb stays 2 MiB);
- redirects are never followed (a 3xx is an unexpected answer: nothing is re-sent);
- JSON is decoded by `decode_json`: nesting depth, number size, NaN/Infinity, encoding and
  content type are checked, so a hostile body ends in UnexpectedResponse, never a traceback;
- only help codes of the documented pattern (`HELP_CODE`) reach the screen.

Retries happen only where a second attempt cannot do anything twice: GETs, and POSTs that
carry an Idempotency-Key (the server answers a key it has seen with its first answer, so the
same key goes out on every attempt). A 4xx is the server's considered answer and is never
retried. Back-off is short because a person is standing at the counter, and no retry starts
once a call has used up its timeout (so a hung backend costs one timeout, not three).

Bodies are never logged: they hold email and SMS codes, passwords, ID numbers and photos.
A log line has the method, the path *template* (no IDs), the status and the request id.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import re
import time
import uuid
import zlib
from collections.abc import Callable, Collection, Mapping, Sequence
from http.client import HTTPException
from typing import Any, TypedDict, TypeVar, Unpack
from urllib.parse import quote

import requests
from urllib3.exceptions import HTTPError, ReadTimeoutError

from kiosk.services.errors import (
    KIOSK_CONNECTION,
    KIOSK_TIMEOUT,
    KIOSK_TLS,
    KIOSK_UNEXPECTED,
    LANGS,
    BackendError,
    ConnectionFailed,
    TimeoutFailed,
    TlsFailed,
    UnexpectedResponse,
    error_class_for,
    worth_retrying,
)

log = logging.getLogger("kiosk.services.http")
# urllib3 logs each request's full URL, query string included, at DEBUG (the counter's
# queue search carries the ID number there: `make faults`' sentinel run found it). This
# module logs the path template instead; urllib3 says only its warnings.
logging.getLogger("urllib3.connectionpool").setLevel(logging.WARNING)

T = TypeVar("T")

#: Pauses before the 2nd and 3rd attempt. Two retries at most: after ~0.7 s of waiting the
#: person at the counter is better served by an error with a help code than by a spinner.
DEFAULT_RETRY_DELAYS: tuple[float, ...] = (0.2, 0.5)

#: A backend that does not accept a TCP connection within this is down; waiting the full
#: read timeout for it only keeps the holder standing there.
MAX_CONNECT_TIMEOUT_S = 3.05

REQUEST_ID_HEADER = "X-Request-ID"
IDEMPOTENCY_HEADER = "Idempotency-Key"

#: docs/api.md: "Bodies are JSON, at most 2 MiB". Counted after decompression.
MAX_BODY_BYTES = 2 * 1024 * 1024
#: The deepest answer of docs/api.md nests 5 levels; 32 leaves room for details objects.
MAX_JSON_DEPTH = 32
#: No number of docs/api.md needs more digits; more is an attack on int()/float().
MAX_NUMBER_CHARS = 40
#: The backend's help codes (docs/api.md, docs/help-codes.md). Anything else is not shown.
HELP_CODE = re.compile(r"AC-AB-\d{4}")
#: Backend texts are shown as plain text, and never longer than this.
MAX_TEXT_CHARS = 1000
_READ_CHUNK = 64 * 1024
_ENCODINGS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": 0}


class _Addressed(TypedDict, total=False):
    path_params: Mapping[str, str] | None  # fills the path template (quoted, never logged)
    token: str | None  # sent as a Bearer token


class GetOptions(_Addressed, total=False):
    params: Mapping[str, str] | None  # the query string


class PostOptions(_Addressed, total=False):
    json: Mapping[str, Any] | None
    idempotency_key: str | None  # makes the POST safe to retry
    expected: Collection[int]  # the 2xx statuses that carry the answer; (200, 201, 202)


class CallOptions(GetOptions, PostOptions, total=False):
    """What `JsonHttpClient.request` takes besides the method, path and parser."""


class MalformedResponse(ValueError):
    """Raised by parsers when a 2xx body lacks a field or has the wrong type."""


#: What a parser of kiosk/services/parse.py may raise on a body that breaks the contract;
#: the client turns each into UnexpectedResponse (AC-KI-0003). Anything else is a bug.
PARSE_ERRORS: tuple[type[Exception], ...] = (
    MalformedResponse, KeyError, TypeError, ValueError, AttributeError, ArithmeticError,
    RecursionError, IndexError,
)


def is_help_code(value: object) -> bool:
    return isinstance(value, str) and HELP_CODE.fullmatch(value) is not None


def _depth_ok(text: str, limit: int) -> bool:
    # Strings may hold brackets; drop them, keep only the brackets, then peel off one
    # level of innermost pairs per pass (C-speed regex, at most `limit` passes).
    skeleton = re.sub(r'"(?:[^"\\]|\\.)*"', "", text)
    skeleton = re.sub(r"[^\[\]{}]+", "", skeleton)
    pair = re.compile(r"\[\]|\{\}")
    for _ in range(limit + 1):
        if not skeleton:
            return True
        skeleton, n = pair.subn("", skeleton)
        if n == 0:
            return True  # unbalanced: json.loads will refuse it
    return not skeleton


def _bad_constant(name: str) -> Any:
    raise MalformedResponse(f"{name} is not JSON")


def _int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise MalformedResponse("number too long")
    return int(text)


def _float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise MalformedResponse("number too long")
    value = float(text)
    if not math.isfinite(value):
        raise MalformedResponse("number out of range")
    return value


def decode_json(body: bytes) -> Any:
    """JSON of a backend answer, or MalformedResponse: UTF-8 only, at most MAX_JSON_DEPTH
    levels, no NaN/Infinity, numbers of at most MAX_NUMBER_CHARS characters."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedResponse("not UTF-8") from None
    if not _depth_ok(text, MAX_JSON_DEPTH):
        raise MalformedResponse("nested too deep")
    try:
        return json.loads(
            text, parse_constant=_bad_constant, parse_int=_int, parse_float=_float
        )
    except MalformedResponse:
        raise
    except (ValueError, RecursionError, OverflowError):
        raise MalformedResponse("not JSON") from None


def _is_json_type(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media == "application/json":
        return True
    return media.startswith("application/") and media.endswith("+json")


def backend_text(value: object) -> str | None:
    """A backend's text as the kiosk may show it: a string, no control characters, capped."""
    if not isinstance(value, str):
        return None
    clean = "".join(c for c in value if c.isprintable() or c == "\n")
    return clean[:MAX_TEXT_CHARS] if clean.strip() else None


def _retry_allowed(method: str, idempotency_key: str | None) -> bool:
    return method == "GET" or (method == "POST" and idempotency_key is not None)


class JsonHttpClient:
    """Base of the four backend clients and of the sandbox admin client.

    `base_url` is the service root (e.g. ``http://127.0.0.1:8000/registry/v1``); `session`
    is that backend's own `requests.Session` (one per backend, so connection pools and
    headers never mix). `retry_delays` and `sleep` are injectable so tests need not wait.
    """

    def __init__(
        self,
        base_url: str,
        session: requests.Session | None = None,
        timeout_s: float = 10.0,
        *,
        connect_timeout_s: float | None = None,
        retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
        sleep: Callable[[float], None] = time.sleep,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session if session is not None else requests.Session()
        self.timeout_s = timeout_s
        self.connect_timeout_s = (
            connect_timeout_s
            if connect_timeout_s is not None
            else min(timeout_s, MAX_CONNECT_TIMEOUT_S)
        )
        self.retry_delays = tuple(retry_delays)
        self._sleep = sleep
        self.max_body_bytes = max_body_bytes
        # The backend's clock: the Date header of its last answer, and when (monotonic) it
        # came; `backend_time()` reads it (R31: a receipt's time is the registry's).
        self.server_date: tuple[Any, float] | None = None

    def close(self) -> None:
        self.session.close()

    # -- public helpers -------------------------------------------------------------------

    def get(self, path: str, *, parse: Callable[[Any], T], **options: Unpack[GetOptions]) -> T:
        return self.request("GET", path, parse=parse, **options)

    def post(self, path: str, *, parse: Callable[[Any], T], **options: Unpack[PostOptions]) -> T:
        return self.request("POST", path, parse=parse, **options)

    def request(
        self, method: str, path: str, *, parse: Callable[[Any], T], **options: Unpack[CallOptions]
    ) -> T:
        """One logical call: send, retry where safe, map failures, parse the JSON answer.

        `path` is a template such as ``/renewals/{rid}/emails``; only the template is logged,
        the filled-in values (which may be ID numbers) are not.
        """
        method = method.upper()
        url = self.base_url + self._fill(path, options.get("path_params") or {})
        idempotency_key = options.get("idempotency_key")
        token = options.get("token")
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if idempotency_key is not None:
            headers[IDEMPOTENCY_HEADER] = idempotency_key
        # One id for the logical call, shared by its retries: the id a holder reads out from
        # the error panel finds every attempt in the backend's logs.
        headers[REQUEST_ID_HEADER] = str(uuid.uuid4())
        attempts = 1 + (len(self.retry_delays) if _retry_allowed(method, idempotency_key) else 0)
        json, params = options.get("json"), options.get("params")
        expected = options.get("expected", (200, 201, 202))

        # The deadline covers the whole logical call: connect, headers, body, retries, pauses.
        deadline = time.monotonic() + self.timeout_s
        for attempt in range(1, attempts + 1):
            try:
                return self._attempt(
                    method, path, url, headers, json, params, parse, expected, attempt, deadline
                )
            except BackendError as err:
                if attempt >= attempts or not self._worth_retrying(err):
                    raise
                delay = self.retry_delays[attempt - 1]
                # Retry quick failures (refused connection, a 502 from a proxy) but never let
                # one call keep the person waiting past its deadline.
                if time.monotonic() + delay >= deadline:
                    raise
                self._sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def backend_time(self) -> Any:
        """The backend's time now (timezone-aware), from its last Date header carried on by
        the monotonic clock, never this terminal's wall clock; None before any answer."""
        if self.server_date is None:
            return None
        import datetime as dt

        date, at = self.server_date
        return date + dt.timedelta(seconds=time.monotonic() - at)

    # -- internals ------------------------------------------------------------------------

    def _saw_date(self, value: str | None) -> None:
        if not value:
            return
        import email.utils

        try:
            date = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return  # a bad header: keep the last good one
        if date.tzinfo is not None:
            self.server_date = (date, time.monotonic())

    @staticmethod
    def _fill(path: str, path_params: Mapping[str, str]) -> str:
        # quote(safe="") so an ID containing "/" or "?" can never change which endpoint is hit
        return path.format(**{k: quote(str(v), safe="") for k, v in path_params.items()})

    @staticmethod
    def _worth_retrying(err: BackendError) -> bool:
        return worth_retrying(err)  # the rule lives with the errors (kiosk/services/errors.py)

    def _attempt(
        self,
        method: str,
        template: str,
        url: str,
        headers: Mapping[str, str],
        body: Mapping[str, Any] | None,
        params: Mapping[str, str] | None,
        parse: Callable[[Any], T],
        expected: Collection[int],
        attempt: int,
        deadline: float,
    ) -> T:
        request_id = headers[REQUEST_ID_HEADER]
        started = time.monotonic()
        remaining = deadline - started
        if remaining <= 0:
            raise TimeoutFailed.from_kiosk(KIOSK_TIMEOUT, request_id=request_id)
        try:
            resp = self._send(method, url, body, params, headers, remaining)
        except requests.exceptions.SSLError:
            # Checked before ConnectionError (its base): a certificate that does not verify is
            # not "network down", and trying again will not fix it.
            self._log(method, template, None, request_id, attempt, started, "tls-error")
            raise TlsFailed.from_kiosk(KIOSK_TLS, request_id=request_id) from None
        except requests.Timeout as exc:
            # ConnectTimeout is both a Timeout and a ConnectionError: it means "unreachable".
            connect = isinstance(exc, requests.ConnectTimeout)
            failure = "connect-timeout" if connect else "read-timeout"
            self._log(method, template, None, request_id, attempt, started, failure)
            if connect:
                raise ConnectionFailed.from_kiosk(KIOSK_CONNECTION, request_id=request_id) from None
            raise TimeoutFailed.from_kiosk(KIOSK_TIMEOUT, request_id=request_id) from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
            # ChunkedEncodingError: the connection broke while the answer was being read.
            self._log(method, template, None, request_id, attempt, started, "connection-error")
            raise ConnectionFailed.from_kiosk(KIOSK_CONNECTION, request_id=request_id) from None
        except (requests.RequestException, ValueError, OSError):
            # Invalid headers, an unparsable status line, a proxy URL requests refuses…
            self._log(method, template, None, request_id, attempt, started, "request-error")
            raise UnexpectedResponse.from_kiosk(KIOSK_UNEXPECTED, request_id=request_id) from None

        self._saw_date(resp.headers.get("Date"))
        try:
            server_rid = _safe_request_id(resp.headers.get(REQUEST_ID_HEADER)) or request_id
            status = resp.status_code
            try:
                raw = self._read_body(resp, deadline, server_rid)
            except BackendError:
                self._log(method, template, status, server_rid, attempt, started, None)
                raise
        finally:
            resp.close()
        self._log(method, template, status, server_rid, attempt, started, None)

        if 300 <= status < 400:
            # Never followed: a redirect would re-send the holder's data to wherever it points.
            raise UnexpectedResponse.from_kiosk(
                KIOSK_UNEXPECTED, http_status=status, request_id=server_rid
            )
        content_type = resp.headers.get("Content-Type")
        if status not in expected:
            raise self._error_from(status, raw, content_type, server_rid)
        unexpected = UnexpectedResponse.from_kiosk(
            KIOSK_UNEXPECTED, http_status=status, request_id=server_rid
        )
        if not _is_json_type(content_type):
            raise unexpected
        try:
            return parse(decode_json(raw))
        except PARSE_ERRORS:
            # The body does not say what docs/api.md promises: never guess a default.
            raise unexpected from None

    def _send(
        self,
        method: str,
        url: str,
        body: Mapping[str, Any] | None,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str],
        remaining: float,
    ) -> requests.Response:
        """Sends through the session's transport adapter, not `Session.send`: even with
        allow_redirects=False, Session.send reads (and inflates) a whole 3xx body to offer
        `Response.next`, uncapped. The session still gives headers, TLS and proxies."""
        prepared = self.session.prepare_request(
            requests.Request(
                method,
                url,
                json=body,
                params=params,
                headers={**headers, "Accept-Encoding": "gzip, deflate"},
            )
        )
        assert prepared.url is not None
        env = self.session.merge_environment_settings(prepared.url, {}, True, None, None)
        return self.session.get_adapter(prepared.url).send(
            prepared,
            stream=True,
            timeout=(min(self.connect_timeout_s, remaining), remaining),
            verify=True if env["verify"] is None else env["verify"],
            cert=env["cert"],
            proxies=env["proxies"],
        )

    def _read_body(self, resp: requests.Response, deadline: float, request_id: str) -> bytes:
        """The decompressed body, at most `max_body_bytes`, read before `deadline`."""
        cap = self.max_body_bytes

        def unexpected() -> BackendError:
            return UnexpectedResponse.from_kiosk(
                KIOSK_UNEXPECTED, http_status=resp.status_code, request_id=request_id
            )

        encoding = (resp.headers.get("Content-Encoding") or "identity").strip().lower()
        if encoding not in ("identity", "", *_ENCODINGS):
            raise unexpected()
        decomp = zlib.decompressobj(_ENCODINGS[encoding]) if encoding in _ENCODINGS else None
        declared = resp.headers.get("Content-Length")
        try:
            length = int(declared) if declared is not None else None
        except ValueError:
            raise unexpected() from None
        if length is not None and (length < 0 or (decomp is None and length > cap)):
            raise unexpected()

        out = bytearray()
        received = 0
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutFailed.from_kiosk(KIOSK_TIMEOUT, request_id=request_id)
            _set_read_timeout(resp, remaining)
            try:
                chunk = resp.raw.read1(_READ_CHUNK, decode_content=False)
            except (TimeoutError, ReadTimeoutError, requests.Timeout):
                raise TimeoutFailed.from_kiosk(KIOSK_TIMEOUT, request_id=request_id) from None
            except (HTTPError, HTTPException, OSError, ValueError):
                # A cut connection, a broken chunk, a TLS record cut short.
                raise ConnectionFailed.from_kiosk(KIOSK_CONNECTION, request_id=request_id) from None
            except RuntimeError:
                # urllib3 refuses raw reads once it decoded on its own (seen with generated
                # replies): an answer the kiosk cannot read as sent.
                raise unexpected() from None
            if not chunk:
                break
            received += len(chunk)
            if decomp is None:
                out += chunk
            else:
                try:
                    data = decomp.decompress(chunk, cap + 1 - len(out))
                    out += data
                    while decomp.unconsumed_tail and len(out) <= cap:
                        out += decomp.decompress(decomp.unconsumed_tail, cap + 1 - len(out))
                except zlib.error:
                    raise unexpected() from None
                if decomp.unconsumed_tail:
                    raise unexpected()  # more than the cap once inflated
            if len(out) > cap:
                raise unexpected()
        if length is not None and received < length:
            # The connection closed before the announced end: a cut, not the backend's answer.
            raise ConnectionFailed.from_kiosk(KIOSK_CONNECTION, request_id=request_id)
        if decomp is not None and received and not decomp.eof:
            raise unexpected()  # a truncated gzip stream
        return bytes(out)

    @staticmethod
    def _error_from(
        status: int, raw: bytes, content_type: str | None, request_id: str
    ) -> BackendError:
        envelope = _error_envelope(raw, content_type)
        cls = error_class_for(status, str(envelope["code"]) if envelope else None)
        if envelope is None:
            # A proxy's HTML page, an empty body or a help code of no documented form: the
            # status says which kind, but the kiosk's own "unexpected answer" text is shown.
            return cls.from_kiosk(KIOSK_UNEXPECTED, http_status=status, request_id=request_id)
        messages = _messages(envelope.get("message")) or _messages(envelope.get("title"))
        details = envelope.get("details")
        return cls(
            messages or BackendError.from_kiosk(KIOSK_UNEXPECTED).messages,
            str(envelope["code"]),
            http_status=status,
            request_id=_safe_request_id(envelope.get("request_id")) or request_id,
            details=details if isinstance(details, dict) else None,
        )

    def _log(
        self,
        method: str,
        template: str,
        status: int | None,
        request_id: str,
        attempt: int,
        started: float,
        failure: str | None,
    ) -> None:
        elapsed_ms = (time.monotonic() - started) * 1000
        # A 4xx is the backend refusing a person's input (a wrong code, a rule): expected, and
        # shown to them with its help code. Only a backend that failed is worth a warning.
        level = logging.INFO if status is not None and status < 500 else logging.WARNING
        log.log(
            level,
            "%s %s%s -> %s request_id=%s attempt=%d %.0fms",
            method,
            self._service_path(),
            template,
            status if status is not None else failure,
            request_id,
            attempt,
            elapsed_ms,
        )

    def _service_path(self) -> str:
        # Only the path part of the base URL: a host name in a log line says nothing useful.
        rest = self.base_url.split("://", 1)[-1]
        slash = rest.find("/")
        return rest[slash:] if slash >= 0 else ""


def _set_read_timeout(resp: requests.Response, seconds: float) -> None:
    """Each socket read may wait only until the call's deadline, not a fresh read timeout."""
    conn = getattr(resp.raw, "_connection", None)
    sock = getattr(conn, "sock", None)
    if sock is None:
        fp = getattr(getattr(resp.raw, "_fp", None), "fp", None)
        sock = getattr(getattr(fp, "raw", None), "_sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):  # already closed: the next read says so
            sock.settimeout(max(seconds, 0.001))


def _safe_request_id(value: object) -> str | None:
    # Echoed into logs and shown on the error panel: short and printable only.
    if isinstance(value, str) and 0 < len(value) <= 100 and value.isprintable():
        return value
    return None


def _error_envelope(raw: bytes, content_type: str | None) -> dict[str, Any] | None:
    if not _is_json_type(content_type):
        return None
    try:
        data = decode_json(raw)
    except MalformedResponse:
        return None
    if not isinstance(data, dict):
        return None
    err = data.get("error")
    if not isinstance(err, dict) or not is_help_code(err.get("code")):
        return None
    return err


def _messages(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    out: dict[str, str] = {}
    for lang in LANGS:
        text = backend_text(value.get(lang))
        if text is not None:
            out[lang] = text
    return out
