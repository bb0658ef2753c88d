"""Step 2: consent and the live photo (R9-R12)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt

from kiosk.ui.pages import (
    Page,
    message_text,
)
from kiosk.ui.steps.common import Agreement, agree_box, find_message, make_camera, other_messages
from kiosk.ui.texts import tr
from kiosk.ui.widgets import label

if TYPE_CHECKING:
    from kiosk.flows.renewal import StepView


class ConsentPage(Agreement, Page):
    """R9: the statement, the checkbox, then 同意; nothing is fetched before it."""

    def build_view(self, view: StepView) -> None:
        self.add_title("consent.title")
        statement = find_message(view, "consent.text")
        if statement is not None:
            self.add_messages([statement])
        checkbox = find_message(view, "consent.checkbox")
        self.box = agree_box(self, lambda lang: message_text(checkbox, lang))
        self.box.toggled.connect(lambda on: setattr(self, "valid", on))
        # Not stretched: a tap beside the words must not tick it.
        self.body.addWidget(self.box, 0, Qt.AlignmentFlag.AlignLeft)
        self.body.addStretch(1)
        self.valid = False

    def next_label(self, lang: str) -> str:
        return tr("consent.agree", lang)


class PhotoPage(Page):
    """R12: the live photo from kiosk.ui.camera_view. Once taken, the page's own 下一步
    (bottom right, with 上一步 to its left as on every page) submits the JPEG; the text
    above the camera follows it (拍照, then check the photo)."""

    shows_next = False

    def build_view(self, view: StepView) -> None:
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
        # The live hint, its reason and an error panel fit one screen.
        self.camera.compact(beside_keypad=False)
        self.camera.state_changed.connect(lambda _s: self._state())
        self.body.addWidget(self.camera, 1)
        self.shows_next = True
        self.valid = False
        # Before the camera: an example of a good photo and three tips, then 開始拍照.
        self.camera.show_tips()

    def _reviewing(self) -> bool:
        return bool(self.camera is not None and self.camera.state == "review")

    def _state(self) -> None:
        self._show_instruction(self.lang)
        self.valid = self._reviewing() and self.camera.has_photo()
        self.updated.emit()

    def _show_instruction(self, lang: str) -> None:
        if self._reviewing():
            self.instruction.setText(tr("photo.review", lang))
        elif self.camera is not None and self.camera.state == "tips":
            self.instruction.setText("")
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

    def refused(self, view: StepView) -> None:
        # R12 照片未達檢測要求，請重新拍照。: back to the live preview for a new photo.
        if self.camera is not None:
            # The shell's error panel says R12's sentence with its help code; the camera's
            # hint line says what to change.
            self.camera.show_rejected(say_refused=False)

    def wipe(self) -> None:
        if self.camera is not None:
            self.camera.stop()
        super().wipe()
