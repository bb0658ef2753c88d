"""Pages of the wizard: the base `Page`, the fields page and the first screen. Which page
shows which step is the navmap's `page` key, resolved by kiosk/ui/registry.py.

A page renders one StepView and turns its widgets back into the inputs dict the flow's
`submit()` takes (`apply()`). It says whether Next may be pressed through `valid` / `busy` /
`error`, each change emitting `updated`; the shell does the rest. A page that has buttons of
its own (驗證, 獲取驗證碼…) asks the shell to submit through `submit_requested(dict)`.

Steps with no specialised page yet get GenericPage, which renders any StepView (title,
messages, certificate cards, inputs as fields): no step is ever a blank screen.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from kiosk import i18n
from kiosk.ui.contract import specs_of
from kiosk.ui.fit import keep_text_whole, refit_text
from kiosk.ui.keyboard import SecretToggle, touch_scroll, with_secret_toggle
from kiosk.ui.lobby_texts import lt
from kiosk.ui.texts import has, tr
from kiosk.ui.widgets import CertificateCard, Keypad, label, looks_like_certificate, set_role

if TYPE_CHECKING:
    from kiosk.flows.inputs import InputSpec
    from kiosk.flows.renewal import StepView


def message_text(message: Any, lang: str) -> str:
    """Text of a flow Message (`.text(lang)`), a {lang: text} dict or a plain string."""
    if message is None:
        return ""
    text_fn = getattr(message, "text", None)
    if callable(text_fn):
        return str(text_fn(lang))
    if isinstance(message, Mapping):
        return str(message.get(lang) or message.get("zh-Hant") or "")
    return str(message)


def message_help_code(message: Any) -> str | None:
    code = getattr(message, "help_code", None)
    if code is None and isinstance(message, Mapping):
        code = message.get("help_code") or message.get("code")
    return str(code) if code else None


def _set_help_code(widget: QLabel, code: str, lang: str) -> None:
    widget.setText(help_code_text(code, lang))


def help_code_text(code: str, lang: str) -> str:
    return i18n.help_code_line(code, lang)


@dataclass
class UiContext:
    """Settings pages need that are not part of a StepView (set once by the launcher)."""

    camera_source: str = "0"
    # Whether the person at the screen is counter staff (a staff session at a counter
    # terminal): only then may a page open an external browser.
    staff_at_screen: bool = False


CONTEXT = UiContext()


def field_specs(view: StepView) -> list[InputSpec]:
    """The inputs of a view a person types or ticks (not buttons, photos or choices)."""
    return [s for s in specs_of(view) if s.typed or s.kind == "flag"]


class _Flag:
    """A page state the shell reads (`valid`, `busy`), kept in `_<name>`: setting it to
    another value emits the page's `updated`."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.attr = f"_{name}"

    @overload
    def __get__(self, page: None, owner: type) -> _Flag: ...

    @overload
    def __get__(self, page: Page, owner: type) -> bool: ...

    def __get__(self, page: Page | None, owner: type) -> bool | _Flag:
        return self if page is None else getattr(page, self.attr)

    def __set__(self, page: Page, value: bool) -> None:
        if value != getattr(page, self.attr):
            setattr(page, self.attr, value)
            page.updated.emit()


class Page(QWidget):
    """Base of every page. Subclasses build their widgets in `build_view(view)`."""

    updated = Signal()
    submit_requested = Signal(dict)
    reprint_requested = Signal()  # R31: 列印收據 on an end page (kiosk/ui/receipt_panel.py)

    # Whether the shell shows its Next button for this page (a page may change it).
    shows_next: bool = True
    # Whether Next is shown on a last step too (an end state with a way on, e.g. R20/R21).
    next_on_last: bool = False
    # Pages whose widgets carry translated texts beyond bound labels (certificate cards) and
    # hold nothing typed are rebuilt on a language switch.
    rebuild_on_lang: bool = False

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view: StepView | None = None
        self.lang = "zh-Hant"
        self._valid = True
        self._busy = False
        self._error: Any = None
        self._texts: list[Callable[[str], None]] = []
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget()
        self.body = QVBoxLayout(body)
        self.body.setContentsMargins(32, 24, 32, 24)
        self.body.setSpacing(16)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        self.scroll_area = scroll
        # R35: every page scrolls by dragging, and says so while more is below the fold.
        self.more_below = touch_scroll(scroll, self.lang)
        # Below the scroll area, always in sight: what a page must never leave below the fold
        # (the declaration's required checkbox beside several certificate cards).
        self.footer_box = QWidget()
        self.footer_box.setObjectName("pageFooter")
        self.footer = QVBoxLayout(self.footer_box)
        self.footer.setContentsMargins(32, 8, 32, 12)
        self.footer_box.hide()
        outer.addWidget(self.footer_box)

    # -- state the shell reads -------------------------------------------------------------
    valid = _Flag()
    busy = _Flag()

    @property
    def error(self) -> Any:
        return self._error

    @error.setter
    def error(self, value: Any) -> None:
        self._error = value
        self.updated.emit()

    # -- rendering -------------------------------------------------------------------------
    def show_view(self, view: StepView, lang: str) -> None:
        if self.view is not None or self.body.count():
            _clear_layout(self.body)  # a rebuild (new language): not a second copy below
            _clear_layout(self.footer)
        self.view = view
        self.lang = lang
        self._texts.clear()
        self.build_view(view)
        self._add_receipt(view)
        self.footer_box.setVisible(self.footer.count() > 0)
        self.retranslate(lang)

    def build_view(self, view: StepView) -> None:
        raise NotImplementedError

    def _add_receipt(self, view: StepView) -> None:
        """R31: an end page says where the receipt is and offers the reprint, in sight."""
        data = getattr(view, "data", None)
        receipt = data.get("receipt") if isinstance(data, Mapping) else None
        if not getattr(view, "is_last", False) or not isinstance(receipt, Mapping):
            return
        from kiosk.ui.receipt_panel import ReceiptPanel

        panel = ReceiptPanel(receipt, self.bind)
        panel.reprint_requested.connect(self.reprint_requested)
        self.receipt_panel = panel
        self.footer.addWidget(panel)

    def bind(self, fn: Callable[[str], None]) -> None:
        """Register a text setter to run now and on every language switch."""
        self._texts.append(fn)

    def text(self, widget: QLabel | QPushButton | QCheckBox, key: str, **params: Any) -> None:
        self.bind(lambda lang: widget.setText(tr(key, lang, **params)))

    def message(self, widget: QLabel | QCheckBox, message: Any) -> None:
        self.bind(lambda lang: widget.setText(message_text(message, lang)))

    def retranslate(self, lang: str) -> None:
        if self.rebuild_on_lang and self.view is not None and lang != self.lang:
            self.show_view(self.view, lang)  # which runs retranslate again, in the new lang
            return
        self.lang = lang
        for fn in self._texts:
            fn(lang)
        self.more_below.retranslate(lang)

    def apply(self) -> dict[str, Any]:
        return {}

    def update_view(self, view: StepView) -> bool:
        """A new view of this page's own step, without an error: True if the page took it in
        place (keeping what it holds), False to be rebuilt (the default)."""
        return False

    def refused(self, view: StepView) -> None:
        """The flow refused this page's inputs and stays here (the shell shows the error).
        Pages holding what the flow has consumed (photos) reset it."""

    def next_label(self, lang: str) -> str:
        return tr("nav.next", lang)

    def disabled_hint(self, lang: str) -> str:
        """Why the primary button is greyed out (what is still missing), shown beside it."""
        return ""

    def wipe(self) -> None:
        """Forget everything typed (privacy wipe); the shell also drops the page."""
        for edit in self.findChildren(QLineEdit):
            edit.clear()

    # helpers for subclasses
    def add_title(self, key_or_text: str) -> QLabel:
        w = label("", "pageTitle")
        if has(key_or_text):
            self.text(w, key_or_text)
        else:
            w.setText(key_or_text)
        self.body.addWidget(w)
        return w

    def add_messages(self, messages: Sequence[Any]) -> None:
        for m in messages or ():
            w = label("", "info")
            self.message(w, m)
            self.body.addWidget(w)

    def add_help_codes(self, messages: Sequence[Any], *extra: Any) -> list[QLabel]:
        """求助碼：… for each help code the messages carry but their texts do not already say
        (some seed texts end in (求助碼：…)); `extra` adds codes the view carries elsewhere."""
        codes: list[str] = []
        for code in [message_help_code(m) for m in messages or ()] + [str(c) for c in extra if c]:
            if code and code not in codes:
                codes.append(code)
        said = "".join(message_text(m, "zh-Hant") for m in messages or ())
        shown: list[QLabel] = []
        for code in codes:
            if code in said:
                continue
            w = set_role(label("", wrap=False), "helpCode")
            w.setObjectName("helpCode")
            self.bind(functools.partial(_set_help_code, w, code))
            self.body.addWidget(w)
            shown.append(w)
        return shown


def _clear_layout(layout: Any) -> None:
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget()
        if widget is not None:
            widget.hide()
            widget.deleteLater()
        elif item.layout() is not None:
            _clear_layout(item.layout())


class _FocusWatcher(QObject):
    """Points the keypad at whichever field got focus."""

    def __init__(self, keypad: Keypad) -> None:
        super().__init__(keypad)
        self.keypad = keypad

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.FocusIn and isinstance(watched, QLineEdit):
            self.keypad.target = watched
        return False


def _view_title(view: StepView) -> str:
    data = getattr(view, "data", None)
    if isinstance(data, Mapping):
        for key in ("title", "heading"):
            if data.get(key):
                return message_text(data[key], "zh-Hant")
    step_id = str(getattr(view, "step_id", ""))
    return f"step.{step_id}" if has(f"step.{step_id}") else step_id


def _certificates_in(data: Any) -> list[Any]:
    found: list[Any] = []
    if isinstance(data, Mapping):
        for value in data.values():
            if isinstance(value, Sequence) and not isinstance(value, str | bytes):
                found.extend(v for v in value if looks_like_certificate(v))
    return found


class FieldsPage(Page):
    """Renders `view.inputs` as touch-friendly fields with a numeric keypad."""

    def build_fields(self, view: StepView) -> None:
        self.fields: dict[str, QLineEdit | QCheckBox] = {}
        # A secret field sits in a row with its 顯示 / 隱藏 toggle (a page may add to the row).
        self.rows: dict[str, QWidget] = {}
        self.toggles: list[SecretToggle] = []
        # Live rule feedback under the fields the flow checks (R23, R24, confirmations).
        self.feedback: dict[str, tuple[InputSpec, QLabel]] = {}
        specs = field_specs(view)
        keypad: Keypad | None = None
        if any(s.kind == "digits" or s.charset == "id" for s in specs):
            keypad = Keypad(self.lang, parens=any(s.charset == "id" for s in specs))
            self.bind(keypad.retranslate)
            watcher = _FocusWatcher(keypad)
        # Fields on the left, the keypad on the right: all of it fits a 900-px-high screen.
        self.form = QVBoxLayout()
        self.form.setSpacing(12)
        row = QHBoxLayout()
        row.setSpacing(32)
        row.addLayout(self.form, 1)
        if keypad is not None:
            row.addWidget(keypad, 0, Qt.AlignmentFlag.AlignTop)
        self.body.addLayout(row)
        step_id = str(getattr(view, "step_id", ""))
        for spec in specs:
            # A step may name a field differently (staff password vs "雲簽"簽名密碼).
            key = next(
                (k for k in (f"field.{step_id}.{spec.name}", f"field.{spec.name}") if has(k)), None
            )
            caption = tr(key, self.lang) if key else spec.name
            if spec.kind == "flag":
                box = QCheckBox(caption)
                box.setObjectName(f"input_{spec.name}")
                if key:
                    self.text(box, key)
                box.toggled.connect(lambda _=False: self._check())
                self.fields[spec.name] = box
                self.form.addWidget(box)
                continue
            cap = label(caption, "sectionTitle")
            if key:
                self.text(cap, key)
            edit = QLineEdit()
            edit.setObjectName(f"input_{spec.name}")
            if spec.kind == "secret":
                edit.setEchoMode(QLineEdit.EchoMode.Password)
            if spec.kind == "digits":
                edit.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
            if spec.max_len is not None:
                edit.setMaxLength(spec.max_len)
            edit.textChanged.connect(lambda _="": self._check())
            edit.returnPressed.connect(self._enter)
            if keypad is not None:
                edit.installEventFilter(watcher)
                if keypad.target is None:
                    keypad.target = edit
            self.fields[spec.name] = edit
            self.form.addWidget(cap)
            if spec.kind == "secret":
                secret_row, toggle = with_secret_toggle(edit, self.lang)
                self.bind(toggle.retranslate)
                self.toggles.append(toggle)
                self.rows[spec.name] = secret_row
                self.form.addWidget(secret_row)
            else:
                self.form.addWidget(edit)
            if spec.kind == "secret" and (spec.check is not None or spec.confirm_of):
                fb = set_role(label(""), "hint")
                fb.setObjectName(f"rules_{spec.name}")
                fb.hide()
                self.feedback[spec.name] = (spec, fb)
                self.form.addWidget(fb)
        if self.feedback:
            self.bind(lambda _lang: self._show_feedback())
        self.form.addStretch(1)
        self._check()

    def _show_feedback(self) -> None:
        """What is still wrong with each checked field, by the flow's own rules, as it is
        typed (nothing while it is empty)."""
        typed = {n: w.text() for n, w in self.fields.items() if isinstance(w, QLineEdit)}
        for name, (spec, fb) in getattr(self, "feedback", {}).items():
            value = typed.get(name, "")
            if not value:
                fb.hide()
                continue
            problems = spec.problems(value, typed)
            if problems:
                fb.setText("\n".join(message_text(m, self.lang) for m in problems))
            else:
                fb.setText(lt("rules.ok", self.lang))
            fb.setProperty("ok", not problems)
            fb.setStyleSheet("" if problems else "color: #1b7a3a;")
            fb.show()

    def _enter(self) -> None:
        if self.valid and not self.busy:
            self.submit_requested.emit(self.apply())

    def _check(self) -> None:
        self._show_feedback()
        ok = True
        for w in self.fields.values():
            if isinstance(w, QLineEdit) and not w.text().strip():
                ok = False
            if isinstance(w, QCheckBox) and not w.isChecked():
                ok = False
        self.valid = ok

    def apply(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, w in self.fields.items():
            out[name] = w.isChecked() if isinstance(w, QCheckBox) else w.text().strip()
        return out


class GenericPage(FieldsPage):
    """Any StepView: title, messages, certificate cards, inputs as fields."""

    def build_view(self, view: StepView) -> None:
        self.add_title(_view_title(view))
        messages = list(getattr(view, "messages", ()) or ())
        if messages and getattr(view, "outcome", None) in ("refused", "staff"):
            # The renewal cannot go on here: say so in the refusal style, not as a hint.
            first = label("", "notice")
            self.message(first, messages.pop(0))
            self.body.addWidget(first)
        self.add_messages(messages)
        data = getattr(view, "data", None)
        handoff = data.get("handoff_code") if isinstance(data, Mapping) else None
        self.add_help_codes(list(getattr(view, "messages", ()) or ()), handoff)
        for cert in _certificates_in(getattr(view, "data", None)):
            card = CertificateCard(cert, self.lang)
            self.body.addWidget(card)
        self.build_fields(view)
        self.body.addStretch(1)


class ModePage(Page):
    """First screen: staff at a counter terminal, or the holder alone (self-service)."""

    shows_next = False
    chosen = Signal(str)

    def build_view(self, view: StepView) -> None:
        title = label("", "pageTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text(title, "mode.title")
        self.body.addStretch(1)
        self.body.addWidget(title)
        row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        row.setSpacing(40)
        row.addStretch(1)
        self.mode_row = row
        self.buttons: dict[str, QPushButton] = {}
        self.hints: dict[str, QLabel] = {}
        for mode, key in (("staff", "mode.staff"), ("self", "mode.self")):
            col = QVBoxLayout()
            b = QPushButton()
            b.setObjectName(f"mode_{mode}")
            set_role(b, "mode", primary=(mode == "self"))
            self.text(b, key)
            b.clicked.connect(lambda _=False, m=mode: self.choose(m))
            hint = label("", "hint")
            hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.text(hint, f"{key}.hint")
            col.addWidget(b)
            col.addWidget(hint)
            row.addLayout(col)
            self.buttons[mode] = b
            self.hints[mode] = hint
            keep_text_whole(b)
        row.addStretch(1)
        self.body.addLayout(row)
        self.body.addStretch(2)

    def retranslate(self, lang: str) -> None:
        super().retranslate(lang)
        for b in getattr(self, "buttons", {}).values():
            refit_text(b)
        self._arrange()

    def _arrange(self) -> None:
        """The two choices side by side when they fit, else one above the other (at A++
        in Portuguese they are wider together than the window)."""
        row = getattr(self, "mode_row", None)
        if row is None or not all(shiboken6.isValid(b) for b in self.buttons.values()):
            return  # a queued call reaching a page already taken down
        shown = [b for b in self.buttons.values() if not b.isHidden()]
        need = sum(b.sizeHint().width() for b in shown) + row.spacing() * (len(shown) - 1)
        room = self.width() - self.body.contentsMargins().left() * 2 - 24
        wanted = (
            QBoxLayout.Direction.TopToBottom if need > room else QBoxLayout.Direction.LeftToRight
        )
        if row.direction() != wanted:
            row.setDirection(wanted)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self._arrange()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt name)
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            # The text-size control: the buttons' new widths are known once they are polished.
            QTimer.singleShot(0, self._arrange)

    def public_only(self) -> None:
        """A lobby kiosk's first screen: 自助服務 and the languages, no staff sign-in."""
        self.buttons["staff"].hide()
        self.hints["staff"].hide()

    def choose(self, mode: str) -> None:
        self.chosen.emit(mode)
        self.submit_requested.emit({"mode": mode})
