"""One error taxonomy for every backend call (after stripe-python's errors).

Every error carries what the UI needs to tell a person what happened: a user message in
zh-Hant / pt / en, the help code (求助碼), and the request id for the registry's staff.
The HTTP-status-to-class table lives here, in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

LANGS = ("zh-Hant", "pt", "en")

# Help codes the kiosk itself raises when the backend gave no answer it could use.
KIOSK_CONNECTION = "AC-KI-0001"
KIOSK_TIMEOUT = "AC-KI-0002"
KIOSK_UNEXPECTED = "AC-KI-0003"

_KIOSK_TEXTS: dict[str, dict[str, str]] = {
    KIOSK_CONNECTION: {
        "zh-Hant": "暫時未能連接 eSignTrust 系統，請稍後再試或聯繫櫃檯職員協助。",
        "pt": "Não foi possível ligar ao sistema eSignTrust. "
        "Tente mais tarde ou peça ajuda ao balcão.",
        "en": "The eSignTrust system cannot be reached. "
        "Please try again later or ask counter staff.",
    },
    KIOSK_TIMEOUT: {
        "zh-Hant": "eSignTrust 系統回應逾時，請稍後再試或聯繫櫃檯職員協助。",
        "pt": "O sistema eSignTrust não respondeu a tempo. "
        "Tente mais tarde ou peça ajuda ao balcão.",
        "en": "The eSignTrust system did not answer in time. "
        "Please try again or ask counter staff.",
    },
    KIOSK_UNEXPECTED: {
        "zh-Hant": "eSignTrust 系統回應異常，請聯繫櫃檯職員協助。",
        "pt": "Resposta inesperada do sistema eSignTrust. Peça ajuda ao balcão.",
        "en": "The eSignTrust system gave an unexpected answer. Please ask counter staff.",
    },
}


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
        return cls(_KIOSK_TEXTS[help_code], help_code, **kw)


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


# -- issue 12: a TLS failure is not "network down" ----------------------------------------
KIOSK_TLS = "AC-KI-0004"
_KIOSK_TEXTS[KIOSK_TLS] = {
    "zh-Hant": "未能與 eSignTrust 系統建立安全連線（證書無法核實），請聯繫櫃檯職員協助。",
    "pt": "Não foi possível estabelecer uma ligação segura ao sistema eSignTrust "
    "(certificado não verificado). Peça ajuda ao balcão.",
    "en": "A secure connection to the eSignTrust system could not be made "
    "(its certificate could not be verified). Please ask counter staff.",
}


class TlsFailed(BackendError):
    """The backend's certificate did not verify (self-signed, expired, wrong host, unknown
    CA) or the TLS handshake failed: not retried, it will not fix itself."""

    kind = "tls"


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
