"""e-Signature (電子簽名服務): signs the registry's application document as the holder (R16).

Only with a fresh very-high e-ID assertion for this renewal. The holder's signing key is
issued by the sandbox CA for this one signature and never stored.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select

from sandbox import models as m
from sandbox import pki
from sandbox.core import Tx, iso, tx
from sandbox.errors import ApiError
from sandbox.registry import certs_of, not_submitted
from sandbox.schemas import SignIn

router = APIRouter(prefix="/esign/v1", tags=["esign"])


@router.post("/signatures")
def sign(body: SignIn, request: Request) -> JSONResponse:
    with tx(request) as t:
        holder = t.holder()

        def run() -> tuple[int, dict[str, Any]]:
            return 200, _sign(t, holder, body)

        if request.headers.get("idempotency-key", "").strip():
            # A lost answer is retried with the same (now used) assertion: the first answer.
            return t.idempotent(body.model_dump(), run, scope="holder:" + holder.holder_id)
        return JSONResponse(run()[1])


def _sign(t: Tx, holder: m.Holder, body: SignIn) -> dict[str, Any]:
    a = t.s.get(m.EidAssertion, t.state.hash(body.assertion, "assertion"))
    if a is None or a.holder_id != holder.holder_id or a.used or a.expires_at <= t.now:
        raise ApiError("AC-AB-0025", {"reason": "assertion_invalid"})
    r = t.s.scalars(select(m.Renewal).where(m.Renewal.document_id == body.document_id)).first()
    if r is None or r.holder_id != holder.holder_id or r.document_pdf is None:
        raise ApiError("AC-AB-0003", {"document_id": body.document_id})
    if a.purpose != f"renewal:{r.renewal_id}":
        raise ApiError("AC-AB-0025", {"reason": "assertion_for_another_renewal"})
    not_submitted(r)
    if r.declaration_accepted_at is None:
        raise ApiError("AC-AB-0037")
    certs = certs_of(t, r)
    identity = t.state.ca().issue_signing_identity(
        holder.name, certs[0].email if certs else holder.cloud_username
    )
    signed = pki.sign_pdf(r.document_pdf, identity)
    a.used = True
    sig = m.SignatureRecord(
        signature_id="S-" + secrets.token_hex(8),
        holder_id=holder.holder_id,
        document_id=body.document_id,
        signed_pdf=signed,
        signer=identity.subject,
        signed_at=t.now,
    )
    t.s.add(sig)
    r.signature_id = sig.signature_id
    return {"signature_id": sig.signature_id, "signed_at": iso(t.now), "signer": sig.signer}


@router.get("/signatures/{signature_id}/document")
def signed_document(signature_id: str, request: Request) -> Response:
    """The signed application (PDF), for the holder's records and for anyone checking it
    against the registry CA at /registry/v1/ca.pem."""
    with tx(request) as t:
        holder = t.holder()
        sig = t.s.get(m.SignatureRecord, signature_id)
        if sig is None or sig.holder_id != holder.holder_id:
            raise ApiError("AC-AB-0003", {"signature_id": signature_id})
        return Response(sig.signed_pdf, media_type="application/pdf")
