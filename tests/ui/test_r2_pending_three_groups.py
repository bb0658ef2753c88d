"""R2 on the pending list for a holder signing in (issue 9 §4): the three groups of the user
guide, in its order, against the sandbox over HTTP; and a holder who comes back after
submitting, with records waiting for activation, continues to the activation."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot
from ui_helpers import (
    click,
    screen_text,
    shot,
    sign_in_self_service,
    through_submission,
)

from kiosk.services.sandbox_admin import SandboxAdmin
from kiosk.ui.main_window import MainWindow
from kiosk.ui.pages import ModePage
from kiosk.ui.steps import PendingPage

GROUPS_ZH = ("待身份鑑別之證書", "待線上激活之證書", "待線下辦理之證書")


def _shown(window: MainWindow, name: str) -> list[QLabel]:
    QApplication.processEvents()
    return [w for w in window.findChildren(QLabel, name) if w.isVisible()]


def test_r2_pending_list_shows_three_groups_identity_first_the_others_say_none(
    qtbot: QtBot, window: MainWindow, admin: SandboxAdmin
) -> None:
    sign_in_self_service(qtbot, window, admin)  # H-ABC: three records, none verified yet
    page = window.page
    assert isinstance(page, PendingPage)
    text = screen_text(window)
    at = [text.index(g) for g in GROUPS_ZH]
    assert at == sorted(at)
    identity_part = text[at[0]:at[1]]
    assert "“雲簽”證書" in identity_part and "非“雲簽”證書" in identity_part
    assert identity_part.count("原證書序號") == 3  # all three records wait for verification
    assert not _shown(window, "group_identity_empty")
    assert [w.text() for w in _shown(window, "group_activation_empty")] == ["暫無證書。"]
    assert [w.text() for w in _shown(window, "group_offline_empty")] == ["暫無證書。"]
    assert "原證書序號" not in text[at[1]:]
    assert window.next_button.text() == "開始鑑別(3)" and window.next_button.isEnabled()
    assert not _shown(window, "offlineCounter")
    shot(window, "r2_pending_fresh_zh-Hant")
    click(qtbot, window.lang_buttons["pt"])
    text = screen_text(window)
    assert "Certificados a aguardar activação online" in text
    assert [w.text() for w in _shown(window, "group_offline_empty")] == ["Nenhum certificado."]
    assert window.next_button.text() == "Iniciar verificação (3)"
    shot(window, "r2_pending_fresh_pt")


def test_r2_holder_back_with_records_awaiting_activation_continues_to_activation(
    qtbot: QtBot, window: MainWindow, admin: SandboxAdmin
) -> None:
    through_submission(qtbot, window, admin, "H-ABC", reach="activation_select")
    click(qtbot, window.start_over_button)  # the holder leaves before activating
    qtbot.waitUntil(lambda: isinstance(window.page, ModePage), timeout=15_000)
    # verified and submitted: straight on to the activation, not a second verification
    sign_in_self_service(qtbot, window, admin, reach="activation_select")
    text = screen_text(window)
    assert "開始鑑別" not in text
    assert "請勾選證書項後進行線上證書激活" in text
    assert "非“雲簽”證書" in text  # the non-cloud record's section, for the counter afterwards
