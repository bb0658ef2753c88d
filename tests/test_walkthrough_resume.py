"""The walkthrough process is killed (os._exit, as a power cut) at each step of a renewal and
resumed from the journal: nothing is done twice and nothing is lost."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from kiosk.services.sandbox_admin import SandboxAdmin

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "h-abc.toml"
# Every step of H-ABC's renewal after sign-in, checks (auto steps) included, in order.
KILL_AT = (
    "pending",
    "emails",
    "email_code",
    "consent",
    "id_check",
    "photo",
    "face_result",
    "confirm",
    "declaration",
    "eid",
    "esign",
    "signed",
    "review",
    "submitted",
    "activation_select",
    "precheck",
    "activation_form",
    "activation_progress",
)


def _run(*args: str) -> tuple[int, list[dict[str, Any]]]:
    proc = subprocess.run(
        [sys.executable, "-m", "kiosk", "walkthrough", str(SCENARIO), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    return proc.returncode, [json.loads(x) for x in proc.stdout.splitlines() if x.strip()]


def test_killed_at_each_step_then_resumed_nothing_twice_nothing_lost(
    sandbox_url: str, tmp_path: Path
) -> None:
    db = tmp_path / "journal.sqlite"
    common = ("--backend", sandbox_url, "--journal", f"sqlite:///{db}")
    resumed_at = []
    for step in KILL_AT:
        rc, lines = _run(*common, "--interrupt-at", step)
        assert rc == 75, (step, lines[-1])
        assert lines[-1] == {"interrupted": step}
        # Where the next run picks up: the steps after sign-in.
        resumed_at.append(
            [
                x["step"]
                for x in lines
                if "step" in x and x["step"] not in ("sign_in", "sign_in_code", "routing")
            ]
        )
    rc, lines = _run(*common)
    assert rc == 0, lines[-1]
    final = lines[-1]
    assert final["outcome"] == "activated" and final["ok"] is True

    # Resumed at the right step: after the e-signature the renewal is never signed again,
    # after submission never submitted again, and a started activation is followed, not redone.
    # R7: a renewal picked up before submission shows step 1's list (every address 已驗證),
    # then 下一步 leads on where it stood.
    assert resumed_at[KILL_AT.index("signed") + 1][:2] == ["emails", "review"]
    assert resumed_at[KILL_AT.index("face_result") + 1][:2] == ["emails", "confirm"]
    assert resumed_at[KILL_AT.index("submitted") + 1][0] == "activation_select"
    (done,) = [x for x in lines if x.get("step") == "done"]
    steps = [x.get("step") for x in lines if "step" in x]
    # The last run went straight to the job it had started.
    assert steps[steps.index("routing") + 1] == "activation_progress"
    renewed = done["shows"]["renewed"]
    assert sorted(r["cert_id"] for r in renewed) == ["C-ABC-1", "C-ABC-2"]

    admin = SandboxAdmin(f"{sandbox_url}/sandbox/v1")
    completed = admin.outbox(kind="renewal_completed")
    admin.close()
    # One activation: one renewal-completed email per address, each certificate in one.
    assert sorted(m.to for m in completed) == ["chan.taiman@abc.example", "tm.chan@abc.example"]

    with sqlite3.connect(db) as conn:
        states = conn.execute("SELECT state FROM renewal_journal").fetchall()
        submits = conn.execute(
            "SELECT count(*) FROM audit_trail WHERE call = 'registry.submit' AND outcome = 'ok'"
        ).fetchone()
        activations = conn.execute(
            "SELECT count(*) FROM audit_trail WHERE call = 'registry.activate' AND outcome = 'ok'"
        ).fetchone()
    assert states == [("activated",)]
    assert submits == (1,) and activations == (1,)


def test_killed_right_after_a_backend_call_answered_then_resumed(
    sandbox_url: str, tmp_path: Path
) -> None:
    # Review finding 1: the backend did it, the kiosk died before journaling the answer
    # (the e-signature, the submission, the activation job). The next run resumes to
    # 成功激活 with one activation and one completed email per address.
    db = tmp_path / "journal.sqlite"
    common = ("--backend", sandbox_url, "--journal", f"sqlite:///{db}")
    for call in ("esign.sign", "registry.submit", "registry.activate"):
        rc, lines = _run(*common, "--interrupt-after", call)
        assert rc == 75, (call, lines[-1])
        assert lines[-1] == {"interrupted": call}
    rc, lines = _run(*common)
    assert rc == 0, lines[-1]
    assert lines[-1]["outcome"] == "activated" and lines[-1]["ok"] is True
    (done,) = [x for x in lines if x.get("step") == "done"]
    assert "成功激活" in str(done)
    assert sorted(r["cert_id"] for r in done["shows"]["renewed"]) == ["C-ABC-1", "C-ABC-2"]
    admin = SandboxAdmin(f"{sandbox_url}/sandbox/v1")
    completed = admin.outbox(kind="renewal_completed")
    admin.close()
    assert sorted(m.to for m in completed) == ["chan.taiman@abc.example", "tm.chan@abc.example"]
    with sqlite3.connect(db) as conn:
        activations = conn.execute(
            "SELECT count(*) FROM audit_trail WHERE call = 'registry.activate' AND outcome = 'ok'"
        ).fetchone()
        states = conn.execute("SELECT state FROM renewal_journal").fetchall()
    assert activations == (1,) and states == [("activated",)]


def test_no_personal_data_reaches_the_journal_file(sandbox_url: str, tmp_path: Path) -> None:
    db = tmp_path / "journal.sqlite"
    rc, lines = _run("--backend", sandbox_url, "--journal", f"sqlite:///{db}")
    assert rc == 0, lines[-1]
    admin = SandboxAdmin(f"{sandbox_url}/sandbox/v1")
    codes = [
        c
        for m in admin.outbox()
        if m.kind in ("email_code", "sms_code")
        for c in [m.body[m.body.find("：") + 1 :][:6]]
    ]
    sheet = next(h for h in admin.holders() if h["holder_id"] == "H-ABC")
    admin.close()
    on_disk = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    secrets = [sheet["id_number"], "Cloud-demo-1", "Revoke2026demo", sheet["name"]]
    secrets += [c for c in codes if c.isdigit()]
    for secret in secrets:
        assert str(secret).encode() not in on_disk, secret
    photo = (ROOT / "sandbox" / "data" / "faces" / "live" / "obama.jpg").read_bytes()
    assert photo[100:164] not in on_disk
