"""schemathesis against the sandbox's OpenAPI with `--checks all` (issue 12, section 5):
signed in as a holder and as staff (tests/sandbox/schemathesis_auth.py), every operation
declares the error envelope of docs/api.md, a 405 carries `Allow`, and no case finds a
conformance failure or a server error.

The sandbox's own world-changing controls (reset, clock, the fault switch: a 503 on
purpose) are left out: they are test controls, and would sign the fuzzer out mid-run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SEED = 20261201


def test_every_operation_declares_the_error_envelope(sandbox_url: str) -> None:
    spec = requests.get(f"{sandbox_url}/openapi.json", timeout=30).json()
    for path, item in spec["paths"].items():
        for method, op in item.items():
            for status in ("400", "401", "404", "405", "422", "500", "503"):
                content = op["responses"][status]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/ErrorEnvelope"}, (
                    method, path, status)
            assert op["responses"]["405"]["headers"]["Allow"]["required"] is True


def test_a_405_carries_allow_with_every_method_of_the_path(sandbox_url: str) -> None:
    r = requests.delete(f"{sandbox_url}/registry/v1/renewals/R-x/activations", timeout=30)
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET, POST"
    assert r.json()["error"]["code"] == "AC-AB-0041"


@pytest.mark.timeout(900)
def test_schemathesis_checks_all_pass_with_no_server_error(sandbox_url: str) -> None:
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.sandbox.schemathesis_auth",
        "KIOSK_SCHEMATHESIS_BASE": sandbox_url,
        "PYTHONPATH": str(ROOT),
        "NO_COLOR": "1",
    }
    done = subprocess.run(
        [
            sys.executable, "-m", "schemathesis.cli",
            "--config-file", str(HERE / "schemathesis.toml"), "--no-color",
            "run", f"{sandbox_url}/openapi.json",
            "--checks", "all",
            "--max-examples", "5",
            "--workers", "1",
            "--seed", str(SEED),
            "--exclude-path-regex", r"^/sandbox/v1/(reset|clock/advance|faults)$",
        ],
        capture_output=True, text=True, timeout=880, env=env, cwd=ROOT,
    )
    out = done.stdout + done.stderr
    cases = re.search(r"(\d+) generated", out)
    print(f"schemathesis: {cases.group(1) if cases else '?'} cases")
    assert done.returncode == 0, out[-6000:]
    assert "Server error" not in out
    assert "Authentication failed" not in out  # the auth hook signed every request in
    assert cases and int(cases.group(1)) > 300
