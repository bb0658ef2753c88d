"""User-visible texts of the lobby kiosk's lockdown and touch widgets (R33, R35), kept in one
table so that they move into the gettext catalogs in one go."""

from __future__ import annotations

LOBBY_TEXTS: dict[str, dict[str, str]] = {
    "pin.title": {"zh-Hant": "職員密碼", "pt": "PIN de funcionário", "en": "Staff PIN"},
    "pin.prompt": {
        "zh-Hant": "請輸入職員密碼。",
        "pt": "Introduza o PIN de funcionário.",
        "en": "Enter the staff PIN.",
    },
    "pin.ok": {"zh-Hant": "確定", "pt": "Confirmar", "en": "OK"},
    "pin.cancel": {"zh-Hant": "取消", "pt": "Cancelar", "en": "Cancel"},
    "pin.wrong": {
        "zh-Hant": "密碼不正確，尚餘 {tries} 次機會。",
        "pt": "PIN incorreto; restam {tries} tentativas.",
        "en": "Wrong PIN; {tries} tries left.",
    },
    "pin.locked": {
        "zh-Hant": "密碼錯誤次數過多，已鎖定，請於 {time} 後再試。",
        "pt": "Demasiadas tentativas erradas: bloqueado. Tente de novo daqui a {time}.",
        "en": "Too many wrong PINs: locked. Try again in {time}.",
    },
    "pin.not_set": {
        "zh-Hant": "此機未設定職員密碼（kiosk settings set-pin）。",
        "pt": "Este terminal não tem PIN de funcionário (kiosk settings set-pin).",
        "en": "This terminal has no staff PIN (kiosk settings set-pin).",
    },
    "staff.title": {"zh-Hant": "職員選項", "pt": "Opções de funcionário", "en": "Staff options"},
    "staff.exit": {"zh-Hant": "退出自助服務機", "pt": "Sair do quiosque", "en": "Exit the kiosk"},
    "staff.counter": {
        "zh-Hant": "櫃台服務（職員登入）",
        "pt": "Balcão (entrada de funcionário)",
        "en": "Counter (staff sign-in)",
    },
    "staff.back": {"zh-Hant": "返回", "pt": "Voltar", "en": "Back"},
    "key.clear": {"zh-Hant": "清除", "pt": "Limpar", "en": "Clear"},
    "key.back": {"zh-Hant": "刪除", "pt": "Apagar", "en": "Delete"},
    "key.shift": {"zh-Hant": "大寫", "pt": "Maiúsc.", "en": "Shift"},
    "key.symbols": {"zh-Hant": "符號", "pt": "Símbolos", "en": "Symbols"},
    "key.letters": {"zh-Hant": "字母", "pt": "Letras", "en": "Letters"},
    "key.space": {"zh-Hant": "空格", "pt": "Espaço", "en": "Space"},
    "key.done": {"zh-Hant": "完成", "pt": "Concluir", "en": "Done"},
    "secret.show": {"zh-Hant": "顯示", "pt": "Mostrar", "en": "Show"},
    "secret.hide": {"zh-Hant": "隱藏", "pt": "Ocultar", "en": "Hide"},
    "scroll.more": {
        "zh-Hant": "▼ 下方尚有內容，請向上滑動",
        "pt": "▼ Há mais abaixo: deslize para cima",
        "en": "▼ More below: swipe up",
    },
    "textsize.label": {"zh-Hant": "字體大小", "pt": "Tamanho do texto", "en": "Text size"},
}


def lt(key: str, lang: str, **values: object) -> str:
    """The text of `key` in `lang` (zh-Hant when missing), with `{name}` filled in."""
    texts = LOBBY_TEXTS[key]
    text = texts.get(lang) or texts["zh-Hant"]
    return text.format(**values) if values else text


def minutes_seconds(seconds: int) -> str:
    """4:58, as countdowns read."""
    return f"{seconds // 60}:{seconds % 60:02d}"
