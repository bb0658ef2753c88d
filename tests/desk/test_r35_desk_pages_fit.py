"""R35 on the counter desk's pages: no text cut off in 3 languages x 3 text sizes x 2
screens (the check and the looks of tests/ui/test_r35_nothing_cut_off.py), on a real desk
session: H-OFFLINE finished onto a SoftHSM2 token, the status and reprint pages, the lock."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QScrollArea
from pytestqt.qtbot import QtBot

from kiosk.tokens.softhsm import SoftHsmToken
from kiosk.ui.main_window import MainWindow
from tests.desk.conftest import PIN, sign_in, type_pin
from tests.services.sandbox_walk import Kiosk
from tests.ui.ui_helpers import click, field, type_into, wait_step

# The ui tests' own modules import each other by bare name (their folder is on the path).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ui"))
from test_r35_nothing_cut_off import look_everywhere  # noqa: E402


def _in_view(window: MainWindow, button: QPushButton) -> bool:
    """The button shows inside the page's scroll viewport (not under the fold)."""
    QApplication.processEvents()
    area = next((a for a in window.findChildren(QScrollArea)
                 if a.isVisible() and a.isAncestorOf(button)), None)
    if area is None:
        return button.isVisible()
    port = area.viewport()
    top = button.mapTo(port, button.rect().topLeft()).y()
    return top >= 0 and top + button.height() <= port.height()


@pytest.mark.parametrize("lang", ["zh-Hant", "pt", "en"])
def test_r35_no_text_is_cut_off_on_the_desk_pages_in_any_language_or_size(
    qtbot: QtBot, desk_window: Callable[..., tuple[MainWindow, Kiosk, Any]],
    token: SoftHsmToken, lang: str,
) -> None:
    window, kiosk, _ = desk_window(lang=lang, idle_s=600)
    window.resize(1280, 800)
    kiosk.submitted("H-OFFLINE")
    problems: list[str] = []

    def visit(step: str) -> None:
        wait_step(qtbot, window, step)
        look_everywhere(window, lang, step, problems)

    sign_in(qtbot, window)
    visit("desk_home")
    for action in ("status", "receipts"):
        click(qtbot, window.page.buttons[action])  # type: ignore[union-attr]
        visit(f"desk_{action}")
        click(qtbot, window.next_button)
        wait_step(qtbot, window, "desk_home")
    click(qtbot, window.page.buttons["queue"])  # type: ignore[union-attr]
    wait_step(qtbot, window, "desk_queue")
    type_into(qtbot, field(window, "query"), kiosk.id_number_of("H-OFFLINE"))
    click(qtbot, window.next_button)
    qtbot.waitUntil(lambda: bool(getattr(window.page, "finish_buttons", None))
                    and not window.working)
    visit("desk_queue")
    (rid,) = window.page.finish_buttons  # type: ignore[union-attr]
    click(qtbot, window.page.finish_buttons[rid])  # type: ignore[union-attr]
    visit("desk_in_person")
    type_into(qtbot, field(window, "id_number"), kiosk.id_number_of("H-OFFLINE"))
    click(qtbot, window.next_button)
    visit("desk_face")
    tries = window.page.findChild(QLabel, "faceTriesLeft")  # type: ignore[union-attr]
    title = next(w for w in window.page.findChildren(QLabel)  # type: ignore[union-attr]
                 if w.property("role") == "pageTitle")
    assert tries.mapTo(window, tries.rect().topLeft()).y() > title.mapTo(
        window, title.rect().topLeft()).y()  # the tries left under the title, not above
    window.page._photo(bytearray(kiosk.live_photo("H-OFFLINE")))  # type: ignore[union-attr]
    visit("desk_token")
    again = window.page.findChild(QPushButton, "tokenLookAgain")  # type: ignore[union-attr]
    assert _in_view(window, again), "再次尋找 is under the fold at 1280x800"
    type_pin(qtbot, window, token, PIN)
    visit("desk_done")
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "desk_home")
    window._idle_expired()  # R34: the staff session idles out
    visit("desk_locked")
    assert problems == [], "\n".join(problems)
