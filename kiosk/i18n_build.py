"""`make catalog`'s first half: the gettext template (resources/locale/kiosk.pot).

zh-Hant is the source language (SPEC.md's words), so zh_Hant/kiosk.po says which message
ids exist and holds their translator comments (`#.`). The template is built from it: every
id with its comments, a `zh-Hant: …` note so a translator in Poedit sees the source text,
and the places in kiosk/ that name the id literally (Babel's Python extractor). An id the
code names but the catalog lacks stops the build. `pybabel update` then carries new ids into
pt and en, and `pybabel compile` writes the .mo files the kiosk reads.

    python -m kiosk.i18n_build [LOCALE_DIR]
"""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from kiosk import i18n

SOURCE_NOTE = "zh-Hant: "
# Calls that take a message id literally, and which argument (1-based) it is.
KEYWORDS: dict[str, tuple[int, ...]] = {
    "tr": (1,),
    "message": (1,),
    "Message": (1,),
    "find_message": (2,),
    "other_messages": (2,),
    "guidance_text": (1,),
}
KIOSK_DIR = Path(__file__).resolve().parent


def code_references(root: Path = KIOSK_DIR) -> dict[str, list[tuple[str, int]]]:
    """Message id -> where kiosk/ names it literally (file relative to the repo, line)."""
    refs: dict[str, list[tuple[str, int]]] = {}
    # Ids built at run time (f"card.{key}") are skipped, as they should be; Babel says so on
    # stderr for each one, which is noise here.
    with contextlib.redirect_stderr(io.StringIO()):
        found: list[tuple[str, int, object, list[str], str | None]] = list(
            extract_from_dir(
                str(root), method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=()
            )
        )
    for filename, lineno, msgid, _comments, _context in found:
        if isinstance(msgid, str) and "." in msgid and " " not in msgid:
            refs.setdefault(msgid, []).append((f"kiosk/{filename}", lineno))
    return refs


def build_template(locale_dir: Path) -> Catalog:
    source_path = i18n.po_path(i18n.DEFAULT_LANG, locale_dir)
    with source_path.open("rb") as f:
        source = read_po(f)
    refs = code_references()
    missing = sorted(set(refs) - {m.id for m in source if isinstance(m.id, str)})
    if missing:
        where = "; ".join(f"{m} ({refs[m][0][0]}:{refs[m][0][1]})" for m in missing)
        raise SystemExit(f"ids named in code but not in {source_path}: {where}")
    # The source's date, not now: regenerating an unchanged catalog leaves the files unchanged.
    template = Catalog(
        domain=i18n.DOMAIN,
        project="registry-kiosk",
        fuzzy=False,
        creation_date=source.creation_date,
        header_comment="# Template of the kiosk's texts; built by `make catalog`, do not edit.",
    )
    for m in source:
        if not isinstance(m.id, str) or not m.id:
            continue
        comments = list(m.auto_comments)
        # The note is the last comment; a .po writer may have wrapped it over several lines.
        notes = [i for i, c in enumerate(comments) if c.startswith(SOURCE_NOTE.strip())]
        if notes:
            del comments[notes[0] :]
        note = SOURCE_NOTE + str(m.string).replace("\n", " / ")
        template.add(m.id, "", locations=refs.get(m.id, ()), auto_comments=[*comments, note])
    return template


def main(argv: list[str]) -> int:
    locale_dir = Path(argv[0]) if argv else i18n.default_locale_dir()
    template = build_template(locale_dir)
    out = locale_dir / f"{i18n.DOMAIN}.pot"
    with out.open("wb") as f:
        write_po(f, template, width=0, sort_output=True, include_lineno=False)
    print(f"{out}: {len(template)} message ids")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
