"""The live-photo page body (R12, R15): mirrored preview, oval face guide, live guidance,
拍照 / 重新拍照 / 下一步, automatic capture, and a review before anything is sent.

Embed `CameraView` in a wizard page; call `start()` when the page shows and `reset()` /
`stop()` when it leaves (both wipe the photo). It emits `photo_ready(bytearray)` with one JPEG when
the person presses 下一步 on a reviewed photo, and `camera_failed(help_code)` when the camera
stays unusable after the reconnection attempts: the page should then offer counter staff.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable

import cv2
import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal, Slot
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from kiosk import i18n
from kiosk.camera import messages
from kiosk.camera.quality import AutoCapture, FaceAnalyzer, Oval, QualityReport, make_detector
from kiosk.camera.sources import SourceInfo
from kiosk.camera.worker import CameraController, CaptureSettings, SourceFactory

log = logging.getLogger(__name__)

# A YuNet ONNX file (cv2.FaceDetectorYN) to use instead of the bundled Haar cascades.
FACE_MODEL_ENV = "KIOSK_FACE_MODEL"

_BUTTONS = ("capture", "retake", "next")


def button_labels(lang: str = "zh-Hant") -> dict[str, str]:
    """Labels of the three buttons: keys "capture", "retake", "next"."""
    return {k: i18n.text(f"camera.button.{k}", lang) for k in _BUTTONS}


class PreviewWidget(QWidget):
    """Draws the newest frame scaled to fit, the oval guide and a dimmed surround."""

    def __init__(self, oval: Oval, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.oval = oval
        self.setMinimumSize(320, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._image: QImage | None = None
        self._seq = 0
        self._painted_seq = 0
        self.frames_received = 0
        self.frames_shown = 0
        self.guide_ok = False
        self.show_guide = True

    def set_image(self, image: QImage | None) -> None:
        self._image = image
        if image is not None:
            self._seq += 1
            self.frames_received += 1
        self.update()

    def image(self) -> QImage | None:
        return self._image

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(20, 20, 20))
        img = self._image
        if img is None or img.isNull():
            p.end()
            return
        if self._seq != self._painted_seq:
            self._painted_seq = self._seq
            self.frames_shown += 1
        iw, ih = img.width(), img.height()
        s = min(self.width() / iw, self.height() / ih)
        target = QRectF((self.width() - iw * s) / 2, (self.height() - ih * s) / 2, iw * s, ih * s)
        p.drawImage(target, img)
        if self.show_guide:
            cx, cy, rx, ry = self.oval.axes_px(int(target.width()), int(target.height()))
            # The preview is mirrored: the oval's x is mirrored too (a no-op when centred).
            centre = QPointF(target.left() + target.width() - cx, target.top() + cy)
            shade = QPainterPath()
            shade.addRect(target)
            shade.addEllipse(centre, rx, ry)
            shade.setFillRule(Qt.FillRule.OddEvenFill)
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.fillPath(shade, QColor(0, 0, 0, 110))
            colour = QColor(60, 200, 90) if self.guide_ok else QColor(255, 255, 255)
            p.setPen(QPen(colour, max(3.0, self.height() / 150)))
            p.drawEllipse(centre, rx, ry)
        p.end()


class CameraView(QWidget):
    """The capture page body. States: "preview", "review", "unavailable"."""

    photo_ready = Signal(object)  # a bytearray the receiver owns and wipes after use
    camera_failed = Signal(str)
    guidance_changed = Signal(str)  # guidance id or help code now shown
    state_changed = Signal(str)

    def __init__(
        self,
        source: str | int | SourceFactory,
        *,
        lang: str = "zh-Hant",
        settings: CaptureSettings | None = None,
        analyzer: FaceAnalyzer | None = None,
        auto_capture: AutoCapture | None = None,
        jpeg_quality: int = 92,
        face_model: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.lang = lang
        self.jpeg_quality = jpeg_quality
        if analyzer is None:
            model = face_model or os.environ.get(FACE_MODEL_ENV) or None
            analyzer = FaceAnalyzer(make_detector(model))
        self._analyzer = analyzer
        self.controller = CameraController(source, settings, self._analyzer, parent=self)
        self.auto = auto_capture or AutoCapture()
        self.state = "preview"
        self.guidance = messages.STARTING
        self.problem: str | None = None
        self.source_info: SourceInfo | None = None
        self._photo: bytearray | None = None
        self._handed_off = False
        self._candidate = ""
        self._keep_until = 0.0  # a message that must stay readable (R12 refusal)
        self.rejected_hold_s = 4.0
        # False on pages whose own primary button (bottom right) sends the photo: one 下一步.
        self.shows_next = True
        self.review_text: Callable[[str], str] | None = None

        self.preview = PreviewWidget(self._analyzer.oval)
        self.guidance_label = QLabel()
        self.guidance_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = QFont(self.guidance_label.font())
        font.setPointSize(20)
        self.guidance_label.setFont(font)
        self.guidance_label.setWordWrap(True)
        self.problem_label = QLabel()
        self.problem_label.setWordWrap(True)
        self.problem_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.problem_label.setStyleSheet("color: #b00020; font-size: 16pt;")
        self.problem_label.hide()
        self.capture_button = QPushButton()
        self.retake_button = QPushButton()
        self.next_button = QPushButton()
        for b in (self.capture_button, self.retake_button, self.next_button):
            b.setMinimumHeight(56)
            b.setFont(font)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.retake_button)
        buttons.addWidget(self.capture_button)
        buttons.addWidget(self.next_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.guidance_label)
        layout.addWidget(self.problem_label)
        layout.addLayout(buttons)

        self.capture_button.clicked.connect(self._on_capture_clicked)
        self.retake_button.clicked.connect(self.retake)
        self.next_button.clicked.connect(self._next)
        c = self.controller
        c.frame_ready.connect(self._on_frame)
        c.analysed.connect(self._on_report)
        c.opened.connect(self._on_opened)
        c.problem.connect(self._on_problem)
        c.recovered.connect(self._on_recovered)
        c.handoff.connect(self._on_handoff)
        self.set_language(lang)
        self._set_state("preview")

    # --- public API ----------------------------------------------------------------------
    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()
        self._wipe()
        # The last live frame is a face too: nothing of the holder stays drawn once stopped.
        self.preview.set_image(None)

    def reset(self) -> None:
        """Back to the live preview; the photo is wiped (call when the step is left)."""
        self._wipe()
        self.auto.reset()
        self.controller.set_analysis(True)
        self._set_guidance(messages.STARTING if self.preview.image() is None else messages.NO_FACE)
        self._set_state("unavailable" if self.problem else "preview")

    def show_rejected(self) -> None:
        """R12: the bureau refused the photo: wipe it and ask for a new one."""
        self.reset()
        self._set_guidance(messages.REJECTED)
        self._keep_until = time.monotonic() + self.rejected_hold_s

    def set_language(self, lang: str) -> None:
        self.lang = lang
        labels = button_labels(lang)
        self.capture_button.setText(labels["capture"])
        self.retake_button.setText(labels["retake"])
        self.next_button.setText(labels["next"])
        self._render_texts()

    def use_page_next(self, review_text: Callable[[str], str] | None = None) -> None:
        """The page's own primary button sends the photo: no second 下一步 in the view, and
        (given `review_text`) a review hint that does not name it."""
        self.shows_next = False
        self.review_text = review_text
        self.next_button.hide()
        self._render_texts()

    def compact(self) -> None:
        """A smaller minimum preview and no margins, for a page that shares the screen."""
        self.preview.setMinimumSize(240, 135)
        layout = self.layout()
        if layout is not None:
            layout.setContentsMargins(0, 0, 0, 0)

    def has_photo(self) -> bool:
        return self._photo is not None

    def photo_buffer(self) -> bytearray | None:
        """The held JPEG (not a copy): zeroed by `reset()` / `stop()`."""
        return self._photo

    def capture(self, judged: bool = False) -> None:
        """拍照: keep the newest frame (auto capture: the frame judged good) for review."""
        if self.state != "preview":
            return
        photo = self.controller.take_photo(self.jpeg_quality, judged=judged)
        if photo is None:
            self._photo_failed()
            return
        self._wipe()
        self._photo = photo
        decoded = cv2.imdecode(np.frombuffer(photo, np.uint8), cv2.IMREAD_COLOR)
        if decoded is None:
            self._wipe()
            self._photo_failed()
            return
        mirrored = np.ascontiguousarray(cv2.flip(decoded, 1))
        h, w = mirrored.shape[:2]
        image = QImage(mirrored.data, w, h, mirrored.strides[0], QImage.Format.Format_BGR888)
        self.preview.set_image(image.copy())
        decoded.fill(0)
        mirrored.fill(0)
        self.controller.set_analysis(False)
        self._set_guidance(messages.REVIEW)
        self._set_state("review")

    @Slot()
    def _on_capture_clicked(self) -> None:
        # A bound slot, not a lambda: PySide holds a lambda strongly, and one closing over
        # `self` makes view -> button -> connection -> lambda -> view, a cycle Python's GC
        # cannot see. The view then outlives its owner and is torn down at exit by a button's
        # destructor, which deletes that button a second time (heap corruption: SIGSEGV,
        # SIGBUS or "corrupted double-linked list" SIGABRT).
        self.capture()

    @Slot()
    def retake(self) -> None:
        """重新拍照."""
        self.reset()

    # --- slots from the controller -------------------------------------------------------
    @Slot(QImage)
    def _on_frame(self, image: QImage) -> None:
        if self.state == "review":
            return
        self.preview.set_image(image)

    @Slot(object)
    def _on_report(self, report: QualityReport) -> None:
        if self.state != "preview":
            return
        self.preview.guide_ok = report.ok
        wanted = messages.GOOD if report.ok else report.primary
        # A hint changes only when two analyses in a row agree: no flicker between hints.
        readable = time.monotonic() >= self._keep_until
        if readable and (wanted == self._candidate or self.guidance == messages.STARTING):
            self._set_guidance(wanted)
        self._candidate = wanted
        if not readable:
            return  # no automatic retake while the refusal is being read
        if self.auto.feed(report, time.monotonic()):
            self.auto.reset()
            self.capture(judged=True)

    @Slot(object)
    def _on_opened(self, info: SourceInfo) -> None:
        self.source_info = info

    @Slot(str)
    def _on_problem(self, help_code: str) -> None:
        self._show_problem(help_code)
        self.auto.reset()
        if self.state == "preview":
            self.preview.set_image(None)  # a stale frame would pass for a live picture
            self._set_state("unavailable")

    @Slot()
    def _on_recovered(self) -> None:
        self.problem = None
        self._handed_off = False
        self.problem_label.hide()
        if self.state == "unavailable":
            self._set_state("preview")
        self._set_guidance(messages.NO_FACE)
        self._render_texts()

    @Slot(str)
    def _on_handoff(self, help_code: str) -> None:
        self.problem = help_code
        self._handed_off = True
        self._render_texts()
        self.camera_failed.emit(help_code)

    # --- internals -----------------------------------------------------------------------
    def _next(self) -> None:
        if self.state == "review" and self._photo is not None:
            # A mutable copy: the flow overwrites it once the bureau has seen it, while this
            # view wipes its own buffer on retake/reset; an immutable bytes copy would linger.
            self.photo_ready.emit(bytearray(self._photo))

    def _wipe(self) -> None:
        if self._photo is not None:
            self._photo[:] = bytes(len(self._photo))
            self._photo = None
        if self.state == "review":
            self.preview.set_image(None)

    def _photo_failed(self) -> None:
        # Not a camera outage: the preview goes on and 拍照 stays available.
        self.problem_label.setText(messages.help_text(messages.PHOTO_ENCODE_FAILED, self.lang))
        self.problem_label.show()
        self.guidance_changed.emit(messages.PHOTO_ENCODE_FAILED)

    def _show_problem(self, help_code: str) -> None:
        self.problem = help_code
        self._render_texts()
        self.guidance_changed.emit(help_code)

    def _set_guidance(self, message_id: str) -> None:
        if message_id != self.guidance:
            self.guidance = message_id
            self._render_texts()
            self.guidance_changed.emit(message_id)

    def _render_texts(self) -> None:
        if self.guidance == messages.REVIEW and self.review_text is not None:
            self.guidance_label.setText(self.review_text(self.lang))
        else:
            self.guidance_label.setText(messages.guidance_text(self.guidance, self.lang))
        # During an outage the hint would contradict the problem text: show one message.
        self.guidance_label.setVisible(self.problem is None)
        if self.problem:
            text = (
                messages.handoff_text(self.problem, self.lang)
                if self._handed_off
                else messages.help_text(self.problem, self.lang)
            )
            self.problem_label.setText(text)
            self.problem_label.show()

    def _set_state(self, state: str) -> None:
        self.state = state
        self.capture_button.setVisible(state != "review")
        self.capture_button.setEnabled(state == "preview")
        self.retake_button.setVisible(state == "review")
        self.next_button.setVisible(state == "review" and self.shows_next)
        self.preview.show_guide = state != "review"
        if state != "preview":
            self.preview.guide_ok = False
        self.preview.update()
        self.state_changed.emit(state)
