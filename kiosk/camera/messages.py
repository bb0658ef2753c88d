"""Everything the camera says to a person: ids into the gettext catalog (resources/locale).

Two kinds of text:
- guidance ids (``move_closer``, ``too_dark`` ...): live hints while the preview runs;
- help codes ``AC-KI-01xx`` (docs/api.md reserves 01xx for the camera): the camera cannot be
  used right now. Each one says what happened, that the kiosk keeps trying, and that counter
  staff can help, so no camera problem is a dead end.

Their texts are `camera.hint.<id>`, `help.<code>` and `camera.handoff` in the catalog.
"""

from __future__ import annotations

from kiosk import i18n

LANGS = i18n.LANGS

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

# Every guidance id, GUIDANCE_ORDER's and those the view sets itself.
GUIDANCE_IDS = (*GUIDANCE_ORDER, GOOD, STARTING, REJECTED, REVIEW)


def guidance_text(message_id: str, lang: str = "zh-Hant") -> str:
    """The live hint for a guidance id, in `lang` (zh-Hant when the language is unknown)."""
    return i18n.text(f"camera.hint.{message_id}", lang)


def help_text(help_code: str, lang: str = "zh-Hant") -> str:
    """The camera problem text with its help code, as the seed writes 求助碼."""
    return i18n.with_help_code(i18n.text(f"help.{help_code}", lang), help_code, lang)


def handoff_text(help_code: str, lang: str = "zh-Hant") -> str:
    """Staff hand-off text once reconnection gave up, with the help code of the cause."""
    return i18n.with_help_code(i18n.text("camera.handoff", lang), help_code, lang)


def guidance_ids() -> tuple[str, ...]:
    return GUIDANCE_IDS
