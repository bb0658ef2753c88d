"""The journal on SQLite and PostgreSQL: survives the process, holds references only, keeps
kiosks apart; a kiosk's older SQLite file is upgraded in place."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.flows.journal import OPEN, AuditRecord, JournalEntry
from kiosk.store import DB_URL_ENV, SqlJournal, default_db_url, open_journal


def _entry(**kw: object) -> JournalEntry:
    base: dict[str, object] = {
        "holder_id": "H-ABC",
        "renewal_id": "R-1",
        "step": "photo",
        "cert_ids": ("C-ABC-1", "C-ABC-2"),
    }
    base.update(kw)
    return JournalEntry(**base)  # type: ignore[arg-type]


def test_an_entry_survives_a_killed_process(store_url: str) -> None:
    url = store_url
    code = (
        "import os\n"
        "from kiosk.flows.journal import JournalEntry\n"
        "from kiosk.store import SqlJournal\n"
        f"j = SqlJournal({url!r})\n"
        "j.save(JournalEntry('H-ABC', 'R-1', 'activation_progress', ('C-ABC-2',),"
        " ('C-ABC-2',), 'submit-1', 'activate-1', 'SIG-1', None, 'JOB-1'))\n"
        "os._exit(9)  # no clean shutdown: a power cut right after the commit\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], timeout=60)
    assert proc.returncode == 9
    entry = SqlJournal(url).open_entry("H-ABC")
    assert entry is not None
    assert (entry.step, entry.job_id, entry.activation_key) == (
        "activation_progress",
        "JOB-1",
        "activate-1",
    )
    assert entry.activation_cert_ids == ("C-ABC-2",)


def test_save_updates_one_row_per_renewal(store_url: str) -> None:
    j = SqlJournal(store_url)
    j.save(_entry())
    j.save(_entry(step="confirm", signature_id="SIG-9"))
    rows = j.entries("H-ABC")
    assert len(rows) == 1
    assert rows[0].step == "confirm" and rows[0].signature_id == "SIG-9"
    assert rows[0].updated_at is not None and rows[0].updated_at.tzinfo is not None


def test_a_finished_renewal_is_no_longer_open(store_url: str) -> None:
    j = SqlJournal(store_url)
    j.save(_entry())
    j.finish("H-ABC", "R-1", "activated")
    assert j.open_entry("H-ABC") is None
    assert j.entries("H-ABC")[0].state == "activated"


def test_audit_trail_keeps_references_and_outcomes(store_url: str) -> None:
    j = SqlJournal(store_url)
    j.audit(AuditRecord("photo", "bureau.match_face", "validation", "R-1", "AC-AB-0019", "rq-1"))
    j.audit(AuditRecord("photo", "", "entered", "R-1"))
    trail = j.audit_trail("R-1")
    assert [(a.call, a.outcome, a.help_code) for a in trail] == [
        ("bureau.match_face", "validation", "AC-AB-0019"),
        ("", "entered", None),
    ]


def test_default_database_is_under_the_platform_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv(DB_URL_ENV, raising=False)
    url = default_db_url()
    assert url == f"sqlite:///{tmp_path / 'data' / 'registry-kiosk' / 'journal.sqlite'}"
    j = open_journal()
    j.save(_entry())
    assert (tmp_path / "data" / "registry-kiosk" / "journal.sqlite").exists()
    assert j.open_entry("H-ABC") is not None and j.open_entry("H-ABC").state == OPEN  # type: ignore[union-attr]


def test_the_url_is_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DB_URL_ENV, f"sqlite:///{tmp_path / 'elsewhere.sqlite'}")
    open_journal().save(_entry())
    assert (tmp_path / "elsewhere.sqlite").exists()


def test_a_journal_file_of_an_older_kiosk_gains_the_new_columns(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "old.sqlite"
    with sqlite3.connect(db) as conn:  # the table as kiosks before the e-signature key wrote it
        conn.execute(
            "CREATE TABLE renewal_journal (id INTEGER PRIMARY KEY, holder_id VARCHAR(64),"
            " renewal_id VARCHAR(64), step VARCHAR(64), state VARCHAR(16), cert_ids TEXT,"
            " activation_cert_ids TEXT, submit_key VARCHAR(80), activation_key VARCHAR(80),"
            " signature_id VARCHAR(80), job_id VARCHAR(80), submitted_at DATETIME,"
            " facts TEXT NOT NULL, created_at DATETIME, updated_at DATETIME)"
        )
        conn.execute(
            "INSERT INTO renewal_journal (holder_id, renewal_id, step, state, cert_ids,"
            " activation_cert_ids, activation_key, facts, created_at, updated_at) VALUES"
            " ('H-ABC', 'R-1', 'activation_form', 'open', '[]', '[\"C-1\"]', 'activate-1',"
            " '{}', '2026-11-26 08:00:00', '2026-11-26 08:00:00')"
        )
    j = SqlJournal(f"sqlite:///{db}")
    entry = j.open_entry("H-ABC")
    assert entry is not None and entry.activation_key == "activate-1" and entry.sign_key is None
    entry.sign_key = "sign-1"
    j.save(entry)
    assert SqlJournal(f"sqlite:///{db}").entries("H-ABC")[-1].sign_key == "sign-1"
    j.save(_entry(holder_id="H-SINGLE", renewal_id="R-2"))  # a new row: no `facts` needed
    assert j.open_entry("H-SINGLE") is not None


def test_kiosks_sharing_a_store_see_only_their_own_renewals(store_url: str) -> None:
    lobby, counter = (
        SqlJournal(store_url, kiosk_id="LOBBY-1"),
        SqlJournal(store_url, kiosk_id="COUNTER-1"),
    )
    lobby.save(_entry(step="photo"))
    counter.save(_entry(renewal_id="R-2", step="confirm"))
    lobby.audit(AuditRecord("photo", "", "entered", "R-1"))
    counter.audit(AuditRecord("confirm", "", "entered", "R-2"))
    assert [(e.renewal_id, e.step) for e in lobby.entries()] == [("R-1", "photo")]
    open_at_counter = counter.open_entry("H-ABC")
    assert open_at_counter is not None and open_at_counter.renewal_id == "R-2"
    assert [a.renewal_id for a in lobby.audit_trail()] == ["R-1"]
    # One database, the kiosk id in every row: each kiosk's chain starts at 1.
    from sqlalchemy import select

    from kiosk.store.models import AuditRow, RenewalRow

    with lobby.engine.connect() as conn:
        journal = conn.execute(select(RenewalRow.kiosk_id, RenewalRow.renewal_id)).all()
        audit = conn.execute(select(AuditRow.kiosk_id, AuditRow.seq)).all()
    assert sorted(journal) == [("COUNTER-1", "R-2"), ("LOBBY-1", "R-1")]
    assert sorted(audit) == [("COUNTER-1", 1), ("LOBBY-1", 1)]
    lobby.close()
    counter.close()
