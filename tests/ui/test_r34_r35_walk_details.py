"""Issue 10 §4 and §5 on the real window and flow against the sandbox: the counter terminal's
idle wipe (R34) on every page of a holder's session, and the smaller things seen on the same
walk (R35): where the declaration hint points, the Portuguese names of step 2 and the e-ID
button, the non-cloud tab's note, the revocation phrase's confirmation, an old error cleared
when the activation starts, countdowns as m:ss, and the on-screen keys at every text size."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QLineEdit,
    QTabWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot
from touch_walk import walk_to_activation_form
from ui_helpers import (
    click,
    field,
    open_email_code,
    press_keys,
    shot,
    type_into,
    visible_texts,
    wait_step,
)

from kiosk.services.sandbox_admin import SandboxAdmin
from kiosk.ui.idle import CountdownDialog
from kiosk.ui.keyboard import KEY_PX, TEXT_SCALES, TOUCH_MIN_PX
from kiosk.ui.main_window import MainWindow
from kiosk.ui.pages import ModePage
from kiosk.ui.steps import EmailCodePage
from kiosk.ui.worker import db_executor

ASKED_ON = ("email_code", "consent", "photo", "confirm", "declaration", "eid")
asked: list[str] = []  # the pages on which the idle dialog was seen, in order


def every_text(window: MainWindow) -> str:
    """Every text on every widget of the window, shown or not (what a wipe must clear)."""
    out: list[str] = []
    for w in window.findChildren(QWidget):
        if isinstance(w, QLabel | QAbstractButton | QLineEdit):
            out.append(w.text())
    return "\n".join(out)


def ask_and_stay(qtbot: QtBot, window: MainWindow, step: str) -> None:
    """Nobody touches the page: 「仍在使用嗎？」 with its countdown; 繼續使用 keeps the page."""
    guard = window.idle
    assert guard is not None
    guard.set_idle(0.3)
    qtbot.waitUntil(lambda: guard.dialog is not None, timeout=10_000)
    dialog = guard.dialog
    assert isinstance(dialog, CountdownDialog) and dialog.isVisible()
    assert dialog.title.text() == "Ainda está aí?", step
    assert re.search(r"dentro de [1-3]?\d s\.", dialog.body.text()), dialog.body.text()
    if step == "email_code":
        shot(window, "r34_counter_idle_email_code_pt", settle=False)
    click(qtbot, dialog.continue_button)
    qtbot.waitUntil(lambda: guard.dialog is None)
    guard.set_idle(600)
    assert window.page is not None and window.page.view is not None
    assert str(window.page.view.step_id) == step
    asked.append(step)


HOLDER = ("1000001", "CHAN TAI MAN", "陳大文", "abc.example", "tm.chan", "Cloud-demo-1")


def test_r34_counter_terminal_asks_on_every_page_of_a_holders_session_then_wipes_it(
    qtbot: QtBot, make_window: Callable[..., MainWindow], admin: SandboxAdmin
) -> None:
    asked.clear()
    seen: set[str] = set()
    window = make_window(self_service=False, idle_s=600, countdown_s=30, lang="pt")
    window.resize(1280, 800)

    def visit(step: str) -> None:
        seen.update(h for h in HOLDER if h in every_text(window))
        if step == "emails":
            address = open_email_code(qtbot, window, window.page)  # type: ignore[arg-type]
            code_page = window.page
            assert isinstance(code_page, EmailCodePage)
            # The code's countdown reads as minutes:seconds (4:58), not 298.
            assert re.fullmatch(r"[0-9]+:[0-5][0-9]", code_page.countdown.text())
            ask_and_stay(qtbot, window, "email_code")
            press_keys(qtbot, window, admin.latest_code(address))
            click(qtbot, window.next_button)
            wait_step(qtbot, window, "emails")
        elif step in ASKED_ON:
            ask_and_stay(qtbot, window, step)

    walk_to_activation_form(qtbot, window, admin, "H-ABC", visit)
    ask_and_stay(qtbot, window, "activation_form")
    type_into(qtbot, field(window, "password"), "Cloud-demo-1")
    seen.update(h for h in HOLDER if h in every_text(window))
    assert set(ASKED_ON) | {"activation_form"} <= set(asked), asked
    # The walk did show the holder's name, addresses and password.
    assert {"abc.example", "tm.chan", "Cloud-demo-1"} <= seen, seen
    assert seen & {"CHAN TAI MAN", "陳大文"}, seen
    # Now nobody comes back: the countdown runs out on the activation form.
    guard = window.idle
    assert guard is not None
    wiped: list[bool] = []
    window.wiped.connect(lambda: wiped.append(True))
    guard.countdown_s = 1
    guard.set_idle(0.3)
    qtbot.waitUntil(lambda: guard.dialog is not None, timeout=10_000)
    assert guard.dialog.title.text() == "Ainda está aí?"  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: bool(wiped), timeout=10_000)
    db_executor().waitForDone(10_000)
    # Back on the first screen, in the default language, nothing of the holder anywhere.
    assert isinstance(window.page, ModePage)
    assert window.flow.session is None  # type: ignore[attr-defined]
    assert window.lang == "zh-Hant" and "自助服務" in visible_texts(window)
    texts = every_text(window)
    assert [h for h in HOLDER if h in texts] == []
    # The counter terminal stays the counter's: 職員登入 is still offered on its first screen.
    assert window.page.buttons["staff"].isVisible()


WHERE = {"zh-Hant": "上方", "pt": "acima", "en": "above"}


def _top(w: QWidget) -> int:
    return w.mapToGlobal(QPoint(0, 0)).y()


def test_r35_walk_details_hint_names_non_cloud_note_phrase_confirmation_old_error(
    qtbot: QtBot, make_window: Callable[..., MainWindow], admin: SandboxAdmin
) -> None:
    window = make_window(self_service=True, lang="pt")
    window.resize(1280, 800)

    def visit(step: str) -> None:
        if step == "declaration":
            box = window.page.box  # type: ignore[union-attr]
            for lang in ("zh-Hant", "en", "pt"):
                click(qtbot, window.lang_buttons[lang])
                QApplication.processEvents()
                hint = window.next_hint
                # The hint says where the box is, and it is there: above the hint.
                assert hint.isVisible() and WHERE[lang] in hint.text(), (lang, hint.text())
                assert _top(box) + box.height() <= _top(hint), lang
                shot(window, f"r35_declaration_hint_{lang}")
            # In Portuguese, step 2 and the button to the e-ID are not both "Identificação".
            step2 = window.steps.names[1].text()
            assert step2 == "Verificação de identidade"
            assert window.next_button.text() == "Identificação" != step2
        elif step == "eid":
            assert window.page is not None
            titles = [
                lab for lab in window.page.findChildren(QLabel)
                if lab.property("role") == "pageTitle"
            ]
            assert titles, "no page title"
            title = titles[0]
            assert title.text() == "Identificação electrónica" != window.steps.names[1].text()
        elif step == "activation_select":
            tabs = window.page.findChild(QTabWidget, "activationTabs")  # type: ignore[union-attr]
            assert tabs is not None and tabs.count() == 2
            tabs.tabBar().setCurrentIndex(1)
            QApplication.processEvents()
            note = window.page.findChild(QLabel, "nonCloudNote")  # type: ignore[union-attr]
            assert note is not None and note.isVisible()
            # What becomes of them: not activated here, issued in person at the counter.
            assert "não são ativados aqui" in note.text() and "balcão" in note.text()
            shot(window, "r35_activation_non_cloud_tab_pt")
            tabs.tabBar().setCurrentIndex(0)

    walk_to_activation_form(qtbot, window, admin, "H-ABC", visit)
    type_into(qtbot, field(window, "password"), "Cloud-demo-1")
    type_into(qtbot, field(window, "revocation_phrase"), "Revoke2026demo")
    # The phrase has a confirmation field, and its rule is said as it is typed.
    confirm = field(window, "revocation_phrase_confirm")
    assert confirm.isVisible() and confirm.echoMode() == QLineEdit.EchoMode.Password
    type_into(qtbot, confirm, "Revoke2026")
    page = window.page
    fb = page.feedback["revocation_phrase_confirm"][1]  # type: ignore[union-attr]
    assert fb.isVisible() and fb.text() and not fb.text().startswith("✔"), fb.text()
    shot(window, "r35_phrase_confirmation_mismatch_pt")
    confirm.clear()
    type_into(qtbot, confirm, "Revoke2026demo")
    assert fb.text().startswith("✔"), fb.text()
    # A refusal the flow gives (a wrong password) shows its banner; the next try clears it.
    password = field(window, "password")
    password.clear()
    type_into(qtbot, password, "Wrong-pass-1")
    click(qtbot, window.next_button)
    qtbot.waitUntil(lambda: window.error_panel.isVisible(), timeout=15_000)
    assert window.error_panel.message.text()
    shot(window, "r35_activation_refused_pt")
    for name, text in (("password", "Cloud-demo-1"), ("revocation_phrase", "Revoke2026demo"),
                       ("revocation_phrase_confirm", "Revoke2026demo")):
        edit = field(window, name)
        if edit.text() != text:
            edit.clear()
            type_into(qtbot, edit, text)
    old = window.page
    click(qtbot, window.next_button)
    qtbot.waitUntil(lambda: window.page is not old, timeout=15_000)
    assert not window.error_panel.isVisible(), window.error_panel.message.text()
    wait_step(qtbot, window, "done")
    assert not window.error_panel.isVisible()


@pytest.mark.parametrize("lang", ["zh-Hant", "pt"])
def test_r35_on_screen_key_labels_follow_the_text_size_and_stay_whole(
    qtbot: QtBot, make_window: Callable[..., MainWindow], lang: str
) -> None:
    window = make_window(self_service=True, lang=lang)
    window.resize(1280, 800)
    click(qtbot, window.page.buttons["self"])  # type: ignore[union-attr]
    wait_step(qtbot, window, "sign_in")
    kb = window.keyboard
    assert kb is not None
    edit = QLineEdit(window.page)
    window.page.body.addWidget(edit)  # type: ignore[union-attr]
    edit.show()
    sizes: dict[str, tuple[int, int]] = {}
    try:
        for size in TEXT_SCALES:
            window.text_size.choose(size)
            for layout in ("letters", "symbols", "digits"):
                kb.attach(edit, "password" if layout == "symbols" else layout)
                if layout == "symbols":
                    click(qtbot, kb.keys["symbols"])
                QApplication.processEvents()
                assert kb.isVisible()
                for key, b in kb.keys.items():
                    # Keys stay touch-sized, and every label fits its key.
                    assert b.width() >= KEY_PX >= TOUCH_MIN_PX and b.height() >= KEY_PX, key
                    text = b.text().replace("&&", "&")
                    assert b.fontMetrics().horizontalAdvance(text) < b.contentsRect().width(), (
                        size, layout, key, text)
                # The whole keyboard stays inside the window.
                central = window.centralWidget()
                assert central is not None and kb.geometry().right() <= central.width()
                if layout == "letters":
                    sizes[size] = (
                        kb.keys["a"].fontInfo().pixelSize(),
                        kb.keys["done"].fontInfo().pixelSize(),
                    )
                    shot(window, f"r35_osk_letters_{lang}_{size.replace('+', 'p')}")
                kb.detach()
    finally:
        window.text_size.choose("A")
    # A+ and A++ make the key labels bigger, letters and word keys alike.
    assert sizes["A"][0] < sizes["A+"][0] < sizes["A++"][0], sizes
    assert sizes["A"][1] < sizes["A+"][1] < sizes["A++"][1], sizes
