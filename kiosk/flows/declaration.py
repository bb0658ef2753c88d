"""R14: Portuguese and English translations of the applicant / subscriber declaration.

The texts are `declaration.point.1` .. `.6` and `declaration.binding_note` in the gettext
catalog (resources/locale).

The six points are legal text. The registry sends them in Chinese (seed, step 14), and the
Chinese text is the one the holder agrees to: on pt/en pages each point is shown in Chinese
with its translation under it, and one line says that the Chinese text is binding.

A translation is looked up by the exact Chinese text of its point: if the registry ever
changes a point, that point is shown without a translation rather than with the
translation of a text it no longer says.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from kiosk import i18n

POINTS = 6  # declaration.point.1 .. .6 in the catalog


class _Translations(Mapping[str, Mapping[str, str]]):
    """Chinese point (as zh_Hant/kiosk.po holds it, the seed's words) -> its pt and en."""

    def _by_point(self) -> dict[str, str]:
        ids = (f"declaration.point.{n}" for n in range(1, POINTS + 1))
        return {i18n.text(i, "zh-Hant"): i for i in ids}

    def __getitem__(self, point: str) -> Mapping[str, str]:
        msg_id = self._by_point()[point]
        return {lang: i18n.text(msg_id, lang) for lang in ("pt", "en")}

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_point())

    def __len__(self) -> int:
        return POINTS


TRANSLATIONS: Mapping[str, Mapping[str, str]] = _Translations()


def translations(points: Sequence[str]) -> dict[str, list[str | None]]:
    """For each of pt and en: the translation of each point, None where there is none."""
    return {
        lang: [TRANSLATIONS.get(p, {}).get(lang) for p in points] for lang in ("pt", "en")
    }


def binding_notes() -> dict[str, str]:
    return {lang: i18n.text("declaration.binding_note", lang) for lang in ("pt", "en")}
