"""R32 through `kiosk walkthrough` (a subprocess, over real HTTP to the sandbox): the desk
scenarios run their holder's lobby renewal, then the counter issues onto a throw-away
SoftHSM2 token. The outcome line's serials are checked against what the registry recorded,
and the queue's "where" against the kiosk id the lobby kiosk sent (X-Kiosk-ID)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.services.sandbox_walk import Kiosk

ROOT = Path(__file__).resolve().parents[2]
LOBBY_KIOSK = "LOBBY-TAIPA-07"


def _desk_walkthrough(scenario: str, backend: str) -> tuple[int, list[dict[str, Any]], str]:
    env = {k: v for k, v in os.environ.items() if k not in ("KIOSK_PKCS11_MODULE",
                                                             "SOFTHSM2_CONF")}
    env["KIOSK_ID"] = LOBBY_KIOSK  # this terminal's id ($KIOSK_ID, kiosk.store.paths)
    proc = subprocess.run(
        [sys.executable, "-m", "kiosk", "walkthrough", f"scenarios/{scenario}", "--backend",
         backend],
        capture_output=True, text=True, timeout=300, cwd=ROOT, env=env,
    )
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    return proc.returncode, lines, proc.stderr


def _tokens_left() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("kiosk-token-*")}


@pytest.mark.parametrize(("scenario", "holder", "types"), [
    ("desk-h-offline.toml", "H-OFFLINE", ["qualified", "encryption"]),
    ("desk-h-abc.toml", "H-ABC", ["qualified"]),
])
def test_r32_desk_walkthrough_issues_what_the_registry_records(
    sandbox_url: str, scenario: str, holder: str, types: list[str]
) -> None:
    before = _tokens_left()
    rc, lines, stderr = _desk_walkthrough(scenario, sandbox_url)
    final = lines[-1]
    assert rc == 0, (final, stderr)
    assert final["ok"] is True and final["outcome"] == "issued"
    assert [c["type"] for c in final["issued"]] == types
    steps = [line["step"] for line in lines if "step" in line]
    assert steps[0] == "sign_in"  # the lobby renewal ran first
    lobby_end = next(i for i, x in enumerate(lines) if "renewal_id" in x)
    assert lines[lobby_end]["ok"] is True
    assert lines[lobby_end + 1]["step"] == "desk_login"
    assert steps.count("desk_issued") == len(types)
    # The temporary SoftHSM2 token is gone afterwards.
    assert _tokens_left() <= before
    kiosk = Kiosk(sandbox_url)
    try:
        staff = kiosk.staff_login()
        reg = kiosk.services.registry
        recorded = [e for e in reg.desk_queue(staff, include_issued=True)
                    if e.holder_id == holder]
        assert [e.certificate.type.value for e in recorded] == types
        by_id = {e.cert_id: e for e in recorded}
        assert len(by_id) == len(recorded)  # one certificate per record
        for line in final["issued"]:
            entry = by_id[line["cert_id"]]
            assert entry.state == "issued"
            assert entry.new_serial == line["new_serial"]
            assert entry.new_expiry is not None
            assert entry.new_expiry.isoformat() == line["new_expiry"]
            issued = reg.issued_certificate(staff, line["cert_id"]).renewed
            assert issued.new_serial == line["new_serial"] != issued.old_serial
        # Where the holder was verified: the kiosk id the lobby kiosk sent.
        assert {e.verified_kiosk_id for e in recorded} == {LOBBY_KIOSK}
        queue_line = next(x for x in lines if x.get("step") == "desk_queue")
        assert {c["verified_kiosk_id"] for c in queue_line["shows"]["certificates"]} == {
            LOBBY_KIOSK}
        # One completion email per certificate: nothing was issued twice.
        mails = [m for m in kiosk.admin.outbox(kind="renewal_completed")
                 if any(x["new_serial"] in m.body for x in final["issued"])]
        assert len(mails) == len(types)
    finally:
        kiosk.close()


def test_r32_desk_attestation_is_recorded_after_three_refused_photos(sandbox_url: str) -> None:
    rc, lines, _ = _desk_walkthrough("desk-h-abc.toml", sandbox_url)
    assert rc == 0
    photos = [x for x in lines if x.get("step") == "desk_photo"]
    assert [p["error"]["help_code"] for p in photos] == ["AC-AB-0019"] * 3
    assert photos[0]["error"]["text"] == "照片未達檢測要求，請重新拍照。"
    attest = next(x for x in lines if x.get("step") == "desk_attest")
    assert attest["shows"]["attested"] is True
    kiosk = Kiosk(sandbox_url)
    try:
        staff = kiosk.staff_login()
        entry = next(e for e in kiosk.services.registry.desk_queue(staff, include_issued=True)
                     if e.holder_id == "H-ABC")
        assert entry.in_person.attested and not entry.in_person.face_passed
    finally:
        kiosk.close()
