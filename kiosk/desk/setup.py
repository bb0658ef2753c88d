"""How `kiosk run` and `kiosk demo` give the counter desk its parts (R32).

    setup = DeskSetup(module=stored["token_module"])   # kiosk run: the counter's token driver
    setup = DeskSetup(demo=True)                        # kiosk demo: a SoftHSM2 token for the run

The token module is the counter's PKCS#11 driver: `$KIOSK_PKCS11_MODULE`, else the setting
`token_module`. Without one the desk still opens (queue, in-person check, reprints) and the
token page says the desk is not set up, with the fix. The demo makes a throw-away SoftHSM2
token (label DEMO_TOKEN_LABEL, PIN DEMO_TOKEN_PIN) the first time the desk needs it and
removes it when the process ends.

The registry CA the issued certificates must chain to is read from the registry's trust list
when the first certificate is issued, not at start, so that a kiosk starts while the registry
is down. The site-status panel shows this terminal's quick `kiosk doctor` checks (no camera
check: the kiosk holds the camera) and the newest heartbeat of every kiosk of the site.
"""

from __future__ import annotations

import atexit
import os
from collections.abc import Mapping, Sequence
from typing import Any

from kiosk.flows.stages.desk import DeskParts, StatusRow
from kiosk.heartbeat import MadeOnce

MODULE_ENV = "KIOSK_PKCS11_MODULE"
DEMO_TOKEN_LABEL = "DEMO-TOKEN"
DEMO_TOKEN_PIN = "123456"


class DeskSetup:
    def __init__(self, module: str | None = None, *, demo: bool = False,
                 printer: str | None = None, registry_url: str = "",
                 ca_bundle: str | None = None) -> None:
        self.module = (os.environ.get(MODULE_ENV, "").strip() or module or None)
        self.demo = demo
        self.printer = printer
        self.registry_url = registry_url
        self.ca_bundle = ca_bundle  # the registry's CA for the backend check (TLS)
        self._tokens = MadeOnce(self._make_tokens)

    @classmethod
    def from_settings(cls, stored: Mapping[str, Any], registry_url: str) -> DeskSetup:
        return cls(stored.get("token_module") or None, printer=stored.get("printer"),
                   registry_url=registry_url)

    def tokens(self) -> Any:
        """The TokenModule, made once; None when no module is set up."""
        return self._tokens.get()

    def _make_tokens(self) -> Any:
        from kiosk.tokens.token import TokenModule

        if self.module:
            return TokenModule(self.module)
        if not self.demo:
            return None
        from kiosk.tokens.softhsm import throwaway_token

        made = throwaway_token(DEMO_TOKEN_LABEL, DEMO_TOKEN_PIN)
        atexit.register(made.hsm.cleanup)
        return TokenModule(made.module)

    def parts(self, registry: Any, journal: Any, receipts: Any, *, kiosk_id: str = "",
              site: str = "") -> DeskParts:
        from kiosk.store.issuance import SqlIssuanceJournal

        issuance = SqlIssuanceJournal(journal) if hasattr(journal, "engine") else None
        return DeskParts(
            tokens=self.tokens(),
            issuance_journal=issuance,
            ca_loader=lambda: registry.trust_list().ca,
            receipts=receipts,
            site_status=lambda: site_rows(journal, self.printer, self.registry_url,
                                          self.ca_bundle),
            kiosk_id=kiosk_id,
            site=site,
        )


def site_rows(journal: Any, printer: str | None, registry_url: str,
              ca_bundle: str | None = None) -> Sequence[StatusRow]:
    """This terminal's quick checks, then the site's kiosks by their newest heartbeat."""
    from kiosk import doctor

    backends = {"registry": registry_url} if registry_url else {}
    checks = doctor.quick_checks(printer=printer, backends=backends, ca_bundle=ca_bundle)
    rows = [StatusRow(c.name, c.status, c.verdict, c.fix) for c in checks]
    rows.extend(_heartbeat_rows(journal))
    return rows


def _heartbeat_rows(journal: Any) -> list[StatusRow]:
    from kiosk.store.site import fleet_status

    engine = getattr(journal, "engine", None)
    forwarder = getattr(journal, "forwarder", None)
    site_url = getattr(forwarder, "site_url", None)
    if engine is None and site_url is None:
        return []
    try:
        if site_url:  # the whole site: every kiosk's heartbeat is in the site store
            from kiosk.store.engine import make_engine

            site = make_engine(site_url)
            try:
                kiosks = fleet_status(site)
            finally:
                site.dispose()
        else:
            kiosks = fleet_status(engine) if engine is not None else []
    except Exception:  # noqa: BLE001 - the site store may be down: the kiosks go on
        return [StatusRow("site store", "warn", "the site store does not answer",
                          "check the site database; kiosks keep working and send later")]
    rows = []
    for k in kiosks:
        trouble = [f"{part} {state}" for part, state in
                   (("camera", k.camera), ("printer", k.printer), ("backend", k.backend))
                   if not state.startswith(("ok", "synthetic"))]
        if k.unprinted_receipts:
            trouble.append(f"{k.unprinted_receipts} receipt(s) to reprint")
        age_min = int(k.age_s() // 60)
        stale = age_min > 10
        status = "fail" if stale or trouble else "ok"
        verdict = (f"{k.mode}, seen {age_min} min ago"
                   + (": " + ", ".join(trouble) if trouble else ""))
        fix = ("check that the kiosk is on and on the network" if stale else
               "see the kiosk's own `kiosk doctor`" if trouble else "")
        rows.append(StatusRow(f"kiosk {k.kiosk_id}", status, verdict, fix))
    return rows
