"""A translator changes a msgstr in a .po and the flow shows it: no code changes."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from kiosk import i18n
from tests.flows.harness import Counter, texts

LOCALE = Path(__file__).resolve().parents[2] / "resources" / "locale"
R5_TEXT = "系統已發送驗證碼到台端之電郵地址，請前往查收並輸入驗證碼以完成驗證。"
EDITED = "Enviámos um código para o seu e-mail: introduza-o abaixo."


@pytest.fixture
def translated_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """resources/locale's .po files in a temp dir, pt's R5 text changed as Poedit would."""
    copy = tmp_path / "resources" / "locale"
    for po in LOCALE.glob("*/LC_MESSAGES/kiosk.po"):
        target = copy / po.relative_to(LOCALE)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(po, target)
    pt = copy / "pt" / "LC_MESSAGES" / "kiosk.po"
    with pt.open("rb") as f:
        catalog = read_po(f)
    assert catalog["email.code_sent"].string != EDITED
    catalog["email.code_sent"].string = EDITED
    with pt.open("wb") as f:
        write_po(f, catalog, width=0)
    monkeypatch.setenv(i18n.LOCALE_DIR_ENV, str(copy))
    i18n.reload()
    yield copy
    monkeypatch.delenv(i18n.LOCALE_DIR_ENV)
    i18n.reload()


def test_r5_an_edited_pt_msgstr_is_what_the_flow_shows(
    counter: Counter, translated_copy: Path
) -> None:
    counter.at("H-SINGLE", "email_code")
    view = counter.flow.submit({"action": "request"})
    assert view.error is None
    assert EDITED in texts(view, "pt")
    # Only pt changed: the SPEC's Chinese words are still those of zh_Hant/kiosk.po.
    assert R5_TEXT in texts(view, "zh-Hant")
    assert i18n.locale_dir() == translated_copy
