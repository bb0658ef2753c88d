"""Printing a receipt without a dialog (R31): the system's printing (QtPrintSupport → CUPS)
or an ESC/POS thermal printer (python-escpos: network, USB, file/device).

Both take the signed PDF's bytes. The pages are rasterised in memory by poppler's pdftoppm
(stdin → stdout: no file), because Qt cannot draw a PDF without QtPdf and an ESC/POS printer
takes bitmaps for CJK text anyway. Every failure is a `PrinterError` with a help code and the
holder's message (ask at the counter for a reprint).

The setting `printer` says which: `none`, `system` (the default queue), `system:QUEUE`,
`escpos-network:HOST[:PORT]`, `escpos-usb:VENDOR:PRODUCT` (hex ids), `escpos-file:PATH`
(a device such as /dev/usb/lp0).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from kiosk.receipt import texts
from kiosk.receipt.render import PaperFormat

ROLL_DOTS = 576  # an 80 mm printer prints 72 mm at 203 dpi
ROLL_DPI = 203
A4_DPI = 200


class PrinterError(Exception):
    """A receipt that did not print. str() is for staff and logs (no personal data)."""

    help_code = texts.PRINT_FAILED

    @property
    def messages(self) -> dict[str, str]:
        return texts.help_messages(self.help_code)

    def user_message(self, lang: str = "zh-Hant") -> str:
        text = texts.help_message(self.help_code, lang)
        label = texts.tr("receipt.label.help_code", lang)
        if lang == "zh-Hant":
            return f"{text}（{label}：{self.help_code}）"
        return f"{text} ({label}: {self.help_code})"


class PrinterMissing(PrinterError):
    help_code = texts.PRINTER_MISSING


class PrinterOffline(PrinterError):
    help_code = texts.PRINTER_OFFLINE


class PrinterOutOfPaper(PrinterError):
    help_code = texts.PRINTER_NO_PAPER


class PrintFailed(PrinterError):
    help_code = texts.PRINT_FAILED


class Printer(Protocol):
    def print_pdf(self, pdf: bytes, paper: PaperFormat, title: str) -> None:
        """Prints every page once, or raises PrinterError."""


def page_count(pdf: bytes) -> int:
    out = _run(["pdfinfo", "-"], pdf).decode("latin-1")
    for line in out.splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    raise PrintFailed("pdfinfo found no page count")


def rasterise(pdf: bytes, dpi: int, *, gray: bool = True) -> list[bytes]:
    """PNG bytes of every page, made in memory."""
    pages = []
    for n in range(1, page_count(pdf) + 1):
        cmd = ["pdftoppm", "-png", "-r", str(dpi), "-singlefile", "-f", str(n), "-l", str(n)]
        pages.append(_run([*cmd, *(["-gray"] if gray else []), "-"], pdf))
    return pages


def _run(cmd: list[str], data: bytes) -> bytes:
    try:
        done = subprocess.run(cmd, input=data, capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PrintFailed(f"{cmd[0]} could not run ({type(exc).__name__}): install "
                          "poppler-utils") from None
    if done.returncode != 0:
        raise PrintFailed(f"{cmd[0]} failed (exit {done.returncode})")
    return done.stdout


# --- the system's printing (CUPS) -----------------------------------------------------------


class _CupsOption(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("value", ctypes.c_char_p)]


class _CupsDest(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("instance", ctypes.c_char_p),
                ("is_default", ctypes.c_int), ("num_options", ctypes.c_int),
                ("options", ctypes.POINTER(_CupsOption))]


class _CupsJob(ctypes.Structure):
    _fields_ = [("id", ctypes.c_int), ("dest", ctypes.c_char_p), ("title", ctypes.c_char_p),
                ("user", ctypes.c_char_p), ("format", ctypes.c_char_p), ("state", ctypes.c_int),
                ("size", ctypes.c_int), ("priority", ctypes.c_int),
                ("completed_time", ctypes.c_long), ("creation_time", ctypes.c_long),
                ("processing_time", ctypes.c_long)]


IPP_PRINTER_STOPPED = 5  # printer-state: 3 idle, 4 processing, 5 stopped (RFC 8011 5.4.11)


@dataclass(frozen=True)
class QueueState:
    state: int  # printer-state
    accepting: bool  # printer-is-accepting-jobs

    @property
    def offline(self) -> bool:
        return self.state == IPP_PRINTER_STOPPED or not self.accepting


class Cups:
    """The few libcups calls Qt's print plugin does not pass on: a queue's IPP state and
    whether it accepts jobs (cupsGetNamedDest, the attributes `lpstat` shows), this process's
    active jobs on it and cancelling one. Qt submits with cupsPrintFile and drops its
    result: a queue that rejects jobs (`cupsreject`) loses the job silently, and one stopped
    (`cupsdisable`) holds it, so these are asked before and after the job."""

    def __init__(self, lib: ctypes.CDLL) -> None:
        self.lib = lib
        lib.cupsGetNamedDest.restype = ctypes.POINTER(_CupsDest)
        lib.cupsGetNamedDest.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
        lib.cupsGetOption.restype = ctypes.c_char_p
        lib.cupsGetOption.argtypes = [ctypes.c_char_p, ctypes.c_int,
                                      ctypes.POINTER(_CupsOption)]
        lib.cupsFreeDests.argtypes = [ctypes.c_int, ctypes.POINTER(_CupsDest)]
        lib.cupsGetJobs2.restype = ctypes.c_int
        lib.cupsGetJobs2.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.POINTER(_CupsJob)),
                                     ctypes.c_char_p, ctypes.c_int, ctypes.c_int]
        lib.cupsFreeJobs.argtypes = [ctypes.c_int, ctypes.POINTER(_CupsJob)]
        lib.cupsCancelJob2.restype = ctypes.c_int
        lib.cupsCancelJob2.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int,
                                       ctypes.c_int]

    @classmethod
    def load(cls) -> Cups | None:
        """libcups, the one Qt's print plugin uses; None where there is none."""
        found = ctypes.util.find_library("cups")
        if not found:
            return None
        try:
            return cls(ctypes.CDLL(found))
        except (OSError, AttributeError):
            return None

    def queue_state(self, queue: str) -> QueueState | None:
        """None when CUPS knows no such queue (or does not answer)."""
        dest = self.lib.cupsGetNamedDest(None, queue.encode(), None)
        if not dest:
            return None
        try:
            d = dest.contents

            def option(name: str) -> str:
                value = self.lib.cupsGetOption(name.encode(), d.num_options, d.options)
                return value.decode("ascii", "replace") if value else ""

            state = option("printer-state")
            return QueueState(int(state) if state.isdigit() else 0,
                              option("printer-is-accepting-jobs").lower() != "false")
        finally:
            self.lib.cupsFreeDests(1, dest)

    def active_jobs(self, queue: str) -> set[int]:
        """Ids of this user's not-yet-completed jobs on `queue`."""
        jobs = ctypes.POINTER(_CupsJob)()
        n = self.lib.cupsGetJobs2(None, ctypes.byref(jobs), queue.encode(), 1, 0)
        try:
            return {jobs[i].id for i in range(max(n, 0))}
        finally:
            if n > 0:
                self.lib.cupsFreeJobs(n, jobs)

    def cancel(self, queue: str, job_id: int) -> bool:
        return self.lib.cupsCancelJob2(None, queue.encode(), job_id, 1) == 0  # IPP_OK


class SystemPrinter:
    """QtPrintSupport to a CUPS queue (the default one when `queue` is None), no dialog.
    Needs a QGuiApplication (the kiosk's, or an offscreen one). The queue's state is asked
    of CUPS before the job and after it (`Cups`): a stopped queue or one that rejects jobs
    is PrinterOffline, and a job that a queue stopped meanwhile holds is cancelled (it would
    print when the queue is enabled again, after the counter's reprint)."""

    def __init__(self, queue: str | None = None) -> None:
        self.queue = queue

    def _printer_info(self) -> Any:
        from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

        info = (QPrinterInfo.printerInfo(self.queue) if self.queue
                else QPrinterInfo.defaultPrinter())
        if info.isNull():
            raise PrinterMissing(f"no print queue {self.queue or '(default)'}")
        if info.state() in (QPrinter.PrinterState.Error, QPrinter.PrinterState.Aborted):
            raise PrinterOffline(f"print queue {info.printerName()} is stopped or in error")
        return info

    def _offline(self, cups: Cups | None, queue: str) -> QueueState | None:
        state = cups.queue_state(queue) if cups is not None else None
        return state if state is not None and state.offline else None

    def print_pdf(self, pdf: bytes, paper: PaperFormat, title: str) -> None:
        from PySide6.QtCore import QMarginsF, QRectF, QSizeF
        from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
        from PySide6.QtPrintSupport import QPrinter

        info = self._printer_info()
        queue = info.printerName()
        cups = Cups.load()
        if (state := self._offline(cups, queue)) is not None:
            raise PrinterOffline(f"print queue {queue} is {_said(state)}")
        before = cups.active_jobs(queue) if cups is not None else set()
        dpi = ROLL_DPI if paper == PaperFormat.ROLL else A4_DPI
        images = []
        for png in rasterise(pdf, dpi):
            image = QImage()
            if not image.loadFromData(png, "PNG"):
                raise PrintFailed("a rasterised page could not be read")
            images.append(image)
        printer = QPrinter(info, QPrinter.PrinterMode.HighResolution)
        printer.setDocName(title)
        printer.setFullPage(True)
        first = images[0]
        size = (QPageSize(QPageSize.PageSizeId.A4) if paper == PaperFormat.A4 else
                QPageSize(QSizeF(first.width() * 25.4 / dpi, first.height() * 25.4 / dpi),
                          QPageSize.Unit.Millimeter, "Receipt roll"))
        printer.setPageLayout(QPageLayout(size, QPageLayout.Orientation.Portrait,
                                          QMarginsF(0, 0, 0, 0)))
        painter = QPainter()
        if not painter.begin(printer):
            raise PrinterOffline(f"print queue {info.printerName()} refused the job")
        try:
            for n, image in enumerate(images):
                if n:
                    printer.newPage()
                target = painter.viewport()
                painter.drawImage(QRectF(target), image)
        finally:
            ok = painter.end()
        if not ok or printer.printerState() == QPrinter.PrinterState.Error:
            raise PrintFailed(f"print queue {info.printerName()} failed the job")
        if cups is not None and (state := self._offline(cups, queue)) is not None:
            held = cups.active_jobs(queue) - before
            for job in held:  # held by a stopped queue: it must not print later as well
                cups.cancel(queue, job)
            raise PrinterOffline(f"print queue {queue} became {_said(state)}; "
                                 f"{len(held)} job(s) cancelled")


def _said(state: QueueState) -> str:
    return "stopped" if state.state == IPP_PRINTER_STOPPED else "rejecting jobs"


# --- ESC/POS ------------------------------------------------------------------------------


@dataclass(frozen=True)
class EscposTarget:
    kind: str  # network | usb | file
    host: str = ""
    port: int = 9100
    vendor: int = 0
    product: int = 0
    path: str = ""


class EscposPrinter:
    """An ESC/POS receipt printer: the roll as one raster image, then a cut."""

    def __init__(self, target: EscposTarget) -> None:
        self.target = target

    def _open(self) -> Any:
        from escpos import printer as ep

        t = self.target
        try:
            if t.kind == "network":
                device = ep.Network(t.host, port=t.port, timeout=5)
            elif t.kind == "usb":
                device = ep.Usb(t.vendor, t.product)
            else:
                device = ep.File(t.path)
            device.open()
        except Exception as exc:  # escpos raises DeviceNotFoundError, USBNotFoundError, OSError
            raise PrinterMissing(f"ESC/POS {t.kind} printer not reachable "
                                 f"({type(exc).__name__})") from None
        return device

    def _check_paper(self, device: Any) -> None:
        if self.target.kind == "file":
            return  # a write-only device answers no status
        try:
            online = device.is_online()
            paper = device.paper_status()
        except Exception:
            raise PrinterOffline("ESC/POS printer does not answer its status") from None
        if not online:
            raise PrinterOffline("ESC/POS printer reports offline")
        if paper == 0:
            raise PrinterOutOfPaper("ESC/POS printer reports no paper")

    def print_pdf(self, pdf: bytes, paper: PaperFormat, title: str) -> None:
        import io

        from PIL import Image

        pages = rasterise(pdf, ROLL_DPI)
        device = self._open()
        try:
            self._check_paper(device)
            device.hw("INIT")  # ESC @: whatever a previous job left set is cleared
            for png in pages:
                image = Image.open(io.BytesIO(png)).convert("L")
                if image.width > ROLL_DOTS:
                    height = round(image.height * ROLL_DOTS / image.width)
                    image = image.resize((ROLL_DOTS, height), Image.Resampling.LANCZOS)
                device.image(image.point(lambda v: 0 if v < 160 else 255, mode="1"),
                             impl="bitImageRaster")
            device.cut()
        except PrinterError:
            raise
        except Exception as exc:
            raise PrintFailed(f"ESC/POS job failed ({type(exc).__name__})") from None
        finally:
            with contextlib.suppress(Exception):  # closing a dead device must not mask the error
                device.close()


class NoPrinter:
    """`printer = none`: every receipt goes to the counter."""

    def print_pdf(self, pdf: bytes, paper: PaperFormat, title: str) -> None:
        raise PrinterMissing("this kiosk has no receipt printer (setting printer = none)")


PRINTER_FORMS = ("none", "system", "system:QUEUE", "escpos-network:HOST[:PORT]",
                 "escpos-usb:VENDOR:PRODUCT", "escpos-file:PATH")


def parse_printer(text: str) -> str:
    """The setting's text, checked (ValueError saying the forms it takes)."""
    printer_from_setting(text)
    return text.strip()


def printer_from_setting(text: str | None) -> Printer:
    spec = (text or "system").strip()
    kind, _, rest = spec.partition(":")
    bad = ValueError(f"takes one of {', '.join(PRINTER_FORMS)}")
    if kind == "none" and not rest:
        return NoPrinter()
    if kind == "system":
        return SystemPrinter(rest or None)
    if kind == "escpos-network" and rest:
        host, _, port = rest.partition(":")
        if not host or (port and not port.isdigit()):
            raise bad
        return EscposPrinter(EscposTarget("network", host=host, port=int(port or 9100)))
    if kind == "escpos-usb":
        vendor, _, product = rest.partition(":")
        try:
            return EscposPrinter(EscposTarget("usb", vendor=int(vendor, 16),
                                              product=int(product, 16)))
        except ValueError:
            raise bad from None
    if kind == "escpos-file" and rest:
        return EscposPrinter(EscposTarget("file", path=rest))
    raise bad


def holder_messages(err: PrinterError) -> Mapping[str, str]:
    return {lang: err.user_message(lang) for lang in ("zh-Hant", "pt", "en")}
