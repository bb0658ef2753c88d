"""Persistence: the renewal journal, the audit trail and the kiosk settings (SQLAlchemy):
a kiosk's own SQLite file, or a site's PostgreSQL shared by its kiosks.

SQLAlchemy is imported only when the journal is first used: `kiosk run` reads its settings
(kiosk.store.settings) before its first paint, and must not pay for it there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kiosk.store.paths import (
    DB_URL_ENV,
    KIOSK_ID_ENV,
    LOCAL_URL_ENV,
    db_url,
    default_db_url,
    is_sqlite,
    kiosk_identity,
    local_db_url,
)

if TYPE_CHECKING:
    from kiosk.store.journal import SqlJournal


def open_journal(url: str | None = None, *, background: bool = True) -> SqlJournal:
    """The kiosk's journal. A SQLite URL is its own file; any other names the site store:
    the kiosk then journals in its own file and forwards to the site (kiosk/store/site.py).
    Finished renewals older than the `journal_retention_days` setting are purged here."""
    from kiosk.store.journal import SqlJournal
    from kiosk.store.settings import retention_days

    url = db_url(url)
    if is_sqlite(url):
        journal = SqlJournal(url)
    else:
        journal = SqlJournal(local_db_url(), site_url=url, background=background)
    days = retention_days(journal.engine, journal.kiosk_id)
    journal.purge_closed(days)
    if journal.forwarder is not None:
        journal.forwarder.retention_days = days
    return journal


def __getattr__(name: str) -> Any:
    if name == "SqlJournal":
        from kiosk.store.journal import SqlJournal

        return SqlJournal
    raise AttributeError(name)


__all__ = [
    "DB_URL_ENV",
    "KIOSK_ID_ENV",
    "LOCAL_URL_ENV",
    "SqlJournal",
    "db_url",
    "default_db_url",
    "kiosk_identity",
    "local_db_url",
    "open_journal",
]
