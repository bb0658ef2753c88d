"""The sandbox's database: one SQLite file standing in for four services' stores.

Tables are grouped by the service that would own them in production (registry, bureau,
e-ID, e-signature) plus the sandbox's own (meta, outbox). Codes, passwords and tokens are
stored only as keyed hashes; nobody can read a code back from the file.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Plain columns take their SQL type and nullability from the annotation alone
    (str -> String, datetime -> DateTime, `| None` -> NULL); `mapped_column` only where a
    column needs more (a key, an index, a default)."""


class Meta(Base):
    """Survives reset: the CA key pair, the HMAC secret, the clock's offset."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String, primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# --- registry -------------------------------------------------------------------------------


class Holder(Base):
    __tablename__ = "holders"
    holder_id: Mapped[str] = mapped_column(String, primary_key=True)
    id_number: Mapped[str] = mapped_column(String, unique=True, index=True)
    name: Mapped[str]
    name_zh: Mapped[str]
    branch: Mapped[str]
    # The identity document registered with the registry (R10/R11 compare it with the bureau).
    doc_type: Mapped[str] = mapped_column(String)  # "macau_id" | "passport"
    doc_expiry: Mapped[date]
    birth_date: Mapped[date]
    sex: Mapped[str]
    mobile: Mapped[str]
    eid_very_high: Mapped[bool]
    cloud_username: Mapped[str]
    cloud_password_hash: Mapped[str | None]


class Certificate(Base):
    __tablename__ = "certificates"
    cert_id: Mapped[str] = mapped_column(String, primary_key=True)
    holder_id: Mapped[str] = mapped_column(String, index=True)
    renewal_id: Mapped[str | None] = mapped_column(String, nullable=True, index=True)
    type: Mapped[str]
    serial: Mapped[str]
    expiry: Mapped[date]
    status: Mapped[str]
    holder_name: Mapped[str] = mapped_column(String)  # 證書持有人, as printed on the certificate
    email: Mapped[str]
    org_name: Mapped[str]
    department: Mapped[str]
    position: Mapped[str]
    transaction_limit: Mapped[str | None]
    agent_qualification: Mapped[str | None]
    # R20: the renewal record changes the certificate's data, so the original must be revoked.
    data_changed: Mapped[bool] = mapped_column(Boolean, default=False)
    # Lifecycle inside the renewal: pending -> activating -> renewed (cloud),
    # pending -> offline -> renewed (non-cloud, finished by staff).
    state: Mapped[str] = mapped_column(String, default="pending")
    queued_at: Mapped[datetime | None]
    job_id: Mapped[str | None]
    old_serial: Mapped[str | None]
    old_expiry: Mapped[date | None]
    renewed_at: Mapped[datetime | None]
    revocation_phrase_hash: Mapped[str | None]


class Renewal(Base):
    """The renewal records an institution confirmed for one holder, and how far they got."""

    __tablename__ = "renewals"
    renewal_id: Mapped[str] = mapped_column(String, primary_key=True)
    holder_id: Mapped[str] = mapped_column(String, index=True)
    confirmed_at: Mapped[datetime]
    due_notice_sent_at: Mapped[datetime | None]
    consent_given_at: Mapped[datetime | None]
    identity_checked_at: Mapped[datetime | None]
    face_match_id: Mapped[str | None]
    face_passed_at: Mapped[datetime | None]
    document_id: Mapped[str | None]
    document_pdf: Mapped[bytes | None]
    document_sha256: Mapped[str | None]
    declaration_accepted_at: Mapped[datetime | None]
    signature_id: Mapped[str | None]
    submitted_at: Mapped[datetime | None]
    # Where the holder was verified (R32's queue): the kiosk's X-Kiosk-ID at submission.
    verified_kiosk_id: Mapped[str | None]


class EmailVerification(Base):
    """One address of one renewal (R4-R8). Wrong tries count across codes for the lock."""

    __tablename__ = "email_verifications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    renewal_id: Mapped[str] = mapped_column(String, index=True)
    address: Mapped[str]
    code_hash: Mapped[str | None]
    code_expires_at: Mapped[datetime | None]
    code_used: Mapped[bool] = mapped_column(Boolean, default=False)
    wrong_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    verified_at: Mapped[datetime | None]


class Token(Base):
    __tablename__ = "tokens"
    token_hash: Mapped[str] = mapped_column(String, primary_key=True)
    kind: Mapped[str] = mapped_column(String)  # holder | staff
    subject: Mapped[str] = mapped_column(String)  # holder_id or staff_id
    expires_at: Mapped[datetime]


class ActivationJob(Base):
    __tablename__ = "activation_jobs"
    job_id: Mapped[str] = mapped_column(String, primary_key=True)
    renewal_id: Mapped[str] = mapped_column(String, index=True)
    holder_id: Mapped[str]
    cert_ids: Mapped[list[str]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)  # sandbox clock
    # Real (wall-clock) time: activation takes settings.activation_seconds of real time.
    due_at_real: Mapped[float] = mapped_column(Float)
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    error_code: Mapped[str | None]
    # Set from the sandbox's fault switch, so kiosks can rehearse a failed activation.
    will_fail: Mapped[bool] = mapped_column(Boolean, default=False)


class IdempotentResponse(Base):
    __tablename__ = "idempotency"
    scope: Mapped[str] = mapped_column(String, primary_key=True)  # holder_id or staff id
    key: Mapped[str] = mapped_column(String, primary_key=True)
    method: Mapped[str]
    path: Mapped[str]
    body_sha256: Mapped[str]
    status: Mapped[int]
    response: Mapped[dict[str, Any]] = mapped_column(JSON)


# --- identification bureau --------------------------------------------------------------------


class BureauRecord(Base):
    """The bureau's latest ID-card data for a Macau resident, and the registered face."""

    __tablename__ = "bureau_records"
    id_number: Mapped[str] = mapped_column(String, primary_key=True)
    name: Mapped[str]
    birth_date: Mapped[date]
    sex: Mapped[str]
    doc_expiry: Mapped[date]
    face_jpeg: Mapped[bytes]
    # H-REAUTH: the card data the bureau will hold once the holder has been verified (R21).
    change_after_check: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class Consent(Base):
    __tablename__ = "consents"
    token_hash: Mapped[str] = mapped_column(String, primary_key=True)
    holder_id: Mapped[str]
    renewal_id: Mapped[str]
    expires_at: Mapped[datetime]


class FaceMatch(Base):
    __tablename__ = "face_matches"
    match_id: Mapped[str] = mapped_column(String, primary_key=True)
    holder_id: Mapped[str]
    renewal_id: Mapped[str]
    score: Mapped[float] = mapped_column(Float)
    passed: Mapped[bool]
    at: Mapped[datetime]


# --- strong e-ID ----------------------------------------------------------------------------


class EidChallenge(Base):
    __tablename__ = "eid_challenges"
    challenge_id: Mapped[str] = mapped_column(String, primary_key=True)
    holder_id: Mapped[str]
    purpose: Mapped[str] = mapped_column(String)  # "login" | "renewal:<rid>"
    code_hash: Mapped[str]
    expires_at: Mapped[datetime]
    wrong_attempts: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[bool] = mapped_column(Boolean, default=False)


class EidAssertion(Base):
    __tablename__ = "eid_assertions"
    assertion_hash: Mapped[str] = mapped_column(String, primary_key=True)
    holder_id: Mapped[str]
    purpose: Mapped[str]
    expires_at: Mapped[datetime]
    used: Mapped[bool] = mapped_column(Boolean, default=False)


# --- e-signature ----------------------------------------------------------------------------


class SignatureRecord(Base):
    __tablename__ = "signatures"
    signature_id: Mapped[str] = mapped_column(String, primary_key=True)
    holder_id: Mapped[str]
    document_id: Mapped[str]
    signed_pdf: Mapped[bytes]
    signer: Mapped[str]
    signed_at: Mapped[datetime]


# --- counter desk (R32, sandbox/desk.py) ----------------------------------------------------


class InPersonCheck(Base):
    """The officer's check of a holder at the counter, per renewal: the ID card's number
    typed and matched, the live photo's tries, or the officer's attestation with a reason."""

    __tablename__ = "in_person_checks"
    renewal_id: Mapped[str] = mapped_column(String, primary_key=True)
    staff_id: Mapped[str]
    id_checked_at: Mapped[datetime | None]
    face_tries: Mapped[int] = mapped_column(Integer, default=0)
    face_passed_at: Mapped[datetime | None]
    attested_at: Mapped[datetime | None]
    attested_by: Mapped[str | None]
    attest_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class IssuedCertificate(Base):
    """A certificate the CA issued at the counter: one per renewal record, ever."""

    __tablename__ = "issued_certificates"
    cert_id: Mapped[str] = mapped_column(String, primary_key=True)
    renewal_id: Mapped[str | None] = mapped_column(String, nullable=True, index=True)
    serial: Mapped[str]
    cert_pem: Mapped[str] = mapped_column(Text)
    public_key_sha256: Mapped[str]
    issued_at: Mapped[datetime]
    staff_id: Mapped[str]
    idempotency_key: Mapped[str]
    response: Mapped[dict[str, Any]] = mapped_column(JSON)


# --- sandbox --------------------------------------------------------------------------------


class OutboxMessage(Base):
    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String)  # email | sms
    kind: Mapped[str]
    to: Mapped[str] = mapped_column(String, index=True)
    subject: Mapped[str]
    # Encrypted with a key that lives only in the server's memory: bodies carry codes.
    body_enc: Mapped[bytes]
    sent_at: Mapped[datetime]


RESET_TABLES = [
    t for t in Base.metadata.sorted_tables if t.name != "meta"
]
