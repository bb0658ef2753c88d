"""Helpers for driving the real kiosk window as a person would (pytest-qt, offscreen)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
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
from kiosk.ui.worker import wait_idle
from sandbox.seed import HOLDERS, HolderSeed

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


def on_screen(window: QWidget, *texts: str) -> str:
    """Asserts that each of `texts` is part of what the screen shows; returns all it shows."""
    shown = screen_text(window)
    for text in texts:
        assert text in shown, text
    return shown


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


def seeded(holder_id: str) -> HolderSeed:
    """The sandbox's demo holder `holder_id` (sandbox/seed.py)."""
    return next(h for h in HOLDERS if h.holder_id == holder_id)


def live_face(holder_id: str) -> bytes:
    """A live photo of the seeded holder's own face: the bureau matches it to the registered one."""
    return (LIVE_FACES / f"{seeded(holder_id).face}.jpg").read_bytes()


def open_self_service(qtbot: QtBot, window: MainWindow) -> None:
    """First screen -> 自助服務: the sign-in page."""
    click(qtbot, window.page.buttons["self"])  # type: ignore[union-attr]
    wait_step(qtbot, window, "sign_in")


def enter_sms_code(
    qtbot: QtBot, window: MainWindow, admin: SandboxAdmin, reach: str | None = "pending"
) -> None:
    """On the SMS code page: the code from the sandbox outbox, 下一步, then the page `reach`."""
    wait_step(qtbot, window, "sign_in_code")
    code = admin.latest_code(None, kind="sms_code")
    type_into(qtbot, field(window, "sms_code"), code)
    click(qtbot, window.next_button)
    if reach is not None:
        wait_step(qtbot, window, reach)


def sign_in_self_service(
    qtbot: QtBot,
    window: MainWindow,
    admin: SandboxAdmin,
    id_number: str = ABC_ID_NUMBER,
    *,
    reach: str | None = "pending",
) -> None:
    """First screen -> 自助服務 -> ID number -> SMS code from the sandbox outbox; then waits
    for the page `reach` (the pending list for a holder who starts; None: no wait)."""
    open_self_service(qtbot, window)
    sign_in_with(qtbot, window, admin, id_number, reach)


def sign_in_with(
    qtbot: QtBot,
    window: MainWindow,
    admin: SandboxAdmin,
    id_number: str,
    reach: str | None = "pending",
) -> None:
    """On the sign-in page: the ID number, 下一步, then the SMS code (see enter_sms_code)."""
    type_into(qtbot, field(window, "id_number"), id_number)
    click(qtbot, window.next_button)
    enter_sms_code(qtbot, window, admin, reach)


def to_emails(
    qtbot: QtBot, window: MainWindow, admin: SandboxAdmin, id_number: str = ABC_ID_NUMBER
) -> EmailsPage:
    """Sign-in and the pending list's 開始鑑別: the email addresses to verify (step 1)."""
    sign_in_self_service(qtbot, window, admin, id_number)
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "emails")
    page = window.page
    assert isinstance(page, EmailsPage)
    return page


def pending_to_consent(qtbot: QtBot, window: MainWindow, admin: SandboxAdmin) -> None:
    """From the pending list: 開始鑑別, every address verified, 下一步: the consent page."""
    click(qtbot, window.next_button)
    verify_all_emails(qtbot, window, admin)
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "consent")


def to_consent(
    qtbot: QtBot, window: MainWindow, admin: SandboxAdmin, id_number: str = ABC_ID_NUMBER
) -> None:
    """Sign-in, the pending list's 開始鑑別 and every address verified: the consent page."""
    sign_in_self_service(qtbot, window, admin, id_number)
    pending_to_consent(qtbot, window, admin)


def accept_consent(qtbot: QtBot, window: MainWindow, reach: str) -> None:
    """On the consent page: its box ticked and 同意; then waits for the page `reach`."""
    click(qtbot, window.page.box)  # type: ignore[union-attr]
    click(qtbot, window.next_button)
    wait_step(qtbot, window, reach)


def consent_to_photo(qtbot: QtBot, window: MainWindow) -> PhotoPage:
    """On the consent page: its box ticked and 同意: the photo page with its camera view."""
    accept_consent(qtbot, window, "photo")
    page = window.page
    assert isinstance(page, PhotoPage) and page.camera is not None
    return page


def face_result_to_declaration(qtbot: QtBot, window: MainWindow) -> None:
    """Once the photo is sent: 下一步 on its result and on the data to confirm: the declaration."""
    wait_step(qtbot, window, "face_result")
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "confirm")
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "declaration")


def declaration_to_eid(qtbot: QtBot, window: MainWindow) -> None:
    """On the declaration: its box ticked, the dialog agreed to, 身份識別: the e-ID page."""
    click(qtbot, window.page.box)  # type: ignore[union-attr]
    window.page.dialog.accept()  # type: ignore[union-attr]
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "eid")


def request_eid_code(qtbot: QtBot, window: MainWindow) -> EidPage:
    """On the e-ID page: 獲取驗證碼, and the page once the SMS code is on its way."""
    click(qtbot, window.page.get_code)  # type: ignore[union-attr]
    qtbot.waitUntil(
        lambda: isinstance(window.page, EidPage) and window.page.challenged, timeout=15_000
    )
    eid = window.page
    assert isinstance(eid, EidPage) and eid.camera is not None
    return eid


def identify_by_eid(
    qtbot: QtBot,
    window: MainWindow,
    admin: SandboxAdmin,
    face: bytes,
    type_code: Callable[[QtBot, MainWindow, str], None] | None = None,
) -> None:
    """On the e-ID page: 獲取驗證碼, the camera's photo of `face`, the SMS code typed with
    `type_code` (the on-screen keypad by default), 下一步."""
    eid = request_eid_code(qtbot, window)
    eid.camera.photo_ready.emit(face)
    (type_code or press_keys)(qtbot, window, admin.latest_code(None, kind="sms_code"))
    click(qtbot, window.next_button)


def past_signing(
    qtbot: QtBot, window: MainWindow, visit: Callable[[str], None] | None = None
) -> None:
    """簽署申請文件成功, the review's 確認提交 and 已確認並成功提交, each left by its button;
    `visit(step)` runs on each of them first."""
    for step in ("signed", "review", "submitted"):
        wait_step(qtbot, window, step)
        if visit is not None:
            visit(step)
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


def clipped_buttons(root: QWidget) -> list[str]:
    """Visible buttons narrower than their text needs (a person would read half a word)."""
    return [
        b.text()
        for b in root.findChildren(QPushButton)
        if b.isVisible() and b.text() and b.width() < b.sizeHint().width()
    ]


def shot(widget: QWidget, name: str, *, settle: bool = True, folder: Path = SHOTS) -> Path:
    """Saves a screenshot for reviewers in `folder`, after checking that nothing on it is
    tofu and no button is clipped.

    `settle=False` photographs the moment as it is, without letting queued answers land.
    """
    if settle:
        assert missing_glyphs(widget) == set(), name
        # Let pending layout requests (after a text change) run, as the event loop would.
        QApplication.processEvents()
        assert clipped_buttons(widget) == [], name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
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


def wrong_code(right: str) -> str:
    """A six-digit code that is not `right`."""
    return "000000" if right != "000000" else "111111"


def enter_refused_code(qtbot: QtBot, window: MainWindow, code: str) -> None:
    """The wrong `code` on the page's keypad and 下一步: waits for the error panel."""
    press_keys(qtbot, window, code)
    click(qtbot, window.next_button)
    qtbot.waitUntil(lambda: window.error_panel.isVisible() and not window.working)


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
    qtbot: QtBot, window: MainWindow, admin: SandboxAdmin, holder_id: str, *, reach: str
) -> None:
    """Steps 1-3 for a seeded holder with their own live face, from the first screen to
    已確認並成功提交 and its 下一步; then waits for the page `reach` that follows."""
    face = live_face(holder_id)
    to_consent(qtbot, window, admin, seeded(holder_id).id_number)
    consent_to_photo(qtbot, window).camera.photo_ready.emit(face)  # type: ignore[union-attr]
    face_result_to_declaration(qtbot, window)
    declaration_to_eid(qtbot, window)
    identify_by_eid(qtbot, window, admin, face)
    past_signing(qtbot, window)
    wait_step(qtbot, window, reach)


def show_at_kiosk_size(qtbot: QtBot, window: MainWindow) -> MainWindow:
    """Shown at the kiosk screen's 1280x900 (closed with the test)."""
    qtbot.addWidget(window)
    window.resize(1280, 900)
    window.show()
    qtbot.waitExposed(window)
    return window


def stop_windows(windows: list[MainWindow]) -> None:
    """A test's end: no idle timer left, and no flow step still running against the sandbox
    when it is reset for the next test."""
    for w in windows:
        if w.idle is not None:
            w.idle.stop()
    wait_idle(10_000)


def run_kiosk(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`python -m kiosk ARGV` as a person starts it, with `env` only; its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def store_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **values: str) -> str:
    """A journal in `tmp_path` for `kiosk` commands (KIOSK_JOURNAL_URL, no KIOSK_BACKEND or
    KIOSK_CONFIG), `values` stored in it through `kiosk settings set`. Returns its URL."""
    from kiosk import cli

    url = f"sqlite:///{tmp_path / 'kiosk.sqlite'}"
    monkeypatch.setenv("KIOSK_JOURNAL_URL", url)
    monkeypatch.delenv("KIOSK_BACKEND", raising=False)
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    for key, value in values.items():
        assert cli.main(["settings", "set", key, value]) == 0
    return url


def open_run_window(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                    backend: str, *argv: str, **stored: str) -> tuple[Any, Any]:
    """`kiosk run --backend BACKEND ARGV`'s window and flow (shown, not locked down), with
    `stored` settings set first through `kiosk settings set` and a journal in `tmp_path`."""
    from kiosk import cli
    from kiosk.ui.app import ensure_app

    store_settings(tmp_path, monkeypatch, **stored)
    ensure_app()  # fonts and style, as `kiosk run` sets them up
    module, args = cli.parse(["run", "--backend", backend, *argv])
    window, flow = module.open_window(args)
    return show_at_kiosk_size(qtbot, window), flow
