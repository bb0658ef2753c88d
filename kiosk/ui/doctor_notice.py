"""Issue 13 §4 at kiosk start: the staff banner naming what the start-up checks found
wrong (kiosk.doctor.start_failures: printer, backends, fonts and face model, disk), each
with its fix, so staff fix it before a holder runs into it.

Like the receipt's StaffNotice, it shows on screens staff use (every screen of a counter
terminal; the staff steps, sign-in included, of a self-service kiosk), never on a public
self-service screen. The heading and the help code are translated; each check's verdict
and fix are `kiosk doctor`'s own words, the ones support reads in its report.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kiosk import i18n
from kiosk.services.errors import KIOSK_START_CHECK_FAILED
from kiosk.ui.receipt_panel import StaffNotice
from kiosk.ui.texts import tr


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
            groups.setdefault(c.fix, []).append(c)
        for fix, group in groups.items():
            lines.append(f"• {', '.join(c.name for c in group)}: {group[0].verdict}")
            if fix:
                lines.append(tr("doctor.fix", lang, fix=fix))
        lines.append(i18n.help_code_line(self.code, lang))
        self.setText("\n".join(lines))
