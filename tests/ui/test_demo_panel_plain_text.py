"""The demo's sandbox panel shows what the backend and its emails say as plain text
(issue 12 §1: labels never interpret a backend's text as rich text)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from kiosk.services.sandbox_admin import OutboxMessage
from kiosk.ui.demo import SandboxPanel

MARKUP = '<img src="http://203.0.113.9/x.png"><b>bold</b><a href="x">link</a>'


class HostileAdmin:
    """A backend whose holder sheet and outbox carry markup where names and addresses go."""

    def holders(self) -> list[dict[str, Any]]:
        return [{"holder_id": "H-X", "id_number": "1000001(1)", "name_zh": MARKUP,
                 "branch": "<i>branch</i>", "face": "obama"}]

    def outbox(self, kind: str | None = None) -> list[OutboxMessage]:
        now = dt.datetime.now(dt.UTC)
        return [
            OutboxMessage("m1", "email", "email_code", f"{MARKUP}@abc.example", "s",
                          "code 123456", now),
            OutboxMessage("m2", "email", "renewal_completed", "<h1>x</h1>@abc.example", "s",
                          MARKUP, now),
        ]


def test_demo_panel_shows_backend_and_email_text_literally_never_as_rich_text(
    qtbot: QtBot,
) -> None:
    panel = SandboxPanel("http://127.0.0.1:9", HostileAdmin())  # type: ignore[arg-type]
    qtbot.addWidget(panel)
    panel.show_holders(HostileAdmin().holders())
    codes = panel._latest_codes()
    panel.codes.setText(codes)
    for label in (panel.holders, panel.codes):
        assert label.textFormat() == Qt.TextFormat.PlainText
    # The markup is there, character for character, as text to read
    assert MARKUP in panel.holders.text() and "<i>branch</i>" in panel.holders.text()
    assert f"{MARKUP}@abc.example: 123456" in panel.codes.text()
    assert "<h1>x</h1>@abc.example: renewal_completed" in panel.codes.text()
    # and no label of the panel would read backend text as rich text
    for label in panel.findChildren(QLabel):
        if label.text() and ("<" in label.text()):
            assert label.textFormat() == Qt.TextFormat.PlainText, label.objectName()
