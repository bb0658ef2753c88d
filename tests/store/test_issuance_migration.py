"""Migration 0003: the desk's issuance journal is part of the store's schema. A kiosk file
whose desk made `desk_issuance` itself (before 0003) keeps its issuances and marks them as
its own; a new store gets the table from the migration, not from the desk's code."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import create_engine, inspect

from kiosk.desk.journal import IssuanceRecord
from kiosk.store import SqlJournal
from kiosk.store.issuance import SqlIssuanceJournal
from kiosk.store.migrate import current, upgrade


def test_a_kiosk_file_whose_desk_made_the_table_keeps_its_issuances(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'desk.sqlite'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        from alembic import command

        from kiosk.store.migrate import _config

        command.upgrade(_config(conn, "DESK-1"), "0002")  # type: ignore[arg-type]
    engine.dispose()
    with sqlite3.connect(tmp_path / "desk.sqlite") as conn:  # as the desk's create_all wrote it
        conn.execute(
            "CREATE TABLE desk_issuance (cert_id VARCHAR(64) NOT NULL PRIMARY KEY,"
            " renewal_id VARCHAR(64) NOT NULL, idempotency_key VARCHAR(80), key_id VARCHAR(64),"
            " token_label VARCHAR(64), state VARCHAR(16) NOT NULL, new_serial VARCHAR(64),"
            " updated_at DATETIME NOT NULL)"
        )
        conn.execute("CREATE INDEX ix_desk_issuance_renewal_id ON desk_issuance (renewal_id)")
        conn.execute(
            "INSERT INTO desk_issuance VALUES ('C-9', 'R-4', 'idem-1', 'ab01', 'TOKEN-A',"
            " 'issued', NULL, '2026-11-30 10:00:00.000000')"
        )
    journal = SqlJournal(url, kiosk_id="DESK-1")  # opening a kiosk file migrates it
    assert current(journal.engine) == "0003"
    desk = SqlIssuanceJournal(journal)
    found = desk.issuance("C-9")
    assert found is not None and (found.state, found.key_id, found.idempotency_key) == (
        "issued",
        "ab01",
        "idem-1",
    )
    desk.save_issuance(IssuanceRecord("C-10", "R-4", state="key_made", key_id="cd02"))
    with journal.engine.connect() as conn:
        owners = conn.exec_driver_sql(
            "SELECT cert_id, kiosk_id FROM desk_issuance ORDER BY cert_id"
        ).all()
    assert [tuple(r) for r in owners] == [("C-10", "DESK-1"), ("C-9", "DESK-1")]
    journal.close()


def test_a_new_site_store_gets_the_table_from_the_migration(fresh_pg_url: str) -> None:
    engine = create_engine(fresh_pg_url)
    upgrade(engine)
    columns = {c["name"] for c in inspect(engine).get_columns("desk_issuance")}
    engine.dispose()
    assert {"cert_id", "kiosk_id", "renewal_id", "idempotency_key", "state"} <= columns
    journal = SqlJournal(fresh_pg_url, kiosk_id="COUNTER-2")
    SqlIssuanceJournal(journal).save_issuance(IssuanceRecord("C-1", "R-1", state="new"))
    assert SqlIssuanceJournal(journal).issuance("C-1") == IssuanceRecord("C-1", "R-1")
    journal.close()
