"""Strong e-ID (電子身份識別, very high): kiosk sign-in and the identification of R15.

Sign-in: ID number + a 6-digit SMS code to the registered mobile. Identification for a
renewal: the same SMS code plus a face check against the bureau's registered face; only
accounts with the very-high tool enabled may start one.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select

from sandbox import faces, texts
from sandbox import models as m
from sandbox.bureau import decode_jpeg, registered_face, score_faces
from sandbox.core import Tx, iso, mask_mobile, tx
from sandbox.errors import ApiError
from sandbox.registry import open_renewal
from sandbox.schemas import ChallengeIn, ChallengeVerifyIn, IdNumberIn, LoginCompleteIn

router = APIRouter(prefix="/eid/v1", tags=["eid"])

SMS_TTL = timedelta(seconds=300)
ASSERTION_TTL = timedelta(seconds=300)
MAX_WRONG_SMS = 5


def _start(t: Tx, holder: m.Holder, purpose: str) -> dict[str, Any]:
    code = f"{secrets.randbelow(1_000_000):06d}"
    ch = m.EidChallenge(
        challenge_id="E-" + secrets.token_hex(8),
        holder_id=holder.holder_id,
        purpose=purpose,
        code_hash="",
        expires_at=t.now + SMS_TTL,
        wrong_attempts=0,
        done=False,
    )
    ch.code_hash = t.state.hash(code, "sms:" + ch.challenge_id)
    t.s.add(ch)
    t.send("sms", "sms_code", holder.mobile, "", texts.sms_code(code, purpose))
    return {
        "challenge_id": ch.challenge_id,
        "mobile_masked": mask_mobile(holder.mobile),
        "expires_at": iso(ch.expires_at),
    }


def _check_sms(t: Tx, ch: m.EidChallenge, code: str) -> None:
    if ch.wrong_attempts >= MAX_WRONG_SMS:
        raise ApiError("AC-AB-0038")
    if ch.done or ch.expires_at <= t.now:
        raise ApiError("AC-AB-0023")
    if not secrets.compare_digest(ch.code_hash, t.state.hash(code, "sms:" + ch.challenge_id)):
        ch.wrong_attempts += 1
        if ch.wrong_attempts >= MAX_WRONG_SMS:
            raise ApiError("AC-AB-0038", commit=True)
        raise ApiError(
            "AC-AB-0022", {"attempts_left": MAX_WRONG_SMS - ch.wrong_attempts}, commit=True
        )


@router.post("/login/start")
def login_start(body: IdNumberIn, request: Request) -> dict[str, Any]:
    with tx(request) as t:
        holder = t.s.scalars(
            select(m.Holder).where(m.Holder.id_number == body.id_number.strip())
        ).first()
        if holder is None:
            raise ApiError("AC-AB-0002")
        return _start(t, holder, "login")


@router.post("/login/complete")
def login_complete(body: LoginCompleteIn, request: Request) -> dict[str, Any]:
    with tx(request) as t:
        ch = t.s.get(m.EidChallenge, body.challenge_id)
        if ch is None or ch.purpose != "login":
            raise ApiError("AC-AB-0003", {"challenge_id": body.challenge_id})
        _check_sms(t, ch, body.sms_code)
        ch.done = True
        holder = t.s.get(m.Holder, ch.holder_id)
        assert holder is not None
        return t.sign_in("holder", holder.holder_id, holder.name)


@router.post("/challenges")
def start_challenge(body: ChallengeIn, request: Request) -> dict[str, Any]:
    with tx(request) as t:
        holder = t.holder()
        if not holder.eid_very_high:
            raise ApiError("AC-AB-0021")  # R15
        r = open_renewal(t, body.purpose.removeprefix("renewal:"), holder)
        if r.declaration_accepted_at is None:
            raise ApiError("AC-AB-0037")  # R14 before R15
        return _start(t, holder, body.purpose)


@router.post("/challenges/{challenge_id}/verify")
def verify_challenge(
    challenge_id: str, body: ChallengeVerifyIn, request: Request
) -> dict[str, Any]:
    with tx(request) as t:
        holder = t.holder()
        ch = t.s.get(m.EidChallenge, challenge_id)
        if ch is None or ch.holder_id != holder.holder_id or ch.purpose == "login":
            raise ApiError("AC-AB-0003", {"challenge_id": challenge_id})
        photo = decode_jpeg(body.face_jpeg_b64)
        _check_sms(t, ch, body.sms_code)
        face = registered_face(t, holder)
        if face is None:
            raise ApiError("AC-AB-0024")
        score = score_faces(face, photo)
        if score < faces.THRESHOLD:
            raise ApiError("AC-AB-0024", {"score": round(score, 4), "threshold": faces.THRESHOLD})
        ch.done = True
        assertion, expires = t.new_secret(
            m.EidAssertion,
            "assertion",
            ASSERTION_TTL,
            hash_column="assertion_hash",
            holder_id=holder.holder_id,
            purpose=ch.purpose,
            used=False,
        )
        return {"assertion": assertion, "level": "very_high", "expires_at": iso(expires)}
