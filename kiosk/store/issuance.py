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
from kiosk.store.models import IssuanceRow, utcnow


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
                row = IssuanceRow(cert_id=record.cert_id, kiosk_id=self.journal.kiosk_id)
                s.add(row)
            row.renewal_id = record.renewal_id
            row.idempotency_key = record.idempotency_key
            row.key_id = record.key_id
            row.token_label = record.token_label
            row.state = record.state
            row.new_serial = record.new_serial
            row.updated_at = utcnow()

    def audit(self, record: AuditRecord) -> None:
        self.journal.audit(record)
