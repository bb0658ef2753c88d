"""The certificate renewal (SPEC R2-R26) as one navigation map, driven by the UI unchanged.

`RenewalFlow` is what the Qt wizard, the tests and `kiosk walkthrough` use:

    flow = RenewalFlow(services, journal)
    view = flow.start_self_service()            # or flow.start_staff(), or start_with_holder()
    view = flow.submit({"id_number": "..."})    # the current step's inputs, by name
    ...                                         # view.step_id, view.inputs, view.error ...
    flow.back(); flow.reset()

Every step is a navmap entry (see `_navmap`); branches are named predicates (views.py).
Side effects happen only in `accept` hooks, through the injected service Protocols; what a
step shows is read by its `load` hook and turned into its view by its `present` hook
(views.py). Resuming a renewal is resume.py. A backend refusal never raises out of `submit`: the
flow stays on the step and the view carries the message (and help code). Repeated failures
end in the `staff` step (請聯繫櫃檯職員, with the renewal id as reference), never a dead end.

Nothing personal is kept beyond the holder's session in memory, and the journal only records
references and what the backend confirmed. What is wiped, honestly: photos (any bytes-like
JPEG: bytes, bytearray or memoryview) and passwords handed in as a bytearray or a writable
memoryview are overwritten with zeros as soon as the step has used them; the flow passes
the photo to the clients without copying it. What is not: immutable `bytes`/`str` inputs,
the `str` a password is decoded to for the request, and the transient encodings of the
HTTP call (the base64 text and JSON body the clients and `requests` build) can only be
dropped, not overwritten, and live until the garbage collector reuses their memory.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kiosk.flows import resume, views
from kiosk.flows.journal import OPEN, AuditRecord, Journal, JournalEntry
from kiosk.flows.messages import DEFAULT_LANG, Message, message, message_for_help_code
from kiosk.flows.redact import redact
from kiosk.flows.resume import after_submit
from kiosk.flows.validation import (
    code_problems,
    confirmation_problems,
    password_problems,
    phrase_problems,
)
from kiosk.flows.views import (
    CARD_FIELDS,
    STATUS_LABELS,
    TYPE_LABELS,
    ViewContext,
    all_emails_verified,
    all_non_cloud,
    certificate_view,
    iso,
    needs_new_password,
    only_one_cloud_cert,
    submission_certs,
)
from kiosk.flows.wizard import BYTES_LIKE, STAY, Data, GoTo, StepDef, Wizard, wipe_buffer
from kiosk.services.api import (
    ActivationJob,
    Application,
    Certificate,
    CertType,
    HolderSession,
    Services,
    StaffSession,
    Submission,
)
from kiosk.services.errors import BackendError

__all__ = [
    "CARD_FIELDS",
    "OUTCOMES",
    "STATUS_LABELS",
    "TYPE_LABELS",
    "InputProblem",
    "Message",
    "RenewalFlow",
    "RetryCaps",
    "StepView",
    "all_emails_verified",
    "all_non_cloud",
    "certificate_view",
    "needs_new_password",
    "only_one_cloud_cert",
    "server_refused",
]

log = logging.getLogger("kiosk.flows.renewal")

# Terminal steps and what they mean for the holder (the walkthrough's `outcome`).
OUTCOMES: Mapping[str, str] = {
    "done": "activated",
    "offline_done": "offline",
    "nothing_pending": "refused",
    "id_unsupported": "refused",
    "id_invalid": "refused",
    "eid_unavailable": "refused",
    "revoke_first": "refused",
    "reverify": "refused",
    "staff": "staff",
}


@dataclass(frozen=True)
class RetryCaps:
    """How many failures the holder gets before the flow hands over to counter staff."""

    photo_retakes: int = 3  # R12 photos under the threshold
    eid_failures: int = 3  # wrong or expired SMS codes, failed face checks (R15)
    email_code_failures: int = 5  # wrong email codes (the server also locks: AC-AB-0011)
    # R25 wrong existing cloud-sign passwords: the registry does not lock, so after a few
    # tries the holder is better served at the counter than guessing on.
    password_failures: int = 3
    # Polling within one submit before answering "still running" (the UI asks again).
    activation_wait_s: float = 20.0


@dataclass(frozen=True)
class StepView:
    """What the UI shows for the current step. `data` is JSON-able."""

    step_id: str
    step_number: int  # 1..4 for the step indicator; 0 before step 1
    data: Mapping[str, object]
    messages: tuple[Message, ...]
    error: Message | None
    can_back: bool
    is_last: bool
    inputs: tuple[str, ...]
    outcome: str | None = None  # for last steps: activated | offline | refused | staff
    errors: tuple[Message, ...] = ()  # every problem when several (client validation)


class InputProblem(Exception):  # noqa: N818 - the holder's input, not a program error
    """Client-side validation refused the inputs (the server would have refused them too)."""

    def __init__(self, message_ids: Sequence[str]) -> None:
        super().__init__(", ".join(message_ids))
        self.message_ids = list(message_ids)


def server_refused(err: BackendError) -> bool:
    """The server considered the request and said no: a 4xx carrying its own help code.

    Only then is an idempotency key spent. Anything else (no answer, a 5xx, a 2xx or an
    error page nobody can read) may mean the server did the work: the retry must reuse
    the key so that it happens exactly once (R26).
    """
    status = err.http_status
    return (
        status is not None
        and 400 <= status < 500
        and bool(err.help_code)
        and not err.help_code.startswith("AC-KI-")
    )


def _dynamic(default: str) -> Callable[[Data], str]:
    """`next` decided by the accept hook (it sets data["_next"]), else `default`."""

    def resolve(data: Data) -> str:
        return str(data.pop("_next", default))

    return resolve


@dataclass
class _Counters:
    retakes: int = 0
    eid_failures: int = 0
    email_code_failures: int = 0
    password_failures: int = 0


@dataclass
class _Outcome:
    error: Message | None = None
    errors: tuple[Message, ...] = ()
    extra: list[Message] = field(default_factory=list)


class RenewalFlow:
    """One holder's renewal at the kiosk. Not thread-safe: one worker drives it."""

    def __init__(
        self,
        services: Services,
        journal: Journal,
        *,
        lang: str = DEFAULT_LANG,
        caps: RetryCaps | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.services = services
        self.journal = journal
        self.lang = lang
        self.caps = caps or RetryCaps()
        self._sleep = sleep
        self._clock = clock
        self._wizard = Wizard(self._navmap())
        self._session: HolderSession | None = None
        self._staff: StaffSession | None = None
        self._entry: JournalEntry | None = None
        self._counters = _Counters()
        self._last = _Outcome()
        # Called with every step view entered, auto steps included (walkthrough, audit UI).
        self.observers: list[Callable[[StepView], None]] = []

    # --- public API -----------------------------------------------------------------------

    @property
    def current(self) -> StepView:
        return self._view()

    @property
    def session(self) -> HolderSession | None:
        return self._session

    @property
    def renewal_id(self) -> str | None:
        return self._entry.renewal_id if self._entry else None

    def set_lang(self, lang: str) -> None:
        self.lang = lang

    def start_self_service(self) -> StepView:
        """The holder's own sign-in: ID number, then the SMS code (strong e-ID)."""
        self.reset()
        self._wizard.start("sign_in", {})
        return self._entered()

    def start_staff(self, staff: StaffSession | None = None) -> StepView:
        """Counter staff signs in (or is signed in already) and looks the holder up."""
        self.reset()
        self._staff = staff
        self._wizard.start("staff_lookup" if staff else "staff_login", {})
        return self._entered()

    def sign_in_start(self, id_number: str) -> StepView:
        if self._wizard.current_step != "sign_in":
            self.start_self_service()
        return self.submit({"id_number": id_number})

    def sign_in_complete(self, code: str) -> StepView:
        return self.submit({"sms_code": code})

    def start_with_holder(self, session: HolderSession) -> StepView:
        """The holder is known (staff look-up or e-ID sign-in done before): go to their
        renewal, resuming an interrupted one from what the backend and the journal hold."""
        self.reset()
        self._session = session
        self._wizard.start("routing", {})
        return self._entered()

    def resume(self, holder: HolderSession) -> StepView:
        return self.start_with_holder(holder)

    def submit(self, inputs: Mapping[str, object]) -> StepView:
        """Runs the current step's accept with the person's inputs, then moves on."""
        step = self._wizard.current_step
        if step is None:
            raise RuntimeError("the flow has not started")
        self._last = _Outcome()
        spec = self._wizard.navmap[step]
        if spec.next is None and self._wizard.is_last(step, self._wizard.data):
            _wipe_inputs(inputs)
            return self._view()  # an end state without a way on: nothing to do
        try:
            data = self._wizard.data
            if data.pop("_load_failed", False):
                # The holder has not seen this step's content yet: fetch it, then show it.
                self._load(step)
                self._notify()
                return self._view()
            before = len(self._wizard.stack)
            new_step = self._wizard.advance(inputs)
        except InputProblem as problem:
            msgs = tuple(message(i) for i in problem.message_ids)
            self._last = _Outcome(error=msgs[0], errors=msgs)
            return self._view()
        except BackendError as err:
            self._last = _Outcome(error=self._error_message(err))
            return self._view()
        finally:
            _wipe_inputs(inputs)
        if new_step != step or len(self._wizard.stack) != before:
            return self._entered()
        self._notify()
        return self._view()

    def back(self) -> StepView:
        self._last = _Outcome()
        if not self._wizard.can_back():
            return self._view()
        self._wizard.back()
        # Auto steps are checks, not pages: Back goes to the page before them.
        while self._wizard.navmap[self._wizard.current_step or ""].auto and self._wizard.can_back():
            self._wizard.back()
        step = self._wizard.current_step
        assert step is not None
        if self._wizard.navmap[step].load is not None:
            self._load(step)
        self._journal_step(step)
        self._notify()
        return self._view()

    def reset(self) -> None:
        """Forget everything of the holder (start over, idle timeout). The journal keeps its
        references so a holder who comes back resumes; see `abandon` for one who has gone."""
        self._wizard.reset()
        self._session = None
        self._staff = None
        self._entry = None
        self._counters = _Counters()
        self._last = _Outcome()

    def abandon(self) -> None:
        """The holder has gone: close their journal entry; the backend keeps its records."""
        if self._entry is not None:
            self.journal.finish(self._entry.holder_id, self._entry.renewal_id, "abandoned")
            self._audit("abandon", "", "abandoned")
        self.reset()

    # --- the navmap -------------------------------------------------------------------------

    def _navmap(self) -> dict[str, StepDef]:
        terminal = {
            step: StepDef(last=True, step_number=n, can_back=False, present=show)
            for step, n, show in (
                ("nothing_pending", 0, views.says("pending.none")),
                ("id_unsupported", 2, views.id_refused("id.unsupported")),
                ("id_invalid", 2, views.id_refused("id.invalid")),
                ("eid_unavailable", 3, views.says("eid.not_enabled", "id.offline_only")),
                ("offline_done", 4, views.offline_done),
                ("staff", 0, views.staff),
                ("done", 4, views.done),
            )
        }
        # End states with a way forward, for the holder who wants it there and then:
        # R20 revoke on the linked page, then 激活證書 runs the check again (submit {});
        # R21 the registry sent the renewal back to identity verification (submit {}).
        terminal["revoke_first"] = StepDef(
            last=True, step_number=4, can_back=True, next="precheck", present=views.revoke_first
        )
        terminal["reverify"] = StepDef(
            last=True,
            step_number=4,
            can_back=False,
            accept=self._accept_reverify,
            next=_dynamic("consent"),
            present=views.says("reverify.title", "reverify.body"),  # R21
        )
        return {
            # Where the holder's renewal stands (a backend read); retried by submit({}).
            "routing": StepDef(
                accept=self._accept_routing, next=_dynamic(STAY), auto=True, can_back=False
            ),
            "sign_in": StepDef(
                accept=self._accept_sign_in,
                next="sign_in_code",
                inputs=("id_number",),
                present=views.says("signin.id_number"),
            ),
            "sign_in_code": StepDef(
                accept=self._accept_sign_in_code,
                next="routing",
                inputs=("sms_code",),
                present=views.sign_in_code,
            ),
            "staff_login": StepDef(
                accept=self._accept_staff_login,
                next="staff_lookup",
                inputs=("username", "password"),
                present=views.says("staff.login"),
            ),
            "staff_lookup": StepDef(
                accept=self._accept_staff_lookup,
                next="routing",
                inputs=("id_number",),
                can_back=False,
                present=views.says("staff.lookup"),
            ),
            # R3: every record is pre-selected and cannot be deselected; nothing to choose.
            "pending": StepDef(next="emails", can_back=False, present=views.pending),
            "emails": StepDef(
                load=self._load_emails,
                accept=self._accept_emails,
                next=_dynamic("email_code"),
                inputs=("address",),
                step_number=1,
                can_back=False,
                present=views.emails,
            ),
            "email_code": StepDef(
                accept=self._accept_email_code,
                next=_dynamic(STAY),
                inputs=("action", "code"),
                step_number=1,
                present=views.email_code,
            ),
            "consent": StepDef(
                accept=self._accept_consent,
                next="id_check",
                inputs=("agree",),
                step_number=2,
                can_back=False,
                present=views.says("consent.text", "consent.checkbox"),
            ),
            "id_check": StepDef(
                accept=self._accept_id_check,
                next="photo",
                step_number=2,
                auto=True,
                present=views.says("id.checking"),
            ),
            # 上一步 returns to the consent (id_check is a check, not a page): the way out of
            # a photo page whose camera is missing, without starting over.
            "photo": StepDef(
                accept=self._accept_photo,
                next="face_result",
                inputs=("photo_jpeg",),
                step_number=2,
                present=views.photo,
            ),
            "face_result": StepDef(
                next="confirm", step_number=2, can_back=False, present=views.face_result
            ),
            "confirm": StepDef(
                load=self._load_application,
                next="declaration",
                step_number=3,
                can_back=False,
                present=views.application("confirm.intro"),
            ),
            "declaration": StepDef(
                accept=self._accept_declaration,
                next="eid",
                inputs=("agree",),
                step_number=3,
                present=views.application("declaration.checkbox", declaration=True),
            ),
            "eid": StepDef(
                load=self._load_application,
                accept=self._accept_eid,
                next=_dynamic(STAY),
                inputs=("action", "sms_code", "face_jpeg"),
                step_number=3,
                present=views.eid,
            ),
            "esign": StepDef(
                accept=self._accept_esign,
                next="signed",
                step_number=3,
                auto=True,
                can_back=False,
            ),
            "signed": StepDef(
                next="review",
                step_number=3,
                can_back=False,
                present=views.says("sign.success"),  # R16
            ),
            "review": StepDef(
                load=self._load_application,
                accept=self._accept_review,
                next="submitted",
                step_number=3,
                present=views.application("review.intro"),
            ),
            "submitted": StepDef(
                next=after_submit,
                step_number=3,
                can_back=False,
                present=views.says("submit.success"),  # R16
            ),
            "activation_select": StepDef(
                accept=self._accept_select,
                next="precheck",
                inputs=("cert_ids",),
                step_number=4,
                can_back=False,
                present=views.activation_select,
            ),
            "precheck": StepDef(
                accept=self._accept_precheck, next="activation_form", step_number=4, auto=True
            ),
            "activation_form": StepDef(
                load=self._load_activation_form,
                accept=self._accept_activation,
                next="activation_progress",
                inputs=("password", "password_confirm", "revocation_phrase"),
                step_number=4,
                present=views.activation_form,
            ),
            "activation_progress": StepDef(
                accept=self._accept_progress,
                next=_dynamic(STAY),
                step_number=4,
                auto=True,
                can_back=False,
                present=views.activation_progress,
            ),
            **terminal,
        }

    # --- accept and load hooks ------------------------------------------------------------

    def _accept_sign_in(self, data: Data, inputs: Mapping[str, object]) -> None:
        id_number = str(inputs.get("id_number") or "").strip()
        if not id_number:
            raise InputProblem(["signin.id_number"])
        challenge = self._call("eid.start_login", self.services.eid.start_login, id_number)
        data["challenge"] = challenge

    def _accept_sign_in_code(self, data: Data, inputs: Mapping[str, object]) -> None:
        code = str(inputs.get("sms_code") or "").strip()
        if problems := code_problems(code):
            raise InputProblem(problems)
        challenge = data["challenge"]
        try:
            self._session = self._call(
                "eid.complete_login",
                self.services.eid.complete_login,
                challenge.challenge_id,
                code,
            )
        except BackendError as err:
            if err.help_code == "AC-AB-0023":  # expired: start the sign-in again
                self._last.extra.append(self._error_message(err))
                raise GoTo("sign_in") from err
            if err.help_code in ("AC-AB-0022", "AC-AB-0024"):
                self._count_failure(data, err, "eid_failures", self.caps.eid_failures)
            elif err.help_code == "AC-AB-0038":
                self._hand_off(data, err)
            raise
        data.pop("challenge", None)

    def _accept_routing(self, data: Data, inputs: Mapping[str, object]) -> None:
        data["_next"] = self._route(data)

    def _accept_staff_login(self, data: Data, inputs: Mapping[str, object]) -> None:
        self._staff = self._call(
            "registry.staff_login",
            self.services.registry.staff_login,
            str(inputs.get("username") or ""),
            str(inputs.get("password") or ""),
        )

    def _accept_staff_lookup(self, data: Data, inputs: Mapping[str, object]) -> None:
        if self._staff is None:
            raise GoTo("staff_login")
        id_number = str(inputs.get("id_number") or "").strip()
        if not id_number:
            raise InputProblem(["staff.lookup"])
        self._session = self._call(
            "registry.staff_lookup", self.services.registry.staff_lookup, self._staff, id_number
        )

    def _load_emails(self, data: Data) -> None:
        data["emails"] = self._call(
            "registry.emails", self.services.registry.emails, self._sess(), self._rid()
        )

    def _accept_emails(self, data: Data, inputs: Mapping[str, object]) -> None:
        address = str(inputs.get("address") or "").strip()
        if not address:
            if all_emails_verified(data):
                data["_next"] = "consent"
                return
            raise InputProblem(["email.list"])
        known = {e.address: e for e in data.get("emails") or []}
        if address not in known:
            raise InputProblem(["email.not_in_renewal"])
        data["address"] = address
        data.pop("code_sent", None)
        status = known[address]
        if status.verified_at is not None:
            # R7: verified earlier (same record, within 30 days): no new code needed.
            data["_next"] = "consent" if all_emails_verified(data) else STAY
            data.pop("address", None)
            return
        if status.code_expires_at is not None:
            data["code_expires_at"] = iso(status.code_expires_at)

    def _accept_email_code(self, data: Data, inputs: Mapping[str, object]) -> None:
        action = str(inputs.get("action") or ("verify" if inputs.get("code") else "request"))
        address = str(data["address"])
        if action == "request":
            sent = self._call(
                "registry.request_email_code",
                self.services.registry.request_email_code,
                self._sess(),
                self._rid(),
                address,
            )
            data["code_sent"] = True
            data["code_expires_at"] = iso(sent.expires_at)
            return
        code = str(inputs.get("code") or "").strip()
        if problems := code_problems(code):
            raise InputProblem(problems)
        try:
            self._call(
                "registry.verify_email_code",
                self.services.registry.verify_email_code,
                self._sess(),
                self._rid(),
                address,
                code,
            )
        except BackendError as err:
            if err.help_code == "AC-AB-0008":
                self._count_failure(
                    data,
                    err,
                    "email_code_failures",
                    self.caps.email_code_failures,
                    server_says_last=err.details.get("attempts_left") == 0,
                )
            elif err.help_code == "AC-AB-0011":
                self._hand_off(data, err)
            elif err.help_code == "AC-AB-0010" and self._address_verified(address):
                # Used already, to verify this very address (another session, or an answer
                # that got lost): it is 已驗證, back to the list.
                data.pop("address", None)
                raise GoTo("emails") from err
            raise
        data.pop("address", None)
        data.pop("code_sent", None)
        data.pop("code_expires_at", None)
        data["_next"] = "emails"

    def _address_verified(self, address: str) -> bool:
        emails = self._call(
            "registry.emails", self.services.registry.emails, self._sess(), self._rid()
        )
        return any(e.address == address and e.verified_at is not None for e in emails)

    def _accept_consent(self, data: Data, inputs: Mapping[str, object]) -> None:
        if inputs.get("agree") is not True:
            raise InputProblem(["consent.required"])
        consent = self._call(
            "bureau.consent", self.services.bureau.consent, self._sess(), self._rid()
        )
        data["_consent_token"] = consent.consent_token

    def _accept_id_check(self, data: Data, inputs: Mapping[str, object]) -> None:
        token = data.get("_consent_token")
        if not token:
            raise GoTo("consent")
        try:
            self._call(
                "registry.check_identity",
                self.services.registry.check_identity,
                self._sess(),
                self._rid(),
                token,
            )
        except BackendError as err:
            if err.help_code == "AC-AB-0017":  # R10
                raise GoTo("id_unsupported") from err
            if err.help_code == "AC-AB-0018":  # R11
                raise GoTo("id_invalid") from err
            if err.help_code == "AC-AB-0016":  # the consent went stale: ask again
                raise GoTo("consent") from err
            raise

    def _accept_photo(self, data: Data, inputs: Mapping[str, object]) -> None:
        photo = inputs.get("photo_jpeg")
        if not isinstance(photo, BYTES_LIKE) or not len(photo):
            raise InputProblem(["photo.missing"])
        token = data.get("_consent_token")
        if not token:
            raise GoTo("consent")
        try:
            match = self._call(
                "bureau.match_face",
                self.services.bureau.match_face,
                self._sess(),
                self._rid(),
                token,
                photo,  # no copy: the caller's buffer is wiped after the step
            )
        except BackendError as err:
            if err.help_code in ("AC-AB-0019", "AC-AB-0020", "AC-AB-0005"):  # R12: retake
                self._count_failure(data, err, "retakes", self.caps.photo_retakes)
            elif err.help_code == "AC-AB-0016":
                raise GoTo("consent") from err
            raise
        self._call(
            "registry.record_face_match",
            self.services.registry.record_face_match,
            self._sess(),
            self._rid(),
            match.match_id,
        )
        data["score"] = match.score
        data["threshold"] = match.threshold
        data.pop("_consent_token", None)

    def _load_application(self, data: Data) -> None:
        if data.get("application") is None:
            data["application"] = self._call(
                "registry.application",
                self.services.registry.application,
                self._sess(),
                self._rid(),
            )

    def _accept_declaration(self, data: Data, inputs: Mapping[str, object]) -> None:
        if inputs.get("agree") is not True:
            raise InputProblem(["declaration.required"])  # R14
        self._call(
            "registry.accept_declaration",
            self.services.registry.accept_declaration,
            self._sess(),
            self._rid(),
        )

    def _accept_eid(self, data: Data, inputs: Mapping[str, object]) -> None:
        action = str(inputs.get("action") or ("verify" if inputs.get("sms_code") else "request"))
        if action == "request":
            try:
                challenge = self._call(
                    "eid.start_challenge",
                    self.services.eid.start_challenge,
                    self._sess(),
                    f"renewal:{self._rid()}",
                )
            except BackendError as err:
                if err.help_code == "AC-AB-0021":  # R15: no very-high tool on the account
                    raise GoTo("eid_unavailable") from err
                raise
            data["challenge"] = challenge
            return
        challenge = data.get("challenge")
        if challenge is None:
            raise InputProblem(["eid.intro"])
        code = str(inputs.get("sms_code") or "").strip()
        if problems := code_problems(code):
            raise InputProblem(problems)
        face = inputs.get("face_jpeg")
        if not isinstance(face, BYTES_LIKE) or not len(face):
            raise InputProblem(["photo.missing"])
        try:
            assertion = self._call(
                "eid.verify_challenge",
                self.services.eid.verify_challenge,
                self._sess(),
                challenge.challenge_id,
                code,
                face,
            )
        except BackendError as err:
            if err.help_code in ("AC-AB-0022", "AC-AB-0023", "AC-AB-0024"):
                self._count_failure(data, err, "eid_failures", self.caps.eid_failures)
            elif err.help_code == "AC-AB-0038":
                self._hand_off(data, err)
            raise
        data.pop("challenge", None)
        data["_assertion"] = assertion.assertion
        # One key per assertion, journaled before the signing call: a retry after a lost
        # answer gets the first signature back instead of "assertion used" (AC-AB-0025).
        entry = self._journal_entry()
        entry.sign_key = f"sign-{uuid.uuid4()}"
        self.journal.save(entry)
        data["_next"] = "esign"

    def _accept_esign(self, data: Data, inputs: Mapping[str, object]) -> None:
        assertion = data.get("_assertion")
        if not assertion:
            raise GoTo("eid")
        self._load_application(data)
        application: Application = data["application"]
        entry = self._journal_entry()
        if not entry.sign_key:
            entry.sign_key = f"sign-{uuid.uuid4()}"
            self.journal.save(entry)
        try:
            signature = self._call(
                "esign.sign",
                self.services.esign.sign,
                self._sess(),
                assertion,
                application.document_id,
                entry.sign_key,
            )
        except BackendError as err:
            if server_refused(err):
                entry.sign_key = None
                self.journal.save(entry)
            if err.help_code == "AC-AB-0025" and err.details.get("reason") == "assertion_invalid":
                # Used or expired (R15 identifies for one signature, minutes long): identify
                # again with a new challenge rather than resending a dead assertion.
                data.pop("_assertion", None)
                self._last.extra.append(self._error_message(err))
                raise GoTo("eid") from err
            raise
        data.pop("_assertion", None)
        entry.signature_id = signature.signature_id
        entry.sign_key = None
        self.journal.save(entry)

    def _accept_review(self, data: Data, inputs: Mapping[str, object]) -> None:
        entry = self._journal_entry()
        if not entry.signature_id:
            raise GoTo("eid")
        if not entry.submit_key:
            # Saved before the call: a crash mid-call resubmits with the same key (R26 spirit).
            entry.submit_key = f"submit-{uuid.uuid4()}"
            self.journal.save(entry)
        try:
            submission = self._call(
                "registry.submit",
                self.services.registry.submit,
                self._sess(),
                self._rid(),
                entry.signature_id,
                entry.submit_key,
            )
        except BackendError as err:
            if err.help_code != "AC-AB-0026":  # already submitted: carry on from the record
                if server_refused(err):
                    entry.submit_key = None  # the corrected request goes out under a new key
                    self.journal.save(entry)
                raise
            renewal = self._call(
                "registry.current_renewal", self.services.registry.current_renewal, self._sess()
            )
            data["renewal"] = renewal
            submission = Submission(
                submitted_at=datetime.now(UTC),
                activation_pending=renewal.activation_pending,
                offline_pending=renewal.offline_pending,
                notice_code="AC-AB-0007" if not renewal.activation_pending else None,
            )
        data["submission"] = submission
        entry.submitted_at = submission.submitted_at
        self.journal.save(entry)

    def _accept_select(self, data: Data, inputs: Mapping[str, object]) -> None:
        cloud, _ = submission_certs(data)
        available = [c.cert_id for c in cloud]
        raw = inputs.get("cert_ids")
        if raw == "all":  # 選取所有
            chosen = available
        elif isinstance(raw, list | tuple):
            chosen = [str(c) for c in raw if str(c) in available]
        else:
            chosen = []
        if not chosen:
            raise InputProblem(["activation.none_selected"])
        data["selected"] = chosen
        entry = self._journal_entry()
        if tuple(chosen) != entry.activation_cert_ids:
            # Another request than the one the key was made for: the registry would refuse
            # the old key with a different body (AC-AB-0034). A fresh key is made at 激活.
            entry.activation_key = None
            entry.activation_cert_ids = tuple(chosen)
            self.journal.save(entry)

    def _accept_precheck(self, data: Data, inputs: Mapping[str, object]) -> None:
        try:
            self._call(
                "registry.precheck",
                self.services.registry.precheck,
                self._sess(),
                self._rid(),
                list(data["selected"]),
            )
        except BackendError as err:
            self._follow_activation(data, err)
            self._pre_activation_refusal(data, err)
            raise

    def _follow_activation(self, data: Data, err: BackendError) -> None:
        """AC-AB-0039: these certificates are being (or were) activated already, typically
        by our own activation whose answer was lost or never written down. Follow that job
        to 成功激活 instead of asking again (R26: exactly once)."""
        if err.help_code != "AC-AB-0039":
            return
        entry = self._journal_entry()
        job_id = err.details.get("job_id") or entry.job_id
        if not isinstance(job_id, str) or not job_id:
            job = self._find_job(entry, data.get("selected") or entry.activation_cert_ids)
            job_id = job.job_id if job is not None else None
        if not job_id:
            return  # activated by some other way (not a job we can show): the message says so
        self._record_job(data, None, job_id)
        raise GoTo("activation_progress") from err

    def _find_job(self, entry: JournalEntry, cert_ids: Sequence[str]) -> ActivationJob | None:
        """The newest activation job of the renewal for these certificates (any, when none
        are known), from the registry: the answer that would have told us may be lost."""
        jobs = self._call(
            "registry.activations",
            self.services.registry.activations,
            self._sess(),
            entry.renewal_id,
        )
        wanted = set(cert_ids)
        for job in reversed(jobs):
            if not wanted or not job.cert_ids or wanted & set(job.cert_ids):
                return job
        return None

    def _pre_activation_refusal(self, data: Data, err: BackendError) -> None:
        """R20/R21, whether the precheck or the activation itself (which repeats the
        checks) found it: the same end state with its way forward."""
        if err.help_code == "AC-AB-0015":  # R20
            data["revoke"] = [
                {
                    "cert_id": str(c.get("cert_id", "")),
                    # The page names each certificate by its type (商業機構"雲簽"帳戶...).
                    "type": _cert_type(data, c),
                    "revoke_url": str(c.get("revoke_url", "")),
                }
                for c in err.details.get("certificates", [])
                if isinstance(c, dict)
            ]
            raise GoTo("revoke_first") from err
        if err.help_code == "AC-AB-0014":  # R21 (the backend sends the email)
            raise GoTo("reverify") from err

    def _accept_reverify(self, data: Data, inputs: Mapping[str, object]) -> None:
        for key in ("submission", "selected", "application", "form", "job"):
            data.pop(key, None)
        entry = self._journal_entry()
        # The registry dropped the signature and the submission: new keys next time.
        entry.signature_id = entry.submit_key = entry.activation_key = entry.sign_key = None
        entry.submitted_at = None
        entry.activation_cert_ids = ()
        entry.state = OPEN
        self.journal.save(entry)
        data["_next"] = self._route(data)

    def _load_activation_form(self, data: Data) -> None:
        data["form"] = self._call(
            "registry.activation_form",
            self.services.registry.activation_form,
            self._sess(),
            self._rid(),
        )

    def _accept_activation(self, data: Data, inputs: Mapping[str, object]) -> None:
        password = _text(inputs.get("password"))
        confirm = _text(inputs.get("password_confirm"))
        phrase = _text(inputs.get("revocation_phrase"))
        problems: list[str] = []
        if needs_new_password(data):
            problems += password_problems(password)  # R23
            problems += confirmation_problems(password, confirm)
        elif not password:
            problems.append("validation.password_required")
        problems += phrase_problems(phrase)  # R24
        if problems:
            raise InputProblem(problems)
        entry = self._journal_entry()
        selected = list(data["selected"])
        if not entry.activation_key:
            # Saved before the call: a retry after a crash or a lost answer reuses the key,
            # so the registry activates each certificate exactly once (R26).
            entry.activation_key = f"activate-{uuid.uuid4()}"
            entry.activation_cert_ids = tuple(selected)
            self.journal.save(entry)
        try:
            job = self._call(
                "registry.activate",
                self.services.registry.activate,
                self._sess(),
                self._rid(),
                selected,
                password,
                confirm if needs_new_password(data) else None,
                phrase,
                entry.activation_key,
            )
        except BackendError as err:
            # Activated or activating already (by this key's job whose answer was lost, or
            # by another kiosk): follow that job.
            self._follow_activation(data, err)
            if server_refused(err):
                # A refusal may be recorded under this key: the corrected request needs a
                # fresh key or the registry could replay the refusal.
                entry.activation_key = None
                self.journal.save(entry)
            self._pre_activation_refusal(data, err)
            if err.help_code == "AC-AB-0032":  # R25
                self._count_failure(data, err, "password_failures", self.caps.password_failures)
            raise
        finally:
            del password, confirm, phrase
        self._record_job(data, job)

    def _record_job(self, data: Data, job: ActivationJob | None, job_id: str = "") -> None:
        """Journals the job (or only its id: its progress is read next)."""
        if job is not None:
            job_id = job.job_id
            data["job"] = job
        else:
            data.pop("job", None)
        entry = self._journal_entry()
        if entry.job_id != job_id:
            entry.job_id = job_id
            self.journal.save(entry)

    def _accept_progress(self, data: Data, inputs: Mapping[str, object]) -> None:
        job: ActivationJob | None = data.get("job")
        entry = self._journal_entry()
        job_id = job.job_id if job else entry.job_id
        if job_id is None:
            raise GoTo("activation_form")
        deadline = self._clock() + self.caps.activation_wait_s
        while job is None or job.state == "running":
            if job is not None:
                if self._clock() >= deadline:
                    data["job"] = job
                    data["_next"] = STAY
                    return
                self._sleep(max(0.05, min(job.poll_after_s, 5.0)))
            job = self._call(
                "registry.activation_status",
                self.services.registry.activation_status,
                self._sess(),
                job_id,
            )
        data["job"] = job
        if job.state == "succeeded":
            data["_next"] = "done"
            return
        code = job.error_help_code or "AC-AB-0033"
        self._last.extra.append(message_for_help_code(code))
        data["handoff_code"] = code
        data["_next"] = "staff"

    # --- routing and resume (kiosk/flows/resume.py) -----------------------------------------

    def _route(self, data: Data) -> str:
        return resume.route(self, data)

    # --- plumbing -------------------------------------------------------------------------

    def _sess(self) -> HolderSession:
        if self._session is None:
            raise RuntimeError("no holder signed in")
        return self._session

    def _rid(self) -> str:
        return self._journal_entry().renewal_id

    def _journal_entry(self) -> JournalEntry:
        if self._entry is None:
            raise RuntimeError("no renewal")
        return self._entry

    def _call(self, name: str, fn: Callable[..., Any], *args: Any) -> Any:
        step = self._wizard.current_step or ""
        try:
            result = fn(*args)
        except BackendError as err:
            self._audit(step, name, err.kind, err.help_code, err.request_id)
            raise
        self._audit(step, name, "ok")
        return result

    def _audit(
        self,
        step: str,
        call: str,
        outcome: str,
        help_code: str | None = None,
        request_id: str | None = None,
    ) -> None:
        self.journal.audit(
            AuditRecord(
                step=step,
                call=call,
                outcome=outcome,
                renewal_id=self._entry.renewal_id if self._entry else None,
                help_code=help_code,
                request_id=request_id,
            )
        )

    def _count_failure(
        self,
        data: Data,
        err: BackendError,
        counter: str,
        cap: int,
        *,
        server_says_last: bool = False,
    ) -> None:
        """One more failure of the holder's (a wrong code, a photo under the threshold...);
        at the cap, or when the server says it was the last try, hand over to staff."""
        count = getattr(self._counters, counter) + 1
        setattr(self._counters, counter, count)
        if count >= cap or server_says_last:
            self._hand_off(data, err)

    def _hand_off(self, data: Data, err: BackendError) -> None:
        data["handoff_code"] = err.help_code
        self._last.extra.append(message_for_help_code(err.help_code, err.messages, err.details))
        raise GoTo("staff") from err

    def _error_message(self, err: BackendError) -> Message:
        return message_for_help_code(err.help_code, err.messages, err.details)

    def _load(self, step: str) -> None:
        load = self._wizard.navmap[step].load
        if load is None:
            return
        data = self._wizard.data
        try:
            load(data)
        except BackendError as err:
            data["_load_failed"] = True
            self._last.error = self._error_message(err)

    def _entered(self) -> StepView:
        """A new step became current: load what it shows, journal it, run it if automatic."""
        while True:
            step = self._wizard.current_step
            assert step is not None
            spec = self._wizard.navmap[step]
            self._load(step)
            self._journal_step(step)
            self._notify()
            if not spec.auto or self._last.error is not None:
                return self._view()
            before = (step, len(self._wizard.stack))
            try:
                self._wizard.advance({})
            except BackendError as err:
                self._last.error = self._error_message(err)
                return self._view()
            if (self._wizard.current_step, len(self._wizard.stack)) == before:
                return self._view()  # the check asked to stay (e.g. activation still running)

    def _journal_step(self, step: str) -> None:
        if self._entry is None:
            return
        outcome = OUTCOMES.get(step)
        if outcome is not None:
            self._entry.step = step
            self.journal.finish(self._entry.holder_id, self._entry.renewal_id, outcome)
            self._entry.state = outcome
        elif self._entry.step != step or self._entry.state != OPEN:
            # Going on from an end state with a way forward (R20, R21) reopens the entry.
            self._entry.step = step
            self._entry.state = OPEN
            self.journal.save(self._entry)
        self._audit(step, "", "entered")
        # Only through the whitelist: the wizard data hold tokens, names and addresses.
        log.info(
            "step %s",
            redact(
                {
                    "step": step,
                    "renewal_id": self._entry.renewal_id,
                    "state": self._entry.state,
                    "retakes": self._counters.retakes,
                    "eid_failures": self._counters.eid_failures,
                    "code_failures": self._counters.email_code_failures,
                }
            ),
        )

    def _notify(self) -> None:
        if not self.observers:
            return
        view = self._view()
        for observer in list(self.observers):
            observer(view)

    def _view(self) -> StepView:
        step = self._wizard.current_step
        if step is None:
            return StepView("idle", 0, {}, (), self._last.error, False, False, ())
        spec = self._wizard.navmap[step]
        data = self._wizard.data
        ctx = ViewContext(
            lang=self.lang,
            renewal_id=self._entry.renewal_id if self._entry else None,
            counters={
                "retakes": self._counters.retakes,
                "eid_failures": self._counters.eid_failures,
                "email_code_failures": self._counters.email_code_failures,
                "password_failures": self._counters.password_failures,
            },
            retakes_left=max(0, self.caps.photo_retakes - self._counters.retakes),
        )
        view_data, messages = views.present(spec.present, ctx, data)
        inputs = spec.inputs
        if step == "activation_form" and not needs_new_password(data):
            inputs = ("password", "revocation_phrase")
        number = spec.step_number
        if step == "staff" and len(self._wizard.stack) > 1:
            # A hand-off keeps the number of the step where it happened (the indicator stays).
            number = self._wizard.navmap[self._wizard.stack[-2][0]].step_number
        return StepView(
            step_id=step,
            step_number=number,
            data=view_data,
            messages=tuple(self._last.extra) + tuple(messages),
            error=self._last.error,
            can_back=self._wizard.can_back(),
            is_last=self._wizard.is_last(step, data),
            inputs=inputs,
            outcome=OUTCOMES.get(step),
            errors=self._last.errors,
        )


def _cert_type(data: Data, cert: Mapping[str, object]) -> str:
    """The type of a certificate the registry named in a refusal: from the refusal, else
    from the renewal's own list; cloud-sign when neither says (only those are activated)."""
    kind = cert.get("type")
    if isinstance(kind, str) and kind:
        return kind
    known: tuple[Certificate, ...] = ()
    if data.get("renewal") is not None or data.get("submission") is not None:
        cloud, offline = views.submission_certs(data)
        known = (*cloud, *offline)
    for c in known:
        if c.cert_id == cert.get("cert_id"):
            return c.type.value
    return CertType.CLOUD.value


def _text(value: object) -> str:
    """A text input as `str` (what the JSON request needs). A bytearray stays the caller's,
    and is wiped after the step; the `str` made here cannot be wiped."""
    if isinstance(value, BYTES_LIKE):
        return bytes(value).decode("utf-8")
    return "" if value is None else str(value)


def _wipe_inputs(inputs: Mapping[str, object]) -> None:
    """The kiosk's own buffers (bytearrays, writable memoryviews) are overwritten once the
    step used them: photos and passwords. Immutable bytes and str cannot be."""
    for value in inputs.values():
        wipe_buffer(value)
