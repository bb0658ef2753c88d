"""`kiosk-sandbox` serves the sandbox from the command line, on a SQLite file it seeds."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from sandbox import faces
from tests.sandbox.helpers import walk


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_kiosk_sandbox_command_serves_the_seeded_holders(tmp_path: Path) -> None:
    port = _free_port()
    db = tmp_path / "demo.sqlite"
    own_face = tmp_path / "tester.jpg"
    own_face.write_bytes(faces.registered_face("biden"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox.cli", "--port", str(port), "--db", str(db),
         "--activation-seconds", "0.5", "--face", f"H-ABC={own_face}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        answer = None
        for _ in range(300):
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/sandbox/v1/holders", timeout=2)
                break
            except requests.ConnectionError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                time.sleep(0.1)
        assert answer is not None and answer.status_code == 200
        assert len(answer.json()["holders"]) == 9
        assert db.exists()
        # --face registered the tester's photo for H-ABC, and it stays after a reset.
        requests.post(f"http://127.0.0.1:{port}/sandbox/v1/reset", timeout=10)
        w = walk(f"http://127.0.0.1:{port}", "H-ABC").verify_emails().consent()
        assert w.identity_check().status_code == 200
        assert w.face_match(faces.live_photo("biden")).status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)
