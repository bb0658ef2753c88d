"""The fleet heartbeat of `kiosk run`: written soon after start and then periodically, with
the doctor's cheap states, in the kiosk's store (`kiosk site status` reads it)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from kiosk.heartbeat import camera_state


def site_status(url: str) -> list[dict[str, object]]:
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "site", "status", "--json", "--journal", url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def test_kiosk_run_writes_its_heartbeat_at_start_and_then_again(
    tmp_path: Path, sandbox_url: str
) -> None:
    url = f"sqlite:///{tmp_path / 'kiosk.sqlite'}"
    env = {
        **os.environ,
        "KIOSK_JOURNAL_URL": url,
        "KIOSK_ID": "LOBBY-HB",
        "KIOSK_HEARTBEAT_SECONDS": "0.5",
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    env.pop("QT_QPA_PLATFORM", None)  # a real (virtual) screen: `kiosk run` needs one
    kiosk = subprocess.Popen(
        ["xvfb-run", "-a", "-s", "-screen 0 1280x900x24", sys.executable, "-m", "kiosk", "run",
         "--backend", sandbox_url, "--camera", "synthetic", "--no-self-service"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        seen: list[dict[str, object]] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not seen:
            time.sleep(0.5)
            if (tmp_path / "kiosk.sqlite").exists():
                seen = site_status(url)
        assert seen, "no heartbeat within 60 s"
        first = seen[0]
        assert first["kiosk_id"] == "LOBBY-HB"
        assert first["mode"] == "counter"
        assert first["camera"] == "synthetic"
        assert first["backend"] == "ok"
        assert first["open_renewals"] == 0
        later = first
        while time.monotonic() < deadline and later["at"] == first["at"]:
            time.sleep(0.3)
            later = site_status(url)[0]
        assert later["at"] > first["at"]  # written again: the timer runs
    finally:
        os.killpg(kiosk.pid, signal.SIGINT)
        try:
            kiosk.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(kiosk.pid, signal.SIGKILL)
            kiosk.wait(5)


def test_the_heartbeat_says_a_camera_is_missing_without_opening_it(tmp_path: Path) -> None:
    clip = tmp_path / "clip.avi"
    assert camera_state(str(clip)) == f"missing {clip}"
    clip.write_bytes(b"x")
    assert camera_state(str(clip)) == f"ok {clip}"
    assert camera_state("synthetic") == "synthetic"
    assert camera_state("7") == ("ok /dev/video7" if Path("/dev/video7").exists()
                                 else "missing /dev/video7")
