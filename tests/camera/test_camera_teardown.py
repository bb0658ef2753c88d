"""Teardown of the capture path: no native crash when the page is left or the process exits.

The bench child died with SIGSEGV / SIGBUS / SIGABRT ("QObject: shared QObject was deleted
directly", "corrupted double-linked list") after it had printed its result. The 拍照 button was
connected to `lambda: self.capture()`: PySide holds that lambda strongly, so view -> button ->
connection -> lambda -> view was a cycle Python's GC cannot see. The view was never collected
and was torn down at exit, from inside a button's destructor, which deleted that button twice.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import textwrap
import threading
import weakref
from pathlib import Path

import numpy as np
from pytestqt.qtbot import QtBot

from kiosk.camera import worker
from kiosk.camera.guide import CaptureGuide
from kiosk.camera.sources import FileSource, FrameSource, SourceInfo
from kiosk.camera.worker import CameraController
from kiosk.ui.camera_view import CameraView

ROOT = Path(__file__).resolve().parents[2]


def test_view_is_collected_once_dropped(qtbot: QtBot, clip_dir: dict[str, Path]) -> None:
    view = CameraView(str(clip_dir["good"]), guide=CaptureGuide(countdown_s=3600))
    view.show()
    frames: list[object] = []
    view.controller.frame_ready.connect(frames.append)
    view.start()
    qtbot.waitUntil(lambda: len(frames) > 0, timeout=5000)
    view.stop()
    view.hide()
    ref = weakref.ref(view)
    del view
    gc.collect()
    assert ref() is None, "something holds the CameraView forever (a reference cycle)"


_EXIT_SCRIPT = textwrap.dedent(
    """
    import gc
    import shiboken6
    from PySide6.QtWidgets import QApplication
    from kiosk.ui.camera_view import CameraView

    app = QApplication.instance() or QApplication([])
    view = CameraView("synthetic")
    view.start()
    app.processEvents()
    view.stop()
    button = view.capture_button
    del view
    gc.collect()
    # What PySide does at exit to every QObject Python still owns, in no fixed order. Were
    # the view still alive only through the button's connection, this would delete the view
    # from inside the button's destructor, and the button a second time (SIGBUS, every time).
    if shiboken6.isValid(button):
        shiboken6.delete(button)
    print("done")
    """
)


def test_deleting_a_button_first_at_exit_does_not_delete_it_twice(tmp_path: Path) -> None:
    script = tmp_path / "camera_exit.py"
    script.write_text(_EXIT_SCRIPT)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run(
        [sys.executable, "-X", "faulthandler", str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "done" in out.stdout
    assert "deleted directly" not in out.stderr, out.stderr[-3000:]


class _Recorder:
    """Wraps a file source: records the thread of every call and whether a read was in flight
    when release() came; `gate` blocks read() to hold a read in flight across stop()."""

    def __init__(self, inner: FrameSource, gate: threading.Event, log: list[str]) -> None:
        self._inner, self._gate, self._log = inner, gate, log
        self._lock = threading.Lock()
        self._reading = False
        self.blocked = threading.Event()

    def read(self) -> tuple[bool, np.ndarray | None]:
        with self._lock:
            self._reading = True
        try:
            if not self._gate.is_set():
                self.blocked.set()
            self._gate.wait()
            self._log.append(f"read {threading.get_ident()}")
            return self._inner.read()
        finally:
            with self._lock:
                self._reading = False

    def release(self) -> None:
        with self._lock:
            busy = self._reading
        self._log.append(f"release {threading.get_ident()} busy={busy}")
        self._inner.release()

    def is_opened(self) -> bool:
        return self._inner.is_opened()

    def describe(self) -> SourceInfo:
        return self._inner.describe()


def test_release_waits_for_the_read_in_flight(qtbot: QtBot, clip_dir: dict[str, Path]) -> None:
    """stop() while read() is blocked returns at once; the source is released later, on the
    reader's own thread, never while the read is still inside the capture library."""
    gate = threading.Event()
    gate.set()
    log: list[str] = []
    opened: list[_Recorder] = []

    def factory() -> FrameSource:
        source = _Recorder(FileSource(str(clip_dir["good"])), gate, log)
        opened.append(source)
        return source

    controller = CameraController(factory)
    frames: list[object] = []
    controller.frame_ready.connect(frames.append)
    controller.start()
    qtbot.waitUntil(lambda: len(frames) > 0, timeout=5000)
    gate.clear()  # the next read() blocks, as an unplugged webcam's does
    qtbot.waitUntil(lambda: any(r.blocked.is_set() for r in opened), timeout=5000)
    controller.stop()
    assert not controller.running
    assert not any(entry.startswith("release") for entry in log), "released under a read"
    gate.set()
    qtbot.waitUntil(lambda: not any(r.is_alive() for r in worker._LIVE_READERS), timeout=5000)
    releases = [entry for entry in log if entry.startswith("release")]
    assert len(releases) == 1 and releases[0].endswith("busy=False")
    reader_threads = {entry.split()[1] for entry in log}
    assert len(reader_threads) == 1, "read() and release() ran on different threads"


def test_many_quick_starts_and_stops_leave_nothing_running(
    qtbot: QtBot, clip_dir: dict[str, Path]
) -> None:
    controller = CameraController(str(clip_dir["good"]))
    frames: list[object] = []
    controller.frame_ready.connect(frames.append)
    for i in range(15):
        controller.start()
        if i % 3 == 0:
            before = len(frames)
            qtbot.waitUntil(lambda: len(frames) > before, timeout=5000)  # noqa: B023
        controller.stop()
        assert not controller.running
    qtbot.wait(50)  # frames queued before the last stop are delivered, not crashed on
    qtbot.waitUntil(lambda: not any(r.is_alive() for r in worker._LIVE_READERS), timeout=5000)
    assert not worker._STRAGGLERS


def test_a_running_preview_keeps_true_alive(qtbot: QtBot, clip_dir: dict[str, Path]) -> None:
    controller = CameraController(str(clip_dir["good"]))
    frames: list[object] = []
    controller.frame_ready.connect(frames.append)
    gc.collect()
    before = sys.getrefcount(True)
    controller.start()
    qtbot.waitUntil(lambda: len(frames) >= 20, timeout=10000)
    controller.stop()
    gc.collect()
    # >= 40 emissions (worker + controller per frame): each used to cost one reference.
    assert before - sys.getrefcount(True) < 10
