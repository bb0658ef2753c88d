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
KIOSK_TLS = "AC-KI-0004"
KIOSK_TOKEN_ERROR = "AC-KI-0201"
KIOSK_TOKEN_ABSENT = "AC-KI-0202"
KIOSK_TOKEN_REMOVED = "AC-KI-0203"
KIOSK_TOKEN_PIN_INCORRECT = "AC-KI-0204"
KIOSK_TOKEN_PIN_LOCKED = "AC-KI-0205"
KIOSK_TOKEN_CERT_MISMATCH = "AC-KI-0206"
# The receipt's (kiosk/receipt/texts.py names them too): printer, then the kiosk's identity.
KIOSK_PRINTER_MISSING = "AC-KI-0301"
KIOSK_PRINTER_OFFLINE = "AC-KI-0302"
KIOSK_PRINTER_NO_PAPER = "AC-KI-0303"
KIOSK_PRINT_FAILED = "AC-KI-0304"
KIOSK_NOT_ENROLLED = "AC-KI-0305"
KIOSK_KEYRING_UNAVAILABLE = "AC-KI-0306"
# The counter desk's (R32): no token module or CA configured; nothing of that renewal waits.
KIOSK_DESK_NOT_SET_UP = "AC-KI-0500"
KIOSK_DESK_NOTHING_WAITING = "AC-KI-0501"
# The kiosk's own disk (issue 12, fault kind 8): the journal could not be written.
KIOSK_DISK_FULL = "AC-KI-0010"
# `kiosk run`'s start-up checks (kiosk.doctor.start_failures): staff see what failed.
KIOSK_START_CHECK_FAILED = "AC-KI-0600"
# R2: the queue slip for the counter did not print (the page still shows the reference).
KIOSK_SLIP_NOT_PRINTED = "AC-KI-0530"
KIOSK_PREFIX = "AC-KI-"

# The catalog's message for each of them (resources/locale, the flow shows the same ones).
_KIOSK_MESSAGE_IDS: dict[str, str] = {
    KIOSK_CONNECTION: "error.connection",
    KIOSK_TIMEOUT: "error.timeout",
    KIOSK_UNEXPECTED: "error.unexpected",
    KIOSK_TLS: "error.tls",
    KIOSK_TOKEN_ERROR: "token.error",
    KIOSK_TOKEN_ABSENT: "token.absent",
    KIOSK_TOKEN_REMOVED: "token.removed",
    KIOSK_TOKEN_PIN_INCORRECT: "token.pin_incorrect",
    KIOSK_TOKEN_PIN_LOCKED: "token.pin_locked",
    KIOSK_TOKEN_CERT_MISMATCH: "token.cert_mismatch",
    KIOSK_PRINTER_MISSING: "receipt.printer_missing",
    KIOSK_PRINTER_OFFLINE: "receipt.printer_offline",
    KIOSK_PRINTER_NO_PAPER: "receipt.printer_no_paper",
    KIOSK_PRINT_FAILED: "receipt.print_failed",
    KIOSK_NOT_ENROLLED: "receipt.not_enrolled",
    KIOSK_KEYRING_UNAVAILABLE: "receipt.keyring_unavailable",
    KIOSK_DESK_NOT_SET_UP: "desk.not_set_up",
    KIOSK_DESK_NOTHING_WAITING: "desk.nothing_waiting",
    KIOSK_DISK_FULL: "error.disk_full",
    KIOSK_START_CHECK_FAILED: "doctor.start_failed",
    KIOSK_SLIP_NOT_PRINTED: "receipt.slip_not_printed",
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


class JournalFull(BackendError):
    """The kiosk's journal could not be written (its disk is full): what the backend did
    stands (its idempotency keys make the holder's retry safe); the step is not done."""

    kind = "storage"


# --- the help codes the kiosk acts on (docs/api.md's table), one class each ---------------
# The flow catches these classes; the navmap's `on_error` tables name them. Nowhere else in
# the kiosk is a server help code written out.


class CodeError(BackendError):
    """A backend error the kiosk branches on, by its help code (`code`)."""

    code: ClassVar[str] = ""


def _code(help_code: str, name: str, doc: str) -> type[CodeError]:
    cls = type(name, (CodeError,), {"code": help_code, "__doc__": doc})
    CODE_TO_ERROR[help_code] = cls
    return cls


CODE_TO_ERROR: dict[str, type[BackendError]] = {}

NOTICE_OFFLINE = "AC-AB-0007"  # R19: a notice in submit's answer, never raised
ACTIVATION_FAILED = "AC-AB-0033"  # a job's error code when it names none

NothingPending = _code("AC-AB-0003", "NothingPending", "No renewal pending (or unknown).")
PhotoTooLarge = _code("AC-AB-0005", "PhotoTooLarge", "Request (photo) too large: retake.")
EmailCodeWrong = _code("AC-AB-0008", "EmailCodeWrong", "Wrong email code (attempts_left).")
EmailCodeExpired = _code("AC-AB-0009", "EmailCodeExpired", "Email code expired (R5).")
EmailCodeUsed = _code("AC-AB-0010", "EmailCodeUsed", "Email code used already.")
EmailCodeLocked = _code("AC-AB-0011", "EmailCodeLocked", "Too many wrong email codes.")
ReverifyIdentity = _code("AC-AB-0014", "ReverifyIdentity", "R21: verify identity again.")
RevokeFirst = _code("AC-AB-0015", "RevokeFirst", "R20: revoke the original first.")
ConsentStale = _code("AC-AB-0016", "ConsentStale", "R9: consent missing or invalid.")
IdUnsupported = _code("AC-AB-0017", "IdUnsupported", "R10: ID document type unsupported.")
IdInvalid = _code("AC-AB-0018", "IdInvalid", "R11: ID personal data invalid.")
PhotoBelowThreshold = _code("AC-AB-0019", "PhotoBelowThreshold", "R12: photo under threshold.")
PhotoNoFace = _code("AC-AB-0020", "PhotoNoFace", "No single face in the photo.")
EidUnavailable = _code("AC-AB-0021", "EidUnavailable", "R15: no very-high e-ID tool.")
SmsCodeWrong = _code("AC-AB-0022", "SmsCodeWrong", "Wrong SMS code.")
SmsCodeExpired = _code("AC-AB-0023", "SmsCodeExpired", "SMS code expired.")
EidFaceFailed = _code("AC-AB-0024", "EidFaceFailed", "e-ID face check failed.")
SignatureFailed = _code("AC-AB-0025", "SignatureFailed", "e-signature failed.")
AlreadySubmitted = _code("AC-AB-0026", "AlreadySubmitted", "Application submitted already.")
PasswordWrong = _code("AC-AB-0032", "PasswordWrong", "R25: wrong cloud-sign password.")
EidLocked = _code("AC-AB-0038", "EidLocked", "e-ID locked: too many failures.")
ActivationUnderway = _code(
    "AC-AB-0039", "ActivationUnderway", "Activated or being activated already (R26)."
)
SignedOut = _code("AC-AB-0004", "SignedOut", "Not signed in, or the session timed out.")
TooManyRequests = _code("AC-AB-0006", "TooManyRequests", "Rate limited: try again shortly.")
ServiceUnavailable = _code("AC-AB-0036", "ServiceUnavailable", "Service paused: try again.")
EmailCodeStillValid = _code(
    "AC-AB-0012", "EmailCodeStillValid", "R5: a code is out and still valid (no new one)."
)
EmailsStale = _code(
    "AC-AB-0060", "EmailsStale", "R7: an address verified over 30 days ago: verify it again."
)

# Retake the photo (R12): counted, at the cap a hand-off.
PHOTO_RETAKE: tuple[type[BackendError], ...] = (PhotoBelowThreshold, PhotoNoFace, PhotoTooLarge)


def assertion_invalid(err: BackendError) -> bool:
    """AC-AB-0025 for a used or expired assertion (identify again), not a failed signature."""
    return isinstance(err, SignatureFailed) and err.details.get("reason") == "assertion_invalid"


def error_for_code(help_code: str, messages: Mapping[str, str] | None = None) -> BackendError:
    """An error of the class its code names (a job's failure code, for the hand-off)."""
    cls = CODE_TO_ERROR.get(help_code, BackendError)
    return cls(messages or {}, help_code)


# -- a TLS failure is not "network down" (issue 12) -----------------------------------------


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


def _status_class(status: int) -> type[BackendError]:
    if status in STATUS_TO_ERROR:
        return STATUS_TO_ERROR[status]
    if status >= 500:
        return ServerError
    return UnexpectedResponse


def error_class_for(status: int, help_code: str | None = None) -> type[BackendError]:
    """The class for an answer: its HTTP category, refined by its help code (stripe-python's
    way), so the flow catches `EmailCodeLocked` and still sees a `RateLimited`."""
    base = _status_class(status)
    refined = CODE_TO_ERROR.get(help_code or "")
    if refined is None or issubclass(base, refined):
        return base
    key = (refined, base)
    if key not in _COMBINED:
        # Both: the code's meaning for the flow, the status's kind and retryability.
        _COMBINED[key] = type(refined.__name__, (refined, base), {"__doc__": refined.__doc__})
    return _COMBINED[key]


_COMBINED: dict[tuple[type[BackendError], type[BackendError]], type[BackendError]] = {}


def server_refused(err: BackendError) -> bool:
    """The server considered the request and said no: a 4xx carrying its own help code.

    Only then is an idempotency key spent. Anything else (no answer, a 5xx, a 2xx or an
    error page nobody can read) may mean the server did the work: the retry must reuse
    the key so that it happens exactly once (R26).
    """
    status = err.http_status
    return (
        status is not None
        and 400 <= status < 500
        and bool(err.help_code)
        and not err.help_code.startswith(KIOSK_PREFIX)
    )


def worth_retrying(err: BackendError) -> bool:
    """Whether the same call may simply be sent again: a 4xx is a decision, not a hiccup."""
    if err.http_status is not None and 400 <= err.http_status < 500:
        return False
    return err.retryable


def render_kiosk_codes_md() -> str:
    """docs/help-codes.md's kiosk section, generated from the table above (a test compares)."""
    out = [
        "# Kiosk-side help codes (AC-KI-…)",
        "",
        "Raised by the kiosk itself, never sent by a backend (`kiosk/services/errors.py`; a",
        "backend's help code must be of the form AC-AB-NNNN, or the kiosk shows AC-KI-0003):",
        "AC-KI-0001 to 0004 when a backend gave no usable answer (0004: its TLS certificate did",
        "not verify); AC-KI-02xx by the holder's token at the counter desk (R32,",
        "`kiosk/tokens`); AC-KI-03xx by the receipt and its printing (R31, `kiosk/receipt`).",
        "",
    ]
    for code in KIOSK_CODES:
        out += [f"## {code}", "", "| lang | message |", "|---|---|"]
        out += [f"| {lang} | {text} |" for lang, text in kiosk_texts(code).items()]
        out.append("")
    return "\n".join(out)
