"""R33 under a real X server and window manager (Xvfb + openbox): `kiosk run --self-service`
stays open and full screen whatever key or window-manager request closes or minimises a
window, also after a crash; the corner gesture opens the staff PIN pad, the right PIN typed
on its on-screen keys lets staff leave (the process ends with exit code 0), and 3 wrong PINs
lock it: a 4th, right PIN is refused during the lock, also after a crash and restart.

Everything is done with the real pointer (xdotool, XTEST) on the screen positions of the
pad's keys: a touch kiosk has no keyboard. The kiosk tells where its keys are through the
test-only probe file (kiosk.ui.lockdown.PROBE_ENV), which also says how many dots the
field shows and the pad's message: each tap is checked to have landed before the next.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.store.journal import SqlJournal
from kiosk.store.staff_pin import open_staff_pin
from kiosk.ui.lobby_texts import lt
from kiosk.ui.lockdown import PROBE_ENV

PIN = "739164"
WRONG = ("111111", "222222", "333333")
WIDTH, HEIGHT = 1280, 800
SHOTS = Path("/tmp/ui_shots2")


def _wait(what: str, ok: Callable[[], object], timeout: float = 90.0) -> Any:
    # Polling for the X server and the kiosk to be ready; not a timing assertion.
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = ok()
        if value:
            return value
        time.sleep(0.1)
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
        self.probe = log.with_suffix(".probe.json")
        self.env = dict(env, KIOSK_JOURNAL_URL=db, **{PROBE_ENV: str(self.probe)})
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
        done = subprocess.run(args, env=self.env, capture_output=True, text=True, timeout=60)
        return done.stdout

    def _alive(self) -> None:
        assert self.proc.poll() is None, self.log.read_text(errors="replace")

    def windows(self) -> list[str]:
        """The kiosk's windows on the screen."""
        self._alive()
        out = self.x("xdotool", "search", "--onlyvisible", "--pid", str(self.proc.pid))
        return [
            wid for wid in out.split()
            if "Geometry: 1x1" not in self.x("xdotool", "getwindowgeometry", wid)
        ]

    def _window(self) -> str | None:
        for wid in self.windows():
            if "Geometry: 1280x800" in self.x("xdotool", "getwindowgeometry", wid):
                return wid
        return None

    def geometry(self, wid: str | None = None) -> tuple[int, int, int, int]:
        info = self.x("xwininfo", "-id", wid or self.wid)
        values = [
            int(re.search(rf"{k}:\s+(-?\d+)", info).group(1))  # type: ignore[union-attr]
            for k in ("Absolute upper-left X", "Absolute upper-left Y", "Width", "Height")
        ]
        return values[0], values[1], values[2], values[3]

    def full_screen_and_open(self) -> bool:
        self._alive()
        if "IsViewable" not in self.x("xwininfo", "-id", self.wid):
            return False
        state = self.x("xprop", "-id", self.wid, "_NET_WM_STATE")
        return (
            self.geometry() == (0, 0, WIDTH, HEIGHT)
            and "_NET_WM_STATE_FULLSCREEN" in state
            and "_NET_WM_STATE_HIDDEN" not in state
        )

    def assert_full_screen_and_open(self) -> None:
        # The window manager may take a moment to restore it: polled, with a deadline.
        _wait("the kiosk full screen and open", self.full_screen_and_open)

    def count(self, line: str) -> int:
        return self.log.read_text(errors="replace").count(line)

    def refused(self, line: str, send: Callable[[], object]) -> None:
        """Sends something that would close the window; waits until the kiosk has said it
        refused it (then it has handled it), and checks the window is still there."""
        before = self.count(line)
        send()
        _wait(f"{line!r} in the log", lambda: self.count(line) > before)
        self.assert_full_screen_and_open()

    def key(self, *keys: str) -> None:
        self.x("xdotool", "key", "--clearmodifiers", *keys)

    def click(self, x: int, y: int) -> None:
        self.x("xdotool", "mousemove", str(x), str(y), "click", "1")

    def corner_gesture(self) -> None:
        self.x("xdotool", "mousemove", "20", "20", "click", "--repeat", "5", "--delay", "150", "1")

    # -- the staff dialogs, through the probe ----------------------------------------------
    def state(self) -> dict[str, Any] | None:
        self._alive()
        try:
            state: dict[str, Any] = json.loads(self.probe.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return None
        return state

    def wait_state(self, what: str, ok: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        state = _wait(what, lambda: (s := self.state()) is not None and ok(s) and s)
        return dict(state)

    def origin(self, state: dict[str, Any]) -> tuple[int, int] | None:
        """Where the window manager put the dialog `state` describes (its X window, the
        one of the kiosk's of that size), or None while it is not on the screen."""
        size = tuple(state["size"])
        found = [
            g for w in self.windows() if w != self.wid and (g := self.geometry(w))[2:] == size
        ]
        return (found[0][0], found[0][1]) if len(found) == 1 else None

    def dialog(self, name: str) -> dict[str, Any]:
        return self.wait_state(
            f"the {name} on the screen",
            lambda s: s["dialog"] == name and self.origin(s) is not None,
        )

    def pin_pad(self) -> dict[str, Any]:
        self.corner_gesture()
        return self.dialog("pinDialog")

    def tap(self, state: dict[str, Any], button: str) -> None:
        """A tap on `button` of the dialog: the probe gives its rectangle in the dialog's
        coordinates, the X server the dialog's place on the screen."""
        x, y = _wait("the dialog on the screen", lambda: self.origin(state))
        bx, by, w, h = state["buttons"][button]["rect"]
        self.click(x + bx + w // 2, y + by + h // 2)

    def type_pin(self, pin: str) -> dict[str, Any]:
        """Taps the PIN's digits on the pad's keys, each one seen as a dot before the next."""
        state = self.wait_state("an empty PIN field", lambda s: not s["checking"])
        if state["dots"]:
            self.tap(state, "osk_clear")
            state = self.wait_state("the field cleared", lambda s: s["dots"] == 0)
        for n, digit in enumerate(pin, 1):
            self.tap(state, f"osk_{digit}")
            state = self.wait_state(f"{n} dots", lambda s, n=n: s["dots"] == n)
        return state

    def submit_pin(self, pin: str, then: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        state = self.type_pin(pin)
        assert state["buttons"]["pinOk"]["enabled"]
        self.tap(state, "pinOk")
        return self.wait_state("the PIN checked", then)

    def screenshot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.x("scrot", "-o", str(SHOTS / f"{name}.png"))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)  # as a crash would
            self.proc.wait(30)
        self._out.close()


def _staff_trail(db: str) -> list[str]:
    journal = SqlJournal(db)
    try:
        return [r.outcome for r in journal.audit_trail() if r.step == "staff_pin"]
    finally:
        journal.close()


def test_r33_self_service_refuses_every_close_and_staff_leave_with_the_pin_on_its_keypad(
    x_env: dict[str, str], sandbox_url: str, tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'kiosk.sqlite'}"
    pin = open_staff_pin(db)
    pin.set_pin(PIN)
    pin.close()
    wrong_text = lt("pin.wrong", "zh-Hant", tries=2)
    locked_text = lt("pin.locked", "zh-Hant", time="")[:8]  # 密碼錯誤次數過多，

    kiosk = Kiosk(x_env, sandbox_url, db, tmp_path / "kiosk1.log")
    try:
        kiosk.assert_full_screen_and_open()
        kiosk.screenshot("r33_x11_first_screen_zh")
        kiosk.x("xdotool", "windowactivate", "--sync", kiosk.wid)
        # Alt+F4 reaches the window manager, which asks the window to close: refused.
        kiosk.refused("close request refused", lambda: kiosk.key("alt+F4"))
        for keys in ("Escape", "ctrl+q", "ctrl+w"):
            kiosk.refused("key refused", lambda k=keys: kiosk.key(k))  # type: ignore[misc]
        # The window manager's own close request (what its close button sends).
        kiosk.refused("close request refused", lambda: kiosk.x("wmctrl", "-i", "-c", kiosk.wid))
        # The window manager does minimise it; the kiosk comes back full screen.
        kiosk.refused(
            "leaving full screen refused", lambda: kiosk.x("xdotool", "windowminimize", kiosk.wid)
        )

        # The staff gesture, then the PIN tapped on the pad: one wrong, then the right one.
        state = kiosk.pin_pad()
        kiosk.screenshot("r33_x11_pin_pad_zh")
        state = kiosk.submit_pin(
            WRONG[0], lambda s: not s["checking"] and s["message"] == wrong_text
        )
        kiosk.screenshot("r33_x11_pin_wrong_zh")
        kiosk.submit_pin(PIN, lambda s: s["dialog"] == "staffMenu")
        state = kiosk.dialog("staffMenu")
        kiosk.assert_full_screen_and_open()
        kiosk.tap(state, "staff_exit")
        # Staff left the kiosk: the process ends by itself, with exit code 0.
        assert kiosk.proc.wait(90) == 0, kiosk.log.read_text(errors="replace")
    finally:
        kiosk.stop()
    assert _staff_trail(db) == ["set", "wrong", "ok"]

    # Three wrong PINs lock the pad: a right PIN is refused while it is locked.
    kiosk = Kiosk(x_env, sandbox_url, db, tmp_path / "kiosk2.log")
    try:
        kiosk.assert_full_screen_and_open()
        state = kiosk.pin_pad()
        for n, wrong in enumerate(WRONG):
            if n < 2:
                text = lt("pin.wrong", "zh-Hant", tries=2 - n)
                state = kiosk.submit_pin(
                    wrong, lambda s, t=text: not s["checking"] and s["message"] == t
                )
            else:
                state = kiosk.submit_pin(
                    wrong, lambda s: not s["checking"] and s["message"].startswith(locked_text)
                )
        # 「… 請於 4:59 後再試。」 and its 確定 greyed out.
        assert re.search(r"請於 [45]:\d\d 後再試", state["message"]), state["message"]
        assert not state["buttons"]["pinOk"]["enabled"]
        kiosk.screenshot("r33_x11_pin_locked_zh")
        # The right PIN now: its digits are taken, 確定 does nothing.
        state = kiosk.type_pin(PIN)
        kiosk.tap(state, "pinOk")
        kiosk.tap(state, "osk_back")  # handled after the tap on 確定: then that was too
        state = kiosk.wait_state("the back key", lambda s: s["dots"] == len(PIN) - 1)
        assert state["dialog"] == "pinDialog" and state["message"].startswith(locked_text)
        assert kiosk.proc.poll() is None
        # Closing the pad and asking again: still locked.
        kiosk.tap(state, "pinCancel")
        _wait("the pad closed", lambda: kiosk.windows() == [kiosk.wid])
        kiosk.probe.unlink()
        state = kiosk.pin_pad()
        state = kiosk.wait_state("the locked pad", lambda s: s["message"].startswith(locked_text))
        assert not state["buttons"]["pinOk"]["enabled"]
        kiosk.assert_full_screen_and_open()
    finally:
        kiosk.stop()  # a crash, while the pad is open
    # The third wrong PIN is recorded as wrong, and the lock as a record of its own.
    assert _staff_trail(db) == ["set", "wrong", "ok", "wrong", "wrong", "wrong", "locked"]

    # After a crash the kiosk comes back locked down, full screen, the PIN still locked.
    kiosk = Kiosk(x_env, sandbox_url, db, tmp_path / "kiosk3.log")
    try:
        kiosk.assert_full_screen_and_open()
        kiosk.x("xdotool", "windowactivate", "--sync", kiosk.wid)
        kiosk.refused("close request refused", lambda: kiosk.key("alt+F4"))
        kiosk.refused("key refused", lambda: kiosk.key("Escape"))
        state = kiosk.pin_pad()
        state = kiosk.wait_state("the locked pad", lambda s: s["message"].startswith(locked_text))
        assert not state["buttons"]["pinOk"]["enabled"]
    finally:
        kiosk.stop()
    assert _staff_trail(db)[-1] == "locked"  # nothing was tried after the lock
