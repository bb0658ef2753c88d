"""Mixed Chinese/Latin text for ReportLab: moved to `kiosk.pdf_text` so the kiosk's receipt
and the sandbox's application form share one implementation (the kiosk never imports the
sandbox); this module keeps the sandbox's old import path working."""

from kiosk.pdf_text import (
    CJK,
    FONTS_DIR,
    LATIN,
    LATIN_BOLD,
    Run,
    covered,
    draw,
    register_fonts,
    runs,
    width,
    wrap,
)

__all__ = [
    "CJK", "FONTS_DIR", "LATIN", "LATIN_BOLD", "Run", "covered", "draw", "register_fonts",
    "runs", "width", "wrap",
]
