"""UI follow-ups as the holder sees them: 上一步 on a photo page without a camera, the type of
each certificate to revoke, the email lock's end time, the step indicator on a hand-off, the
R23/R24 popovers and the R14 declaration in pt/en. Real window offscreen, sandbox over HTTP."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QWidget
from pytestqt.qtbot import QtBot
from ui_helpers import (
    click,
    consent_to_photo,
    enter_refused_code,
    face_result_to_declaration,
    identify_by_eid,
    live_face,
    open_email_code,
    past_signing,
    press_keys,
    screen_text,
    shot,
    through_submission,
    to_consent,
    to_emails,
    visible_texts,
    wait_step,
    wrong_code,
)

from kiosk.flows.declaration import TRANSLATIONS
from kiosk.services.sandbox_admin import SandboxAdmin
from kiosk.ui.main_window import MainWindow
from kiosk.ui.pages import CONTEXT
from kiosk.ui.steps import RuleButton

SHOTS3 = Path("/tmp/ui_shots3")
SINGLE_ID = "1000002(2)"  # H-SINGLE: one cloud-sign certificate, registered face biden

def shot3(widget: QWidget, name: str) -> None:
    """A screenshot for review, after the checks every shot gets: no tofu, nothing clipped."""
    shot(widget, name, folder=SHOTS3)


def test_a_photo_page_without_a_camera_offers_back(
    qtbot: QtBot, window: MainWindow, admin: SandboxAdmin
) -> None:
    CONTEXT.camera_source = "99"  # no such webcam
    to_consent(qtbot, window, admin, SINGLE_ID)
    consent_to_photo(qtbot, window)  # the photo page, its camera view without a webcam
    qtbot.waitUntil(lambda: "AC-KI-0101" in screen_text(window), timeout=10_000)
    assert window.back_button.isVisible() and window.back_button.isEnabled()
    assert window.back_button.text() == "上一步"
    shot3(window, "photo_no_camera_back")
    click(qtbot, window.back_button)
    wait_step(qtbot, window, "consent")
    assert window.steps.current == 2


def test_r20_the_revoke_page_names_each_certificate_by_its_type(
    qtbot: QtBot, window: MainWindow, admin: SandboxAdmin
) -> None:
    through_submission(qtbot, window, admin, "H-REVOKE", reach="revoke_first")
    (kind,) = window.page.findChildren(QLabel, "revokeType")  # type: ignore[union-attr]
    assert kind.text() == "商業機構“雲簽”帳戶"
    assert window.page.view.data["revoke"][0]["type"] == "cloud"  # type: ignore[union-attr]
    shot3(window, "revoke_first_type")


def test_ac_ab_0011_the_holder_is_told_until_when_the_address_is_locked(
    qtbot: QtBot, window: MainWindow, admin: SandboxAdmin
) -> None:
    window.end_timer.stop()
    address = open_email_code(qtbot, window, to_emails(qtbot, window, admin, SINGLE_ID))
    wrong = wrong_code(admin.latest_code(address))
    for _ in range(4):
        enter_refused_code(qtbot, window, wrong)
    press_keys(qtbot, window, wrong)
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "staff")
    window.end_timer.stop()
    view = window.page.view  # type: ignore[union-attr]
    (lock,) = [m for m in view.messages if m.help_code == "AC-AB-0011"]
    until = datetime.fromisoformat(lock.params["locked_until"].replace("Z", "+00:00"))
    hhmm = until.astimezone().strftime("%H:%M")
    text = screen_text(window)
    assert f"已暫時鎖定至 {hhmm}（約 15 分鐘）" in text
    assert "AC-AB-0011" in text
    # The hand-off happened at step 1: the indicator stays, on 1.
    assert window.steps.isVisible() and window.steps.current == 1
    shot3(window, "email_locked_until")
    click(qtbot, window.lang_buttons["pt"])
    assert f"bloqueado até às {hhmm}" in screen_text(window)
    shot3(window, "email_locked_until_pt")


def test_r14_r23_r24_pt_declaration_with_the_binding_chinese_and_pt_rule_lists(
    qtbot: QtBot, window: MainWindow, admin: SandboxAdmin
) -> None:
    face = live_face("H-SINGLE")
    click(qtbot, window.lang_buttons["pt"])
    to_consent(qtbot, window, admin, SINGLE_ID)
    consent_to_photo(qtbot, window).camera.photo_ready.emit(face)  # type: ignore[union-attr]
    face_result_to_declaration(qtbot, window)
    click(qtbot, window.page.box)  # type: ignore[union-attr]
    dialog = window.page.dialog  # type: ignore[union-attr]
    qtbot.waitExposed(dialog)
    texts = visible_texts(dialog)
    # Every binding Chinese point, verbatim, with its Portuguese translation under it.
    points = window.page.view.data["declaration"]  # type: ignore[union-attr]
    assert len(points) == 6
    for point in points:
        assert f"• {point}" in texts
        translated = TRANSLATIONS[point]["pt"]
        assert translated in texts
        assert texts.index(translated) == texts.index(f"• {point}") + 1
    assert "• 本人確認上述提交之所有資料真實及正確。" in texts
    assert "Confirmo que todos os dados acima apresentados são verdadeiros e correctos." in texts
    notes = dialog.findChildren(QLabel, "bindingNote")
    assert [n.text() for n in notes] == [
        "O texto em chinês é o texto vinculativo; a tradução portuguesa serve apenas de "
        "referência."
    ]
    assert dialog.findChild(QPushButton, "agree").text() == "Concordo"
    shot3(dialog, "declaration_pt")
    dialog.accept()
    # In English the same dialog, with the English translation.
    click(qtbot, window.lang_buttons["en"])
    qtbot.waitUntil(lambda: window.page.box.isVisible())  # type: ignore[union-attr]
    click(qtbot, window.page.box)  # type: ignore[union-attr]  # untick
    click(qtbot, window.page.box)  # type: ignore[union-attr]
    dialog = window.page.dialog  # type: ignore[union-attr]
    qtbot.waitExposed(dialog)
    en = visible_texts(dialog)
    assert TRANSLATIONS[points[3]]["en"] in en and f"• {points[3]}" in en
    shot3(dialog, "declaration_en")
    dialog.accept()
    click(qtbot, window.lang_buttons["pt"])
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "eid")
    identify_by_eid(qtbot, window, admin, face)
    past_signing(qtbot, window)
    wait_step(qtbot, window, "activation_form")  # R18: one certificate, no selection
    assert window.steps.current == 4
    info = window.page.findChildren(RuleButton)  # type: ignore[union-attr]
    assert len(info) == 2
    click(qtbot, info[0])
    assert info[0].popover is not None
    rules = [t for t in visible_texts(info[0].popover) if t.startswith("• ")]
    assert rules == [
        "• A palavra-passe deve ter 8 ou mais caracteres;",
        "• A palavra-passe deve incluir 1 ou mais letras (a - z, maiúsculas ou minúsculas);",
        "• A palavra-passe deve incluir 1 ou mais caracteres que não sejam letras (algarismos "
        "ou caracteres especiais).",
    ]
    shot3(info[0].popover, "password_rules_pt")
    info[0].popover.accept()
    click(qtbot, window.lang_buttons["en"])
    QApplication.processEvents()
    info = window.page.findChildren(RuleButton)  # type: ignore[union-attr]
    click(qtbot, info[-1])
    assert info[-1].popover is not None
    phrase = [t for t in visible_texts(info[-1].popover) if t.startswith("• ")]
    assert phrase == [
        "• The revocation phrase must be 8 to 64 characters long;",
        "• The revocation phrase may only include digits or letters (no special characters).",
    ]
    shot3(info[-1].popover, "phrase_rules_en")
    info[-1].popover.accept()
