"""R35: the "more below" cue never covers a line of text. Each page of a self-service
renewal up to step 3's data to confirm is looked at in the portrait lobby (1080x1920) and
the counter (1920x1080) screens, at the top of its scroll area and half way down, in
zh-Hant and pt; whenever the cue is shown, no visible text may lie under it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot
from ui_helpers import click, live_face, seeded, to_consent, wait_step

from kiosk.services.sandbox_admin import SandboxAdmin
from kiosk.ui.main_window import MainWindow
from kiosk.ui.pages import Page

SCREENS = ((1080, 1920), (1920, 1080))
SHOTS = Path("/tmp/cue19")


def window_rect(w: QWidget, window: QWidget) -> QRect:
    return QRect(w.mapTo(window, QPoint(0, 0)), w.size())


def texts_under_cue(window: MainWindow, page: Page) -> list[str]:
    """Every visible label or button with text whose part in sight meets the shown cue."""
    cue = page.more_below
    if not cue.isVisible():
        return []
    band = window_rect(cue, window)
    view = window_rect(page.scroll_area.viewport(), window)
    found = []
    for w in page.scroll_area.widget().findChildren(QWidget):
        if not w.isVisible() or not isinstance(w, QLabel | QAbstractButton) or not w.text():
            continue
        seen = window_rect(w, window).intersected(view)
        if seen.isValid() and seen.intersects(band):
            found.append(f"{w.text()[:40]!r} at {seen.getRect()} under the cue {band.getRect()}")
    return found


def look(window: MainWindow, step: str, lang: str, problems: list[str]) -> None:
    page = window.page
    assert isinstance(page, Page)
    bar = page.scroll_area.verticalScrollBar()
    for width, height in SCREENS:
        window.resize(width, height)
        for where in ("top", "middle"):
            QApplication.processEvents()
            bar.setValue(0 if where == "top" else bar.maximum() // 2)
            QApplication.processEvents()
            SHOTS.mkdir(parents=True, exist_ok=True)
            window.grab().save(str(SHOTS / f"{step}_{lang}_{width}x{height}_{where}.png"))
            if where == "top" and bar.maximum() > 0 and not page.more_below.isVisible():
                problems.append(f"{step} {lang} {width}x{height}: more below, but no cue")
            for p in texts_under_cue(window, page):
                problems.append(f"{step} {lang} {width}x{height} {where}: {p}")
        bar.setValue(0)


@pytest.mark.parametrize("lang", ["zh-Hant", "pt"])
def test_r35_the_more_below_cue_covers_no_text_up_to_the_data_to_confirm(
    qtbot: QtBot, make_window: Callable[..., MainWindow], admin: SandboxAdmin, lang: str
) -> None:
    window = make_window(self_service=True)
    click(qtbot, window.lang_buttons[lang])
    holder = "H-ABC"
    problems: list[str] = []
    to_consent(qtbot, window, admin, seeded(holder).id_number)
    look(window, "consent", lang, problems)
    click(qtbot, window.page.box)  # type: ignore[union-attr]
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "photo")
    window.page.camera.photo_ready.emit(live_face(holder))  # type: ignore[union-attr]
    wait_step(qtbot, window, "face_result")
    look(window, "face_result", lang, problems)
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "confirm")
    look(window, "confirm", lang, problems)
    assert problems == [], "\n".join(problems)
