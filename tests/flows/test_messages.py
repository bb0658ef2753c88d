"""The catalog's zh-Hant texts are SPEC.md's, word for word; every help code has a message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kiosk.flows.messages import (
    CATALOG,
    LANGS,
    Message,
    message,
    message_for_help_code,
)

# Copied from SPEC.md (the user guide's own words), rule by rule.
SPEC_TEXTS = {
    "email.code_sent": "系統已發送驗證碼到台端之電郵地址，請前往查收並輸入驗證碼以完成驗證。",  # R5
    "consent.checkbox": "同意並接受個人資料收集協定及聲明",  # R9
    "consent.text": "為申辦電子證書服務之目的，本人明確同意授權郵電局向身份證明局擷取"
    "本人之澳門特別行政區"
    "居民身份證卡面訊息及影像，以及其他個人資料包括聯絡電話。",  # R9
    "id.unsupported": "不支援之身份證明文件類別",  # R10
    "id.invalid": "無效之身份證明文件個人資料",  # R11
    "photo.below_threshold": "照片未達檢測要求，請重新拍照。",  # R12
    "declaration.checkbox": "同意並接受申請人／登記人協定及聲明",  # R14
    "sign.success": "簽署申請文件成功",  # R16
    "submit.success": "已確認並成功提交證書續期申請",  # R16
    "offline.submitted": "已完成線上遞交非“雲簽”證書申請，後續證書簽發事宜須線下進行。"
    "請聯繫eSignTrust預約線下辦理。(求助碼：AC-AB-0007)",  # R19
    "offline.unsupported": "系統暫不支援非“雲簽”證書之線上激活，通過身份鑑別後需聯繫 eSignTrust "
    "預約線下辦理。",  # R19
    "revoke.title": "需先撤銷原有證書",  # R20
    "revoke.body": "因台端所申請續期之證書涉及證書資料變更，"
    "請先撤銷原證書後重做證書激活程序。如有疑問，"
    "請聯繫eSignTrust協助。（求助碼：AC-AB-0015）",  # R20
    "reverify.title": "身份證明文件個人資料已失效",  # R21
    "reverify.body": "檢查到台端證書登記之身份證明文件已失效或"
    "登記之個人資料與經授權擷取之身份證明文件資料有異，請退回並重新進行身份鑑別。"
    "如有疑問，請聯繫 eSignTrust 協助。（求助碼：AC-AB-0014）",  # R21
    "activation.wrong_password": "台端之雲簽簽名密碼（存取碼）不正確。",  # R25
    "activation.success": "成功激活",  # R26
}


@pytest.mark.parametrize("msg_id", sorted(SPEC_TEXTS))
def test_zh_hant_texts_are_the_spec_words(msg_id: str) -> None:
    assert message(msg_id).text("zh-Hant") == SPEC_TEXTS[msg_id]


def test_every_message_has_all_three_languages() -> None:
    for msg_id, entry in CATALOG.items():
        for lang in LANGS:
            assert entry.get(lang).strip(), (msg_id, lang)


def test_every_help_code_of_the_api_maps_to_a_message_with_that_code() -> None:
    api = (Path(__file__).parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    codes = set(re.findall(r"\| (AC-AB-\d{4}) \|", api)) | {
        "AC-KI-0001",
        "AC-KI-0002",
        "AC-KI-0003",
    }
    assert len(codes) >= 44  # AC-AB-0001..0041 and AC-KI-0001..0003
    for code in codes:
        msg = message_for_help_code(code)
        assert msg.id in CATALOG
        assert msg.help_code == code


def test_r19_r20_r21_help_codes_are_the_seeds() -> None:
    assert message("offline.submitted").help_code == "AC-AB-0007"
    assert message("revoke.body").help_code == "AC-AB-0015"
    assert message("reverify.body").help_code == "AC-AB-0014"
    # The seed already writes the code into these texts: it is not repeated.
    assert message("revoke.body").full_text().count("AC-AB-0015") == 1


def test_full_text_appends_the_help_code_in_the_seeds_style() -> None:
    assert message("id.unsupported").full_text() == "不支援之身份證明文件類別（求助碼：AC-AB-0017）"
    assert message("id.unsupported").full_text("en").endswith("(Help code: AC-AB-0017)")


def test_unknown_help_code_falls_back_to_the_servers_message() -> None:
    msg = message_for_help_code(
        "AC-AB-0999", {"zh-Hant": "伺服器訊息", "pt": "mensagem", "en": "server says"}
    )
    assert msg.help_code == "AC-AB-0999"
    assert msg.text("zh-Hant") == "伺服器訊息"
    assert msg.text("en") == "server says"


def test_parameters_fill_the_text() -> None:
    msg = message_for_help_code("AC-AB-0008", details={"attempts_left": 2})
    assert msg.text("zh-Hant") == "驗證碼不正確，尚餘 2 次機會。"
    assert Message("staff.handoff", None, {"reference": "R-1"}).text("en").endswith("R-1")
