"""Everything the camera says to a person, in zh-Hant / pt / en.

Two kinds of text:
- guidance ids (``move_closer``, ``too_dark`` ...): live hints while the preview runs;
- help codes ``AC-KI-01xx`` (docs/api.md reserves 01xx for the camera): the camera cannot be
  used right now. Each one says what happened, that the kiosk keeps trying, and that counter
  staff can help, so no camera problem is a dead end.
"""

from __future__ import annotations

LANGS = ("zh-Hant", "pt", "en")

CAMERA_MISSING = "AC-KI-0101"
CAMERA_UNPLUGGED = "AC-KI-0102"
CAMERA_FROZEN = "AC-KI-0103"
CAMERA_BUSY = "AC-KI-0104"
PHOTO_ENCODE_FAILED = "AC-KI-0105"

HELP_CODES = (
    CAMERA_MISSING,
    CAMERA_UNPLUGGED,
    CAMERA_FROZEN,
    CAMERA_BUSY,
    PHOTO_ENCODE_FAILED,
)

_HELP_TEXTS: dict[str, dict[str, str]] = {
    CAMERA_MISSING: {
        "zh-Hant": "未能偵測到鏡頭，系統正嘗試重新連接。如持續出現，請聯繫櫃檯職員協助。",
        "pt": "Não foi encontrada nenhuma câmara. A tentar ligar de novo; "
        "se persistir, peça ajuda ao balcão.",
        "en": "No camera was found. Trying to connect again; "
        "if this persists, please ask counter staff.",
    },
    CAMERA_UNPLUGGED: {
        "zh-Hant": "鏡頭連接中斷，系統正嘗試重新連接。如持續出現，請聯繫櫃檯職員協助。",
        "pt": "A ligação à câmara foi interrompida. A tentar ligar de novo; "
        "se persistir, peça ajuda ao balcão.",
        "en": "The camera was disconnected. Trying to reconnect; "
        "if this persists, please ask counter staff.",
    },
    CAMERA_FROZEN: {
        "zh-Hant": "鏡頭畫面沒有回應，系統正嘗試重新連接。如持續出現，請聯繫櫃檯職員協助。",
        "pt": "A imagem da câmara parou. A tentar ligar de novo; "
        "se persistir, peça ajuda ao balcão.",
        "en": "The camera picture stopped. Trying to reconnect; "
        "if this persists, please ask counter staff.",
    },
    CAMERA_BUSY: {
        "zh-Hant": "鏡頭正被其他程式使用，系統正嘗試重新連接。如持續出現，請聯繫櫃檯職員協助。",
        "pt": "A câmara está a ser usada por outro programa. A tentar de novo; "
        "se persistir, peça ajuda ao balcão.",
        "en": "The camera is in use by another program. Trying again; "
        "if this persists, please ask counter staff.",
    },
    PHOTO_ENCODE_FAILED: {
        "zh-Hant": "未能儲存照片，請重新拍照。如持續出現，請聯繫櫃檯職員協助。",
        "pt": "Não foi possível guardar a fotografia. Tire outra; "
        "se persistir, peça ajuda ao balcão.",
        "en": "The photo could not be kept. Please take it again; "
        "if this persists, please ask counter staff.",
    },
}

# Once the reconnection attempts have run out: shown with the help code of the cause.
_HANDOFF_TEXTS = {
    "zh-Hant": "鏡頭暫時未能使用，請聯繫櫃檯職員協助。",
    "pt": "A câmara não está disponível. Peça ajuda ao balcão.",
    "en": "The camera cannot be used right now. Please ask counter staff for help.",
}

# Guidance ids, in the order they are worth telling: the first failing one is shown.
ONLY_ONE = "only_one_person"
NO_FACE = "no_face"
MOVE_CLOSER = "move_closer"
MOVE_BACK = "move_back"
CENTER = "center_face"
FACE_CAMERA = "face_camera"
TOO_DARK = "too_dark"
TOO_BRIGHT = "too_bright"
UNEVEN_LIGHT = "uneven_light"
HOLD_STILL = "hold_still"
GOOD = "good"
STARTING = "starting"
REJECTED = "photo_rejected"
REVIEW = "review"

GUIDANCE_ORDER = (
    ONLY_ONE,
    NO_FACE,
    MOVE_CLOSER,
    MOVE_BACK,
    CENTER,
    FACE_CAMERA,
    TOO_DARK,
    TOO_BRIGHT,
    UNEVEN_LIGHT,
    HOLD_STILL,
)

_GUIDANCE_TEXTS: dict[str, dict[str, str]] = {
    ONLY_ONE: {
        "zh-Hant": "鏡頭前只可有一人",
        "pt": "Apenas uma pessoa em frente à câmara",
        "en": "Only one person in front of the camera",
    },
    NO_FACE: {
        "zh-Hant": "請將臉部置於橢圓框內",
        "pt": "Coloque o rosto dentro da oval",
        "en": "Place your face inside the oval",
    },
    MOVE_CLOSER: {
        "zh-Hant": "請靠近一點",
        "pt": "Aproxime-se um pouco",
        "en": "Move closer",
    },
    MOVE_BACK: {
        "zh-Hant": "請後退一點",
        "pt": "Afaste-se um pouco",
        "en": "Move back a little",
    },
    CENTER: {
        "zh-Hant": "請將臉部移至橢圓框中央",
        "pt": "Centre o rosto na oval",
        "en": "Centre your face in the oval",
    },
    FACE_CAMERA: {
        "zh-Hant": "請正面望向鏡頭",
        "pt": "Olhe de frente para a câmara",
        "en": "Face the camera",
    },
    TOO_DARK: {
        "zh-Hant": "光線太暗",
        "pt": "Está demasiado escuro",
        "en": "Too dark",
    },
    TOO_BRIGHT: {
        "zh-Hant": "光線太強",
        "pt": "Há demasiada luz",
        "en": "Too bright",
    },
    UNEVEN_LIGHT: {
        "zh-Hant": "臉部光線不均勻，請避開側光",
        "pt": "A luz no rosto é irregular; evite luz lateral",
        "en": "Uneven light on your face; avoid light from one side",
    },
    HOLD_STILL: {
        "zh-Hant": "請保持不動",
        "pt": "Fique imóvel",
        "en": "Hold still",
    },
    GOOD: {
        "zh-Hant": "很好，請保持不動，即將自動拍照",
        "pt": "Muito bem, fique imóvel: a fotografia vai ser tirada",
        "en": "Good, hold still: taking the photo",
    },
    STARTING: {
        "zh-Hant": "正在啟動鏡頭…",
        "pt": "A ligar a câmara…",
        "en": "Starting the camera…",
    },
    # R12, verbatim from the seed: the bureau's similarity score was below its threshold.
    REJECTED: {
        "zh-Hant": "照片未達檢測要求，請重新拍照。",
        "pt": "A fotografia não cumpre os requisitos. Tire outra, por favor.",
        "en": "The photo did not meet the requirements. Please take it again.",
    },
    REVIEW: {
        "zh-Hant": "請檢查照片，可重新拍照或按下一步",
        "pt": "Verifique a fotografia: tire outra ou carregue em Seguinte",
        "en": "Check the photo: take it again or press Next",
    },
}


def _pick(texts: dict[str, str], lang: str) -> str:
    return texts.get(lang) or texts["zh-Hant"]


def guidance_text(message_id: str, lang: str = "zh-Hant") -> str:
    """The live hint for a guidance id, in `lang` (zh-Hant when the language is unknown)."""
    return _pick(_GUIDANCE_TEXTS[message_id], lang)


def help_text(help_code: str, lang: str = "zh-Hant") -> str:
    """The camera problem text with its help code, as the seed writes 求助碼."""
    return _with_code(_pick(_HELP_TEXTS[help_code], lang), help_code, lang)


def handoff_text(help_code: str, lang: str = "zh-Hant") -> str:
    """Staff hand-off text once reconnection gave up, with the help code of the cause."""
    return _with_code(_pick(_HANDOFF_TEXTS, lang), help_code, lang)


def _with_code(text: str, help_code: str, lang: str) -> str:
    label = {"zh-Hant": "求助碼", "pt": "Código de ajuda", "en": "Help code"}.get(lang, "求助碼")
    if lang in ("pt", "en"):
        return f"{text} ({label}: {help_code})"
    return f"{text}（{label}：{help_code}）"


def guidance_ids() -> tuple[str, ...]:
    return tuple(_GUIDANCE_TEXTS)
