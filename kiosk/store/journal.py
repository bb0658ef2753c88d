"""The renewal journal and the audit trail over SQLAlchemy 2: a kiosk's SQLite file, or
the site's PostgreSQL shared by its kiosks (the kiosk id in every row).

Implements `kiosk.flows.journal.Journal`. What is stored is what lets an interrupted
renewal resume without doing anything twice: references to the backend's records (renewal,
certificates, signature, activation job), the idempotency keys of the submission and the
activation, and the step. Never an ID number, a photo, a code, a password or a phrase:
the columns of kiosk/store/models.py are the whole schema, and none of them can hold one.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from kiosk.flows.journal import OPEN, AuditRecord, JournalEntry
from kiosk.services.errors import KIOSK_DISK_FULL, JournalFull
from kiosk.store.chain import GENESIS, ChainReport, row_hash, verify_rows
from kiosk.store.engine import make_engine
from kiosk.store.models import (
    AuditRow,
    Base,
    HeartbeatRow,
    OutboxRow,
    RenewalRow,
    SettingRow,
    field_values,
    utcnow,
)
from kiosk.store.paths import kiosk_identity

if TYPE_CHECKING:
    from kiosk.store.site import SiteForwarder

__all__ = ["AuditRow", "Base", "RenewalRow", "SettingRow", "SqlJournal", "make_engine"]

log = logging.getLogger(__name__)

_WRITE_TRIES = 8  # two writers of one kiosk's chain: the loser numbers its entry again


def _aware(value: datetime | None) -> datetime | None:
    # Both databases hand datetimes back naive; they were written in UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _naive(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


class SqlJournal:
    """`Journal` over SQLAlchemy; one short transaction per call (safe to kill at any time).

    With `site_url`, every audit entry, journal change and heartbeat is also put in the
    outbox in the same transaction, and a SiteForwarder sends the outbox to the site store
    whenever it answers: the kiosk never waits for it."""

    def __init__(
        self,
        url: str | None = None,
        engine: Engine | None = None,
        *,
        kiosk_id: str | None = None,
        site_url: str | None = None,
        background: bool = True,
    ) -> None:
        self.kiosk_id = kiosk_id or kiosk_identity(url)
        self.engine = engine or make_engine(url, kiosk_id=self.kiosk_id)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.site_url = site_url
        self.forwarder: SiteForwarder | None = None
        if site_url is not None:
            from kiosk.store.site import SiteForwarder

            self.forwarder = SiteForwarder(self, site_url, background=background)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        if self.forwarder is not None:
            self.forwarder.close()
        self.engine.dispose()

    # --- Journal protocol ----------------------------------------------------------------

    def open_entry(self, holder_id: str) -> JournalEntry | None:
        with self._sessions() as s:
            row = s.scalars(
                self._own(select(RenewalRow))
                .where(RenewalRow.holder_id == holder_id, RenewalRow.state == OPEN)
                .order_by(RenewalRow.id.desc())
            ).first()
            return _entry(row) if row else None

    def save(self, entry: JournalEntry) -> None:
        with _disk_full_said(), self._sessions.begin() as s:
            row = self._row(s, entry.holder_id, entry.renewal_id)
            if row is None:
                row = RenewalRow(
                    kiosk_id=self.kiosk_id, holder_id=entry.holder_id, renewal_id=entry.renewal_id
                )
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
            row.submitted_at = _naive(entry.submitted_at)
            row.updated_at = utcnow()
            self._enqueue_journal(s, row)
        self._notify()

    def finish(self, holder_id: str, renewal_id: str, state: str) -> None:
        with _disk_full_said(), self._sessions.begin() as s:
            row = self._row(s, holder_id, renewal_id)
            if row is not None:
                row.state = state
                row.updated_at = utcnow()
                self._enqueue_journal(s, row)
        self._notify()

    def audit(self, record: AuditRecord) -> None:
        for attempt in range(_WRITE_TRIES):
            try:
                with self._sessions.begin() as s:
                    self._append(s, record)
                break
            except (IntegrityError, OperationalError) as err:
                if _is_full(err):
                    raise JournalFull.from_kiosk(KIOSK_DISK_FULL) from err
                # Another writer took this number (or held SQLite's lock): read the end of
                # the chain again and take the next one.
                if attempt == _WRITE_TRIES - 1:
                    raise
                time.sleep(0.01 * (attempt + 1))
        self._notify()

    # --- beyond the protocol: kiosk start-up, staff views, settings, the site -------------

    def entries(self, holder_id: str | None = None) -> list[JournalEntry]:
        with self._sessions() as s:
            q = self._own(select(RenewalRow)).order_by(RenewalRow.id)
            if holder_id is not None:
                q = q.where(RenewalRow.holder_id == holder_id)
            return [_entry(r) for r in s.scalars(q)]

    def open_entries(self) -> list[JournalEntry]:
        return [e for e in self.entries() if e.state == OPEN]

    def audit_trail(self, renewal_id: str | None = None) -> list[AuditRecord]:
        with self._sessions() as s:
            q = select(AuditRow).where(AuditRow.kiosk_id == self.kiosk_id).order_by(AuditRow.seq)
            if renewal_id is not None:
                q = q.where(AuditRow.renewal_id == renewal_id)
            return [AuditRecord(**field_values(r, AuditRecord)) for r in s.scalars(q)]

    def verify_audit(self, kiosk_id: str | None = None) -> list[ChainReport]:
        """The chain of `kiosk_id`, or of every kiosk whose entries this database holds."""
        return verify_audit(self.engine, kiosk_id)

    def purge_closed(self, days: float) -> int:
        """Forgets this kiosk's finished renewals not touched for `days`; returns how many.
        Open ones stay (they may still resume) and so does the audit trail."""
        cutoff = utcnow() - timedelta(days=days)
        with self._sessions.begin() as s:
            done = s.execute(
                self._own(delete(RenewalRow)).where(
                    RenewalRow.state != OPEN, RenewalRow.updated_at < cutoff
                )
            )
            return int(getattr(done, "rowcount", 0) or 0)

    def heartbeat(
        self,
        *,
        version: str,
        mode: str,
        camera: str,
        printer: str,
        backend: str,
        unprinted_receipts: int = 0,
        open_renewals: int | None = None,
    ) -> None:
        """Records this kiosk's state for `kiosk site status` (strings as the caller sees
        them, e.g. camera "ok 1280x720@30", printer "offline"); open renewals counted from
        this journal unless given."""
        if open_renewals is None:
            open_renewals = len(self.open_entries())
        values = {
            "kiosk_id": self.kiosk_id,
            "at": utcnow(),
            "version": version[:40],
            "mode": mode[:40],
            "camera": camera[:80],
            "printer": printer[:80],
            "backend": backend[:80],
            "unprinted_receipts": int(unprinted_receipts),
            "open_renewals": int(open_renewals),
        }
        with self._sessions.begin() as s:
            s.merge(HeartbeatRow(**values))
            if self.forwarder is not None:
                # Only the newest heartbeat is worth sending.
                s.execute(delete(OutboxRow).where(OutboxRow.kind == "heartbeat"))
                s.add(_outbox("heartbeat", f"heartbeat:{self.kiosk_id}", values))
        self._notify()

    def pending(self) -> int:
        """How many outbox rows still wait for the site store."""
        with self._sessions() as s:
            return int(s.scalar(select(func.count()).select_from(OutboxRow)) or 0)

    # --- inside ---------------------------------------------------------------------------

    def _own(self, q: Any) -> Any:
        return q.where(RenewalRow.kiosk_id == self.kiosk_id)

    def _row(self, s: Session, holder_id: str, renewal_id: str) -> RenewalRow | None:
        return s.scalars(
            self._own(select(RenewalRow))
            .where(RenewalRow.holder_id == holder_id, RenewalRow.renewal_id == renewal_id)
            .order_by(RenewalRow.id.desc())
        ).first()

    def _append(self, s: Session, record: AuditRecord) -> None:
        last = s.execute(
            select(AuditRow.seq, AuditRow.hash)
            .where(AuditRow.kiosk_id == self.kiosk_id)
            .order_by(AuditRow.seq.desc())
            .limit(1)
        ).first()
        row = AuditRow(
            kiosk_id=self.kiosk_id,
            seq=(last.seq + 1) if last else 1,
            at=utcnow(),
            **field_values(record, AuditRecord),
            prev_hash=last.hash if last else GENESIS,
        )
        row.hash = row_hash(row)
        s.add(row)
        if self.forwarder is not None:
            s.add(_outbox("audit", f"audit:{row.kiosk_id}:{row.seq}", audit_payload(row)))

    def _enqueue_journal(self, s: Session, row: RenewalRow) -> None:
        if self.forwarder is None:
            return
        s.flush()
        payload = {
            c.name: getattr(row, c.name) for c in RenewalRow.__table__.columns if c.name != "id"
        }
        s.add(
            _outbox("journal", f"journal:{row.kiosk_id}:{row.holder_id}:{row.renewal_id}", payload)
        )

    def _notify(self) -> None:
        if self.forwarder is not None:
            self.forwarder.notify()


def _is_full(err: Exception) -> bool:
    """SQLite's SQLITE_FULL ("database or disk is full"), PostgreSQL's disk full (53100)."""
    text = str(getattr(err, "orig", err)).lower()
    return "disk is full" in text or "no space left" in text or \
        getattr(getattr(err, "orig", None), "sqlstate", None) == "53100"


@contextlib.contextmanager
def _disk_full_said() -> Iterator[None]:
    """A write the disk has no room for: a JournalFull (AC-KI-0010, the flow shows it),
    the transaction rolled back, nothing already written lost."""
    try:
        yield
    except OperationalError as err:
        if _is_full(err):
            raise JournalFull.from_kiosk(KIOSK_DISK_FULL) from err
        raise


def audit_payload(row: AuditRow) -> dict[str, Any]:
    return {c.name: getattr(row, c.name) for c in AuditRow.__table__.columns if c.name != "id"}


def _outbox(kind: str, ref: str, values: dict[str, Any]) -> OutboxRow:
    return OutboxRow(kind=kind, ref=ref, payload=json.dumps(values, default=_json_default))


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, bytes):
        return {"$b": value.hex()}
    raise TypeError(type(value).__name__)


def verify_audit(engine: Engine, kiosk_id: str | None = None) -> list[ChainReport]:
    with Session(engine) as s:
        kiosks = (
            [kiosk_id]
            if kiosk_id is not None
            else list(s.scalars(select(AuditRow.kiosk_id).distinct().order_by(AuditRow.kiosk_id)))
        )
        return [
            verify_rows(
                k,
                s.scalars(
                    select(AuditRow)
                    .where(AuditRow.kiosk_id == k)
                    .order_by(AuditRow.seq, AuditRow.id)
                    .execution_options(yield_per=500)
                ),
            )
            for k in kiosks
        ]


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
