"""p1_start_ratio: cold start of the kiosk to its painted first screen, relative to a bare
PySide6 window, both measured in the same run on the same machine (it is noisy).

Each sample is a fresh interpreter (`subprocess`), timed from spawn to exit; both programs
quit right after their first paint (the kiosk through KIOSK_QUIT_AFTER_FIRST_PAINT), so the
two medians differ only by what the kiosk does before its first screen is on the glass.
Runs alternate kiosk / bare so that drift on the machine hits both equally.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

RUNS = 7

BARE = """
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            QTimer.singleShot(0, QApplication.quit)
        return False

app = QApplication([])
w = QWidget()
w.resize(1280, 900)
f = FirstPaint()
w.installEventFilter(f)
w.show()
app.exec()
"""

# A port nothing listens on: the first screen must not need the backend.
KIOSK = [sys.executable, "-m", "kiosk", "run", "--backend", "http://127.0.0.1:9"]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["KIOSK_QUIT_AFTER_FIRST_PAINT"] = "1"
    return env


def _time(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, timeout=120)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(
            f"{cmd[:4]} exited {proc.returncode}: {proc.stderr.decode(errors='replace')[-800:]}"
        )
    return elapsed


def measure(runs: int = RUNS) -> dict[str, float | int | str]:
    env = _env()
    bare_cmd = [sys.executable, "-c", BARE]
    # One unmeasured run of each warms the OS file cache, as on a kiosk that has booted.
    _time(bare_cmd, env)
    _time(KIOSK, env)
    kiosk: list[float] = []
    bare: list[float] = []
    for _ in range(max(5, runs)):
        kiosk.append(_time(KIOSK, env))
        bare.append(_time(bare_cmd, env))
    k = statistics.median(kiosk)
    b = statistics.median(bare)
    return {
        "p1_start_ratio": round(k / b, 3),
        "p1_kiosk_start_s": round(k, 3),
        "p1_bare_qt_start_s": round(b, 3),
        "p1_runs": len(kiosk),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(measure(), sort_keys=True))
