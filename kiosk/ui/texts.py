"""Labels of the kiosk's own chrome (buttons, titles, dialogs) in zh-Hant, pt and en.

The texts live in the gettext catalog (resources/locale, read by `kiosk.i18n`), with the
flow's messages; this module only looks up what the Qt shell itself draws. zh-Hant texts
follow the registry's user guide word for word where the guide has them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from kiosk import i18n

LANGS: tuple[str, ...] = i18n.LANGS
DEFAULT_LANG = i18n.DEFAULT_LANG


class _LangNames(Mapping[str, str]):
    """The switcher shows each language in its own script (`lang.name` of its own .po), so
    anyone can find theirs."""

    def __getitem__(self, lang: str) -> str:
        if lang not in LANGS:
            raise KeyError(lang)
        return i18n.text("lang.name", lang)

    def __iter__(self) -> Iterator[str]:
        return iter(LANGS)

    def __len__(self) -> int:
        return len(LANGS)


LANG_NAMES: Mapping[str, str] = _LangNames()


def tr(key: str, lang: str = DEFAULT_LANG, **params: object) -> str:
    """The label `key` in `lang` (zh-Hant when missing), with `{name}` params filled in."""
    text = i18n.catalog().get(key, lang)
    if text is None:
        # A missing key must be visible in screenshots and reviews, not silently blank.
        return f"⟨{key}⟩"
    return text.format(**params) if params else text


def has(key: str) -> bool:
    return i18n.has(key)
