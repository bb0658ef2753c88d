"""Persistence: the renewal journal, the audit trail and the kiosk settings (SQLAlchemy,
SQLite).

SQLAlchemy is imported only when the journal is first used: `kiosk run` reads its settings
(kiosk.store.settings) before its first paint, and must not pay for it there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kiosk.store.paths import DB_URL_ENV, db_url, default_db_url

if TYPE_CHECKING:
    from kiosk.store.journal import SqlJournal


def open_journal(url: str | None = None) -> SqlJournal:
    from kiosk.store.journal import SqlJournal

    return SqlJournal(db_url(url))


def __getattr__(name: str) -> Any:
    if name == "SqlJournal":
        from kiosk.store.journal import SqlJournal

        return SqlJournal
    raise AttributeError(name)


__all__ = ["DB_URL_ENV", "SqlJournal", "db_url", "default_db_url", "open_journal"]
