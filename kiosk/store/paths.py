"""Where the kiosk's database is, who this kiosk is, and the data folder's permissions
(no SQLAlchemy import: `kiosk run` reads its settings before the first paint)."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import sqlite3
from pathlib import Path

APP_NAME = "registry-kiosk"

# Overrides the database URL (any SQLAlchemy URL); default: a SQLite file under the
# platform's per-user data directory. A PostgreSQL URL names the site store: the kiosk then
# journals in its own file (KIOSK_LOCAL_JOURNAL_URL, else the default) and forwards to it.
DB_URL_ENV = "KIOSK_JOURNAL_URL"
LOCAL_URL_ENV = "KIOSK_LOCAL_JOURNAL_URL"
KIOSK_ID_ENV = "KIOSK_ID"
SQLITE_PREFIX = "sqlite:///"

_KIOSK_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def data_dir(*, create: bool = True) -> Path:
    import platformdirs

    folder = Path(platformdirs.user_data_dir(APP_NAME))
    if create:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        folder.chmod(0o700)  # also when an older kiosk made it with the umask's mode
    return folder


def default_db_url(*, create: bool = True) -> str:
    """A SQLite file under the platform's per-user data directory (made, 0700, unless
    `create` is False: reading settings must not leave a folder behind)."""
    return f"{SQLITE_PREFIX}{data_dir(create=create) / 'journal.sqlite'}"


def db_url(url: str | None = None, *, create: bool = True) -> str:
    """The kiosk's database: `url`, else $KIOSK_JOURNAL_URL, else the per-user default."""
    return url or os.environ.get(DB_URL_ENV) or default_db_url(create=create)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite:")


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL; None for another database or an in-memory one."""
    if not url.startswith(SQLITE_PREFIX):
        return None
    path = url[len(SQLITE_PREFIX) :].split("?", 1)[0]
    return None if not path or path == ":memory:" else Path(path)


def local_db_url(*, create: bool = True) -> str:
    """The kiosk's own SQLite file, where it journals even when its store is a site's."""
    return os.environ.get(LOCAL_URL_ENV) or default_db_url(create=create)


def secure_file(path: Path) -> None:
    """Creates the database file 0600 before SQLite opens it (SQLite gives its -wal and
    -shm files the mode of the database file), and narrows an existing one."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    secure_siblings(path)


def secure_siblings(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            os.chmod(f"{path}{suffix}", 0o600)


def _stored_kiosk_id(url: str) -> str | None:
    path = sqlite_path(url)
    if path is None or not path.exists():
        return None
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        row = conn.execute("SELECT value FROM kiosk_settings WHERE key = 'kiosk_id'").fetchone()
    except sqlite3.OperationalError:
        return None  # a file from before the settings table
    finally:
        conn.close()
    return row[0] if row and _KIOSK_ID.fullmatch(row[0]) else None


def kiosk_identity(url: str | None = None) -> str:
    """This kiosk's id, written into every row it stores: $KIOSK_ID, else the `kiosk_id`
    setting of its own SQLite file (`url` when that is one), else the host name."""
    env = os.environ.get(KIOSK_ID_ENV, "").strip()
    if env:
        if not _KIOSK_ID.fullmatch(env):
            raise ValueError(f"{KIOSK_ID_ENV} takes 1-64 letters, digits, '.', '_' or '-'")
        return env
    own = url if url is not None and sqlite_path(url) else local_db_url(create=False)
    stored = _stored_kiosk_id(own)
    if stored:
        return stored
    host = re.sub(r"[^A-Za-z0-9._-]", "-", socket.gethostname()).strip("-._")[:64]
    return host or "kiosk"
