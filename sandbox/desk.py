"""The registry's side of the counter desk (R32): the 待線下辦理 queue, the in-person check,
and issuance from the CSR made on the holder's token — exactly once per certificate.

- `GET /staff/offline-queue`: verified non-cloud renewals, searchable by ID number, name,
  serial and reference (the renewal id), with when and where the holder was verified.
- `/staff/in-person/{renewal_id}/…`: the officer types the card's number (must match the
  registered one); the live photo is scored against the bureau's face as in R12 (3 tries);
  after 3 failed tries the officer may attest in person with a written reason, which the
  registry keeps with the check.
- `POST /staff/offline-queue/{cert_id}/complete`: the CA signs the CSR with the new serial
  and expiry. The same key replays the same certificate; any later call for a certificate
  already issued answers that certificate (never a second one); `GET …/certificate` finds
  it again after a lost reply.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, time
from typing import Annotated, Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from sandbox import faces
from sandbox import models as m
from sandbox.bureau import decode_jpeg, registered_face, score_faces
from sandbox.core import Tx, iso, staff_tx, tx
from sandbox.errors import ApiError
from sandbox.registry import cert_json, renew, renewed_json, send_completed
from sandbox.schemas import B64, Body, IdNumberIn

router = APIRouter(prefix="/registry/v1", tags=["registry", "desk"])

FACE_TRIES = 3  # R12 at the counter: then the officer may attest in person


# --- bodies and answers ----------------------------------------------------------------


class PhotoIn(Body):
    photo_jpeg_b64: B64


class AttestIn(Body):
    # A written reason: long enough to say something, short enough for the audit row.
    reason: Annotated[str, Field(min_length=10, max_length=500)]


class CompleteIn(Body):
    csr_pem: Annotated[str, Field(min_length=100, max_length=20000)]


class CertificateOut(BaseModel):
    cert_id: str
    type: str
    serial: str
    expiry: str
    status: str
    holder_name: str
    email: str
    org_name: str
    department: str
    position: str
    transaction_limit: str | None
    agent_qualification: str | None


class InPersonOut(BaseModel):
    renewal_id: str
    id_checked: bool
    face_passed: bool
    face_tries_left: int
    attested: bool
    done: bool  # the CA may issue


class QueueItemOut(BaseModel):
    cert_id: str
    holder_id: str
    holder_name: str
    certificate: CertificateOut
    queued_at: str | None
    renewal_id: str
    reference: str  # the renewal id, as printed on the holder's receipt and queue slip
    verified_at: str | None  # identity verified (R12) at a kiosk
    submitted_at: str | None
    verified_kiosk_id: str | None
    state: str  # "waiting" | "issued"
    new_serial: str | None
    new_expiry: str | None
    in_person: InPersonOut


class QueueOut(BaseModel):
    items: list[QueueItemOut]


class IssuedOut(BaseModel):
    cert_id: str
    type: str
    email: str
    old_serial: str
    old_expiry: str
    new_serial: str
    new_expiry: str
    certificate_pem: str
    ca_pem: str
    issued_at: str


class IdCheckedOut(BaseModel):
    id_checked_at: str


class FaceOut(BaseModel):
    passed: bool
    score: float
    threshold: float
    tries_left: int


class AttestedOut(BaseModel):
    attested_at: str


class SignedOutOut(BaseModel):
    signed_out: bool


# --- helpers ----------------------------------------------------------------------------


def _norm(value: str) -> str:
    return "".join(ch for ch in value.casefold() if ch.isalnum())


def _check(t: Tx, renewal_id: str) -> m.InPersonCheck | None:
    return t.s.get(m.InPersonCheck, renewal_id)


def _in_person_json(t: Tx, renewal_id: str) -> dict[str, Any]:
    c = _check(t, renewal_id)
    id_checked = c is not None and c.id_checked_at is not None
    face = c is not None and c.face_passed_at is not None
    attested = c is not None and c.attested_at is not None
    return {
        "renewal_id": renewal_id,
        "id_checked": id_checked,
        "face_passed": face,
        "face_tries_left": max(0, FACE_TRIES - (c.face_tries if c else 0)),
        "attested": attested,
        "done": id_checked and (face or attested),
    }


def _offline_renewal(t: Tx, renewal_id: str) -> tuple[m.Renewal, m.Holder]:
    """A submitted renewal with non-cloud certificates for the counter (else not found)."""
    r = t.s.get(m.Renewal, renewal_id)
    if r is None or r.submitted_at is None:
        raise ApiError("AC-AB-0003", {"renewal_id": renewal_id})
    holder = t.s.get(m.Holder, r.holder_id)
    assert holder is not None
    return r, holder


def _open_check(t: Tx, renewal_id: str, staff_id: str) -> m.InPersonCheck:
    c = _check(t, renewal_id)
    if c is None:
        c = m.InPersonCheck(renewal_id=renewal_id, staff_id=staff_id, face_tries=0)
        t.s.add(c)
    return c


def _matches(q: str, holder: m.Holder, c: m.Certificate) -> bool:
    needle = _norm(q)
    if not needle:
        return True
    if needle == _norm(holder.id_number):
        return True
    names = (holder.name, holder.name_zh, c.holder_name)
    if any(needle in _norm(n) for n in names):
        return True
    serials = (c.serial, c.old_serial or "")
    return needle in (_norm(s) for s in serials) or needle == _norm(c.renewal_id or "")


def _item(t: Tx, c: m.Certificate, holder: m.Holder) -> dict[str, Any]:
    r = t.s.get(m.Renewal, c.renewal_id) if c.renewal_id else None
    issued = c.state == "renewed"
    return {
        "cert_id": c.cert_id,
        "holder_id": c.holder_id,
        "holder_name": holder.name,
        "certificate": cert_json(c, t.now.date()),
        "queued_at": iso(c.queued_at),
        "renewal_id": c.renewal_id or "",
        "reference": c.renewal_id or "",
        "verified_at": iso(r.face_passed_at) if r else None,
        "submitted_at": iso(r.submitted_at) if r else None,
        "verified_kiosk_id": r.verified_kiosk_id if r else None,
        "state": "issued" if issued else "waiting",
        "new_serial": c.serial if issued else None,
        "new_expiry": c.expiry.isoformat() if issued else None,
        "in_person": _in_person_json(t, c.renewal_id or ""),
    }


def _load_csr(pem: str) -> x509.CertificateSigningRequest:
    try:
        request = x509.load_pem_x509_csr(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise ApiError("AC-AB-0064", {"reason": "not_a_csr"}) from exc
    if not request.is_signature_valid:
        raise ApiError("AC-AB-0064", {"reason": "bad_signature"})
    return request


def _key_fits(cert_type: str, request: x509.CertificateSigningRequest) -> bool:
    """The key the certificate type needs (KEY_SPECS in kiosk/tokens/keys.py)."""
    key = request.public_key()
    if cert_type == "encryption":
        return isinstance(key, rsa.RSAPublicKey) and key.key_size >= 3072
    return isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name in (
        "secp256r1", "secp384r1"
    )


def _spki_sha256(key: Any) -> str:
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def _issued(t: Tx, cert_id: str) -> m.IssuedCertificate | None:
    return t.s.get(m.IssuedCertificate, cert_id)


# --- the queue --------------------------------------------------------------------------


@router.get("/staff/offline-queue", response_model=QueueOut)
def offline_queue(
    request: Request,
    q: Annotated[str, Query(max_length=100)] = "",
    include_issued: bool = False,
) -> dict[str, Any]:
    """Verified non-cloud renewals waiting at the counter; `q` matches an ID number, a name,
    a serial (old or new) or a reference; `include_issued` keeps finished ones in the list.
    The kiosk searches with POST .../search, so that an ID number is never in a URL (URLs
    end up in proxies' and servers' access logs)."""
    return _queue(request, q, include_issued)


class QueueSearchIn(Body):
    q: Annotated[str, Field(max_length=100)] = ""
    include_issued: bool = False


@router.post("/staff/offline-queue/search", response_model=QueueOut)
def offline_queue_search(request: Request, body: QueueSearchIn) -> dict[str, Any]:
    """The queue as GET /staff/offline-queue, the search words in the body."""
    return _queue(request, body.q, body.include_issued)


def _queue(request: Request, q: str, include_issued: bool) -> dict[str, Any]:
    with staff_tx(request) as t:
        states = ("offline", "renewed") if include_issued or q else ("offline",)
        rows = t.s.scalars(
            select(m.Certificate)
            .where(m.Certificate.state.in_(states), m.Certificate.type != "cloud")
            .order_by(m.Certificate.queued_at, m.Certificate.cert_id)
        ).all()
        items = []
        for c in rows:
            if c.state == "renewed" and _issued(t, c.cert_id) is None:
                continue  # renewed some other way than at the counter
            holder = t.s.get(m.Holder, c.holder_id)
            assert holder is not None
            if _matches(q, holder, c):
                items.append(_item(t, c, holder))
        return {"items": items}


# --- the in-person check ----------------------------------------------------------------


@router.get("/staff/in-person/{renewal_id}", response_model=InPersonOut)
def in_person(renewal_id: str, request: Request) -> dict[str, Any]:
    with staff_tx(request) as t:
        _offline_renewal(t, renewal_id)
        return _in_person_json(t, renewal_id)


@router.post("/staff/in-person/{renewal_id}/id-check", response_model=IdCheckedOut)
def id_check(renewal_id: str, body: IdNumberIn, request: Request) -> dict[str, Any]:
    """The number on the physical card, typed by the officer, against the registered one."""
    with tx(request) as t:
        staff_id = t.staff()
        _, holder = _offline_renewal(t, renewal_id)
        if _norm(body.id_number) != _norm(holder.id_number):
            raise ApiError("AC-AB-0061")
        c = _open_check(t, renewal_id, staff_id)
        c.id_checked_at = t.now
        return {"id_checked_at": iso(c.id_checked_at)}


@router.post("/staff/in-person/{renewal_id}/face", response_model=FaceOut)
def face(renewal_id: str, body: PhotoIn, request: Request) -> dict[str, Any]:
    """The counter webcam's photo against the bureau's registered face (R12's call)."""
    with tx(request) as t:
        staff_id = t.staff()
        _, holder = _offline_renewal(t, renewal_id)
        c = _open_check(t, renewal_id, staff_id)
        if c.id_checked_at is None:
            raise ApiError("AC-AB-0063", {"missing": "id_check"})
        if c.face_passed_at is not None:
            return {"passed": True, "score": 1.0, "threshold": faces.THRESHOLD,
                    "tries_left": max(0, FACE_TRIES - c.face_tries)}
        if c.face_tries >= FACE_TRIES:
            raise ApiError("AC-AB-0062")
        registered = registered_face(t, holder)
        if registered is None:
            raise ApiError("AC-AB-0017")
        score = score_faces(registered, decode_jpeg(body.photo_jpeg_b64))
        c.face_tries += 1
        left = max(0, FACE_TRIES - c.face_tries)
        if score < faces.THRESHOLD:
            raise ApiError(
                "AC-AB-0019",
                {"score": round(score, 4), "threshold": faces.THRESHOLD, "tries_left": left},
                commit=True,
            )
        c.face_passed_at = t.now
        return {"passed": True, "score": round(score, 4), "threshold": faces.THRESHOLD,
                "tries_left": left}


@router.post("/staff/in-person/{renewal_id}/attest", response_model=AttestedOut)
def attest(renewal_id: str, body: AttestIn, request: Request) -> dict[str, Any]:
    """After 3 failed photos: the officer vouches for the holder in person, with a reason
    that stays on the registry's record of the check (never silently)."""
    with tx(request) as t:
        staff_id = t.staff()
        _offline_renewal(t, renewal_id)
        c = _open_check(t, renewal_id, staff_id)
        if c.id_checked_at is None or c.face_passed_at is not None or c.face_tries < FACE_TRIES:
            raise ApiError("AC-AB-0065")
        c.attested_at, c.attested_by, c.attest_reason = t.now, staff_id, body.reason.strip()
        return {"attested_at": iso(c.attested_at)}


@router.post("/staff/logout", response_model=SignedOutOut)
def staff_logout(request: Request) -> dict[str, Any]:
    """The counter's 登出: the staff token stops working at once (not after its TTL)."""
    with tx(request) as t:
        t.end_staff_session()
        return {"signed_out": True}


# --- issuance ---------------------------------------------------------------------------


@router.post("/staff/offline-queue/{cert_id}/complete", response_model=IssuedOut)
def complete_offline(cert_id: str, body: CompleteIn, request: Request) -> dict[str, Any]:
    with tx(request) as t:
        staff_id = t.staff()
        key = request.headers.get("idempotency-key", "").strip()
        if not key or len(key) > 200:
            raise ApiError("AC-AB-0001", {"header": "Idempotency-Key required (1-200 chars)"})
        c = t.s.get(m.Certificate, cert_id)
        if c is None or c.type == "cloud":
            raise ApiError("AC-AB-0003", {"cert_id": cert_id})
        done = _issued(t, cert_id)
        if done is not None:
            # Exactly once: whoever asks again, under whatever key, gets the one certificate
            # the CA issued, provided it is for the same key pair.
            if key != done.idempotency_key:
                request_key = _load_csr(body.csr_pem).public_key()
                if _spki_sha256(request_key) != done.public_key_sha256:
                    raise ApiError(
                        "AC-AB-0039", {"cert_id": cert_id, "state": "renewed",
                                       "new_serial": done.serial},
                    )
            return dict(done.response)
        if c.state != "offline":
            raise ApiError("AC-AB-0003", {"cert_id": cert_id, "state": c.state})
        assert c.renewal_id is not None
        if not _in_person_json(t, c.renewal_id)["done"]:
            raise ApiError("AC-AB-0063", {"missing": "in_person_check"})
        csr = _load_csr(body.csr_pem)
        if not _key_fits(c.type, csr):
            raise ApiError("AC-AB-0064", {"reason": "key_type", "type": c.type})
        holder = t.s.get(m.Holder, c.holder_id)
        assert holder is not None
        renew(t, c)
        ca = t.state.ca()
        not_after = datetime.combine(c.expiry, time(23, 59, 59), tzinfo=UTC)
        pem = ca.issue_from_csr(
            csr, c.serial, not_after, encryption=c.type == "encryption", email=c.email,
            now=t.now.replace(tzinfo=UTC),
        ).decode("ascii")
        answer = {
            **renewed_json(c),
            "certificate_pem": pem,
            "ca_pem": ca.cert_pem().decode("ascii"),
            "issued_at": iso(t.now),
        }
        t.s.add(
            m.IssuedCertificate(
                cert_id=cert_id,
                renewal_id=c.renewal_id,
                serial=c.serial,
                cert_pem=pem,
                public_key_sha256=_spki_sha256(csr.public_key()),
                issued_at=t.now,
                staff_id=staff_id,
                idempotency_key=key,
                response=answer,
            )
        )
        send_completed(t, holder, [c])  # R26's table: 《已完成申請及激活》
        return answer


@router.get("/staff/offline-queue/{cert_id}/certificate", response_model=IssuedOut)
def issued_certificate(cert_id: str, request: Request) -> dict[str, Any]:
    """The certificate issued for this record, for a kiosk whose reply was lost."""
    with staff_tx(request) as t:
        done = _issued(t, cert_id)
        if done is None:
            raise ApiError("AC-AB-0003", {"cert_id": cert_id, "issued": False})
        return dict(done.response)
