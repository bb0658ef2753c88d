"""Every scenario under scenarios/ passes through `kiosk walkthrough` (a subprocess) against
the sandbox over HTTP; the JSON lines say what the holder saw."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kiosk.services.sandbox_admin import SandboxAdmin

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
SEEDED = {
    "H-ABC",
    "H-SINGLE",
    "H-OFFLINE",
    "H-FOREIGN",
    "H-MISMATCH",
    "H-REVOKE",
    "H-REAUTH",
    "H-NEWPW",
    "H-NOEID",
}


def walkthrough(*args: str) -> tuple[int, list[dict[str, Any]]]:
    rc, lines, _ = walkthrough_with_stderr(*args)
    return rc, lines


def walkthrough_with_stderr(*args: str) -> tuple[int, list[dict[str, Any]], str]:
    proc = subprocess.run(
        [sys.executable, "-m", "kiosk", "walkthrough", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    return proc.returncode, lines, proc.stderr


def test_there_is_a_scenario_for_every_seeded_holder(sandbox_url: str) -> None:
    import tomllib

    admin = SandboxAdmin(f"{sandbox_url}/sandbox/v1")
    listed = {h["holder_id"] for h in admin.holders()}
    admin.close()
    assert listed == SEEDED
    covered = {tomllib.loads(p.read_text())["holder"] for p in SCENARIOS}
    assert covered == SEEDED


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_passes_through_the_walkthrough(scenario: Path, sandbox_url: str) -> None:
    rc, lines, stderr = walkthrough_with_stderr(str(scenario), "--backend", sandbox_url)
    final = lines[-1]
    assert rc == 0, final
    assert final["ok"] is True
    # A passing smoke test prints nothing an officer could take for a failure: refusals the
    # scenario provokes on purpose (wrong codes, a refused photo) are not warnings.
    assert stderr == ""
    steps = [line["step"] for line in lines if "step" in line]
    assert steps[0] in ("sign_in", "staff_login")
    if scenario.stem == "h-foreign":  # R10, shown in the scenario's language (en)
        last = next(x for x in reversed(lines) if "step" in x)
        assert last["shows"]["texts"][0] == (
            "Unsupported type of identity document (Help code: AC-AB-0017)"
        )
    if scenario.stem == "h-single":  # R18: one cloud-sign certificate, no selection
        assert "activation_select" not in steps and "done" in steps
    for line in lines:
        if "step" in line:
            assert set(line["shows"]) >= {"messages", "help_codes", "certificates"}


def _edited_scenario(tmp_path: Path, name: str, old: str, new: str) -> Path:
    """A copy of scenarios/<name>.toml with `old` replaced by `new` (its sandbox paths made
    absolute, as the copy lives elsewhere)."""
    text = (ROOT / "scenarios" / f"{name}.toml").read_text(encoding="utf-8")
    assert old in text  # the edit must change something
    wrong = tmp_path / "wrong.toml"
    wrong.write_text(
        text.replace(old, new).replace("../sandbox", str(ROOT / "sandbox")), encoding="utf-8"
    )
    return wrong


def test_a_wrong_expectation_exits_non_zero(sandbox_url: str, tmp_path: Path) -> None:
    wrong = _edited_scenario(tmp_path, "h-foreign", 'outcome = "refused"', 'outcome = "activated"')
    rc, lines = walkthrough(str(wrong), "--backend", sandbox_url)
    assert rc == 1
    assert lines[-1]["outcome"] == "refused" and lines[-1]["ok"] is False


def test_r25_a_script_with_a_wrong_password_ends_at_the_counter(
    sandbox_url: str, tmp_path: Path
) -> None:
    wrong = _edited_scenario(
        tmp_path, "h-single", 'password = "Cloud-demo-1"', 'password = "Wrong-pass-9"'
    )
    rc, lines = walkthrough(str(wrong), "--backend", sandbox_url)
    assert rc == 1  # the scenario expected "activated"
    # R25 has a cap like every other retry: after three wrong passwords, counter staff.
    assert lines[-1]["outcome"] == "staff" and "AC-AB-0032" in lines[-1]["help_codes"]
    refused = [x for x in lines if x.get("step") == "activation_form" and x.get("error")]
    assert refused and refused[0]["error"]["text"] == (
        "A palavra-passe da assinatura na nuvem está incorrecta. (Código de ajuda: AC-AB-0032)"
    )
    assert next(x for x in reversed(lines) if "step" in x)["step"] == "staff"


def test_a_broken_scenario_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('holder = "H-ABC"\n', encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "kiosk", "walkthrough", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert proc.returncode == 2
    assert "missing" in proc.stderr
