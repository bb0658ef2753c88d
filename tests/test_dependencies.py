"""Guards against dependency builds known to break the kiosk on this platform."""

from __future__ import annotations

import subprocess
import sys

EMITS = """
import sys
from PySide6.QtCore import QObject, Signal

class Pinger(QObject):
    ping = Signal(object)

p = Pinger()
before = sys.getrefcount(True)
for i in range(20000):
    p.ping.emit(i)
print(sys.getrefcount(True) - before)
"""


def test_pyside_signal_emission_keeps_python_alive() -> None:
    """PySide6 6.12.0 under CPython 3.11 drops a reference to `True` per Signal.emit(); the
    camera emits ~90 times a second, so a live preview aborted the interpreter
    ("bool_dealloc: deallocating True") after ~15 s. pyproject.toml excludes that build;
    this fails if a resolver brings back one with the same fault."""
    done = subprocess.run(
        [sys.executable, "-c", EMITS], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-500:]
    assert abs(int(done.stdout.strip())) < 100
