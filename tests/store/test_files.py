"""Issue 12 §3: the data folder is 0700 and every file in it 0600 (SQLite's -wal and -shm
too, whatever the umask); finished renewals are purged after the retention period, open ones
and the audit trail are kept."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from kiosk.flows.journal import AuditRecord, JournalEntry
from kiosk.store import DB_URL_ENV, SqlJournal, open_journal
from kiosk.store.models import RenewalRow, utcnow
from kiosk.store.settings import SettingsStore


@pytest.fixture
def loose_umask() -> Iterator[None]:
    old = os.umask(0)  # the worst an installer could leave: files world-writable by default
    try:
        yield
    finally:
        os.umask(old)


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def test_data_folder_is_0700_and_every_file_in_it_0600(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loose_umask: None
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv(DB_URL_ENV, raising=False)
    journal = open_journal()
    reader = SqlJournal(journal.url, kiosk_id=journal.kiosk_id)  # keeps -wal/-shm alive
    journal.save(JournalEntry("H-ABC", "R-1", "photo"))
    journal.audit(AuditRecord("photo", "", "entered", "R-1"))
    assert reader.open_entry("H-ABC") is not None
    folder = tmp_path / "data" / "registry-kiosk"
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["journal.sqlite", "journal.sqlite-shm", "journal.sqlite-wal"]
    assert _mode(folder) == 0o700
    assert {n: _mode(folder / n) for n in names} == dict.fromkeys(names, 0o600)
    reader.close()
    journal.close()


def test_an_existing_loose_file_is_narrowed_when_opened(tmp_path: Path, loose_umask: None) -> None:
    db = tmp_path / "old.sqlite"
    db.touch(mode=0o666)
    os.chmod(db, 0o666)
    SqlJournal(f"sqlite:///{db}").close()
    assert _mode(db) == 0o600


def _age(journal: SqlJournal, renewal_id: str, days: float) -> None:
    with journal.engine.begin() as conn:
        conn.execute(
            update(RenewalRow)
            .where(RenewalRow.renewal_id == renewal_id)
            .values(updated_at=utcnow() - timedelta(days=days))
        )


def test_finished_renewals_are_purged_after_the_retention_period(store_url: str) -> None:
    j = SqlJournal(store_url, kiosk_id="LOBBY-1")
    for rid, state in (("R-OLD", "activated"), ("R-NEW", "activated"), ("R-OPEN", "open")):
        j.save(JournalEntry("H-ABC", rid, "done", state=state))
        j.audit(AuditRecord("done", "", state, rid))
    _age(j, "R-OLD", 31)
    _age(j, "R-OPEN", 400)  # still open: it may resume, never purged
    other = SqlJournal(store_url, kiosk_id="COUNTER-1")
    other.save(JournalEntry("H-ABC", "R-THEIRS", "done", state="activated"))
    _age(other, "R-THEIRS", 99)
    assert j.purge_closed(30) == 1
    assert sorted(e.renewal_id for e in j.entries()) == ["R-NEW", "R-OPEN"]
    assert [e.renewal_id for e in other.entries()] == ["R-THEIRS"]  # not this kiosk's
    assert [a.renewal_id for a in j.audit_trail()] == ["R-OLD", "R-NEW", "R-OPEN"]
    (report,) = j.verify_audit("LOBBY-1")
    assert report.ok and report.entries == 3
    j.close()
    other.close()


def test_the_kiosk_purges_at_start_with_its_retention_setting(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'j.sqlite'}"
    j = SqlJournal(url)
    j.save(JournalEntry("H-ABC", "R-1", "done", state="activated"))
    j.save(JournalEntry("H-ABC", "R-2", "done", state="offline"))
    _age(j, "R-1", 12)
    _age(j, "R-2", 8)
    j.close()
    assert [e.renewal_id for e in open_journal(url).entries()] == ["R-1", "R-2"]  # 30 days
    settings = SettingsStore(url)
    assert settings.get("journal_retention_days") == 30.0
    settings.set("journal_retention_days", "10")
    settings.close()
    assert [e.renewal_id for e in open_journal(url).entries()] == ["R-2"]
