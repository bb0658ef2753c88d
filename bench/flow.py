"""p4_flow_overhead_s and p4_step_p95_ms: what the renewal flow itself costs.

One scripted H-ABC renewal (the walkthrough's scenario and driver) against an embedded
sandbox on 127.0.0.1, run RUNS times. The kiosk's time is the time spent inside the flow's
public calls (start, submit, back); from it we subtract the time spent inside backend calls
(every Services method, timed by a proxy) and inside the flow's waits between activation
polls (that is the backend working too). The scripted holder's own time (reading codes from
the outbox) is outside both.

- p4_flow_overhead_s: the whole renewal's kiosk-side time, median over the runs.
- p4_step_p95_ms: 95th percentile, over every step of every run, of one step's kiosk-side
  time (what a step costs before and after its backend calls).
- p4_step_total_p95_ms: the same including the backend calls (what the holder waits).
"""

from __future__ import annotations

import io
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.config import BackendConfig
from kiosk.flows.renewal import RenewalFlow, StepView
from kiosk.services.api import Services
from kiosk.services.factory import build_sandbox_admin, build_services, close_services
from kiosk.store import SqlJournal
from kiosk.walkthrough import Driver, Printer, embedded_sandbox, load_scenario

RUNS = 3
SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "h-abc.toml"


class Stopwatch:
    def __init__(self) -> None:
        self.backend_s = 0.0

    def timed(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.backend_s += time.perf_counter() - t0

        return call


class TimedClient:
    """Every method of a backend client, timed into the stopwatch."""

    def __init__(self, client: Any, watch: Stopwatch) -> None:
        self._client = client
        self._watch = watch

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        return self._watch.timed(attr) if callable(attr) else attr


def _one_run(base_url: str, tmp: Path, run: int) -> tuple[float, list[float], list[float]]:
    watch = Stopwatch()
    config = BackendConfig.for_sandbox(base_url, timeout_s=30.0)
    real = build_services(config)
    services = Services(
        registry=TimedClient(real.registry, watch),
        bureau=TimedClient(real.bureau, watch),
        eid=TimedClient(real.eid, watch),
        esign=TimedClient(real.esign, watch),
    )
    admin = build_sandbox_admin(config)
    assert admin is not None
    admin.reset()
    journal = SqlJournal(f"sqlite:///{tmp / f'journal-{run}.sqlite'}")
    flow = RenewalFlow(services, journal, sleep=watch.timed(time.sleep))
    overhead: list[float] = []
    totals: list[float] = []

    def measured(fn: Callable[..., StepView]) -> Callable[..., StepView]:
        def call(*args: Any) -> StepView:
            before = watch.backend_s
            t0 = time.perf_counter()
            try:
                return fn(*args)
            finally:
                total = time.perf_counter() - t0
                totals.append(total)
                overhead.append(total - (watch.backend_s - before))

        return call

    flow.submit = measured(flow.submit)  # type: ignore[method-assign]
    flow.back = measured(flow.back)  # type: ignore[method-assign]
    flow.start_self_service = measured(flow.start_self_service)  # type: ignore[method-assign]
    scenario = load_scenario(SCENARIO)
    final = Driver(scenario, flow, admin, Printer(io.StringIO()), interrupt=False).run()
    if final.outcome != "activated":
        raise RuntimeError(f"the scripted renewal ended {final.outcome} at {final.step_id}")
    close_services(real)
    admin.close()
    journal.close()
    return sum(overhead), overhead, totals


def measure() -> dict[str, float | int | str]:
    with tempfile.TemporaryDirectory() as tmp, embedded_sandbox(0.3) as url:
        runs = [_one_run(url, Path(tmp), i) for i in range(RUNS)]
    steps = sorted(s for _, per_step, _ in runs for s in per_step)
    totals = sorted(s for _, _, per_step in runs for s in per_step)

    def p95(values: list[float]) -> float:
        return values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]

    return {
        "p4_flow_overhead_s": round(statistics.median(r[0] for r in runs), 4),
        "p4_step_p95_ms": round(1000 * p95(steps), 2),
        "p4_step_total_p95_ms": round(1000 * p95(totals), 2),
        "p4_steps": len(steps) // RUNS,
    }


if __name__ == "__main__":
    print(measure())
