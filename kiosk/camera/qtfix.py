"""`emit(signal, *args)`: a signal emission that does not eat a reference to `True`.

PySide6-Essentials 6.12.0 on CPython 3.11 (measured here): `SignalInstance.emit()` returns
`True` without taking a new reference, so every emission from Python drops one reference to
`True`. The camera emits ~90 times a second (preview frames, reports, hints); after ~15 s of
live preview `True`'s count reaches zero and the interpreter aborts with "Fatal Python error:
bool_dealloc: deallocating True or False" (SIGABRT), or frees it and crashes later (SIGSEGV,
often inside the garbage collector). On Python >= 3.12 `True` is immortal and nothing happens.

At import the loss per emission is measured once on a private signal; `emit()` gives back
exactly that many references (none with a fixed PySide6, so the shim then costs nothing).
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal, SignalInstance

_incref = ctypes.pythonapi.Py_IncRef
_incref.argtypes = [ctypes.py_object]
_incref.restype = None


class _Probe(QObject):
    ping = Signal()


def _measure_loss() -> int:
    """References to `True` that one `emit()` drops in this PySide6 build (0 when sound)."""
    if sys.version_info >= (3, 12):
        return 0  # True is immortal: its count cannot reach zero
    probe = _Probe()
    drops = []
    for _ in range(5):
        before = sys.getrefcount(True)
        probe.ping.emit()  # the result is discarded here, as by every caller
        drops.append(before - sys.getrefcount(True))
    loss = min(drops)
    return loss if loss > 0 and drops.count(loss) >= 3 else 0


LOST_PER_EMIT = _measure_loss()


def emit(signal: SignalInstance, *args: Any) -> None:
    """`signal.emit(*args)`, giving back the references to `True` that PySide6 drops."""
    signal.emit(*args)
    for _ in range(LOST_PER_EMIT):
        _incref(True)
