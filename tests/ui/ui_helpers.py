"""Helpers for driving the real kiosk window as a person would (pytest-qt, offscreen)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QRawFont
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabBar,
    QWidget,
)
from pytestqt.exceptions import TimeoutError as QtTimeoutError
from pytestqt.qtbot import QtBot

from kiosk.services.sandbox_admin import SandboxAdmin
from kiosk.ui.app import RESOURCES
from kiosk.ui.main_window import MainWindow
from kiosk.ui.steps import EidPage, EmailCodePage, EmailsPage, PhotoPage

SHOTS = Path("/tmp/ui_shots2")
LIVE_FACES = Path(__file__).resolve().parents[2] / "sandbox/data/faces/live"
STEP_TIMEOUT_MS = 15_000

# Seeded demo holder H-ABC: 2 cloud-sign + 1 qualified certificate (sandbox/seed.py).
ABC_ID_NUMBER = "1000001(1)"


def visible_texts(root: QWidget) -> list[str]:
    """Every label, button and checkbox text a person can see now."""
    # Widgets added to a shown page become visible through queued events: let them run.
    QApplication.processEvents()
    out: list[str] = []
    for w in root.findChildren(QWidget):
        if not w.isVisibleTo(root) or not w.isVisible():
            continue
        if isinstance(w, QLabel | QAbstractButton) and w.text():
            out.append(w.text())
        elif isinstance(w, QTabBar):
            out.extend(w.tabText(i) for i in range(w.count()))
    return out


def screen_text(root: QWidget) -> str:
    return "\n".join(visible_texts(root))


def current_step(window: MainWindow) -> str:
    page = window.page
    view = None if page is None else page.view
    return "" if view is None else str(view.step_id)


def wait_step(qtbot: QtBot, window: MainWindow, step_id: str) -> None:
    try:
        qtbot.waitUntil(
            lambda: current_step(window) == step_id and not window.working,
            timeout=STEP_TIMEOUT_MS,
        )
    except QtTimeoutError:
        shown = window.error_panel.message.text() if window.error_panel.isVisible() else ""
        raise AssertionError(
            f"waited for {step_id!r}, the screen shows {current_step(window)!r} {shown!r}"
        ) from None


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


def to_consent(
    qtbot: QtBot, window: MainWindow, admin: SandboxAdmin, id_number: str = ABC_ID_NUMBER
) -> None:
    """Sign-in, the pending list's 開始鑑別 and every address verified: the consent page."""
    sign_in_self_service(qtbot, window, admin, id_number)
    wait_step(qtbot, window, "pending")
    click(qtbot, window.next_button)
    verify_all_emails(qtbot, window, admin)
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "consent")


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


def clipped_buttons(root: QWidget) -> list[str]:
    """Visible buttons narrower than their text needs (a person would read half a word)."""
    return [
        b.text()
        for b in root.findChildren(QPushButton)
        if b.isVisible() and b.text() and b.width() < b.sizeHint().width()
    ]


def shot(widget: QWidget, name: str, *, settle: bool = True) -> Path:
    """Saves a screenshot for reviewers, after checking that nothing on it is tofu.

    `settle=False` photographs the moment as it is, without letting queued answers land.
    """
    if settle:
        assert missing_glyphs(widget) == set(), name
        # Let pending layout requests (after a text change) run, as the event loop would.
        QApplication.processEvents()
        assert clipped_buttons(widget) == [], name
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    assert widget.grab().save(str(path))
    return path


def fits(window: MainWindow, w: QWidget) -> bool:
    """Whole on screen above the nav bar: no scrolling needed to reach it."""
    top = w.mapTo(window, QPoint(0, 0)).y()
    return w.isVisible() and top >= 0 and top + w.height() <= window.nav.y()


def keypad_fits(window: MainWindow) -> bool:
    assert window.page is not None
    QApplication.processEvents()
    keys = [b for b in window.page.findChildren(QPushButton) if b.text() in ("1", "0")]
    return bool(keys) and all(fits(window, k) for k in keys)


def press_keys(qtbot: QtBot, window: MainWindow, digits: str) -> None:
    """Types on the on-screen keypad, as a person at a touch screen does."""
    assert window.page is not None
    for d in digits:
        key = next(
            b for b in window.page.findChildren(QPushButton) if b.text() == d and b.isVisible()
        )
        click(qtbot, key)


def wait_new_page(qtbot: QtBot, window: MainWindow, old: object) -> None:
    """Waits for the flow's answer: the shell has replaced `old` with a fresh page."""
    qtbot.waitUntil(lambda: window.page is not old and not window.working, timeout=15_000)


def open_email_code(qtbot: QtBot, window: MainWindow, page: EmailsPage) -> str:
    """From the emails page: 驗證 on the first address not verified, then 獲取驗證碼; the
    code page is left waiting for the code. Returns the address."""
    address = next(a for a, w in page.rows.items() if isinstance(w, QPushButton))
    click(qtbot, page.rows[address])  # type: ignore[arg-type]
    wait_step(qtbot, window, "email_code")
    code_page = window.page
    assert isinstance(code_page, EmailCodePage)
    click(qtbot, code_page.get_code)
    wait_new_page(qtbot, window, code_page)
    return address


def verify_all_emails(qtbot: QtBot, window: MainWindow, admin: SandboxAdmin) -> list[str]:
    wait_step(qtbot, window, "emails")
    done: list[str] = []
    while True:
        page = window.page
        assert isinstance(page, EmailsPage)
        pending = [a for a, w in page.rows.items() if isinstance(w, QPushButton)]
        if not pending:
            return done
        address = open_email_code(qtbot, window, page)
        press_keys(qtbot, window, admin.latest_code(address))
        click(qtbot, window.next_button)
        wait_step(qtbot, window, "emails")
        done.append(address)


def through_submission(
    qtbot: QtBot, window: MainWindow, admin: SandboxAdmin, id_number: str, face: bytes
) -> None:
    """Steps 1-3 for a holder, from the first screen to 已確認並成功提交 and its 下一步."""
    to_consent(qtbot, window, admin, id_number)
    click(qtbot, window.page.box)  # type: ignore[union-attr]
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "photo")
    photo = window.page
    assert isinstance(photo, PhotoPage) and photo.camera is not None
    photo.camera.photo_ready.emit(face)
    wait_step(qtbot, window, "face_result")
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "confirm")
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "declaration")
    click(qtbot, window.page.box)  # type: ignore[union-attr]
    window.page.dialog.accept()  # type: ignore[union-attr]
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "eid")
    click(qtbot, window.page.get_code)  # type: ignore[union-attr]
    qtbot.waitUntil(
        lambda: isinstance(window.page, EidPage) and window.page.challenged, timeout=15_000
    )
    eid = window.page
    assert isinstance(eid, EidPage) and eid.camera is not None
    eid.camera.photo_ready.emit(face)
    press_keys(qtbot, window, admin.latest_code(None, kind="sms_code"))
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "signed")
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "review")
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "submitted")
    click(qtbot, window.next_button)


def open_run_window(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                    backend: str, *argv: str, **stored: str) -> tuple[Any, Any]:
    """`kiosk run --backend BACKEND ARGV`'s window and flow (shown, not locked down), with
    `stored` settings set first through `kiosk settings set` and a journal in `tmp_path`."""
    from kiosk import cli
    from kiosk.ui.app import ensure_app

    monkeypatch.setenv("KIOSK_JOURNAL_URL", f"sqlite:///{tmp_path / 'kiosk.sqlite'}")
    monkeypatch.delenv("KIOSK_BACKEND", raising=False)
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    for key, value in stored.items():
        assert cli.main(["settings", "set", key, value]) == 0
    ensure_app()
    module, args = cli.parse(["run", "--backend", backend, *argv])
    window, flow = module.open_window(args)
    qtbot.addWidget(window)
    window.resize(1280, 900)
    window.show()
    qtbot.waitExposed(window)
    return window, flow
