"""R33: the self-service kiosk is locked down.

Full screen, frameless and on top; close requests (Alt+F4 and the window manager's close
button or `wmctrl -c`, Ctrl+Q, Ctrl+W, Escape) and minimising are refused, until staff
unlock it. Staff reach the exit and the counter functions through a hidden gesture, five
taps in the window's top-left corner within 3 s, then the staff PIN on a keypad
(kiosk/store/staff_pin.py: scrypt hash, 3 wrong PINs lock it for 5 minutes, audited).
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QMouseEvent, QWindow
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

from kiosk.ui.keyboard import TOUCH_MIN_PX, OnScreenKeyboard
from kiosk.ui.lobby_texts import lt, minutes_seconds
from kiosk.ui.widgets import KioskDialog
from kiosk.ui.worker import Op

log = logging.getLogger(__name__)

CORNER_PX = 120
TAPS = 5
TAPS_WITHIN_S = 3.0
# Test-only: when set, the staff dialogs describe what they show (their buttons' screen
# rectangles and enabled state, the message, how many dots the field shows: never a digit)
# in this JSON file, so a test under a real X server can tap the on-screen keys with the
# pointer (tests/ui/test_r33_lockdown_x11.py). A touch kiosk has no keyboard to type on.
PROBE_ENV = "KIOSK_UI_PROBE"

_MOD = Qt.KeyboardModifier
_KEY = Qt.Key
# (key, modifiers that must be held): what closes a window or an application elsewhere.
REFUSED_KEYS = (
    (_KEY.Key_Escape, _MOD.NoModifier),
    (_KEY.Key_F4, _MOD.AltModifier),
    (_KEY.Key_Q, _MOD.ControlModifier),
    (_KEY.Key_W, _MOD.ControlModifier),
    (_KEY.Key_F4, _MOD.ControlModifier),
)


def refused_key(event: QKeyEvent) -> bool:
    mods = event.modifiers() & (_MOD.ControlModifier | _MOD.AltModifier | _MOD.MetaModifier)
    for key, needed in REFUSED_KEYS:
        if event.key() == key and (needed == _MOD.NoModifier or mods & needed):
            return True
    return event.matches(QKeySequence.StandardKey.Close) or event.matches(
        QKeySequence.StandardKey.Quit
    )


class _Probe(QObject):
    """Writes `dialog`'s state to the $KIOSK_UI_PROBE file whenever it is shown, resized or
    changed (see PROBE_ENV). Button rectangles are in the dialog's coordinates."""

    _seq = 0

    def __init__(self, dialog: QDialog, path: str) -> None:
        super().__init__(dialog)
        self.dialog = dialog
        self.path = path
        self._pending = False
        dialog.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if event.type() in (QEvent.Type.Show, QEvent.Type.Resize):
            self.soon()
        return False

    def soon(self) -> None:
        if not self._pending:
            self._pending = True
            QTimer.singleShot(0, self.write)

    def write(self) -> None:
        self._pending = False
        dialog = self.dialog
        if not dialog.isVisible():
            return
        _Probe._seq += 1
        # In the dialog's own coordinates: where the window manager put the dialog's window
        # the X server says (Qt may learn it late, or not at all when it was not moved).
        buttons = {}
        for b in dialog.findChildren(QPushButton):
            if b.isVisible() and b.objectName():
                top_left = b.mapTo(dialog, QPoint(0, 0))
                buttons[b.objectName()] = {
                    "rect": [top_left.x(), top_left.y(), b.width(), b.height()],
                    "enabled": b.isEnabled(),
                }
        message = dialog.findChild(QLabel, "pinMessage")
        field = dialog.findChild(QLineEdit, "staffPin")
        state = {
            "seq": _Probe._seq,
            "dialog": dialog.objectName(),
            "size": [dialog.width(), dialog.height()],
            "buttons": buttons,
            "message": message.text() if message is not None and message.isVisible() else "",
            "dots": len(field.text()) if field is not None else 0,
            "checking": bool(getattr(dialog, "checking", False)),
        }
        tmp = f"{self.path}.tmp"
        with open(tmp, "w", encoding="utf-8") as out:
            json.dump(state, out, ensure_ascii=False)
        os.replace(tmp, self.path)


def probe(dialog: QDialog) -> _Probe | None:
    """The test-only probe on `dialog` when $KIOSK_UI_PROBE is set (see PROBE_ENV)."""
    path = os.environ.get(PROBE_ENV)
    return _Probe(dialog, path) if path else None


class CornerTaps:
    """Counts taps in a corner; `tap(now)` is True on the fifth within the time window."""

    def __init__(self, taps: int = TAPS, within_s: float = TAPS_WITHIN_S) -> None:
        self.taps = taps
        self.within_s = within_s
        self._times: list[float] = []

    def tap(self, now: float) -> bool:
        self._times = [t for t in self._times if now - t <= self.within_s] + [now]
        if len(self._times) >= self.taps:
            self._times = []
            return True
        return False

    def miss(self) -> None:
        self._times = []


class PinDialog(KioskDialog):
    """The staff PIN on a digit keypad. `check(pin)` answers a PinCheck-like object
    (outcome, tries_left, seconds_locked(now))."""

    def __init__(self, check: Callable[[str], Any], lang: str, parent: QWidget) -> None:
        super().__init__("pinDialog", lt("pin.title", lang), parent, card=True)
        self._check = check
        self.lang = lang
        self.outcome: str | None = None
        self.checking = False
        lay = self.lay
        self.prompt = QLabel(lt("pin.prompt", lang))
        self.prompt.setWordWrap(True)
        self.field = QLineEdit()
        self.field.setObjectName("staffPin")
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.field.setMaxLength(12)
        self.field.setMinimumHeight(TOUCH_MIN_PX)
        self.message = QLabel()
        self.message.setObjectName("pinMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        self.message.hide()
        # The keypad is part of the dialog (below the field), not floating over the page.
        self.keypad = OnScreenKeyboard(self, lang, docked=True)
        self.keypad.attach(self.field, "digits")
        buttons = QHBoxLayout()
        self.cancel_button = QPushButton(lt("pin.cancel", lang))
        self.cancel_button.setObjectName("pinCancel")
        self.ok_button = QPushButton(lt("pin.ok", lang))
        self.ok_button.setObjectName("pinOk")
        self.ok_button.setProperty("primary", True)
        for b in (self.cancel_button, self.ok_button):
            b.setMinimumHeight(TOUCH_MIN_PX)
            b.setAutoDefault(False)
            buttons.addWidget(b)
        # Staff with a keyboard may type the PIN and press Enter.
        self.ok_button.setDefault(True)
        self.field.setFocus()
        self.cancel_button.clicked.connect(self.reject)
        self.ok_button.clicked.connect(self.submit)
        for w in (self.prompt, self.field, self.message, self.keypad):
            lay.addWidget(w)
        lay.addLayout(buttons)
        # The dialog takes the size its content needs, also when a message wraps to more
        # lines: the keypad's keys are never squeezed into each other.
        lay.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)
        self.message.setFixedWidth(520)  # fewer lines at A++: the pad fits 800 px
        self.prompt.setFixedWidth(520)
        self._locked: Any = None
        self._lock_clock = QTimer(self)
        self._lock_clock.setInterval(1000)
        self._lock_clock.timeout.connect(self._tick_lock)
        self._probe = probe(self)
        self.field.textChanged.connect(lambda _t: self._changed())

    def _show_status(self, result: Any) -> None:
        outcome = result.outcome
        self._locked = result if outcome == "locked" else None
        if outcome == "wrong":
            text = lt("pin.wrong", self.lang, tries=result.tries_left)
        elif outcome == "locked":
            text = self._locked_text(result)
            self._lock_clock.start()
        elif outcome == "not_set":
            text = lt("pin.not_set", self.lang)
        else:
            text = ""
        if outcome != "locked":
            self._lock_clock.stop()
        self.message.setText(text)
        self.message.setVisible(bool(text))
        self.ok_button.setEnabled(outcome not in ("locked", "not_set"))
        self.adjustSize()
        self._changed()

    def _locked_text(self, result: Any) -> str:
        from datetime import UTC, datetime

        secs = result.seconds_locked(datetime.now(UTC))
        return lt("pin.locked", self.lang, time=minutes_seconds(secs))

    def _tick_lock(self) -> None:
        """While locked the pad counts down (4:58, 4:57 ...), and takes PINs again at 0."""
        from datetime import UTC, datetime

        result = self._locked
        if result is None or result.seconds_locked(datetime.now(UTC)) <= 0:
            self._lock_clock.stop()
            self._locked = None
            self.message.clear()
            self.message.hide()
            self.ok_button.setEnabled(not self.checking)
            self.adjustSize()
        else:
            self.message.setText(self._locked_text(result))
        self._changed()

    def _changed(self) -> None:
        if self._probe is not None:
            self._probe.soon()

    def show_status(self, result: Any) -> None:
        self._show_status(result)

    def submit(self) -> None:
        if self.checking:
            return
        pin = self.field.text()
        self.field.clear()
        self.checking = True
        self.ok_button.setEnabled(False)
        self._changed()
        # scrypt takes a noticeable fraction of a second: off the GUI thread, and off the
        # flow's database thread, which may be busy with a holder's step.
        Op(
            lambda: self._check(pin), success=self._checked, failure=self._check_failed
        ).run(QThreadPool.globalInstance(), self)

    def _checked(self, result: Any) -> None:
        self.checking = False
        self.outcome = result.outcome
        if result.outcome == "ok":
            self._lock_clock.stop()
            self.accept()
        else:
            self._show_status(result)

    def _check_failed(self, exc: BaseException) -> None:
        # A database fault must not open the kiosk; the type only, never what was typed.
        log.error("staff PIN check failed: %s", type(exc).__name__)
        self.checking = False
        self.ok_button.setEnabled(True)
        self._changed()


class StaffMenu(KioskDialog):
    """After the right PIN: leave the kiosk, the counter functions, or back to the holder's
    screens."""

    def __init__(self, lang: str, parent: QWidget) -> None:
        super().__init__("staffMenu", lt("staff.title", lang), parent, card=True)
        self.choice = "back"
        lay = self.lay
        self.buttons: dict[str, QPushButton] = {}
        for choice in ("exit", "counter", "back"):
            b = QPushButton(lt(f"staff.{choice}", lang))
            b.setObjectName(f"staff_{choice}")
            b.setMinimumHeight(TOUCH_MIN_PX + 8)
            b.setAutoDefault(False)
            b.clicked.connect(lambda _=False, c=choice: self._choose(c))
            lay.addWidget(b)
            self.buttons[choice] = b
        self.setMinimumWidth(420)
        probe(self)

    def _choose(self, choice: str) -> None:
        self.choice = choice
        self.accept()


class Lockdown(QObject):
    """Keeps `window` full screen and open; the corner gesture + staff PIN unlock it."""

    unlocked_by_staff = Signal(str)  # "exit" or "counter"

    def __init__(
        self,
        window: QWidget,
        check_pin: Callable[[str], Any],
        pin_status: Callable[[], Any] | None = None,
        lang_fn: Callable[[], str] = lambda: "zh-Hant",
        on_counter: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.unlocked = False
        self._check_pin = check_pin
        self._pin_status = pin_status
        self._lang_fn = lang_fn
        self._on_counter = on_counter
        self.corner = CornerTaps()
        self._last_press: tuple[int, int, int] | None = None
        self.dialog: QDialog | None = None
        window.setWindowFlags(
            window.windowFlags()
            | Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
        )
        window.installEventFilter(self)
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self)

    def show(self) -> None:
        self.window.showFullScreen()

    # -- the filter ------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if self.unlocked:
            return False
        kind = event.type()
        if kind in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride, QEvent.Type.KeyRelease):
            assert isinstance(event, QKeyEvent)
            if refused_key(event):
                if kind == QEvent.Type.KeyPress and not event.isAutoRepeat():
                    log.warning("key refused (self-service lockdown)")
                event.accept() if kind == QEvent.Type.ShortcutOverride else event.ignore()
                return True
            return False
        if watched is self.window:
            if kind == QEvent.Type.Close:
                # A warning: whoever runs the kiosk from a shell learns why it stays open.
                log.warning("close request refused (self-service lockdown)")
                event.ignore()
                return True
            if kind == QEvent.Type.WindowStateChange:
                state = self.window.windowState()
                if state & Qt.WindowState.WindowMinimized or not (
                    state & Qt.WindowState.WindowFullScreen
                ):
                    log.warning("leaving full screen refused (self-service lockdown)")
                    QTimer.singleShot(0, self._restore)
        if kind == QEvent.Type.MouseButtonPress and self._in_window(watched):
            assert isinstance(event, QMouseEvent)
            pos = event.globalPosition().toPoint()
            # One press reaches the filter once per receiver (the window, then each widget
            # it propagates to): count it once.
            key = (event.timestamp(), pos.x(), pos.y())
            if key != self._last_press:
                self._last_press = key
                self._on_press(pos)
        return False

    def _in_window(self, watched: QObject) -> bool:
        if isinstance(watched, QWindow):
            return watched is self.window.windowHandle()
        return isinstance(watched, QWidget) and watched.window() is self.window

    def _restore(self) -> None:
        if self.unlocked:
            return
        self.window.setWindowState(Qt.WindowState.WindowFullScreen)
        self.window.showFullScreen()
        self.window.raise_()
        self.window.activateWindow()

    def _on_press(self, pos: QPoint) -> None:
        corner = QRect(self.window.mapToGlobal(QPoint(0, 0)), QSize(CORNER_PX, CORNER_PX))
        if self.dialog is not None:
            return
        if corner.contains(pos):
            if self.corner.tap(time.monotonic()):
                QTimer.singleShot(0, self.ask_pin)
        else:
            self.corner.miss()

    # -- staff -----------------------------------------------------------------------------
    def ask_pin(self) -> None:
        if self.dialog is not None:
            return
        dialog = PinDialog(self._check_pin, self._lang_fn(), self.window)
        if self._pin_status is not None:
            try:
                status = self._pin_status()
            except Exception as exc:  # noqa: BLE001
                log.error("staff PIN status failed: %s", type(exc).__name__)
                status = None
            if status is not None and status.outcome != "ok":
                dialog.show_status(status)
        self.dialog = dialog
        dialog.finished.connect(self._pin_done)
        dialog.open()

    def _pin_done(self, result: int) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.deleteLater()
        if result != QDialog.DialogCode.Accepted:
            return
        menu = StaffMenu(self._lang_fn(), self.window)
        self.dialog = menu
        menu.finished.connect(lambda _r: self._menu_done(menu))
        menu.open()

    def _menu_done(self, menu: StaffMenu) -> None:
        self.dialog = None
        menu.deleteLater()
        if menu.choice == "exit":
            self.exit_kiosk()
        elif menu.choice == "counter" and self._on_counter is not None:
            self.unlocked_by_staff.emit("counter")
            self._on_counter()

    def exit_kiosk(self) -> None:
        log.info("kiosk left by staff")
        self.unlocked = True
        self.unlocked_by_staff.emit("exit")
        self.window.close()
        QApplication.quit()


def lock_down(window: Any, journal_url: str | None = None) -> Lockdown:
    """Locks `window` (a MainWindow) down with the staff PIN of the database at
    `journal_url` (default: the journal's). The window is shown full screen by the caller."""
    from kiosk.store.staff_pin import open_staff_pin

    staff_pin = open_staff_pin(journal_url)
    lock = Lockdown(
        window,
        staff_pin.check,
        staff_pin.status,
        lambda: str(getattr(window, "lang", "zh-Hant")),
        on_counter=lambda: window.choose_mode("staff"),
    )
    window.destroyed.connect(lambda *_: staff_pin.close())
    return lock
