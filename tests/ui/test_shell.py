"""The kiosk shell (R28): first screen, languages, step indicator, error panel, idle wipe."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot
from ui_helpers import (
    ABC_ID_NUMBER,
    click,
    current_step,
    field,
    missing_glyphs,
    open_self_service,
    screen_text,
    shot,
    sign_in_self_service,
    type_into,
    visible_texts,
    wait_step,
    wrong_code,
)

from kiosk.config import BackendConfig
from kiosk.flows.journal import MemoryJournal
from kiosk.flows.messages import message
from kiosk.flows.renewal import RenewalFlow
from kiosk.services.factory import build_services
from kiosk.services.sandbox_admin import SandboxAdmin
from kiosk.ui.idle import CountdownDialog
from kiosk.ui.launch import show_window
from kiosk.ui.main_window import MainWindow
from kiosk.ui.pages import ModePage
from kiosk.ui.worker import wait_idle


def test_r28_first_screen_offers_staff_sign_in_and_self_service_in_chinese(
    window: MainWindow,
) -> None:
    texts = visible_texts(window)
    assert "電子證書服務（機構）- 證書續期" in texts
    assert window.windowTitle() == "電子證書服務（機構）- 證書續期"
    assert "職員登入" in texts
    assert "自助服務" in texts
    assert isinstance(window.page, ModePage)
    # Nothing to go back to or start over from yet.
    assert not window.back_button.isVisible()
    assert not window.next_button.isVisible()
    shot(window, "first_screen_zh")


def test_language_switch_changes_visible_texts_to_pt_and_en(
    qtbot: QtBot, window: MainWindow
) -> None:
    click(qtbot, window.lang_buttons["pt"])
    texts = visible_texts(window)
    assert "Entrada de funcionário" in texts
    assert "Autoatendimento" in texts
    assert "職員登入" not in texts
    assert window.windowTitle().startswith("Serviço de Certificados Electrónicos")
    shot(window, "first_screen_pt")
    click(qtbot, window.lang_buttons["en"])
    texts = visible_texts(window)
    assert "Staff sign-in" in texts
    assert "Choose how to proceed" in texts
    assert "Entrada de funcionário" not in texts
    shot(window, "first_screen_en")
    click(qtbot, window.lang_buttons["zh-Hant"])
    assert "職員登入" in visible_texts(window)


def test_every_character_on_the_first_screen_has_a_glyph_in_the_bundled_fonts(
    window: MainWindow,
) -> None:
    # No CJK font on a fresh kiosk machine: a character neither bundled font has is tofu.
    for lang in ("zh-Hant", "pt", "en"):
        window.set_lang(lang)
        assert missing_glyphs(window) == set(), lang


def test_r28_step_indicator_highlights_the_current_step(
    qtbot: QtBot, window: MainWindow, admin: SandboxAdmin
) -> None:
    assert [d.property("current") for d in window.steps.dots] == [False] * 4
    sign_in_self_service(qtbot, window, admin)
    # The pending list comes before step 1: nothing highlighted yet.
    assert [d.property("current") for d in window.steps.dots] == [False] * 4
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "emails")
    assert [d.property("current") for d in window.steps.dots] == [True, False, False, False]
    assert window.steps.current == 1
    shot(window, "emails_step1")


def test_error_panel_shows_the_message_and_its_help_code(
    qtbot: QtBot, window: MainWindow, admin: SandboxAdmin
) -> None:
    open_self_service(qtbot, window)
    type_into(qtbot, field(window, "id_number"), ABC_ID_NUMBER)
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "sign_in_code")
    wrong = wrong_code(admin.latest_code(None, kind="sms_code"))
    type_into(qtbot, field(window, "sms_code"), wrong)
    click(qtbot, window.next_button)
    qtbot.waitUntil(lambda: window.error_panel.isVisible(), timeout=15_000)
    assert current_step(window) == "sign_in_code"
    expected = message("eid.code_wrong", attempts_left=4).text("zh-Hant")
    assert window.error_panel.message.text() == expected
    assert window.error_panel.help.text() == "求助碼：AC-AB-0022"
    shot(window, "error_panel_zh")
    # The panel follows the language switch.
    click(qtbot, window.lang_buttons["en"])
    assert window.error_panel.message.text() == message("eid.code_wrong", attempts_left=4).text(
        "en"
    )
    assert window.error_panel.help.text() == "Help code: AC-AB-0022"


def _idle_warning(
    qtbot: QtBot, make_window: Callable[..., MainWindow], admin: SandboxAdmin, countdown_s: int
) -> tuple[MainWindow, CountdownDialog]:
    """H-ABC signed in at a self-service kiosk that warns after 2 s without a touch, with a
    countdown of `countdown_s`: the window, and its warning once it is shown."""
    window = make_window(self_service=True, idle_s=2.0, countdown_s=countdown_s)
    sign_in_self_service(qtbot, window, admin)
    assert window.idle is not None
    with qtbot.waitSignal(window.idle.warning, timeout=10_000):
        pass
    dialog = window.idle.dialog
    assert dialog is not None
    return window, dialog


def test_idle_timeout_wipes_the_holder_and_returns_to_the_first_screen(
    qtbot: QtBot,
    make_window: Callable[..., MainWindow],
    flow: RenewalFlow,
    admin: SandboxAdmin,
) -> None:
    window, dialog = _idle_warning(qtbot, make_window, admin, countdown_s=1)
    assert flow.session is not None  # warned, not wiped yet
    assert dialog.isVisible()
    assert "1 秒後清除資料" in dialog.body.text()
    shot(dialog, "idle_countdown")
    # The countdown runs out; the first screen is shown, then the wipe is announced, in order.
    assert window.idle is not None
    with (
        qtbot.waitSignal(window.idle.expired, timeout=10_000),
        qtbot.waitSignals([window.view_shown, window.wiped], order="strict", timeout=10_000),
    ):
        pass
    assert isinstance(window.page, ModePage)
    assert "自助服務" in visible_texts(window)
    assert flow.session is None
    assert flow.current.step_id == "idle"
    # Nothing the holder typed survives in any widget.
    assert all(ABC_ID_NUMBER not in e.text() for e in window.findChildren(QLineEdit))
    assert ABC_ID_NUMBER not in screen_text(window)


def test_idle_countdown_continue_keeps_the_holder_on_their_page(
    qtbot: QtBot,
    make_window: Callable[..., MainWindow],
    flow: RenewalFlow,
    admin: SandboxAdmin,
) -> None:
    window, dialog = _idle_warning(qtbot, make_window, admin, countdown_s=30)
    click(qtbot, dialog.continue_button)
    assert window.idle.dialog is None  # type: ignore[union-attr]
    assert current_step(window) == "pending"
    assert flow.session is not None


def test_start_over_returns_to_the_first_screen_and_forgets_the_holder(
    qtbot: QtBot, window: MainWindow, flow: RenewalFlow, admin: SandboxAdmin
) -> None:
    sign_in_self_service(qtbot, window, admin)
    click(qtbot, window.start_over_button)
    assert isinstance(window.page, ModePage)
    assert flow.session is None


def test_an_unreachable_backend_shows_the_kiosk_help_code_not_a_crash(
    qtbot: QtBot, tmp_path: Path
) -> None:
    # Port 9 (discard) has no listener here: a real connection refusal.
    config = BackendConfig.for_sandbox("http://127.0.0.1:9", timeout_s=2.0)
    flow = RenewalFlow(build_services(config), MemoryJournal())
    window = MainWindow(flow)
    qtbot.addWidget(window)
    window.show()
    open_self_service(qtbot, window)
    type_into(qtbot, field(window, "id_number"), ABC_ID_NUMBER)
    click(qtbot, window.next_button)
    # While the call is out: the busy overlay covers the page and nothing can be pressed twice.
    assert window.working and window.overlay.isVisible()
    assert window.overlay.text.text() == "處理中，請稍候…"
    assert not window.next_button.isEnabled()
    shot(window, "busy_overlay", settle=False)
    qtbot.waitUntil(lambda: window.error_panel.isVisible(), timeout=30_000)
    assert not window.overlay.isVisible()
    assert current_step(window) == "sign_in"
    # Refused, not lost: the holder need not type the ID number again.
    assert field(window, "id_number").text() == ABC_ID_NUMBER
    assert window.error_panel.help.text() == "求助碼：AC-KI-0001"
    assert "暫時未能連接 eSignTrust 系統" in window.error_panel.message.text()
    wait_idle(10_000)


def test_self_service_fullscreen_has_no_window_decorations(
    make_window: Callable[..., MainWindow],
) -> None:
    window = make_window(self_service=True, idle_s=120.0)
    show_window(window, fullscreen=True)
    assert window.isFullScreen()
    assert window.windowFlags() & Qt.WindowType.FramelessWindowHint


def test_idle_countdown_waits_while_the_kiosk_itself_is_working(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window(self_service=True, idle_s=0.3, countdown_s=1)
    assert window.idle is not None
    # Off the first screen, where there is a holder's session to ask about (R34).
    click(qtbot, window.page.buttons["self"])  # type: ignore[union-attr]
    wait_step(qtbot, window, "sign_in")
    window.idle.pause()  # what the shell does while a backend call or activation runs
    warned: list[bool] = []
    window.idle.warning.connect(lambda: warned.append(True))
    qtbot.mouseClick(window.lang_buttons["en"], Qt.MouseButton.LeftButton)  # a tap meanwhile
    # Deterministic: the tap did not restart the idle clock, so no countdown can come.
    assert not window.idle.counting
    assert warned == [] and window.idle.dialog is None
    window.idle.restart()
    assert window.idle.counting
    qtbot.waitUntil(lambda: warned == [True], timeout=5_000)
