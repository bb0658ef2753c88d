"""The live-photo page body (R12, R15): an example of a good photo and three tips before the
camera (optional), the mirrored preview with its oval, one live hint at a time, a 3-2-1
countdown drawn over the preview when the frame is good, then the capture; 拍照 at any time;
review with 重新拍照 / 下一步; a refused photo says what to change. The capture logic is
`kiosk.camera.guide.CaptureGuide`; this widget only renders what it says.

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
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk import i18n
from kiosk.camera import messages
from kiosk.camera.guide import CaptureGuide, GuideStep
from kiosk.camera.quality import FaceAnalyzer, Oval, QualityReport, make_detector
from kiosk.camera.sources import SourceInfo
from kiosk.camera.worker import CameraController, CaptureSettings, SourceFactory

log = logging.getLogger(__name__)

# A YuNet ONNX file (cv2.FaceDetectorYN) to use instead of the bundled Haar cascades.
FACE_MODEL_ENV = "KIOSK_FACE_MODEL"

_BUTTONS = ("capture", "retake", "next")
TIPS = ("camera.tips.one", "camera.tips.two", "camera.tips.three")


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
        self.countdown: int | None = None  # 3, 2, 1 drawn large in the oval while counting

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
            if self.countdown is not None:
                self._draw_countdown(p, centre, min(rx, ry))
        p.end()

    def _draw_countdown(self, p: QPainter, centre: QPointF, radius: float) -> None:
        """The number in a dark disc at the oval's centre: readable over any face."""
        r = max(28.0, radius * 0.45)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(0, 0, 0, 150))
        p.drawEllipse(centre, r, r)
        font = QFont(self.font())
        font.setPixelSize(int(r * 1.3))
        font.setBold(True)
        p.setFont(font)
        p.setPen(QColor(255, 255, 255))
        box = QRectF(centre.x() - r, centre.y() - r, 2 * r, 2 * r)
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, str(self.countdown))


class ExamplePhoto(QWidget):
    """A drawn example of a good photo (no real person): a face looking straight ahead,
    filling the oval, evenly lit, with a green tick."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedSize(200, 240)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = float(self.width()), float(self.height())
        p.fillRect(self.rect(), QColor(226, 232, 240))
        p.setPen(Qt.PenStyle.NoPen)
        # Shoulders, neck, hair, face.
        p.setBrush(QColor(52, 84, 130))
        p.drawEllipse(QPointF(w / 2, h * 1.02), w * 0.46, h * 0.24)
        p.setBrush(QColor(226, 184, 150))
        p.drawRect(QRectF(w * 0.42, h * 0.62, w * 0.16, h * 0.16))
        p.setBrush(QColor(60, 44, 36))
        p.drawEllipse(QPointF(w / 2, h * 0.38), w * 0.27, h * 0.27)
        p.setBrush(QColor(236, 196, 162))
        p.drawEllipse(QPointF(w / 2, h * 0.45), w * 0.22, h * 0.25)
        # Eyes, brows, nose and a closed-mouth smile, all symmetric: frontal.
        p.setBrush(QColor(40, 40, 40))
        for dx in (-0.085, 0.085):
            p.drawEllipse(QPointF(w * (0.5 + dx), h * 0.42), w * 0.022, h * 0.018)
        pen = QPen(QColor(90, 60, 45), 3.0)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        for dx in (-0.085, 0.085):
            p.drawLine(QPointF(w * (0.5 + dx - 0.04), h * 0.38),
                       QPointF(w * (0.5 + dx + 0.04), h * 0.38))
        p.drawLine(QPointF(w / 2, h * 0.45), QPointF(w / 2, h * 0.5))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawArc(QRectF(w * 0.43, h * 0.5, w * 0.14, h * 0.06), 200 * 16, 140 * 16)
        # The guide oval, green: this face fills it.
        ok = QColor(40, 160, 80)
        p.setPen(QPen(ok, 4.0))
        p.drawEllipse(QPointF(w / 2, h * 0.45), w * 0.33, h * 0.36)
        # A tick badge in the corner.
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(ok)
        c = QPointF(w * 0.84, h * 0.12)
        p.drawEllipse(c, 18.0, 18.0)
        tick = QPen(QColor(255, 255, 255), 4.0)
        tick.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(tick)
        p.drawPolyline([QPointF(c.x() - 8, c.y()), QPointF(c.x() - 2, c.y() + 6),
                        QPointF(c.x() + 9, c.y() - 6)])
        p.end()


class TipsPanel(QFrame):
    """Before the camera: the example photo, three short tips and 開始拍照."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cameraTips")
        self.example = ExamplePhoto()
        self.caption = QLabel()
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption.setWordWrap(True)
        self.caption.setObjectName("exampleCaption")
        self.caption.setProperty("role", "exampleCaption")
        self.title = QLabel()
        self.title.setObjectName("tipsTitle")
        self.title.setProperty("role", "tipsTitle")
        self.title.setWordWrap(True)
        self.tips = [QLabel() for _ in TIPS]
        for t in self.tips:
            t.setWordWrap(True)
            t.setObjectName("tip")
            t.setProperty("role", "tip")
        self.start_button = QPushButton()
        self.start_button.setObjectName("startCamera")
        self.start_button.setProperty("primary", True)
        self.start_button.setMinimumHeight(56)
        left = QVBoxLayout()
        left.addWidget(self.example, 0, Qt.AlignmentFlag.AlignHCenter)
        left.addWidget(self.caption)
        left.addStretch(1)
        right = QVBoxLayout()
        right.setSpacing(14)
        right.addWidget(self.title)
        for t in self.tips:
            right.addWidget(t)
        right.addStretch(1)
        right.addWidget(self.start_button, 0, Qt.AlignmentFlag.AlignLeft)
        row = QHBoxLayout(self)
        row.setSpacing(32)
        row.addLayout(left, 0)
        row.addLayout(right, 1)

    def set_language(self, lang: str) -> None:
        self.caption.setText(i18n.text("camera.tips.example", lang))
        self.title.setText(i18n.text("camera.tips.title", lang))
        for n, (label, key) in enumerate(zip(self.tips, TIPS, strict=True), start=1):
            label.setText(f"{n}. {i18n.text(key, lang)}")
        self.start_button.setText(i18n.text("camera.button.start", lang))


class CameraView(QWidget):
    """The capture page body. States: "tips" (before the camera, see `show_tips`),
    "preview", "review", "unavailable"."""

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
        guide: CaptureGuide | None = None,
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
        self.guide = guide or CaptureGuide()
        self.state = "preview"
        self.guidance = messages.STARTING
        self.problem: str | None = None
        self.source_info: SourceInfo | None = None
        self._photo: bytearray | None = None
        self._handed_off = False
        self.reason: str | None = None  # what to change (refusal, or a photo taken by hand)
        self._refused = False
        self._reason_key = "camera.reason.refused"
        self._say_refused = True
        self._compact = False
        # False on pages whose own primary button (bottom right) sends the photo: one 下一步.
        self.shows_next = True
        self.review_text: Callable[[str], str] | None = None

        self.preview = PreviewWidget(self._analyzer.oval)
        self.tips = TipsPanel()
        self.tips.hide()
        self.tips.start_button.clicked.connect(self._start_clicked)
        self.guidance_label = QLabel()
        self.guidance_label.setObjectName("cameraHint")
        self.guidance_label.setProperty("role", "cameraHint")  # large: kiosk.qss
        self.guidance_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.guidance_label.setWordWrap(True)
        self.reason_label = QLabel()
        self.reason_label.setObjectName("cameraReason")
        self.reason_label.setWordWrap(True)
        self.reason_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.reason_label.setProperty("role", "cameraReason")
        self.reason_label.hide()
        font = QFont(self.font())
        font.setPointSize(20)
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
        layout.addWidget(self.tips, 1)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.guidance_label)
        layout.addWidget(self.reason_label)
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

    def show_tips(self) -> None:
        """Before the camera: the example photo and three tips; 開始拍照 shows the preview.
        The camera already starts (it is warm when the holder is ready); nothing is analysed
        or captured until then."""
        self._set_state("tips")
        self.start()

    def reset(self) -> None:
        """Back to the live preview; the photo is wiped (call when the step is left)."""
        self.guide.reset()
        self._back_to_preview()
        self._set_reason(None)

    def show_rejected(self, reason: str | None = None, say_refused: bool = True) -> None:
        """R12 (or the camera's own check) refused the photo: wipe it, ask for a new one and
        say what to change (`reason`, else the guide's reading of the refused photo). No
        automatic photo while that is read (`rejected_hold_s`); 拍照 stays available.
        `say_refused=False`: the page already shows the refusal (its error panel, with the
        help code): the hint line says only what to change, not the same sentence twice."""
        self._say_refused = say_refused
        step = self.guide.refused(time.monotonic(), reason)
        self._back_to_preview()
        self._refused = True
        self._set_guidance(messages.REJECTED)
        self._set_reason(step.reason, "camera.reason.refused")

    @property
    def rejected_hold_s(self) -> float:
        return self.guide.refused_pause_s

    @rejected_hold_s.setter
    def rejected_hold_s(self, seconds: float) -> None:
        self.guide.refused_pause_s = seconds

    def _back_to_preview(self) -> None:
        self._wipe()
        self._refused = False
        self.preview.countdown = None
        self.controller.set_analysis(True)
        self._set_guidance(messages.STARTING if self.preview.image() is None else messages.NO_FACE)
        self._set_state("unavailable" if self.problem else "preview")

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

    def compact(self, beside_keypad: bool = True) -> None:
        """A smaller minimum preview and no margins, for a page that shares the screen.
        `beside_keypad` (the e-ID page): also a smaller hint, tighter spacing and no
        "may not be accepted" line under a photo taken by hand (a refusal still says why)."""
        self.preview.setMinimumSize(200, 112)
        layout = self.layout()
        if layout is not None:
            layout.setContentsMargins(0, 0, 0, 0)
            if beside_keypad:
                layout.setSpacing(4)
        if beside_keypad:
            self._compact = True
            self.guidance_label.setProperty("compact", True)  # kiosk.qss: a size smaller

    def has_photo(self) -> bool:
        return self._photo is not None

    def photo_buffer(self) -> bytearray | None:
        """The held JPEG (not a copy): zeroed by `reset()` / `stop()`."""
        return self._photo

    def capture(self, judged: bool = False, report: QualityReport | None = None) -> None:
        """拍照: keep the newest frame (auto capture: the frame of the report judged good)
        for review. By hand, the guide says what it saw wrong, if anything."""
        if self.state != "preview":
            return
        if not judged:
            step = self.guide.manual(time.monotonic())
            # Beside the e-ID keypad (compact) there is no room for it: a refusal says it.
            if not self._compact:
                self._set_reason(step.reason, "camera.reason.manual")
        photo = self.controller.take_photo(self.jpeg_quality, judged=judged, report=report)
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
        self.preview.countdown = None
        self._refused = False
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
    def _start_clicked(self) -> None:
        """開始拍照 after the tips."""
        self.guide.reset()
        self._set_state("unavailable" if self.problem else "preview")

    @Slot()
    def retake(self) -> None:
        """重新拍照."""
        self.reset()

    # --- slots from the controller -------------------------------------------------------
    @Slot(QImage)
    def _on_frame(self, image: QImage) -> None:
        if self.state in ("review", "tips"):
            return
        self.preview.set_image(image)

    @Slot(object)
    def _on_report(self, report: QualityReport) -> None:
        if self.state != "preview":
            return
        self.preview.guide_ok = report.ok
        step: GuideStep = self.guide.feed(report, time.monotonic())
        self.preview.countdown = step.countdown
        self.preview.update()
        if step.capture:
            self.capture(judged=True, report=report)
            return
        if self._refused and step.hint == messages.REJECTED:
            return  # the refusal stays readable for the guide's pause
        if self._refused:
            self._refused = False
            self._set_reason(None)
        self._set_guidance(step.hint)

    @Slot(object)
    def _on_opened(self, info: SourceInfo) -> None:
        self.source_info = info

    @Slot(str)
    def _on_problem(self, help_code: str) -> None:
        self._show_problem(help_code)
        self.guide.reset()
        self.preview.countdown = None
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

    def _set_reason(self, reason: str | None, key: str = "camera.reason.refused") -> None:
        self.reason = reason
        self._reason_key = key
        self._render_texts()

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
        reason = self.reason
        if reason is not None:
            hint = messages.guidance_text(reason, self.lang)
            self.reason_label.setText(i18n.text(self._reason_key, self.lang).format(hint=hint))
        merged = self.guidance == messages.REJECTED and not self._say_refused and reason
        if merged:
            self.guidance_label.setText(self.reason_label.text())
        self.reason_label.setVisible(reason is not None and self.problem is None and not merged)
        self.tips.set_language(self.lang)
        # During an outage the hint would contradict the problem text: show one message.
        self.guidance_label.setVisible(self.problem is None and self.state != "tips")
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
        tips = state == "tips"
        self.tips.setVisible(tips)
        self.preview.setVisible(not tips)
        self.guidance_label.setVisible(self.problem is None and not tips)
        self.capture_button.setVisible(state not in ("review", "tips"))
        self.capture_button.setEnabled(state == "preview")
        self.retake_button.setVisible(state == "review")
        self.next_button.setVisible(state == "review" and self.shows_next)
        self.preview.show_guide = state != "review"
        if state != "preview":
            self.preview.guide_ok = False
        self.preview.update()
        self.state_changed.emit(state)
