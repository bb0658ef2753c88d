"""Identification bureau (身份證明局): ID-card data behind consent (R9-R11), face match (R12).

The face score is computed from the two images by `sandbox.faces` (see its METHOD and
THRESHOLD); the live photo is scored and forgotten, only the score is kept.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request

from sandbox import faces
from sandbox import models as m
from sandbox.core import Tx, iso, tx
from sandbox.errors import ApiError
from sandbox.registry import (
    consent_valid,
    emails_verified,
    need,
    not_submitted,
    open_renewal,
    renewal_of,
)
from sandbox.schemas import ConsentIn, FaceMatchIn, IdCardIn

router = APIRouter(prefix="/bureau/v1", tags=["bureau"])

CONSENT_TTL = timedelta(minutes=30)


def decode_jpeg(b64: str) -> bytes:
    try:
        return base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ApiError("AC-AB-0001", {"field": "photo: not base64"}) from exc


def score_faces(registered: bytes, photo: bytes) -> float:
    try:
        return float(faces.match_score(registered, photo))
    except ValueError as exc:  # NoFaceFound is a ValueError, and so is "not an image"
        raise ApiError("AC-AB-0020") from exc


def registered_face(t: Tx, holder: m.Holder) -> bytes | None:
    """The face the bureau compares photos with: a tester's own when one was registered."""
    own = t.state.own_faces.get(holder.holder_id)
    if own is not None:
        return own
    b = t.s.get(m.BureauRecord, holder.id_number)
    return b.face_jpeg if b is not None else None


@router.post("/consents")
def consent(body: ConsentIn, request: Request) -> dict[str, Any]:
    with tx(request) as t:
        holder = t.holder()
        r = open_renewal(t, body.renewal_id, holder)
        need(emails_verified(t, r), "emails_verified")
        token, expires = t.new_secret(
            m.Consent,
            "consent",
            CONSENT_TTL,
            nbytes=24,
            holder_id=holder.holder_id,
            renewal_id=r.renewal_id,
        )
        r.consent_given_at = t.now
        return {"consent_token": token, "expires_at": iso(expires)}


def _consent_for_token(t: Tx, token: str) -> m.Consent:
    c = t.s.get(m.Consent, t.state.hash(token, "consent"))
    if c is None or c.expires_at <= t.now:
        raise ApiError("AC-AB-0016")
    return c


@router.post("/id-cards/latest")
def latest_id_card(body: IdCardIn, request: Request) -> dict[str, Any]:
    """The registry's call (R10): the holder's latest card data, only with their consent."""
    with tx(request) as t:
        holder = t.holder()
        c = _consent_for_token(t, body.consent_token)
        if c.holder_id != holder.holder_id:
            raise ApiError("AC-AB-0016")
        b = t.s.get(m.BureauRecord, holder.id_number)
        if b is None:
            raise ApiError("AC-AB-0017")
        return {
            "document_type": "macau_resident_id",
            "id_number": b.id_number,
            "name": b.name,
            "birth_date": b.birth_date.isoformat(),
            "sex": b.sex,
            "expiry": b.doc_expiry.isoformat(),
        }


@router.post("/face-match")
def face_match(body: FaceMatchIn, request: Request) -> dict[str, Any]:
    with tx(request) as t:
        holder = t.holder()
        r = renewal_of(t, body.renewal_id, holder)
        consent_valid(t, body.consent_token, holder, r)
        not_submitted(r)
        need(r.identity_checked_at is not None, "identity_checked")
        photo = decode_jpeg(body.photo_jpeg_b64)
        face = registered_face(t, holder)
        if face is None:
            raise ApiError("AC-AB-0017")
        score = score_faces(face, photo)
        passed = score >= faces.THRESHOLD
        match = m.FaceMatch(
            match_id="M-" + secrets.token_hex(8),
            holder_id=holder.holder_id,
            renewal_id=r.renewal_id,
            score=score,
            passed=passed,
            at=t.now,
        )
        t.s.add(match)
        if not passed:
            raise ApiError(
                "AC-AB-0019",
                {"score": round(score, 4), "threshold": faces.THRESHOLD,
                 "match_id": match.match_id},
                commit=True,
            )
        return {
            "match_id": match.match_id,
            "score": round(score, 4),
            "threshold": faces.THRESHOLD,
            "passed": True,
        }
