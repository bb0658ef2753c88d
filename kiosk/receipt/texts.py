"""The receipt layer's texts and help codes: ids `receipt.*` in the gettext catalog
(resources/locale), read through kiosk.i18n like every other text of the kiosk.

Certificate type names reuse the UI's ids (`type.*`). Callers pass ids in full
(`tr("receipt.title", lang)`) so `make catalog` sees every one the code names.
"""

from __future__ import annotations

from kiosk import i18n
from kiosk.receipt.model import Outcome
from kiosk.services import errors

# Help codes the receipt layer raises (the AC-KI-03xx range of kiosk/services/errors.py).
PRINTER_MISSING = errors.KIOSK_PRINTER_MISSING
PRINTER_OFFLINE = errors.KIOSK_PRINTER_OFFLINE
PRINTER_NO_PAPER = errors.KIOSK_PRINTER_NO_PAPER
PRINT_FAILED = errors.KIOSK_PRINT_FAILED
NOT_ENROLLED = errors.KIOSK_NOT_ENROLLED
KEYRING_UNAVAILABLE = errors.KIOSK_KEYRING_UNAVAILABLE
SLIP_NOT_PRINTED = errors.KIOSK_SLIP_NOT_PRINTED  # R2's queue slip

_NEXT_STEPS = {Outcome.ACTIVATED, Outcome.PARTLY, Outcome.STAFF, Outcome.REFUSED}


def tr(key: str, lang: str) -> str:
    return i18n.text(key, lang)


def next_step_key(outcome: Outcome) -> str | None:
    """OFFLINE's next step is AC-AB-0007's own message (SPEC R19), printed with its code."""
    return f"receipt.next.{outcome}" if outcome in _NEXT_STEPS else None


def cert_type(kind: str, lang: str) -> str:
    return i18n.text(f"type.{kind}", lang)


def help_message(code: str, lang: str) -> str:
    return errors.kiosk_texts(code)[lang]


def help_messages(code: str) -> dict[str, str]:
    """A receipt help code's message in every language (the holder's, on the end page)."""
    return errors.kiosk_texts(code)


def offline_notice(lang: str) -> str:
    """SPEC R19, verbatim, and its pt/en (the sandbox's AC-AB-0007 texts)."""
    return i18n.text("receipt.offline_notice", lang)
