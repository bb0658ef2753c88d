"""The registry's receipt calls on the wire (docs/api.md, R31): typed answers and parsers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509

from kiosk.services.parse import obj, opt_time, parse_time, req_bool, req_list, req_str


@dataclass(frozen=True)
class Enrolment:
    kiosk_id: str
    key_id: str
    certificate_pem: str
    chain_pem: str


@dataclass(frozen=True)
class TrustList:
    ca: x509.Certificate
    kiosks: tuple[tuple[str, x509.Certificate], ...]  # (kiosk id, certificate)


@dataclass(frozen=True)
class LodgedReceipt:
    receipt_id: str
    renewal_id: str
    kiosk_id: str
    seal: str
    printed: bool
    lodged_at: datetime
    printed_at: datetime | None
    pdf_sha256: str
    pdf: bytes | None = None  # only from GET /receipts/{id}


def enrolment(data: Any) -> Enrolment:
    d = obj(data)
    return Enrolment(req_str(d, "kiosk_id"), req_str(d, "key_id"),
                     req_str(d, "certificate_pem"), req_str(d, "chain_pem"))


def trust_list(data: Any) -> TrustList:
    d = obj(data)
    kiosks = []
    for item in req_list(d, "kiosks"):
        k = obj(item)
        kiosks.append(
            (req_str(k, "kiosk_id"), x509.load_pem_x509_certificate(
                req_str(k, "certificate_pem").encode()))
        )
    return TrustList(x509.load_pem_x509_certificate(req_str(d, "ca_pem").encode()),
                     tuple(kiosks))


def lodged_receipt(data: Any) -> LodgedReceipt:
    import base64

    d = obj(data)
    pdf = d.get("pdf_b64")
    return LodgedReceipt(
        receipt_id=req_str(d, "receipt_id"),
        renewal_id=req_str(d, "renewal_id"),
        kiosk_id=req_str(d, "kiosk_id"),
        seal=req_str(d, "seal"),
        printed=req_bool(d, "printed"),
        lodged_at=parse_time(d.get("lodged_at")),
        printed_at=opt_time(d, "printed_at"),
        pdf_sha256=req_str(d, "pdf_sha256"),
        pdf=base64.b64decode(pdf, validate=True) if isinstance(pdf, str) else None,
    )


def lodged_receipts(data: Any) -> list[LodgedReceipt]:
    return [lodged_receipt(x) for x in req_list(obj(data), "items")]
