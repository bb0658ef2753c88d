"""The final review's UI defects, checked at the demo's real size: the window at 1280x900
with the sandbox side panel beside the kiosk, in 中文 and Português."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication, QLabel, QScrollArea, QWidget
from pytestqt.qtbot import QtBot
from ui_helpers import screen_text as screen_texts
from ui_helpers import shot, show_at_kiosk_size, stop_windows, visible_texts

from kiosk.flows.messages import message
from kiosk.flows.renewal import RenewalFlow, StepView
from kiosk.services.sandbox_admin import SandboxAdmin
from kiosk.ui.app import ensure_app
from kiosk.ui.demo import SandboxPanel
from kiosk.ui.main_window import MainWindow

SHOTS = Path("/tmp/ui_shots4")
LANGS = ("zh-Hant", "pt")


@pytest.fixture(params=LANGS)
def lang(request: pytest.FixtureRequest) -> str:
    """Each test that takes `lang` runs in 中文 and in Português (unless it says otherwise)."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def demo_window(
    qtbot: QtBot, flow: RenewalFlow, sandbox_url: str, admin: SandboxAdmin
) -> Iterator[MainWindow]:
    """The kiosk window as `kiosk demo` shows it: 1280x900 with the sandbox panel."""
    ensure_app()
    panel = SandboxPanel(sandbox_url, admin)
    w = show_at_kiosk_size(qtbot, MainWindow(flow, side_panel=panel))
    yield w
    stop_windows([w])


def view(step_id: str, number: int, data: dict[str, Any], *msgs: Any, **kw: Any) -> StepView:
    return StepView(
        step_id,
        number,
        data,
        tuple(msgs),
        None,
        kw.get("can_back", True),
        kw.get("is_last", False),
        kw.get("inputs", ()),
    )


def show(window: MainWindow, v: StepView, lang: str) -> None:
    window.set_lang(lang)
    window.show_view(v)
    QApplication.processEvents()
    QApplication.processEvents()


def save(window: MainWindow, name: str) -> None:
    shot(window, name, folder=SHOTS)  # no tofu, no clipped button


def scroll_of(w: QWidget) -> QScrollArea:
    p = w.parentWidget()
    while p is not None and not isinstance(p, QScrollArea):
        p = p.parentWidget()
    assert p is not None
    return p


def fully_visible(w: QLabel) -> bool:
    """Inside the page's visible viewport (after scrolling to it) and wide enough for its
    text on one line, or, when it wraps, for its longest word."""
    area = scroll_of(w)
    area.ensureWidgetVisible(w, 0, 0)
    QApplication.processEvents()
    port = area.viewport()
    top_left = w.mapTo(port, QPoint(0, 0))
    inside = port.rect().contains(QRect(top_left, w.size()))
    fm = QFontMetrics(w.font())
    if not w.wordWrap():
        return inside and w.isVisible() and w.width() >= w.sizeHint().width()
    # Wrapped: every unbreakable piece fits the width, and every line fits the height.
    pieces = re.split(r"\s+|(?<=-)", w.text()) or [""]
    need = max(fm.horizontalAdvance(x) for x in pieces)
    tall = w.height() >= w.heightForWidth(w.width())
    return inside and w.isVisible() and w.width() >= need and tall


RENEWED = [
    {
        "cert_id": f"c{n}",
        "type": "cloud",
        "email": email,
        "old_serial": f"3F0A9C{n}1B2C3D4E5F60718293A4B5C6",
        "old_expiry": "2026-12-20",
        "new_serial": f"554ABEA271C0502{n}F052051FF1A2B3C4D5",
        "new_expiry": "2029-12-20",
    }
    for n, email in enumerate(("tm.chan@abc.example", "chan.taiman.operations@abc.example"))
]


def test_done_page_shows_every_new_serial_and_expiry_in_full(
    qtbot: QtBot, demo_window: MainWindow, lang: str
) -> None:
    v = view(
        "done",
        4,
        {"renewed": RENEWED},
        message("activation.success"),
        message("activation.email_sent"),
        can_back=False,
        is_last=True,
    )
    show(demo_window, v, lang)
    page = demo_window.page
    assert page is not None
    save(demo_window, f"done_{lang}")
    for n, r in enumerate(RENEWED):
        for attr in ("new_serial", "new_expiry"):
            value = page.findChild(QLabel, f"{attr}_{n}")
            assert value is not None and value.text() == r[attr]
            assert fully_visible(value), (attr, n, value.width(), value.geometry())
    # No column squeezed to one character a line: every key label is on one line, whole.
    texts = visible_texts(demo_window)
    new_serial = {"zh-Hant": "新證書序號", "pt": "N.º de série novo"}[lang]
    assert texts.count(new_serial) == len(RENEWED)
    for key in page.findChildren(QLabel):
        if key.property("role") == "cardKey" and key.isVisible():
            assert key.width() >= key.sizeHint().width(), key.text()


def test_email_code_page_shows_the_whole_address_above_the_code(
    qtbot: QtBot, demo_window: MainWindow, lang: str
) -> None:
    from datetime import UTC, datetime, timedelta

    long_address = "chan.taiman.assistant.operations.manager@abc-limited.example"
    expires = (datetime.now(UTC) + timedelta(seconds=300)).isoformat()
    v = view(
        "email_code",
        1,
        {"address": long_address, "code_expires_at": expires, "code_sent": True},
        message("email.code_sent"),
        inputs=("action", "code"),
    )
    show(demo_window, v, lang)
    page = demo_window.page
    assert page is not None
    shown = page.findChild(QLabel, "address")
    assert shown is not None and shown.text() == long_address
    save(demo_window, f"email_code_{lang}")
    assert fully_visible(shown), (shown.geometry(), shown.sizeHint())
    # The whole address fits the label's width (no line edit scrolled to its end).
    assert shown.width() >= QFontMetrics(shown.font()).horizontalAdvance(long_address) or (
        shown.wordWrap() and shown.height() > QFontMetrics(shown.font()).height()
    )
    # Above the code entry.
    code = page.findChild(QWidget, "input_code")
    assert code is not None
    assert shown.mapTo(page, QPoint(0, 0)).y() < code.mapTo(page, QPoint(0, 0)).y()
    assert long_address in visible_texts(demo_window)
    save(demo_window, f"email_code_{lang}")


def quoted(text: str) -> str:
    """The button name a text tells the holder to press: «…», “…” or 「…」."""
    m = re.search(r"[«“「](.+?)[»”」]", text)
    assert m is not None, text
    return m.group(1)


@pytest.mark.parametrize("lang", (*LANGS, "en"))
def test_review_page_text_names_the_button_as_it_is_labelled(
    qtbot: QtBot, demo_window: MainWindow, lang: str
) -> None:
    show(demo_window, view("review", 3, {}, message("review.intro"), inputs=()), lang)
    intro = message("review.intro").text(lang)
    assert intro in visible_texts(demo_window)
    assert quoted(intro) == demo_window.next_button.text()
    save(demo_window, f"review_{lang}")


@pytest.mark.parametrize(
    ("lang", "forward", "identify"),
    [("zh-Hant", "下一步", "身份識別"), ("pt", "Seguinte", "Identificação")],
)
def test_the_confirmation_page_leads_on_with_next_and_the_declaration_with_identify(
    qtbot: QtBot, demo_window: MainWindow, lang: str, forward: str, identify: str
) -> None:
    show(demo_window, view("confirm", 3, {}), lang)
    assert demo_window.next_button.text() == forward
    show(demo_window, view("declaration", 3, {}, inputs=("agree",)), lang)
    assert demo_window.next_button.text() == identify


def above_nav(window: MainWindow, w: QWidget) -> bool:
    """Whole on screen, above the nav bar and left of the side panel: no scrolling."""
    QApplication.processEvents()
    top_left = w.mapTo(window, QPoint(0, 0))
    return (
        w.isVisible()
        and top_left.y() >= 0
        and top_left.y() + w.height() <= window.nav.y()
        and top_left.x() + w.width() <= window.nav.width()
    )


def page_scrolls(window: MainWindow) -> bool:
    assert window.page is not None
    QApplication.processEvents()
    area = window.page.findChild(QScrollArea)
    assert area is not None
    return area.verticalScrollBar().maximum() > 0


def capture(qtbot: QtBot, camera: Any) -> None:
    qtbot.waitUntil(lambda: camera.preview.image() is not None, timeout=10_000)
    camera.capture()
    qtbot.waitUntil(lambda: camera.state == "review", timeout=5_000)
    QApplication.processEvents()


def test_photo_page_text_follows_the_camera_and_next_stays_bottom_right(
    qtbot: QtBot, demo_window: MainWindow, lang: str
) -> None:
    from kiosk.ui.camera_view import button_labels
    from kiosk.ui.steps import PhotoPage
    from kiosk.ui.texts import tr

    show(demo_window, view("photo", 2, {}, message("photo.take"), inputs=("photo_jpeg",)), lang)
    page = demo_window.page
    assert isinstance(page, PhotoPage) and page.camera is not None
    # Before the camera: the example photo and three tips, then 開始拍照.
    texts = visible_texts(demo_window)
    assert tr("camera.tips.one", lang) in " ".join(texts) and page.camera.tips.isVisible()
    save(demo_window, f"photo_tips_{lang}")
    qtbot.mouseClick(page.camera.tips.start_button, Qt.MouseButton.LeftButton)
    texts = visible_texts(demo_window)
    assert message("photo.take").text(lang) in texts
    nxt, back = demo_window.next_button, demo_window.back_button
    # 下一步 keeps its bottom-right place, greyed out until there is a photo; 上一步 left of it.
    assert nxt.isVisible() and not nxt.isEnabled()
    assert nxt.text() == tr("nav.next", lang)
    assert back.isVisible() and back.x() + back.width() <= nxt.x()
    hint = demo_window.next_hint
    assert hint.isVisible() and tr("hint.photo", lang) in hint.text()
    save(demo_window, f"photo_live_{lang}")
    capture(qtbot, page.camera)
    texts = visible_texts(demo_window)
    # After the capture the text says to check the photo, not to press a button now gone.
    assert tr("photo.review", lang) in texts
    assert message("photo.take").text(lang) not in texts
    labels = button_labels(lang)
    assert labels["capture"] not in texts and labels["retake"] in texts
    assert not page.camera.next_button.isVisible()  # one 下一步: the window's
    assert nxt.isEnabled() and not hint.isVisible()
    assert back.x() + back.width() <= nxt.x()
    photo = page.apply()["photo_jpeg"]
    assert isinstance(photo, bytearray) and photo[:2] == b"\xff\xd8"
    save(demo_window, f"photo_review_{lang}")


def test_eid_page_names_the_photo_step_confirms_it_and_says_what_is_missing(
    qtbot: QtBot, demo_window: MainWindow, lang: str
) -> None:
    from kiosk.ui.camera_view import button_labels
    from kiosk.ui.steps import EidPage
    from kiosk.ui.texts import tr

    mobile = "+853 ****0002"
    v = view(
        "eid",
        3,
        {"mobile_masked": mobile},
        message("eid.intro"),
        message("eid.code_sent", mobile=mobile),
        inputs=("action", "sms_code", "face_jpeg"),
    )
    show(demo_window, v, lang)
    page = demo_window.page
    assert isinstance(page, EidPage) and page.camera is not None
    intro = message("eid.intro").text(lang)
    assert intro in visible_texts(demo_window)
    # The instruction names every button the holder has to press, the photo's too.
    named = re.findall(r"[«“「](.+?)[»”」]", intro)
    assert named == [
        tr("emails.get_code", lang),
        button_labels(lang)["capture"],
        tr("eid.verify", lang),
    ]
    nxt = demo_window.next_button
    assert nxt.text() == tr("eid.verify", lang) and not nxt.isEnabled()
    hint = demo_window.next_hint
    assert hint.isVisible()
    assert tr("hint.photo", lang) in hint.text() and tr("hint.sms_code", lang) in hint.text()
    save(demo_window, f"eid_start_{lang}")
    assert not page_scrolls(demo_window)
    capture(qtbot, page.camera)
    assert not page.camera.next_button.isVisible()  # one way on: 核實身份
    # No text names a 下一步 that is not there.
    assert tr("camera.review", lang) in visible_texts(demo_window)
    assert button_labels(lang)["next"] not in screen_texts(demo_window)
    state = page.face_state
    assert state.text() == "✔ " + tr("eid.face_taken", lang)
    assert above_nav(demo_window, state)
    assert state.width() >= state.sizeHint().width()
    assert tr("hint.photo", lang) not in hint.text() and tr("hint.sms_code", lang) in hint.text()
    keypad_keys = [page.findChild(QWidget, f"key_{k}") for k in ("1", "clear", "0", "back")]
    for key in keypad_keys:
        assert key is not None and above_nav(demo_window, key)
    for d in "123456":
        key = page.findChild(QWidget, f"key_{d}")
        qtbot.mouseClick(key, Qt.MouseButton.LeftButton)
    assert nxt.isEnabled() and not hint.isVisible()
    assert not page_scrolls(demo_window)
    save(demo_window, f"eid_ready_{lang}")


CARD = {
    "type": "cloud",
    "serial": "3F0A9C01B2C3D4E5",
    "expiry": "2026-12-20",
    "status": "valid",
    "holder_name": "CHAN TAI MAN",
    "email": "tm.chan@abc.example",
    "org_name": "ABC LIMITED",
    "department": "Operations Dept.",
    "position": "Assistant Operations Manager",
}


def test_declaration_checkbox_is_in_sight_beside_three_certificates(
    qtbot: QtBot, demo_window: MainWindow, lang: str
) -> None:
    from kiosk.ui.steps import DeclarationPage
    from kiosk.ui.texts import tr

    certs = [
        {**CARD, "cert_id": "a"},
        {**CARD, "cert_id": "b", "status": "revoked"},
        {**CARD, "cert_id": "c", "type": "qualified", "transaction_limit": 0},
    ]
    v = view(
        "declaration", 3, {"certificates": certs, "declaration": ["本人確認。"]}, inputs=("agree",)
    )
    show(demo_window, v, lang)
    page = demo_window.page
    assert isinstance(page, DeclarationPage)
    assert page_scrolls(demo_window)  # the three cards are taller than the screen
    # The required checkbox stays in sight without scrolling, and the greyed-out button says why.
    assert above_nav(demo_window, page.box)
    assert page.box.width() >= page.box.sizeHint().width()
    assert not demo_window.next_button.isEnabled()
    assert demo_window.next_hint.isVisible()
    assert demo_window.next_hint.text() == tr("hint.declaration", lang)
    save(demo_window, f"declaration_3_{lang}")
    page._agreed()
    QApplication.processEvents()
    assert demo_window.next_button.isEnabled() and not demo_window.next_hint.isVisible()


def test_rule_popover_is_framed_and_stays_over_the_kiosk_page(
    qtbot: QtBot, demo_window: MainWindow, lang: str
) -> None:
    from PySide6.QtGui import QColor, QPainter

    from kiosk.ui.steps import RuleButton

    v = view(
        "activation_form",
        4,
        {"cloud_username": "tm.chan", "needs_new_password": False},
        message("activation.form"),
        message("activation.password_rules"),
        message("activation.phrase_rules"),
        inputs=("password", "revocation_phrase"),
    )
    show(demo_window, v, lang)
    page = demo_window.page
    assert page is not None
    rule = page.findChildren(RuleButton)[1]
    qtbot.mouseClick(rule, Qt.MouseButton.LeftButton)
    pop = rule.popover
    assert pop is not None
    qtbot.waitUntil(pop.isVisible, timeout=2_000)
    QApplication.processEvents()
    # Over the kiosk page only (not the side panel), across its whole text column.
    page_left = page.mapToGlobal(QPoint(0, 0)).x()
    left = pop.mapToGlobal(QPoint(0, 0)).x()
    assert page_left <= left and left + pop.width() <= page_left + page.width()
    assert pop.width() >= page.width() - 80
    # A visible frame: the popover's edge is drawn in the dark blue border colour.
    image = pop.grab().toImage()
    edge = image.pixelColor(1, image.height() // 2)
    assert edge == QColor("#00447c"), edge.name()
    assert all(
        not w.isVisible() or w.width() >= w.sizeHint().width()
        for w in pop.findChildren(QLabel)
        if not w.wordWrap()
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    # What a person sees: the window with the popover drawn where it stands.
    scene = demo_window.grab()
    painter = QPainter(scene)
    painter.drawPixmap(demo_window.mapFromGlobal(pop.mapToGlobal(QPoint(0, 0))), pop.grab())
    painter.end()
    assert scene.save(str(SHOTS / f"rule_popover_screen_{lang}.png"))
    assert pop.grab().save(str(SHOTS / f"rule_popover_{lang}.png"))
    pop.accept()


def test_keypad_word_keys_keep_a_margin_and_ticks_stand_apart_from_card_titles(
    qtbot: QtBot, demo_window: MainWindow, lang: str
) -> None:
    from datetime import UTC, datetime, timedelta

    from kiosk.ui.widgets import CertificateCard, Keypad

    expires = (datetime.now(UTC) + timedelta(seconds=300)).isoformat()
    v = view("email_code", 1, {"address": "tm.chan@abc.example", "code_expires_at": expires})
    show(demo_window, v, lang)
    pad = demo_window.page.findChild(Keypad) if demo_window.page else None
    assert pad is not None
    for key in ("clear", "back"):
        b = pad.buttons[key]
        room = b.width() - QFontMetrics(b.font()).horizontalAdvance(b.text())
        assert room >= 16, (b.text(), room)
    save(demo_window, f"keypad_{lang}")
    card = CertificateCard(CARD, lang, checkable=True, checked=True)
    qtbot.addWidget(card)
    card.resize(860, card.sizeHint().height())
    card.show()
    QApplication.processEvents()
    assert card.check is not None
    title = next(w for w in card.findChildren(QLabel) if w.property("role") == "cardType")
    gap = title.mapTo(card, QPoint(0, 0)).x() - (card.check.x() + card.check.width())
    assert gap >= 12
