"""R33: the staff PIN is stored only as a slow hash; 3 wrong PINs lock it for 5 minutes,
across a restart; every try is in the audit trail, never the PIN."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.store.journal import SqlJournal
from kiosk.store.staff_pin import (
    LOCKED,
    NOT_SET,
    OK,
    WRONG,
    PinError,
    hash_pin,
    open_staff_pin,
    verify_pin,
)

PIN = "739164"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_r33_hash_is_scrypt_with_salt_and_parameters() -> None:
    a, b = hash_pin(PIN), hash_pin(PIN)
    assert a.startswith("scrypt$n=16384,r=8,p=1$")
    assert a != b  # a fresh salt each time
    assert PIN not in a
    assert verify_pin(PIN, a) and verify_pin(PIN, b)
    assert not verify_pin("739165", a)
    assert not verify_pin(PIN, "scrypt$garbage")
    assert not verify_pin(PIN, "plain$" + PIN)
    # Parameters are read from the string: a hash made with other ones still verifies.
    assert verify_pin(PIN, hash_pin(PIN, n=2**12))


def test_r33_pin_rules() -> None:
    pin = open_staff_pin("sqlite://")
    for bad in ("123", "12a456", "1234567890123", "１２３４"):
        with pytest.raises(PinError):
            pin.set_pin(bad)
    assert not pin.is_set
    assert pin.check(PIN).outcome == NOT_SET


def test_r33_three_wrong_pins_lock_for_five_minutes_across_restart(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kiosk.sqlite'}"
    clock = Clock()
    pin = open_staff_pin(url, now=clock)
    pin.set_pin(PIN)
    assert pin.check(PIN).outcome == OK
    first = pin.check("000000")
    assert (first.outcome, first.tries_left) == (WRONG, 2)
    assert pin.check("111111").tries_left == 1
    third = pin.check("222222")
    assert third.outcome == LOCKED
    assert third.locked_until == clock.now + timedelta(minutes=5)
    assert third.seconds_locked(clock.now) == 300
    # The right PIN is refused while locked, and a restart (a new process) keeps the lock.
    assert pin.check(PIN).outcome == LOCKED
    pin.close()
    clock.now += timedelta(minutes=4, seconds=59)
    restarted = open_staff_pin(url, now=clock)
    assert restarted.status().outcome == LOCKED
    assert restarted.check(PIN).outcome == LOCKED
    clock.now += timedelta(seconds=2)
    assert restarted.status().outcome == OK
    assert restarted.check(PIN).outcome == OK
    # After the lock the count starts again at 3.
    assert restarted.check("333333").tries_left == 2
    assert restarted.check(PIN).outcome == OK
    assert restarted.status().tries_left == 3
    restarted.close()

    journal = SqlJournal(url)
    trail = [(r.step, r.call, r.outcome) for r in journal.audit_trail()]
    journal.close()
    outcomes = [o for _, _, o in trail]
    assert outcomes == [
        "set", "ok", "wrong", "wrong", "wrong", "locked", "locked", "locked", "ok", "wrong", "ok"
    ]
    assert {(s, c) for s, c, _ in trail} == {("staff_pin", "staff.pin")}
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert PIN.encode() not in raw and b"000000" not in raw and b"222222" not in raw


def test_r33_kiosk_settings_set_pin_from_stdin(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kiosk.sqlite'}"
    cmd = [sys.executable, "-m", "kiosk", "settings", "--journal", url, "set-pin"]
    env = dict(os.environ)
    differ = subprocess.run(cmd, input="123456\n654321\n", text=True, capture_output=True, env=env)
    assert differ.returncode == 2 and "differ" in differ.stderr
    short = subprocess.run(cmd, input="12\n12\n", text=True, capture_output=True, env=env)
    assert short.returncode == 2 and "4 to 12 digits" in short.stderr
    assert not open_staff_pin(url).is_set
    done = subprocess.run(cmd, input=f"{PIN}\n{PIN}\n", text=True, capture_output=True, env=env)
    assert done.returncode == 0, done.stderr
    assert PIN not in done.stdout
    assert open_staff_pin(url).check(PIN).outcome == OK
    # `kiosk settings list` neither shows the hash nor trips over its rows.
    listed = subprocess.run(
        [sys.executable, "-m", "kiosk", "settings", "--journal", url, "list"],
        text=True, capture_output=True, env=env,
    )
    assert listed.returncode == 0 and "scrypt" not in listed.stdout
