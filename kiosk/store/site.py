"""A kiosk and its site store: the outbox forwarder and the fleet's heartbeats.

A lobby kiosk must keep working while the site's database is away, so it journals in its
own SQLite file and puts what the site must have (audit entries, journal changes, the
heartbeat; receipts later) in an outbox in the same transaction. The forwarder sends the
outbox in order whenever the site answers and deletes what the site committed. A reply
lost between the two only means sending again: every insert on the site side is idempotent
on the row's natural key (kiosk + seq for an audit entry), so each arrives exactly once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from kiosk.store.models import AuditRow, HeartbeatRow, OutboxRow, RenewalRow, field_values, utcnow

if TYPE_CHECKING:
    from kiosk.store.journal import SqlJournal

log = logging.getLogger(__name__)

BATCH = 200
RETRY_MIN_S = 2.0
RETRY_MAX_S = 60.0
PURGE_EVERY_S = 3600.0


def _insert_once(s: Session, table: Any, values: dict[str, Any], keys: list[str]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING on `keys`; True when the row was new."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = s.get_bind().dialect.name
    stmt: Any
    if dialect == "postgresql":
        stmt = postgresql.insert(table)
    elif dialect == "sqlite":
        stmt = sqlite.insert(table)
    else:  # the store runs on these two
        raise RuntimeError(f"no idempotent insert for {dialect}")
    # RETURNING, not rowcount: psycopg reports -1 rows for a statement that returns rows,
    # which SQLAlchemy makes of an insert whose primary key it fetches.
    stmt = stmt.values(**values).on_conflict_do_nothing(index_elements=keys)
    return s.execute(stmt.returning(table.c[keys[0]])).first() is not None


def _put_audit(s: Session, values: dict[str, Any]) -> None:
    if _insert_once(s, AuditRow.__table__, values, ["kiosk_id", "seq"]):
        return
    there = s.scalar(
        select(AuditRow.hash).where(
            AuditRow.kiosk_id == values["kiosk_id"], AuditRow.seq == values["seq"]
        )
    )
    if there != values["hash"]:
        # The same kiosk id with a different entry at this number: two terminals share an
        # id, or a kiosk's file was replaced. The site keeps what it has; say it loudly.
        log.error(
            "site store: audit entry %s of kiosk %s differs from the one already stored;"
            " kept the stored one (two kiosks with one id?)",
            values["seq"],
            values["kiosk_id"],
        )


def _put_journal(s: Session, values: dict[str, Any]) -> None:
    row = s.scalars(
        select(RenewalRow).where(
            RenewalRow.kiosk_id == values["kiosk_id"],
            RenewalRow.holder_id == values["holder_id"],
            RenewalRow.renewal_id == values["renewal_id"],
        )
    ).first()
    if row is None:
        s.add(RenewalRow(**values))
        return
    for key, value in values.items():
        setattr(row, key, value)


def _put_heartbeat(s: Session, values: dict[str, Any]) -> None:
    s.merge(HeartbeatRow(**values))


# kind -> how the site stores it. The receipt engineer adds "receipt" here.
HANDLERS: dict[str, Callable[[Session, dict[str, Any]], None]] = {
    "audit": _put_audit,
    "journal": _put_journal,
    "heartbeat": _put_heartbeat,
}


class SiteForwarder:
    """Sends a kiosk's outbox to its site store. `flush()` does one pass now (tests, the
    end of a session); with `background`, a daemon thread does it after each write and,
    while the site is away, retries with a growing pause."""

    def __init__(self, journal: SqlJournal, site_url: str, *, background: bool = True) -> None:
        self.journal = journal
        self.site_url = site_url
        self.last_error: str | None = None
        self.sent = 0
        # The site's copy of this kiosk's finished renewals is purged like its own file's
        # (open_journal sets it from the journal_retention_days setting).
        self.retention_days: float | None = None
        self._purged_at = -PURGE_EVERY_S
        self._site: Engine | None = None
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if background:
            self._thread = threading.Thread(target=self._loop, name="site-outbox", daemon=True)
            self._thread.start()

    def notify(self) -> None:
        self._wake.set()

    def flush(self) -> int:
        """Sends what the outbox holds, in order; returns how many rows the site committed
        (0 when it is away: `last_error` says why). Never raises for the site's sake."""
        total = 0
        with self._lock:
            while True:
                done = self._send_batch()
                total += done
                if done < BATCH:
                    return total

    def _engine(self) -> Engine:
        if self._site is None:
            from kiosk.store.engine import make_engine

            self._site = make_engine(self.site_url, kiosk_id="")
        return self._site

    def _send_batch(self) -> int:
        from kiosk.store.engine import from_payload
        from kiosk.store.migrate import StoreNotReady

        with Session(self.journal.engine) as local:
            rows = list(local.scalars(select(OutboxRow).order_by(OutboxRow.id).limit(BATCH)))
            batch = [(r.id, r.kind, from_payload(r.payload)) for r in rows]
        if not batch:
            return 0
        try:
            with Session(self._engine()) as site, site.begin():
                for _id, kind, values in batch:
                    handler = HANDLERS.get(kind)
                    if handler is None:
                        raise LookupError(f"outbox kind {kind!r} unknown to this kiosk")
                    handler(site, values)
        except (SQLAlchemyError, StoreNotReady, OSError) as exc:
            self.last_error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
            return 0
        # Committed on the site: forget them here. A crash before this line sends them
        # again, which the site's idempotent inserts absorb.
        with Session(self.journal.engine) as local, local.begin():
            local.execute(delete(OutboxRow).where(OutboxRow.id.in_([b[0] for b in batch])))
        self.last_error = None
        self.sent += len(batch)
        self._purge_site()
        return len(batch)

    def _purge_site(self) -> None:
        if self.retention_days is None or time.monotonic() - self._purged_at < PURGE_EVERY_S:
            return
        from kiosk.flows.journal import OPEN

        cutoff = utcnow() - timedelta(days=self.retention_days)
        try:
            with Session(self._engine()) as site, site.begin():
                site.execute(
                    delete(RenewalRow).where(
                        RenewalRow.kiosk_id == self.journal.kiosk_id,
                        RenewalRow.state != OPEN,
                        RenewalRow.updated_at < cutoff,
                    )
                )
        except SQLAlchemyError as exc:
            log.warning("site store: purge of finished renewals failed (%s)", type(exc).__name__)
            return
        self._purged_at = time.monotonic()

    def _loop(self) -> None:
        pause = RETRY_MIN_S
        while not self._stop.is_set():
            self._wake.wait(timeout=pause)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - the kiosk must outlive its forwarder's bugs
                log.exception("site outbox: flush failed")
            pause = RETRY_MIN_S if self.last_error is None else min(pause * 2, RETRY_MAX_S)

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._site is not None:
            self._site.dispose()


@dataclass(frozen=True)
class KioskStatus:
    kiosk_id: str
    at: datetime
    version: str
    mode: str
    camera: str
    printer: str
    backend: str
    unprinted_receipts: int
    open_renewals: int

    def age_s(self, now: datetime | None = None) -> float:
        return ((now or utcnow()) - self.at).total_seconds()


def fleet_status(engine: Engine) -> list[KioskStatus]:
    """The newest heartbeat of every kiosk the store has heard from, by kiosk id."""
    with Session(engine) as s:
        rows = s.scalars(select(HeartbeatRow).order_by(HeartbeatRow.kiosk_id))
        return [KioskStatus(**field_values(r, KioskStatus)) for r in rows]
