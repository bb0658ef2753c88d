"""The one catalog of everything a person reads, in gettext files under resources/locale.

`resources/locale/<lang>/LC_MESSAGES/kiosk.po` holds each language (zh_Hant, pt, en); the
message id (`nav.next`, `email.code_sent`, `help.AC-KI-0101`) is the msgid, so code never
carries a text. `make catalog` regenerates the template and compiles each .po to a .mo.

At start the kiosk reads the compiled `.mo` with the standard library (no Babel import: the
cold start stays as fast as it was). Where a `.mo` is missing or older than its `.po` (a fresh
clone before `make catalog`, or a translator's edit not compiled yet) the `.po` itself is read
through Babel, so an edited text shows at the next start either way.

This module imports no Qt, cv2, requests or SQLAlchemy: the flow layer uses it.
"""

from __future__ import annotations

import gettext
import logging
import os
import sys
import threading
from collections.abc import Mapping
from pathlib import Path

log = logging.getLogger(__name__)

LANGS: tuple[str, ...] = ("zh-Hant", "pt", "en")
DEFAULT_LANG = "zh-Hant"
DOMAIN = "kiosk"
# The kiosk's language tags -> gettext locale directory names (zh-Hant -> zh_Hant).
LOCALES: Mapping[str, str] = {lang: lang.replace("-", "_") for lang in LANGS}
# Points the kiosk at another resources/locale (a translator's copy, a test's temp dir).
LOCALE_DIR_ENV = "KIOSK_LOCALE_DIR"


def default_locale_dir() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)  # a PyInstaller bundle ships resources/ inside
    base = Path(bundle) if bundle else Path(__file__).resolve().parents[1]
    return base / "resources" / "locale"


def locale_dir() -> Path:
    override = os.environ.get(LOCALE_DIR_ENV)
    return Path(override) if override else default_locale_dir()


def po_path(lang: str, directory: Path | None = None) -> Path:
    return (directory or locale_dir()) / LOCALES[lang] / "LC_MESSAGES" / f"{DOMAIN}.po"


def _read_mo(path: Path) -> dict[str, str]:
    with path.open("rb") as f:
        translations = gettext.GNUTranslations(f)
    # The catalog dict is the parsed .mo; the "" entry is its header, not a text.
    raw: dict[object, str] = translations._catalog  # type: ignore[attr-defined]
    return {k: v for k, v in raw.items() if isinstance(k, str) and k and v}


def _read_po(path: Path) -> dict[str, str]:
    from babel.messages.pofile import read_po  # only when no fresh .mo: keeps the start light

    with path.open("rb") as f:
        catalog = read_po(f)
    # Fuzzy entries are not compiled into a .mo either: both paths show the same texts.
    return {
        m.id: m.string
        for m in catalog
        if isinstance(m.id, str) and m.id and isinstance(m.string, str) and m.string
        and not m.fuzzy
    }


def load_language(lang: str, directory: Path | None = None) -> dict[str, str]:
    """msgid -> text of one language: its .mo when it is at least as new as its .po."""
    po = po_path(lang, directory)
    mo = po.with_suffix(".mo")
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        return _read_mo(mo)
    if po.exists():
        log.info("reading %s (no compiled .mo newer than it: run make catalog)", po)
        return _read_po(po)
    raise FileNotFoundError(f"no catalog for {lang}: {po}")


class Catalog:
    """Every language's texts by message id; a missing text falls back to zh-Hant."""

    def __init__(self, texts: Mapping[str, Mapping[str, str]]) -> None:
        self.texts = {lang: dict(texts.get(lang, {})) for lang in LANGS}
        self.ids = frozenset().union(*(t.keys() for t in self.texts.values()))

    def get(self, msg_id: str, lang: str = DEFAULT_LANG) -> str | None:
        found = self.texts.get(lang, {}).get(msg_id)
        return found if found is not None else self.texts[DEFAULT_LANG].get(msg_id)


_lock = threading.Lock()
_catalog: Catalog | None = None


def catalog() -> Catalog:
    """The catalog, read once per process (from any thread)."""
    global _catalog
    if _catalog is None:
        with _lock:
            if _catalog is None:
                _catalog = Catalog({lang: load_language(lang) for lang in LANGS})
    return _catalog


def reload(directory: Path | None = None) -> Catalog:
    """Read the catalog again (from `directory`, else the configured one)."""
    global _catalog
    with _lock:
        _catalog = Catalog({lang: load_language(lang, directory) for lang in LANGS})
    return _catalog


def text(msg_id: str, lang: str = DEFAULT_LANG) -> str:
    """The text of `msg_id` in `lang`, unformatted; KeyError for an id the catalog lacks."""
    found = catalog().get(msg_id, lang)
    if found is None:
        raise KeyError(msg_id)
    return found


def has(msg_id: str) -> bool:
    return msg_id in catalog().ids


class _Keep(dict[str, str]):
    """A placeholder with no value stays visible as {name} instead of raising."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(template: str, params: Mapping[str, object]) -> str:
    return template.format_map(_Keep({k: str(v) for k, v in params.items()}))


# --- the bridge from a help code to what the screen shows ------------------------------------


def help_code_line(code: str, lang: str = DEFAULT_LANG) -> str:
    """求助碼：AC-AB-0017 (Help code: …), the line under an error as the registry shows it."""
    return fill(text("error.help_code_line", lang), {"code": code})


def with_help_code(body: str, code: str | None, lang: str = DEFAULT_LANG) -> str:
    """`body` followed by its help code in the seed's style, unless it already says it."""
    if not code or code in body:
        return body
    return fill(text("error.with_help_code", lang), {"text": body, "code": code})
