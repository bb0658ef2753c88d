"""Issue 12 §4 kind 8: the disk fills up while the kiosk journals. The journal lives on a
small tmpfs of its own; before each step's answer a filler file takes every free byte, so
the step's journaling meets a real ENOSPC. The holder must see AC-KI-0010, the kiosk must
not crash; once there is room again (the filler removed) the holder answers again and the
renewal goes on to its end, activated once: nothing already done is lost."""

from __future__ import annotations

import errno
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.flows.harness import Counter

DISK_FULL = "AC-KI-0010"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    assert done.returncode == 0, f"cannot mount a tmpfs (run as root): {done.stderr}"
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(disk: Path) -> Path:
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as f:
        block = b"\0" * 65536
        try:
            while True:
                f.write(block)
        except OSError as err:
            assert err.errno == errno.ENOSPC
        try:
            while True:
                f.write(b"\0")
        except OSError:
            pass
    return filler


def _fresh(answer: dict[str, object]) -> dict[str, object]:
    """A copy with new photo buffers (the flow wipes the ones it was given)."""
    return {k: bytearray(v) if isinstance(v, bytes | bytearray) else v
            for k, v in answer.items()}


def test_disk_full_while_journaling_says_ac_ki_0010_and_loses_nothing(
    sandbox_url: str, small_disk: Path
) -> None:
    counter = Counter(sandbox_url, small_disk / "journal.sqlite")
    try:
        counter.sign_in("H-SINGLE")
        flow = counter.flow
        full_at: list[str] = []
        view = flow.current
        for _ in range(80):
            if view.is_last:
                break
            step = view.step_id
            answer = {k: bytes(v) if isinstance(v, bytearray) else v
                      for k, v in counter.answer(view).items()}
            filler = _fill(small_disk)
            try:
                faulted = flow.submit(_fresh(answer))  # never raises
            finally:
                filler.unlink()  # room again
            view = faulted
            if faulted.error is not None:
                assert faulted.error.help_code == DISK_FULL, (step, faulted.error)
                assert "儲存空間已滿" in faulted.error.text()
                full_at.append(step)
                if faulted.step_id == step:  # the step not done: the holder answers again
                    view = flow.submit(_fresh(answer))
                    if step == "eid" and view.error is not None:
                        # The e-ID took the SMS code before the journal failed: a new code
                        # (what the page offers), then the answer.
                        assert view.error.help_code == "AC-AB-0023", view.error
                        flow.submit({"action": "request"})
                        view = flow.submit(counter.answer(flow.current))
                    assert view.error is None, (step, view.error)
        assert view.step_id == "done" and view.outcome == "activated", view
        assert {"email_code", "photo", "review", "activation_form"} <= set(full_at), full_at
        session = flow.session
        assert session is not None
        jobs = counter.services.registry.activations(
            session, counter.journal.entries("H-SINGLE")[-1].renewal_id)
        done = [r.cert_id for j in jobs if j.state == "succeeded" for r in j.results]
        assert len(done) == len(set(done)) >= 1
        assert len(counter.admin.outbox(kind="renewal_completed")) == 1
    finally:
        counter.close()
