"""Buttons that are never narrower than their text (R35: nothing cut off).

A style sheet's `min-width` becomes the widget's explicit minimum width, and a layout then
lets the button shrink to it even when its text needs more (the pt first screen read
"ntrada de funcionári"). `keep_text_whole` keeps the minimum at the text's width, again
after each change of text, font or style (a language switch, the text-size control).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QAbstractButton

_REFIT = {QEvent.Type.StyleChange, QEvent.Type.FontChange, QEvent.Type.Polish}


class _TextWidth(QObject):
    def __init__(self, button: QAbstractButton) -> None:
        super().__init__(button)
        self.button = button
        self.style_min = button.minimumWidth()
        self._busy = False
        button.installEventFilter(self)

    def refit(self) -> None:
        if self._busy:
            return
        self._busy = True  # setMinimumWidth may send events that come back here
        try:
            b = self.button
            b.setMinimumWidth(max(self.style_min, b.sizeHint().width()))
        finally:
            self._busy = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if event.type() in _REFIT:
            self.refit()
        return False


def keep_text_whole(button: QAbstractButton) -> None:
    """From now on `button` is at least as wide as its text needs. Call `refit_text(b)` after
    `setText` (a text change sends no event to filter)."""
    _TextWidth(button).refit()


def refit_text(button: QAbstractButton) -> None:
    for child in button.children():
        if isinstance(child, _TextWidth):
            child.refit()
