"""The queue slip (R2, issue 9 §4): what a holder whose non-cloud certificates wait for
the counter takes there. A short 80 mm slip laid out like the receipt (kiosk/receipt/
render.py's blocks and fonts): the reference in large type and as a QR code (the counter's
queue search takes it), the certificates that wait, and where to go. It carries no seal:
it proves nothing, the registry's record is the authority."""

from __future__ import annotations

import io

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from kiosk import pdf_text
from kiosk.receipt import texts
from kiosk.receipt.model import ReceiptData
from kiosk.receipt.render import (
    _GEOMETRY,
    PaperFormat,
    _draw_blocks,
    _label,
    _Layout,
    draw_qr,
    local_time,
)

QR_SIDE = 30 * mm


def render_slip(data: ReceiptData) -> bytes:
    """The slip's PDF bytes (one roll page, as tall as its lines)."""
    pdf_text.register_fonts()
    g = _GEOMETRY[PaperFormat.ROLL]
    column = g.width - 2 * g.margin
    lay = _Layout(g, column)
    langs = data.languages
    lay.text(data.registry_name, size=g.title, bold=True)
    for lang in langs:
        lay.text(texts.tr("receipt.slip.title", lang), size=g.title * 0.9, bold=True)
    lay.rule()
    lay.text(_label("receipt.label.reference", langs), size=g.size * 0.86, grey=True)
    lay.text(data.renewal_ref, size=g.title * 1.5, bold=True)
    lay.field("receipt.label.time", local_time(data.issued_at), langs)
    lay.field("receipt.label.kiosk", f"{data.kiosk_id}  ·  {data.site}", langs)
    lay.rule()
    for n, row in enumerate(data.certificates, start=1):
        names = dict.fromkeys(texts.cert_type(row.cert_type, lang) for lang in langs)
        lay.text(f"{n}. " + " / ".join(names), bold=True, gap=2)
        lay.text(row.old_serial, indent=10)
    lay.rule()
    for lang in langs:
        lay.text(texts.tr("receipt.slip.guidance", lang), gap=2)
    height = g.margin * 2 + sum(b.height for b in lay.blocks) + QR_SIDE + 4 * mm
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=(g.width, height), invariant=1)
    canvas.setTitle(f"{texts.tr('receipt.slip.title', 'zh-Hant')} {data.renewal_ref}")
    y = _draw_blocks(canvas, lay.blocks, g.margin, height - g.margin, column)
    draw_qr(canvas, data.renewal_ref, (g.width - QR_SIDE) / 2, y - 2 * mm - QR_SIDE, QR_SIDE)
    canvas.showPage()
    canvas.save()
    return buf.getvalue()
