"""The one gettext catalog (resources/locale): complete in every language, the only catalog,
read without Qt, and a translator's edit to a .po changes what the kiosk shows."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from kiosk import i18n
from kiosk.i18n_build import build_template, code_references

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "resources" / "locale"
PO_FILES = sorted(LOCALE.glob("*/LC_MESSAGES/kiosk.po"))
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _read(path: Path) -> dict[str, str]:
    with path.open("rb") as f:
        return {m.id: m.string for m in read_po(f) if m.id}


def test_three_po_files_share_every_msgid_and_fill_every_msgstr() -> None:
    assert {p.parts[-3] for p in PO_FILES} == {"zh_Hant", "pt", "en"}
    catalogs = {p.parts[-3]: _read(p) for p in PO_FILES}
    ids = set(catalogs["zh_Hant"])
    assert len(ids) > 200
    for locale, texts in catalogs.items():
        assert set(texts) == ids, locale
        empty = sorted(k for k, v in texts.items() if not str(v).strip())
        assert empty == [], (locale, empty)
    with PO_FILES[0].open("rb") as f:
        assert not [m.id for m in read_po(f) if m.id and m.fuzzy]


def test_every_translation_keeps_the_placeholders_of_the_chinese_text() -> None:
    # A translator who drops {attempts_left} would show the holder a text without the number.
    zh = _read(LOCALE / "zh_Hant" / "LC_MESSAGES" / "kiosk.po")
    for locale in ("pt", "en"):
        texts = _read(LOCALE / locale / "LC_MESSAGES" / "kiosk.po")
        for msg_id, text in texts.items():
            want = set(PLACEHOLDER.findall(str(zh[msg_id])))
            assert set(PLACEHOLDER.findall(str(text))) == want, (locale, msg_id)


def test_every_id_the_code_names_is_in_the_catalog_and_in_the_template() -> None:
    named = code_references()
    assert {"nav.next", "email.code_sent", "activation.next"} <= set(named)
    assert set(named) <= i18n.catalog().ids
    # make catalog was run: the committed template has exactly the catalog's ids.
    with (LOCALE / "kiosk.pot").open("rb") as f:
        template = {m.id for m in read_po(f) if m.id}
    assert template == i18n.catalog().ids == {m.id for m in build_template(LOCALE) if m.id}


def test_a_text_missing_in_one_language_falls_back_to_the_chinese() -> None:
    catalog = i18n.Catalog({"zh-Hant": {"x.y": "甲"}, "pt": {}, "en": {"x.y": "A"}})
    assert [catalog.get("x.y", lang) for lang in ("zh-Hant", "pt", "en")] == ["甲", "甲", "A"]
    assert catalog.get("x.z", "pt") is None


def _language_keyed_literals(tree: ast.AST) -> list[int]:
    """Lines of dict literals keyed by two or more language tags with string values, and of
    Text("…", "…", "…") built from literals: the shapes the old dict catalogs had."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
            strings = [v for v in node.values if isinstance(v, ast.Constant | ast.JoinedStr)]
            if len(keys & set(i18n.LANGS)) >= 2 and strings:
                found.append(node.lineno)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "Text"
            and any(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args)
        ):
            found.append(node.lineno)
    return found


def test_no_other_catalog_of_user_visible_strings_remains_in_kiosk() -> None:
    offenders = {}
    for path in sorted((ROOT / "kiosk").rglob("*.py")):
        lines = _language_keyed_literals(ast.parse(path.read_text(encoding="utf-8")))
        if lines:
            offenders[str(path.relative_to(ROOT))] = lines
    assert offenders == {}
    # The detector does see the old shape (so the check above can fail).
    old = 'X = {"zh-Hant": "下一步", "pt": "Seguinte", "en": "Next"}\nY = Text("是", "Sim", "Yes")'
    assert _language_keyed_literals(ast.parse(old)) == [1, 2]


def test_the_catalog_loads_without_qt_cv2_requests_or_sqlalchemy() -> None:
    code = (
        "import json, sys\n"
        "from kiosk.flows.messages import message\n"
        "from kiosk.camera import messages\n"
        "t = [message('id.unsupported').full_text('pt'),\n"
        "     messages.guidance_text('too_dark', 'en')]\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'cv2', 'requests', 'sqlalchemy'))\n"
        "print(json.dumps({'texts': t, 'bad': bad}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60,
        cwd=ROOT,
    )
    shown = json.loads(out.stdout)
    assert shown["bad"] == []
    assert shown["texts"] == [
        "Tipo de documento de identificação não suportado (Código de ajuda: AC-AB-0017)",
        "Too dark",
    ]


@pytest.fixture
def locale_copy(tmp_path: Path) -> Iterator[Path]:
    """The .po files alone (no .mo), copied into a temp resources/locale."""
    copy = tmp_path / "resources" / "locale"
    for po in PO_FILES:
        target = copy / po.relative_to(LOCALE)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(po, target)
    yield copy
    i18n.reload()


def set_msgstr(po: Path, msg_id: str, text: str) -> None:
    """What a translator does in Poedit: change one msgstr, save."""
    with po.open("rb") as f:
        catalog = read_po(f)
    catalog[msg_id].string = text
    with po.open("wb") as f:
        write_po(f, catalog, width=0)


def compile_mo(locale_dir: Path) -> None:
    # The Makefile's own command (make mo / make catalog).
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run(
        [str(pybabel), "-q", "compile", "-d", str(locale_dir), "-D", "kiosk"],
        check=True, timeout=60,
    )


def test_mo_and_po_give_the_kiosk_the_same_texts(locale_copy: Path) -> None:
    from_po = {lang: i18n.load_language(lang, locale_copy) for lang in i18n.LANGS}
    compile_mo(locale_copy)
    assert all(p.with_suffix(".mo").exists() for p in locale_copy.glob("*/LC_MESSAGES/*.po"))
    from_mo = {lang: i18n.load_language(lang, locale_copy) for lang in i18n.LANGS}
    assert from_mo == from_po
    assert from_po["pt"]["nav.next"] == "Seguinte"


def test_a_stale_mo_gives_way_to_the_translators_newer_po(locale_copy: Path) -> None:
    compile_mo(locale_copy)
    po = locale_copy / "en" / "LC_MESSAGES" / "kiosk.po"
    mo = po.with_suffix(".mo")
    set_msgstr(po, "nav.next", "Continue →")
    # A compiled .mo newer than its .po is what the kiosk reads (the fast start)...
    os.utime(po, (mo.stat().st_mtime - 60, mo.stat().st_mtime - 60))
    assert i18n.load_language("en", locale_copy)["nav.next"] == "Next"
    # ...and once the translator's .po is newer, the .po is.
    os.utime(mo, (po.stat().st_mtime - 60, po.stat().st_mtime - 60))
    assert i18n.load_language("en", locale_copy)["nav.next"] == "Continue →"
