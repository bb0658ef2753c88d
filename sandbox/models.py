"""The sandbox's database: one SQLite file standing in for four services' stores.

Tables are grouped by the service that would own them in production (registry, bureau,
e-ID, e-signature) plus the sandbox's own (meta, outbox). Codes, passwords and tokens are
stored only as keyed hashes; nobody can read a code back from the file.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


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
    name: Mapped[str] = mapped_column(String)
    name_zh: Mapped[str] = mapped_column(String)
    branch: Mapped[str] = mapped_column(String)
    # The identity document registered with the registry (R10/R11 compare it with the bureau).
    doc_type: Mapped[str] = mapped_column(String)  # "macau_id" | "passport"
    doc_expiry: Mapped[date] = mapped_column(Date)
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String)
    mobile: Mapped[str] = mapped_column(String)
    eid_very_high: Mapped[bool] = mapped_column(Boolean)
    cloud_username: Mapped[str] = mapped_column(String)
    cloud_password_hash: Mapped[str | None] = mapped_column(String, nullable=True)


class Certificate(Base):
    __tablename__ = "certificates"
    cert_id: Mapped[str] = mapped_column(String, primary_key=True)
    holder_id: Mapped[str] = mapped_column(String, index=True)
    renewal_id: Mapped[str | None] = mapped_column(String, nullable=True, index=True)
    type: Mapped[str] = mapped_column(String)
    serial: Mapped[str] = mapped_column(String)
    expiry: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String)
    holder_name: Mapped[str] = mapped_column(String)  # 證書持有人, as printed on the certificate
    email: Mapped[str] = mapped_column(String)
    org_name: Mapped[str] = mapped_column(String)
    department: Mapped[str] = mapped_column(String)
    position: Mapped[str] = mapped_column(String)
    transaction_limit: Mapped[str | None] = mapped_column(String, nullable=True)
    agent_qualification: Mapped[str | None] = mapped_column(String, nullable=True)
    # R20: the renewal record changes the certificate's data, so the original must be revoked.
    data_changed: Mapped[bool] = mapped_column(Boolean, default=False)
    # Lifecycle inside the renewal: pending -> activating -> renewed (cloud),
    # pending -> offline -> renewed (non-cloud, finished by staff).
    state: Mapped[str] = mapped_column(String, default="pending")
    queued_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    job_id: Mapped[str | None] = mapped_column(String, nullable=True)
    old_serial: Mapped[str | None] = mapped_column(String, nullable=True)
    old_expiry: Mapped[date | None] = mapped_column(Date, nullable=True)
    renewed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    revocation_phrase_hash: Mapped[str | None] = mapped_column(String, nullable=True)


class Renewal(Base):
    """The renewal records an institution confirmed for one holder, and how far they got."""

    __tablename__ = "renewals"
    renewal_id: Mapped[str] = mapped_column(String, primary_key=True)
    holder_id: Mapped[str] = mapped_column(String, index=True)
    confirmed_at: Mapped[datetime] = mapped_column(DateTime)
    due_notice_sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    consent_given_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    identity_checked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    face_match_id: Mapped[str | None] = mapped_column(String, nullable=True)
    face_passed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    document_id: Mapped[str | None] = mapped_column(String, nullable=True)
    document_pdf: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    document_sha256: Mapped[str | None] = mapped_column(String, nullable=True)
    declaration_accepted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    signature_id: Mapped[str | None] = mapped_column(String, nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # Where the holder was verified (R32's queue): the kiosk's X-Kiosk-ID at submission.
    verified_kiosk_id: Mapped[str | None] = mapped_column(String, nullable=True)


class EmailVerification(Base):
    """One address of one renewal (R4-R8). Wrong tries count across codes for the lock."""

    __tablename__ = "email_verifications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    renewal_id: Mapped[str] = mapped_column(String, index=True)
    address: Mapped[str] = mapped_column(String)
    code_hash: Mapped[str | None] = mapped_column(String, nullable=True)
    code_expires_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    code_used: Mapped[bool] = mapped_column(Boolean, default=False)
    wrong_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Token(Base):
    __tablename__ = "tokens"
    token_hash: Mapped[str] = mapped_column(String, primary_key=True)
    kind: Mapped[str] = mapped_column(String)  # holder | staff
    subject: Mapped[str] = mapped_column(String)  # holder_id or staff_id
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class ActivationJob(Base):
    __tablename__ = "activation_jobs"
    job_id: Mapped[str] = mapped_column(String, primary_key=True)
    renewal_id: Mapped[str] = mapped_column(String, index=True)
    holder_id: Mapped[str] = mapped_column(String)
    cert_ids: Mapped[list[str]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)  # sandbox clock
    # Real (wall-clock) time: activation takes settings.activation_seconds of real time.
    due_at_real: Mapped[float] = mapped_column(Float)
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    error_code: Mapped[str | None] = mapped_column(String, nullable=True)
    # Set from the sandbox's fault switch, so kiosks can rehearse a failed activation.
    will_fail: Mapped[bool] = mapped_column(Boolean, default=False)


class IdempotentResponse(Base):
    __tablename__ = "idempotency"
    scope: Mapped[str] = mapped_column(String, primary_key=True)  # holder_id or staff id
    key: Mapped[str] = mapped_column(String, primary_key=True)
    method: Mapped[str] = mapped_column(String)
    path: Mapped[str] = mapped_column(String)
    body_sha256: Mapped[str] = mapped_column(String)
    status: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)


# --- identification bureau --------------------------------------------------------------------


class BureauRecord(Base):
    """The bureau's latest ID-card data for a Macau resident, and the registered face."""

    __tablename__ = "bureau_records"
    id_number: Mapped[str] = mapped_column(String, primary_key=True)
    name: Mapped[str] = mapped_column(String)
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String)
    doc_expiry: Mapped[date] = mapped_column(Date)
    face_jpeg: Mapped[bytes] = mapped_column(LargeBinary)
    # H-REAUTH: the card data the bureau will hold once the holder has been verified (R21).
    change_after_check: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class Consent(Base):
    __tablename__ = "consents"
    token_hash: Mapped[str] = mapped_column(String, primary_key=True)
    holder_id: Mapped[str] = mapped_column(String)
    renewal_id: Mapped[str] = mapped_column(String)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class FaceMatch(Base):
    __tablename__ = "face_matches"
    match_id: Mapped[str] = mapped_column(String, primary_key=True)
    holder_id: Mapped[str] = mapped_column(String)
    renewal_id: Mapped[str] = mapped_column(String)
    score: Mapped[float] = mapped_column(Float)
    passed: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(DateTime)


# --- strong e-ID ----------------------------------------------------------------------------


class EidChallenge(Base):
    __tablename__ = "eid_challenges"
    challenge_id: Mapped[str] = mapped_column(String, primary_key=True)
    holder_id: Mapped[str] = mapped_column(String)
    purpose: Mapped[str] = mapped_column(String)  # "login" | "renewal:<rid>"
    code_hash: Mapped[str] = mapped_column(String)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    wrong_attempts: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[bool] = mapped_column(Boolean, default=False)


class EidAssertion(Base):
    __tablename__ = "eid_assertions"
    assertion_hash: Mapped[str] = mapped_column(String, primary_key=True)
    holder_id: Mapped[str] = mapped_column(String)
    purpose: Mapped[str] = mapped_column(String)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used: Mapped[bool] = mapped_column(Boolean, default=False)


# --- e-signature ----------------------------------------------------------------------------


class SignatureRecord(Base):
    __tablename__ = "signatures"
    signature_id: Mapped[str] = mapped_column(String, primary_key=True)
    holder_id: Mapped[str] = mapped_column(String)
    document_id: Mapped[str] = mapped_column(String)
    signed_pdf: Mapped[bytes] = mapped_column(LargeBinary)
    signer: Mapped[str] = mapped_column(String)
    signed_at: Mapped[datetime] = mapped_column(DateTime)


# --- counter desk (R32, sandbox/desk.py) ----------------------------------------------------


class InPersonCheck(Base):
    """The officer's check of a holder at the counter, per renewal: the ID card's number
    typed and matched, the live photo's tries, or the officer's attestation with a reason."""

    __tablename__ = "in_person_checks"
    renewal_id: Mapped[str] = mapped_column(String, primary_key=True)
    staff_id: Mapped[str] = mapped_column(String)
    id_checked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    face_tries: Mapped[int] = mapped_column(Integer, default=0)
    face_passed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    attested_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    attested_by: Mapped[str | None] = mapped_column(String, nullable=True)
    attest_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class IssuedCertificate(Base):
    """A certificate the CA issued at the counter: one per renewal record, ever."""

    __tablename__ = "issued_certificates"
    cert_id: Mapped[str] = mapped_column(String, primary_key=True)
    renewal_id: Mapped[str | None] = mapped_column(String, nullable=True, index=True)
    serial: Mapped[str] = mapped_column(String)
    cert_pem: Mapped[str] = mapped_column(Text)
    public_key_sha256: Mapped[str] = mapped_column(String)
    issued_at: Mapped[datetime] = mapped_column(DateTime)
    staff_id: Mapped[str] = mapped_column(String)
    idempotency_key: Mapped[str] = mapped_column(String)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)


# --- sandbox --------------------------------------------------------------------------------


class OutboxMessage(Base):
    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String)  # email | sms
    kind: Mapped[str] = mapped_column(String)
    to: Mapped[str] = mapped_column(String, index=True)
    subject: Mapped[str] = mapped_column(String)
    # Encrypted with a key that lives only in the server's memory: bodies carry codes.
    body_enc: Mapped[bytes] = mapped_column(LargeBinary)
    sent_at: Mapped[datetime] = mapped_column(DateTime)


RESET_TABLES = [
    t for t in Base.metadata.sorted_tables if t.name != "meta"
]
