"""Alembic migrations: `kiosk db upgrade` makes a new store on either database, the models
agree with what the migrations build, a kiosk's older SQLite file adopts them with its data,
a site database that is behind is refused with the command that fixes it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from kiosk import cli
from kiosk.flows.journal import AuditRecord
from kiosk.store import SqlJournal
from kiosk.store.migrate import StoreNotReady, head
from kiosk.store.models import Base
from kiosk.store.settings import read_settings


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'new.sqlite'}"
    return str(request.getfixturevalue("fresh_pg_url"))


def test_db_upgrade_builds_the_schema_the_models_declare(
    empty_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["db", "current", "--journal", empty_url]) == 1
    assert capsys.readouterr().out.endswith(f"revision none (newest {head()})\n")
    assert cli.main(["db", "upgrade", "--journal", empty_url]) == 0
    assert capsys.readouterr().out.endswith(f"upgraded from none to revision {head()}\n")
    assert cli.main(["db", "upgrade", "--journal", empty_url]) == 0
    assert capsys.readouterr().out.endswith(f"already at revision {head()}\n")
    assert cli.main(["db", "current", "--journal", empty_url]) == 0
    engine = create_engine(empty_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


def test_a_site_database_that_is_behind_is_refused_with_the_fix(fresh_pg_url: str) -> None:
    with pytest.raises(StoreNotReady) as refused:
        SqlJournal(fresh_pg_url)
    assert str(refused.value).endswith(f"run `kiosk db upgrade --journal {fresh_pg_url}`")
    assert "is at revision none, this kiosk needs" in str(refused.value)


def test_a_kiosk_file_from_before_migrations_keeps_its_trail_and_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "old.sqlite"
    with sqlite3.connect(db) as conn:  # as create_all wrote it before the site store
        conn.execute(
            "CREATE TABLE audit_trail (id INTEGER PRIMARY KEY, at DATETIME NOT NULL,"
            " renewal_id VARCHAR(64), step VARCHAR(64) NOT NULL, call VARCHAR(64) NOT NULL,"
            " outcome VARCHAR(32) NOT NULL, help_code VARCHAR(16), request_id VARCHAR(80))"
        )
        conn.execute(
            "INSERT INTO audit_trail (at, renewal_id, step, call, outcome) VALUES"
            " ('2026-11-26 08:00:00.000000', 'R-1', 'photo', '', 'entered'),"
            " ('2026-11-26 08:00:01.500000', 'R-1', 'photo', 'bureau.match_face', 'ok')"
        )
        conn.execute("CREATE TABLE kiosk_settings (key VARCHAR(64) PRIMARY KEY, value TEXT)")
        conn.execute("INSERT INTO kiosk_settings VALUES ('lang', 'pt'), ('kiosk_id', 'LOBBY-7')")
    url = f"sqlite:///{db}"
    j = SqlJournal(url)
    assert j.kiosk_id == "LOBBY-7"  # read from the file before it was migrated
    assert [a.call for a in j.audit_trail()] == ["", "bureau.match_face"]
    j.audit(AuditRecord("confirm", "", "entered", "R-1"))
    j.close()
    assert read_settings(url) == {"lang": "pt", "kiosk_id": "LOBBY-7"}
    assert cli.main(["audit", "verify", "--journal", url]) == 0
    assert "kiosk LOBBY-7: 3 entries, chain intact" in capsys.readouterr().out


def test_the_fast_head_check_names_the_newest_migration() -> None:
    from kiosk.store.migrate import HEAD

    assert head() == HEAD


def test_the_migrations_ship_inside_the_package() -> None:
    # What pyproject's packages.find collects is what a wheel (and an installed kiosk) has.
    from setuptools import find_packages

    root = Path(__file__).resolve().parents[2]
    packages = find_packages(str(root), include=["kiosk*", "sandbox*"])
    assert {"kiosk.store.migrations", "kiosk.store.migrations.versions"} <= set(packages)
    versions = root / "kiosk" / "store" / "migrations" / "versions"
    assert sorted(p.name for p in versions.glob("0*.py")) == [
        "0001_kiosk_tables.py",
        "0002_site_store.py",
    ]
