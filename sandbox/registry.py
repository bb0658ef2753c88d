"""Registry (電子證書服務（機構）): renewal records, email codes, submission, activation.

Step order is enforced here, not trusted to the kiosk (AC-AB-0027): emails verified ->
identity check (with the bureau's consent token) -> face passed -> declaration -> e-ID ->
e-signature -> submit -> precheck -> activation.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
from datetime import date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select

from sandbox import faces, pki, texts
from sandbox import models as m
from sandbox.core import Tx, add_years, get_state, iso, real_time, staff_tx, tx
from sandbox.errors import HELP_CODES, ApiError
from sandbox.schemas import (
    ActivationIn,
    AddressIn,
    CertIdsIn,
    ConsentTokenIn,
    DeclarationIn,
    IdNumberIn,
    MatchIdIn,
    StaffLoginIn,
    SubmitIn,
    VerifyEmailIn,
)
from sandbox.seed import STAFF

router = APIRouter(prefix="/registry/v1", tags=["registry"])

CODE_TTL = timedelta(seconds=300)  # R5
REUSE_WINDOW = timedelta(days=30)  # R7
MAX_WRONG_CODES = 5
LOCK_TIME = timedelta(minutes=15)
RENEWAL_YEARS = 3  # the guide's sample: old expiry 05/12/2026, new 05/12/2029
POLL_AFTER_S = 0.5


# --- serialisation ----------------------------------------------------------------------------


def effective_status(c: m.Certificate, today: date) -> str:
    # The seed sets a status; a valid certificate whose day has passed (clock) is expired.
    return "expired" if c.status == "valid" and c.expiry < today else c.status


def cert_json(c: m.Certificate, today: date) -> dict[str, Any]:
    return {
        "cert_id": c.cert_id,
        "type": c.type,
        "serial": c.serial,
        "expiry": c.expiry.isoformat(),
        "status": effective_status(c, today),
        "holder_name": c.holder_name,
        "email": c.email,
        "org_name": c.org_name,
        "department": c.department,
        "position": c.position,
        "transaction_limit": c.transaction_limit,
        "agent_qualification": c.agent_qualification,
    }


def renewed_json(c: m.Certificate) -> dict[str, Any]:
    assert c.old_serial is not None and c.old_expiry is not None
    return {
        "cert_id": c.cert_id,
        "type": c.type,
        "email": c.email,
        "old_serial": c.old_serial,
        "old_expiry": c.old_expiry.isoformat(),
        "new_serial": c.serial,
        "new_expiry": c.expiry.isoformat(),
    }


def job_json(j: m.ActivationJob) -> dict[str, Any]:
    return {
        "job_id": j.job_id,
        "state": j.state,
        "poll_after_s": POLL_AFTER_S,
        "cert_ids": list(j.cert_ids),
        "results": list(j.results),
        "error_code": j.error_code,
    }


# --- look-ups and rules -------------------------------------------------------------------


def renewal_of(t: Tx, rid: str, holder: m.Holder) -> m.Renewal:
    r = t.s.get(m.Renewal, rid)
    if r is None or r.holder_id != holder.holder_id:
        # Another holder's renewal is "not found", not "forbidden": ids reveal nothing.
        raise ApiError("AC-AB-0003", {"renewal_id": rid})
    return r


def certs_of(t: Tx, r: m.Renewal) -> list[m.Certificate]:
    return list(
        t.s.scalars(
            select(m.Certificate)
            .where(m.Certificate.renewal_id == r.renewal_id)
            .order_by(m.Certificate.cert_id)
        )
    )


def addresses_of(t: Tx, r: m.Renewal) -> list[str]:
    seen: dict[str, None] = {}
    for c in certs_of(t, r):
        seen.setdefault(c.email.lower(), None)
    return list(seen)


def email_row(t: Tx, r: m.Renewal, address: str) -> m.EmailVerification | None:
    return t.s.scalars(
        select(m.EmailVerification).where(
            m.EmailVerification.renewal_id == r.renewal_id,
            m.EmailVerification.address == address,
        )
    ).first()


def fresh_verification(t: Tx, row: m.EmailVerification | None) -> datetime | None:
    """R7: a verification of the same renewal record counts for 30 days."""
    if row is None or row.verified_at is None:
        return None
    return row.verified_at if t.now - row.verified_at <= REUSE_WINDOW else None


def emails_verified(t: Tx, r: m.Renewal) -> bool:
    return all(fresh_verification(t, email_row(t, r, a)) for a in addresses_of(t, r))


def kiosk_id(request: Request) -> str | None:
    """The kiosk's X-Kiosk-ID, when it is a short printable id fit for the staff's queue."""
    value = request.headers.get("x-kiosk-id", "").strip()
    return value if 0 < len(value) <= 64 and value.isprintable() else None


def need(ok: bool, step: str) -> None:
    if not ok:
        raise ApiError("AC-AB-0027", {"missing": step})


def not_submitted(r: m.Renewal) -> None:
    if r.submitted_at is not None:
        raise ApiError("AC-AB-0026")


def open_renewal(t: Tx, rid: str, holder: m.Holder) -> m.Renewal:
    """The holder's renewal while it can still change: 404 for another's, 409 AC-AB-0026
    once submitted."""
    r = renewal_of(t, rid, holder)
    not_submitted(r)
    return r


def signed_in_renewal(
    t: Tx, rid: str, *, still_open: bool = False
) -> tuple[m.Holder, m.Renewal]:
    """The signed-in holder and their renewal `rid`; with `still_open`, only while it can
    still change (open_renewal)."""
    holder = t.holder()
    return holder, (open_renewal if still_open else renewal_of)(t, rid, holder)


def progress(t: Tx, r: m.Renewal) -> dict[str, bool]:
    return {
        "emails_verified": emails_verified(t, r),
        "consent_given": r.consent_given_at is not None,
        "identity_checked": r.identity_checked_at is not None,
        "face_passed": r.face_passed_at is not None,
        "declaration_accepted": r.declaration_accepted_at is not None,
        "signed": r.signature_id is not None,
        "submitted": r.submitted_at is not None,
    }


def renewal_json(t: Tx, r: m.Renewal) -> dict[str, Any]:
    today = t.now.date()
    certs = [c for c in certs_of(t, r) if c.state != "renewed"]
    submitted = r.submitted_at is not None
    cloud = [c for c in certs if c.type == "cloud"]
    offline = [c for c in certs if c.type != "cloud" and c.state == "offline"]
    return {
        "renewal_id": r.renewal_id,
        "holder_id": r.holder_id,
        "identity_pending": [] if submitted else [cert_json(c, today) for c in certs],
        "activation_pending": [cert_json(c, today) for c in cloud] if submitted else [],
        "offline_pending": [cert_json(c, today) for c in offline] if submitted else [],
        "progress": progress(t, r),
    }


def id_problem(t: Tx, holder: m.Holder) -> str | None:
    """Compares the registry's registered ID data with the bureau's latest (R10, R11, R21).

    A different expiry date that is still valid does not count (R11); an expired card does.
    """
    if holder.doc_type != "macau_id":
        return "unsupported_document"
    b = t.s.get(m.BureauRecord, holder.id_number)
    if b is None:
        return "no_bureau_record"
    if (b.name, b.birth_date, b.sex) != (holder.name, holder.birth_date, holder.sex):
        return "data_differ"
    if b.doc_expiry < t.now.date():
        return "document_expired"
    return None


def consent_valid(t: Tx, token: str, holder: m.Holder, r: m.Renewal) -> m.Consent:
    c = t.s.get(m.Consent, t.state.hash(token, "consent"))
    if (
        c is None
        or c.holder_id != holder.holder_id
        or c.renewal_id != r.renewal_id
        or c.expires_at <= t.now
    ):
        raise ApiError("AC-AB-0016")
    return c


def new_password_needed(t: Tx, holder: m.Holder) -> bool:
    """R22: the cloud-sign account holds no valid certificate."""
    today = t.now.date()
    certs = t.s.scalars(select(m.Certificate).where(m.Certificate.holder_id == holder.holder_id))
    has_valid = any(
        c.type == "cloud" and c.status == "valid" and c.expiry >= today for c in certs
    )
    return holder.cloud_password_hash is None or not has_valid


def password_ok(pw: str) -> bool:
    """R23: at least 8 characters, 1 letter a-z (either case), 1 non-letter."""
    return (
        len(pw) >= 8
        and re.search(r"[A-Za-z]", pw) is not None
        and re.search(r"[^A-Za-z]", pw) is not None
    )


def phrase_ok(phrase: str) -> bool:
    """R24: 8 to 64 characters, ASCII digits and letters only."""
    return re.fullmatch(r"[A-Za-z0-9]{8,64}", phrase) is not None


def renew(t: Tx, c: m.Certificate) -> None:
    """Issues the renewed certificate: a new serial from the CA, expiry three years on."""
    today = t.now.date()
    c.old_serial, c.old_expiry = c.serial, c.expiry
    c.serial = t.state.ca().new_serial()
    c.expiry = add_years(max(c.expiry, today), RENEWAL_YEARS)
    c.status = "valid"
    c.state = "renewed"
    c.renewed_at = t.now


def send_completed(t: Tx, holder: m.Holder, certs: list[m.Certificate]) -> None:
    by_address: dict[str, list[texts.CertRow]] = {}
    for c in certs:
        assert c.old_serial is not None and c.old_expiry is not None
        by_address.setdefault(c.email, []).append(
            texts.CertRow(c.type, c.email, c.old_serial, c.old_expiry, c.serial, c.expiry)
        )
    for address, rows in by_address.items():
        subject, body = texts.renewal_completed(holder.name, rows)
        t.send("email", "renewal_completed", address, subject, body)


def finish_due_jobs(t: Tx, holder_id: str | None = None) -> None:
    """Completes activation jobs whose time has come (R26), inside the caller's transaction:
    every holder's, or only `holder_id`'s when the request holds that holder's lock alone."""
    query = select(m.ActivationJob).where(
        m.ActivationJob.state == "running", m.ActivationJob.due_at_real <= real_time()
    )
    if holder_id is not None:
        query = query.where(m.ActivationJob.holder_id == holder_id)
    due = t.s.scalars(query).all()
    for job in due:
        holder = t.s.get(m.Holder, job.holder_id)
        assert holder is not None
        certs = [t.s.get(m.Certificate, cid) for cid in job.cert_ids]
        done = [c for c in certs if c is not None and c.state == "activating"]
        if job.will_fail:
            # Nothing was issued: the records go back to pending and may be activated again.
            for c in done:
                c.state, c.job_id = "pending", None
            job.state, job.error_code = "failed", "AC-AB-0033"
            continue
        for c in done:
            renew(t, c)
        job.results = [renewed_json(c) for c in done]
        job.state = "succeeded"
        send_completed(t, holder, done)


def resolve_for_activation(t: Tx, r: m.Renewal, cert_ids: list[str]) -> list[m.Certificate]:
    need(r.submitted_at is not None, "submitted")
    out: list[m.Certificate] = []
    for cid in dict.fromkeys(cert_ids):
        c = t.s.get(m.Certificate, cid)
        if c is None or c.renewal_id != r.renewal_id:
            raise ApiError("AC-AB-0003", {"cert_id": cid})
        if c.type != "cloud":
            raise ApiError("AC-AB-0028", {"cert_id": cid})
        if c.state in ("activating", "renewed"):
            # The job that did it, so a kiosk that lost the activation's answer can follow it.
            raise ApiError("AC-AB-0039", {"cert_id": cid, "state": c.state, "job_id": c.job_id})
        out.append(c)
    return out


def precheck_certs(t: Tx, holder: m.Holder, r: m.Renewal, certs: list[m.Certificate]) -> None:
    """R20 then R21, before the activation page and again at activation."""
    today = t.now.date()
    changed = [c for c in certs if c.data_changed and c.status == "valid" and c.expiry >= today]
    if changed:
        base = str(t.request.base_url).rstrip("/")
        raise ApiError(
            "AC-AB-0015",
            {
                "certificates": [
                    {
                        "cert_id": c.cert_id,
                        "type": c.type,
                        "serial": c.serial,
                        "revoke_url": f"{base}/sandbox/revoke/{c.cert_id}",
                    }
                    for c in changed
                ]
            },
        )
    problem = id_problem(t, holder)
    if problem is not None:
        reauth(t, holder, r)
        # commit: the notice goes out and the renewal goes back to identity verification.
        raise ApiError("AC-AB-0014", {"reason": problem}, commit=True)


def reauth(t: Tx, holder: m.Holder, r: m.Renewal) -> None:
    """R21: the 《需重新認證進行身份鑑別》 email, and identity verification starts again.

    Verified email addresses stay verified (R7: an interrupted renewal of the same record).
    """
    pending = [c for c in certs_of(t, r) if c.state != "renewed"]
    rows = [texts.CertRow(c.type, c.email, c.serial, c.expiry) for c in pending]
    subject, body = texts.reauth_needed(holder.name, rows)
    for address in dict.fromkeys(c.email for c in pending):
        t.send("email", "reauth_needed", address, subject, body)
    r.consent_given_at = r.identity_checked_at = r.face_passed_at = None
    r.face_match_id = r.declaration_accepted_at = r.signature_id = r.submitted_at = None
    r.document_id = r.document_pdf = r.document_sha256 = None
    for c in pending:
        if c.state == "offline":
            c.state, c.queued_at = "pending", None


# --- staff ------------------------------------------------------------------------------------


@router.post("/staff/login")
def staff_login(body: StaffLoginIn, request: Request) -> dict[str, Any]:
    with tx(request) as t:
        entry = STAFF.get(body.username)
        if entry is None or not secrets.compare_digest(entry[0], body.password):
            raise ApiError("AC-AB-0035")
        return t.sign_in("staff", body.username, entry[1])


@router.post("/staff/lookup")
def staff_lookup(body: IdNumberIn, request: Request) -> dict[str, Any]:
    with staff_tx(request) as t:
        holder = t.s.scalars(select(m.Holder).where(m.Holder.id_number == body.id_number)).first()
        if holder is None:
            raise ApiError("AC-AB-0002")
        return t.sign_in("holder", holder.holder_id, holder.name)


# --- the holder's renewal -----------------------------------------------------------------


@router.get("/renewals/current")
def current_renewal(request: Request) -> dict[str, Any]:
    with tx(request) as t:
        holder = t.holder()
        for r in t.s.scalars(select(m.Renewal).where(m.Renewal.holder_id == holder.holder_id)):
            if any(c.state != "renewed" for c in certs_of(t, r)):
                return renewal_json(t, r)
        raise ApiError("AC-AB-0003", {"reason": "nothing_pending"})


@router.get("/renewals/{rid}")
def get_renewal(rid: str, request: Request) -> dict[str, Any]:
    with tx(request) as t:
        return renewal_json(t, renewal_of(t, rid, t.holder()))


def email_status(t: Tx, address: str, row: m.EmailVerification | None) -> dict[str, Any]:
    locked = row is not None and row.locked_until is not None and row.locked_until > t.now
    active = (
        row is not None
        and row.code_hash is not None
        and not row.code_used
        and row.code_expires_at is not None
        and row.code_expires_at > t.now
    )
    wrong = row.wrong_attempts if row is not None and not locked else 0
    return {
        "address": address,
        "verified_at": iso(fresh_verification(t, row)),
        # R7: verified once, but more than 30 days ago: it no longer counts (verify again).
        "expired_verified_at": iso(row.verified_at)
        if row is not None and row.verified_at is not None and fresh_verification(t, row) is None
        else None,
        "code_expires_at": iso(row.code_expires_at) if active and row else None,
        "can_request_code": not locked and not active,
        "attempts_left": 0 if locked else MAX_WRONG_CODES - wrong,
        "locked_until": iso(row.locked_until) if locked and row else None,
    }


@router.get("/renewals/{rid}/emails")
def list_emails(rid: str, request: Request) -> dict[str, Any]:
    with tx(request) as t:
        r = renewal_of(t, rid, t.holder())
        return {"emails": [email_status(t, a, email_row(t, r, a)) for a in addresses_of(t, r)]}


def _address_row(t: Tx, r: m.Renewal, address: str) -> m.EmailVerification:
    address = address.strip().lower()
    if address not in addresses_of(t, r):
        raise ApiError("AC-AB-0013")
    row = email_row(t, r, address)
    if row is None:
        row = m.EmailVerification(renewal_id=r.renewal_id, address=address, wrong_attempts=0)
        t.s.add(row)
    if row.locked_until is not None:
        if row.locked_until > t.now:
            raise ApiError("AC-AB-0011", {"locked_until": iso(row.locked_until)})
        row.locked_until, row.wrong_attempts = None, 0
    return row


@router.post("/renewals/{rid}/emails/code")
def request_email_code(rid: str, body: AddressIn, request: Request) -> dict[str, Any]:
    with tx(request) as t:
        holder, r = signed_in_renewal(t, rid, still_open=True)
        row = _address_row(t, r, body.address)
        if (
            row.code_hash is not None
            and not row.code_used
            and row.code_expires_at is not None
            and row.code_expires_at > t.now
        ):
            wait = math.ceil((row.code_expires_at - t.now).total_seconds())
            raise ApiError("AC-AB-0012", {"retry_after": wait})
        code = f"{secrets.randbelow(1_000_000):06d}"
        row.code_hash = t.state.hash(code, f"email:{rid}:{row.address}")
        row.code_expires_at = t.now + CODE_TTL
        row.code_used = False
        subject, text = texts.email_code(holder.name, code)
        t.send("email", "email_code", row.address, subject, text)
        return {
            "address": row.address,
            "expires_at": iso(row.code_expires_at),
            "expires_in": int(CODE_TTL.total_seconds()),
        }


@router.post("/renewals/{rid}/emails/verify")
def verify_email_code(rid: str, body: VerifyEmailIn, request: Request) -> dict[str, Any]:
    with tx(request) as t:
        r = open_renewal(t, rid, t.holder())
        row = _address_row(t, r, body.address)
        if row.code_hash is None:
            raise ApiError("AC-AB-0027", {"missing": "email_code"})
        if row.code_used:
            raise ApiError("AC-AB-0010")
        assert row.code_expires_at is not None
        if row.code_expires_at <= t.now:
            raise ApiError("AC-AB-0009")
        if not secrets.compare_digest(
            row.code_hash, t.state.hash(body.code, f"email:{rid}:{row.address}")
        ):
            row.wrong_attempts += 1
            if row.wrong_attempts >= MAX_WRONG_CODES:
                row.locked_until = t.now + LOCK_TIME
                row.code_hash = None
                raise ApiError(
                    "AC-AB-0011", {"locked_until": iso(row.locked_until)}, commit=True
                )
            raise ApiError(
                "AC-AB-0008",
                {"attempts_left": MAX_WRONG_CODES - row.wrong_attempts},
                commit=True,
            )
        row.code_used = True
        row.verified_at = t.now
        row.wrong_attempts = 0
        return email_status(t, row.address, row)


@router.post("/renewals/{rid}/identity-check")
def identity_check(rid: str, body: ConsentTokenIn, request: Request) -> dict[str, Any]:
    with tx(request) as t:
        holder, r = signed_in_renewal(t, rid, still_open=True)
        need(emails_verified(t, r), "emails_verified")
        consent_valid(t, body.consent_token, holder, r)
        problem = id_problem(t, holder)
        if problem == "unsupported_document":
            raise ApiError("AC-AB-0017")  # R10
        if problem is not None:
            raise ApiError("AC-AB-0018", {"reason": problem})  # R11
        r.identity_checked_at = t.now
        b = t.s.get(m.BureauRecord, holder.id_number)
        if b is not None and b.change_after_check:
            # H-REAUTH: the card is re-issued right after verification (R21's typical case).
            for key, value in b.change_after_check.items():
                setattr(b, key, value)
            b.change_after_check = None
        return {"checked_at": iso(r.identity_checked_at)}


@router.post("/renewals/{rid}/face")
def record_face(rid: str, body: MatchIdIn, request: Request) -> dict[str, Any]:
    with tx(request) as t:
        holder, r = signed_in_renewal(t, rid, still_open=True)
        need(r.identity_checked_at is not None, "identity_checked")
        match = t.s.get(m.FaceMatch, body.match_id)
        if match is None or match.holder_id != holder.holder_id or match.renewal_id != rid:
            raise ApiError("AC-AB-0003", {"match_id": body.match_id})
        if not match.passed:
            raise ApiError(
                "AC-AB-0019", {"score": round(match.score, 4), "threshold": faces.THRESHOLD}
            )
        r.face_match_id = match.match_id
        r.face_passed_at = t.now
        return {"recorded_at": iso(r.face_passed_at)}


@router.get("/renewals/{rid}/application")
def application(rid: str, request: Request) -> dict[str, Any]:
    with tx(request) as t:
        holder, r = signed_in_renewal(t, rid)
        need(r.face_passed_at is not None, "face_passed")
        certs = [c for c in certs_of(t, r) if c.state != "renewed"]
        if r.document_id is None or r.document_pdf is None:
            pdf = pki.render_application(
                {
                    "renewal_id": r.renewal_id,
                    "holder_name": holder.name,
                    "holder_name_zh": holder.name_zh,
                    "certificates": [cert_json(c, t.now.date()) for c in certs],
                    "declaration": list(texts.DECLARATION),
                    "generated_at": iso(t.now),
                }
            )
            r.document_pdf = pdf
            r.document_sha256 = hashlib.sha256(pdf).hexdigest()
            r.document_id = "D-" + secrets.token_hex(8)
        return {
            "document_id": r.document_id,
            "document_sha256": r.document_sha256,
            "certificates": [cert_json(c, t.now.date()) for c in certs],
            "declaration": list(texts.DECLARATION),
        }


@router.get("/renewals/{rid}/application.pdf")
def application_pdf(rid: str, request: Request) -> Response:
    with tx(request) as t:
        r = renewal_of(t, rid, t.holder())
        if r.document_pdf is None:
            raise ApiError("AC-AB-0003", {"reason": "no_document"})
        return Response(r.document_pdf, media_type="application/pdf")


@router.post("/renewals/{rid}/declaration")
def declaration(rid: str, body: DeclarationIn, request: Request) -> dict[str, Any]:
    with tx(request) as t:
        r = open_renewal(t, rid, t.holder())
        need(r.face_passed_at is not None, "face_passed")
        need(r.document_id is not None, "application_viewed")
        r.declaration_accepted_at = t.now
        return {"accepted_at": iso(r.declaration_accepted_at)}


@router.post("/renewals/{rid}/submit")
def submit(rid: str, body: SubmitIn, request: Request) -> JSONResponse:
    with tx(request) as t:
        holder, r = signed_in_renewal(t, rid)

        def run() -> tuple[int, dict[str, Any]]:
            not_submitted(r)
            need(r.face_passed_at is not None, "face_passed")
            if r.declaration_accepted_at is None:
                raise ApiError("AC-AB-0037")
            sig = t.s.get(m.SignatureRecord, body.signature_id)
            if sig is None or sig.holder_id != holder.holder_id:
                raise ApiError("AC-AB-0003", {"signature_id": body.signature_id})
            if sig.document_id != r.document_id or r.document_pdf is None:
                raise ApiError("AC-AB-0025", {"reason": "signature_for_another_document"})
            # The registry verifies the signature itself (R16): the CA's chain, the signed
            # bytes unchanged, and that it signed exactly the document we issued.
            try:
                signer = pki.verify_pdf(sig.signed_pdf, t.state.ca())
            except pki.InvalidSignature as exc:
                raise ApiError("AC-AB-0025", {"reason": "invalid_signature"}) from exc
            if signer != sig.signer or not sig.signed_pdf.startswith(r.document_pdf):
                raise ApiError("AC-AB-0025", {"reason": "signed_content_differs"})
            if not emails_verified(t, r):
                # R7: a verification older than 30 days no longer counts at submission.
                raise ApiError("AC-AB-0060", {"missing": "emails_verified"})
            r.submitted_at = t.now
            r.verified_kiosk_id = kiosk_id(request)
            certs = [c for c in certs_of(t, r) if c.state != "renewed"]
            for c in certs:
                if c.type != "cloud" and c.state == "pending":
                    c.state, c.queued_at = "offline", t.now  # R19/R32
            cloud = [c for c in certs if c.type == "cloud"]
            offline = [c for c in certs if c.type != "cloud"]
            notice = None
            if offline and not cloud:
                notice = {
                    "code": "AC-AB-0007",
                    "message": dict(HELP_CODES["AC-AB-0007"].message),
                }
            return 200, {
                "submitted_at": iso(r.submitted_at),
                "activation_pending": [cert_json(c, t.now.date()) for c in cloud],
                "offline_pending": [cert_json(c, t.now.date()) for c in offline],
                "notice": notice,
            }

        return t.idempotent(body.model_dump(), run, scope="holder:" + holder.holder_id)


@router.post("/renewals/{rid}/precheck")
def precheck(rid: str, body: CertIdsIn, request: Request) -> dict[str, Any]:
    with tx(request) as t:
        holder, r = signed_in_renewal(t, rid)
        certs = resolve_for_activation(t, r, body.cert_ids)
        precheck_certs(t, holder, r, certs)
        return {"ok": True}


@router.get("/renewals/{rid}/activation-form")
def activation_form(rid: str, request: Request) -> dict[str, Any]:
    with tx(request) as t:
        holder, r = signed_in_renewal(t, rid)
        need(r.submitted_at is not None, "submitted")
        return {
            "cloud_username": holder.cloud_username,
            "needs_new_password": new_password_needed(t, holder),
        }


@router.post("/renewals/{rid}/activations", status_code=202)
def activate(rid: str, body: ActivationIn, request: Request) -> JSONResponse:
    with tx(request) as t:
        holder, r = signed_in_renewal(t, rid)

        def run() -> tuple[int, dict[str, Any]]:
            certs = resolve_for_activation(t, r, body.cert_ids)
            precheck_certs(t, holder, r, certs)
            pw_key = "password:" + holder.holder_id
            if new_password_needed(t, holder):
                if not password_ok(body.password):
                    raise ApiError("AC-AB-0029")  # R23
                if body.password_confirm != body.password:
                    raise ApiError("AC-AB-0031")  # R22
                if not phrase_ok(body.revocation_phrase):
                    raise ApiError("AC-AB-0030")  # R24
                holder.cloud_password_hash = t.state.hash(body.password, pw_key)
            else:
                stored = holder.cloud_password_hash or ""
                if not secrets.compare_digest(stored, t.state.hash(body.password, pw_key)):
                    raise ApiError("AC-AB-0032")  # R25
                if not phrase_ok(body.revocation_phrase):
                    raise ApiError("AC-AB-0030")  # R24
            job = m.ActivationJob(
                job_id="J-" + secrets.token_hex(8),
                renewal_id=r.renewal_id,
                holder_id=holder.holder_id,
                cert_ids=[c.cert_id for c in certs],
                state="running",
                created_at=t.now,
                due_at_real=real_time() + t.settings.activation_seconds,
                results=[],
                will_fail=t.state.take_fault("activation_failures"),
            )
            t.s.add(job)
            for c in certs:
                c.state, c.job_id = "activating", job.job_id
                c.revocation_phrase_hash = t.state.hash(body.revocation_phrase, c.cert_id)
            return 202, job_json(job)

        return t.idempotent(body.model_dump(), run, scope="holder:" + holder.holder_id)


@router.get("/renewals/{rid}/activations")
def list_activations(rid: str, request: Request) -> dict[str, Any]:
    """The renewal's activation jobs, oldest first: how a kiosk that lost an activation's
    answer (or was switched off before it could write it down) finds the job again."""
    with tx(request) as t:
        r = renewal_of(t, rid, t.holder())
        jobs = t.s.scalars(
            select(m.ActivationJob)
            .where(m.ActivationJob.renewal_id == r.renewal_id)
            .order_by(m.ActivationJob.created_at, m.ActivationJob.job_id)
        ).all()
        return {"activations": [job_json(j) for j in jobs]}


@router.get("/activations/{job_id}")
def activation_status(job_id: str, request: Request) -> dict[str, Any]:
    with tx(request) as t:
        holder = t.holder()
        job = t.s.get(m.ActivationJob, job_id)
        if job is None or job.holder_id != holder.holder_id:
            raise ApiError("AC-AB-0003", {"job_id": job_id})
        return job_json(job)


@router.get("/ca.pem")
def ca_pem(request: Request) -> Response:
    pem = get_state(request).ca().cert_pem()
    data = pem.encode() if isinstance(pem, str) else pem
    return Response(data, media_type="application/x-pem-file")
