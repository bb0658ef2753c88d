"""What can go wrong with a holder's token, as typed errors with the kiosk's help codes.

The codes are kiosk-side (AC-KI-…): the token is at the counter, no backend is involved.
Their texts live in `kiosk.services.errors` with the other AC-KI codes, so the error panel
shows them like any other failure (docs/help-codes.md lists them).
"""

from __future__ import annotations

from typing import ClassVar

from kiosk.services.errors import (
    KIOSK_TOKEN_ABSENT,
    KIOSK_TOKEN_CERT_MISMATCH,
    KIOSK_TOKEN_ERROR,
    KIOSK_TOKEN_PIN_INCORRECT,
    KIOSK_TOKEN_PIN_LOCKED,
    KIOSK_TOKEN_REMOVED,
    kiosk_texts,
)


class TokenError(Exception):
    """Base of every token failure. `retryable`: the same step may simply be tried again
    (the token is back, the PIN typed again); the issuance journal keeps what was done."""

    help_code: ClassVar[str] = KIOSK_TOKEN_ERROR
    retryable: ClassVar[bool] = False

    def __init__(self, detail: str = "") -> None:
        # `detail` names the PKCS#11 condition for the log; never a PIN or personal data.
        super().__init__(f"{self.help_code} {detail}".strip())
        self.detail = detail

    @property
    def messages(self) -> dict[str, str]:
        return kiosk_texts(self.help_code)

    def user_message(self, lang: str = "zh-Hant") -> str:
        return self.messages.get(lang) or self.messages["zh-Hant"]


class TokenAbsent(TokenError):
    """No token with that label in any slot (not plugged in, or another token)."""

    help_code = KIOSK_TOKEN_ABSENT
    retryable = True


class TokenRemoved(TokenError):
    """The token went away during an operation; plugging it back in lets it resume."""

    help_code = KIOSK_TOKEN_REMOVED
    retryable = True


class PinIncorrect(TokenError):
    """The token refused the PIN and counted it. `tries_left` when the token says so."""

    help_code = KIOSK_TOKEN_PIN_INCORRECT
    retryable = True

    def __init__(self, detail: str = "", tries_left: str | None = None) -> None:
        super().__init__(detail)
        # "final_try" when the token flags CKF_USER_PIN_FINAL_TRY, "low" for COUNT_LOW.
        self.tries_left = tries_left


class PinLocked(TokenError):
    """CKR_PIN_LOCKED: the token locked its user PIN; only its SO can unblock it."""

    help_code = KIOSK_TOKEN_PIN_LOCKED


class CertificateMismatch(TokenError):
    """The issued certificate is not for this token's key, or does not chain to the CA."""

    help_code = KIOSK_TOKEN_CERT_MISMATCH
