"""The shell's side of R33 (public first screen, a restart starts fresh), R34 (the counter
terminal's idle wipe) and R35 (the text size is the session's; 重新開始 keeps the language),
on the real window and flow against the sandbox."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from ui_helpers import (
    ABC_ID_NUMBER,
    click,
    current_step,
    field,
    press_keys,
    shot,
    sign_in_self_service,
    to_emails,
    type_into,
    visible_texts,
    wait_step,
)

from kiosk.services.sandbox_admin import SandboxAdmin
from kiosk.store.journal import SqlJournal
from kiosk.ui.idle import CountdownDialog
from kiosk.ui.launch import LazyFlow, add_arguments, open_window
from kiosk.ui.main_window import MainWindow
from kiosk.ui.pages import ModePage
from kiosk.ui.worker import db_executor


def test_r33_self_service_first_screen_offers_only_self_service_and_languages(
    make_window: Callable[..., MainWindow],
) -> None:
    lobby = make_window(self_service=True, lang="pt")
    page = lobby.page
    assert isinstance(page, ModePage)
    assert page.buttons["self"].isVisible()
    assert not page.buttons["staff"].isVisible() and not page.hints["staff"].isVisible()
    assert "Entrada de funcionário" not in visible_texts(lobby)
    assert all(b.isVisible() for b in lobby.lang_buttons.values())
    shot(lobby, "r33_first_screen_self_service_pt")
    counter = make_window(self_service=False, lang="pt")
    assert counter.page.buttons["staff"].isVisible()  # type: ignore[union-attr]


def test_r35_pt_staff_button_keeps_its_whole_text_beside_a_side_panel(
    make_window: Callable[..., MainWindow],
) -> None:
    # The demo's side panel leaves the page 940 px: the button used to shrink to the style
    # sheet's min-width and read "ntrada de funcionári".
    side = QWidget()
    side.setFixedWidth(340)
    window = make_window(lang="pt", side_panel=side)
    window.resize(1280, 800)
    for size in ("A", "A+"):
        window.text_size.choose(size)
        window.set_lang("zh-Hant")
        window.set_lang("pt")
        QApplication.processEvents()
        buttons = [*window.page.buttons.values(), *window.lang_buttons.values()]  # type: ignore[union-attr]
        for b in [*buttons, window.text_size.button]:
            assert b.width() >= b.sizeHint().width(), (size, b.text())
            assert b.fontMetrics().horizontalAdvance(b.text()) < b.contentsRect().width()
    window.text_size.reset()


def test_r34_counter_terminal_wipes_an_idle_holder_after_the_countdown(
    qtbot: QtBot, make_window: Callable[..., MainWindow], admin: SandboxAdmin
) -> None:
    window = make_window(self_service=False, idle_s=2.0, countdown_s=1, lang="pt")
    assert window.idle is not None
    # On the first screen there is nobody to ask.
    qtbot.wait(2500)
    assert window.idle.dialog is None and isinstance(window.page, ModePage)
    click(qtbot, window.page.buttons["staff"])
    wait_step(qtbot, window, "staff_login")
    type_into(qtbot, field(window, "username"), "staff01")
    type_into(qtbot, field(window, "password"), "counter-demo-1")
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "desk_home")  # the counter home (R32): assist a holder
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "staff_lookup")
    press_keys(qtbot, window, ABC_ID_NUMBER)
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "pending")
    assert window.flow.session is not None  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: window.idle is not None and window.idle.dialog is not None)
    dialog = window.idle.dialog
    assert isinstance(dialog, CountdownDialog)
    assert dialog.title.text() == "Ainda está aí?"
    shot(dialog, "r34_counter_idle_pt", settle=False)
    wiped: list[bool] = []
    window.wiped.connect(lambda: wiped.append(True))
    qtbot.waitUntil(lambda: bool(wiped), timeout=10_000)
    db_executor().waitForDone(10_000)
    assert isinstance(window.page, ModePage)
    assert window.flow.session is None  # type: ignore[attr-defined]
    assert ABC_ID_NUMBER not in " ".join(visible_texts(window))


def test_r34_counter_terminal_touch_keeps_the_session(
    qtbot: QtBot, make_window: Callable[..., MainWindow], admin: SandboxAdmin
) -> None:
    window = make_window(self_service=False, idle_s=2.0, countdown_s=30)
    sign_in_self_service(qtbot, window, admin)
    qtbot.waitUntil(lambda: window.idle is not None and window.idle.dialog is not None)
    dialog = window.idle.dialog  # type: ignore[union-attr]
    assert dialog is not None and dialog.title.text() == "仍在使用嗎？"
    click(qtbot, dialog.continue_button)
    qtbot.waitUntil(lambda: window.idle is not None and window.idle.dialog is None)
    assert current_step(window) == "pending"
    window.idle.pause()  # type: ignore[union-attr]


def test_r35_start_over_keeps_the_language_and_the_wipe_resets_the_text_size(
    qtbot: QtBot, make_window: Callable[..., MainWindow], admin: SandboxAdmin
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    base = app.font().pointSizeF()
    window = make_window(self_service=True, lang="zh-Hant")
    click(qtbot, window.lang_buttons["pt"])
    click(qtbot, window.text_size.button)  # A -> A+
    assert app.font().pointSizeF() > base
    sign_in_self_service(qtbot, window, admin)
    click(qtbot, window.start_over_button)
    assert isinstance(window.page, ModePage)
    assert window.lang == "pt" and window.lang_buttons["pt"].isChecked()
    assert "Autoatendimento" in visible_texts(window)
    # 重新開始 is a wipe: the text size is the holder's, not the next person's.
    assert window.text_size.current == "A" and app.font().pointSizeF() == pytest.approx(base)
    # The idle wipe, for the next person, goes back to the default language too.
    window.wipe()
    assert window.lang == "zh-Hant"


def test_r33_after_a_crash_the_kiosk_starts_on_the_first_screen_and_the_holder_resumes(
    qtbot: QtBot,
    sandbox_url: str,
    admin: SandboxAdmin,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = f"sqlite:///{tmp_path / 'kiosk.sqlite'}"
    monkeypatch.setenv("KIOSK_JOURNAL_URL", db)

    def start() -> tuple[MainWindow, LazyFlow]:
        parser = argparse.ArgumentParser()
        add_arguments(parser)
        args = parser.parse_args(["--backend", sandbox_url, "--self-service", "--lang", "pt"])
        window, flow = open_window(args)
        qtbot.addWidget(window)
        window.resize(1280, 800)
        window.show()
        qtbot.waitExposed(window)
        return window, flow

    first, flow1 = start()
    to_emails(qtbot, first, admin)
    renewal_id = flow1.built.renewal_id
    assert renewal_id
    db_executor().waitForDone(10_000)
    # The crash: the window is gone without a wipe, the journal file stays.
    assert first.idle is not None
    first.idle.stop()
    first.hide()  # (pytest-qt closes it at the end; a crash would not even do that)

    second, flow2 = start()
    try:
        assert isinstance(second.page, ModePage)
        assert not flow2.loaded  # nothing of anybody loaded
        texts = " ".join(visible_texts(second))
        assert ABC_ID_NUMBER not in texts and "@" not in texts
        assert not second.page.buttons["staff"].isVisible()
        journal = SqlJournal(db)
        assert [e.renewal_id for e in journal.open_entries()] == [renewal_id]
        journal.close()
        # The holder signing in again gets the same renewal back, not a new one.
        sign_in_self_service(qtbot, second, admin, reach=None)
        qtbot.waitUntil(lambda: current_step(second) not in ("sign_in", "sign_in_code", ""))
        db_executor().waitForDone(10_000)
        assert flow2.built.renewal_id == renewal_id
        journal = SqlJournal(db)
        # The journal's entry was taken up again (its keys, its step), not a second one made.
        assert [e.renewal_id for e in journal.entries()] == [renewal_id]
        journal.close()
    finally:
        assert second.idle is not None
        second.idle.stop()
