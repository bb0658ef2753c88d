"""The receipt as a PDF (R31): an 80 mm roll as long as it needs, or A4.

The content is laid out once as a list of blocks (text lines already wrapped to the column,
rules, the QR seal); the roll's page is then made exactly as tall as the blocks, and A4
flows them onto pages with the seal at the top right of the first. Mixed Chinese/Latin
runs go through kiosk.pdf_text (DejaVu Sans for Latin, Droid Sans Fallback for CJK).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from kiosk import pdf_text
from kiosk.receipt import texts
from kiosk.receipt.model import CertificateRow, Outcome, ReceiptData

MACAU = dt.timezone(dt.timedelta(hours=8), "UTC+08:00")  # no daylight saving in Macau


class PaperFormat(StrEnum):
    ROLL = "roll"  # 80 mm thermal roll
    A4 = "a4"


@dataclass(frozen=True)
class _Geometry:
    width: float
    margin: float
    size: float  # body text
    title: float
    qr: float


ROLL_WIDTH = 80 * mm
_GEOMETRY = {
    PaperFormat.ROLL: _Geometry(ROLL_WIDTH, 4 * mm, 7.6, 10.5, 48 * mm),
    PaperFormat.A4: _Geometry(A4[0], 18 * mm, 9.5, 15.0, 48 * mm),
}


@dataclass
class _Line:
    text: str
    size: float
    bold: bool = False
    indent: float = 0.0
    gap: float = 0.0  # extra space above
    grey: bool = False

    @property
    def height(self) -> float:
        return self.gap + self.size * 1.38


@dataclass
class _Rule:
    gap: float = 3.0

    @property
    def height(self) -> float:
        return 2 * self.gap


_Block = _Line | _Rule


def _label(key: str, langs: tuple[str, ...]) -> str:
    return " / ".join(dict.fromkeys(texts.tr(key, lang) for lang in langs))


def local_time(when: dt.datetime) -> str:
    return when.astimezone(MACAU).strftime("%Y-%m-%d %H:%M:%S") + " (UTC+08:00)"


class _Layout:
    def __init__(self, geometry: _Geometry, column: float) -> None:
        self.g = geometry
        self.column = column
        self.blocks: list[_Block] = []

    def text(self, text: str, *, size: float | None = None, bold: bool = False,
             indent: float = 0.0, gap: float = 0.0, grey: bool = False) -> None:
        size = size or self.g.size
        font = pdf_text.LATIN_BOLD if bold else pdf_text.LATIN
        for i, line in enumerate(pdf_text.wrap(text, size, self.column - indent, font)):
            self.blocks.append(_Line(line, size, bold, indent, gap if i == 0 else 0.0, grey))

    def field(self, key: str, value: str, langs: tuple[str, ...]) -> None:
        self.text(_label(key, langs), size=self.g.size * 0.86, grey=True, gap=1.5)
        self.text(value, indent=6)

    def rule(self) -> None:
        self.blocks.append(_Rule())


def _certificate(lay: _Layout, n: int, row: CertificateRow, langs: tuple[str, ...]) -> None:
    names = dict.fromkeys(texts.cert_type(row.cert_type, lang) for lang in langs)
    lay.text(f"{n}. " + " / ".join(names), bold=True, gap=3)
    indent = 10.0
    lay.text(_label("receipt.label.old", langs), size=lay.g.size * 0.86, grey=True, indent=indent)
    lay.text(f"{row.old_serial}  ·  {row.old_expiry.isoformat()}", indent=indent + 6)
    if row.new_serial:
        new_expiry = row.new_expiry.isoformat() if row.new_expiry else "—"
        lay.text(_label("receipt.label.new", langs), size=lay.g.size * 0.86, grey=True,
                 indent=indent)
        lay.text(f"{row.new_serial}  ·  {new_expiry}", indent=indent + 6, bold=True)
    lay.text(_label(f"receipt.cert.{row.outcome}", langs), indent=indent)
    if row.help_code:
        lay.text(f"{_label('receipt.label.help_code', langs)}: {row.help_code}", indent=indent)


def _header(lay: _Layout, data: ReceiptData) -> None:
    langs = data.languages
    lay.text(data.registry_name, size=lay.g.title, bold=True)
    for lang in langs:
        lay.text(texts.tr("receipt.title", lang), size=lay.g.title * 0.8)
    for i, lang in enumerate(langs):
        lay.text(texts.tr(f"receipt.outcome.{data.outcome}", lang), size=lay.g.size * 1.15,
                 bold=True, gap=4 if i == 0 else 0)
    if data.help_code:
        lay.text(f"{_label('receipt.label.help_code', langs)}: {data.help_code}", bold=True, gap=2)
    lay.field("receipt.label.reference", data.renewal_ref, langs)
    lay.field("receipt.label.time", local_time(data.issued_at), langs)
    lay.field("receipt.label.kiosk", f"{data.kiosk_id}  ·  {data.site}", langs)
    lay.field("receipt.label.holder", data.holder_name, langs)
    lay.field("receipt.label.id_number", data.id_number_masked, langs)


def _body(lay: _Layout, data: ReceiptData) -> None:
    langs = data.languages
    lay.rule()
    for n, row in enumerate(data.certificates, start=1):
        _certificate(lay, n, row, langs)
    lay.rule()
    lay.text(_label("receipt.label.next", langs), bold=True)
    for lang in langs:
        if data.outcome is Outcome.OFFLINE:
            paragraph = texts.offline_notice(lang)
        else:
            key = texts.next_step_key(data.outcome)
            paragraph = texts.tr(key, lang) if key else ""
        message = data.help_messages.get(lang)
        if message and data.outcome is not Outcome.OFFLINE:
            lay.text(message, gap=2)
        if paragraph:
            lay.text(paragraph, gap=2)
    lay.rule()
    lay.text(_label("receipt.label.contacts", langs), bold=True)
    c = data.contacts
    lay.text(f"{_label('receipt.label.telephone', langs)}: {c.telephone}", indent=6)
    lay.text(f"{_label('receipt.label.fax', langs)}: {c.fax}", indent=6)
    lay.text(f"{_label('receipt.label.email', langs)}: {c.email}", indent=6)


def _seal_note(lay: _Layout, data: ReceiptData) -> None:
    for i, lang in enumerate(data.languages):
        lay.text(texts.tr("receipt.label.seal", lang), size=lay.g.size * 0.86, grey=True,
                 gap=3 if i == 0 else 0)


def _draw_blocks(canvas: Canvas, blocks: list[_Block], x: float, y: float,
                 width: float) -> float:
    for block in blocks:
        if isinstance(block, _Rule):
            y -= block.gap
            canvas.setLineWidth(0.6)
            canvas.setStrokeGray(0.3)
            canvas.line(x, y, x + width, y)
            y -= block.gap
            continue
        y -= block.height
        canvas.setFillGray(0.35 if block.grey else 0.0)
        font = pdf_text.LATIN_BOLD if block.bold else pdf_text.LATIN
        pdf_text.draw(canvas, x + block.indent, y + block.size * 0.3, block.text, block.size,
                      font)
    canvas.setFillGray(0.0)
    return y


def qr_matrix(seal_text: str) -> tuple[bytearray, ...]:
    """The seal's QR modules, one bytearray a row (1 = dark), error correction M, no quiet
    zone. segno, because ReportLab's own QR widget took over a second per receipt."""
    import segno

    # A fixed mask: choosing among the eight (ISO/IEC 18004's penalty scoring) took two
    # thirds of the render time, and any mask is a valid QR code that readers decode.
    qr = segno.make_qr(seal_text, error="m", boost_error=False, mask=1)
    return tuple(qr.matrix)


_DARK_IS_BLACK = bytes.maketrans(b"\x00\x01", b"\xff\x00")  # module 1 -> grey 0


def draw_qr(canvas: Canvas, seal_text: str, x: float, y: float, side: float) -> None:
    """The seal as a QR code, side × side points (with a 2-module quiet zone inside),
    lower-left corner at (x, y): a 1-bit image, one pixel per module, drawn unsmoothed
    (thousands of rectangles cost more to write than the rest of the page). The image is
    made from the rows' bytes in one go (a Python loop per module cost a millisecond)."""
    from PIL import Image, ImageOps
    from reportlab.lib.utils import ImageReader

    matrix = qr_matrix(seal_text)
    n = len(matrix)
    modules = Image.frombytes("L", (n, n), b"".join(matrix).translate(_DARK_IS_BLACK))
    image = ImageOps.expand(modules, border=2, fill=255).convert("1", dither=Image.Dither.NONE)
    canvas.drawImage(ImageReader(image), x, y, side, side)


def render(data: ReceiptData, seal_text: str, paper: PaperFormat = PaperFormat.ROLL) -> bytes:
    """The receipt's PDF bytes (deterministic for the same data and seal)."""
    pdf_text.register_fonts()
    g = _GEOMETRY[PaperFormat(paper)]
    column = g.width - 2 * g.margin
    buf = io.BytesIO()
    if paper == PaperFormat.ROLL:
        lay = _Layout(g, column)
        _header(lay, data)
        _body(lay, data)
        _seal_note(lay, data)
        height = g.margin * 2 + sum(b.height for b in lay.blocks) + g.qr + 4 * mm
        canvas = Canvas(buf, pagesize=(g.width, height), invariant=1)
        _meta(canvas, data)
        y = _draw_blocks(canvas, lay.blocks, g.margin, height - g.margin, column)
        draw_qr(canvas, seal_text, (g.width - g.qr) / 2, y - 2 * mm - g.qr, g.qr)
        canvas.showPage()
    else:
        canvas = Canvas(buf, pagesize=A4, invariant=1)
        _meta(canvas, data)
        top = A4[1] - g.margin
        head = _Layout(g, column - g.qr - 6 * mm)
        _header(head, data)
        draw_qr(canvas, seal_text, g.width - g.margin - g.qr, top - g.qr, g.qr)
        note = _Layout(g, g.qr)
        _seal_note(note, data)
        _draw_blocks(canvas, note.blocks, g.width - g.margin - g.qr, top - g.qr - 2, g.qr)
        note_bottom = top - g.qr - 2 - sum(b.height for b in note.blocks)
        y = _draw_blocks(canvas, head.blocks, g.margin, top, head.column)
        y = min(y, note_bottom) - 2 * mm
        body = _Layout(g, column)
        _body(body, data)
        _flow(canvas, body.blocks, g, y, _footer(data))
    canvas.save()
    return buf.getvalue()


def _footer(data: ReceiptData) -> Callable[[Canvas, int], None]:
    def footer(canvas: Canvas, page: int) -> None:
        g = _GEOMETRY[PaperFormat.A4]
        canvas.setFillGray(0.35)
        pdf_text.draw(canvas, g.margin, g.margin - 8,
                      f"{data.registry_name}  ·  {data.renewal_ref}  ·  {page}", 7.5)
        canvas.setFillGray(0.0)
    return footer


def _flow(canvas: Canvas, blocks: list[_Block], g: _Geometry, y: float,
          footer: Callable[[Canvas, int], None]) -> None:
    page = 1
    column = g.width - 2 * g.margin
    for block in blocks:
        if y - block.height < g.margin + 6:
            footer(canvas, page)
            canvas.showPage()
            page += 1
            y = A4[1] - g.margin
        y = _draw_blocks(canvas, [block], g.margin, y, column)
    footer(canvas, page)
    canvas.showPage()


def _meta(canvas: Canvas, data: ReceiptData) -> None:
    canvas.setTitle(f"{texts.tr('receipt.title', 'zh-Hant')} {data.renewal_ref}")
    canvas.setAuthor(f"{data.registry_name} kiosk {data.kiosk_id}")
