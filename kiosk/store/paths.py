"""Where the kiosk's database is (no SQLAlchemy import: `kiosk run` reads its settings
before the first paint)."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "registry-kiosk"

# Overrides the database URL (any SQLAlchemy URL); default: a SQLite file under the
# platform's per-user data directory.
DB_URL_ENV = "KIOSK_JOURNAL_URL"


def default_db_url(*, create: bool = True) -> str:
    """A SQLite file under the platform's per-user data directory (made unless `create`
    is False: reading settings must not leave a folder behind)."""
    import platformdirs

    folder = Path(platformdirs.user_data_dir(APP_NAME))
    if create:
        folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'journal.sqlite'}"


def db_url(url: str | None = None, *, create: bool = True) -> str:
    """The kiosk's database: `url`, else $KIOSK_JOURNAL_URL, else the per-user default."""
    return url or os.environ.get(DB_URL_ENV) or default_db_url(create=create)
