"""What a receipt says (R31): the one data object the flow hands to the receipt layer.

Pure data, no ReportLab, Qt or HTTP: the renewal flow builds a `ReceiptData` at the end of
every renewal and calls `kiosk.receipt.service.ReceiptService.issue(data)`. Only the masked
ID number ever gets in here (`mask_id_number`, which `ReceiptData.for_holder` applies),
never the full one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

REGISTRY_NAME = "eSignTrust"
ALWAYS_LANGS: tuple[str, ...] = ("zh-Hant", "pt")  # Macau's official languages


class Outcome(StrEnum):
    """How the renewal ended, as the receipt's heading says it."""

    ACTIVATED = "activated"  # every cloud-sign certificate activated (R26)
    PARTLY = "partly_activated"  # some activated, the rest to the counter (R17, R32)
    OFFLINE = "offline"  # only non-cloud certificates: AC-AB-0007 (R19)
    REFUSED = "refused"  # stopped with a help code (R10, R11, R15, R20, R21, …)
    STAFF = "staff"  # handed to counter staff


class CertOutcome(StrEnum):
    """What happened to one certificate."""

    ACTIVATED = "activated"  # new serial and expiry issued
    OFFLINE = "offline"  # submitted; issued at the counter (R32)
    NOT_RENEWED = "not_renewed"  # refused or stopped: see its help code
    STAFF = "staff"  # left with counter staff


@dataclass(frozen=True)
class CertificateRow:
    cert_type: str  # kiosk.services.api.CertType value: cloud | qualified | standard | …
    old_serial: str
    old_expiry: dt.date
    outcome: CertOutcome
    new_serial: str | None = None
    new_expiry: dt.date | None = None
    help_code: str | None = None


@dataclass(frozen=True)
class Contacts:
    """R27's contacts of the registry."""

    telephone: str = "28330338"
    fax: str = "82995511"
    email: str = "enquiry@esigntrust.com"


_MASKED = re.compile(r".*\*.*")


@dataclass(frozen=True)
class ReceiptData:
    outcome: Outcome
    kiosk_id: str
    site: str
    issued_at: dt.datetime  # the backend's clock, timezone-aware
    renewal_ref: str
    holder_name: str
    id_number_masked: str  # from mask_id_number: never the full number
    certificates: tuple[CertificateRow, ...]
    languages: tuple[str, ...] = ALWAYS_LANGS
    help_code: str | None = None  # the refusal's (or AC-AB-0007's) code
    # The refusal's own message per language (the BackendError's `messages`), printed as is.
    help_messages: dict[str, str] = field(default_factory=dict)
    registry_name: str = REGISTRY_NAME
    contacts: Contacts = field(default_factory=Contacts)

    def __post_init__(self) -> None:
        if self.issued_at.tzinfo is None:
            raise ValueError("issued_at must be timezone-aware (the backend's clock)")
        if not _MASKED.fullmatch(self.id_number_masked):
            raise ValueError("id_number_masked must be masked (mask_id_number)")
        if tuple(self.languages[:2]) != ALWAYS_LANGS or not set(self.languages) <= {
            "zh-Hant", "pt", "en"
        }:
            raise ValueError("languages: zh-Hant and pt always, then en when chosen")

    @classmethod
    def for_holder(
        cls,
        outcome: Outcome,
        *,
        kiosk_id: str,
        site: str,
        issued_at: dt.datetime,
        renewal_ref: str,
        holder_name: str,
        holder_id: str,
        certificates: tuple[CertificateRow, ...],
        lang: str,
        help_code: str | None = None,
        help_messages: Mapping[str, str] | None = None,
    ) -> ReceiptData:
        """The receipt of one holder's renewal end: the ID number masked here (the full one
        goes no further), the languages those always printed plus the holder's choice."""
        return cls(
            outcome=outcome, kiosk_id=kiosk_id, site=site, issued_at=issued_at,
            renewal_ref=renewal_ref, holder_name=holder_name, certificates=certificates,
            help_code=help_code, help_messages=dict(help_messages or {}),
            id_number_masked=mask_id_number(holder_id), languages=languages_for(lang),
        )


def languages_for(chosen: str) -> tuple[str, ...]:
    """zh-Hant and pt always; English too when the holder chose it."""
    return ALWAYS_LANGS + (("en",) if chosen == "en" else ())


def mask_id_number(id_number: str) -> str:
    """'1000001(1)' → '1*****1(1)': first and last character of the number part, the check
    digit in brackets kept, so staff can match it to a card without the receipt being one."""
    text = id_number.strip()
    head, bracket, tail = text.partition("(")
    core = head if bracket else text
    if len(core) <= 2:
        masked = "*" * max(len(core), 1)
    else:
        masked = core[0] + "*" * (len(core) - 2) + core[-1]
    return masked + (bracket + tail if bracket else "")


def mask_name(name: str) -> str:
    """For the QR seal: initials only ('CHAN TAI MAN 陳大文' → 'C. T. M. 陳**')."""
    parts = []
    for word in name.split():
        if word.isascii():
            parts.append(word[0] + ".")
        else:
            parts.append(word[0] + "*" * (len(word) - 1))
    return " ".join(parts)
