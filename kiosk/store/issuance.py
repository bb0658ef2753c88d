"""The desk's issuance journal (kiosk/desk/journal.py) in the renewal journal's database.

Its own table (`desk_issuance`, kiosk/store/models.py, migration 0003) on the same engine,
one short transaction per call (safe to kill at any time); the audit trail is the renewal
journal's. Columns hold references only.
"""

from __future__ import annotations

from sqlalchemy.orm import sessionmaker

from kiosk.desk.journal import IssuanceRecord
from kiosk.flows.journal import AuditRecord
from kiosk.store.journal import SqlJournal
from kiosk.store.models import IssuanceRow, field_values, utcnow


class SqlIssuanceJournal:
    """`IssuanceJournal` beside a `SqlJournal` (same database file or server)."""

    def __init__(self, journal: SqlJournal) -> None:
        self.journal = journal
        self._sessions = sessionmaker(journal.engine, expire_on_commit=False)

    def issuance(self, cert_id: str) -> IssuanceRecord | None:
        with self._sessions() as s:
            row = s.get(IssuanceRow, cert_id)
            if row is None:
                return None
            return IssuanceRecord(**field_values(row, IssuanceRecord))

    def save_issuance(self, record: IssuanceRecord) -> None:
        with self._sessions.begin() as s:
            row = s.get(IssuanceRow, record.cert_id)
            if row is None:
                row = IssuanceRow(cert_id=record.cert_id, kiosk_id=self.journal.kiosk_id)
                s.add(row)
            values = field_values(record, IssuanceRecord)
            del values["cert_id"]  # the row's key: it was found by it
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_at = utcnow()

    def audit(self, record: AuditRecord) -> None:
        self.journal.audit(record)
