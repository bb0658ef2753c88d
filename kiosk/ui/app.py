"""QApplication set-up: bundled fonts, the kiosk style sheet, one app-wide instance.

A fresh kiosk machine has no CJK font (Qt would draw tofu boxes), so the fonts ship in
resources/fonts. Droid Sans Fallback has no Latin letters, so the application font is a
family *list*: DejaVu Sans first (Latin, digits, punctuation), then Droid Sans Fallback for
every character DejaVu lacks.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DroidSansFallbackFull.ttf")
LATIN_FAMILY = "DejaVu Sans"
CJK_FAMILY = "Droid Sans Fallback"
BASE_POINT_SIZE = 15

_fonts_loaded = False


def load_fonts() -> list[str]:
    """Register the bundled fonts once; returns the family list for the app font."""
    global _fonts_loaded
    if not _fonts_loaded:
        for name in FONT_FILES:
            path = RESOURCES / "fonts" / name
            if QFontDatabase.addApplicationFont(str(path)) < 0:
                # Not fatal: a system font may still cover the text; the tests look for tofu.
                log.warning("font not loaded: %s", path)
        _fonts_loaded = True
    return [LATIN_FAMILY, CJK_FAMILY]


def app_font() -> QFont:
    font = QFont()
    font.setFamilies(load_fonts())
    font.setPointSize(BASE_POINT_SIZE)
    return font


def style_sheet() -> str:
    # QSS resolves url() against the working directory: point it at the bundled files.
    folder = (RESOURCES / "styles").as_posix()
    return (
        (RESOURCES / "styles" / "kiosk.qss").read_text(encoding="utf-8").replace("@STYLES@", folder)
    )


def ensure_app(argv: list[str] | None = None) -> QApplication:
    """The process's QApplication, created and styled on first use."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        app = existing
    else:
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            # Headless machines (CI, reviewers, benchmarks) still render, just offscreen.
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QApplication(argv if argv is not None else sys.argv[:1])
        app.setApplicationName("registry-kiosk")
    style(app)
    return app


def style(app: QApplication) -> None:
    app.setFont(app_font())
    app.setStyleSheet(style_sheet())


def has_display() -> bool:
    """Whether a window would be visible to a person (not just rendered offscreen)."""
    if os.environ.get("QT_QPA_PLATFORM", "") in ("offscreen", "minimal"):
        return False
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def quit_on_sigint(app: QApplication) -> None:
    """Ctrl+C in the terminal closes the kiosk cleanly (the demo then stops its sandbox).

    Qt's event loop runs in C++, so Python only sees the signal when it gets control back:
    a short idle timer hands it control.
    """
    import signal

    from PySide6.QtCore import QTimer

    signal.signal(signal.SIGINT, lambda *_: app.quit())
    timer = QTimer(app)
    timer.timeout.connect(lambda: None)
    timer.start(250)


def no_display_help(command: str = "kiosk demo") -> str:
    """What to do without a display. Only `kiosk demo` has --screenshot, so `kiosk run`
    is pointed at `kiosk demo --screenshot`, never at an option it does not have."""
    return f"""\
{command}: no display found, so the kiosk window could not be shown.
  - on a desktop: run it from a graphical session (DISPLAY or WAYLAND_DISPLAY set);
  - on a headless machine: xvfb-run -a -s "-screen 0 1600x1000x24" {command}
    (Debian: apt-get install xvfb, as `make demo` does), then look at the virtual screen
    with an X screenshot or VNC tool;
  - or just take a picture of the demo's first screen: kiosk demo --screenshot first.png
"""
