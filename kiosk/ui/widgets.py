"""Small reusable widgets: step indicator, certificate card, numeric keypad, error panel,
busy overlay. None of them know about the flow; pages feed them view-model values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk import i18n
from kiosk.ui.texts import tr

W = TypeVar("W", bound=QWidget)


def set_role(widget: W, role: str, **props: object) -> W:
    """Tag a widget for the style sheet (`QLabel[role="info"]`)."""
    widget.setProperty("role", role)
    for key, value in props.items():
        widget.setProperty(key, value)
    return widget


def restyle(widget: QWidget) -> None:
    """Re-apply the style sheet after a dynamic property changed."""
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


def label(text: str, role: str | None = None, *, wrap: bool = True) -> QLabel:
    w = QLabel(text)
    w.setTextFormat(Qt.TextFormat.PlainText)  # backend texts are never markup (issue 12)
    w.setWordWrap(wrap)
    w.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
    if role:
        set_role(w, role)
    return w


class KioskDialog(QDialog):
    """A modal dialog over the kiosk's full-screen window, with no window frame to drag or
    close it by: its title, then a column (`lay`) the dialog fills. `card`: the staff
    dialogs' white card with a blue border."""

    def __init__(
        self,
        name: str,
        title: str,
        parent: QWidget | None,
        *,
        margins: tuple[int, int, int, int] = (32, 24, 32, 24),
        spacing: int = 12,
        card: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setModal(True)
        self.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
        if card:
            self.setStyleSheet(
                f"#{name} {{ background: white; border: 2px solid #1f5f99; border-radius: 12px; }}"
            )
        self.lay = QVBoxLayout(self)
        self.lay.setContentsMargins(*margins)
        self.lay.setSpacing(spacing)
        self.title = QLabel(title)
        self.title.setProperty("role", "pageTitle")
        self.lay.addWidget(self.title)


class StepIndicator(QFrame):
    """1 — 2 — 3 — 4 with the current step highlighted (steps before it shown done)."""

    STEPS = 4

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stepIndicator")
        self._current = 0
        self._lang = "zh-Hant"
        row = QHBoxLayout(self)
        row.setContentsMargins(24, 10, 24, 10)
        row.addStretch(1)
        self.dots: list[QLabel] = []
        self.names: list[QLabel] = []
        for n in range(1, self.STEPS + 1):
            if n > 1:
                row.addWidget(set_role(QLabel("—"), "dash"))
            col = QVBoxLayout()
            col.setSpacing(2)
            dot = QLabel(str(n))
            dot.setAlignment(Qt.AlignmentFlag.AlignCenter)
            set_role(dot, "dot", current=False, done=False)
            name = QLabel()
            name.setAlignment(Qt.AlignmentFlag.AlignCenter)
            set_role(name, "stepName", current=False)
            col.addWidget(dot, 0, Qt.AlignmentFlag.AlignHCenter)
            col.addWidget(name, 0, Qt.AlignmentFlag.AlignHCenter)
            row.addLayout(col)
            self.dots.append(dot)
            self.names.append(name)
        row.addStretch(1)
        self.retranslate(self._lang)

    @property
    def current(self) -> int:
        return self._current

    def set_current(self, step: int) -> None:
        """0 = before step 1 (sign-in, pending list): nothing highlighted."""
        self._current = step
        for n, (dot, name) in enumerate(zip(self.dots, self.names, strict=True), start=1):
            dot.setProperty("current", n == step)
            dot.setProperty("done", 0 < n < step)
            name.setProperty("current", n == step)
            restyle(dot)
            restyle(name)

    def retranslate(self, lang: str) -> None:
        self._lang = lang
        for n, name in enumerate(self.names, start=1):
            name.setText(tr(f"step.name.{n}", lang))


def _plain(cert: Any) -> dict[str, Any]:
    if is_dataclass(cert) and not isinstance(cert, type):
        return asdict(cert)
    if isinstance(cert, Mapping):
        return dict(cert)
    raise TypeError(f"not a certificate: {type(cert).__name__}")


def _text(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(getattr(value, "value", value))


def looks_like_certificate(value: Any) -> bool:
    try:
        d = _plain(value)
    except TypeError:
        return False
    return "serial" in d and "type" in d


class CertificateCard(QFrame):
    """The certificate card of SPEC 'Certificates' (the guide's field names and order)."""

    FIELDS = (
        ("card.serial", "serial"),
        ("card.expiry", "expiry"),
        ("card.status", "status"),
        ("card.holder", "holder_name"),
        ("card.email", "email"),
        ("card.org", "org_name"),
        ("card.department", "department"),
        ("card.position", "position"),
    )
    QUALIFIED_FIELDS = (("card.limit", "transaction_limit"), ("card.agent", "agent_qualification"))

    toggled = Signal(bool)

    def __init__(
        self,
        cert: Any,
        lang: str,
        *,
        checkable: bool = False,
        checked: bool = True,
        locked: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.cert = _plain(cert)
        grid = QGridLayout(self)
        grid.setContentsMargins(18, 14, 18, 14)
        grid.setHorizontalSpacing(18)
        ctype = _text(self.cert.get("type"))
        head = QHBoxLayout()
        head.setSpacing(16)  # the tick apart from the title
        self.check: QPushButton | None = None
        if checkable:
            # A big tick button rather than a QCheckBox: easier to hit on a touch screen.
            self.check = QPushButton("✔" if checked else "")
            self.check.setCheckable(True)
            self.check.setChecked(checked)
            self.check.setEnabled(not locked)
            self.check.setFixedSize(56, 56)
            self.check.setStyleSheet("min-height: 0; padding: 0; font-size: 28px;")
            self.check.toggled.connect(self._on_toggled)
            head.addWidget(self.check)
        head.addWidget(set_role(label(tr(f"type.{ctype}", lang)), "cardType"), 1)
        grid.addLayout(head, 0, 0, 1, 2)
        fields = list(self.FIELDS)
        if ctype == "qualified":
            fields += list(self.QUALIFIED_FIELDS)
        for row, (key, attr) in enumerate(fields, start=1):
            value = self.cert.get(attr)
            shown = tr(f"status.{_text(value)}", lang) if attr == "status" else _text(value)
            grid.addWidget(set_role(label(tr(key, lang), wrap=False), "cardKey"), row, 0)
            grid.addWidget(set_role(label(shown), "cardValue"), row, 1)
        grid.setColumnStretch(1, 1)

    @property
    def checked(self) -> bool:
        return self.check is not None and self.check.isChecked()

    def _on_toggled(self, on: bool) -> None:
        assert self.check is not None
        self.check.setText("✔" if on else "")
        self.toggled.emit(on)


class Keypad(QFrame):
    """On-screen keypad for codes and ID numbers (no Qt virtual keyboard plugin on the kiosk).

    Types into whichever line edit is its `target`. For ID numbers (`parens=True`) it also
    has the brackets of a Macao check digit and an ABC key that switches to the letters a
    passport number needs (P1000004), and 123 back to the digits.
    """

    def __init__(
        self, lang: str = "zh-Hant", *, parens: bool = False, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("keypad")
        self.target: QLineEdit | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.buttons: dict[str, QPushButton] = {}
        self.letter_buttons: dict[str, QPushButton] = {}
        # Macao ID numbers are written 1234567(8): the check digit needs its brackets, in a
        # fourth column so the pad stays four rows high.
        if parens:
            keys = ["1", "2", "3", "(", "4", "5", "6", ")", "7", "8", "9", "back"]
            keys += ["clear", "0", "abc"]
        else:
            keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "back"]
        self.digits = self._grid(keys, 4 if parens else 3, self.buttons)
        outer.addWidget(self.digits)
        self.letters: QWidget | None = None
        if parens:
            letters = [chr(c) for c in range(ord("A"), ord("Z") + 1)] + ["back", "123"]
            self.letters = self._grid(letters, 7, self.letter_buttons, letter=True)
            self.letters.hide()
            outer.addWidget(self.letters)
        self.retranslate(lang)

    def _grid(
        self, keys: list[str], columns: int, into: dict[str, QPushButton], letter: bool = False
    ) -> QWidget:
        box = QWidget()
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(8)
        for i, key in enumerate(keys):
            b = QPushButton("ABC" if key == "abc" else key)
            b.setObjectName(f"key_{key}")
            if letter:
                b.setProperty("letter", True)
            if key in ("clear", "back", "abc", "123"):
                b.setProperty("word", True)  # a word, not a digit: a smaller size keeps a margin
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keep the caret in the target field
            b.clicked.connect(lambda _=False, k=key: self.press(k))
            grid.addWidget(b, i // columns, i % columns)
            into[key] = b
        return box

    @property
    def showing_letters(self) -> bool:
        return self.letters is not None and self.letters.isVisibleTo(self)

    def retranslate(self, lang: str) -> None:
        self.buttons["clear"].setText(tr("keypad.clear", lang))
        self.buttons["back"].setText(tr("keypad.backspace", lang))
        if "back" in self.letter_buttons:
            self.letter_buttons["back"].setText(tr("keypad.backspace", lang))

    def press(self, key: str) -> None:
        if key in ("abc", "123") and self.letters is not None:
            self.digits.setVisible(key == "123")
            self.letters.setVisible(key == "abc")
            return
        if self.target is None:
            return
        if key == "clear":
            self.target.clear()
        elif key == "back":
            self.target.backspace()
        else:
            self.target.insert(key)


class ErrorPanel(QFrame):
    """The message and its 求助碼, as the registry's own screens show them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorPanel")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(16, 10, 16, 10)
        col = QVBoxLayout()
        self.message = label("")
        self.help = set_role(label("", wrap=False), "helpCode")
        col.addWidget(self.message)
        col.addWidget(self.help)
        lay.addLayout(col, 1)
        self.close_button = QPushButton()
        self.close_button.clicked.connect(self.clear)
        lay.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_error(self, text: str, help_code: str | None, lang: str) -> None:
        self.message.setText(text)
        # Some seed texts already end in (求助碼：…); say it once.
        if help_code and help_code not in text:
            self.help.setText(i18n.help_code_line(help_code, lang))
            self.help.show()
        else:
            self.help.setText("")
            self.help.hide()
        self.close_button.setText(tr("error.dismiss", lang))
        self.show()

    def clear(self) -> None:
        self.message.setText("")
        self.help.setText("")
        self.hide()


class KeypadInView(QObject):
    """When the error banner appears or grows (a bigger text size), the page's keypad is
    scrolled whole into view: the banner never pushes the keys under the footer, where a
    holder who has just typed a wrong code would not see them (issue 10 §5)."""

    def __init__(self, banner: QWidget, page: Any) -> None:
        super().__init__(banner)
        self.banner = banner
        self._page = page  # () -> the page shown, or None
        banner.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if event.type() in (QEvent.Type.Show, QEvent.Type.Resize, QEvent.Type.LayoutRequest):
            QTimer.singleShot(0, self, self.reveal)  # not after the banner is gone
        return False

    def reveal(self) -> None:
        from PySide6.QtWidgets import QApplication, QScrollArea

        page = self._page()
        if page is None or not self.banner.isVisible():
            return
        QApplication.sendPostedEvents()  # the new text size laid out first
        for pad in page.findChildren(Keypad):
            parent = pad.parentWidget()
            while parent is not None and not isinstance(parent, QScrollArea):
                parent = parent.parentWidget()
            if pad.isVisible() and parent is not None:
                parent.ensureWidgetVisible(pad, 0, 8)


class BusyOverlay(QWidget):
    """Covers its parent while the flow works, so nothing can be pressed twice."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("busyOverlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        lay = QVBoxLayout(self)
        self.text = label("", wrap=False)
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(self.text)
        parent.installEventFilter(self)
        self.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        parent = self.parentWidget()
        if parent is not None and watched is parent and event.type() == QEvent.Type.Resize:
            self.setGeometry(parent.rect())
        return False

    def start(self, text: str) -> None:
        self.text.setText(text)
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        self.raise_()
        self.show()

    def stop(self) -> None:
        self.hide()
