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
KIOSK_TOKEN_ERROR = "AC-KI-0101"
KIOSK_TOKEN_ABSENT = "AC-KI-0102"
KIOSK_TOKEN_REMOVED = "AC-KI-0103"
KIOSK_TOKEN_PIN_INCORRECT = "AC-KI-0104"
KIOSK_TOKEN_PIN_LOCKED = "AC-KI-0105"
KIOSK_TOKEN_CERT_MISMATCH = "AC-KI-0106"

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
    # The holder's token at the counter desk (R32, kiosk/tokens): numbered from 0101 so the
    # desk's codes never collide with the other kiosk-side codes.
    KIOSK_TOKEN_ERROR: {
        "zh-Hant": "證書載體（USB Key）操作失敗，請重新插入載體後再試，或聯繫櫃檯職員協助。",
        "pt": "A operação no dispositivo (token USB) falhou. Volte a inseri-lo e tente de "
        "novo, ou peça ajuda ao balcão.",
        "en": "The token (USB key) operation failed. Plug it in again and retry, "
        "or ask counter staff.",
    },
    KIOSK_TOKEN_ABSENT: {
        "zh-Hant": "未偵測到證書載體（USB Key），請插入台端之載體。",
        "pt": "Não foi detectado o dispositivo (token USB). Insira o seu dispositivo.",
        "en": "No token (USB key) found. Please plug in your token.",
    },
    KIOSK_TOKEN_REMOVED: {
        "zh-Hant": "證書載體（USB Key）已被移除，操作未完成。請重新插入載體，系統將繼續辦理。",
        "pt": "O dispositivo (token USB) foi retirado e a operação não terminou. "
        "Volte a inseri-lo para continuar.",
        "en": "The token (USB key) was removed before the operation finished. "
        "Plug it in again to continue.",
    },
    KIOSK_TOKEN_PIN_INCORRECT: {
        "zh-Hant": "載體密碼（PIN）不正確，請重新輸入。多次錯誤將鎖定載體。",
        "pt": "PIN do dispositivo incorrecto. Introduza-o de novo; "
        "demasiados erros bloqueiam o dispositivo.",
        "en": "Wrong token PIN. Please type it again; too many wrong PINs lock the token.",
    },
    KIOSK_TOKEN_PIN_LOCKED: {
        "zh-Hant": "載體密碼（PIN）錯誤次數過多，載體已被鎖定，請聯繫eSignTrust解鎖。",
        "pt": "Demasiados PIN errados: o dispositivo está bloqueado. "
        "Contacte a eSignTrust para o desbloquear.",
        "en": "Too many wrong PINs: the token is locked. Please contact eSignTrust "
        "to unlock it.",
    },
    KIOSK_TOKEN_CERT_MISMATCH: {
        "zh-Hant": "簽發之證書與載體內之密鑰不符或未能驗證，證書未寫入。請聯繫eSignTrust協助。",
        "pt": "O certificado emitido não corresponde à chave do dispositivo ou não foi "
        "validado; não foi gravado. Contacte a eSignTrust.",
        "en": "The issued certificate does not match the token's key or could not be "
        "verified; it was not stored. Please contact eSignTrust.",
    },
}


#: Every kiosk-side help code (docs/help-codes.md lists them after the registry's).
KIOSK_CODES: tuple[str, ...] = tuple(_KIOSK_TEXTS)


def kiosk_texts(help_code: str) -> dict[str, str]:
    """The zh-Hant / pt / en texts of a kiosk-side help code (AC-KI-…)."""
    return dict(_KIOSK_TEXTS[help_code])


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
