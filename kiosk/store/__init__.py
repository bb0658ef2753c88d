"""Persistence: the renewal journal and the audit trail (SQLAlchemy, SQLite)."""

from __future__ import annotations

import os

from kiosk.store.journal import SqlJournal, default_db_url

# Overrides the journal's database URL (any SQLAlchemy URL); default: a SQLite file under
# the platform's per-user data directory.
DB_URL_ENV = "KIOSK_JOURNAL_URL"


def open_journal(url: str | None = None) -> SqlJournal:
    return SqlJournal(url or os.environ.get(DB_URL_ENV) or default_db_url())


__all__ = ["DB_URL_ENV", "SqlJournal", "default_db_url", "open_journal"]
