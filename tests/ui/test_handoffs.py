"""Review fixes as the holder sees them: wrong codes, hand-offs with their 求助碼, the step
indicator, keypads that fit 1280x900, answers after a wipe, activation polling after an outage."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot
from ui_helpers import (
    click,
    enter_refused_code,
    field,
    keypad_fits,
    open_email_code,
    open_self_service,
    press_keys,
    shot,
    sign_in_with,
    type_into,
    visible_texts,
    wait_step,
    wrong_code,
)

from kiosk.flows.messages import message, message_for_help_code
from kiosk.flows.renewal import StepView
from kiosk.services.sandbox_admin import SandboxAdmin
from kiosk.ui import worker
from kiosk.ui.main_window import MainWindow
from kiosk.ui.pages import ModePage
from kiosk.ui.steps import EmailsPage, ProgressPage
from kiosk.ui.worker import db_executor


def test_wrong_email_codes_are_cleared_and_the_fifth_hands_off_with_its_help_code(
    qtbot: QtBot, window: MainWindow, admin: SandboxAdmin
) -> None:
    window.end_timer.setInterval(300)  # counter mode: the end page is wiped after a while
    open_self_service(qtbot, window)
    # Before step 1 there is no step to highlight: no indicator.
    assert not window.steps.isVisible()
    sign_in_with(qtbot, window, admin, "1000001(1)")
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "emails")
    assert window.steps.isVisible() and window.steps.current == 1
    emails = window.page
    assert isinstance(emails, EmailsPage)
    address = open_email_code(qtbot, window, emails)
    wrong = wrong_code(admin.latest_code(address))
    for attempt in range(1, 5):
        enter_refused_code(qtbot, window, wrong)
        assert window.error_panel.help.text() == "求助碼：AC-AB-0008"
        # The wrong code is gone: the next one is typed into an empty field.
        assert field(window, "code").text() == ""
        # With the error panel shown, the whole keypad is still on screen.
        assert keypad_fits(window), attempt
    shot(window, "email_code_wrong4")
    press_keys(qtbot, window, wrong)
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "staff")
    texts = visible_texts(window)
    assert any("請聯繫櫃檯職員協助" in t for t in texts)
    assert any(t.startswith("求助碼：AC-AB-") for t in texts), texts
    shot(window, "staff_handoff_help_code")
    # Nobody touches the finished page: it is wiped, first screen then `wiped`, in order.
    with qtbot.waitSignals([window.view_shown, window.wiped], order="strict", timeout=5_000):
        pass
    assert isinstance(window.page, ModePage)


def test_an_answer_arriving_after_a_wipe_is_dropped(
    qtbot: QtBot, window: MainWindow, admin: SandboxAdmin
) -> None:
    open_self_service(qtbot, window)
    type_into(qtbot, field(window, "id_number"), "1000001(1)")
    # Hold the database thread, so the sign-in is still queued when the wipe comes.
    gate = threading.Event()
    worker.Op(lambda: gate.wait(10), success=lambda _: None).run(db_executor())
    click(qtbot, window.next_button)
    assert window.working
    shown: list[str] = []
    window.view_shown.connect(shown.append)
    window.wipe()
    assert isinstance(window.page, ModePage) and not window.working
    gate.set()
    qtbot.waitUntil(lambda: worker.pending() == 0, timeout=15_000)
    # The previous holder's next step never reaches the screen; the flow was reset after it.
    assert "sign_in_code" not in shown
    assert isinstance(window.page, ModePage)
    assert window.flow.current.step_id == "idle"


def _progress(error: object = None, retry_after_ms: int = 1000) -> StepView:
    return StepView(
        "activation_progress",
        4,
        {"job_state": "running"},
        (message("activation.running"),),
        error,  # type: ignore[arg-type]
        False,
        False,
        (),
        retry_after_ms=retry_after_ms,
    )


def test_activation_progress_backs_off_after_an_outage_and_offers_retry(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    page = ProgressPage()
    qtbot.addWidget(page)
    page.show_view(_progress(), "zh-Hant")
    assert page._timer.isActive() and page._timer.interval() == 1000
    # Still asking, later, as the flow backs off (2 s, then 4 s); and 重試 asks at once.
    outage = _progress(message_for_help_code("AC-KI-0001"), 2000)
    page.view = outage
    page.refused(outage)
    assert page._timer.isActive() and page._timer.interval() == 2000
    page.refused(_progress(message_for_help_code("AC-KI-0001"), 4000))
    assert page._timer.interval() == 4000
    assert page.shows_next and page.next_label("zh-Hant") == "重試"
    assert page.apply() == {} and not page._timer.isActive()


def test_a_missing_camera_is_said_once_and_hands_off_to_counter_staff(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kiosk.ui.pages import CONTEXT
    from kiosk.ui.steps import PhotoPage

    monkeypatch.setattr(CONTEXT, "camera_source", "99")  # no such webcam
    view = StepView("photo", 2, {}, (message("photo.take"),), None, False, False, ("photo_jpeg",))
    window.show_view(view)
    page = window.page
    assert isinstance(page, PhotoPage) and page.camera is not None
    # Once the camera view gives up reconnecting it hands off to counter staff.
    with qtbot.waitSignal(page.camera.camera_failed, timeout=20_000):
        pass
    texts = visible_texts(window)
    # The fault is said once (in the camera view, with its help code and who helps), not
    # again in another wording in the error panel.
    assert not window.error_panel.isVisible()
    faults = [t for t in texts if "AC-KI-01" in t]
    assert len(faults) == 1 and "櫃檯職員" in faults[0], texts
    shot(window, "photo_camera_missing")
    click(qtbot, window.lang_buttons["pt"])
    texts = visible_texts(window)
    assert sum("AC-KI-01" in t for t in texts) == 1, texts
    shot(window, "photo_camera_missing_pt")
    window.page.wipe()
