"""Registry: kiosk enrolment, the trust list, and lodged receipts (R31).

- POST /kiosks/enrol: an enrolment code + a CSR → a document-signing certificate by the CA.
- GET /trust-list: the CA and every kiosk certificate ever enrolled (old receipts stay
  verifiable after a kiosk re-enrols), each with its key id.
- POST /renewals/{rid}/receipts: a kiosk lodges the PDF and its seal (the seal must verify
  against an enrolled kiosk and name this renewal); GET /receipts?printed=false lists what
  a counter must reprint; POST /receipts/{id}/printed marks it, exactly once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from datetime import datetime
from typing import Annotated, Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import Boolean, DateTime, LargeBinary, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from sandbox import models as m
from sandbox.core import Tx, iso, staff_tx, tx
from sandbox.errors import ApiError
from sandbox.schemas import Body, Short

router = APIRouter(prefix="/registry/v1", tags=["registry: kiosks and receipts"])

#: The sandbox's enrolment code; a production registry hands out one-time codes.
DEMO_CODE = "SANDBOX-KIOSK-DEMO"
KIOSK_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"


class EnrolledKiosk(m.Base):
    __tablename__ = "enrolled_kiosks"
    key_id: Mapped[str] = mapped_column(String, primary_key=True)  # hex
    kiosk_id: Mapped[str] = mapped_column(String, index=True)
    cert_pem: Mapped[str] = mapped_column(Text)
    enrolled_at: Mapped[datetime] = mapped_column(DateTime)


class LodgedReceipt(m.Base):
    __tablename__ = "lodged_receipts"
    receipt_id: Mapped[str] = mapped_column(String, primary_key=True)
    renewal_id: Mapped[str] = mapped_column(String, index=True)
    kiosk_id: Mapped[str] = mapped_column(String)
    seal: Mapped[str] = mapped_column(Text)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    printed: Mapped[bool] = mapped_column(Boolean, default=False)
    lodged_at: Mapped[datetime] = mapped_column(DateTime)
    printed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    printed_by: Mapped[str | None] = mapped_column(String, nullable=True)


# Enrolled kiosks survive a reset, like the CA that certified them; receipts are demo data.
m.RESET_TABLES.append(LodgedReceipt.__table__)  # type: ignore[arg-type]


# --- bodies and answers -------------------------------------------------------------------


class EnrolIn(Body):
    code: Short
    kiosk_id: Annotated[str, Field(pattern=KIOSK_ID)]
    csr_pem: Annotated[str, Field(min_length=1, max_length=8000)]


class EnrolOut(BaseModel):
    kiosk_id: str
    key_id: str
    certificate_pem: str
    chain_pem: str


class TrustedKiosk(BaseModel):
    kiosk_id: str
    key_id: str
    certificate_pem: str
    enrolled_at: str


class TrustListOut(BaseModel):
    ca_pem: str
    ca_key_id: str
    kiosks: list[TrustedKiosk]


class ReceiptIn(Body):
    pdf_b64: Annotated[str, Field(min_length=1)]
    seal: Annotated[str, Field(min_length=5, max_length=4000)]
    printed: bool


class ReceiptOut(BaseModel):
    receipt_id: str
    renewal_id: str
    kiosk_id: str
    seal: str
    printed: bool
    lodged_at: str
    printed_at: str | None
    pdf_sha256: str


class ReceiptsOut(BaseModel):
    items: list[ReceiptOut]


class ReceiptPdfOut(ReceiptOut):
    pdf_b64: str


class PrintedIn(Body):
    printed: bool = True


def _key_id(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).digest()[:8].hex()


def _receipt_json(r: LodgedReceipt) -> dict[str, Any]:
    return {
        "receipt_id": r.receipt_id,
        "renewal_id": r.renewal_id,
        "kiosk_id": r.kiosk_id,
        "seal": r.seal,
        "printed": r.printed,
        "lodged_at": iso(r.lodged_at),
        "printed_at": iso(r.printed_at),
        "pdf_sha256": hashlib.sha256(r.pdf).hexdigest(),
    }


def _caller(t: Tx) -> tuple[str, m.Holder | None]:
    """Kiosks lodge with the holder's session or the counter's staff session."""
    try:
        return "staff:" + t.staff(), None
    except ApiError:
        holder = t.holder()
        return "holder:" + holder.holder_id, holder


# --- enrolment and trust list -------------------------------------------------------------


@router.post("/kiosks/enrol", response_model=EnrolOut)
def enrol(body: EnrolIn, request: Request) -> dict[str, Any]:
    with tx(request) as t:
        if not secrets.compare_digest(body.code.encode(), DEMO_CODE.encode()):
            raise ApiError("AC-AB-0051")
        try:
            csr = x509.load_pem_x509_csr(body.csr_pem.encode())
        except ValueError:
            raise ApiError("AC-AB-0052", {"reason": "not a PEM CSR"}) from None
        public = csr.public_key()
        cn = csr.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        if not csr.is_signature_valid:
            raise ApiError("AC-AB-0052", {"reason": "the CSR's signature does not verify"})
        if not isinstance(public, ec.EllipticCurvePublicKey) or public.curve.name != "secp256r1":
            raise ApiError("AC-AB-0052", {"reason": "the key must be EC P-256"})
        if not cn or cn[0].value != body.kiosk_id:
            raise ApiError("AC-AB-0052", {"reason": "the CSR's CN must be the kiosk id"})
        ca = t.state.ca()
        issued = ca.issue_kiosk_identity(body.kiosk_id, public_key=public)
        cert = x509.load_pem_x509_certificate(issued.cert_pem)
        kid = _key_id(cert)
        t.s.add(EnrolledKiosk(key_id=kid, kiosk_id=body.kiosk_id,
                              cert_pem=issued.cert_pem.decode(), enrolled_at=t.now))
        return {
            "kiosk_id": body.kiosk_id,
            "key_id": kid,
            "certificate_pem": issued.cert_pem.decode(),
            "chain_pem": ca.cert_pem().decode(),
        }


def trust_list_json(t: Tx) -> dict[str, Any]:
    ca = t.state.ca()
    rows = t.s.scalars(select(EnrolledKiosk).order_by(EnrolledKiosk.enrolled_at)).all()
    return {
        "ca_pem": ca.cert_pem().decode(),
        "ca_key_id": _key_id(ca.certificate),
        "kiosks": [
            {"kiosk_id": r.kiosk_id, "key_id": r.key_id, "certificate_pem": r.cert_pem,
             "enrolled_at": iso(r.enrolled_at)}
            for r in rows
        ],
    }


@router.get("/trust-list", response_model=TrustListOut)
def trust_list(request: Request) -> dict[str, Any]:
    with tx(request) as t:
        return trust_list_json(t)


# --- receipts -----------------------------------------------------------------------------


@router.post("/renewals/{rid}/receipts", response_model=ReceiptOut, status_code=201)
def lodge(rid: str, body: ReceiptIn, request: Request) -> Any:
    from kiosk.receipt import seal as rk_seal

    with tx(request) as t:
        scope, holder = _caller(t)
        renewal = t.s.get(m.Renewal, rid)
        if renewal is None or (holder is not None and renewal.holder_id != holder.holder_id):
            raise ApiError("AC-AB-0003", {"renewal_id": rid})
        try:
            pdf = base64.b64decode(body.pdf_b64, validate=True)
        except (binascii.Error, ValueError):
            raise ApiError("AC-AB-0001", {"field": "pdf_b64"}) from None
        if not pdf.startswith(b"%PDF-"):
            raise ApiError("AC-AB-0001", {"field": "pdf_b64", "reason": "not a PDF"})
        listed = trust_list_json(t)
        keys = rk_seal.trusted_keys(
            x509.load_pem_x509_certificate(listed["ca_pem"].encode()),
            [(k["kiosk_id"], x509.load_pem_x509_certificate(k["certificate_pem"].encode()))
             for k in listed["kiosks"]],
        )
        try:
            claims = rk_seal.verify(body.seal, keys)
        except rk_seal.SealError as exc:
            raise ApiError("AC-AB-0053", {"reason": str(exc)}) from None
        if claims.get("ref") != rid:
            raise ApiError("AC-AB-0053", {"reason": "the seal is for another renewal"})

        def run() -> tuple[int, dict[str, Any]]:
            row = LodgedReceipt(
                receipt_id="RC-" + secrets.token_hex(6).upper(),
                renewal_id=rid,
                kiosk_id=str(claims["k"]),
                seal=body.seal,
                pdf=pdf,
                printed=body.printed,
                lodged_at=t.now,
                printed_at=t.now if body.printed else None,
                printed_by=str(claims["k"]) if body.printed else None,
            )
            t.s.add(row)
            return 201, _receipt_json(row)

        return t.idempotent(body.model_dump(), run, scope=scope)


@router.get("/receipts", response_model=ReceiptsOut)
def list_receipts(
    request: Request, printed: Annotated[bool | None, Query()] = None
) -> dict[str, Any]:
    with staff_tx(request) as t:
        q = select(LodgedReceipt).order_by(LodgedReceipt.lodged_at, LodgedReceipt.receipt_id)
        if printed is not None:
            q = q.where(LodgedReceipt.printed == printed)
        return {"items": [_receipt_json(r) for r in t.s.scalars(q)]}


def _receipt(t: Tx, receipt_id: str) -> LodgedReceipt:
    row = t.s.get(LodgedReceipt, receipt_id)
    if row is None:
        raise ApiError("AC-AB-0003", {"receipt_id": receipt_id})
    return row


@router.get("/receipts/{receipt_id}", response_model=ReceiptPdfOut)
def get_receipt(receipt_id: str, request: Request) -> dict[str, Any]:
    with staff_tx(request) as t:
        row = _receipt(t, receipt_id)
        return {**_receipt_json(row), "pdf_b64": base64.b64encode(row.pdf).decode()}


@router.post("/receipts/{receipt_id}/printed", response_model=ReceiptOut)
def mark_printed(receipt_id: str, request: Request, body: PrintedIn | None = None) -> Any:
    with tx(request) as t:
        staff_id = t.staff()

        def run() -> tuple[int, dict[str, Any]]:
            row = _receipt(t, receipt_id)
            if row.printed:
                # Another counter printed it already: a second paper is never made by a retry.
                raise ApiError("AC-AB-0054", {"receipt_id": receipt_id,
                                              "printed_at": iso(row.printed_at)})
            row.printed = True
            row.printed_at = t.now
            row.printed_by = "staff:" + staff_id
            return 200, _receipt_json(row)

        return t.idempotent({"receipt_id": receipt_id}, run, scope="staff:" + staff_id)

