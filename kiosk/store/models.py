"""The store's tables, one declaration for SQLite (one kiosk) and PostgreSQL (a site).

Every row carries the kiosk it came from, so a site's kiosks share one database. The
schema itself is made by the Alembic migrations in `migrations/` (`kiosk db upgrade`);
these models must agree with them (tests/store/test_migrations.py compares the two).
The desk's issuance journal is 0003; receipts get their own model and migration on top.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kiosk.flows.journal import OPEN

SITE_WIDE = "*"  # kiosk_settings.kiosk_id of a setting every kiosk of the site takes


def utcnow() -> datetime:
    # Naive UTC in the database: SQLite keeps no zone and PostgreSQL's `timestamp` neither,
    # so both hand back exactly what the audit hash was computed over.
    return datetime.now(UTC).replace(tzinfo=None)


def field_values(source: object, record_type: Any) -> dict[str, Any]:
    """`source`'s attributes named as the fields of the dataclass `record_type`: a row's
    columns for its record (`record_type(**…)`), or a record's fields for its row."""
    return {f.name: getattr(source, f.name) for f in dataclasses.fields(record_type)}


class Base(DeclarativeBase):
    pass


class RenewalRow(Base):
    __tablename__ = "renewal_journal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(64), index=True, server_default="")
    holder_id: Mapped[str] = mapped_column(String(64), index=True)
    renewal_id: Mapped[str] = mapped_column(String(64), index=True)
    step: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default=OPEN, index=True)
    cert_ids: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of references
    activation_cert_ids: Mapped[str] = mapped_column(Text, default="[]")
    submit_key: Mapped[str | None] = mapped_column(String(80))
    activation_key: Mapped[str | None] = mapped_column(String(80))
    signature_id: Mapped[str | None] = mapped_column(String(80))
    job_id: Mapped[str | None] = mapped_column(String(80))
    sign_key: Mapped[str | None] = mapped_column(String(80))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AuditRow(Base):
    """One entry of a kiosk's audit chain: `hash` covers the entry and `prev_hash`, the
    hash of the kiosk's entry `seq - 1` (kiosk/store/chain.py)."""

    __tablename__ = "audit_trail"
    __table_args__ = (UniqueConstraint("kiosk_id", "seq", name="uq_audit_trail_kiosk_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(64), server_default="")
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    renewal_id: Mapped[str | None] = mapped_column(String(64), index=True)
    step: Mapped[str] = mapped_column(String(64))
    call: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(32))
    help_code: Mapped[str | None] = mapped_column(String(16))
    request_id: Mapped[str | None] = mapped_column(String(80))
    # Raw bytes, not hex: a hex digest in the file could contain a holder's 6-digit code by
    # chance, and the privacy tests scan the file for those.
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class SettingRow(Base):
    """Settings (kiosk/store/settings.py): known keys only, checked values. `kiosk_id` is
    SITE_WIDE for a value every kiosk takes, or the kiosk whose own value it is."""

    __tablename__ = "kiosk_settings"
    __table_args__ = (PrimaryKeyConstraint("kiosk_id", "key", name="pk_kiosk_settings"),)

    kiosk_id: Mapped[str] = mapped_column(String(64), server_default=SITE_WIDE)
    key: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(Text)


class OutboxRow(Base):
    """What a kiosk still has to send to its site store (kiosk/store/site.py). `ref` names
    the thing sent (e.g. audit:LOBBY-1:17), which the site's insert is idempotent on."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    ref: Mapped[str] = mapped_column(String(200))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime | None] = mapped_column(DateTime, default=utcnow)


class HeartbeatRow(Base):
    """The newest heartbeat of each kiosk (`kiosk site status`)."""

    __tablename__ = "kiosk_heartbeat"

    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    version: Mapped[str] = mapped_column(String(40))
    mode: Mapped[str] = mapped_column(String(40))
    camera: Mapped[str] = mapped_column(String(80))
    printer: Mapped[str] = mapped_column(String(80))
    backend: Mapped[str] = mapped_column(String(80))
    unprinted_receipts: Mapped[int] = mapped_column(Integer)
    open_renewals: Mapped[int] = mapped_column(Integer)


class IssuanceRow(Base):
    """The counter desk's issuance of one certificate onto a holder's token, exactly once
    (kiosk/store/issuance.py): references only, never a PIN."""

    __tablename__ = "desk_issuance"

    cert_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(64), index=True, server_default="")
    renewal_id: Mapped[str] = mapped_column(String(64), index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(80))
    key_id: Mapped[str | None] = mapped_column(String(64))
    token_label: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    new_serial: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime)
