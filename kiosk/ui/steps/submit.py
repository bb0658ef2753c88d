"""Step 3: the application's certificates, the declaration, e-ID identification (R13-R16)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from kiosk.flows.inputs import six_digit_code
from kiosk.ui.contract import spec_named
from kiosk.ui.fit import keep_text_whole
from kiosk.ui.pages import (
    FieldsPage,
    Page,
    message_text,
)
from kiosk.ui.steps.common import (
    Agreement,
    agree_box,
    find_message,
    make_camera,
    other_messages,
    view_data,
)
from kiosk.ui.texts import tr
from kiosk.ui.widgets import CertificateCard, Keypad, label

if TYPE_CHECKING:
    from kiosk.flows.renewal import StepView


class CertificatesPage(FieldsPage):
    """R13/R16: the renewal data as certificate cards, with the step's messages."""

    rebuild_on_lang = True

    def build_view(self, view: StepView) -> None:
        self.add_title(f"step.{view.step_id}")
        messages = list(getattr(view, "messages", ()) or ())
        if find_message(view, "face.passed") is not None:
            # The similarity score means nothing to a holder: say only that the photo passed.
            note = label("", "info")
            self.text(note, "face.passed.short")
            self.body.addWidget(note)
            messages = other_messages(view, "face.passed")
        self.add_messages(messages)
        for cert in view_data(view).get("certificates") or []:
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


class DeclarationPage(Agreement, CertificatesPage):
    """R14: ticking the box opens the declaration; only 同意 ticks it."""

    agreed = False  # survives a rebuild for another language

    def build_fields(self, view: StepView) -> None:
        self.fields = {}
        self.box = agree_box(self, lambda lang: tr("declaration.checkbox", lang))
        self.box.setChecked(self.agreed)
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
        data = view_data(self.view)
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

    def next_label(self, lang: str) -> str:
        return tr("nav.identify", lang)


class EidPage(Page):
    """R15: face recognition and a one-time SMS code: 獲取驗證碼, the live face, 核實身份."""

    def build_view(self, view: StepView) -> None:
        data = view_data(view)
        self.add_title("step.eid")
        self.challenged = bool(data.get("mobile_masked"))
        self.face: bytearray | None = None
        # Messages and the camera on the left, the code and its keypad on the right: all of
        # it fits a 1280x900 screen without scrolling.
        row = QHBoxLayout()
        row.setSpacing(32)
        left = QVBoxLayout()
        left.setSpacing(12)
        self.message_box = QVBoxLayout()
        self.message_box.setSpacing(12)
        left.addLayout(self.message_box)
        self._messages: list[tuple[Any, Any]] = []
        self._was_review = False
        self._show_messages(view)
        self.bind(self._render_messages)
        # The camera at once (R15): the face may be taken before or after 獲取驗證碼; the code
        # request keeps this page (update_view), so a face already taken stays.
        self.camera: Any = make_camera(self, self._face)
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
        self.code_spec = spec_named(view, "sms_code") or six_digit_code("sms_code")
        self.code = QLineEdit()
        self.code.setObjectName("input_sms_code")
        self.code.setMaxLength(self.code_spec.max_len or 6)
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
        # The keypad's width, no more: the rest goes to the text and the camera; wider only
        # when a bigger text size needs it for 「Obter código」 (R35).
        right_box = QWidget()
        right_box.setLayout(right)
        right.setContentsMargins(0, 0, 0, 0)
        self.right_box = right_box
        keep_text_whole(self.get_code)
        self._fit_right()
        row.addWidget(right_box, 0)
        self.body.addLayout(row, 1)
        self._check()

    def _show_messages(self, view: StepView) -> None:
        while self.message_box.count():
            item = self.message_box.takeAt(0)
            old = item.widget() if item is not None else None
            if old is not None:
                old.deleteLater()
        self._messages = []
        for m in getattr(view, "messages", ()) or ():
            w = label("", "info")
            self._messages.append((w, m))
            self.message_box.addWidget(w)

    def _render_messages(self, lang: str) -> None:
        for w, m in self._messages:
            w.setText(message_text(m, lang))

    def update_view(self, view: StepView) -> bool:
        """The code was sent (a new view of this step): keep the page, its camera and a face
        already taken; enable the code field and show the new messages."""
        self.view = view
        self.challenged = bool(view_data(view).get("mobile_masked"))
        self._show_messages(view)
        self.get_code.setEnabled(not self.challenged)
        self.code.setEnabled(self.challenged)
        self.retranslate(self.lang)
        self._check()
        return True

    def _fit_right(self) -> None:
        need = self.code.minimumWidth() + 8 + self.get_code.sizeHint().width()
        self.right_box.setMaximumWidth(max(360, need))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt name)
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange) and hasattr(
            self, "right_box"
        ):
            QTimer.singleShot(0, self._fit_right)

    def _face(self, jpeg: bytes | bytearray) -> None:
        self._drop_face()
        self.face = jpeg if isinstance(jpeg, bytearray) else bytearray(jpeg)
        self._show_face_state(self.lang)
        self._check()

    def _camera_state(self, state: str) -> None:
        held = self.camera.photo_buffer() if self.camera is not None else None
        if state == "review" and held is not None:
            self._face(bytearray(held))
        elif state == "preview" and self._was_review and self.face is not None:
            self._drop_face()  # 重新拍照: the old face is gone
            self._show_face_state(self.lang)
            self._check()
        # A camera fault after the capture ("unavailable") leaves the face taken as it is.
        self._was_review = state == "review"

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
        if self.code_spec.problem_ids(self.code.text().strip()):
            missing.append(tr("hint.sms_code", lang))
        if not missing:
            return ""
        return tr("hint.missing", lang, items=tr("hint.sep", lang).join(missing))

    def refused(self, view: StepView) -> None:
        # The flow has overwritten the face it was given: take a new one with the new code.
        self.face = None
        self._show_face_state(self.lang)
        self.code.clear()
        if self.camera is not None:
            self.camera.reset()
        self._check()

    def _check(self) -> None:
        code_ok = not self.code_spec.problem_ids(self.code.text().strip())
        self.valid = self.challenged and self.face is not None and code_ok
        self.updated.emit()  # the hint of what is missing follows every key

    def apply(self) -> dict[str, Any]:
        # A copy the flow wipes after use: nothing done on this page meanwhile (a new photo,
        # 重新拍照, a camera fault) can change the bytes on their way to the e-ID service.
        face = bytearray(self.face) if self.face is not None else None
        return {"action": "verify", "sms_code": self.code.text().strip(), "face_jpeg": face}

    def next_label(self, lang: str) -> str:
        return tr("eid.verify", lang)

    def wipe(self) -> None:
        if self.camera is not None:
            self.camera.stop()
        if self.face is not None:
            self.face[:] = b"\0" * len(self.face)
            self.face = None
        super().wipe()
