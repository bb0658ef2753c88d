"""Issue 13 §4 at kiosk start: the staff banner naming what the start-up checks found
wrong (kiosk.doctor.start_failures: printer, backends, fonts and face model, disk), each
with its fix, so staff fix it before a holder runs into it.

Like the receipt's StaffNotice, it shows on screens staff use (every screen of a counter
terminal; the staff steps, sign-in included, of a self-service kiosk), never on a public
self-service screen. Everything is translated: each check's verdict and fix come from the
catalog (doctor.v.* / doctor.f.*), technical details (URL, path, error) after the sentence;
`kiosk doctor`'s report and JSON keep their English words for support.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kiosk import i18n
from kiosk.services.errors import KIOSK_START_CHECK_FAILED
from kiosk.ui.receipt_panel import StaffNotice
from kiosk.ui.texts import has, tr


class StartCheckNotice(StaffNotice):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("startCheckNotice")
        self.failures: list[Any] = []

    def set_failures(self, failures: Sequence[Any]) -> None:
        """The failed kiosk.doctor.Check's (none: nothing to show)."""
        self.failures = list(failures)
        self.set_problem(KIOSK_START_CHECK_FAILED if self.failures else None)

    def retranslate(self, lang: str) -> None:
        if self.code is None:
            return
        lines = [tr("doctor.start_failed", lang)]
        # Checks with the same fix on one line (four backends down: one line, one fix), so
        # the notice leaves the page below it room; the first one's verdict says what.
        groups: dict[str, list[Any]] = {}
        for c in self.failures:
            groups.setdefault(_said(c, "f", c.fix, lang), []).append(c)
        for fix, group in groups.items():
            verdict = _said(group[0], "v", group[0].verdict, lang)
            lines.append(f"• {', '.join(_name(c.name, lang) for c in group)}: {verdict}")
            if fix:
                lines.append(tr("doctor.fix", lang, fix=fix))
        lines.append(i18n.help_code_line(self.code, lang))
        self.setText("\n".join(lines))


def _said(check: Any, part: str, english: str, lang: str) -> str:
    """The check's verdict (part "v") or fix ("f") in `lang` from the catalog; a check the
    catalog has no words for keeps `kiosk doctor`'s own."""
    key = f"doctor.{part}.{check.key}"
    if not getattr(check, "key", "") or not has(key):
        return english
    return tr(key, lang, **check.args)


def _name(name: str, lang: str) -> str:
    """A check's name (`printer`, `backend registry`, `disk`) in `lang`; the backend's own
    name (registry, bureau, eid, esign) stays as configured."""
    kind, _, backend = name.partition(" ")
    if kind == "backend" and backend:
        return tr("doctor.n.backend", lang, name=backend)
    key = "doctor.n." + ("resources" if name == "fonts and face model" else name)
    return tr(key, lang) if has(key) else name
