"""The one place where the kiosk speaks HTTP to a backend.

Every client in kiosk/services is a `JsonHttpClient`: it sends JSON, reads JSON, puts an
explicit (connect, read) timeout on every call, and turns every failure into one of the
errors of `kiosk.services.errors` (the status-to-class table is `error_class_for`).

Retries happen only where a second attempt cannot do anything twice: GETs, and POSTs that
carry an Idempotency-Key (the server answers a key it has seen with its first answer, so the
same key goes out on every attempt). A 4xx is the server's considered answer and is never
retried. Back-off is short because a person is standing at the counter, and no retry starts
once a call has used up its timeout (so a hung backend costs one timeout, not three).

Bodies are never logged: they hold email and SMS codes, passwords, ID numbers and photos.
A log line has the method, the path *template* (no IDs), the status and the request id.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import quote

import requests

from kiosk.services.errors import (
    KIOSK_CONNECTION,
    KIOSK_TIMEOUT,
    KIOSK_UNEXPECTED,
    LANGS,
    BackendError,
    ConnectionFailed,
    TimeoutFailed,
    UnexpectedResponse,
    error_class_for,
    worth_retrying,
)

log = logging.getLogger("kiosk.services.http")

T = TypeVar("T")

#: Pauses before the 2nd and 3rd attempt. Two retries at most: after ~0.7 s of waiting the
#: person at the counter is better served by an error with a help code than by a spinner.
DEFAULT_RETRY_DELAYS: tuple[float, ...] = (0.2, 0.5)

#: A backend that does not accept a TCP connection within this is down; waiting the full
#: read timeout for it only keeps the holder standing there.
MAX_CONNECT_TIMEOUT_S = 3.05

REQUEST_ID_HEADER = "X-Request-ID"
IDEMPOTENCY_HEADER = "Idempotency-Key"


class MalformedResponse(ValueError):
    """Raised by parsers when a 2xx body lacks a field or has the wrong type."""


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

    def close(self) -> None:
        self.session.close()

    # -- public helpers -------------------------------------------------------------------

    def get(
        self,
        path: str,
        *,
        parse: Callable[[Any], T],
        path_params: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        token: str | None = None,
    ) -> T:
        return self.request(
            "GET", path, parse=parse, path_params=path_params, params=params, token=token
        )

    def post(
        self,
        path: str,
        *,
        parse: Callable[[Any], T],
        json: Mapping[str, Any] | None = None,
        path_params: Mapping[str, str] | None = None,
        token: str | None = None,
        idempotency_key: str | None = None,
        expected: Collection[int] = (200, 201, 202),
    ) -> T:
        return self.request(
            "POST",
            path,
            parse=parse,
            json=json,
            path_params=path_params,
            token=token,
            idempotency_key=idempotency_key,
            expected=expected,
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        parse: Callable[[Any], T],
        json: Mapping[str, Any] | None = None,
        path_params: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        token: str | None = None,
        idempotency_key: str | None = None,
        expected: Collection[int] = (200, 201, 202),
    ) -> T:
        """One logical call: send, retry where safe, map failures, parse the JSON answer.

        `path` is a template such as ``/renewals/{rid}/emails``; only the template is logged,
        the filled-in values (which may be ID numbers) are not.
        """
        method = method.upper()
        url = self.base_url + self._fill(path, path_params or {})
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if idempotency_key is not None:
            headers[IDEMPOTENCY_HEADER] = idempotency_key
        # One id for the logical call, shared by its retries: the id a holder reads out from
        # the error panel finds every attempt in the backend's logs.
        headers[REQUEST_ID_HEADER] = str(uuid.uuid4())
        attempts = 1 + (len(self.retry_delays) if _retry_allowed(method, idempotency_key) else 0)

        started = time.monotonic()
        for attempt in range(1, attempts + 1):
            try:
                return self._attempt(
                    method, path, url, headers, json, params, parse, expected, attempt
                )
            except BackendError as err:
                if attempt >= attempts or not self._worth_retrying(err):
                    raise
                delay = self.retry_delays[attempt - 1]
                # Retry quick failures (refused connection, a 502 from a proxy) but never let
                # one call keep the person waiting past its timeout: a backend that just hung
                # for the whole read timeout will not be faster on the next try.
                if time.monotonic() - started + delay >= self.timeout_s:
                    raise
                self._sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    # -- internals ------------------------------------------------------------------------

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
    ) -> T:
        request_id = headers[REQUEST_ID_HEADER]
        started = time.monotonic()
        try:
            resp = self.session.request(
                method,
                url,
                json=body,
                params=params,
                headers=headers,
                timeout=(self.connect_timeout_s, self.timeout_s),
            )
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
        except requests.RequestException:
            self._log(method, template, None, request_id, attempt, started, "request-error")
            raise UnexpectedResponse.from_kiosk(KIOSK_UNEXPECTED, request_id=request_id) from None

        server_rid = resp.headers.get(REQUEST_ID_HEADER) or request_id
        self._log(method, template, resp.status_code, server_rid, attempt, started, None)

        if resp.status_code not in expected:
            raise self._error_from(resp, server_rid)
        try:
            data = resp.json()
        except ValueError:
            raise UnexpectedResponse.from_kiosk(
                KIOSK_UNEXPECTED, http_status=resp.status_code, request_id=server_rid
            ) from None
        try:
            return parse(data)
        except (MalformedResponse, KeyError, TypeError, ValueError, AttributeError):
            # The body does not say what docs/api.md promises: never guess a default.
            raise UnexpectedResponse.from_kiosk(
                KIOSK_UNEXPECTED, http_status=resp.status_code, request_id=server_rid
            ) from None

    @staticmethod
    def _error_from(resp: requests.Response, request_id: str) -> BackendError:
        envelope = _error_envelope(resp)
        cls = error_class_for(resp.status_code, str(envelope["code"]) if envelope else None)
        if envelope is None:
            # A proxy's HTML page or an empty body: the status says which kind, but there is
            # no server help code to show, so the kiosk's "unexpected answer" text is used.
            return cls.from_kiosk(
                KIOSK_UNEXPECTED, http_status=resp.status_code, request_id=request_id
            )
        messages = _messages(envelope.get("message")) or _messages(envelope.get("title"))
        details = envelope.get("details")
        return cls(
            messages or BackendError.from_kiosk(KIOSK_UNEXPECTED).messages,
            str(envelope["code"]),
            http_status=resp.status_code,
            request_id=str(envelope.get("request_id") or request_id),
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


def _error_envelope(resp: requests.Response) -> dict[str, Any] | None:
    try:
        data = resp.json()
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    err = data.get("error")
    if not isinstance(err, dict) or not isinstance(err.get("code"), str):
        return None
    return err


def _messages(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {lang: str(value[lang]) for lang in LANGS if isinstance(value.get(lang), str)}
