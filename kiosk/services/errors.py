"""One error taxonomy for every backend call (after stripe-python's errors).

Every error carries what the UI needs to tell a person what happened: a user message in
zh-Hant / pt / en (the server's, or the gettext catalog's for the kiosk's own codes), the help
code (求助碼), and the request id for the registry's staff.
The HTTP-status-to-class table lives here, in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from kiosk import i18n

LANGS = i18n.LANGS

# Help codes the kiosk itself raises when the backend gave no answer it could use.
KIOSK_CONNECTION = "AC-KI-0001"
KIOSK_TIMEOUT = "AC-KI-0002"
KIOSK_UNEXPECTED = "AC-KI-0003"
KIOSK_TOKEN_ERROR = "AC-KI-0201"
KIOSK_TOKEN_ABSENT = "AC-KI-0202"
KIOSK_TOKEN_REMOVED = "AC-KI-0203"
KIOSK_TOKEN_PIN_INCORRECT = "AC-KI-0204"
KIOSK_TOKEN_PIN_LOCKED = "AC-KI-0205"
KIOSK_TOKEN_CERT_MISMATCH = "AC-KI-0206"

# The catalog's message for each of them (resources/locale, the flow shows the same ones).
_KIOSK_MESSAGE_IDS: dict[str, str] = {
    KIOSK_CONNECTION: "error.connection",
    KIOSK_TIMEOUT: "error.timeout",
    KIOSK_UNEXPECTED: "error.unexpected",
    KIOSK_TOKEN_ERROR: "token.error",
    KIOSK_TOKEN_ABSENT: "token.absent",
    KIOSK_TOKEN_REMOVED: "token.removed",
    KIOSK_TOKEN_PIN_INCORRECT: "token.pin_incorrect",
    KIOSK_TOKEN_PIN_LOCKED: "token.pin_locked",
    KIOSK_TOKEN_CERT_MISMATCH: "token.cert_mismatch",
}


#: Every kiosk-side help code (docs/help-codes.md lists them after the registry's).
KIOSK_CODES: tuple[str, ...] = tuple(_KIOSK_MESSAGE_IDS)


def kiosk_texts(help_code: str) -> dict[str, str]:
    """The zh-Hant / pt / en texts of a kiosk-side help code (AC-KI-…)."""
    return {lang: i18n.text(_KIOSK_MESSAGE_IDS[help_code], lang) for lang in LANGS}


class BackendError(Exception):
    """Base of every backend failure. `kind` names the category for logs and tests."""

    kind: ClassVar[str] = "backend"
    default_retryable: ClassVar[bool] = False

    def __init__(
        self,
        messages: Mapping[str, str],
        help_code: str,
        *,
        http_status: int | None = None,
        request_id: str | None = None,
        retryable: bool | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        self.messages = dict(messages)
        self.help_code = help_code
        self.http_status = http_status
        self.request_id = request_id
        self.retryable = self.default_retryable if retryable is None else retryable
        self.details: dict[str, Any] = dict(details or {})
        super().__init__(f"{self.kind} {help_code} (HTTP {http_status}, request {request_id})")

    def user_message(self, lang: str = "zh-Hant") -> str:
        return self.messages.get(lang) or self.messages.get("zh-Hant") or self.help_code

    @classmethod
    def from_kiosk(cls, help_code: str, **kw: Any) -> BackendError:
        msg_id = _KIOSK_MESSAGE_IDS[help_code]
        return cls({lang: i18n.text(msg_id, lang) for lang in LANGS}, help_code, **kw)


class ConnectionFailed(BackendError):
    kind = "connection"
    default_retryable = True


class TimeoutFailed(BackendError):
    kind = "timeout"
    default_retryable = True


class AuthError(BackendError):
    kind = "auth"


class ValidationFailed(BackendError):
    kind = "validation"


class NotFound(BackendError):
    kind = "not_found"


class Conflict(BackendError):
    kind = "conflict"


class RateLimited(BackendError):
    kind = "rate_limit"
    default_retryable = True


class ServerError(BackendError):
    kind = "server"
    default_retryable = True


class UnexpectedResponse(BackendError):
    kind = "unexpected"


STATUS_TO_ERROR: dict[int, type[BackendError]] = {
    400: ValidationFailed,
    401: AuthError,
    403: AuthError,
    404: NotFound,
    409: Conflict,
    413: ValidationFailed,
    422: ValidationFailed,
    423: RateLimited,
    429: RateLimited,
}


def error_class_for(status: int) -> type[BackendError]:
    if status in STATUS_TO_ERROR:
        return STATUS_TO_ERROR[status]
    if status >= 500:
        return ServerError
    return UnexpectedResponse
