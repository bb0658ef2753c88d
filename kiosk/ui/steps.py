"""Specialised pages for the renewal flow's steps (kiosk/flows/renewal.py step ids).

Texts of the rules come from the flow's messages (`view.messages`, catalog ids); the pages
only arrange them, add the shell's own labels (kiosk/ui/texts.py) and say which inputs to
submit. Importing this module registers the pages in `kiosk.ui.pages.PAGES`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.ui.pages import (
    CONTEXT,
    FieldsPage,
    Page,
    message_text,
    register,
)
from kiosk.ui.texts import tr
from kiosk.ui.widgets import CertificateCard, Keypad, label, set_role

log = logging.getLogger(__name__)


def find_message(view: Any, msg_id: str) -> Any:
    for m in getattr(view, "messages", ()) or ():
        if getattr(m, "id", None) == msg_id:
            return m
    return None


def other_messages(view: Any, *skip: str) -> list[Any]:
    return [m for m in getattr(view, "messages", ()) or () if getattr(m, "id", None) not in skip]


def _data(view: Any) -> Mapping[str, Any]:
    data = getattr(view, "data", None)
    return data if isinstance(data, Mapping) else {}


def _parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


@register("sign_in", "sign_in_code", "staff_login", "staff_lookup")
class SignInPage(FieldsPage):
    """Holder sign-in (ID number, then the SMS code) and the staff sign-in / look-up."""

    def build_view(self, view: Any) -> None:
        self.add_title(f"step.{view.step_id}")
        self.add_messages(getattr(view, "messages", ()))
        self.build_fields(view)
        self.body.addStretch(1)
        first = next(iter(self.fields.values()), None)
        if isinstance(first, QLineEdit):
            first.setFocus()

    def refused(self, view: Any) -> None:
        # A wrong code is no use to correct by hand: the field is emptied for the next one.
        # (A mistyped ID number stays, to be corrected.)
        for name, edit in self.fields.items():
            if "code" in name and isinstance(edit, QLineEdit):
                edit.clear()


@register("pending")
class PendingPage(Page):
    """R2/R3: the records waiting for identity verification, in the two sections of the
    guide ("雲簽"證書 / 非"雲簽"證書, each with its text), every one ticked and locked; the
    button says 開始鑑別(N)."""

    rebuild_on_lang = True

    def build_view(self, view: Any) -> None:
        data = _data(view)
        self.count = int(data.get("count") or 0)
        self.add_title("pending.title")
        intro = find_message(view, "pending.intro")
        if intro is not None:
            self.add_messages([intro])
        self.cards: list[CertificateCard] = []
        for key, group_key, msg_id in (
            ("pending.cloud.title", "cloud", "pending.cloud"),
            ("pending.noncloud.title", "non_cloud", "pending.noncloud"),
        ):
            group = list(data.get(group_key) or [])
            if not group:
                continue
            head = label("", "sectionTitle")
            head.setObjectName(f"section_{group_key}")
            self.text(head, key)
            self.body.addWidget(head)
            explanation = find_message(view, msg_id)
            if explanation is not None:
                text = label("", "hint")
                self.message(text, explanation)
                self.body.addWidget(text)
            for cert in group:
                # R3: confirmed by the institution's authorised person: ticked, not untickable.
                card = CertificateCard(cert, self.lang, checkable=True, checked=True, locked=True)
                self.cards.append(card)
                self.body.addWidget(card)
        self.body.addStretch(1)
        self.valid = self.count > 0

    def next_label(self, lang: str) -> str:
        start = find_message(self.view, "pending.start")
        return message_text(start, lang) if start is not None else tr("nav.next", lang)


@register("emails")
class EmailsPage(Page):
    """R4/R6/R7: each address with 驗證, or 已驗證 (and when); 下一步 only when all are."""

    def build_view(self, view: Any) -> None:
        data = _data(view)
        self.add_title("emails.title")
        self.add_messages(other_messages(view, "email.verified"))
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(12)
        self.rows: dict[str, QWidget] = {}
        for row, email in enumerate(data.get("emails") or []):
            address = str(email.get("address"))
            grid.addWidget(label(address, "sectionTitle", wrap=False), row, 0)
            if email.get("verified"):
                box = QWidget()
                lay = QVBoxLayout(box)
                lay.setContentsMargins(0, 0, 0, 0)
                mark = label("", "verified", wrap=False)
                self.text(mark, "emails.verified")
                lay.addWidget(mark)
                when = _parse_time(email.get("verified_at"))
                if when is not None:
                    lay.addWidget(
                        label(when.astimezone().strftime("%Y-%m-%d %H:%M"), "hint", wrap=False)
                    )
                grid.addWidget(box, row, 1)
                self.rows[address] = box
            else:
                b = QPushButton()
                b.setObjectName(f"verify_{row}")
                self.text(b, "emails.verify")
                b.clicked.connect(
                    lambda _=False, a=address: self.submit_requested.emit({"address": a})
                )
                grid.addWidget(b, row, 1)
                self.rows[address] = b
        grid.setColumnStretch(0, 1)
        self.body.addLayout(grid)
        self.body.addStretch(1)
        self.shows_next = bool(data.get("all_verified"))
        self.valid = self.shows_next

    def apply(self) -> dict[str, Any]:
        return {}


@register("email_code")
class EmailCodePage(Page):
    """R5/R6: 獲取驗證碼, the 300-second countdown, the 6-digit code, 驗證電郵地址."""

    def build_view(self, view: Any) -> None:
        data = _data(view)
        self.add_title("emails.title")
        # The keypad stands beside the address and the code, not below them: with the error
        # panel shown, all of it still fits a 1280x900 screen without scrolling.
        left = QVBoxLayout()
        left.setSpacing(12)
        # The address being verified, whole and across the page's width (wrapped when long),
        # above the code entry: with two addresses the holder must see which one it is.
        cap_address = label("", "cardKey")
        self.text(cap_address, "card.email")
        self.body.addWidget(cap_address)
        self.address = label(str(data.get("address") or ""), "sectionTitle")
        self.address.setObjectName("address")
        self.address.setWordWrap(True)
        self.address.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body.addWidget(self.address)
        row = QHBoxLayout()
        self.countdown = set_role(label("", wrap=False), "countdown")
        self.countdown.setObjectName("countdown")
        self.get_code = QPushButton()
        self.get_code.setObjectName("getCode")
        self.text(self.get_code, "emails.get_code")
        self.get_code.clicked.connect(lambda: self.submit_requested.emit({"action": "request"}))
        row.addWidget(self.get_code)
        row.addWidget(self.countdown)
        row.addStretch(1)
        left.addLayout(row)
        self.expires_at = _parse_time(data.get("code_expires_at"))
        cap = label("", "sectionTitle")
        self.bind(lambda lang: cap.setText(tr("field.email_code", lang) + " *"))
        left.addWidget(cap)
        self.code = QLineEdit()
        self.code.setObjectName("input_code")
        self.code.setMaxLength(6)
        self.code.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
        self.code.textChanged.connect(lambda _="": self._check())
        self.code.returnPressed.connect(self._enter)
        keypad = Keypad(self.lang)
        keypad.target = self.code
        self.bind(keypad.retranslate)
        krow = QHBoxLayout()
        krow.setSpacing(32)
        left.addWidget(self.code)
        for m in getattr(view, "messages", ()) or ():
            w = label("", "info")
            self.message(w, m)
            left.addWidget(w)
        left.addStretch(1)
        krow.addLayout(left, 1)
        krow.addWidget(keypad, 0, Qt.AlignmentFlag.AlignTop)
        self.body.addLayout(krow)
        self.body.addStretch(1)
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        self._tick()
        self._check()

    def remaining(self) -> int:
        if self.expires_at is None:
            return 0
        return max(0, int((self.expires_at - datetime.now(UTC)).total_seconds()))

    def _tick(self) -> None:
        left = self.remaining()
        self.countdown.setText(f"{left}s" if left else "")
        # R5: a new code can be asked for once the last one has run out.
        self.get_code.setEnabled(left == 0)
        if left == 0 and self.expires_at is not None:
            self._check()

    def _check(self) -> None:
        code = self.code.text().strip()
        self.valid = len(code) == 6 and code.isdigit() and self.expires_at is not None

    def _enter(self) -> None:
        if self.valid:
            self.submit_requested.emit(self.apply())

    def apply(self) -> dict[str, Any]:
        return {"action": "verify", "code": self.code.text().strip()}

    def refused(self, view: Any) -> None:
        self.code.clear()  # the wrong code is gone; the holder types the right one

    def next_label(self, lang: str) -> str:
        return tr("emails.verify_address", lang)

    def wipe(self) -> None:
        self._timer.stop()
        super().wipe()


@register("consent")
class ConsentPage(Page):
    """R9: the statement, the checkbox, then 同意; nothing is fetched before it."""

    def build_view(self, view: Any) -> None:
        self.add_title("consent.title")
        statement = find_message(view, "consent.text")
        if statement is not None:
            self.add_messages([statement])
        self.box = QCheckBox()
        self.box.setObjectName("agree")
        checkbox = find_message(view, "consent.checkbox")
        self.bind(lambda lang: self.box.setText(message_text(checkbox, lang) + " *"))
        self.box.toggled.connect(lambda on: setattr(self, "valid", on))
        # Not stretched: a tap beside the words must not tick it.
        self.body.addWidget(self.box, 0, Qt.AlignmentFlag.AlignLeft)
        self.body.addStretch(1)
        self.valid = False

    def apply(self) -> dict[str, Any]:
        return {"agree": self.box.isChecked()}

    def next_label(self, lang: str) -> str:
        return tr("consent.agree", lang)


def make_camera(page: Page, on_photo: Any) -> Any:
    """The live camera of a photo-taking page (PhotoPage, EidPage): its photos go to
    `on_photo`, its faults to the page's error panel, its texts follow the language.
    None (and an error logged) when the camera view cannot even be built."""
    try:
        from kiosk.ui.camera_view import CameraView

        camera = CameraView(CONTEXT.camera_source, lang=page.lang)
    except Exception as exc:  # noqa: BLE001 - a broken camera must not kill the page
        log.error("camera view failed: %s", type(exc).__name__)
        return None
    camera.photo_ready.connect(on_photo)
    # The camera view itself says what is wrong, with its help code and, once it gives up
    # reconnecting, that counter staff will help: the page does not repeat the same fault in
    # a second wording in the error panel.
    page.bind(camera.set_language)
    return camera


@register("photo")
class PhotoPage(Page):
    """R12: the live photo from kiosk.ui.camera_view. Once taken, the page's own 下一步
    (bottom right, with 上一步 to its left as on every page) submits the JPEG; the text
    above the camera follows it (拍照, then check the photo)."""

    shows_next = False

    def build_view(self, view: Any) -> None:
        self.add_title("step.photo")
        take = find_message(view, "photo.take")
        self.add_messages(other_messages(view, "photo.take"))
        self.camera: Any = make_camera(self, self._photo)
        if self.camera is None:
            if take is not None:
                self.add_messages([take])
            note = label("", "info")
            self.text(note, "photo.no_camera_view")
            self.body.addWidget(note)
            return
        self.instruction = label("", "info")
        self.instruction.setObjectName("photoInstruction")
        self.bind(self._show_instruction)
        self.body.addWidget(self.instruction)
        self.take_message = take
        self.camera.use_page_next(lambda lang: tr("camera.review", lang))
        self.camera.state_changed.connect(lambda _s: self._state())
        self.body.addWidget(self.camera, 1)
        self.shows_next = True
        self.valid = False
        self.camera.start()

    def _reviewing(self) -> bool:
        return bool(self.camera is not None and self.camera.state == "review")

    def _state(self) -> None:
        self._show_instruction(self.lang)
        self.valid = self._reviewing() and self.camera.has_photo()
        self.updated.emit()

    def _show_instruction(self, lang: str) -> None:
        if self._reviewing():
            self.instruction.setText(tr("photo.review", lang))
        elif self.take_message is not None:
            self.instruction.setText(message_text(self.take_message, lang))
        else:
            self.instruction.setText("")
        self.instruction.setVisible(bool(self.instruction.text()))

    def _photo(self, jpeg: bytes | bytearray) -> None:
        # The camera's own bytearray, passed through (no copy left behind): the flow
        # overwrites it once the bureau has seen it.
        photo = jpeg if isinstance(jpeg, bytearray) else bytearray(jpeg)
        self.submit_requested.emit({"photo_jpeg": photo})

    def apply(self) -> dict[str, Any]:
        held = self.camera.photo_buffer() if self.camera is not None else None
        # A copy the flow wipes after use; the view wipes its own on retake or when left.
        return {"photo_jpeg": bytearray(held) if held is not None else None}

    def disabled_hint(self, lang: str) -> str:
        if self.camera is None or self._reviewing():
            return ""
        return tr("hint.missing", lang, items=tr("hint.photo", lang))

    def refused(self, view: Any) -> None:
        # R12 照片未達檢測要求，請重新拍照。: back to the live preview for a new photo.
        if self.camera is not None:
            self.camera.show_rejected()

    def wipe(self) -> None:
        if self.camera is not None:
            self.camera.stop()
        super().wipe()


@register("confirm", "review", "face_result", "signed", "submitted")
class CertificatesPage(FieldsPage):
    """R13/R16: the renewal data as certificate cards, with the step's messages."""

    rebuild_on_lang = True

    def build_view(self, view: Any) -> None:
        self.add_title(f"step.{view.step_id}")
        messages = list(getattr(view, "messages", ()) or ())
        if find_message(view, "face.passed") is not None:
            # The similarity score means nothing to a holder: say only that the photo passed.
            note = label("", "info")
            self.text(note, "face.passed.short")
            self.body.addWidget(note)
            messages = other_messages(view, "face.passed")
        self.add_messages(messages)
        for cert in _data(view).get("certificates") or []:
            self.body.addWidget(CertificateCard(cert, self.lang))
        self.build_fields(view)
        self.body.addStretch(1)

    def next_label(self, lang: str) -> str:
        # 資料確認 leads to the declaration page, whose own button is 身份識別 (seed step 14):
        # this one is a plain 下一步.
        key = {"review": "nav.submit", "signed": "nav.continue"}.get(
            str(getattr(self.view, "step_id", "")), "nav.next"
        )
        return tr(key, lang)


class DeclarationDialog(QDialog):
    """R14: the six points verbatim, 關閉 / 同意. On pt/en pages each binding Chinese point
    has its translation under it, and a line says the Chinese text is the binding one."""

    def __init__(
        self,
        points: Sequence[str],
        lang: str,
        parent: QWidget | None = None,
        translations: Sequence[str | None] = (),
        binding_note: str = "",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("declarationDialog")
        self.setWindowTitle(tr("declaration.title", lang))
        outer = QVBoxLayout(self)
        outer.setContentsMargins(32, 24, 32, 24)
        outer.addWidget(label(tr("declaration.title", lang), "pageTitle"))
        # Six points and their translations are longer than a screen: they scroll, the
        # buttons stay.
        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(0, 0, 12, 0)
        if binding_note:
            note = label(binding_note, "info")
            note.setObjectName("bindingNote")
            lay.addWidget(note)
        if any(translations):
            lay.addWidget(label(tr("declaration.lead", "zh-Hant")))
            lead = label(tr("declaration.lead", lang), "hint")
            lead.setObjectName("declarationTranslation")
            lay.addWidget(lead)
        else:
            lay.addWidget(label(tr("declaration.lead", lang)))
        for i, point in enumerate(points):
            lay.addWidget(label(f"• {point}"))
            translated = translations[i] if i < len(translations) else None
            if translated:
                t = label(translated, "hint")
                t.setObjectName("declarationTranslation")
                t.setContentsMargins(24, 0, 0, 8)
                lay.addWidget(t)
        lay.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        lay = outer
        row = QHBoxLayout()
        row.addStretch(1)
        close = QPushButton(tr("declaration.close", lang))
        close.setObjectName("close")
        close.clicked.connect(self.reject)
        agree = QPushButton(tr("declaration.agree", lang))
        agree.setObjectName("agree")
        agree.setProperty("primary", True)
        agree.clicked.connect(self.accept)
        row.addWidget(close)
        row.addWidget(agree)
        lay.addLayout(row)
        self.resize(1000, 760)


@register("declaration")
class DeclarationPage(CertificatesPage):
    """R14: ticking the box opens the declaration; only 同意 ticks it."""

    agreed = False  # survives a rebuild for another language

    def build_fields(self, view: Any) -> None:
        self.fields = {}
        self.box = QCheckBox()
        self.box.setObjectName("agree")
        self.box.setChecked(self.agreed)
        self.bind(lambda lang: self.box.setText(tr("declaration.checkbox", lang) + " *"))
        self.box.clicked.connect(self._clicked)
        # Pinned below the scrolling cards, always in sight (three cards fill the screen).
        # Not stretched: a tap beside the words must not tick it.
        self.footer.addWidget(self.box, 0, Qt.AlignmentFlag.AlignLeft)
        self.valid = self.agreed

    def disabled_hint(self, lang: str) -> str:
        return "" if self.agreed else tr("hint.declaration", lang)

    def _clicked(self, on: bool) -> None:
        if not on:
            self.agreed = False
            self.valid = False
            return
        self.box.setChecked(False)
        data = _data(self.view)
        points = [str(p) for p in data.get("declaration") or []]
        translated = (data.get("declaration_translations") or {}).get(self.lang) or []
        note = (data.get("declaration_binding_note") or {}).get(self.lang, "")
        self.dialog = DeclarationDialog(
            points,
            self.lang,
            self,
            translations=translated,
            binding_note=note if any(translated) else "",
        )
        self.dialog.accepted.connect(self._agreed)
        self.dialog.open()

    def _agreed(self) -> None:
        self.agreed = True
        self.box.setChecked(True)
        self.valid = True

    def apply(self) -> dict[str, Any]:
        return {"agree": self.box.isChecked()}

    def next_label(self, lang: str) -> str:
        return tr("nav.identify", lang)


@register("activation_select")
class ActivationSelectPage(Page):
    """R17: tabs "雲簽"證書 / 非"雲簽"證書, 選取所有, 下一步 (N)."""

    rebuild_on_lang = True
    chosen: set[str] | None = None  # the holder's ticks, kept across a language rebuild

    def retranslate(self, lang: str) -> None:
        if self.view is not None and lang != self.lang and hasattr(self, "cards"):
            self.chosen = {str(c.cert.get("cert_id")) for c in self.cards if c.checked}
        super().retranslate(lang)

    def build_view(self, view: Any) -> None:
        data = _data(view)
        self.add_messages(other_messages(view, "activation.next"))
        tabs = QTabWidget()
        tabs.setObjectName("activationTabs")
        cloud_tab = QWidget()
        cl = QVBoxLayout(cloud_tab)
        selected = self.chosen if self.chosen is not None else set(data.get("selected") or [])
        self.cards: list[CertificateCard] = []
        for cert in data.get("cloud") or []:
            card = CertificateCard(
                cert, self.lang, checkable=True, checked=cert.get("cert_id") in selected
            )
            card.toggled.connect(lambda _=False: self._count())
            self.cards.append(card)
            cl.addWidget(card)
        self.select_all = QPushButton()
        self.select_all.setObjectName("selectAll")
        self.text(self.select_all, "activation.select_all")
        self.select_all.clicked.connect(self._all)
        cl.addWidget(self.select_all)
        cl.addStretch(1)
        other_tab = QWidget()
        ol = QVBoxLayout(other_tab)
        for cert in data.get("non_cloud") or []:
            ol.addWidget(CertificateCard(cert, self.lang))
        ol.addStretch(1)
        tabs.addTab(cloud_tab, tr("pending.cloud.title", self.lang))
        tabs.addTab(other_tab, tr("pending.noncloud.title", self.lang))
        self.body.addWidget(tabs, 1)
        self._count()

    def _all(self) -> None:
        for card in self.cards:
            if card.check is not None:
                card.check.setChecked(True)
        self._count()

    def _count(self) -> None:
        self.valid = any(c.checked for c in self.cards)
        self.updated.emit()

    def apply(self) -> dict[str, Any]:
        return {"cert_ids": [c.cert.get("cert_id") for c in self.cards if c.checked]}

    def next_label(self, lang: str) -> str:
        n = sum(1 for c in getattr(self, "cards", []) if c.checked)
        return tr("activation.next", lang, count=n)


class RuleButton(QPushButton):
    """ⓘ: shows a rule text in a popover (R23/R24). Drawn as an "i" in a circle: neither
    bundled font has the ⓘ character itself."""

    def __init__(self, message: Any, page: Page, title_key: str) -> None:
        super().__init__("i")
        self.title_key = title_key
        self.setObjectName("ruleInfo")
        self.popover: QDialog | None = None
        self.setFixedSize(56, 56)
        self.setStyleSheet(
            "min-height: 0; padding: 0; border-radius: 28px; font-size: 28px;"
            " font-weight: bold; font-style: italic;"
        )
        self.clicked.connect(lambda: self._show(message, page))

    def _show(self, message: Any, page: Page) -> None:
        # Parented to the page, not the button: the button's own style must not cascade.
        pop = QDialog(page)
        pop.setObjectName("rulePopover")
        pop.setMinimumWidth(640)
        self.popover = pop
        lay = QVBoxLayout(pop)
        lay.setContentsMargins(28, 24, 28, 24)
        lay.setSpacing(20)
        lay.addWidget(label(tr(self.title_key, page.lang), "sectionTitle"))
        # The seed's popover: a title, then one bullet per rule.
        text = message_text(message, page.lang)
        rules = [r.strip() for r in text.replace("；", "；\n").splitlines() if r.strip()]
        for rule in rules:
            lay.addWidget(label(f"• {rule}"))
        ok = QPushButton(tr("error.dismiss", page.lang))
        ok.clicked.connect(pop.accept)
        lay.addWidget(ok)
        # A framed card across the page's text column, just below the ⓘ: it covers whole
        # lines (not labels cut mid-word) and never spills over a side panel.
        pop.setWindowFlags(pop.windowFlags() | Qt.WindowType.FramelessWindowHint)
        pop.setStyleSheet(
            "QDialog#rulePopover { background: #ffffff; border: 3px solid #00447c;"
            " border-radius: 12px; }"
        )
        margin = 32
        width = max(480, page.width() - 2 * margin)
        pop.setFixedWidth(width)
        pop.adjustSize()
        top_left = page.mapToGlobal(page.rect().topLeft())
        below = self.mapToGlobal(self.rect().bottomLeft()).y() + 8
        bottom = top_left.y() + page.height()
        y = min(below, max(top_left.y(), bottom - pop.height()))
        pop.move(top_left.x() + margin, y)
        pop.open()


@register("activation_form")
class ActivationFormPage(FieldsPage):
    """R22-R24: "雲簽"用戶名稱 shown; password (and confirmation), revocation phrase, ⓘ."""

    def build_view(self, view: Any) -> None:
        data = _data(view)
        self.add_title("step.activation_form")
        # activation.form is the title itself; the rules live behind the ⓘ buttons.
        self.add_messages(
            other_messages(
                view, "activation.form", "activation.password_rules", "activation.phrase_rules"
            )
        )
        user = QLineEdit(str(data.get("cloud_username") or ""))
        user.setReadOnly(True)
        cap = label("", "sectionTitle")
        self.text(cap, "field.cloud_username")
        self.body.addWidget(cap)
        self.body.addWidget(user)
        self.build_fields(view)
        pw_rules = find_message(view, "activation.password_rules")
        phrase_rules = find_message(view, "activation.phrase_rules")
        rules = {
            "password": (pw_rules, "rules.password.title"),
            "password_confirm": (pw_rules, "rules.password.title"),
            "revocation_phrase": (phrase_rules, "rules.phrase.title"),
        }
        # Put an ⓘ beside each rule-bound field.
        for name, edit in self.fields.items():
            msg, title_key = rules.get(name, (None, ""))
            if msg is None or not isinstance(edit, QLineEdit):
                continue
            idx = self.form.indexOf(edit)
            self.form.removeWidget(edit)
            row = QWidget()
            rl = QHBoxLayout(row)
            rl.setContentsMargins(0, 0, 0, 0)
            rl.addWidget(edit, 1)
            rl.addWidget(RuleButton(msg, self, title_key))
            self.form.insertWidget(idx, row)
        self.body.addStretch(1)

    def next_label(self, lang: str) -> str:
        return tr("activation.activate", lang)  # seed step 22: 「激活證書」

    def apply(self) -> dict[str, Any]:
        out = super().apply()
        # Secrets travel as bytearrays so the flow can overwrite them after use.
        return {
            k: bytearray(str(v).encode()) if k != "cloud_username" else v for k, v in out.items()
        }


@register("activation_progress", "id_check", "precheck", "esign")
class ProgressPage(Page):
    """R26: activation runs in the background; the page asks the flow again until done."""

    shows_next = False
    POLL_MS = 1000
    MAX_BACKOFF_MS = 30_000

    def build_view(self, view: Any) -> None:
        self.add_title(f"step.{view.step_id}")
        self.add_messages(getattr(view, "messages", ()))
        self.body.addStretch(1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(lambda: self.submit_requested.emit({}))
        self.failures = 0
        self.polls = view.step_id == "activation_progress"
        # After an outage the holder can also ask again at once (重試 submits {}).
        self.shows_next = False
        if self.polls:
            self._timer.start(self._delay(view))

    def _delay(self, view: Any) -> int:
        if getattr(view, "error", None) is None:
            self.failures = 0
            return self.POLL_MS
        # A retryable error (connection, timeout): ask again later, backing off up to 30 s.
        self.failures += 1
        return int(min(self.POLL_MS * 2**self.failures, self.MAX_BACKOFF_MS))

    def refused(self, view: Any) -> None:
        if self.polls and getattr(view, "error", None) is not None:
            self.shows_next = True
            self.updated.emit()
            self._timer.start(self._delay(view))

    def apply(self) -> dict[str, Any]:
        self._timer.stop()
        return {}

    def next_label(self, lang: str) -> str:
        return tr("activation.retry", lang)

    def wipe(self) -> None:
        self._timer.stop()
        super().wipe()


@register("done", "offline_done")
class DonePage(Page):
    """R26 成功激活 with old/new serial and expiry; R19/R32 the offline notice."""

    rebuild_on_lang = True

    shows_next = False

    def build_view(self, view: Any) -> None:
        data = _data(view)
        self.add_title(f"step.{view.step_id}")
        self.add_messages(getattr(view, "messages", ()))
        # One card per renewed certificate (its type as the title, then key / value rows
        # that wrap): at 1280 px beside the demo panel a six-column table squeezed the type
        # to one character a line and pushed the new serial and expiry off the page.
        self.result_cards: list[QFrame] = []
        for n, r in enumerate(data.get("renewed") or []):
            card = QFrame()
            card.setObjectName("card")
            grid = QGridLayout(card)
            grid.setContentsMargins(18, 14, 18, 14)
            grid.setHorizontalSpacing(18)
            grid.setVerticalSpacing(6)
            title = label("", "cardType")
            self.text(title, f"type.{r.get('type')}")
            grid.addWidget(title, 0, 0, 1, 2)
            rows = (
                ("done.new_serial", "new_serial"),
                ("done.new_expiry", "new_expiry"),
                ("card.email", "email"),
                ("done.old_serial", "old_serial"),
                ("done.old_expiry", "old_expiry"),
            )
            for i, (key, attr) in enumerate(rows, start=1):
                k = set_role(label("", wrap=False), "cardKey")
                self.text(k, key)
                v = set_role(label(str(r.get(attr) or "")), "cardValue")
                v.setObjectName(f"{attr}_{n}")
                v.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                if attr.startswith("new_"):
                    v.setStyleSheet("font-weight: bold;")
                grid.addWidget(k, i, 0, Qt.AlignmentFlag.AlignTop)
                grid.addWidget(v, i, 1)
            grid.setColumnStretch(1, 1)
            self.result_cards.append(card)
            self.body.addWidget(card)
        for cert in data.get("non_cloud") or []:
            self.body.addWidget(CertificateCard(cert, self.lang))
        self.body.addStretch(1)


@register("eid")
class EidPage(Page):
    """R15: face recognition and a one-time SMS code: 獲取驗證碼, the live face, 核實身份."""

    def build_view(self, view: Any) -> None:
        data = _data(view)
        self.add_title("step.eid")
        self.challenged = bool(data.get("mobile_masked"))
        self.face: bytearray | None = None
        # Messages and the camera on the left, the code and its keypad on the right: all of
        # it fits a 1280x900 screen without scrolling.
        row = QHBoxLayout()
        row.setSpacing(32)
        left = QVBoxLayout()
        left.setSpacing(12)
        for m in getattr(view, "messages", ()) or ():
            w = label("", "info")
            self.message(w, m)
            left.addWidget(w)
        self.camera: Any = None
        if self.challenged:
            self.camera = make_camera(self, self._face)
            if self.camera is not None:
                # The photo is taken as the face once captured: 核實身份 is the one way on,
                # no second 下一步 inside the camera.
                self.camera.use_page_next(lambda lang: tr("camera.review", lang))
                self.camera.compact()  # beside the keypad: a smaller preview is enough
                self.camera.state_changed.connect(self._camera_state)
                left.addWidget(self.camera, 1)
                self.camera.start()
        if self.camera is None:
            left.addStretch(1)
        row.addLayout(left, 1)
        right = QVBoxLayout()
        right.setSpacing(8)
        self.get_code = QPushButton()
        self.get_code.setObjectName("getCode")
        self.text(self.get_code, "emails.get_code")
        self.get_code.setEnabled(not self.challenged)
        self.get_code.clicked.connect(lambda: self.submit_requested.emit({"action": "request"}))
        cap = label("", "sectionTitle")
        self.text(cap, "field.sms_code")
        right.addWidget(cap)
        self.code = QLineEdit()
        self.code.setObjectName("input_sms_code")
        self.code.setMaxLength(6)
        self.code.setMinimumWidth(130)
        self.code.setEnabled(self.challenged)
        self.code.textChanged.connect(lambda _="": self._check())
        # As in the seed (step 16): the code field with 獲取驗證碼 beside it, so the keypad
        # and the capture confirmation fit a 1280x900 screen in pt too.
        code_row = QHBoxLayout()
        code_row.setSpacing(8)
        code_row.addWidget(self.code, 1)
        code_row.addWidget(self.get_code)
        right.addLayout(code_row)
        keypad = Keypad(self.lang)
        keypad.target = self.code
        self.bind(keypad.retranslate)
        right.addWidget(keypad)
        # The capture confirmed beside the code, where it stays in sight.
        self.face_state = label("", "verified")
        self.face_state.setObjectName("faceState")
        self.bind(self._show_face_state)
        right.addWidget(self.face_state)
        right.addStretch(1)
        # The keypad's width, no more: the rest goes to the text and the camera.
        right_box = QWidget()
        right_box.setLayout(right)
        right.setContentsMargins(0, 0, 0, 0)
        right_box.setMaximumWidth(360)
        row.addWidget(right_box, 0)
        self.body.addLayout(row, 1)
        self._check()

    def _face(self, jpeg: bytes | bytearray) -> None:
        self._drop_face()
        self.face = jpeg if isinstance(jpeg, bytearray) else bytearray(jpeg)
        self._show_face_state(self.lang)
        self._check()

    def _camera_state(self, state: str) -> None:
        held = self.camera.photo_buffer() if self.camera is not None else None
        if state == "review" and held is not None:
            self._face(bytearray(held))
        elif state != "review" and self.face is not None:
            self._drop_face()  # 重新拍照: the old face is gone
            self._show_face_state(self.lang)
            self._check()

    def _drop_face(self) -> None:
        if self.face is not None:
            self.face[:] = b"\0" * len(self.face)
            self.face = None

    def _show_face_state(self, lang: str) -> None:
        taken = self.face is not None
        self.face_state.setText("✔ " + tr("eid.face_taken", lang) if taken else "")
        self.face_state.setVisible(taken)

    def disabled_hint(self, lang: str) -> str:
        missing = []
        if not self.challenged:
            missing.append(tr("hint.request_code", lang))
        if self.face is None:
            missing.append(tr("hint.photo", lang))
        code = self.code.text().strip()
        if not (len(code) == 6 and code.isdigit()):
            missing.append(tr("hint.sms_code", lang))
        if not missing:
            return ""
        return tr("hint.missing", lang, items=tr("hint.sep", lang).join(missing))

    def refused(self, view: Any) -> None:
        # The flow has overwritten the face it was given: take a new one with the new code.
        self.face = None
        self._show_face_state(self.lang)
        self.code.clear()
        if self.camera is not None:
            self.camera.reset()
        self._check()

    def _check(self) -> None:
        code = self.code.text().strip()
        self.valid = self.challenged and self.face is not None and len(code) == 6 and code.isdigit()
        self.updated.emit()  # the hint of what is missing follows every key

    def apply(self) -> dict[str, Any]:
        return {"action": "verify", "sms_code": self.code.text().strip(), "face_jpeg": self.face}

    def next_label(self, lang: str) -> str:
        return tr("eid.verify", lang)

    def wipe(self) -> None:
        if self.camera is not None:
            self.camera.stop()
        if self.face is not None:
            self.face[:] = b"\0" * len(self.face)
            self.face = None
        super().wipe()


@register("revoke_first")
class RevokeFirstPage(Page):
    """R20 (AC-AB-0015): the certificates to revoke first (type + 「前往撤銷頁面」), then
    激活證書 runs the pre-activation check again (submit {}); 上一步 where the flow allows.

    The link opens a browser only for counter staff: a lobby kiosk must never leave the
    kiosk, so there the holder is told where to revoke instead."""

    next_on_last = True

    def build_view(self, view: Any) -> None:
        self.add_title("step.revoke_first")
        messages = other_messages(view, "revoke.title")
        self.add_messages(messages)
        self.add_help_codes(list(getattr(view, "messages", ()) or ()))
        self.links: list[QPushButton] = []
        staff = CONTEXT.staff_at_screen
        for item in _data(view).get("revoke") or []:
            url = str(item.get("revoke_url") or "")
            row = QHBoxLayout()
            kind = label("", "sectionTitle", wrap=False)
            kind.setObjectName("revokeType")
            # Only "雲簽" certificates are activated (R17), so that is the default type.
            cert_type = str(item.get("type") or "cloud")
            self.text(kind, f"type.{cert_type}")
            row.addWidget(kind)
            if staff and url:
                b = QPushButton()
                b.setObjectName("revokeLink")
                self.text(b, "revoke.open")
                b.clicked.connect(lambda _=False, u=url: QDesktopServices.openUrl(QUrl(u)))
                row.addWidget(b)
                self.links.append(b)
            row.addStretch(1)
            self.body.addLayout(row)
        if not staff:
            where = label("", "info")
            where.setObjectName("revokeWhere")
            self.text(where, "revoke.where")
            self.body.addWidget(where)
        self.body.addStretch(1)

    def apply(self) -> dict[str, Any]:
        return {}

    def next_label(self, lang: str) -> str:
        return tr("activation.activate", lang)


@register("reverify")
class ReverifyPage(Page):
    """R21 (AC-AB-0014): the identity data changed; a button goes back to identity
    verification (submit {})."""

    next_on_last = True

    def build_view(self, view: Any) -> None:
        self.add_title("step.reverify")
        title = find_message(view, "reverify.title")
        if title is not None:
            notice = label("", "notice")
            self.message(notice, title)
            self.body.addWidget(notice)
        self.add_messages(other_messages(view, "reverify.title"))
        self.add_help_codes(list(getattr(view, "messages", ()) or ()))
        self.body.addStretch(1)

    def apply(self) -> dict[str, Any]:
        return {}

    def next_label(self, lang: str) -> str:
        return tr("reverify.again", lang)
