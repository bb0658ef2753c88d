"""R12 / R15 capture as a holder meets it: the photo page's example and tips, then the live
camera on a clip of the holder's own live photo (real cv2.VideoCapture on an MJPG file), the
3-2-1 countdown drawn over the preview, the capture, the bureau's refusal with what to change
and the retake; the e-ID page's camera shown at once, its face kept across 獲取驗證碼."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot
from ui_helpers import (
    click,
    consent_to_photo,
    declaration_to_eid,
    face_result_to_declaration,
    press_keys,
    shot,
    to_consent,
    visible_texts,
    wait_step,
)

from kiosk.camera import messages
from kiosk.services.sandbox_admin import SandboxAdmin
from kiosk.ui.camera_view import CameraView, button_labels
from kiosk.ui.demo_camera import DemoCamera
from kiosk.ui.main_window import MainWindow
from kiosk.ui.pages import CONTEXT
from kiosk.ui.steps import EidPage
from kiosk.ui.texts import tr


@pytest.fixture(scope="module")
def demo_clips(tmp_path_factory: pytest.TempPathFactory) -> DemoCamera:
    return DemoCamera(tmp_path_factory.mktemp("capture_clips"))


@pytest.fixture(autouse=True)
def _keep_camera_source() -> object:
    before = CONTEXT.camera_source
    yield None
    CONTEXT.camera_source = before


def _at_photo(
    qtbot: QtBot,
    make_window: Callable[..., MainWindow],
    admin: SandboxAdmin,
    clip: Path,
    lang: str | None = None,
) -> tuple[MainWindow, CameraView]:
    """H-ABC at a self-service kiosk whose camera shows `clip` (in `lang`, or the first
    screen's 中文), on the photo page: the window and the page's camera view."""
    CONTEXT.camera_source = str(clip)
    window = make_window(self_service=True)
    if lang is not None:
        window.set_lang(lang)
    to_consent(qtbot, window, admin)
    camera = consent_to_photo(qtbot, window).camera
    assert camera is not None
    return window, camera


def _countdowns(camera: CameraView) -> list[int]:
    """The numbers drawn over the preview, in the order they changed."""
    seen: list[int] = []

    def note(_report: object) -> None:
        n = camera.preview.countdown
        if n is not None and (not seen or seen[-1] != n):
            seen.append(n)

    camera.controller.analysed.connect(note)
    return seen


def test_r12_tips_first_then_the_countdown_takes_the_photo_and_next_sends_it(
    qtbot: QtBot, make_window: Callable[..., MainWindow], admin: SandboxAdmin,
    demo_clips: DemoCamera,
) -> None:
    window, camera = _at_photo(qtbot, make_window, admin, demo_clips.clip("obama"))
    # Before the camera: the example and three tips, no preview, nothing captured.
    assert camera.state == "tips" and camera.tips.isVisible() and camera.tips.example.isVisible()
    texts = visible_texts(window)
    for key in ("camera.tips.example", "camera.tips.one", "camera.tips.two", "camera.tips.three"):
        assert any(tr(key) in t for t in texts), key
    assert not camera.preview.isVisible() and not camera.capture_button.isVisible()
    shot(window, "capture_tips_zh-Hant")
    qtbot.wait(1500)  # good frames arrive meanwhile: none is taken before 開始拍照
    assert camera.state == "tips" and not camera.has_photo()

    numbers = _countdowns(camera)
    click(qtbot, camera.tips.start_button)
    assert camera.preview.isVisible() and camera.capture_button.isVisible()
    assert tr("photo.take") in visible_texts(window)  # says what happens: the countdown
    qtbot.waitUntil(lambda: camera.preview.countdown == 2, timeout=20_000)
    assert camera.guidance_label.text() == messages.guidance_text("countdown")
    # Large, readable from the kiosk: bigger than the page's own texts (20 px).
    assert camera.guidance_label.font().pixelSize() >= 30
    shot(window, "capture_countdown_zh-Hant")
    qtbot.waitUntil(lambda: camera.state == "review", timeout=20_000)
    assert numbers[:3] == [3, 2, 1]
    assert camera.preview.countdown is None
    assert button_labels()["retake"] in visible_texts(window)
    assert not camera.reason_label.isVisible()  # an automatic photo is a good one
    shot(window, "capture_review_zh-Hant")
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "face_result")


def test_r12_refused_photo_says_what_to_change_and_the_retake_gives_a_new_one(
    qtbot: QtBot, make_window: Callable[..., MainWindow], admin: SandboxAdmin,
    demo_clips: DemoCamera,
) -> None:
    # Someone else's face (Biden's live photo) in front of H-ABC's registered one (Obama).
    window, camera = _at_photo(qtbot, make_window, admin, demo_clips.clip("biden"), "pt")
    click(qtbot, camera.tips.start_button)
    qtbot.waitUntil(lambda: camera.preview.frames_shown > 3, timeout=20_000)
    qtbot.waitUntil(lambda: camera.guide.last is not None, timeout=20_000)
    click(qtbot, camera.capture_button)  # 拍照 works at any time
    assert camera.state == "review"
    click(qtbot, window.next_button)
    qtbot.waitUntil(lambda: camera.state == "preview", timeout=20_000)
    assert window.page is not None and window.page.camera is camera  # type: ignore[attr-defined]
    # R12's words (in Portuguese, with the help code) in the error panel; the camera's large
    # hint says what to change, once, not the same sentence again.
    shown = " ".join(visible_texts(window))
    assert "A fotografia não cumpre os requisitos. Tire outra fotografia." in shown
    assert "AC-AB-0019" in shown
    assert camera.reason is not None
    hint = messages.guidance_text(camera.reason, "pt")
    assert camera.guidance_label.text() == tr("camera.reason.refused", "pt", hint=hint)
    assert camera.guidance_label.isVisible() and not camera.reason_label.isVisible()
    qtbot.waitUntil(lambda: camera.preview.image() is not None, timeout=10_000)
    assert camera.capture_button.visibleRegion().boundingRect().height() >= (
        camera.capture_button.height() - 1
    ), "拍照 is below the fold"
    shot(window, "capture_refused_pt")
    assert not camera.has_photo() and not window.next_button.isEnabled()
    # The retake: 拍照 again at once (the refusal stays readable, no automatic photo).
    click(qtbot, camera.capture_button)
    assert camera.state == "review" and camera.has_photo()
    assert window.next_button.isEnabled()
    click(qtbot, camera.retake_button)  # 重新拍照: the new photo is dropped too
    assert camera.state == "preview" and not camera.has_photo()


def test_r15_eid_camera_shows_at_once_and_its_face_survives_the_code_request(
    qtbot: QtBot, make_window: Callable[..., MainWindow], admin: SandboxAdmin,
    demo_clips: DemoCamera,
) -> None:
    window, camera = _at_photo(qtbot, make_window, admin, demo_clips.clip("obama"))
    click(qtbot, camera.tips.start_button)
    qtbot.waitUntil(lambda: camera.state == "review", timeout=30_000)
    click(qtbot, window.next_button)
    face_result_to_declaration(qtbot, window)
    declaration_to_eid(qtbot, window)
    page = window.page
    assert isinstance(page, EidPage) and not page.challenged
    eid_camera = page.camera
    # The camera at once, before 獲取驗證碼: the same component, its countdown, its photo.
    assert isinstance(eid_camera, CameraView) and eid_camera.preview.isVisible()
    qtbot.waitUntil(lambda: eid_camera.state == "review", timeout=30_000)
    state = page.findChild(QLabel, "faceState")
    assert state is not None and state.isVisible()
    taken = bytes(page.face or b"")
    assert taken[:2] == b"\xff\xd8"
    click(qtbot, page.get_code)
    qtbot.waitUntil(lambda: page.challenged, timeout=15_000)
    assert window.page is page and page.camera is eid_camera  # kept, not rebuilt
    assert page.face is not None and bytes(page.face) == taken
    press_keys(qtbot, window, admin.latest_code(None, kind="sms_code"))
    assert window.next_button.isEnabled()
    sent = page.apply()["face_jpeg"]
    assert sent is not page.face and bytes(sent) == taken  # its own copy goes to the flow
    # The flaky 「未能於照片中找到單一清晰面容」: a camera fault arriving after the capture
    # (a webcam that drops, or one that was never there and says so late) zeroed the face
    # already handed to the flow, while it was on its way. Now the face taken stays taken.
    eid_camera.controller.problem.emit(messages.CAMERA_UNPLUGGED)
    assert eid_camera.state == "review" or page.face is not None
    assert page.face is not None and bytes(page.face) == taken and window.next_button.isEnabled()
    click(qtbot, window.next_button)
    eid_camera.controller.problem.emit(messages.CAMERA_FROZEN)  # while the flow sends it
    wait_step(qtbot, window, "signed")  # the bureau matched the live face: identified

