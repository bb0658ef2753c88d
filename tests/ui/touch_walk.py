"""A renewal in self-service by taps alone (R35): on-screen keys and buttons, no key events,
no setText. The one thing not tapped is the webcam's frame: the photo a camera would give
is handed to the page's camera view (there is no webcam here)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QApplication, QPushButton, QWidget
from pytestqt.qtbot import QtBot
from ui_helpers import (
    click,
    current_step,
    field,
    identify_by_eid,
    live_face,
    past_signing,
    seeded,
    verify_all_emails,
    wait_step,
)

from kiosk.services.sandbox_admin import SandboxAdmin
from kiosk.ui.main_window import MainWindow
from kiosk.ui.steps import PhotoPage
from kiosk.ui.widgets import Keypad


def _rect(w: QWidget, host: QWidget) -> QRect:
    return QRect(w.mapTo(host, QPoint(0, 0)), w.size())


def page_keypad(window: MainWindow) -> Keypad:
    assert window.page is not None
    pads = [k for k in window.page.findChildren(Keypad) if k.isVisible()]
    assert len(pads) == 1, f"{len(pads)} keypads on {current_step(window)}"
    return pads[0]


def tap_keypad(qtbot: QtBot, window: MainWindow, text: str) -> None:
    """Types `text` on the page's own keypad (codes, ID numbers)."""
    pad = page_keypad(window)
    for ch in text:
        click(qtbot, pad.buttons[ch])


def tap_type(qtbot: QtBot, window: MainWindow, name: str, text: str) -> None:
    """Taps the field, then types `text` on the on-screen keyboard the shell shows for it:
    shift for a capital, the symbols page for a special character."""
    edit = field(window, name)
    click(qtbot, edit)
    kb = window.keyboard
    assert kb is not None and kb.isVisible() and kb.target is edit, name
    QApplication.processEvents()
    # R35: the keyboard never covers the field it types into.
    assert not _rect(kb, window.centralWidget()).intersects(_rect(edit, window.centralWidget()))
    click(qtbot, kb.keys["clear"])  # typed again from the start
    for ch in text:
        if ch.isalnum():
            if kb.on_symbols:
                click(qtbot, kb.keys["letters"])
            if ch.isupper():
                click(qtbot, kb.keys["shift"])
            click(qtbot, kb.keys[ch.lower()])
        else:
            if not kb.on_symbols:
                click(qtbot, kb.keys["symbols"])
            click(qtbot, kb.keys[ch])
    assert edit.text() == text, name
    click(qtbot, kb.keys["done"])
    assert not kb.isVisible()


def tap_next(qtbot: QtBot, window: MainWindow) -> None:
    click(qtbot, window.next_button)


def walk_to_activation_select(
    qtbot: QtBot,
    window: MainWindow,
    admin: SandboxAdmin,
    holder_id: str,
    visit: Callable[[str], None] = lambda _step: None,
) -> None:
    """First screen to the activation selection for a seeded holder with their own face,
    every field typed on on-screen keys; `visit(step)` runs on each page reached (the
    clipping test looks at it there)."""
    id_number, face = seeded(holder_id).id_number, live_face(holder_id)

    def reach(step: str) -> None:
        wait_step(qtbot, window, step)
        visit(step)

    visit("first")
    click(qtbot, window.page.buttons["self"])  # type: ignore[union-attr]
    reach("sign_in")
    tap_keypad(qtbot, window, id_number)
    assert field(window, "id_number").text() == id_number
    tap_next(qtbot, window)
    reach("sign_in_code")
    tap_keypad(qtbot, window, admin.latest_code(None, kind="sms_code"))
    for step in ("pending", "emails"):
        tap_next(qtbot, window)
        reach(step)
    verify_all_emails(qtbot, window, admin)  # 驗證, 獲取驗證碼, the keypad, 驗證電郵地址
    tap_next(qtbot, window)
    reach("consent")
    click(qtbot, window.page.box)  # type: ignore[union-attr]
    tap_next(qtbot, window)
    reach("photo")
    photo = window.page
    assert isinstance(photo, PhotoPage) and photo.camera is not None
    photo.camera.photo_ready.emit(face)
    reach("face_result")
    for step in ("confirm", "declaration"):
        tap_next(qtbot, window)
        reach(step)
    click(qtbot, window.page.box)  # type: ignore[union-attr]
    dialog = window.page.dialog  # type: ignore[union-attr]
    qtbot.waitUntil(dialog.isVisible, timeout=5_000)
    agree = dialog.findChild(QPushButton, "agree")
    assert agree is not None
    click(qtbot, agree)
    tap_next(qtbot, window)
    reach("eid")
    identify_by_eid(qtbot, window, admin, face, tap_keypad)
    past_signing(qtbot, window, visit)
    reach("activation_select")


def walk_to_activation_form(
    qtbot: QtBot,
    window: MainWindow,
    admin: SandboxAdmin,
    holder_id: str,
    visit: Callable[[str], None] = lambda _step: None,
) -> str:
    """walk_to_activation_select, then 選取所有 and the next button to the activation form.
    Returns what that button read with every certificate selected."""
    walk_to_activation_select(qtbot, window, admin, holder_id, visit)
    click(qtbot, window.page.select_all)  # type: ignore[union-attr]
    selected = window.next_button.text()
    tap_next(qtbot, window)
    wait_step(qtbot, window, "activation_form")
    return selected
