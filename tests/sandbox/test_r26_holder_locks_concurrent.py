"""R26 with the sandbox serving holders concurrently (locking="holder", bench/site.py): four
walkthroughs at once over real HTTP, each its own bench holder and kiosk journal. Every
renewal is activated exactly once on the sandbox, and each kiosk audited one activation."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path

from sqlalchemy import create_engine, select

from bench.site import check_sandbox, site_sandbox
from kiosk.store import SqlJournal
from kiosk.store.models import AuditRow
from kiosk.walkthrough import EXIT_OK, Printer, _run_once, load_scenario

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "h-abc.toml"


def test_r26_four_concurrent_walkthroughs_activate_exactly_once(tmp_path: Path) -> None:
    results: dict[str, tuple[int, dict[str, object]]] = {}
    with site_sandbox(tmp_path, "holder", 4) as (url, state, sandbox_db):
        assert state.locks.per_holder

        def kiosk(n: int) -> None:
            scenario = load_scenario(SCENARIO)
            scenario.holder = f"H-BENCH-{n:03d}"
            out = io.StringIO()
            journal = f"sqlite:///{tmp_path / f'kiosk-{n}.sqlite'}"
            code = _run_once(scenario, url, journal, Printer(out), interrupt=False)
            results[scenario.holder] = (code, json.loads(out.getvalue().splitlines()[-1]))

        for n in range(1, 5):  # migrated one at a time: Alembic's context is process-wide
            SqlJournal(f"sqlite:///{tmp_path / f'kiosk-{n}.sqlite'}").close()
        threads = [threading.Thread(target=kiosk, args=(n,)) for n in range(1, 5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        assert sorted(results) == [f"H-BENCH-{n:03d}" for n in range(1, 5)]
        for code, final in results.values():
            assert (code, final["outcome"]) == (EXIT_OK, "activated")
        renewals = [str(final["renewal_id"]) for _, final in results.values()]
        assert sorted(renewals) == [f"R-BENCH-{n:03d}" for n in range(1, 5)]
        # One succeeded job per renewal, every cloud certificate renewed, nothing else.
        assert check_sandbox(sandbox_db, renewals) == 0
    for n in range(1, 5):
        engine = create_engine(f"sqlite:///{tmp_path / f'kiosk-{n}.sqlite'}")
        with engine.connect() as c:
            calls = c.execute(
                select(AuditRow.call).where(AuditRow.outcome == "ok",
                                            AuditRow.call == "registry.activate")
            ).all()
        engine.dispose()
        assert len(calls) == 1
