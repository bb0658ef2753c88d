"""What the flow remembers across a crash, as a Protocol (kiosk/store implements it).

Only references to the backend's records and what the backend confirmed: never an ID
number, a photo, a code, a password or a phrase. The API is synchronous and small because
the UI runs it on one single-worker executor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from kiosk.services.errors import BackendError

OPEN = "open"
FINISHED_STATES = ("activated", "offline", "refused", "staff", "abandoned")


@dataclass
class JournalEntry:
    holder_id: str
    renewal_id: str
    step: str
    cert_ids: tuple[str, ...] = ()  # the renewal's certificates (R3: all of them)
    activation_cert_ids: tuple[str, ...] = ()  # the holder's choice (R17)
    submit_key: str | None = None  # Idempotency-Key of the submission
    activation_key: str | None = None  # Idempotency-Key of the activation (R26)
    signature_id: str | None = None  # the e-signature service's record (R16)
    submitted_at: datetime | None = None
    job_id: str | None = None
    state: str = OPEN  # open, or one of FINISHED_STATES
    sign_key: str | None = None  # Idempotency-Key of the e-signature (R16), per assertion
    updated_at: datetime | None = None


@dataclass(frozen=True)
class AuditRecord:
    step: str
    call: str  # e.g. "registry.submit"; "" for a step change
    outcome: str  # "ok", an error kind, or the step entered
    renewal_id: str | None = None
    help_code: str | None = None
    request_id: str | None = None


class AuditSink(Protocol):
    def audit(self, record: AuditRecord) -> None: ...


def audited(
    sink: AuditSink, step: str, call: str, renewal_id: str | None,
    fn: Callable[..., Any], *args: Any,
) -> Any:
    """`fn(*args)`, a backend call, with one audit row of its outcome: "ok", or the error's
    kind, help code and request id (never the call's arguments). The error is raised on."""
    try:
        result = fn(*args)
    except BackendError as err:
        sink.audit(AuditRecord(step, call, err.kind, renewal_id, err.help_code, err.request_id))
        raise
    sink.audit(AuditRecord(step, call, "ok", renewal_id))
    return result


class Journal(AuditSink, Protocol):
    def open_entry(self, holder_id: str) -> JournalEntry | None:
        """The holder's unfinished renewal, if any."""

    def save(self, entry: JournalEntry) -> None: ...

    def finish(self, holder_id: str, renewal_id: str, state: str) -> None: ...


class MemoryJournal:
    """A Journal that forgets on exit: for previews and the UI's design mode."""

    def __init__(self) -> None:
        self.entries: dict[str, JournalEntry] = {}
        self.records: list[AuditRecord] = []

    def open_entry(self, holder_id: str) -> JournalEntry | None:
        entry = self.entries.get(holder_id)
        return entry if entry is not None and entry.state == OPEN else None

    def save(self, entry: JournalEntry) -> None:
        self.entries[entry.holder_id] = entry

    def finish(self, holder_id: str, renewal_id: str, state: str) -> None:
        entry = self.entries.get(holder_id)
        if entry is not None and entry.renewal_id == renewal_id:
            entry.state = state

    def audit(self, record: AuditRecord) -> None:
        self.records.append(record)
