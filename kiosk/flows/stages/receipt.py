"""R31: the receipt at every end of a renewal, through an injected `ReceiptIssuer`.

The end pages carry the receipt (no step of its own): when the flow enters a terminal step
(OUTCOMES) it builds a `ReceiptData` from what it knows and hands it to the issuer once per
renewal end, so a Back/forward or a repeated view never prints again. The holder may ask
for one reprint (`RenewalFlow.reprint_receipt`); after it the end page says the counter
gives further copies. The issuer (kiosk/receipt/service.py's ReceiptService) prints and
lodges; this module imports no Qt, requests or ReportLab.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from kiosk.receipt.model import CertificateRow, CertOutcome, Outcome, ReceiptData
from kiosk.services.api import CertType
from kiosk.services.errors import NOTICE_OFFLINE

# The flow's outcome (renewal.OUTCOMES) -> the receipt's.
RECEIPT_OUTCOMES: Mapping[str, Outcome] = {
    "activated": Outcome.ACTIVATED,
    "offline": Outcome.OFFLINE,
    "refused": Outcome.REFUSED,
    "staff": Outcome.STAFF,
}
OFFLINE_CODE = NOTICE_OFFLINE  # R19


class ReceiptIssuer(Protocol):
    """What the flow needs of the receipt layer (ReceiptService satisfies it)."""

    def issue(self, data: ReceiptData, token: str) -> Any: ...

    def print_slip(self, data: ReceiptData) -> Any: ...


# R2: the end steps that print the queue slip for the counter instead of a receipt.
SLIP_STEPS = ("offline_queue",)


@dataclass
class ReceiptState:
    """What the end page shows about the receipt (JSON-able through `view`)."""

    renewal_ref: str
    step: str
    printed: bool = False
    lodged: bool = False
    help_code: str | None = None
    messages: dict[str, str] = field(default_factory=dict)
    seal: str | None = None
    reprints_left: int = 1
    result: Any = None  # the issuer's answer (holds the PDF in memory: never in `view`)

    def view(self) -> dict[str, object]:
        return {
            "printed": self.printed,
            "lodged": self.lodged,
            "help_code": self.help_code,
            "messages": dict(self.messages),
            "reprints_left": self.reprints_left,
            "available": self.seal is not None,
            # R2's queue slip, not a receipt (only then: a receipt's view stays as it was)
            **({"slip": True} if self.step in SLIP_STEPS else {}),
        }


def _rows(certificates: tuple[Any, ...], outcome: Outcome, help_code: str | None,
          renewed: tuple[Any, ...] = ()) -> tuple[CertificateRow, ...]:
    """One row per certificate; an activated one with its new serial and expiry (the
    activation job's results)."""
    new = {r.old_serial: r for r in renewed}
    rows = []
    for cert in certificates:
        done = new.get(cert.serial)
        if done is not None:
            rows.append(CertificateRow(
                cert_type=str(cert.type), old_serial=cert.serial, old_expiry=cert.expiry,
                outcome=CertOutcome.ACTIVATED, new_serial=done.new_serial,
                new_expiry=done.new_expiry))
            continue
        if outcome in (Outcome.ACTIVATED, Outcome.PARTLY):
            row_outcome = (CertOutcome.ACTIVATED if cert.type == CertType.CLOUD
                           else CertOutcome.OFFLINE)
        elif outcome is Outcome.OFFLINE:
            row_outcome = CertOutcome.OFFLINE
        elif outcome is Outcome.STAFF:
            row_outcome = CertOutcome.STAFF
        else:
            row_outcome = CertOutcome.NOT_RENEWED
        rows.append(CertificateRow(
            cert_type=str(cert.type), old_serial=cert.serial, old_expiry=cert.expiry,
            outcome=row_outcome,
            help_code=help_code if row_outcome is CertOutcome.NOT_RENEWED else None))
    return tuple(rows)


def build_data(
    *,
    flow_outcome: str,
    renewal_ref: str,
    holder_name: str,
    holder_id: str,
    certificates: tuple[Any, ...],
    help_code: str | None,
    help_messages: Mapping[str, str],
    lang: str,
    kiosk_id: str,
    site: str,
    now: Callable[[], dt.datetime],
    renewed: tuple[Any, ...] = (),
) -> ReceiptData:
    """The receipt of one renewal end, from what the flow knows (the ID number masked)."""
    outcome = RECEIPT_OUTCOMES[flow_outcome]
    if outcome is Outcome.ACTIVATED and any(c.type != CertType.CLOUD for c in certificates):
        outcome = Outcome.PARTLY
    if outcome is Outcome.OFFLINE:
        help_code = help_code or OFFLINE_CODE
    return ReceiptData.for_holder(
        outcome,
        kiosk_id=kiosk_id,
        site=site,
        issued_at=now(),
        renewal_ref=renewal_ref,
        holder_name=holder_name,
        holder_id=holder_id,
        certificates=_rows(certificates, outcome, help_code, renewed),
        lang=lang,
        help_code=help_code,
        help_messages=help_messages,
    )


def state_from_result(ref: str, step: str, result: Any) -> ReceiptState:
    made = getattr(result, "receipt", None)
    return ReceiptState(
        renewal_ref=ref,
        step=step,
        printed=bool(getattr(result, "printed", False)),
        lodged=getattr(result, "lodged", None) is not None,
        help_code=getattr(result, "help_code", None),
        messages=dict(getattr(result, "holder_messages", {}) or {}),
        seal=getattr(made, "seal", None),
        result=result,
    )


def backend_now(services: Any) -> Callable[[], dt.datetime]:
    """The registry's clock when its client offers one (`server_time`), else the kiosk's
    own in UTC: the receipt's time must be timezone-aware either way."""
    fn = getattr(getattr(services, "registry", None), "server_time", None)
    if callable(fn):
        return lambda: fn()
    return lambda: dt.datetime.now(dt.UTC)
