"""`kiosk walkthrough` with no --backend starts its own sandbox in-process (the default)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_r19_offline_scenario_on_the_embedded_sandbox() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "kiosk", "walkthrough", "scenarios/h-offline.toml", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    lines = [json.loads(x) for x in proc.stdout.splitlines() if x.strip()]
    assert proc.returncode == 0, proc.stderr[-2000:]
    steps = [x.get("step") for x in lines]
    # The scripted 上一步: declaration, then the confirmation again, then on.
    i = steps.index("declaration")
    assert steps[i + 1] == "confirm" and "declaration" in steps[i + 2 :]
    last_step = next(x for x in reversed(lines) if "step" in x)
    assert last_step["step"] == "offline_done"
    assert last_step["shows"]["help_codes"] == ["AC-AB-0007"]
    assert [c["type"] for c in last_step["shows"]["certificates"]] == ["qualified", "encryption"]
    assert lines[-1]["outcome"] == "offline" and lines[-1]["ok"] is True
