"""The renewal wizard's pages against the real flow and the sandbox (R3-R6, R9, R14, R17, R26)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QPushButton
from pytestqt.qtbot import QtBot
from ui_helpers import (
    click,
    current_step,
    enter_sms_code,
    field,
    keypad_fits,
    live_face,
    open_self_service,
    pending_to_consent,
    press_keys,
    request_eid_code,
    screen_text,
    shot,
    sign_in_self_service,
    to_emails,
    type_into,
    verify_all_emails,
    visible_texts,
    wait_new_page,
    wait_step,
)

from kiosk.flows.inputs import InputSpec, flag
from kiosk.flows.messages import message
from kiosk.flows.renewal import StepView
from kiosk.services.sandbox_admin import SandboxAdmin
from kiosk.ui.main_window import MainWindow
from kiosk.ui.registry import page_class_for
from kiosk.ui.steps import (
    EmailCodePage,
    EmailsPage,
    PendingPage,
    PhotoPage,
    ProgressPage,
    RuleButton,
)
from kiosk.ui.widgets import Keypad


def test_r3_pending_list_shows_both_sections_locked_and_the_start_count(
    qtbot: QtBot, window: MainWindow, admin: SandboxAdmin
) -> None:
    sign_in_self_service(qtbot, window, admin)
    page = window.page
    assert isinstance(page, PendingPage)
    texts = visible_texts(window)
    assert "“雲簽”證書" in texts
    assert "非“雲簽”證書" in texts
    assert "“雲簽”證書可於身份鑑別程序通過後，直接於線上完成證書激活程序。" in texts
    assert window.next_button.text() == "開始鑑別(3)"
    assert window.next_button.isEnabled()
    # Every record ticked, and none can be unticked (R3).
    assert len(page.cards) == 3
    assert all(c.checked for c in page.cards)
    assert all(c.check is not None and not c.check.isEnabled() for c in page.cards)
    # A qualified certificate shows 交易限額 and 代理資格.
    assert "交易限額" in texts and "代理資格" in texts
    shot(window, "pending_list_zh")
    click(qtbot, window.lang_buttons["en"])
    assert window.next_button.text() == "Start verification (3)"
    texts = visible_texts(window)
    assert "Holder identity check" in texts and "用戶身份鑑別" not in texts
    assert texts.count("Serial number") == 3 and "原證書序號" not in texts
    shot(window, "pending_list_en")


def test_r5_r6_each_address_is_verified_with_a_code_then_next_appears(
    qtbot: QtBot, window: MainWindow, admin: SandboxAdmin
) -> None:
    page = to_emails(qtbot, window, admin)
    assert not window.next_button.isVisible()  # R6: only once every address is verified
    first = next(iter(page.rows))
    click(qtbot, page.rows[first])  # type: ignore[arg-type]
    wait_step(qtbot, window, "email_code")
    shot(window, "email_code_before")
    code_page = window.page
    assert isinstance(code_page, EmailCodePage)
    click(qtbot, code_page.get_code)
    wait_new_page(qtbot, window, code_page)
    code_page = window.page
    assert isinstance(code_page, EmailCodePage)
    # R5: the message, a countdown from 300 s, and no second code while this one runs.
    assert "系統已發送驗證碼到台端之電郵地址，請前往查收並輸入驗證碼以完成驗證。" in screen_text(
        window
    )
    # Read as minutes:seconds (4:58), not 298s.
    minutes, secs = code_page.countdown.text().split(":")
    assert len(secs) == 2
    seconds = int(minutes) * 60 + int(secs)
    assert 280 <= seconds <= 300
    assert not code_page.get_code.isEnabled()
    assert not window.next_button.isEnabled()
    press_keys(qtbot, window, admin.latest_code(first))
    assert window.next_button.text() == "驗證電郵地址"
    assert window.next_button.isEnabled()
    shot(window, "email_code_entered")
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "emails")
    page = window.page
    assert isinstance(page, EmailsPage)
    assert not isinstance(page.rows[first], QPushButton)
    assert "已驗證" in visible_texts(page.rows[first])
    assert not window.next_button.isVisible()
    verify_all_emails(qtbot, window, admin)
    assert window.next_button.isVisible() and window.next_button.text() == "下一步"
    shot(window, "emails_all_verified")
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "consent")
    assert window.steps.current == 2


def test_r28_a_whole_renewal_through_the_wizard_ends_activated(
    qtbot: QtBot, window: MainWindow, admin: SandboxAdmin
) -> None:
    sign_in_self_service(qtbot, window, admin)
    pending_to_consent(qtbot, window, admin)

    # R9: nothing is fetched before the box is ticked.
    assert "同意並接受個人資料收集協定及聲明 *" in visible_texts(window)
    assert window.next_button.text() == "同意" and not window.next_button.isEnabled()
    shot(window, "consent")
    click(qtbot, window.page.box)  # type: ignore[union-attr]
    assert window.next_button.isEnabled()
    shot(window, "consent_ticked")
    click(qtbot, window.next_button)

    # R12: the live photo (the camera's photo_ready, with a real photo of the holder).
    wait_step(qtbot, window, "photo")
    page = window.page
    assert isinstance(page, PhotoPage) and page.camera is not None
    # First the example and the tips, then 開始拍照 opens the live camera with its 拍照.
    assert "開始拍照" in visible_texts(window) and "拍照" not in visible_texts(window)
    click(qtbot, page.camera.tips.start_button)
    assert "拍照" in visible_texts(window)
    qtbot.waitUntil(lambda: page.camera.preview.image() is not None, timeout=10_000)
    shot(window, "photo")
    page.camera.photo_ready.emit(live_face("H-ABC"))
    wait_step(qtbot, window, "face_result")
    # No bare similarity score for the holder to puzzle over.
    assert "照片檢測通過。" in visible_texts(window)
    assert "相似度" not in screen_text(window)
    shot(window, "face_result")
    click(qtbot, window.next_button)

    # R13/R14: the data, then the declaration dialog; only 同意 lets the holder go on.
    wait_step(qtbot, window, "confirm")
    assert window.steps.current == 3
    # It opens the declaration page, not the identification: a plain 下一步 (review #8).
    assert window.next_button.text() == "下一步"
    shot(window, "confirm")
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "declaration")
    assert window.next_button.text() == "身份識別"  # seed step 14-15
    assert not window.next_button.isEnabled()
    click(qtbot, window.page.box)  # type: ignore[union-attr]
    dialog = window.page.dialog  # type: ignore[union-attr]
    assert isinstance(dialog, QDialog) and dialog.isVisible()
    texts = visible_texts(dialog)
    assert any(t.startswith("• 本人確認上述提交之所有資料真實及正確。") for t in texts)
    assert sum(t.startswith("• ") for t in texts) == 6
    shot(dialog, "declaration_dialog")
    agree = dialog.findChild(QPushButton, "agree")
    assert agree is not None
    click(qtbot, agree)
    assert window.next_button.isEnabled()
    click(qtbot, window.next_button)

    # R15: face + SMS code.
    wait_step(qtbot, window, "eid")
    eid = request_eid_code(qtbot, window)
    assert eid.camera is not None
    qtbot.waitUntil(lambda: eid.camera.preview.image() is not None, timeout=10_000)
    eid.camera.photo_ready.emit(live_face("H-ABC"))
    press_keys(qtbot, window, admin.latest_code(None, kind="sms_code"))
    assert keypad_fits(window)  # the whole keypad without scrolling, at 1280x900
    shot(window, "eid")
    click(qtbot, window.lang_buttons["en"])
    assert keypad_fits(window)
    shot(window, "eid_en")
    click(qtbot, window.lang_buttons["zh-Hant"])
    click(qtbot, window.next_button)

    # R16: signed, review, 確認提交, submitted.
    wait_step(qtbot, window, "signed")
    assert "簽署申請文件成功" in screen_text(window)
    assert window.next_button.text() == "繼續"  # seed step 17
    shot(window, "signed")
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "review")
    assert window.next_button.text() == "確認提交"
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "submitted")
    assert "已確認並成功提交證書續期申請" in screen_text(window)
    click(qtbot, window.next_button)

    # R17: the cloud-sign tab, 選取所有, 下一步 (2).
    wait_step(qtbot, window, "activation_select")
    assert window.steps.current == 4
    assert window.next_button.text() == "下一步 (0)"
    click(qtbot, window.page.select_all)  # type: ignore[union-attr]
    assert window.next_button.text() == "下一步 (2)"
    shot(window, "activation_select")
    # The holder's ticks survive a language switch (the page is rebuilt in English).
    click(qtbot, window.lang_buttons["en"])
    assert window.next_button.text() == "Next (2)"
    assert "Cloud-sign certificates" in visible_texts(window)
    shot(window, "activation_select_en")
    click(qtbot, window.lang_buttons["zh-Hant"])
    click(qtbot, window.next_button)

    # R22: the account already holds a valid certificate: its password and a phrase.
    wait_step(qtbot, window, "activation_form")
    assert "“雲簽”用戶名稱 (登入名稱)" in visible_texts(window)
    # R23: ⓘ beside the password shows its rules.
    info = window.page.findChildren(QPushButton, "ruleInfo")  # type: ignore[union-attr]
    assert len(info) == 2
    rule = info[0]
    assert isinstance(rule, RuleButton)
    click(qtbot, rule)
    popover = rule.popover
    assert popover is not None
    assert popover.isVisible()
    # The seed's popover: its title, then one bullet per rule.
    rules = visible_texts(popover)
    assert "“雲簽”簽名密碼規則" in rules
    assert [t for t in rules if t.startswith("• ")] == [
        "• 密碼長度必須為 8 個位或以上；",
        "• 密碼必須包括 1 個或以上的英文字母 (a - z，大小寫均可)；",
        "• 密碼必須包括 1 個或以上非字母 (數字或特殊字符)。",
    ]
    shot(popover, "activation_password_rules")
    popover.accept()
    click(qtbot, info[1])
    phrase = info[1].popover
    assert phrase is not None and "撤銷短語規則" in visible_texts(phrase)
    assert sum(t.startswith("• ") for t in visible_texts(phrase)) == 2
    shot(phrase, "activation_phrase_rules")
    phrase.accept()
    # Seed step 22: 上一步 / 激活證書.
    assert window.next_button.text() == "激活證書"
    click(qtbot, window.lang_buttons["pt"])
    assert window.next_button.text() == "Activar certificado"
    shot(window, "activation_form_pt")
    click(qtbot, window.lang_buttons["zh-Hant"])
    type_into(qtbot, field(window, "password"), "Cloud-demo-1")
    type_into(qtbot, field(window, "revocation_phrase"), "Revoke2026demo")
    type_into(qtbot, field(window, "revocation_phrase_confirm"), "Revoke2026demo")
    shot(window, "activation_form")
    click(qtbot, window.next_button)

    # R26: activation runs, then 成功激活 with the new serials.
    wait_step(qtbot, window, "done")
    assert "成功激活" in visible_texts(window)
    # The form was left: its password and phrase are gone from every field.
    edits = window.findChildren(QLineEdit)
    assert all(e.text() not in ("Cloud-demo-1", "Revoke2026demo") for e in edits)
    assert not window.next_button.isVisible()
    shot(window, "done")
    assert current_step(window) == "done"


def test_r28_staff_signs_in_and_looks_up_a_holder_by_id_number(
    qtbot: QtBot, window: MainWindow, admin: SandboxAdmin
) -> None:
    click(qtbot, window.page.buttons["staff"])  # type: ignore[union-attr]
    wait_step(qtbot, window, "staff_login")
    assert field(window, "password").echoMode() == field(window, "password").EchoMode.Password
    type_into(qtbot, field(window, "username"), "staff01")
    type_into(qtbot, field(window, "password"), "counter-demo-1")
    shot(window, "staff_login")
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "desk_home")  # the counter home (R32): assist a holder
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "staff_lookup")
    assert "請輸入證書用戶之身份證明文件號碼。" in visible_texts(window)
    # The ID number's check digit in brackets, typed on the on-screen keypad.
    press_keys(qtbot, window, "1000001(1)")
    assert field(window, "id_number").text() == "1000001(1)"
    shot(window, "staff_lookup")
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "pending")
    assert window.next_button.text() == "開始鑑別(3)"


def test_r10_a_foreign_document_ends_online_renewal_with_the_guide_message(
    qtbot: QtBot, window: MainWindow, admin: SandboxAdmin
) -> None:
    # A passport number typed on the touch keypad: ABC for the letter, 123 for the digits.
    open_self_service(qtbot, window)
    keypad = window.page.findChild(Keypad)  # type: ignore[union-attr]
    assert keypad is not None
    click(qtbot, keypad.buttons["abc"])
    assert keypad.showing_letters
    shot(window, "sign_in_letters")
    click(qtbot, keypad.letter_buttons["P"])
    click(qtbot, keypad.letter_buttons["123"])
    press_keys(qtbot, window, "1000004")
    assert field(window, "id_number").text() == "P1000004"
    click(qtbot, window.next_button)
    enter_sms_code(qtbot, window, admin)
    pending_to_consent(qtbot, window, admin)
    window.page.box.setChecked(True)  # type: ignore[union-attr]
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "id_unsupported")
    assert "不支援之身份證明文件類別" in visible_texts(window)
    # Shown as a refusal, not as a hint.
    assert any(
        w.text() == "不支援之身份證明文件類別" and w.property("role") == "notice"
        for w in window.findChildren(QLabel)
    )
    assert not window.next_button.isVisible()
    assert window.start_over_button.isVisible()
    assert "求助碼：AC-AB-0017" in visible_texts(window)  # as the walkthrough reports it
    shot(window, "id_unsupported")


def test_r26_progress_page_asks_the_flow_again_while_activation_runs(qtbot: QtBot) -> None:
    running = StepView(
        "activation_progress",
        4,
        {"job_state": "running"},
        (message("activation.running"),),
        None,
        False,
        False,
        (),
        retry_after_ms=1000,  # the flow says when to ask again
    )
    page = ProgressPage()
    qtbot.addWidget(page)
    page.show_view(running, "zh-Hant")
    assert not page.shows_next
    with qtbot.waitSignal(page.submit_requested, timeout=5_000) as asked:
        pass
    assert asked.args == [{}]
    # A check shown on the same page (precheck) with no poll from the flow never asks.
    check = StepView("precheck", 4, {}, (), None, False, False, ())
    quiet = ProgressPage()
    qtbot.addWidget(quiet)
    quiet.show_view(check, "zh-Hant")
    with qtbot.assertNotEmitted(quiet.submit_requested, wait=1500):
        pass


def test_back_from_code_entry_returns_to_the_address_list(
    qtbot: QtBot, window: MainWindow, admin: SandboxAdmin
) -> None:
    page = to_emails(qtbot, window, admin)
    click(qtbot, next(iter(page.rows.values())))  # type: ignore[arg-type]
    wait_step(qtbot, window, "email_code")
    assert window.back_button.isVisible()
    click(qtbot, window.back_button)
    wait_step(qtbot, window, "emails")
    assert window.steps.current == 1


def test_a_step_without_its_own_page_still_shows_its_messages_and_fields(qtbot: QtBot) -> None:
    # The staff hand-off has no specialised page: the generic page must not be blank.
    view = StepView(
        "staff",
        0,
        {"reference": "R-ABC"},
        (message("staff.handoff", reference="R-ABC"),),
        None,
        False,
        True,
        (),
    )
    page = page_class_for("staff")()
    qtbot.addWidget(page)
    page.show_view(view, "zh-Hant")
    page.show()
    texts = visible_texts(page)
    assert message("staff.handoff", reference="R-ABC").text("zh-Hant") in texts
    assert "請聯繫櫃檯職員" in texts  # its title
    shot(page, "staff_handoff_generic")
    # Any inputs it declares become fields a person can fill in.
    specs = (InputSpec("id_number", "text", "id", 1, 20), flag("agree", "consent.required"))
    view = StepView(
        "unknown_step", 0, {}, (), None, False, False, ("id_number", "agree"), specs=specs
    )
    page = page_class_for("unknown_step")()
    qtbot.addWidget(page)
    page.show_view(view, "en")
    assert page.apply() == {"id_number": "", "agree": False}
    assert not page.valid


def test_r5_a_new_code_can_be_asked_for_once_the_last_one_ran_out(qtbot: QtBot) -> None:
    expires = (datetime.now(UTC) + timedelta(seconds=2)).isoformat().replace("+00:00", "Z")
    view = StepView(
        "email_code",
        1,
        {
            "address": "tm.chan@abc.example",
            "code_expires_at": expires,
            "can_request_code_at": expires,  # the flow says when (R5)
            "code_sent": True,
        },
        (message("email.code_sent"),),
        None,
        True,
        False,
        ("action", "code"),
    )
    page = EmailCodePage()
    qtbot.addWidget(page)
    page.show_view(view, "zh-Hant")
    assert not page.get_code.isEnabled()
    assert page.countdown.text() in ("0:01", "0:02")
    qtbot.waitUntil(lambda: page.get_code.isEnabled(), timeout=5_000)
    assert page.countdown.text() == ""
    with qtbot.waitSignal(page.submit_requested, timeout=1_000) as asked:
        qtbot.mouseClick(page.get_code, Qt.MouseButton.LeftButton)
    assert asked.args == [{"action": "request"}]
