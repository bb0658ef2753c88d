"""A backend's text reaches the screen as text, never as markup (issue 12, section 1): the
error panel shows a hostile message literally, with the kiosk's own help code."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from kiosk.services.errors import ValidationFailed
from kiosk.ui.widgets import ErrorPanel, label

HOSTILE = '<img src="file:///etc/passwd"><a href="http://x">按此</a><b>AC-ZZ-9999</b>'


def test_labels_show_backend_text_literally(qtbot: Any) -> None:
    w = label(HOSTILE)
    qtbot.addWidget(w)
    assert w.textFormat() == Qt.TextFormat.PlainText
    assert w.text() == HOSTILE


def test_the_error_panel_never_renders_a_backends_markup(qtbot: Any) -> None:
    panel = ErrorPanel()
    qtbot.addWidget(panel)
    err = ValidationFailed({"zh-Hant": HOSTILE, "pt": HOSTILE, "en": HOSTILE}, "AC-AB-0008")
    panel.show_error(err.user_message("zh-Hant"), err.help_code, "zh-Hant")
    assert panel.message.textFormat() == Qt.TextFormat.PlainText
    assert panel.help.textFormat() == Qt.TextFormat.PlainText
    assert panel.message.text() == HOSTILE
    assert "AC-AB-0008" in panel.help.text()
