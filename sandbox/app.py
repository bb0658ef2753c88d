"""The sandbox backend: four services as four routers, plus the sandbox's own controls.

`create_app(SandboxSettings(...))` builds the FastAPI app; `sandbox.server.SandboxServer`
runs it in-process (tests, demo) and `kiosk-sandbox` runs it from the command line.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import select
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox import bureau, control, desk, eid, esign, registry
from sandbox import kiosks as kiosk_receipts  # R31: enrolment, trust list, receipts
from sandbox import models as m
from sandbox.core import State
from sandbox.errors import ApiError

log = logging.getLogger("sandbox")

MiB = 1024 * 1024


@dataclass
class SandboxSettings:
    db_url: str
    smtp_host: str | None = None
    smtp_port: int | None = None
    activation_seconds: float = 3.0  # R26: activation runs in the background this long
    start_time: datetime | None = None  # the sandbox clock's reading at reset
    max_body_bytes: int = 2 * MiB
    # Bench mode (bench/site.py): this many extra H-BENCH-nnn holders, copies of H-ABC with
    # their own ID number, mobile and addresses, so each of many kiosks renews its own.
    bench_holders: int = 0
    # "global": every request under one lock; "holder": requests of different holders run
    # concurrently (one lock per holder), the rest alone (sandbox/core.py, RequestLocks).
    locking: str = "global"


def _request_id(scope: Scope) -> str:
    state = scope.setdefault("state", {})
    rid = state.get("request_id")
    if rid is None:
        rid = secrets.token_hex(8)
        for name, value in scope.get("headers", []):
            if name == b"x-request-id":
                text = value.decode("latin-1").strip()
                # Echo a caller's id only when it is safe to put in logs and headers.
                if 0 < len(text) <= 100 and text.isprintable():
                    rid = text
                break
        state["request_id"] = rid
    return str(rid)


def error_response(exc: ApiError, request_id: str) -> JSONResponse:
    return JSONResponse(
        exc.body(request_id), status_code=exc.http_status, headers={"X-Request-ID": request_id}
    )


class EdgeMiddleware:
    """Request ids on every answer, and the body-size limit on declared AND actual size."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _request_id(scope)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"
                ]
                headers.append((b"x-request-id", rid.encode("latin-1")))
                message["headers"] = headers
            await send(message)

        too_large = ApiError("AC-AB-0005", {"max_bytes": self.max})
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = self.max + 1
                if declared > self.max:
                    await error_response(too_large, rid)(scope, receive, send_with_id)
                    return

        if scope.get("method") in ("POST", "PUT", "PATCH"):
            # Read the whole body first: a chunked upload may lie about (or omit) its size.
            chunks: list[bytes] = []
            size = 0
            more = True
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > self.max:
                    await error_response(too_large, rid)(scope, receive, send_with_id)
                    return
                chunks.append(chunk)
                more = message.get("more_body", False)
            body = b"".join(chunks)
            delivered = False

            async def replay() -> Message:
                nonlocal delivered
                if not delivered:
                    delivered = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

            await self.app(scope, replay, send_with_id)
            return
        await self.app(scope, receive, send_with_id)


def _rid(request: Request) -> str:
    return _request_id(request.scope)


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc, _rid(request))


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = []
    malformed = False
    for e in exc.errors():
        malformed = malformed or e.get("type") == "json_invalid"
        # No "input" echo: it may be a password or a code.
        errors.append({"loc": [str(x) for x in e.get("loc", ())], "type": e.get("type"),
                       "msg": e.get("msg")})
    status = 400 if malformed else 422
    return error_response(ApiError("AC-AB-0001", {"errors": errors}, status=status), _rid(request))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code in (404, 405):
        err = ApiError("AC-AB-0041", {"path": request.url.path}, status=exc.status_code)
    elif exc.status_code == 413:
        err = ApiError("AC-AB-0005")
    else:
        err = ApiError("AC-AB-0001", status=exc.status_code)
    response = error_response(err, _rid(request))
    if exc.status_code == 405:
        # RFC 9110: a 405 lists every method of the path; Starlette names only those of the
        # first route that matched it (GET and POST are often two routes).
        methods = _methods_of(request.app, request.url.path)
        allow = ", ".join(sorted(methods)) or (exc.headers or {}).get("Allow", "")
        if allow:
            response.headers["Allow"] = allow
    return response


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Type only: a message could carry personal data from the request.
    log.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path)
    return error_response(ApiError("AC-AB-0040"), _rid(request))


def create_app(settings: SandboxSettings) -> FastAPI:
    state = State(settings)
    state.ca()  # before any request: creating it writes to the database
    with state.sessions() as s:
        seeded = s.scalars(select(m.Holder).limit(1)).first() is not None
    if not seeded:
        state.reset()

    app = FastAPI(
        title="eSignTrust renewal sandbox",
        version="1",
        description="Registry, identification bureau, strong e-ID and e-signature, as the "
        "registry's user guide describes them. See docs/api.md.",
    )
    app.state.sandbox = state
    for module in (registry, bureau, eid, esign, control):
        app.include_router(module.router)
    app.include_router(control.pages)
    app.include_router(desk.router)  # R32: the counter desk's calls
    app.include_router(kiosk_receipts.router)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
    app.add_middleware(EdgeMiddleware, max_body_bytes=settings.max_body_bytes)
    declare_error_responses(app)
    return app


# -- OpenAPI: every operation declares the error envelope (issue 12) ------------------------

#: Statuses any call may answer with the envelope of docs/api.md (auth, validation, size,
#: rate limits and server faults can hit every route; the sandbox fault switch makes 503).
ERROR_STATUSES = {
    "400": "Malformed request (AC-AB-0001)",
    "401": "Not signed in (AC-AB-0004, AC-AB-0035)",
    "403": "Refused (AC-AB-0016, AC-AB-0021)",
    "404": "Not found (AC-AB-0002, AC-AB-0003, AC-AB-0041)",
    "405": "Method not allowed (AC-AB-0041), with Allow",
    "409": "Conflict (see docs/help-codes.md)",
    "413": "Request too large (AC-AB-0005)",
    "422": "Validation failed (see docs/help-codes.md)",
    "423": "Locked (AC-AB-0011, AC-AB-0038)",
    "429": "Too many requests (AC-AB-0006)",
    "500": "Server error (AC-AB-0033, AC-AB-0040)",
    "503": "Service unavailable (AC-AB-0036)",
}
#: Answers that are not JSON (the routes return a bare Response, which FastAPI cannot see).
NON_JSON_ANSWERS = {
    "/registry/v1/ca.pem": "application/x-pem-file",
    "/registry/v1/renewals/{rid}/application.pdf": "application/pdf",
    "/esign/v1/signatures/{signature_id}/document": "application/pdf",
}
_TEXTS = {"type": "object", "additionalProperties": {"type": "string"}}
ERROR_ENVELOPE_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "kind", "title", "message", "details", "request_id"],
            "properties": {
                "code": {"type": "string", "pattern": "^AC-AB-[0-9]{4}$"},
                "kind": {"type": "string"},
                "title": _TEXTS,
                "message": _TEXTS,
                "details": {"type": ["object", "null"]},
                "request_id": {"type": "string"},
            },
        }
    },
}


def _methods_of(app: FastAPI, path: str) -> set[str]:
    """The methods the OpenAPI lists for `path` (routers nest, so ask the schema)."""
    methods: set[str] = set()
    for template, item in app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path):
            methods.update(m.upper() for m in item if m in _HTTP_METHODS)
    return methods


_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def declare_error_responses(app: FastAPI) -> None:
    """Adds the error envelope to every operation of the generated OpenAPI, whatever router
    it comes from (routers added later included: this runs when the schema is built)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["ErrorEnvelope"] = ERROR_ENVELOPE_SCHEMA
        ref = {"$ref": "#/components/schemas/ErrorEnvelope"}
        for path, item in schema.get("paths", {}).items():
            for operation in item.values():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                responses = operation["responses"]
                media = NON_JSON_ANSWERS.get(path)
                if media is not None and "200" in responses:
                    responses["200"]["content"] = {
                        media: {"schema": {"type": "string", "format": "binary"}}
                    }
                for status, text in ERROR_STATUSES.items():
                    # FastAPI's own 422 (HTTPValidationError) is not what the sandbox sends.
                    responses[status] = {
                        "description": text,
                        "content": {"application/json": {"schema": ref}},
                    }
                    if status == "405":
                        responses[status]["headers"] = {
                            "Allow": {"schema": {"type": "string"}, "required": True}
                        }
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]

