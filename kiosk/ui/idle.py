"""Privacy wipe on idle (R34), at the lobby kiosk and at the counter terminal alike.

No input for `idle_s` seconds -> a dialog counts down `countdown_s` seconds -> `expired`.
Any touch, click or key press restarts the idle clock; 繼續使用 closes the dialog. While
`quiet()` is true (the first screen: nothing of a holder to wipe) no dialog is shown.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QWidget

from kiosk.ui.texts import tr
from kiosk.ui.widgets import KioskDialog

_INPUT_EVENTS = {
    QEvent.Type.MouseButtonPress,
    QEvent.Type.KeyPress,
    QEvent.Type.TouchBegin,
    QEvent.Type.TouchUpdate,
    QEvent.Type.Wheel,
}


class CountdownDialog(KioskDialog):
    def __init__(self, seconds: int, lang: str, parent: QWidget | None = None) -> None:
        super().__init__(
            "idleDialog", tr("idle.title", lang), parent, margins=(40, 32, 40, 32), spacing=24
        )
        self.lang = lang
        self.remaining = seconds
        # Only the countdown running out wipes; Esc or 繼續使用 just closes the dialog.
        self.timed_out = False
        self.body = QLabel()
        self.body.setWordWrap(True)
        self.continue_button = QPushButton(tr("idle.continue", lang))
        self.continue_button.setProperty("primary", True)
        self.continue_button.clicked.connect(self.accept)
        self.lay.addWidget(self.body)
        self.lay.addWidget(self.continue_button)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._on_tick)
        self._show_remaining()

    def start(self) -> None:
        self._tick.start()
        self.open()

    def _show_remaining(self) -> None:
        self.body.setText(tr("idle.body", self.lang, seconds=self.remaining))

    def _on_tick(self) -> None:
        self.remaining -= 1
        if self.remaining <= 0:
            self._tick.stop()
            self.timed_out = True
            self.reject()
        else:
            self._show_remaining()


class IdleGuard(QObject):
    """Watches every input event of the application; emits `expired` after the countdown."""

    expired = Signal()
    warning = Signal()

    def __init__(
        self,
        window: QWidget,
        idle_s: float,
        countdown_s: int,
        lang_fn: object = None,
        quiet: Callable[[], bool] | None = None,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.countdown_s = countdown_s
        self.dialog: CountdownDialog | None = None
        self._paused = False
        self._lang_fn = lang_fn
        self._quiet = quiet
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(int(idle_s * 1000))
        self._timer.timeout.connect(self._warn)
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self)
        self._timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if event.type() in _INPUT_EVENTS and self.dialog is None and not self._paused:
            self._timer.start()
        return False

    @property
    def counting(self) -> bool:
        """Whether the idle clock runs (it cannot warn while it does not)."""
        return self._timer.isActive()

    def set_idle(self, idle_s: float) -> None:
        """The idle time before the countdown from now on (settings; the clock restarts)."""
        self._timer.setInterval(int(idle_s * 1000))
        if not self._paused:
            self._timer.start()

    def restart(self) -> None:
        self._paused = False
        self._timer.start()

    def pause(self) -> None:
        """While the kiosk itself works (a backend call, activation polling) the holder is
        waiting, not gone: no countdown then."""
        self._paused = True
        self._timer.stop()

    def stop(self) -> None:
        self._timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def _warn(self) -> None:
        if self._quiet is not None and self._quiet():
            self._timer.start()
            return
        lang = self._lang_fn() if callable(self._lang_fn) else "zh-Hant"
        self.dialog = CountdownDialog(self.countdown_s, str(lang), self.window)
        self.dialog.finished.connect(self._on_dialog_done)
        self.warning.emit()
        self.dialog.start()

    def _on_dialog_done(self, _result: int) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.deleteLater()
        if dialog is not None and dialog.timed_out:
            self.expired.emit()
        self._timer.start()
