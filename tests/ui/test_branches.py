"""Refusal, offline and new-password branches as the holder sees them (R12, R19, R20, R22)."""

from __future__ import annotations

from pytestqt.qtbot import QtBot
from ui_helpers import (
    LIVE_FACES,
    accept_consent,
    click,
    consent_to_photo,
    current_step,
    declaration_to_eid,
    face_result_to_declaration,
    field,
    live_face,
    on_screen,
    shot,
    through_submission,
    to_consent,
    type_into,
    visible_texts,
    wait_step,
)

from kiosk.services.sandbox_admin import SandboxAdmin
from kiosk.ui.main_window import MainWindow
from kiosk.ui.pages import CONTEXT
from kiosk.ui.steps import RevokeFirstPage


def test_r19_only_non_cloud_certificates_end_with_the_offline_notice_ac_ab_0007(
    qtbot: QtBot, window: MainWindow, admin: SandboxAdmin
) -> None:
    through_submission(qtbot, window, admin, "H-OFFLINE", reach="offline_done")
    on_screen(
        window,
        "已完成線上遞交非“雲簽”證書申請，後續證書簽發事宜須線下進行。請聯繫eSignTrust預約線下辦理。"
        "(求助碼：AC-AB-0007)",
        "系統暫不支援非“雲簽”證書之線上激活，通過身份鑑別後需聯繫 eSignTrust 預約線下辦理。",
        "商業機構合格證書",
    )
    assert not window.next_button.isVisible()
    assert window.steps.current == 4
    shot(window, "offline_done_ac_ab_0007")


def test_r20_changed_certificate_data_asks_to_revoke_first_ac_ab_0015(
    qtbot: QtBot, window: MainWindow, admin: SandboxAdmin
) -> None:
    # R18: one cloud-sign certificate: no selection, straight to the pre-activation check.
    through_submission(qtbot, window, admin, "H-REVOKE", reach="revoke_first")
    text = on_screen(window, "需先撤銷原有證書", "請先撤銷原證書後重做證書激活程序", "AC-AB-0015")
    page = window.page
    assert isinstance(page, RevokeFirstPage)
    texts = visible_texts(window)
    # The seed: the certificate type, no internal id, no raw URL.
    assert "商業機構“雲簽”帳戶" in texts
    assert "C-REVOKE-1" not in text and "http" not in text
    # A holder at a self-service session is never sent to a browser: told where instead.
    assert page.links == []
    assert any("聯繫櫃檯職員" in t for t in texts)
    assert window.back_button.isVisible() and window.back_button.text() == "上一步"
    assert window.next_button.isVisible() and window.next_button.text() == "激活證書"
    shot(window, "revoke_first_ac_ab_0015")
    # Revoked meanwhile (at the counter): 激活證書 runs the pre-activation check again.
    admin.revoke_certificate("C-REVOKE-1")
    click(qtbot, window.next_button)
    qtbot.waitUntil(lambda: current_step(window) != "revoke_first", timeout=15_000)
    assert current_step(window) == "activation_form"


def test_r20_counter_staff_get_the_revocation_page_link(
    qtbot: QtBot, window: MainWindow, admin: SandboxAdmin
) -> None:
    from kiosk.ui.steps import RevokeFirstPage as Page_

    CONTEXT.staff_at_screen = True
    try:
        page = Page_()
        qtbot.addWidget(page)
        view = type(
            "V",
            (),
            {
                "step_id": "revoke_first",
                "messages": (),
                "data": {"revoke": [{"cert_id": "C-1", "revoke_url": "http://x/revoke/C-1"}]},
            },
        )()
        page.show_view(view, "zh-Hant")
        assert [b.text() for b in page.links] == ["前往撤銷頁面"]
    finally:
        CONTEXT.staff_at_screen = False


def test_r12_a_photo_below_the_threshold_asks_for_a_retake(
    qtbot: QtBot, window: MainWindow, admin: SandboxAdmin
) -> None:
    to_consent(qtbot, window, admin)  # H-ABC, registered face: obama
    page = consent_to_photo(qtbot, window)
    someone_else = bytearray((LIVE_FACES / "biden.jpg").read_bytes())
    page.camera.photo_ready.emit(someone_else)
    qtbot.waitUntil(lambda: window.error_panel.isVisible() and not window.working, timeout=15_000)
    # The camera's own buffer went to the flow (no copy on the way), which overwrote it.
    assert len(someone_else) > 0 and not any(someone_else)
    assert window.page is page  # the same page, its camera back to the live preview
    assert window.error_panel.message.text() == "照片未達檢測要求，請重新拍照。"
    assert window.error_panel.help.text() == "求助碼：AC-AB-0019"
    assert page.camera.state == "preview"
    shot(window, "photo_rejected_r12")
    page.camera.photo_ready.emit(live_face("H-ABC"))
    wait_step(qtbot, window, "face_result")
    assert not window.error_panel.isVisible()


def test_r22_an_account_without_a_valid_certificate_sets_and_confirms_a_new_password(
    qtbot: QtBot, window: MainWindow, admin: SandboxAdmin
) -> None:
    # H-NEWPW also has a non-cloud certificate
    through_submission(qtbot, window, admin, "H-NEWPW", reach="activation_select")
    click(qtbot, window.page.select_all)  # type: ignore[union-attr]
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "activation_form")
    texts = visible_texts(window)
    assert "“雲簽”簽名密碼 (存取碼) *" in texts
    assert "確認“雲簽”簽名密碼 (存取碼) *" in texts
    assert "證書撤銷短語 *" in texts
    type_into(qtbot, field(window, "password"), "Newpass-2026")
    type_into(qtbot, field(window, "password_confirm"), "Newpass-2027")
    type_into(qtbot, field(window, "revocation_phrase"), "Revoke2026demo")
    type_into(qtbot, field(window, "revocation_phrase_confirm"), "Revoke2026demo")
    click(qtbot, window.next_button)
    qtbot.waitUntil(lambda: window.error_panel.isVisible() and not window.working, timeout=15_000)
    assert (
        window.error_panel.message.text()
        == "確認“雲簽”簽名密碼（存取碼）與“雲簽”簽名密碼（存取碼）不相符。"
    )
    shot(window, "activation_form_r22_mismatch")
    # The form is kept: only the confirmation needs correcting.
    assert field(window, "revocation_phrase").text() == "Revoke2026demo"
    confirm = field(window, "password_confirm")
    confirm.clear()
    type_into(qtbot, confirm, "Newpass-2026")
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "done")
    assert "成功激活" in visible_texts(window)


def test_r21_identity_data_changed_since_verification_asks_to_verify_again_ac_ab_0014(
    qtbot: QtBot, window: MainWindow, admin: SandboxAdmin
) -> None:
    through_submission(qtbot, window, admin, "H-REAUTH", reach="reverify")
    on_screen(window, "身份證明文件個人資料已失效", "請退回並重新進行身份鑑別", "AC-AB-0014")
    # Not a dead end: a button goes back to identity verification.
    assert window.next_button.isVisible() and window.next_button.text() == "重新進行身份鑑別"
    shot(window, "reverify_ac_ab_0014")
    # The 《需重新認證進行身份鑑別》 email went out to the holder (R21).
    assert admin.outbox(kind="reauth_needed")
    click(qtbot, window.next_button)
    qtbot.waitUntil(lambda: current_step(window) != "reverify", timeout=15_000)
    assert current_step(window) in ("consent", "emails", "pending")


def test_r11_invalid_document_data_shows_its_help_code_ac_ab_0018(
    qtbot: QtBot, window: MainWindow, admin: SandboxAdmin
) -> None:
    to_consent(qtbot, window, admin, "1000005(5)")  # H-MISMATCH
    accept_consent(qtbot, window, "id_invalid")
    texts = visible_texts(window)
    assert "無效之身份證明文件個人資料" in texts
    assert "求助碼：AC-AB-0018" in texts
    shot(window, "id_invalid_ac_ab_0018")


def test_r15_no_very_high_e_id_shows_its_help_code_ac_ab_0021(
    qtbot: QtBot, window: MainWindow, admin: SandboxAdmin
) -> None:
    to_consent(qtbot, window, admin, "1000009(9)")  # H-NOEID
    consent_to_photo(qtbot, window).camera.photo_ready.emit(  # type: ignore[union-attr]
        live_face("H-NOEID")
    )
    face_result_to_declaration(qtbot, window)
    declaration_to_eid(qtbot, window)
    click(qtbot, window.page.get_code)  # type: ignore[union-attr]
    wait_step(qtbot, window, "eid_unavailable")
    texts = visible_texts(window)
    assert "求助碼：AC-AB-0021" in texts
    shot(window, "eid_unavailable_ac_ab_0021")
