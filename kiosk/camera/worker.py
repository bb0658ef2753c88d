"""Capture and analysis off the GUI thread.

Three threads, each with one job:

- a *reader* (plain daemon thread): opens the source, calls its blocking `read()` and keeps only
  the newest frame. It is a plain thread because `read()` can block for seconds after an
  unplug, and such a thread can be abandoned: it releases its source on its own thread when
  `read()` finally returns. A QThread could not be left behind like that.
- the *capture worker* (QObject on a QThread): supervises the reader (watchdog for a frozen
  source, reconnection, hand-off to staff), turns the newest frame into a mirrored preview
  QImage the GUI owns, and offers a downscaled copy to the analyser when it is idle.
- the *analysis worker* (QObject on a QThread): face guide and quality checks.

Nothing here touches a widget. Stopping is cooperative (flags, then `quit()`/`wait()`), never
`terminate()`, and returns promptly even while a `read()` is blocked.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtGui import QImage

from kiosk.camera import messages
from kiosk.camera.quality import FaceAnalyzer
from kiosk.camera.sources import FrameSource, SourceError, SourceInfo, open_source

log = logging.getLogger(__name__)

# Readers still alive (an abandoned blocked read() keeps its thread). At interpreter exit they
# are asked to stop and given a short while to release their source on their own thread: a
# daemon thread still inside cv2 while the process tears its libraries down can crash it.
_LIVE_READERS: weakref.WeakSet[_Reader] = weakref.WeakSet()
_EXIT_JOIN_S = 1.0
# Worker threads that did not stop in time: kept referenced, because a QThread object
# destroyed while its thread runs aborts the process (qFatal).
_STRAGGLERS: list[tuple[QThread, QObject]] = []


@atexit.register
def _stop_readers_at_exit() -> None:
    readers = list(_LIVE_READERS)
    for reader in readers:
        reader.stop_flag.set()
    deadline = time.monotonic() + _EXIT_JOIN_S
    for reader in readers:
        if reader.is_alive():
            reader.join(timeout=max(0.0, deadline - time.monotonic()))


SourceFactory = Callable[[], FrameSource]
# Full frames kept with their reports: analysis is paced to the GUI (one report in flight),
# so the report the GUI acts on is the latest or, while the next is being analysed, the one
# before it.
JUDGED_KEPT = 2


@dataclass(frozen=True)
class CaptureSettings:
    preview_width: int = 960  # the preview is drawn scaled from this; capture stays full size
    analysis_width: int = 640
    frozen_after_s: float = 3.0  # no frame for this long: the camera is frozen or gone
    retry_interval_s: float = 1.0
    handoff_after_attempts: int = 5  # reconnection attempts before asking for staff
    poll_s: float = 0.02


class _Reader(threading.Thread):
    """Owns one opened source for its whole life; keeps the newest frame only."""

    def __init__(self, factory: SourceFactory, wake: threading.Condition) -> None:
        super().__init__(name="camera-reader", daemon=True)
        self._factory = factory
        self._wake = wake
        self.stop_flag = threading.Event()
        self.frame: np.ndarray | None = None
        self.seq = 0
        self.error: str | None = None
        self.info: SourceInfo | None = None
        self.started_at = time.monotonic()

    def run(self) -> None:
        _LIVE_READERS.add(self)
        source: FrameSource | None = None
        try:
            source = self._factory()
            self.info = source.describe()
            while not self.stop_flag.is_set():
                ok, frame = source.read()
                if self.stop_flag.is_set():
                    break
                with self._wake:
                    if not ok or frame is None:
                        self.error = messages.CAMERA_UNPLUGGED
                    else:
                        self.frame = frame
                        self.seq += 1
                    self._wake.notify_all()
                if self.error:
                    break
        except SourceError as exc:
            log.info("camera source did not open: %s", exc.help_code)
            with self._wake:
                self.error = exc.help_code
                self._wake.notify_all()
        except Exception:  # a driver crash must become a message, not a dead thread
            log.exception("camera reader failed")
            with self._wake:
                self.error = messages.CAMERA_UNPLUGGED
                self._wake.notify_all()
        finally:
            if source is not None:
                source.release()


class AnalysisWorker(QObject):
    """Runs the face guide and quality checks on the newest downscaled frame offered."""

    analysed = Signal(object)  # QualityReport
    finished = Signal()

    def __init__(self, analyzer: FaceAnalyzer) -> None:
        super().__init__()
        self.analyzer = analyzer
        self._cond = threading.Condition()
        self._job: tuple[np.ndarray, np.ndarray] | None = None
        # The full frames of the latest reports, each with its report: the guide says
        # "capture" on a report the GUI receives while this thread may already have
        # analysed a newer frame, so the frame is looked up by its report.
        self._judged: list[tuple[object, np.ndarray]] = []
        self._stop = threading.Event()
        self._busy = False
        # Set while the GUI has not yet handled the last report: analysis is paced to the GUI,
        # so the report the guide acts on is always among `_judged` (a faster analysis must
        # not run reports ahead of a busy GUI thread and roll its frame out).
        self._gui_has_report = threading.Event()
        self.times_ms: list[float] = []
        self.cpu_ms: list[float] = []

    def offer(self, small: np.ndarray, full: np.ndarray) -> None:
        with self._cond:
            self._job = (small, full)
            self._cond.notify_all()

    def report_consumed(self) -> None:
        """The GUI handled the last report; the next frame may be analysed."""
        self._gui_has_report.clear()
        with self._cond:
            self._cond.notify_all()

    def judged_frame(self, report: object | None = None) -> np.ndarray | None:
        """The full frame `report` was about (default: the latest report's): auto capture
        keeps that very frame, not a newer one analysed since."""
        with self._cond:
            if report is None:
                return self._judged[-1][1] if self._judged else None
            return next((f for r, f in self._judged if r is report), None)

    @property
    def idle(self) -> bool:
        """Ready for a frame: nothing being analysed, and no frame waiting that the thread
        is about to take. A frame that waits only for the GUI to catch up is replaced by a
        newer one, so the next analysis is of the newest frame, not of one as old as the lag."""
        with self._cond:
            if self._busy:
                return False
            return self._job is None or self._gui_has_report.is_set()

    def reset(self) -> None:
        with self._cond:
            self._job = None
            self._judged = []
        self._gui_has_report.clear()
        self.analyzer.reset()

    def stop(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()

    @Slot()
    def run(self) -> None:
        while not self._stop.is_set():
            with self._cond:
                if self._job is None or self._gui_has_report.is_set():
                    self._cond.wait(0.1)
                if self._gui_has_report.is_set():
                    continue  # the newest frame stays offered until the GUI has caught up
                job, self._job = self._job, None
                self._busy = job is not None
            if job is None:
                continue
            try:
                report = self.analyzer.analyse(job[0], job[1].shape[1])
            except cv2.error:
                log.exception("face analysis failed on one frame")
                report = None
            with self._cond:
                self._busy = False
                if report is not None:
                    self._judged = [*self._judged[-(JUDGED_KEPT - 1):], (report, job[1])]
            if report is not None:
                self.times_ms.append(report.analysis_ms)
                self.cpu_ms.append(report.analysis_cpu_ms)
                self._gui_has_report.set()
                self.analysed.emit(report)
        self.finished.emit()


class CaptureWorker(QObject):
    """Supervises the reader and hands the GUI a mirrored preview QImage it owns."""

    frame_ready = Signal(QImage)
    opened = Signal(object)  # SourceInfo, once per (re)connection
    problem = Signal(str)  # help code: missing / unplugged / frozen / busy
    recovered = Signal()
    handoff = Signal(str)  # help code of the outage, once the attempts have run out
    finished = Signal()

    def __init__(
        self, factory: SourceFactory, settings: CaptureSettings, analysis: AnalysisWorker
    ) -> None:
        super().__init__()
        self._factory = factory
        self.settings = settings
        self._analysis = analysis
        self._stop = threading.Event()
        self._wake = threading.Condition()
        self._gui_has_frame = threading.Event()
        self._latest_lock = threading.Lock()
        self._latest: np.ndarray | None = None
        self.analysis_enabled = threading.Event()
        self.analysis_enabled.set()
        self.frames_produced = 0
        self.frames_emitted = 0

    # --- called from the GUI thread -------------------------------------------------------
    def stop(self) -> None:
        self._stop.set()
        with self._wake:
            self._wake.notify_all()

    def frame_consumed(self) -> None:
        """The GUI took the last preview frame; the next one may be sent."""
        self._gui_has_frame.clear()

    def latest_frame(self) -> np.ndarray | None:
        """The newest full-size, un-mirrored frame (the worker never writes into it)."""
        with self._latest_lock:
            return self._latest

    def forget_latest(self) -> None:
        with self._latest_lock:
            self._latest = None

    # --- the worker thread ----------------------------------------------------------------
    def _start_reader(self) -> _Reader:
        reader = _Reader(self._factory, self._wake)
        reader.start()
        return reader

    @Slot()
    def run(self) -> None:
        s = self.settings
        reader: _Reader | None = self._start_reader()
        seen_seq = 0
        last_frame_at = time.monotonic()
        outage: str | None = None
        attempts = 0
        handed_off = False
        retry_at = 0.0
        announced = False

        while not self._stop.is_set():
            with self._wake:
                if reader is not None and reader.seq == seen_seq and reader.error is None:
                    self._wake.wait(s.poll_s)
                frame = None
                if reader is not None and reader.seq != seen_seq:
                    self.frames_produced += reader.seq - seen_seq
                    seen_seq = reader.seq
                    frame = reader.frame
                error = reader.error if reader is not None else None
            now = time.monotonic()

            if frame is not None and reader is not None:
                last_frame_at = now
                if not announced:
                    announced = True
                    if reader.info is not None:
                        self.opened.emit(reader.info)
                if outage is not None:
                    log.info("camera back after %s (%d attempts)", outage, attempts)
                    outage, attempts, handed_off = None, 0, False
                    self.recovered.emit()
                self._deliver(frame)
                continue

            failed: str | None = None
            if reader is not None and error is not None:
                failed = error
            elif reader is not None and now - last_frame_at > s.frozen_after_s:
                failed = messages.CAMERA_FROZEN
            if failed is not None and reader is not None:
                # A blocked read() keeps its thread: flag it and leave it, never join here.
                reader.stop_flag.set()
                reader = None
                attempts += 1
                if outage is None:
                    # The first failure names the outage: a reopen refused after an unplug is
                    # still that unplug to the person at the counter.
                    outage = failed
                    self.problem.emit(failed)
                log.info("camera problem %s, attempt %d", failed, attempts)
                if attempts >= s.handoff_after_attempts and not handed_off:
                    handed_off = True
                    self.handoff.emit(outage)
                retry_at = now + s.retry_interval_s
            if reader is None and now >= retry_at:
                reader = self._start_reader()
                seen_seq = 0
                announced = False
                last_frame_at = now
            elif reader is None:
                self._stop.wait(min(s.poll_s * 5, max(0.0, retry_at - now)))

        if reader is not None:
            reader.stop_flag.set()
            reader.join(timeout=0.5)  # releases on its own thread; a blocked read is left
        self.finished.emit()

    def _deliver(self, frame: np.ndarray) -> None:
        s = self.settings
        with self._latest_lock:
            self._latest = frame
        h, w = frame.shape[:2]
        if self.analysis_enabled.is_set() and self._analysis.idle:
            aw = min(s.analysis_width, w)
            small = cv2.resize(frame, (aw, round(h * aw / w)), interpolation=cv2.INTER_AREA)
            self._analysis.offer(small, frame)
        if self._gui_has_frame.is_set():
            return  # the GUI has not drawn the previous one yet: drop, never queue
        pw = min(s.preview_width, w)
        preview = cv2.resize(frame, (pw, round(h * pw / w)), interpolation=cv2.INTER_LINEAR)
        ph, pw2 = preview.shape[:2]
        image = QImage(preview.data, pw2, ph, preview.strides[0], QImage.Format.Format_BGR888)
        self._gui_has_frame.set()
        self.frames_emitted += 1
        # Mirrored, as people expect from a mirror; the photo itself stays un-mirrored. The
        # mirrored copy is the GUI's own (it no longer refers to `preview`): one pass, not a
        # flip and then a copy.
        self.frame_ready.emit(image.flipped(Qt.Orientation.Horizontal))


# The capture worker's signals the controller passes on unchanged, under the same names.
_RELAYED = ("opened", "problem", "recovered", "handoff")


def relay_signals(sender: QObject, receiver: QObject, names: tuple[str, ...]) -> None:
    """Connect each signal `name` of `sender` to the same-named signal of `receiver` (a
    signal-to-signal connection: Qt queues it across the worker's thread)."""
    for name in names:
        getattr(sender, name).connect(getattr(receiver, name))


class CameraController(QObject):
    """GUI-side owner of the two worker threads. Signals arrive on the GUI thread."""

    frame_ready = Signal(QImage)
    analysed = Signal(object)
    opened = Signal(object)
    problem = Signal(str)
    recovered = Signal()
    handoff = Signal(str)

    def __init__(
        self,
        source: str | int | SourceFactory,
        settings: CaptureSettings | None = None,
        analyzer: FaceAnalyzer | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        if callable(source):
            self._factory: SourceFactory = source
        else:
            spec = source
            self._factory = lambda: open_source(spec)
        self.settings = settings or CaptureSettings()
        self._analyzer = analyzer or FaceAnalyzer()
        self._capture: CaptureWorker | None = None
        self._analysis: AnalysisWorker | None = None
        self._threads: list[QThread] = []  # analysis, capture
        self.frames_produced = 0
        self.frames_emitted = 0
        self.analysis_ms: list[float] = []
        self.analysis_cpu_ms: list[float] = []

    @property
    def running(self) -> bool:
        return self._capture is not None

    def start(self) -> None:
        if self._capture is not None:
            return
        analysis = AnalysisWorker(self._analyzer)
        capture = CaptureWorker(self._factory, self.settings, analysis)
        for worker in (analysis, capture):
            thread = QThread()
            thread.setObjectName(f"camera-{type(worker).__name__}")
            worker.moveToThread(thread)
            thread.started.connect(worker.run)
            worker.finished.connect(thread.quit)
            self._threads.append(thread)
        capture.frame_ready.connect(self._on_frame)
        relay_signals(capture, self, _RELAYED)
        analysis.analysed.connect(self._on_analysed)
        self._capture, self._analysis = capture, analysis
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Cooperative stop; returns promptly even if the source's read() is blocked."""
        capture, analysis = self._capture, self._analysis
        if capture is None or analysis is None:
            return
        capture.stop()
        analysis.stop()
        for thread, worker in zip(self._threads, (analysis, capture), strict=True):
            thread.quit()
            if not thread.wait(3000):
                log.error("camera thread %s did not stop in time", thread.objectName())
                _STRAGGLERS.append((thread, worker))
        self.frames_produced += capture.frames_produced
        self.frames_emitted += capture.frames_emitted
        self.analysis_ms.extend(analysis.times_ms)
        self.analysis_cpu_ms.extend(analysis.cpu_ms)
        capture.forget_latest()
        analysis.reset()
        self._capture = self._analysis = None
        self._threads = []

    def set_analysis(self, enabled: bool) -> None:
        """Pause the checks (e.g. while reviewing a photo) without stopping the preview."""
        if self._capture is None or self._analysis is None:
            return
        if enabled:
            self._analysis.reset()
            self._capture.analysis_enabled.set()
        else:
            self._capture.analysis_enabled.clear()

    def latest_frame(self) -> np.ndarray | None:
        return self._capture.latest_frame() if self._capture is not None else None

    def take_photo(
        self, quality: int = 92, judged: bool = False, report: object | None = None
    ) -> bytearray | None:
        """The newest frame (or, with `judged`, the frame of `report`, default the latest
        quality report), un-mirrored, as one JPEG held in memory only."""
        frame = self.latest_frame()
        if judged and self._analysis is not None:
            frame = self._analysis.judged_frame(report)
        if frame is None:
            return None
        ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if not ok:
            return None
        photo = bytearray(buf.tobytes())
        buf.fill(0)
        return photo

    def counters(self) -> dict[str, int]:
        c = self._capture
        return {
            "produced": self.frames_produced + (c.frames_produced if c else 0),
            "emitted": self.frames_emitted + (c.frames_emitted if c else 0),
        }

    @Slot(QImage)
    def _on_frame(self, image: QImage) -> None:
        if self._capture is not None:
            self._capture.frame_consumed()
        self.frame_ready.emit(image)

    @Slot(object)
    def _on_analysed(self, report: object) -> None:
        # Handled by the page first (a direct call on this thread), then the next analysis
        # may start: an auto capture thus always finds the frame of the report it acts on.
        analysis = self._analysis
        self.analysed.emit(report)
        if analysis is not None:
            analysis.report_consumed()
