"""The renewal journal, audit trail and settings table in SQLite (SQLAlchemy 2).

Implements `kiosk.flows.journal.Journal`. What is stored is what lets an interrupted
renewal resume without doing anything twice: references to the backend's records (renewal,
certificates, signature, activation job), the idempotency keys of the submission and the
activation, and the step. Never an ID number, a photo, a code, a password or a phrase:
the columns below are the whole schema, and none of them can hold one.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    Integer,
    String,
    Text,
    create_engine,
    event,
    inspect,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from kiosk.flows.journal import OPEN, AuditRecord, JournalEntry
from kiosk.store.paths import default_db_url


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    # SQLite hands datetimes back naive; they were written in UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class Base(DeclarativeBase):
    pass


class RenewalRow(Base):
    __tablename__ = "renewal_journal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
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
    created_at: Mapped[datetime] = mapped_column(DateTime, default=_utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=_utcnow)


class AuditRow(Base):
    __tablename__ = "audit_trail"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=_utcnow)
    renewal_id: Mapped[str | None] = mapped_column(String(64), index=True)
    step: Mapped[str] = mapped_column(String(64))
    call: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(32))
    help_code: Mapped[str | None] = mapped_column(String(16))
    request_id: Mapped[str | None] = mapped_column(String(80))


class SettingRow(Base):
    """The kiosk's settings (kiosk/store/settings.py): known keys only, checked values."""

    __tablename__ = "kiosk_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


def make_engine(url: str | None = None) -> Engine:
    engine = create_engine(url or default_db_url(), future=True)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            # WAL + synchronous=FULL: a power cut after a commit loses nothing.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.close()

    Base.metadata.create_all(engine)
    _upgrade(engine)
    return engine


_DROPPED_COLUMNS = {"facts"}  # never written: removed after the review of 22abdc5


def _upgrade(engine: Engine) -> None:
    """A journal file written by an older kiosk gets the columns added since (all of them
    nullable) and loses the ones dropped since, so its open renewals still resume."""
    have = {c["name"] for c in inspect(engine).get_columns(RenewalRow.__tablename__)}
    table = RenewalRow.__table__
    with engine.begin() as conn:
        for dropped in _DROPPED_COLUMNS & have:
            # NOT NULL without a default in old files: inserts would fail while it exists.
            conn.exec_driver_sql(f'ALTER TABLE {RenewalRow.__tablename__} DROP COLUMN "{dropped}"')
        for column in table.columns:
            if column.name not in have and column.nullable:
                kind = column.type.compile(engine.dialect)
                conn.exec_driver_sql(
                    f'ALTER TABLE {RenewalRow.__tablename__} ADD COLUMN "{column.name}" {kind}'
                )


class SqlJournal:
    """`Journal` over SQLAlchemy; one short transaction per call (safe to kill at any time)."""

    def __init__(self, url: str | None = None, engine: Engine | None = None) -> None:
        self.engine = engine or make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()

    # --- Journal protocol ----------------------------------------------------------------

    def open_entry(self, holder_id: str) -> JournalEntry | None:
        with self._sessions() as s:
            row = s.scalars(
                select(RenewalRow)
                .where(RenewalRow.holder_id == holder_id, RenewalRow.state == OPEN)
                .order_by(RenewalRow.id.desc())
            ).first()
            return _entry(row) if row else None

    def save(self, entry: JournalEntry) -> None:
        with self._sessions.begin() as s:
            row = self._row(s, entry.holder_id, entry.renewal_id)
            if row is None:
                row = RenewalRow(holder_id=entry.holder_id, renewal_id=entry.renewal_id)
                s.add(row)
            row.step = entry.step
            row.state = entry.state
            row.cert_ids = json.dumps(list(entry.cert_ids))
            row.activation_cert_ids = json.dumps(list(entry.activation_cert_ids))
            row.submit_key = entry.submit_key
            row.activation_key = entry.activation_key
            row.signature_id = entry.signature_id
            row.job_id = entry.job_id
            row.sign_key = entry.sign_key
            row.submitted_at = entry.submitted_at
            row.updated_at = _utcnow()

    def finish(self, holder_id: str, renewal_id: str, state: str) -> None:
        with self._sessions.begin() as s:
            row = self._row(s, holder_id, renewal_id)
            if row is not None:
                row.state = state
                row.updated_at = _utcnow()

    def audit(self, record: AuditRecord) -> None:
        with self._sessions.begin() as s:
            s.add(
                AuditRow(
                    renewal_id=record.renewal_id,
                    step=record.step,
                    call=record.call,
                    outcome=record.outcome,
                    help_code=record.help_code,
                    request_id=record.request_id,
                )
            )

    # --- beyond the protocol: kiosk start-up, staff views, settings -----------------------

    def entries(self, holder_id: str | None = None) -> list[JournalEntry]:
        with self._sessions() as s:
            q = select(RenewalRow).order_by(RenewalRow.id)
            if holder_id is not None:
                q = q.where(RenewalRow.holder_id == holder_id)
            return [_entry(r) for r in s.scalars(q)]

    def open_entries(self) -> list[JournalEntry]:
        return [e for e in self.entries() if e.state == OPEN]

    def audit_trail(self, renewal_id: str | None = None) -> list[AuditRecord]:
        with self._sessions() as s:
            q = select(AuditRow).order_by(AuditRow.id)
            if renewal_id is not None:
                q = q.where(AuditRow.renewal_id == renewal_id)
            return [
                AuditRecord(
                    step=r.step,
                    call=r.call,
                    outcome=r.outcome,
                    renewal_id=r.renewal_id,
                    help_code=r.help_code,
                    request_id=r.request_id,
                )
                for r in s.scalars(q)
            ]

    @staticmethod
    def _row(s: Session, holder_id: str, renewal_id: str) -> RenewalRow | None:
        return s.scalars(
            select(RenewalRow)
            .where(RenewalRow.holder_id == holder_id, RenewalRow.renewal_id == renewal_id)
            .order_by(RenewalRow.id.desc())
        ).first()


def _entry(row: RenewalRow) -> JournalEntry:
    return JournalEntry(
        holder_id=row.holder_id,
        renewal_id=row.renewal_id,
        step=row.step,
        cert_ids=tuple(json.loads(row.cert_ids or "[]")),
        activation_cert_ids=tuple(json.loads(row.activation_cert_ids or "[]")),
        submit_key=row.submit_key,
        activation_key=row.activation_key,
        signature_id=row.signature_id,
        submitted_at=_aware(row.submitted_at),
        job_id=row.job_id,
        sign_key=row.sign_key,
        state=row.state,
        updated_at=_aware(row.updated_at),
    )
