"""R31: `kiosk walkthrough SCENARIO --receipt OUT.pdf` writes the signed receipt the run
would print, `kiosk receipt verify` accepts it against the sandbox's trust list, and the seal
in the PDF is the one the outcome line carries."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.receipt.verify import seal_from_pdf

ROOT = Path(__file__).resolve().parents[2]


def _kiosk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk", *args], capture_output=True,
                          text=True, timeout=180, cwd=ROOT)


def _staff_scenario(tmp_path: Path) -> Path:
    # Three wrong cloud-sign passwords (R25): the renewal is handed to counter staff.
    text = (ROOT / "scenarios" / "h-single.toml").read_text(encoding="utf-8")
    path = tmp_path / "staff.toml"
    path.write_text(
        text.replace('password = "Cloud-demo-1"', 'password = "Wrong-pass-9"')
        .replace("../sandbox", str(ROOT / "sandbox"))
        .replace('outcome = "activated"', 'outcome = "staff"'),
        encoding="utf-8")
    return path


@pytest.mark.parametrize(("scenario", "outcome", "sealed", "code"), [
    ("h-abc", "activated", "partly_activated", None),  # the qualified one to the counter
    ("h-offline", "offline", "offline", "AC-AB-0007"),
    ("h-foreign", "refused", "refused", "AC-AB-0017"),
    ("staff", "staff", "staff", "AC-AB-0032"),
])
def test_r31_walkthrough_receipt_is_verified_and_carries_the_outcome_lines_seal(
    scenario: str, outcome: str, sealed: str, code: str | None, sandbox_url: str,
    tmp_path: Path,
) -> None:
    path = (_staff_scenario(tmp_path) if scenario == "staff"
            else ROOT / "scenarios" / f"{scenario}.toml")
    out = tmp_path / "receipt.pdf"
    run = _kiosk("walkthrough", str(path), "--backend", sandbox_url, "--receipt", str(out))
    final = json.loads(run.stdout.splitlines()[-1])
    assert final["outcome"] == outcome, run.stdout[-2000:]
    assert final["seal"].startswith("RK1:")
    pdf = out.read_bytes()
    assert seal_from_pdf(pdf) == final["seal"]
    check = _kiosk("receipt", "verify", str(out), "--backend", sandbox_url)
    assert check.returncode == 0, check.stdout + check.stderr
    said = json.loads(check.stdout[check.stdout.index("{"):])
    assert said["valid"] is True
    assert said["reference"] == final["renewal_id"]
    assert said["outcome"] == sealed and said["help_code"] == code
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert final["renewal_id"] in text
    assert "電子證書續期收據" in text and "Recibo de renovação" in text
    if code:
        assert code in text
    steps = [json.loads(line) for line in run.stdout.splitlines()[:-1]]
    for renewed in (r for line in steps for r in line.get("shows", {}).get("renewed", [])):
        assert renewed["new_serial"] in text  # the activated certificates' new serials
