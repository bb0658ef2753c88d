"""R35: no text cut off on any page, in 3 languages x 3 text sizes, at 1280x800 and
1920x1080. Each page is reached once per language (an H-ABC renewal by taps, in
self-service) and looked at there in every size; every look is saved as a screenshot."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QTabBar, QWidget
from pytestqt.qtbot import QtBot
from touch_walk import tap_next, tap_type, walk_to_activation_form
from ui_helpers import SHOTS, click, wait_step

from kiosk.services.sandbox_admin import SandboxAdmin
from kiosk.ui.keyboard import TEXT_SCALES
from kiosk.ui.main_window import MainWindow

SCREENS = ((1280, 800), (1920, 1080))


def cut_off(window: MainWindow) -> list[str]:
    """Every visible label, button or tab whose text needs more room than its widget has
    (word wrap counted), or that reaches past the window's right edge."""
    QApplication.processEvents()
    found: list[str] = []
    right = window.width()
    for w in window.findChildren(QWidget):
        if not w.isVisible() or not isinstance(w, QLabel | QAbstractButton | QTabBar):
            continue
        if w.window() is not window:
            continue
        left = w.mapTo(window, QPoint(0, 0)).x()
        if isinstance(w, QTabBar):
            for i in range(w.count()):
                if w.tabRect(i).width() < w.tabSizeHint(i).width():
                    found.append(f"tab {w.tabText(i)!r}")
            continue
        text = w.text()
        if not text or (isinstance(w, QLabel) and text.lstrip().startswith("<")):
            continue
        if left + w.width() > right + 1:
            found.append(f"past the edge: {text[:40]!r}")
            continue
        if isinstance(w, QAbstractButton):
            if w.width() < w.sizeHint().width() or w.height() < w.sizeHint().height() - 1:
                found.append(f"button {text[:40]!r} {w.width()}<{w.sizeHint().width()}")
            continue
        fm = w.fontMetrics()
        area = w.contentsRect()
        margin = w.margin()
        area.adjust(margin, margin, -margin, -margin)
        if w.wordWrap():
            need = fm.boundingRect(
                QRect(0, 0, area.width(), 100_000), int(Qt.TextFlag.TextWordWrap), text
            )
        else:
            need = fm.boundingRect(QRect(0, 0, 100_000, 100_000), 0, text)
        if need.width() > area.width() + 1 or need.height() > area.height() + 1:
            found.append(
                f"label {text[:40]!r} needs {need.width()}x{need.height()},"
                f" has {area.width()}x{area.height()}"
            )
    return found


def look_everywhere(window: MainWindow, lang: str, step: str, problems: list[str]) -> None:
    for width, height in SCREENS:
        window.resize(width, height)
        for size in TEXT_SCALES:
            window.text_size.choose(size)
            QApplication.processEvents()
            QApplication.processEvents()
            for p in cut_off(window):
                problems.append(f"{step} {lang} {width}x{height} {size}: {p}")
            SHOTS.mkdir(parents=True, exist_ok=True)
            name = f"r35_fit_{step}_{lang}_{width}x{height}_{size.replace('+', 'p')}.png"
            window.grab().save(str(SHOTS / name))
    window.text_size.choose("A")
    window.resize(1280, 800)
    QApplication.processEvents()


@pytest.mark.parametrize("lang", ["zh-Hant", "pt", "en"])
def test_r35_no_text_is_cut_off_on_any_page_in_any_language_or_size(
    qtbot: QtBot, make_window: Callable[..., MainWindow], admin: SandboxAdmin, lang: str
) -> None:
    window = make_window(self_service=True)
    window.resize(1280, 800)
    click(qtbot, window.lang_buttons[lang])
    problems: list[str] = []

    def visit(step: str) -> None:
        look_everywhere(window, lang, step, problems)

    try:
        walk_to_activation_form(qtbot, window, admin, "H-ABC", visit)
        tap_type(qtbot, window, "password", "Cloud-demo-1")
        tap_type(qtbot, window, "revocation_phrase", "Revoke2026demo")
        tap_type(qtbot, window, "revocation_phrase_confirm", "Revoke2026demo")
        visit("activation_form")
        tap_next(qtbot, window)
        wait_step(qtbot, window, "done")
        visit("done")
    finally:
        window.text_size.choose("A")
    assert problems == [], "\n".join(problems)


def test_r35_the_counter_first_screen_fits_both_choices_at_every_size(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    """Counter mode's first screen has two wide choices (職員登入, 自助服務); beside the demo's
    side panel at A++ in Portuguese they no longer fit side by side, so they stand one
    above the other."""
    panel = QWidget()
    panel.setFixedWidth(400)  # as wide as the demo's sandbox panel
    window = make_window(side_panel=panel)
    problems: list[str] = []
    try:
        for lang in ("zh-Hant", "pt", "en"):
            click(qtbot, window.lang_buttons[lang])
            look_everywhere(window, lang, "first_counter", problems)
        click(qtbot, window.lang_buttons["pt"])
        window.resize(1280, 800)
        window.text_size.choose("A++")
        QApplication.processEvents()
        page = window.page
        staff, self_ = page.buttons["staff"], page.buttons["self"]  # type: ignore[union-attr]
        assert staff.isVisible() and self_.isVisible()
        assert staff.y() != self_.y()  # stacked: side by side they are wider than the page
        window.text_size.choose("A")
        window.resize(1920, 1080)
        QApplication.processEvents()
        QApplication.processEvents()
        assert staff.y() == self_.y()  # side by side where they fit (a wider screen)
    finally:
        window.text_size.choose("A")
    assert problems == [], "\n".join(problems)
