"""The desk's issuance journal (kiosk/desk/journal.py) in the renewal journal's database.

Its own table on the same engine, one short transaction per call (safe to kill at any
time); the audit trail is the renewal journal's. Columns hold references only.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from kiosk.desk.journal import IssuanceRecord
from kiosk.flows.journal import AuditRecord
from kiosk.store.journal import SqlJournal


class _Base(DeclarativeBase):
    pass


class IssuanceRow(_Base):
    __tablename__ = "desk_issuance"

    cert_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    renewal_id: Mapped[str] = mapped_column(String(64), index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(80))
    key_id: Mapped[str | None] = mapped_column(String(64))
    token_label: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    new_serial: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class SqlIssuanceJournal:
    """`IssuanceJournal` beside a `SqlJournal` (same database file or server)."""

    def __init__(self, journal: SqlJournal) -> None:
        self.journal = journal
        _Base.metadata.create_all(journal.engine)
        self._sessions = sessionmaker(journal.engine, expire_on_commit=False)

    def issuance(self, cert_id: str) -> IssuanceRecord | None:
        with self._sessions() as s:
            row = s.get(IssuanceRow, cert_id)
            if row is None:
                return None
            return IssuanceRecord(
                cert_id=row.cert_id,
                renewal_id=row.renewal_id,
                idempotency_key=row.idempotency_key,
                key_id=row.key_id,
                token_label=row.token_label,
                state=row.state,
                new_serial=row.new_serial,
            )

    def save_issuance(self, record: IssuanceRecord) -> None:
        with self._sessions.begin() as s:
            row = s.get(IssuanceRow, record.cert_id)
            if row is None:
                row = IssuanceRow(cert_id=record.cert_id)
                s.add(row)
            row.renewal_id = record.renewal_id
            row.idempotency_key = record.idempotency_key
            row.key_id = record.key_id
            row.token_label = record.token_label
            row.state = record.state
            row.new_serial = record.new_serial
            row.updated_at = datetime.now(UTC)

    def audit(self, record: AuditRecord) -> None:
        self.journal.audit(record)
