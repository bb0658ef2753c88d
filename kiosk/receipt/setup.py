"""How `kiosk run` and `kiosk demo` give the renewal flow its receipts (R31).

    setup = ReceiptSetup(settings)                      # kiosk run: the enrolled identity
    setup = ReceiptSetup({}, enrol=demo_enrolment(url)) # kiosk demo: a key for this run
    setup.problem()           # None, or the help code staff are shown (not enrolled…)
    setup.service(registry)   # the flow's ReceiptService

The identity is loaded once, on first use, off the GUI thread (the keyring answers over
D-Bus; the launcher asks `problem` from a worker): a kiosk that cannot sign receipts still
starts, its staff are told the fix and its holders that the receipt comes from the counter.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from kiosk.receipt.identity import IdentityError, KioskIdentity, load_or_error
from kiosk.receipt.service import ReceiptService, build_receipt_service

Identity = KioskIdentity | IdentityError


class ReceiptSetup:
    def __init__(self, settings: Mapping[str, Any],
                 enrol: Callable[[], Identity] | None = None) -> None:
        self.settings = dict(settings)
        self._enrol = enrol or load_or_error
        self._identity: Identity | None = None
        self._lock = threading.Lock()
        self.kiosk_id = str(self.settings.get("kiosk_id") or "")
        self.site = str(self.settings.get("kiosk_site") or "")

    def identity(self) -> Identity:
        with self._lock:
            if self._identity is None:
                self._identity = self._enrol()
            return self._identity

    def problem(self) -> str | None:
        """The help code of why this kiosk signs no receipts, or None."""
        found = self.identity()
        return found.help_code if isinstance(found, IdentityError) else None

    def service(self, registry: Any) -> ReceiptService:
        identity = self.identity()
        if isinstance(identity, KioskIdentity) and not self.kiosk_id:
            self.kiosk_id = identity.kiosk_id
        return build_receipt_service(registry, self.settings, identity=identity)


def demo_enrolment(registry_url: str, kiosk_id: str = "DEMO-1") -> Callable[[], Identity]:
    """Enrols a key that lives for this run only with the demo's own sandbox (no keyring,
    no file); a failed enrolment is the kiosk's problem to show, never a crash."""

    def enrol() -> Identity:
        from kiosk.receipt.identity import NotEnrolled, enrol_ephemeral
        from kiosk.services.errors import BackendError
        from kiosk.services.registry import RegistryClient

        client = RegistryClient(registry_url)
        try:
            return enrol_ephemeral(client, kiosk_id)
        except (BackendError, ValueError) as exc:
            return NotEnrolled(f"the demo could not enrol with its sandbox ({type(exc).__name__})")
        finally:
            client.close()

    return enrol
