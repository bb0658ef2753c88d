"""The navmap drawn from the code: `kiosk flow graph` prints every step and every declared
branch, every step is reachable from a start and every path can end at a terminal step."""

from __future__ import annotations

import subprocess
import sys

from kiosk.flows.graph import edges, reachable, renewal_navmap
from kiosk.flows.renewal import STARTS
from kiosk.flows.wizard import STAY
from kiosk.services.errors import EmailCodeLocked, IdUnsupported


def test_every_branch_leads_to_a_step_of_the_navmap() -> None:
    steps = renewal_navmap()
    for src, dst, label, _ in edges(steps):
        assert dst in steps, (src, dst, label)
    for step_id, spec in steps.items():
        assert STAY not in [t for t in spec.on_error.values() if isinstance(t, str)], step_id


def test_every_step_is_reachable_from_a_start() -> None:
    steps = renewal_navmap()
    assert reachable(steps, STARTS) == set(steps)


def test_every_path_can_end_at_a_terminal_step() -> None:
    steps = renewal_navmap()
    terminal = {s for s, spec in steps.items() if spec.last}
    assert {"done", "offline_done", "staff", "nothing_pending"} <= terminal
    for step_id, spec in steps.items():
        if not spec.last:
            assert spec.targets() or spec.on_error, f"{step_id} is a dead end"
        ends = reachable(steps, (step_id,)) & terminal
        assert ends, f"no terminal step after {step_id}"


def test_kiosk_flow_graph_prints_dot_with_every_step_and_help_code_edge() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "kiosk", "flow", "graph"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert out.startswith("digraph renewal {") and out.rstrip().endswith("}")
    for step_id in renewal_navmap():
        assert f'"{step_id}" [' in out
    # An on_error edge is labelled with its help code: R10's refusal, the email-code lock.
    assert f'"id_check" -> "id_unsupported" [label="{IdUnsupported.code}"' in out
    assert f'"email_code" -> "staff" [label="{EmailCodeLocked.code}"' in out
    # A named predicate labels its edges; a Choice's STAY is a loop on the step.
    assert '"routing" -> "pending" [label="where_it_stands"]' in out
    assert '"email_code" -> "email_code" [label="code_verified"]' in out
