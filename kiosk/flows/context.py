"""What every stage's hooks share: the services, the journal, the holder's session and
the counters of failures, with the audited call helper. Stages (kiosk/flows/stages) and
resume.py use only these public members."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kiosk.flows.journal import AuditRecord, Journal, JournalEntry, audited
from kiosk.flows.messages import Message, message_for_help_code
from kiosk.flows.signals import CapReached
from kiosk.flows.wizard import BYTES_LIKE, Data
from kiosk.services.api import ActivationJob, HolderSession, Services, StaffSession
from kiosk.services.errors import BackendError


@dataclass(frozen=True)
class RetryCaps:
    """How many failures the holder gets before the flow hands over to counter staff."""

    photo_retakes: int = 3  # R12 photos under the threshold
    eid_failures: int = 3  # wrong or expired SMS codes, failed face checks (R15)
    email_code_failures: int = 5  # wrong email codes (the server also locks)
    # R25 wrong existing cloud-sign passwords: the registry does not lock, so after a few
    # tries the holder is better served at the counter than guessing on.
    password_failures: int = 3
    # Polling within one submit before answering "still running" (the UI asks again).
    activation_wait_s: float = 20.0


@dataclass
class Counters:
    retakes: int = 0
    eid_failures: int = 0
    email_code_failures: int = 0
    password_failures: int = 0


class InputProblem(Exception):  # noqa: N818 - the holder's input, not a program error
    """Client-side validation refused the inputs (the server would have refused them too)."""

    def __init__(self, message_ids: Sequence[str]) -> None:
        super().__init__(", ".join(message_ids))
        self.message_ids = list(message_ids)


@dataclass
class FlowContext:
    services: Services
    journal: Journal
    caps: RetryCaps = field(default_factory=RetryCaps)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    session: HolderSession | None = None
    staff: StaffSession | None = None
    entry: JournalEntry | None = None
    counters: Counters = field(default_factory=Counters)
    # The counter desk's live parts and token session (kiosk/flows/stages/desk.py).
    desk: Any = None
    # The step being run, for the audit trail (set by the flow).
    step: Callable[[], str] = lambda: ""

    def holder(self) -> HolderSession:
        if self.session is None:
            raise RuntimeError("no holder signed in")
        return self.session

    def journal_entry(self) -> JournalEntry:
        if self.entry is None:
            raise RuntimeError("no renewal")
        return self.entry

    def renewal_id(self) -> str:
        return self.journal_entry().renewal_id

    def save(self) -> None:
        self.journal.save(self.journal_entry())

    def forget(self) -> None:
        self.session = None
        self.staff = None
        self.entry = None
        self.counters = Counters()

    def call(self, name: str, fn: Callable[..., Any], *args: Any) -> Any:
        """A service call, audited with its outcome (never its arguments)."""
        return audited(self.journal, self.step(), name, self._renewal_ref(), fn, *args)

    def for_renewal(self, service: str, method: str, *args: Any) -> Any:
        """`call` of services.<service>.<method>(holder, renewal id, *args), audited as
        "<service>.<method>": most calls are about the signed-in holder's renewal."""
        return self.for_holder(service, method, self.renewal_id(), *args)

    def for_holder(self, service: str, method: str, *args: Any) -> Any:
        """`call` of services.<service>.<method>(holder session, *args)."""
        fn = getattr(getattr(self.services, service), method)
        return self.call(f"{service}.{method}", fn, self.holder(), *args)

    def audit(self, step: str, call: str, outcome: str, help_code: str | None = None) -> None:
        self.journal.audit(AuditRecord(step, call, outcome, self._renewal_ref(), help_code))

    def _renewal_ref(self) -> str | None:
        return self.entry.renewal_id if self.entry else None

    def count_failure(
        self, err: BackendError, counter: str, cap: int, *, server_says_last: bool = False
    ) -> None:
        """One more failure of the holder's (a wrong code, a photo under the threshold...);
        at the cap, or when the server says it was the last try, `CapReached`."""
        count = getattr(self.counters, counter) + 1
        setattr(self.counters, counter, count)
        if count >= cap or server_says_last:
            raise CapReached.of(err) from err

    def find_job(self, entry: JournalEntry, cert_ids: Sequence[str]) -> ActivationJob | None:
        """The newest activation job of the renewal for these certificates (any, when none
        are known), from the registry: the answer that would have told us may be lost."""
        jobs = self.call(
            "registry.activations",
            self.services.registry.activations,
            self.holder(),
            entry.renewal_id,
        )
        wanted = set(cert_ids)
        for job in reversed(jobs):
            if not wanted or not job.cert_ids or wanted & set(job.cert_ids):
                return job
        return None

    def record_job(self, data: Data, job: ActivationJob | None, job_id: str = "") -> None:
        """Journals the job (or only its id: its progress is read next)."""
        if job is not None:
            job_id = job.job_id
            data["job"] = job
        else:
            data.pop("job", None)
        entry = self.journal_entry()
        if entry.job_id != job_id:
            entry.job_id = job_id
            self.journal.save(entry)

    @staticmethod
    def error_message(err: BackendError) -> Message:
        return message_for_help_code(err.help_code, err.messages, err.details)


def text(value: object) -> str:
    """A text input as `str` (what the JSON request needs). A bytearray stays the caller's,
    and is wiped after the step; the `str` made here cannot be wiped."""
    if isinstance(value, BYTES_LIKE):
        return bytes(value).decode("utf-8")
    return "" if value is None else str(value)


def stripped(inputs: Mapping[str, object], name: str) -> str:
    return str(inputs.get(name) or "").strip()
