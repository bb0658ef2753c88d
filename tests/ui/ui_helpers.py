"""Helpers for driving the real kiosk window as a person would (pytest-qt, offscreen)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QRawFont
from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from kiosk.services.sandbox_admin import SandboxAdmin
from kiosk.ui.app import RESOURCES
from kiosk.ui.main_window import MainWindow

SHOTS = Path("/tmp/ui_shots")
STEP_TIMEOUT_MS = 15_000

# Seeded demo holder H-ABC: 2 cloud-sign + 1 qualified certificate (sandbox/seed.py).
ABC_ID_NUMBER = "1000001(1)"


def visible_texts(root: QWidget) -> list[str]:
    """Every label, button and checkbox text a person can see now."""
    out: list[str] = []
    for w in root.findChildren(QWidget):
        if not w.isVisibleTo(root) or not w.isVisible():
            continue
        if isinstance(w, QLabel | QAbstractButton) and w.text():
            out.append(w.text())
    return out


def screen_text(root: QWidget) -> str:
    return "\n".join(visible_texts(root))


def current_step(window: MainWindow) -> str:
    page = window.page
    view = None if page is None else page.view
    return "" if view is None else str(view.step_id)


def wait_step(qtbot: QtBot, window: MainWindow, step_id: str) -> None:
    qtbot.waitUntil(
        lambda: current_step(window) == step_id and not window.working, timeout=STEP_TIMEOUT_MS
    )


def click(qtbot: QtBot, button: QAbstractButton) -> None:
    assert button.isVisible() and button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def field(window: MainWindow, name: str) -> QLineEdit:
    assert window.page is not None
    edit = window.page.findChild(QLineEdit, f"input_{name}")
    assert edit is not None, f"no field {name} on {current_step(window)}"
    return edit


def type_into(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    edit.setFocus()
    qtbot.keyClicks(edit, text)


def sign_in_self_service(
    qtbot: QtBot, window: MainWindow, admin: SandboxAdmin, id_number: str = ABC_ID_NUMBER
) -> None:
    """First screen -> 自助服務 -> ID number -> SMS code from the sandbox outbox."""
    click(qtbot, window.page.buttons["self"])  # type: ignore[union-attr]
    wait_step(qtbot, window, "sign_in")
    type_into(qtbot, field(window, "id_number"), id_number)
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "sign_in_code")
    code = admin.latest_code(None, kind="sms_code")
    type_into(qtbot, field(window, "sms_code"), code)
    click(qtbot, window.next_button)


_FONTS: list[QRawFont] = []


def missing_glyphs(root: QWidget) -> set[str]:
    """Characters on screen that neither bundled font can draw (they would be tofu boxes)."""
    if not _FONTS:
        _FONTS.extend(
            QRawFont(str(RESOURCES / "fonts" / name), 20)
            for name in ("DejaVuSans.ttf", "DroidSansFallbackFull.ttf")
        )
    return {
        c
        for text in visible_texts(root)
        for c in text
        if not c.isspace() and not any(f.supportsCharacter(ord(c)) for f in _FONTS)
    }


def shot(widget: QWidget, name: str) -> Path:
    """Saves a screenshot for reviewers, after checking that nothing on it is tofu."""
    assert missing_glyphs(widget) == set(), name
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    assert widget.grab().save(str(path))
    return path
