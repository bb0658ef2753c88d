"""R35: the on-screen keyboard, chosen by a field's input spec, typed by taps alone; the
show/hide toggle; drag-to-scroll and the more-below cue; the text-size control."""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QPoint, QPointF, QRect, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QScroller,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot
from ui_helpers import clipped_buttons, missing_glyphs, shot

from kiosk.ui.app import ensure_app
from kiosk.ui.keyboard import (
    PASSWORD_SYMBOLS,
    KeyboardHost,
    OnScreenKeyboard,
    SecretToggle,
    TextSizeControl,
    layout_for,
    touch_scroll,
)
from kiosk.ui.lockdown import PinDialog


@dataclass(frozen=True)
class Spec:
    """Stands for kiosk.flows.inputs.InputSpec (same attribute names)."""

    name: str
    kind: str
    charset: str
    min_len: int = 0
    max_len: int | None = None
    confirm_of: str | None = None


PASSWORD = Spec("password", "secret", "password", 8, 64)
PHRASE = Spec("revocation_phrase", "secret", "alnum", 8, 64)
CODE = Spec("sms_code", "digits", "digits", 6, 6)
ID_NUMBER = Spec("id_number", "text", "id", 1, 12)


def _host(qtbot: QtBot, lang: str = "zh-Hant") -> tuple[QWidget, list[QLineEdit], QScrollArea]:
    """A 1280x800 window: a scroll area with fields at the top, the middle and the bottom."""
    ensure_app()
    host = QWidget()
    host.resize(1280, 800)
    outer = QVBoxLayout(host)
    area = QScrollArea()
    area.setWidgetResizable(True)
    inner = QWidget()
    lay = QVBoxLayout(inner)
    fields = []
    for i in range(3):
        edit = QLineEdit()
        edit.setObjectName(f"field{i}")
        lay.addWidget(edit)
        fields.append(edit)
        if i < 2:
            lay.addSpacing(330)
    area.setWidget(inner)
    outer.addWidget(area)
    qtbot.addWidget(host)
    host.show()
    qtbot.waitExposed(host)
    return host, fields, area


def _tap(qtbot: QtBot, kb: OnScreenKeyboard, *keys: str) -> None:
    for key in keys:
        button = kb.keys[key]
        assert button.isVisible() and button.isEnabled(), key
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _rect(w: QWidget, host: QWidget) -> QRect:
    return QRect(w.mapTo(host, QPoint(0, 0)), w.size())


def _char_keys(kb: OnScreenKeyboard) -> set[str]:
    return {k for k in kb.keys if len(k) == 1}


def test_r35_layout_follows_the_input_spec() -> None:
    assert layout_for(PASSWORD) == "password"
    assert layout_for(PHRASE) == "alnum"
    assert layout_for(CODE) == "digits"
    assert layout_for(ID_NUMBER) == "id"
    assert layout_for(Spec("photo_jpeg", "photo", "free")) is None
    assert layout_for(Spec("accepted", "flag", "free")) is None


def test_r35_taps_alone_type_a_password_with_shift_and_symbols(qtbot: QtBot) -> None:
    host, fields, _ = _host(qtbot)
    kb = OnScreenKeyboard(host)
    field = fields[0]
    kb.attach(field, PASSWORD)
    _tap(qtbot, kb, "shift", "a", "b", "c", "1")
    assert kb.keys["a"].text() == "a"  # shift is one capital, then lower case again
    _tap(qtbot, kb, "symbols")
    assert "a" not in kb.keys
    _tap(qtbot, kb, "!", "&", "letters", "shift", "z", "9", "9")
    assert field.text() == "Abc1!&Z99"
    _tap(qtbot, kb, "back")
    assert field.text() == "Abc1!&Z9"
    # The field kept the keyboard's input without ever losing its focus to a key.
    assert all(b.focusPolicy() == Qt.FocusPolicy.NoFocus for b in kb.keys.values())
    _tap(qtbot, kb, "clear")
    assert field.text() == ""


def test_r35_password_layout_has_exactly_the_r23_symbols(qtbot: QtBot) -> None:
    host, fields, _ = _host(qtbot)
    kb = OnScreenKeyboard(host)
    kb.attach(fields[0], PASSWORD)
    letters_page = _char_keys(kb)
    assert letters_page == set(string.ascii_lowercase) | set(string.digits)
    _tap(qtbot, kb, "symbols")
    symbols_page = _char_keys(kb)
    assert symbols_page == set(PASSWORD_SYMBOLS) == set(string.punctuation)
    assert len(PASSWORD_SYMBOLS) == 32
    # "&" is a mnemonic marker in a button's text: it must still read "&".
    assert kb.keys["&"].text().replace("&&", "&") == "&"
    shift_on = kb.key_chars()
    assert set(string.ascii_uppercase) <= shift_on


def test_r35_alnum_layout_has_letters_and_digits_only(qtbot: QtBot) -> None:
    host, fields, _ = _host(qtbot)
    kb = OnScreenKeyboard(host)
    kb.attach(fields[0], PHRASE)
    assert _char_keys(kb) == set(string.ascii_lowercase) | set(string.digits)
    assert "symbols" not in kb.keys and "space" not in kb.keys
    assert kb.key_chars() == set(string.ascii_letters) | set(string.digits)
    _tap(qtbot, kb, "shift", "q", "w", "1", "2")
    assert fields[0].text() == "Qw12"


def test_r35_digit_and_id_layouts(qtbot: QtBot) -> None:
    host, fields, _ = _host(qtbot)
    kb = OnScreenKeyboard(host)
    kb.attach(fields[0], CODE)
    assert _char_keys(kb) == set(string.digits)
    _tap(qtbot, kb, "1", "0", "0", "0", "0", "1")
    assert fields[0].text() == "100001"
    kb.attach(fields[1], ID_NUMBER)
    assert _char_keys(kb) == set(string.digits) | set("()") | set(string.ascii_uppercase)
    _tap(qtbot, kb, "1", "0", "0", "0", "0", "0", "1", "(", "1", ")")
    assert fields[1].text() == "1000001(1)"
    _tap(qtbot, kb, "clear", "P", "1")
    assert fields[1].text() == "P1"
    assert fields[0].text() == "100001"  # the first field keeps what was typed into it


def test_r35_keys_are_touch_sized_and_the_keyboard_never_covers_its_field(
    qtbot: QtBot,
) -> None:
    host, fields, area = _host(qtbot)
    kb = OnScreenKeyboard(host)
    for spec in (PASSWORD, PHRASE, CODE, ID_NUMBER):
        for field in fields:
            area.ensureWidgetVisible(field)
            kb.attach(field, spec)
            QApplication.processEvents()
            kb_rect = _rect(kb, host)
            assert host.rect().contains(kb_rect), (spec.charset, field.objectName())
            field_rect = _rect(field, host)
            assert host.rect().contains(field_rect), (spec.charset, field.objectName())
            assert not kb_rect.intersects(field_rect), (spec.charset, field.objectName())
            for key, button in kb.keys.items():
                assert button.width() >= 48 and button.height() >= 48, key


def test_r35_secret_toggle_shows_and_hides(qtbot: QtBot) -> None:
    host, fields, _ = _host(qtbot)
    toggle = SecretToggle(fields[0], "pt")
    toggle.setParent(host)
    toggle.show()
    assert fields[0].echoMode() == QLineEdit.EchoMode.Password
    assert toggle.text() == "Mostrar"
    qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)
    assert fields[0].echoMode() == QLineEdit.EchoMode.Normal
    assert toggle.text() == "Ocultar"
    toggle.hide_secret()
    assert fields[0].echoMode() == QLineEdit.EchoMode.Password
    assert toggle.width() >= 48 and toggle.height() >= 48


def _drag(widget: QWidget, start: QPoint, end: QPoint, steps: int = 12) -> None:
    def send(kind: QMouseEvent.Type, pos: QPoint, buttons: Qt.MouseButton) -> None:
        glob = widget.mapToGlobal(pos)
        event = QMouseEvent(
            kind, QPointF(pos), QPointF(glob), Qt.MouseButton.LeftButton, buttons,
            Qt.KeyboardModifier.NoModifier,
        )
        QApplication.sendEvent(widget, event)
        QApplication.processEvents()

    left = Qt.MouseButton.LeftButton
    send(QMouseEvent.Type.MouseButtonPress, start, left)
    for i in range(1, steps + 1):
        p = start + (end - start) * (i / steps)
        send(QMouseEvent.Type.MouseMove, p, left)
    send(QMouseEvent.Type.MouseButtonRelease, end, Qt.MouseButton.NoButton)


def test_r35_drag_scrolls_and_a_cue_says_there_is_more_below(qtbot: QtBot) -> None:
    host, _, area = _host(qtbot)
    cue = touch_scroll(area, "zh-Hant")
    QApplication.processEvents()
    assert QScroller.hasScroller(area.viewport())
    bar = area.verticalScrollBar()
    assert bar.maximum() > 0 and bar.value() == 0
    assert cue.isVisible() and "下方尚有內容" in cue.text()
    view = area.viewport()
    _drag(view, QPoint(600, view.height() - 40), QPoint(600, 40))
    qtbot.waitUntil(lambda: QScroller.scroller(view).state() == QScroller.State.Inactive)
    assert bar.value() > 0  # the page moved with the finger
    bar.setValue(bar.maximum())
    assert not cue.isVisible()
    bar.setValue(0)
    assert cue.isVisible()


def test_r35_text_size_control_scales_the_text(qtbot: QtBot) -> None:
    app = ensure_app()
    control = TextSizeControl()
    qtbot.addWidget(control)
    label = QLabel("證書")
    label.setProperty("role", "pageTitle")
    qtbot.addWidget(label)
    label.show()
    control.show()
    base_point = app.font().pointSizeF()
    base_px = label.fontInfo().pixelSize()
    button = control.button
    assert button.width() >= 48 and button.height() >= 48
    assert button.text() == "A+"  # what a tap gives
    try:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert button.text() == "A++" and control.current == "A+"
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert button.text() == "A" and control.current == "A++"
        assert app.font().pointSizeF() == pytest.approx(base_point * 1.3)
        label.style().unpolish(label)
        label.style().polish(label)
        assert label.fontInfo().pixelSize() >= base_px * 1.25
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # A++ steps round to A
        assert control.current == "A" and app.font().pointSizeF() == pytest.approx(base_point)
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert control.current == "A+"
    finally:
        control.reset()
    assert app.font().pointSizeF() == pytest.approx(base_point)
    label.style().unpolish(label)
    label.style().polish(label)
    assert label.fontInfo().pixelSize() == base_px


@pytest.mark.parametrize("lang", ["zh-Hant", "pt"])
def test_r35_screenshots_of_the_layouts_and_the_pin_dialog(qtbot: QtBot, lang: str) -> None:
    host, fields, _ = _host(qtbot, lang)
    kb = OnScreenKeyboard(host, lang)
    for spec, name in ((PASSWORD, "password"), (PHRASE, "alnum"), (CODE, "digits"),
                       (ID_NUMBER, "id")):
        kb.attach(fields[0], spec)
        QApplication.processEvents()
        assert clipped_buttons(kb) == [] and missing_glyphs(kb) == set()
        shot(host, f"r35_keyboard_{name}_{lang}")
    kb.attach(fields[0], PASSWORD)
    _tap(qtbot, kb, "symbols")
    shot(host, f"r35_keyboard_password_symbols_{lang}")

    class Wrong:
        outcome, tries_left = "wrong", 2

    class Locked:
        outcome, tries_left = "locked", 0

        def seconds_locked(self, now: datetime) -> int:
            return int((datetime.now(UTC) + timedelta(minutes=5) - now).total_seconds())

    answers = [Wrong(), Locked()]
    dialog = PinDialog(lambda _pin: answers.pop(0), lang, host)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    for key in "1234":
        qtbot.mouseClick(dialog.keypad.keys[key], Qt.MouseButton.LeftButton)
    assert dialog.field.text() == "1234"
    for b in dialog.findChildren(QPushButton):
        assert b.height() >= 48, b.text()
    shot(dialog, f"r35_pin_dialog_{lang}")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.field.text() == ""
    qtbot.waitUntil(lambda: not dialog.checking)
    assert ("2" in dialog.message.text()) and dialog.message.isVisible()
    shot(dialog, f"r35_pin_dialog_wrong_{lang}")
    qtbot.mouseClick(dialog.keypad.keys["5"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.checking)
    assert "5:00" in dialog.message.text() or "4:59" in dialog.message.text()
    assert not dialog.ok_button.isEnabled()
    shot(dialog, f"r35_pin_dialog_locked_{lang}")


def test_r35_keyboard_host_follows_the_tapped_field(qtbot: QtBot) -> None:
    host, fields, _ = _host(qtbot)
    kb = OnScreenKeyboard(host)
    specs = {"field0": PASSWORD, "field1": CODE}
    keyboard_host = KeyboardHost(kb, lambda f: specs.get(f.objectName()))
    try:
        qtbot.mouseClick(fields[0], Qt.MouseButton.LeftButton)
        assert kb.isVisible() and kb.target is fields[0] and kb.layout_name == "password"
        _tap(qtbot, kb, "x", "1")
        qtbot.mouseClick(fields[1], Qt.MouseButton.LeftButton)
        assert kb.target is fields[1] and kb.layout_name == "digits"
        _tap(qtbot, kb, "7")
        assert (fields[0].text(), fields[1].text()) == ("x1", "7")
        qtbot.mouseClick(fields[2], Qt.MouseButton.LeftButton)  # a field with no spec
        assert not kb.isVisible()
        qtbot.mouseClick(fields[0], Qt.MouseButton.LeftButton)
        _tap(qtbot, kb, "done")
        assert not kb.isVisible()
        qtbot.mouseClick(fields[0], Qt.MouseButton.LeftButton)  # tapped again: back
        assert kb.isVisible() and kb.target is fields[0]
    finally:
        keyboard_host.stop()
