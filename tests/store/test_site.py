"""A site of kiosks (issue 13): a lobby kiosk journals in its own file and sends its audit
entries, journal changes and heartbeats to the site store exactly once, across a real
PostgreSQL server going down and coming back mid-run; `kiosk site status` shows the fleet;
settings are site-wide with per-kiosk overrides."""

from __future__ import annotations

import json
import re
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, select, update
from sqlalchemy.orm import Session

from kiosk import cli
from kiosk.flows.journal import AuditRecord, JournalEntry
from kiosk.store import LOCAL_URL_ENV, SqlJournal, open_journal
from kiosk.store.models import AuditRow, HeartbeatRow, OutboxRow, RenewalRow, utcnow
from kiosk.store.pgserver import PgServer
from kiosk.store.settings import SettingsStore


def _site_rows(url: str, kiosk_id: str) -> list[tuple[int, bytes, str]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            select(AuditRow.seq, AuditRow.hash, AuditRow.renewal_id)
            .where(AuditRow.kiosk_id == kiosk_id)
            .order_by(AuditRow.seq)
        ).all()
    engine.dispose()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def _local_rows(j: SqlJournal) -> list[tuple[int, bytes, str]]:
    with j.engine.connect() as conn:
        rows = conn.execute(
            select(AuditRow.seq, AuditRow.hash, AuditRow.renewal_id).order_by(AuditRow.seq)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_a_lobby_kiosk_keeps_working_while_the_site_store_is_down_and_sends_each_entry_once(
    pg_server: PgServer, pg_url: str, tmp_path: Path
) -> None:
    lobby = SqlJournal(
        f"sqlite:///{tmp_path / 'lobby.sqlite'}", kiosk_id="LOBBY-1", site_url=pg_url
    )
    written: list[int] = []
    failures: list[BaseException] = []

    def renewals() -> None:  # a kiosk at work: a journal change and an audit entry each time
        try:
            for i in range(1, 121):
                lobby.save(JournalEntry("H-ABC", f"R-{i % 7}", f"step-{i}"))
                lobby.audit(AuditRecord(f"step-{i}", "registry.call", "ok", f"R-{i % 7}"))
                written.append(i)
                time.sleep(0.005)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    def until(predicate: object, what: str) -> None:
        end = time.monotonic() + 60
        while not predicate():  # type: ignore[operator]
            assert time.monotonic() < end, what
            time.sleep(0.02)

    kiosk = threading.Thread(target=renewals)
    kiosk.start()
    try:
        until(lambda: len(_site_rows(pg_url, "LOBBY-1")) >= 20, "the site never got entries")
        pg_server.stop("immediate")  # the site's server dies mid-run
        pg_server.wait_down()
        at_outage = len(written)
        until(lambda: len(written) >= at_outage + 40 or not kiosk.is_alive(), "kiosk stalled")
        assert failures == []  # the kiosk journaled on, locally
        assert lobby.forwarder is not None
        assert lobby.forwarder.flush() == 0
        assert lobby.forwarder.last_error is not None
        assert lobby.pending() > 0
    finally:
        pg_server.start()  # back, same port and data
    kiosk.join(timeout=60)
    assert failures == [] and len(written) == 120
    assert lobby.forwarder is not None
    lobby.forwarder.flush()
    assert lobby.pending() == 0 and lobby.forwarder.last_error is None
    site = _site_rows(pg_url, "LOBBY-1")
    assert site == _local_rows(lobby)  # every entry, once, with the kiosk's own hashes
    assert [seq for seq, _, _ in site] == list(range(1, 121))
    site_journal = SqlJournal(pg_url, kiosk_id="LOBBY-1")
    (report,) = site_journal.verify_audit("LOBBY-1")
    assert report.ok and report.entries == 120
    # The journal's rows arrived too, in their newest state (one per renewal).
    assert sorted((e.renewal_id, e.step) for e in site_journal.entries()) == sorted(
        (e.renewal_id, e.step) for e in lobby.entries()
    )
    assert len(site_journal.entries()) == 7
    site_journal.close()
    lobby.close()


def test_a_lost_acknowledgement_is_sent_again_without_a_duplicate(
    store_url: str, tmp_path: Path
) -> None:
    # The site committed, then the kiosk died before forgetting its outbox rows: it sends
    # them again at its next start, and the site's inserts are idempotent.
    local = f"sqlite:///{tmp_path / 'lobby.sqlite'}"
    lobby = SqlJournal(local, kiosk_id="LOBBY-1", site_url=store_url, background=False)
    lobby.save(JournalEntry("H-ABC", "R-1", "photo"))
    for step in ("photo", "confirm", "eid"):
        lobby.audit(AuditRecord(step, "", "entered", "R-1"))
    with Session(lobby.engine) as s:
        unsent = [
            {"kind": r.kind, "ref": r.ref, "payload": r.payload}
            for r in s.scalars(select(OutboxRow).order_by(OutboxRow.id))
        ]
    assert [u["ref"] for u in unsent][-3:] == [f"audit:LOBBY-1:{n}" for n in (1, 2, 3)]
    assert lobby.forwarder is not None and lobby.forwarder.flush() == len(unsent)
    with lobby.engine.begin() as conn:
        conn.execute(insert(OutboxRow), unsent)  # as if the deletion never happened
    lobby.close()
    again = SqlJournal(local, kiosk_id="LOBBY-1", site_url=store_url, background=False)
    assert again.pending() == len(unsent)
    assert again.forwarder is not None and again.forwarder.flush() == len(unsent)
    assert again.pending() == 0
    assert [seq for seq, _, _ in _site_rows(store_url, "LOBBY-1")] == [1, 2, 3]
    site = SqlJournal(store_url, kiosk_id="LOBBY-1")
    assert [(e.renewal_id, e.step) for e in site.entries()] == [("R-1", "photo")]
    site.close()
    again.close()


def _as_kiosk(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, kiosk_id: str) -> None:
    """This process is kiosk `kiosk_id` with its own file in tmp_path."""
    monkeypatch.setenv(LOCAL_URL_ENV, f"sqlite:///{tmp_path / 'own.sqlite'}")
    monkeypatch.setenv("KIOSK_ID", kiosk_id)


def test_open_journal_on_a_site_url_journals_locally_and_forwards(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _as_kiosk(monkeypatch, tmp_path, "LOBBY-3")
    journal = open_journal(pg_url, background=False)
    assert journal.url == f"sqlite:///{tmp_path / 'own.sqlite'}" and journal.site_url == pg_url
    journal.audit(AuditRecord("sign_in", "", "entered"))
    assert journal.forwarder is not None and journal.forwarder.flush() == 1
    assert [seq for seq, _, _ in _site_rows(pg_url, "LOBBY-3")] == [1]
    journal.close()


def _beat(j: SqlJournal, **kw: object) -> None:
    values: dict[str, object] = {
        "version": "0.1.0",
        "mode": "self-service",
        "camera": "ok 1280x720@30",
        "printer": "ok",
        "backend": "ok",
    }
    values.update(kw)
    j.heartbeat(**values)  # type: ignore[arg-type]


def test_kiosk_site_status_prints_the_fleet(
    store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    counter = SqlJournal(store_url, kiosk_id="COUNTER-1")  # on the site store directly
    counter.save(JournalEntry("H-ABC", "R-1", "photo"))
    counter.save(JournalEntry("H-SINGLE", "R-2", "eid"))
    _beat(counter, mode="counter", printer="offline", unprinted_receipts=2)
    lobby = SqlJournal(
        f"sqlite:///{tmp_path / 'lobby.sqlite'}",
        kiosk_id="LOBBY-1",
        site_url=store_url,
        background=False,
    )
    _beat(lobby, camera="not found")
    _beat(lobby, camera="no frames", backend="unreachable")  # only the newest is sent
    assert lobby.forwarder is not None and lobby.forwarder.flush() == 1
    stale = SqlJournal(store_url, kiosk_id="LOBBY-2")
    _beat(stale)
    with stale.engine.begin() as conn:
        conn.execute(
            update(HeartbeatRow)
            .where(HeartbeatRow.kiosk_id == "LOBBY-2")
            .values(at=utcnow() - timedelta(minutes=20))
        )
    assert cli.main(["site", "status", "--journal", store_url]) == 0
    lines = capsys.readouterr().out.splitlines()
    table = [re.split(r"\s{2,}", line) for line in lines]  # columns: 2+ spaces apart
    assert table[0] == [
        "kiosk", "seen", "version", "mode", "camera", "printer", "backend", "unprinted", "open",
    ]  # fmt: skip
    rows = {cells[0]: cells for cells in table[1:]}
    assert sorted(rows) == ["COUNTER-1", "LOBBY-1", "LOBBY-2"]
    assert rows["COUNTER-1"][2:] == [
        "0.1.0",
        "counter",
        "ok 1280x720@30",
        "offline",
        "ok",
        "2",
        "2",
    ]
    assert rows["LOBBY-1"][3:] == ["self-service", "no frames", "ok", "unreachable", "0", "0"]
    assert rows["LOBBY-2"][1] == "20 min ago STALE" and "STALE" not in rows["LOBBY-1"][1]
    assert cli.main(["site", "status", "--journal", store_url, "--json"]) == 0
    fleet = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(k["kiosk_id"], k["stale"], k["open_renewals"]) for k in fleet] == [
        ("COUNTER-1", False, 2),
        ("LOBBY-1", False, 0),
        ("LOBBY-2", True, 0),
    ]
    for j in (counter, lobby, stale):
        j.close()


def test_site_wide_settings_with_per_kiosk_overrides(
    store_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    base = ["settings", "--journal", store_url]
    assert cli.main([*base, "set", "--site", "lang", "pt"]) == 0
    assert cli.main([*base, "set", "--site", "idle_seconds", "60"]) == 0
    assert cli.main([*base, "set", "--kiosk", "LOBBY-2", "lang", "en"]) == 0
    capsys.readouterr()
    one, two = (SettingsStore(store_url, kiosk_id=k) for k in ("LOBBY-1", "LOBBY-2"))
    assert (one.get("lang"), two.get("lang")) == ("pt", "en")
    assert one.get("idle_seconds") == two.get("idle_seconds") == 60.0
    assert (one.sources()["lang"], two.sources()["lang"]) == ("site", "kiosk")
    assert two.sources()["camera"] == "default"
    assert cli.main([*base, "unset", "--kiosk", "LOBBY-2", "lang"]) == 0
    assert two.get("lang") == "pt"  # the site's value applies again
    monkeypatch.setenv("KIOSK_ID", "LOBBY-1")
    assert cli.main(base) == 0
    listed = capsys.readouterr().out.splitlines()
    assert "lang = pt  (site)" in listed and "camera = 0  (default)" in listed
    one.close()
    two.close()


def test_site_journal_rows_keep_the_kiosk_id_they_came_from(pg_url: str, tmp_path: Path) -> None:
    a = SqlJournal(f"sqlite:///{tmp_path / 'a.sqlite'}", kiosk_id="LOBBY-1", site_url=pg_url,
                   background=False)  # fmt: skip
    b = SqlJournal(f"sqlite:///{tmp_path / 'b.sqlite'}", kiosk_id="LOBBY-2", site_url=pg_url,
                   background=False)  # fmt: skip
    for j in (a, b):
        j.save(JournalEntry("H-ABC", "R-1", "photo"))
        j.finish("H-ABC", "R-1", "activated")
        j.audit(AuditRecord("done", "", "activated", "R-1"))
        assert j.forwarder is not None and j.forwarder.flush() == 3  # journal row twice, one entry
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        rows = conn.execute(select(RenewalRow.kiosk_id, RenewalRow.state)).all()
    engine.dispose()
    assert sorted(rows) == [("LOBBY-1", "activated"), ("LOBBY-2", "activated")]
    a.close()
    b.close()


def test_a_lobby_kiosk_starts_as_itself_while_the_site_store_is_down(
    pg_server: PgServer, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    from kiosk.store.settings import read_settings

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("KIOSK_ID", "LOBBY-1")
    site = SettingsStore(pg_url, kiosk_id="LOBBY-1")
    site.set("self_service", "true", site=True)
    site.set("lang", "pt")
    site.close()
    assert read_settings(pg_url) == {"self_service": True, "lang": "pt"}
    cache = tmp_path / "data" / "registry-kiosk" / "site-settings.json"
    assert oct(cache.stat().st_mode & 0o777) == "0o600"
    pg_server.stop("immediate")
    try:
        pg_server.wait_down()
        assert read_settings(pg_url) == {"self_service": True, "lang": "pt"}
        other_site = pg_url.replace("/t_", "/other_")
        with pytest.raises(OperationalError):  # no cache for another store: not guessed
            read_settings(other_site)
    finally:
        pg_server.start()


def test_the_sites_copy_of_finished_renewals_is_purged_too(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _as_kiosk(monkeypatch, tmp_path, "LOBBY-1")
    lobby = open_journal(pg_url, background=False)
    lobby.save(JournalEntry("H-ABC", "R-OLD", "done", state="activated"))
    lobby.save(JournalEntry("H-ABC", "R-OPEN", "photo"))
    assert lobby.forwarder is not None and lobby.forwarder.flush() == 2
    lobby.close()
    site = SqlJournal(pg_url, kiosk_id="LOBBY-1")
    neighbour = SqlJournal(pg_url, kiosk_id="LOBBY-2")
    neighbour.save(JournalEntry("H-ABC", "R-THEIRS", "done", state="activated"))
    with site.engine.begin() as conn:
        conn.execute(update(RenewalRow).values(updated_at=utcnow() - timedelta(days=45)))
    again = open_journal(pg_url, background=False)
    again.audit(AuditRecord("sign_in", "", "entered"))
    assert again.forwarder is not None and again.forwarder.flush() == 1
    assert [e.renewal_id for e in site.entries()] == ["R-OPEN"]  # finished one gone
    assert [e.renewal_id for e in neighbour.entries()] == ["R-THEIRS"]  # not this kiosk's
    for j in (again, site, neighbour):
        j.close()


def test_two_kiosks_with_one_id_do_not_overwrite_the_sites_trail(
    store_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first, second = (
        SqlJournal(
            f"sqlite:///{tmp_path / n}", kiosk_id="LOBBY-1", site_url=store_url, background=False
        )  # fmt: skip
        for n in ("a.sqlite", "b.sqlite")
    )
    first.audit(AuditRecord("photo", "", "entered", "R-1"))
    second.audit(AuditRecord("confirm", "", "entered", "R-9"))
    assert first.forwarder is not None and first.forwarder.flush() == 1
    assert second.forwarder is not None and second.forwarder.flush() == 1
    assert [r for _, _, r in _site_rows(store_url, "LOBBY-1")] == ["R-1"]  # kept the first
    assert "audit entry 1 of kiosk LOBBY-1 differs from the one already stored" in caplog.text
    first.close()
    second.close()
