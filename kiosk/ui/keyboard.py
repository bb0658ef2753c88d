"""Touch widgets of the lobby kiosk (R35): an on-screen keyboard chosen by a field's input
spec, a show/hide toggle for secret fields, drag-to-scroll with a "more below" cue, and the
text-size control (A / A+ / A++).

The keyboard reads only the attributes of the flow's `InputSpec` (kiosk/flows/inputs.py),
through `InputSpecLike`, so it works with any object that has them. It types into the
QLineEdit it is attached to with `insert` / `backspace` (the field's max length and
validator still apply) and never takes the focus from it. It floats over the window, below
the field or above it, never over it.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QScroller,
    QScrollerProperties,
    QVBoxLayout,
    QWidget,
)

from kiosk.ui.lobby_texts import lt

TOUCH_MIN_PX = 48
KEY_PX = 56

# R23 counts any non-letter; the keyboard offers the printable ASCII specials (what a
# physical keyboard types without a compose key), no more.
PASSWORD_SYMBOLS = string.punctuation
LETTER_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
DIGIT_ROW = "1234567890"
ID_EXTRA = "()"  # a Macao ID's check digit: 1234567(8)


class InputSpecLike(Protocol):
    """What the keyboard reads of kiosk.flows.inputs.InputSpec."""

    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...  # digits | text | secret | choice | photo | flag
    @property
    def charset(self) -> str: ...  # digits | alnum | password | id | free
    @property
    def min_len(self) -> int: ...
    @property
    def max_len(self) -> int | None: ...
    @property
    def confirm_of(self) -> str | None: ...


LAYOUTS = ("digits", "alnum", "password", "id", "free")


def layout_for(spec: InputSpecLike) -> str | None:
    """The keyboard layout a field takes; None for a field not typed (choice, photo, flag)."""
    if spec.kind in ("choice", "photo", "flag"):
        return None
    if spec.charset in LAYOUTS:
        return spec.charset
    return {"digits": "digits", "secret": "password"}.get(spec.kind, "free")


def _chars_of(layout: str) -> tuple[str, str]:
    """(letters, symbols) of a layout: which letter keys it has and its symbol page."""
    if layout == "digits":
        return "", ""
    if layout == "alnum":
        return string.ascii_lowercase, ""
    if layout == "password":
        return string.ascii_lowercase, PASSWORD_SYMBOLS
    if layout == "id":
        return string.ascii_uppercase, ID_EXTRA
    return string.ascii_lowercase, PASSWORD_SYMBOLS + " "


class OnScreenKeyboard(QFrame):
    """A keyboard floating over `host` (the window). `attach(field, spec)` shows it for the
    field; a key press types into that field. Special keys: "shift", "symbols",
    "letters", "back", "clear", "done"."""

    typed = Signal(str)  # the key pressed (for the idle clock and tests); never the text

    def __init__(self, host: QWidget, lang: str = "zh-Hant", *, docked: bool = False) -> None:
        super().__init__(host)
        # Docked: the keyboard sits in its host's layout (a dialog's keypad) instead of
        # floating beside the field.
        self.docked = docked
        self.setObjectName("onScreenKeyboard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(
            "#onScreenKeyboard { background: #e8edf2; border: 1px solid #9aa7b4;"
            " border-radius: 10px; }"
        )
        self.host = host
        self.lang = lang
        self.target: QLineEdit | None = None
        self.layout_name = "digits"
        self.shifted = False
        self.on_symbols = False
        self.keys: dict[str, QPushButton] = {}
        self._key_scale = 1.0  # the text scale the keys are styled at
        self._grid_box: QWidget | None = None
        # (layout, its bottom margin) while a page is padded so its field can scroll above us
        self._padded: tuple[QLayout, int] | None = None
        self._watched: QLineEdit | None = None
        self._outer = QVBoxLayout(self)
        self._outer.setContentsMargins(12, 12, 12, 12)
        if not docked:
            self.hide()

    # -- public ----------------------------------------------------------------------------
    def attach(self, field: QLineEdit, spec: InputSpecLike | str) -> None:
        """Show the keyboard for `field`, with the layout of `spec` (or a layout name)."""
        layout = spec if isinstance(spec, str) else layout_for(spec)
        if layout is None:
            self.detach()
            return
        self.target = field
        if layout != self.layout_name or self._grid_box is None:
            self.layout_name = layout
            self.shifted = False
            self.on_symbols = False
            self._build()
        if self.docked:
            return
        if field is not self._watched:
            if self._watched is not None:
                self._watched.removeEventFilter(self)
            field.installEventFilter(self)
            self._watched = field
        self.show()
        self.raise_()
        self.place()
        # Again once the page has laid itself out (a rule line shown under the field above
        # moves this one down): never over the field.
        QTimer.singleShot(0, self.place)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        moved = event.type() in (QEvent.Type.Move, QEvent.Type.Resize)
        if watched is self.target and moved and self.isVisible():
            self.place()
        return False

    def detach(self) -> None:
        self.target = None
        self._unpad()
        self.hide()

    def _unpad(self) -> None:
        if self._padded is not None:
            lay, bottom = self._padded
            self._padded = None
            m = lay.contentsMargins()
            lay.setContentsMargins(m.left(), m.top(), m.right(), bottom)

    def _pad(self, area: QScrollArea, height: int) -> None:
        """Room below the page's content, so a field near its end can scroll up above the
        keyboard (the page alone may not scroll that far)."""
        inner = area.widget()
        lay = inner.layout() if inner is not None else None
        if lay is None or self._padded is not None:
            return
        m = lay.contentsMargins()
        self._padded = (lay, m.bottom())
        lay.setContentsMargins(m.left(), m.top(), m.right(), m.bottom() + height)
        lay.activate()
        QApplication.sendPostedEvents()

    def retranslate(self, lang: str) -> None:
        self.lang = lang
        if self._grid_box is not None:
            self._build()
            if self.isVisible() and not self.docked:
                self.place()

    def key_chars(self) -> set[str]:
        """Every character some key of this layout types (on any page, either case)."""
        letters, symbols = _chars_of(self.layout_name)
        chars = set(DIGIT_ROW) | set(letters) | set(symbols)
        if self.layout_name in ("alnum", "password", "free"):
            chars |= set(letters.upper())
        return chars

    def press(self, key: str) -> None:
        self.typed.emit(key)
        if key == "shift":
            self.shifted = not self.shifted
            self._label_letters()
            return
        if key in ("symbols", "letters"):
            self.on_symbols = key == "symbols"
            self._build()
            return
        if key == "done":
            if not self.docked:
                self.detach()
            return
        field = self.target
        if field is None:
            return
        if key == "back":
            field.backspace()
        elif key == "clear":
            field.clear()
        else:
            ch = key.upper() if self.shifted and key.isalpha() else key
            field.insert(" " if key == "space" else ch)
            if self.shifted and key.isalpha():
                self.shifted = False  # one capital, as phone keyboards do
                self._label_letters()

    def place(self) -> None:
        """Below the field when it fits in the host, else above it, else at the host's
        bottom with the field scrolled into view above it: never over the field."""
        field = self.target
        if field is None or self.docked:
            return
        host = self.host
        self.adjustSize()
        width = min(self.sizeHint().width(), host.width() - 16)
        height = self.sizeHint().height()
        self.resize(width, height)
        rect = _rect_in(field, host)
        x = max(8, min(rect.center().x() - width // 2, host.width() - width - 8))
        gap = 8
        if rect.bottom() + gap + height <= host.height():
            y = rect.bottom() + gap
        elif rect.top() - gap - height >= 0:
            y = rect.top() - gap - height
        else:
            y = host.height() - height
            area = _scroll_area_of(field)
            if area is not None:
                self._pad(area, height)
                # Scroll so the field ends above the keyboard.
                bar = area.verticalScrollBar()
                overlap = rect.bottom() + gap - y
                bar.setValue(bar.value() + max(0, overlap))
                rect = _rect_in(field, host)
            if rect.bottom() + gap > y:
                y = min(host.height() - height, rect.bottom() + gap)
        self.move(x, y)

    # -- building --------------------------------------------------------------------------
    def _rows(self) -> list[list[str]]:
        letters, symbols = _chars_of(self.layout_name)
        end = ["clear", "back", "done"]
        if self.layout_name == "digits":
            return [["1", "2", "3"], ["4", "5", "6"], ["7", "8", "9"], ["clear", "0", "back"]]
        if self.on_symbols:
            marks = symbols.replace(" ", "")
            rows = [list(marks[i : i + 11]) for i in range(0, len(marks), 11)]
            return [*rows, ["letters", *end]]
        rows = [list(DIGIT_ROW)]
        if self.layout_name == "id":
            rows[0] += list(ID_EXTRA)
            rows += [list(r.upper()) for r in LETTER_ROWS]
            return [*rows, end]
        rows += [list(r) for r in LETTER_ROWS]
        bottom = ["shift"]
        if symbols.strip():
            bottom.append("symbols")
        if " " in symbols:
            bottom.append("space")
        return [*rows, bottom + end]

    def _build(self) -> None:
        if self._grid_box is not None:
            self._outer.removeWidget(self._grid_box)
            self._grid_box.hide()
            self._grid_box.deleteLater()
        self.keys = {}
        box = QWidget(self)
        box.setObjectName("oskKeys")
        box.setStyleSheet("#oskKeys { background: transparent; }")
        grid = QVBoxLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(6)
        for row in self._rows():
            line = QHBoxLayout()
            line.setSpacing(6)
            line.addStretch(1)
            for key in row:
                line.addWidget(self._key(key))
            line.addStretch(1)
            grid.addLayout(line)
        self._grid_box = box
        self._outer.addWidget(box)
        box.show()  # now, not at the next event loop turn: the next tap may be on it
        self._label_letters()
        if self.isVisible() and not self.docked:
            self.place()

    def _key(self, key: str) -> QPushButton:
        b = QPushButton(self)
        b.setObjectName(f"osk_{key}")
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the caret stays in the field
        b.setAutoDefault(False)
        word = len(key) > 1
        # A keypad of digits has room for keys as wide as its word keys: easier to hit.
        wide = word or self.layout_name == "digits"
        b.setMinimumSize(KEY_PX * (2 if wide else 1), KEY_PX)
        b.setProperty("word", word)
        self._style_key(b)
        if word:
            b.setText(lt(f"key.{key}", self.lang))
        else:
            b.setText("&&" if key == "&" else key)
        if key == "shift":
            b.setCheckable(True)
        b.clicked.connect(lambda _=False, k=key: self.press(k))
        self.keys[key] = b
        return b

    def _style_key(self, b: QPushButton) -> None:
        # The key labels follow the text-size control (A / A+ / A++) like every other text;
        # the keys themselves stay at least KEY_PX (>= 48 px) and grow with their labels.
        self._key_scale = text_scale()
        size = round((18 if b.property("word") else 22) * self._key_scale)
        b.setStyleSheet(
            f"QPushButton {{ font-size: {size}px; padding: 0 8px; border-radius: 8px;"
            " background: white; border: 1px solid #9aa7b4; color: #1d2b36; }"
            "QPushButton:pressed { background: #c9d6e3; }"
            "QPushButton:checked { background: #1f5f99; color: white; }"
        )

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt name)
        # apply_text_scale() sets the application font, which reaches us as a font change:
        # restyle the keys at the new size (once per size: restyling is not a font change).
        if (
            event.type() in (QEvent.Type.FontChange, QEvent.Type.ApplicationFontChange)
            and self._key_scale != text_scale()
        ):
            self._key_scale = text_scale()
            for b in self.keys.values():
                self._style_key(b)
            if self.isVisible() and not self.docked:
                self.place()
        super().changeEvent(event)

    def _label_letters(self) -> None:
        upper = self.shifted or self.layout_name == "id"
        for key, b in self.keys.items():
            if len(key) == 1 and key.isalpha():
                b.setText(key.upper() if upper else key.lower())
        if "shift" in self.keys:
            self.keys["shift"].setChecked(self.shifted)


class KeyboardHost(QObject):
    """Shows `keyboard` for whichever line edit of its host gets the focus or a tap, with
    the layout of the spec `spec_for(field)` answers (None: no keyboard for that field).
    A page need not know about the keyboard: it only says which spec each field has."""

    def __init__(
        self,
        keyboard: OnScreenKeyboard,
        spec_for: Callable[[QLineEdit], InputSpecLike | str | None],
    ) -> None:
        super().__init__(keyboard)
        self.keyboard = keyboard
        self.spec_for = spec_for
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        app.focusChanged.connect(self._focus_changed)
        app.installEventFilter(self)

    def _offer(self, widget: object) -> None:
        if not isinstance(widget, QLineEdit) or widget.window() is not self.keyboard.window():
            return
        if widget.isReadOnly():
            return
        spec = self.spec_for(widget)
        if spec is None:
            self.keyboard.detach()
        else:
            self.keyboard.attach(widget, spec)

    def _focus_changed(self, _old: object, new: object) -> None:
        if isinstance(new, QLineEdit):
            self._offer(new)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        # A tap on the field that already has the focus brings back a keyboard put away
        # with 完成.
        if (
            event.type() == QEvent.Type.MouseButtonPress
            and isinstance(watched, QLineEdit)
            and (watched is not self.keyboard.target or not self.keyboard.isVisible())
        ):
            self._offer(watched)
        return False

    def stop(self) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.removeEventFilter(self)
            app.focusChanged.disconnect(self._focus_changed)


def _rect_in(widget: QWidget, host: QWidget) -> QRect:
    top_left = widget.mapTo(host, QPoint(0, 0))
    return QRect(top_left, widget.size())


def _scroll_area_of(widget: QWidget) -> QScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QScrollArea):
            return parent
        parent = parent.parentWidget()
    return None


class SecretToggle(QPushButton):
    """顯示 / 隱藏 beside a secret field: shows what was typed, for checking it."""

    def __init__(self, field: QLineEdit, lang: str = "zh-Hant") -> None:
        super().__init__()
        self.setObjectName("secretToggle")
        self.field = field
        self.lang = lang
        self.setCheckable(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setMinimumSize(TOUCH_MIN_PX * 2, TOUCH_MIN_PX)
        field.setEchoMode(QLineEdit.EchoMode.Password)
        self.toggled.connect(self._apply)
        self._apply(False)

    def _apply(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.field.setEchoMode(mode)
        self.setText(lt("secret.hide" if shown else "secret.show", self.lang))

    def retranslate(self, lang: str) -> None:
        self.lang = lang
        self._apply(self.isChecked())

    def hide_secret(self) -> None:
        """Back to dots (a wipe, a new page)."""
        self.setChecked(False)


def with_secret_toggle(field: QLineEdit, lang: str = "zh-Hant") -> tuple[QWidget, SecretToggle]:
    """A row: the secret field and its 顯示 / 隱藏 toggle."""
    row = QWidget()
    lay = QHBoxLayout(row)
    lay.setContentsMargins(0, 0, 0, 0)
    toggle = SecretToggle(field, lang)
    lay.addWidget(field, 1)
    lay.addWidget(toggle)
    return row, toggle


# -- scrolling ---------------------------------------------------------------------------------
def enable_drag_scroll(area: QAbstractScrollArea) -> None:
    """A finger (or the left mouse button) dragging the page scrolls it."""
    QScroller.grabGesture(area.viewport(), QScroller.ScrollerGestureType.LeftMouseButtonGesture)
    # A tap goes to the button under the finger at once: with the default press delay the
    # scroller held quick taps back and a toggle beside a field never saw them.
    scroller = QScroller.scroller(area.viewport())
    props = scroller.scrollerProperties()
    props.setScrollMetric(QScrollerProperties.ScrollMetric.MousePressEventDelay, 0.0)
    scroller.setScrollerProperties(props)


class MoreBelowCue(QLabel):
    """A band below a scroll area's viewport while some of its content is below the fold.

    It sits in space the area keeps free under its viewport (a bottom viewport margin as tall
    as the band) for as long as the content is taller than the area, so it never covers a
    line of the page; scrolled to the end, the band goes and the strip stays (no jump)."""

    GAP = 6  # above and below the band, inside the reserved strip

    def __init__(self, area: QScrollArea, lang: str = "zh-Hant") -> None:
        super().__init__(area)
        self.setObjectName("moreBelow")
        self.area = area
        self.lang = lang
        self._placing = self._again = False
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setStyleSheet(
            "#moreBelow { background: rgba(31, 95, 153, 225); color: white;"
            " font-size: 18px; padding: 8px; border-radius: 8px; }"
        )
        bar = area.verticalScrollBar()
        bar.valueChanged.connect(lambda _=0: self.update_cue())
        bar.rangeChanged.connect(lambda _a=0, _b=0: self.update_cue())
        area.installEventFilter(self)
        self.retranslate(lang)

    @property
    def more_below(self) -> bool:
        bar = self.area.verticalScrollBar()
        return bar.value() < bar.maximum()

    def retranslate(self, lang: str) -> None:
        self.lang = lang
        self.setText(lt("scroll.more", lang))
        self.update_cue()

    def _reserve(self) -> int:
        """The strip kept under the viewport: the band's height while the content is taller
        than the whole area, else none."""
        reserved = self.area.viewportMargins().bottom()
        # The bar's maximum counts the strip: the content overflows the area without it
        # exactly when the maximum exceeds the strip kept now.
        overflows = self.area.verticalScrollBar().maximum() > reserved
        self.adjustSize()
        want = self.sizeHint().height() + 2 * self.GAP if overflows else 0
        if want != reserved:
            self.area.setViewportMargins(0, 0, 0, want)
        return want

    def update_cue(self) -> None:
        if self._placing:
            self._again = True  # the strip changed the range meanwhile: place once more
            return
        self._placing = True
        try:
            for _ in range(3):
                self._again = False
                self._place()
                if not self._again:
                    break
        finally:
            self._placing = False

    def _place(self) -> None:
        reserved = self._reserve()
        show = reserved > 0 and self.more_below
        if show:
            view = self.area.viewport().geometry()
            w = min(view.width() - 16, self.sizeHint().width() + 24)
            h = self.sizeHint().height()
            top = view.bottom() + 1 + (reserved - h) // 2
            self.setGeometry(view.x() + (view.width() - w) // 2, top, w, h)
            self.raise_()
        self.setVisible(show)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self.update_cue()
        return False


def touch_scroll(area: QScrollArea, lang: str = "zh-Hant") -> MoreBelowCue:
    """Drag-to-scroll and the more-below cue on one scroll area."""
    enable_drag_scroll(area)
    return MoreBelowCue(area, lang)


# -- text size ---------------------------------------------------------------------------------
TEXT_SCALES = {"A": 1.0, "A+": 1.15, "A++": 1.3}
_PX = re.compile(r"font-size:\s*(\d+)px")


def scaled_style_sheet(qss: str, factor: float) -> str:
    return _PX.sub(lambda m: f"font-size: {round(int(m[1]) * factor)}px", qss)


def text_scale() -> float:
    """The text size chosen now, as a factor of the designed size (1.0 = A)."""
    from kiosk.ui.app import BASE_POINT_SIZE

    app = QApplication.instance()
    if not isinstance(app, QApplication) or BASE_POINT_SIZE <= 0:
        return 1.0
    return max(1.0, app.font().pointSizeF() / BASE_POINT_SIZE)


def apply_text_scale(factor: float) -> None:
    """Every text of the application `factor` times its designed size (fonts and QSS)."""
    from kiosk.ui.app import BASE_POINT_SIZE, app_font, style_sheet

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    font = app_font()
    font.setPointSizeF(BASE_POINT_SIZE * factor)
    app.setFont(font)
    app.setStyleSheet(scaled_style_sheet(style_sheet(), factor))


class TextSizeControl(QWidget):
    """The text size for the holder's session: one touch button that steps A -> A+ -> A++
    -> A (one button, not three: the title bar has no room for three beside the languages
    in Portuguese). It is labelled with the size a tap gives ("A+" on normal text), so it
    reads as "bigger". `reset()` (the privacy wipe) goes back to A."""

    changed = Signal(str)

    def __init__(self, apply: Callable[[float], None] = apply_text_scale) -> None:
        super().__init__()
        self.setObjectName("textSize")
        # The lang bar's look, at touch size; px sizes here are not scaled by the control.
        self.setStyleSheet(
            "#textSize QPushButton { min-height: 48px; min-width: 56px; padding: 2px 6px;"
            " background: #00447c; color: #ffffff; border: 2px solid #ffffff;"
            " border-radius: 8px; font-size: 19px; font-weight: bold; }"
            "#textSize QPushButton[enlarged=\"true\"] { background: #ffd200;"
            " color: #111111; border-color: #ffd200; }"
        )
        self._apply = apply
        self.current = "A"
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.button = QPushButton(self._next_name())
        self.button.setObjectName("textSizeButton")
        self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.button.setMinimumSize(TOUCH_MIN_PX, TOUCH_MIN_PX)
        self.button.clicked.connect(self.step)
        lay.addWidget(self.button)
        self.retranslate("zh-Hant")

    def retranslate(self, lang: str) -> None:
        self.lang = lang
        self.button.setToolTip(lt("textsize.label", lang))
        self.button.setAccessibleName(f"{lt('textsize.label', lang)}: {self.current}")

    def _next_name(self) -> str:
        names = list(TEXT_SCALES)
        return names[(names.index(self.current) + 1) % len(names)]

    def step(self) -> None:
        self.choose(self._next_name())

    def choose(self, name: str) -> None:
        if name == self.current:
            return
        self.current = name
        self.button.setText(self._next_name())
        self.button.setProperty("enlarged", name != "A")
        self.button.style().unpolish(self.button)
        self.button.style().polish(self.button)
        self.retranslate(self.lang)
        self._apply(TEXT_SCALES[name])
        self.changed.emit(name)

    def reset(self) -> None:
        self.choose("A")
