"""Texts of the lobby kiosk's lockdown and touch widgets (R33, R35): the catalog's `lobby.*` ids."""

from __future__ import annotations

from kiosk import i18n


def lt(key: str, lang: str, **values: object) -> str:
    """The text of `key` in `lang` (zh-Hant when missing), with `{name}` filled in."""
    return i18n.fill(i18n.text("lobby." + key, lang), values)


def minutes_seconds(seconds: int) -> str:
    """4:58, as countdowns read."""
    return f"{seconds // 60}:{seconds % 60:02d}"
