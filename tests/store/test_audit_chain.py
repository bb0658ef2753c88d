"""The audit trail is tamper-evident (issue 12 §3): each kiosk's entries form a hash chain,
and `kiosk audit verify` names the entry where it breaks and what is wrong there."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine, text

from kiosk import cli
from kiosk.flows.journal import AuditRecord
from kiosk.store import SqlJournal


def _trail(url: str, kiosk_id: str = "LOBBY-1", n: int = 5) -> SqlJournal:
    j = SqlJournal(url, kiosk_id=kiosk_id)
    for i in range(1, n + 1):
        j.audit(AuditRecord("photo", "bureau.match_face", "ok", f"R-{i}", None, f"rq-{i}"))
    return j


def _sql(url: str, statement: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(statement))
    engine.dispose()


def _verify(url: str, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, list[str]]:
    rc = cli.main(["audit", "verify", "--journal", url, *extra])
    return rc, capsys.readouterr().out.splitlines()


def test_an_untouched_trail_verifies(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    _trail(store_url).close()
    _trail(store_url, "COUNTER-1", 3).close()
    rc, out = _verify(store_url, capsys)
    assert rc == 0
    assert out[1:] == [
        "kiosk COUNTER-1: 3 entries, chain intact",
        "kiosk LOBBY-1: 5 entries, chain intact",
    ]


def test_a_changed_entry_is_named(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    _trail(store_url).close()
    _sql(store_url, "UPDATE audit_trail SET outcome = 'validation' WHERE seq = 3")
    rc, out = _verify(store_url, capsys)
    assert rc == 1
    assert out[1] == "kiosk LOBBY-1: 5 entries, chain BROKEN at 1 place(s)"
    assert out[2].startswith("  kiosk LOBBY-1: entry 3 (row id 3): its content was changed")
    assert "photo bureau.match_face validation" in out[2]


def test_a_removed_entry_is_named(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    _trail(store_url).close()
    _sql(store_url, "DELETE FROM audit_trail WHERE seq = 2")
    rc, out = _verify(store_url, capsys)
    assert rc == 1
    assert "  kiosk LOBBY-1: entry 3 (row id 3): entry 2 is missing (removed from the trail)" in out
    assert any("entry 3" in line and "prev_hash differs" in line for line in out)


def test_a_rewritten_chain_still_breaks_where_it_was_changed(
    store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Someone changes entry 2 and recomputes its hash: entry 3 no longer follows it.
    j = _trail(store_url)
    from sqlalchemy import select, update
    from sqlalchemy.orm import Session

    from kiosk.store.chain import row_hash
    from kiosk.store.models import AuditRow

    with Session(j.engine) as s, s.begin():
        row = s.scalars(select(AuditRow).where(AuditRow.seq == 2)).one()
        row.outcome = "validation"
        forged = row_hash(row)
        s.execute(update(AuditRow).where(AuditRow.id == row.id).values(hash=forged))
    j.close()
    rc, out = _verify(store_url, capsys, "--kiosk", "LOBBY-1")
    assert rc == 1
    assert out[2:] == [
        "  kiosk LOBBY-1: entry 3 (row id 3): does not follow the entry before it (prev_hash"
        " differs: an entry before it was changed, removed or inserted)"
    ]


def test_writers_of_one_kiosk_at_once_keep_one_unbroken_chain(store_url: str) -> None:
    # Two processes of one kiosk (a resumed walkthrough, the UI and a command) may audit at
    # the same moment: neither entry is lost and the numbering stays 1..n.
    journals = [SqlJournal(store_url, kiosk_id="LOBBY-1") for _ in range(3)]

    def write(j: SqlJournal, k: int) -> None:
        for i in range(15):
            j.audit(AuditRecord("photo", "", "entered", f"R-{k}-{i}"))

    threads = [threading.Thread(target=write, args=(j, k)) for k, j in enumerate(journals)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    (report,) = journals[0].verify_audit("LOBBY-1")
    assert report.ok, report.breaks
    assert report.entries == 45
    for j in journals:
        j.close()


def test_an_empty_store_says_so(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    SqlJournal(store_url).close()
    rc, out = _verify(store_url, capsys)
    assert rc == 0 and out[1] == "no audit entries"
