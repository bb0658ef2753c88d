"""Alembic migrations of the store, run from code: automatically on a kiosk's own SQLite
file when it opens, by IT with `kiosk db upgrade` on the site's PostgreSQL (a kiosk never
changes the schema of a database it shares)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).with_name("migrations")
# The newest revision, known without importing Alembic: every kiosk process opens its store
# at start, and a store already at HEAD must cost one SELECT, not Alembic's import (~0.3 s
# here). tests/store/test_migrations.py checks it against the migrations folder.
HEAD = "0002"


class StoreNotReady(RuntimeError):
    """The database's schema is not the one this kiosk needs; the message says what to run."""


def _config(connection: Connection, kiosk_id: str) -> object:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["connection"] = connection
    cfg.attributes["kiosk_id"] = kiosk_id
    return cfg


def head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    return str(ScriptDirectory.from_config(cfg).get_current_head())


def current(engine: Engine) -> str | None:
    from sqlalchemy import inspect, text

    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine, kiosk_id: str = "") -> str:
    """Brings the database to the newest revision; returns it. `kiosk_id` owns the rows an
    older kiosk file already holds."""
    from alembic import command

    with engine.begin() as conn:
        command.upgrade(_config(conn, kiosk_id), "head")  # type: ignore[arg-type]
    return head()


def ensure_current(engine: Engine, kiosk_id: str = "") -> None:
    """A kiosk's SQLite file is upgraded in place; a shared database must already be at
    the newest revision, else StoreNotReady names the command that fixes it."""
    have = current(engine)
    if have == HEAD:
        return
    want = head()
    if engine.dialect.name == "sqlite":
        upgrade(engine, kiosk_id)
        return
    url = engine.url.render_as_string(hide_password=True)
    raise StoreNotReady(
        f"the store {url} is at revision {have or 'none'}, this kiosk needs {want}:"
        f" run `kiosk db upgrade --journal {url}`"
    )
