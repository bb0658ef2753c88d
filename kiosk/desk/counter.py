"""The counter desk's look-ups and in-person check (R32), each one written to the audit trail.

What a flow stage of the desk calls (phase 2 puts pages on it): the 待線下辦理 queue and its
search, the officer's check of the physical ID card's number, the live photo (3 tries, R12),
and after those the officer's attestation with a written reason. The audit rows carry
references and outcomes only: never the ID number typed, the photo, the reason's text or the
search words (which may be a name or an ID number). The registry keeps the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kiosk.flows.journal import AuditSink, audited
from kiosk.services.api import BytesLike, DeskRegistry, InPersonCheck, QueueEntry, StaffSession

STEP = "desk"
MIN_REASON = 10  # the registry's minimum too (docs/api.md, attest)


class ReasonTooShort(ValueError):
    """An attestation needs a written reason, not a tick."""


class Counter:
    """One staff member's desk session."""

    def __init__(self, registry: DeskRegistry, audit: AuditSink, staff: StaffSession) -> None:
        self.registry = registry
        self.sink = audit
        self.staff = staff

    def queue(self, query: str = "", include_issued: bool = False) -> list[QueueEntry]:
        found: list[QueueEntry] = self._call(
            "registry.desk_queue", None, self.registry.desk_queue, self.staff, query.strip(),
            include_issued,
        )
        return found

    def status(self, renewal_id: str) -> InPersonCheck:
        result: InPersonCheck = self._call(
            "registry.in_person_status", renewal_id, self.registry.in_person_status,
            self.staff, renewal_id,
        )
        return result

    def check_id_number(self, renewal_id: str, id_number: str) -> None:
        self._call("registry.check_id_number", renewal_id, self.registry.check_id_number,
                   self.staff, renewal_id, id_number)

    def check_face(self, renewal_id: str, photo_jpeg: BytesLike) -> InPersonCheck:
        """One try of the live photo; the registry counts the tries (AC-AB-0019 with
        `tries_left`, AC-AB-0062 once none is left: then `attest`)."""
        self._call("registry.check_face", renewal_id, self.registry.check_face, self.staff,
                   renewal_id, photo_jpeg)
        return self.status(renewal_id)

    def attest(self, renewal_id: str, reason: str) -> None:
        text = reason.strip()
        if len(text) < MIN_REASON:
            raise ReasonTooShort(str(MIN_REASON))
        self._call("registry.attest_in_person", renewal_id, self.registry.attest_in_person,
                   self.staff, renewal_id, text)

    def _call(
        self, name: str, renewal_id: str | None, fn: Callable[..., Any], *args: Any
    ) -> Any:
        return audited(self.sink, STEP, name, renewal_id, fn, *args)
