"""The store suite runs on both databases it supports: a kiosk's SQLite file and a real
PostgreSQL server started here for the session (kiosk/store/pgserver.py).

`store_url` is parametrised over the two: a fresh SQLite file, or the session's PostgreSQL
database migrated once and emptied before each test. `fresh_pg_url` is a new, unmigrated
PostgreSQL database for the migration tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.store.pgserver import PgServer


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    server = PgServer()
    server.init()
    server.start()
    try:
        yield server
    finally:
        server.stop("immediate")
        server.remove()


@pytest.fixture(scope="session")
def pg_store(pg_server: PgServer) -> str:
    """One PostgreSQL database at the newest revision, as IT leaves a site's."""
    from sqlalchemy import create_engine

    from kiosk.store.migrate import upgrade

    url = pg_server.create_database()
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def _empty(url: str) -> None:
    from sqlalchemy import create_engine, text

    from kiosk.store.models import Base

    engine = create_engine(url)
    names = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY"))
    engine.dispose()


@pytest.fixture
def fresh_pg_url(pg_server: PgServer) -> str:
    return pg_server.create_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The store on each backend, empty: a SQLite file (migrated when first opened, as a
    kiosk's is) or the site PostgreSQL database (migrated, emptied)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def pg_url(pg_store: str) -> str:
    """The session's PostgreSQL store, migrated and empty (a site's database)."""
    _empty(pg_store)
    return pg_store
