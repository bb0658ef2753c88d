"""Mixed Chinese/Latin text for ReportLab: each character drawn with a font that has it.

The bundled CJK font (Droid Sans Fallback) has no Latin letters and DejaVu Sans has no CJK, so
a string is split into runs by which font covers each character: DejaVu when it has the glyph,
else Droid. Line wrapping measures every run with its own font.
"""

from __future__ import annotations

import functools
import itertools
import threading
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONTS_DIR = Path(__file__).resolve().parents[1] / "resources" / "fonts"
LATIN = "DejaVuSans"
LATIN_BOLD = "DejaVuSans-Bold"
CJK = "DroidSansFallback"

_lock = threading.Lock()
_coverage: dict[str, frozenset[int]] = {}


def register_fonts() -> None:
    """Register the bundled fonts with ReportLab once per process (~0.1 s the first time)."""
    with _lock:
        if _coverage:
            return
        for name, file in (
            (LATIN, "DejaVuSans.ttf"),
            (LATIN_BOLD, "DejaVuSans-Bold.ttf"),
            (CJK, "DroidSansFallbackFull.ttf"),
        ):
            font = TTFont(name, str(FONTS_DIR / file))
            pdfmetrics.registerFont(font)
            _coverage[name] = frozenset(font.face.charToGlyph)


@dataclass(frozen=True)
class Run:
    text: str
    font: str


def runs(text: str, latin: str = LATIN) -> list[Run]:
    """Split text into maximal runs that one font can draw."""
    return list(_runs(text, latin))


@functools.lru_cache(maxsize=4096)
def _runs(text: str, latin: str) -> tuple[Run, ...]:
    register_fonts()
    has_latin = _coverage[LATIN]
    out: list[Run] = []
    for font, chars in itertools.groupby(
        text, key=lambda ch: latin if ord(ch) in has_latin or ch.isspace() else CJK
    ):
        out.append(Run("".join(chars), font))
    return tuple(out)


def covered(font: str) -> frozenset[int]:
    """Code points the registered font has a glyph for."""
    register_fonts()
    return _coverage[font]


@functools.lru_cache(maxsize=4096)
def width(text: str, size: float, latin: str = LATIN) -> float:
    # Cached: wrap() measures every word of every line, and receipts repeat their labels.
    return sum(pdfmetrics.stringWidth(r.text, r.font, size) for r in runs(text, latin))


def draw(canvas: Canvas, x: float, y: float, text: str, size: float, latin: str = LATIN) -> float:
    """Draw text with its baseline at (x, y); returns the x where it ends. With the bold
    Latin font, CJK runs are emboldened by stroking their outlines too (the CJK font has no
    bold face), so a bold heading stays bold in Chinese."""
    for run in runs(text, latin):
        if run.font == CJK and latin == LATIN_BOLD:
            t = canvas.beginText(x, y)
            t.setFont(run.font, size)
            t.setTextRenderMode(2)  # fill and stroke
            canvas.saveState()
            canvas.setLineWidth(size * 0.022)
            t.textOut(run.text)
            canvas.drawText(t)
            canvas.restoreState()
        else:
            canvas.setFont(run.font, size)
            canvas.drawString(x, y, run.text)
        x += pdfmetrics.stringWidth(run.text, run.font, size)
    return x


def _breaks_anywhere(ch: str) -> bool:
    """CJK (and other wide) characters, after which a line may break."""
    return ord(ch) >= 0x2E80


def _tokens(text: str) -> list[str]:
    """Latin words (accented letters included: 'electrónicos') stay whole; every CJK
    character and every space is a token of its own."""
    tokens: list[str] = []
    word = ""
    for ch in text:
        if not ch.isspace() and not _breaks_anywhere(ch):
            word += ch
            continue
        if word:
            tokens.append(word)
            word = ""
        tokens.append(ch)
    if word:
        tokens.append(word)
    return tokens


# Chinese typesetting keeps these with the character before them (no line starts with one).
_NO_LINE_START = frozenset("，。、；：？！）」』〕】》〉”’…,.;:?!)")


def wrap(text: str, size: float, max_width: float, latin: str = LATIN) -> list[str]:
    """Greedy line breaking; a line never starts with a space or closing punctuation."""
    lines: list[str] = []
    line = ""
    line_width = 0.0  # widths add up: ReportLab's stringWidth applies no kerning
    for token in _tokens(text):
        token_width = width(token, size, latin)
        if (
            line
            and token not in _NO_LINE_START
            and line_width + token_width > max_width
        ):
            lines.append(line.rstrip())
            line = "" if token.isspace() else token
            line_width = 0.0 if token.isspace() else token_width
        else:
            line += token
            line_width += token_width
    if line.strip():
        lines.append(line.rstrip())
    return lines
