"""p7: a site of kiosks. 1, 4 and 16 kiosk processes (bench/site_kiosk.py) run whole
walkthroughs at once against one sandbox over HTTP and one PostgreSQL site store.

The bench starts both: the sandbox in this process on 127.0.0.1 with bench holders (copies of
H-ABC, sandbox/seed.py) so every walkthrough renews its own holder, and a throwaway PostgreSQL
server (kiosk/store/pgserver.py) with a new database per run, upgraded by Alembic. Each kiosk
process has its own kiosk id and holders (RUNS_ALONE walkthroughs for the lone kiosk); all start
together once every process has imported and said "ready".

Both sandbox locking modes are measured in one run: "global" (every request under one lock,
the sandbox's default) and "holder" (different holders' requests concurrently). Metrics:
- p7_rpm_{1,4,16}: renewals per minute with that many kiosks (holder locking);
- p7_speedup_16: p7_rpm_16 / p7_rpm_1 (holder locking); p7_global_* the same with the
  global lock, and p7_global_lock_busy_16: the share of the 16-kiosk run during which the
  global lock was held (1.0 = it is the bottleneck);
- p7_step_p95_ms_16: 95th percentile of one step (flow call) with 16 kiosks;
- p7_lost_or_duplicated_rows: store rows missing or extra (journal rows per renewal, audit
  entries per kiosk against what each kiosk wrote, broken audit chains), over every run;
- p7_activation_errors: renewals not activated exactly once, on the sandbox (one activation
  job per renewal, every cloud certificate renewed) and in the store (one successful
  registry.activate per renewal), over every run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select

from kiosk.store.chain import verify_rows
from kiosk.store.engine import make_engine
from kiosk.store.migrate import upgrade
from kiosk.store.models import AuditRow, RenewalRow
from kiosk.store.pgserver import PgServer

LEVELS = (1, 4, 16)
RUNS_ALONE = 3  # walkthroughs of the lone kiosk (one each when several run at once)


def runs_per_kiosk(count: int) -> int:
    return RUNS_ALONE if count == 1 else 1
ACTIVATION_SECONDS = 0.5  # the scenario's own


@contextmanager
def site_sandbox(tmp: Path, locking: str, holders: int) -> Any:
    from sandbox.app import SandboxSettings, create_app
    from sandbox.server import SandboxServer

    db = tmp / f"sandbox-{locking}.sqlite"
    settings = SandboxSettings(
        db_url=f"sqlite:///{db}",
        activation_seconds=ACTIVATION_SECONDS,
        bench_holders=holders,
        locking=locking,
    )
    app = create_app(settings)
    server = SandboxServer(app, host="127.0.0.1", port=0)
    server.start()
    try:
        yield str(server.url), app.state.sandbox, f"sqlite:///{db}"
    finally:
        server.stop()


def run_kiosks(url: str, store_url: str, count: int) -> list[dict[str, Any]]:
    """`count` kiosk processes, started together; what each reported."""
    procs = []
    runs = runs_per_kiosk(count)
    for k in range(count):
        holders = [f"H-BENCH-{k * runs + i + 1:03d}" for i in range(runs)]
        env = {**os.environ, "KIOSK_ID": f"bench-kiosk-{k + 1:02d}"}
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "bench.site_kiosk", url, store_url, *holders],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
            )
        )
    for p in procs:
        assert p.stdout is not None
        if p.stdout.readline().strip() != "ready":
            raise RuntimeError("a bench kiosk did not start")
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    reports = []
    for p in procs:
        out, _ = p.communicate(timeout=600)
        reports.append(json.loads(out.strip().splitlines()[-1]))
    return reports


def check_sandbox(sandbox_db: str, renewal_ids: list[str]) -> int:
    """Renewals not activated exactly once on the sandbox."""
    from sandbox import models as m

    engine = create_engine(sandbox_db)
    bad = 0
    with engine.connect() as c:
        jobs = Counter(
            r for (r,) in c.execute(
                select(m.ActivationJob.renewal_id).where(m.ActivationJob.state == "succeeded")
            )
        )
        for rid in renewal_ids:
            certs = c.execute(
                select(m.Certificate.state).where(
                    m.Certificate.renewal_id == rid, m.Certificate.type == "cloud"
                )
            ).all()
            renewed = bool(certs) and all(s == "renewed" for (s,) in certs)
            bad += int(jobs[rid] != 1 or not renewed)
        bad += sum(1 for rid in jobs if rid not in renewal_ids)  # activated, never asked
    engine.dispose()
    return bad


def check_store(store_url: str, reports: list[dict[str, Any]]) -> tuple[int, int]:
    """(rows lost or duplicated, renewals without exactly one activation) in the store."""
    engine = make_engine(store_url, kiosk_id="bench")
    lost = errors = 0
    with engine.connect() as c:
        for k, report in enumerate(reports):
            kiosk = f"bench-kiosk-{k + 1:02d}"
            rows = c.execute(
                select(AuditRow).where(AuditRow.kiosk_id == kiosk).order_by(AuditRow.seq)
            ).all()
            lost += abs(len(rows) - report["audits"])
            lost += len(verify_rows(kiosk, rows).breaks)
            journal = Counter(
                r for (r,) in c.execute(
                    select(RenewalRow.renewal_id).where(RenewalRow.kiosk_id == kiosk)
                )
            )
            wanted = {r["renewal_id"] for r in report["renewals"]}
            lost += sum(abs(journal[r] - 1) for r in wanted)
            lost += sum(n for r, n in journal.items() if r not in wanted)
            activations = Counter(
                row.renewal_id for row in rows
                if row.call == "registry.activate" and row.outcome == "ok"
            )
            errors += sum(1 for r in wanted if activations[r] != 1)
        total = c.execute(select(func.count()).select_from(RenewalRow)).scalar_one()
        lost += abs(total - sum(len(r["renewals"]) for r in reports))
    engine.dispose()
    return lost, errors


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def measure() -> dict[str, float | int | str]:
    result: dict[str, float | int | str] = {}
    lost = errors = failed = 0
    pg = PgServer()
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-site-") as tmp:
        try:
            pg.init()
            pg.start()
            for locking, prefix in (("global", "p7_global_"), ("holder", "p7_")):
                with site_sandbox(Path(tmp), locking, max(max(LEVELS), RUNS_ALONE)) as (
                    url, state, sandbox_db,
                ):
                    from kiosk.config import BackendConfig
                    from kiosk.services.factory import build_sandbox_admin

                    admin = build_sandbox_admin(BackendConfig.for_sandbox(url))
                    assert admin is not None
                    rpm: dict[int, float] = {}
                    for count in LEVELS:
                        admin.reset()
                        store_url = pg.create_database()
                        migrator = create_engine(store_url)
                        upgrade(migrator)
                        migrator.dispose()
                        held0 = state.lock.held_s
                        reports = run_kiosks(url, store_url, count)
                        wall = max(r["end"] for r in reports) - min(r["start"] for r in reports)
                        done = [x for r in reports for x in r["renewals"]]
                        failed += sum(1 for x in done if not x["ok"])
                        rpm[count] = 60 * sum(1 for x in done if x["ok"]) / wall
                        result[f"{prefix}rpm_{count}"] = round(rpm[count], 1)
                        result[f"{prefix}step_p95_ms_{count}"] = round(
                            1000 * p95([s for r in reports for s in r["steps"]]), 1
                        )
                        result[f"{prefix}lock_busy_{count}"] = round(
                            (state.lock.held_s - held0) / wall, 2
                        )
                        errors += check_sandbox(sandbox_db, [x["renewal_id"] for x in done])
                        row_loss, activation_errors = check_store(store_url, reports)
                        lost += row_loss
                        errors += activation_errors
                    top, one = max(LEVELS), min(LEVELS)
                    result[f"{prefix}speedup_{top}"] = round(rpm[top] / rpm[one], 2)
                    admin.close()
        finally:
            pg.stop()
            pg.remove()
    result["p7_lost_or_duplicated_rows"] = lost
    result["p7_activation_errors"] = errors
    result["p7_failed_walkthroughs"] = failed
    result["p7_cores"] = os.cpu_count() or 1
    return result


if __name__ == "__main__":
    print(measure())
