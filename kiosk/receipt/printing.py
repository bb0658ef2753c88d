"""Printing a receipt without a dialog (R31): the system's printing (CUPS, through libcups)
or an ESC/POS thermal printer (python-escpos: network, USB, file/device).

Both take the signed PDF's bytes, and neither writes them to a file. CUPS is sent the PDF
itself from memory (application/pdf over IPP: cupsCreateJob, cupsStartDocument,
cupsWriteRequestData, cupsFinishDocument; CUPS's own filters make what the printer takes);
this needs no Qt (before, QtPrintSupport's CUPS plugin wrote every page to a temp file for
cupsPrintFile). For ESC/POS the pages are rasterised in memory by poppler's pdftoppm
(stdin → stdout: no file), as an ESC/POS printer takes bitmaps for CJK text. Every failure
is a `PrinterError` with a help code and the holder's message (ask at the counter for a
reprint).

The setting `printer` says which: `none`, `system` (the default queue), `system:QUEUE`,
`escpos-network:HOST[:PORT]`, `escpos-usb:VENDOR:PRODUCT` (hex ids), `escpos-file:PATH`
(a device such as /dev/usb/lp0).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from kiosk.receipt import texts
from kiosk.receipt.render import PaperFormat

ROLL_DOTS = 576  # an 80 mm printer prints 72 mm at 203 dpi
ROLL_DPI = 203


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


def _pdfinfo(pdf: bytes) -> dict[str, str]:
    out = _run(["pdfinfo", "-"], pdf).decode("latin-1")
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in
                                                 out.splitlines())}


def page_count(pdf: bytes) -> int:
    pages = _pdfinfo(pdf).get("Pages", "")
    if not pages.isdigit():
        raise PrintFailed("pdfinfo found no page count")
    return int(pages)


def page_size(pdf: bytes) -> tuple[float, float]:
    """The first page's width and height in points ("Page size: 226.77 x 538.6 pts")."""
    words = _pdfinfo(pdf).get("Page size", "").split()
    try:
        return float(words[0]), float(words[2])
    except (IndexError, ValueError):
        raise PrintFailed("pdfinfo found no page size") from None


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


IPP_PRINTER_STOPPED = 5  # printer-state: 3 idle, 4 processing, 5 stopped (RFC 8011 5.4.11)
HTTP_STATUS_CONTINUE = 100  # cupsStartDocument / cupsWriteRequestData: go on
IPP_STATUS_OK_MAX = 0x00FF  # successful-ok .. successful-ok-*
IPP_STATUS_ERROR_NOT_FOUND = 0x0406
IPP_STATUS_ERROR_SERVICE_UNAVAILABLE = 0x0503
IPP_STATUS_ERROR_NOT_ACCEPTING_JOBS = 0x0506
CUPS_FORMAT_PDF = b"application/pdf"
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class QueueState:
    name: str  # the queue's name (the default queue's, when none was asked for)
    state: int  # printer-state
    accepting: bool  # printer-is-accepting-jobs

    @property
    def offline(self) -> bool:
        return self.state == IPP_PRINTER_STOPPED or not self.accepting


class CupsError(Exception):
    """A libcups call that failed: the IPP status and cupsLastErrorString()."""

    def __init__(self, call: str, status: int, text: str) -> None:
        super().__init__(f"{call} failed: {text} (IPP status 0x{status:04x})")
        self.status = status


class Cups:
    """The libcups calls the kiosk prints with (CUPS_HTTP_DEFAULT: the server of
    CUPS_SERVER / client.conf): a queue's IPP state, and a job made of bytes in memory
    (cupsCreateJob, cupsStartDocument, cupsWriteRequestData, cupsFinishDocument), or
    cancelled. Nothing is written to a file on this side: the document goes over IPP."""

    def __init__(self, lib: ctypes.CDLL) -> None:
        self.lib = lib
        lib.cupsGetNamedDest.restype = ctypes.POINTER(_CupsDest)
        lib.cupsGetNamedDest.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
        lib.cupsGetOption.restype = ctypes.c_char_p
        lib.cupsGetOption.argtypes = [ctypes.c_char_p, ctypes.c_int,
                                      ctypes.POINTER(_CupsOption)]
        lib.cupsFreeDests.argtypes = [ctypes.c_int, ctypes.POINTER(_CupsDest)]
        lib.cupsCreateJob.restype = ctypes.c_int
        lib.cupsCreateJob.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p,
                                      ctypes.c_int, ctypes.POINTER(_CupsOption)]
        lib.cupsStartDocument.restype = ctypes.c_int
        lib.cupsStartDocument.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int,
                                          ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int]
        lib.cupsWriteRequestData.restype = ctypes.c_int
        lib.cupsWriteRequestData.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
        lib.cupsFinishDocument.restype = ctypes.c_int
        lib.cupsFinishDocument.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        lib.cupsLastError.restype = ctypes.c_int
        lib.cupsLastError.argtypes = []
        lib.cupsLastErrorString.restype = ctypes.c_char_p
        lib.cupsLastErrorString.argtypes = []
        lib.cupsCancelJob2.restype = ctypes.c_int
        lib.cupsCancelJob2.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int,
                                       ctypes.c_int]

    @staticmethod
    def load() -> Cups | None:
        """libcups, looked up once per process; None where there is none."""
        return _load_cups()

    def _failed(self, call: str) -> CupsError:
        text = self.lib.cupsLastErrorString()
        return CupsError(call, self.lib.cupsLastError(),
                         text.decode("utf-8", "replace") if text else "no error text")

    def queue_state(self, queue: str | None) -> QueueState | None:
        """`queue`'s state (None: the default queue's); None when CUPS knows no such queue
        (or does not answer)."""
        dest = self.lib.cupsGetNamedDest(None, queue.encode() if queue else None, None)
        if not dest:
            return None
        try:
            d = dest.contents

            def option(name: str) -> str:
                value = self.lib.cupsGetOption(name.encode(), d.num_options, d.options)
                return value.decode("ascii", "replace") if value else ""

            state = option("printer-state")
            return QueueState((d.name or b"").decode("utf-8", "replace"),
                              int(state) if state.isdigit() else 0,
                              option("printer-is-accepting-jobs").lower() != "false")
        finally:
            self.lib.cupsFreeDests(1, dest)

    def submit(self, queue: str, title: str, document: bytes, doc_format: bytes,
               options: Mapping[str, str]) -> int:
        """One job of one document, sent from memory; its id. CupsError when any step
        fails (a job made before the failure is cancelled)."""
        opts = (_CupsOption * max(len(options), 1))(
            *[_CupsOption(k.encode(), v.encode()) for k, v in options.items()])
        name = queue.encode()
        job = self.lib.cupsCreateJob(None, name, title.encode(), len(options), opts)
        if job <= 0:
            raise self._failed("cupsCreateJob")
        try:
            if self.lib.cupsStartDocument(None, name, job, title.encode(), doc_format,
                                          1) != HTTP_STATUS_CONTINUE:
                raise self._failed("cupsStartDocument")
            view = memoryview(document)
            for at in range(0, len(view), _CHUNK):
                chunk = bytes(view[at: at + _CHUNK])
                if self.lib.cupsWriteRequestData(None, chunk,
                                                 len(chunk)) != HTTP_STATUS_CONTINUE:
                    # the request stays open: finishing it reads the server's answer
                    self.lib.cupsFinishDocument(None, name)
                    raise self._failed("cupsWriteRequestData")
            if self.lib.cupsFinishDocument(None, name) > IPP_STATUS_OK_MAX:
                raise self._failed("cupsFinishDocument")
        except CupsError:
            self.cancel(queue, job)
            raise
        return int(job)

    def cancel(self, queue: str, job_id: int) -> bool:
        return self.lib.cupsCancelJob2(None, queue.encode(), job_id, 1) == 0  # IPP_OK


@functools.cache
def _load_cups() -> Cups | None:
    found = ctypes.util.find_library("cups")
    if not found:
        return None
    try:
        return Cups(ctypes.CDLL(found))
    except (OSError, AttributeError):
        return None


def cups_options(pdf: bytes, paper: PaperFormat) -> dict[str, str]:
    """The job's options: the roll as a custom size exactly the PDF's page (80 mm wide, as
    long as the receipt), A4 as A4; fit-to-page, so a printable area smaller than the page
    scales the receipt rather than cut its edge off."""
    if paper == PaperFormat.A4:
        media = "A4"
    else:
        width, height = page_size(pdf)
        media = f"Custom.{width:.2f}x{height:.2f}"  # points, CUPS's default unit
    return {"media": media, "fit-to-page": "true"}


class SystemPrinter:
    """A CUPS queue (the default one when `queue` is None), no dialog and no Qt: the signed
    PDF's bytes are sent to CUPS from memory as application/pdf (libcups through `Cups`),
    so no copy of the receipt is written to a temp file on the kiosk. The queue's state is
    asked before the job and after it: a stopped queue or one that rejects jobs is
    PrinterOffline, and the job that a queue stopped meanwhile holds is cancelled (it would
    print when the queue is enabled again, after the counter's reprint)."""

    def __init__(self, queue: str | None = None) -> None:
        self.queue = queue

    def print_pdf(self, pdf: bytes, paper: PaperFormat, title: str) -> None:
        asked = self.queue or "(default)"
        cups = Cups.load()
        if cups is None:
            raise PrinterMissing("no libcups on this machine (install libcups2)")
        state = cups.queue_state(self.queue)
        if state is None:
            raise PrinterMissing(f"no print queue {asked}")
        queue = state.name or (self.queue or "")
        if state.offline:
            raise PrinterOffline(f"print queue {queue} is {_said(state)}")
        options = cups_options(pdf, paper)
        try:
            job = cups.submit(queue, title, pdf, CUPS_FORMAT_PDF, options)
        except CupsError as err:
            if err.status == IPP_STATUS_ERROR_NOT_ACCEPTING_JOBS:
                raise PrinterOffline(f"print queue {queue} refused the job: {err}") from None
            if err.status in (IPP_STATUS_ERROR_NOT_FOUND, IPP_STATUS_ERROR_SERVICE_UNAVAILABLE):
                raise PrinterMissing(f"print queue {queue}: {err}") from None
            raise PrintFailed(f"print queue {queue} failed the job: {err}") from None
        after = cups.queue_state(queue)
        if after is not None and after.offline:
            # held by a stopped queue: it must not print later as well
            cancelled = 1 if cups.cancel(queue, job) else 0
            raise PrinterOffline(f"print queue {queue} became {_said(after)}; "
                                 f"{cancelled} job(s) cancelled")


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
