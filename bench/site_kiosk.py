"""One kiosk process of the site bench (bench/site.py): whole walkthroughs, one per holder.

`python -m bench.site_kiosk BACKEND JOURNAL_URL HOLDER...` with $KIOSK_ID set. It imports and
loads everything, prints "ready", waits for a line on stdin (all kiosks start together), then
runs the H-ABC walkthrough scenario (kiosk walkthrough's own driver) for each holder in turn
against the shared sandbox and the site store. Its last line is one JSON object: start and end
(time.monotonic, comparable across processes), each step's time, the renewals it finished, and
how many audit entries it wrote (the bench compares them with the store).
"""

from __future__ import annotations

import io
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.flows.journal import AuditRecord
from kiosk.flows.renewal import RenewalFlow, StepView
from kiosk.store import SqlJournal
from kiosk.walkthrough import EXIT_OK, Printer, _run_once, load_scenario

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "h-abc.toml"


def _timed(fn: Callable[..., StepView], steps: list[float]) -> Callable[..., StepView]:
    def call(*args: Any, **kwargs: Any) -> StepView:
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            steps.append(time.perf_counter() - t0)

    return call


def main(argv: list[str]) -> int:
    backend, journal_url, holders = argv[0], argv[1], argv[2:]
    steps: list[float] = []
    audits = [0]
    for name in ("submit", "back", "start_self_service"):
        setattr(RenewalFlow, name, _timed(getattr(RenewalFlow, name), steps))
    audit = SqlJournal.audit

    def counted(self: SqlJournal, record: AuditRecord) -> None:
        audit(self, record)
        audits[0] += 1

    SqlJournal.audit = counted  # type: ignore[method-assign]
    print("ready", flush=True)
    sys.stdin.readline()
    start = time.monotonic()
    renewals: list[dict[str, Any]] = []
    for holder in holders:
        scenario = load_scenario(SCENARIO)
        scenario.holder = holder
        out = io.StringIO()
        code = _run_once(scenario, backend, journal_url, Printer(out), interrupt=False)
        final = json.loads(out.getvalue().splitlines()[-1])
        renewals.append(
            {"holder": holder, "ok": code == EXIT_OK, "renewal_id": final.get("renewal_id")}
        )
    end = time.monotonic()
    print(json.dumps({"start": start, "end": end, "steps": steps, "renewals": renewals,
                      "audits": audits[0]}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
