"""The certificate renewal (SPEC R2-R26): the stages' navmaps composed, driven by the UI.

`RenewalFlow` is what the Qt wizard, the tests and `kiosk walkthrough` use:

    flow = RenewalFlow(services, journal)
    view = flow.start_self_service()            # or flow.start_staff(), or resume(holder)
    view = flow.submit({"id_number": "..."})    # the current step's inputs, by name
    ...                                         # view.step_id, view.specs, view.error ...
    flow.back(); flow.reset()

The steps live in their stages (kiosk/flows/stages): each entry declares its `next` and its
`on_error` table; hooks only do side effects through the injected service Protocols. A
backend refusal never raises out of `submit`: the flow stays on the step and the view
carries the message (and help code), unless the step's `on_error` names where it leads.
Repeated failures end in the `staff` step (請聯繫櫃檯職員, with the renewal id as
reference), never a dead end.

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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from kiosk.flows import views
from kiosk.flows.context import Counters, FlowContext, InputProblem, RetryCaps
from kiosk.flows.inputs import InputSpec
from kiosk.flows.journal import OPEN, Journal
from kiosk.flows.messages import DEFAULT_LANG, Message, message
from kiosk.flows.redact import redact
from kiosk.flows.stages import activation, desk, emails, identity, signin, submit
from kiosk.flows.stages import receipt as receipt_stage
from kiosk.flows.views import (
    CARD_FIELDS,
    STATUS_LABELS,
    TYPE_LABELS,
    ViewContext,
    all_emails_verified,
    all_non_cloud,
    certificate_view,
    needs_new_password,
    only_one_cloud_cert,
)
from kiosk.flows.wizard import StepDef, Wizard, wipe_buffer
from kiosk.services.api import HolderSession, Services, StaffSession
from kiosk.services.errors import BackendError, server_refused

__all__ = [
    "CARD_FIELDS",
    "OUTCOMES",
    "STAFF",
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
    "navmap",
    "needs_new_password",
    "only_one_cloud_cert",
    "server_refused",
]

log = logging.getLogger("kiosk.flows.renewal")

STAFF = "staff"
STARTS = ("sign_in", "staff_login", "staff_lookup", "routing", "desk_locked")
MAX_BACKOFF_MS = 30_000

# Terminal steps and what they mean for the holder (the walkthrough's `outcome`).
OUTCOMES: Mapping[str, str] = {
    "done": "activated",
    "offline_done": "offline",
    "offline_queue": "offline",
    "nothing_pending": "refused",
    "id_unsupported": "refused",
    "id_invalid": "refused",
    "eid_unavailable": "refused",
    "revoke_first": "refused",
    "reverify": "refused",
    STAFF: "staff",
}


def navmap(ctx: FlowContext) -> dict[str, StepDef]:
    """Every stage's steps, and the hand-off every stage may end in."""
    steps: dict[str, StepDef] = {}
    for stage in (signin, emails, identity, submit, activation, desk):
        steps.update(stage.steps(ctx))
    steps[STAFF] = StepDef(page="generic", last=True, can_back=False, present=views.staff)
    return steps


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
    inputs: tuple[str, ...]  # the names of `specs`
    outcome: str | None = None  # for last steps: activated | offline | refused | staff
    errors: tuple[Message, ...] = ()  # every problem when several (client validation)
    specs: tuple[InputSpec, ...] = ()  # what each input is (kiosk/flows/inputs.py)
    page: str = ""  # the page key of the step (its navmap entry's `page`, else the step id)
    # When the UI should submit {} again by itself (a running job), None: never. After a
    # failed try it backs off, doubling up to MAX_BACKOFF_MS: a person is standing there.
    retry_after_ms: int | None = None

    def spec(self, name: str) -> InputSpec | None:
        return next((s for s in self.specs if s.name == name), None)


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
        receipts: receipt_stage.ReceiptIssuer | None = None,
        kiosk_id: str = "",
        site: str = "",
        desk_parts: desk.DeskParts | None = None,
    ) -> None:
        self.lang = lang
        # R31: the receipt at every end (kiosk/flows/stages/receipt.py); None: no receipts.
        self.receipts = receipts
        self.kiosk_id, self.site = kiosk_id, site
        self.receipt: receipt_stage.ReceiptState | None = None
        self.caps = caps or RetryCaps()
        self.ctx = FlowContext(services, journal, self.caps, sleep, clock)
        # R32: the counter desk's parts (token module, issuance journal, CA, receipts).
        desk.desk_state(self.ctx).parts = desk_parts or desk.DeskParts(
            receipts=receipts, kiosk_id=kiosk_id, site=site)
        self.ctx.step = lambda: self._wizard.current_step or ""
        self._wizard = Wizard(navmap(self.ctx))
        self._last = _Outcome()
        self._poll_failures = 0  # failed tries in a row of a polling step
        # Called with every step view entered, auto steps included (walkthrough, audit UI).
        self.observers: list[Callable[[StepView], None]] = []

    # --- public API -----------------------------------------------------------------------

    @property
    def services(self) -> Services:
        return self.ctx.services

    @services.setter
    def services(self, services: Services) -> None:
        self.ctx.services = services

    @property
    def journal(self) -> Journal:
        return self.ctx.journal

    @property
    def navmap(self) -> Mapping[str, StepDef]:
        return self._wizard.navmap

    @property
    def current(self) -> StepView:
        return self._view()

    @property
    def session(self) -> HolderSession | None:
        return self.ctx.session

    @property
    def renewal_id(self) -> str | None:
        return self.ctx.entry.renewal_id if self.ctx.entry else None

    def set_lang(self, lang: str) -> None:
        self.lang = lang
        desk.desk_state(self.ctx).lang = lang

    def start_self_service(self) -> StepView:
        """The holder's own sign-in: ID number, then the SMS code (strong e-ID)."""
        self.reset()
        self._wizard.start("sign_in", {})
        return self._entered()

    def start_staff(self, staff: StaffSession | None = None) -> StepView:
        """Counter staff signs in (or is signed in already) and looks the holder up."""
        self.reset()
        self.ctx.staff = staff
        self._wizard.start("staff_lookup" if staff else "staff_login", {})
        return self._entered()

    def sign_in_start(self, id_number: str) -> StepView:
        if self._wizard.current_step != "sign_in":
            self.start_self_service()
        return self.submit({"id_number": id_number})

    def sign_in_complete(self, code: str) -> StepView:
        return self.submit({"sms_code": code})

    def resume(self, holder: HolderSession) -> StepView:
        """The holder is known (staff look-up or e-ID sign-in done before): go to their
        renewal, resuming an interrupted one from what the backend and the journal hold
        (kiosk/flows/resume.py, through the `routing` step)."""
        self.reset()
        self.ctx.session = holder
        self._wizard.start("routing", {})
        return self._entered()

    def start_with_holder(self, session: HolderSession) -> StepView:
        return self.resume(session)

    def submit(self, inputs: Mapping[str, object]) -> StepView:
        """Runs the current step's accept with the person's inputs, then moves on."""
        step = self._wizard.current_step
        if step is None:
            raise RuntimeError("the flow has not started")
        self._last = _Outcome()
        spec = self._wizard.navmap[step]
        if spec.next is None and spec.last:
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
            new_step = self._advance(inputs)
        except InputProblem as problem:
            msgs = tuple(message(i) for i in problem.message_ids)
            self._last = _Outcome(error=msgs[0], errors=msgs)
            return self._view()
        except BackendError as err:
            self._last = _Outcome(error=self.ctx.error_message(err))
            self._poll_failures += 1
            return self._view()
        finally:
            _wipe_inputs(inputs)
        self._poll_failures = 0
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
        desk.desk_state(self.ctx).forget()
        self.ctx.forget()
        self.receipt = None  # the PDF in memory goes with the holder
        self._last = _Outcome()
        self._poll_failures = 0

    def lock_desk(self) -> StepView | None:
        """R34 at the counter: an idle staff session locks. Everything of the holder is
        wiped; the staff password unlocks (the `desk_locked` step). None when no staff member
        was signed in: the caller wipes as for a holder."""
        if not desk.lock(self.ctx):
            return None
        state = desk.desk_state(self.ctx)
        staff_id = state.staff_id
        self.reset()
        state.staff_id = staff_id
        self._wizard.start("desk_locked", {})
        return self._entered()

    def end_staff_session(self, staff: object) -> None:
        """R34: after the idle lock (already shown, token already forgotten here) the
        registry ends that staff session, best-effort; run off the GUI thread."""
        desk.end_staff_session(self.ctx, staff)

    def abandon(self) -> None:
        """The holder has gone: close their journal entry; the backend keeps its records."""
        entry = self.ctx.entry
        if entry is not None:
            self.journal.finish(entry.holder_id, entry.renewal_id, "abandoned")
            self.ctx.audit("abandon", "", "abandoned")
        self.reset()

    # --- plumbing -------------------------------------------------------------------------

    def _advance(self, inputs: Mapping[str, object]) -> str:
        """One step on; an error the step's `on_error` routes shows its message where it
        leads when the entry says `tell`, and a hand-off keeps its help code."""
        step = self._wizard.advance(inputs)
        branched = self._wizard.branched
        if branched is not None and isinstance(branched.error, BackendError):
            err = branched.error
            if branched.route.tell:
                self._last.extra.append(self.ctx.error_message(err))
            if step == STAFF:
                self._wizard.data["handoff_code"] = err.help_code
        return step

    def _load(self, step: str) -> None:
        load = self._wizard.navmap[step].load
        if load is None:
            return
        data = self._wizard.data
        try:
            load(data)
        except BackendError as err:
            data["_load_failed"] = True
            self._last.error = self.ctx.error_message(err)

    def _entered(self) -> StepView:
        """A new step became current: load what it shows, journal it, run it if automatic."""
        while True:
            step = self._wizard.current_step
            assert step is not None
            spec = self._wizard.navmap[step]
            if step == desk.HOME and len(self._wizard.stack) > 1:
                self._home_again()
            self._load(step)
            try:
                self._journal_step(step)
            except BackendError as err:  # the journal's disk is full (AC-KI-0010)
                self._last.error = self.ctx.error_message(err)
            self._issue_receipt(step)
            self._notify()
            if not spec.auto or self._last.error is not None:
                return self._view()
            before = (step, len(self._wizard.stack))
            try:
                self._advance({})
            except BackendError as err:
                self._last.error = self.ctx.error_message(err)
                self._poll_failures += 1
                return self._view()
            self._poll_failures = 0
            if (self._wizard.current_step, len(self._wizard.stack)) == before:
                return self._view()  # the check asked to stay (e.g. activation still running)

    def _home_again(self) -> None:
        """Back at the counter home: the last holder's data go, the staff session stays."""
        staff = self.ctx.staff
        self._wizard.reset()
        self.ctx.forget()
        desk.desk_state(self.ctx).forget()
        self.receipt = None
        self.ctx.staff = staff
        self._wizard.start(desk.HOME, {})

    def _issue_receipt(self, step: str) -> None:
        """Once per renewal end: build the receipt and hand it to the issuer (R31)."""
        outcome = OUTCOMES.get(step)
        entry, session = self.ctx.entry, self.ctx.session
        if outcome is None or self.receipts is None or entry is None or session is None:
            return
        if self.receipt is not None and self.receipt.renewal_ref == entry.renewal_id \
                and self.receipt.step == step:
            return  # entered again (a re-render, Back): never printed twice
        shown = self._view()
        coded = [m for m in (shown.error, *shown.messages) if m is not None and m.help_code]
        data = self._wizard.data
        app, renewal = data.get("application"), data.get("renewal")
        certs: tuple[object, ...] = tuple(getattr(app, "certificates", ()) or ())
        if not certs and renewal is not None:
            certs = (*renewal.activation_pending, *renewal.offline_pending,
                     *renewal.identity_pending)
        slip = step in receipt_stage.SLIP_STEPS
        if slip and self.ctx.staff is not None:
            return  # R2's queue slip is for self-service: staff at the counter need none
        if slip and renewal is not None:
            certs = tuple(renewal.offline_pending)  # the queue slip: what waits at the counter
        code = str(data.get("handoff_code") or "") or (coded[0].help_code if coded else None)
        receipt = receipt_stage.build_data(
            flow_outcome=outcome, renewal_ref=entry.renewal_id,
            holder_name=session.display_name, holder_id=session.holder_id,
            certificates=certs, help_code=code,
            help_messages=({lang: coded[0].text(lang) for lang in ("zh-Hant", "pt", "en")}
                           if coded else {}),
            lang=self.lang, kiosk_id=self.kiosk_id, site=self.site,
            now=receipt_stage.backend_now(self.services),
            renewed=tuple(getattr(data.get("job"), "results", ()) or ()))
        result = (self.receipts.print_slip(receipt) if slip
                  else self.receipts.issue(receipt, session.token))
        self.receipt = receipt_stage.state_from_result(entry.renewal_id, step, result)
        self.ctx.audit(step, "receipt.issue", "printed" if self.receipt.printed
                       else "not_printed", self.receipt.help_code)

    def reprint_receipt(self) -> receipt_stage.ReceiptState | None:
        """The holder's one reprint from the end page; after it, the counter (R31)."""
        state = self.receipt
        if state is None or state.reprints_left <= 0 or self.receipts is None:
            return state
        state.reprints_left -= 1
        again = getattr(self.receipts, "print_again", None)
        if again is not None and state.result is not None:
            ok, code, msgs = again(state.result)
            state.printed = state.printed or ok
            state.help_code, state.messages = (None, {}) if ok else (code, dict(msgs))
        return state

    def _journal_step(self, step: str) -> None:
        entry = self.ctx.entry
        if entry is None:
            return
        outcome = OUTCOMES.get(step)
        if outcome is not None:
            entry.step = step
            self.journal.finish(entry.holder_id, entry.renewal_id, outcome)
            entry.state = outcome
        elif entry.step != step or entry.state != OPEN:
            # Going on from an end state with a way forward (R20, R21) reopens the entry.
            entry.step = step
            entry.state = OPEN
            self.journal.save(entry)
        self.ctx.audit(step, "", "entered")
        counters = self.ctx.counters
        # Only through the whitelist: the wizard data hold tokens, names and addresses.
        log.info(
            "step %s",
            redact(
                {
                    "step": step,
                    "renewal_id": entry.renewal_id,
                    "state": entry.state,
                    "retakes": counters.retakes,
                    "eid_failures": counters.eid_failures,
                    "code_failures": counters.email_code_failures,
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
        counters: Counters = self.ctx.counters
        ctx = ViewContext(
            lang=self.lang,
            renewal_id=self.renewal_id,
            counters={
                "retakes": counters.retakes,
                "eid_failures": counters.eid_failures,
                "email_code_failures": counters.email_code_failures,
                "password_failures": counters.password_failures,
            },
            retakes_left=max(0, self.caps.photo_retakes - counters.retakes),
        )
        view_data, messages = views.present(spec.present, ctx, data)
        if spec.last and self.receipt is not None and self.receipt.step == step:
            view_data = {**view_data, "receipt": self.receipt.view()}
        specs = spec.input_specs(data)
        number = spec.step_number
        if step == STAFF and len(self._wizard.stack) > 1:
            # A hand-off keeps the number of the step where it happened (the indicator stays).
            number = self._wizard.navmap[self._wizard.stack[-2][0]].step_number
        return StepView(
            step_id=step,
            step_number=number,
            data=view_data,
            messages=tuple(self._last.extra) + tuple(messages),
            error=self._last.error,
            can_back=self._wizard.can_back(),
            is_last=spec.last,
            inputs=tuple(s.name for s in specs),
            outcome=OUTCOMES.get(step),
            errors=self._last.errors,
            specs=specs,
            page=spec.page or step,
            retry_after_ms=self._retry_after_ms(spec),
        )

    def _retry_after_ms(self, spec: StepDef) -> int | None:
        if not spec.poll_ms:
            return None
        if self._last.error is None:
            return spec.poll_ms
        return int(min(spec.poll_ms * 2 ** max(1, self._poll_failures), MAX_BACKOFF_MS))


def _wipe_inputs(inputs: Mapping[str, object]) -> None:
    """The kiosk's own buffers (bytearrays, writable memoryviews) are overwritten once the
    step used them: photos and passwords. Immutable bytes and str cannot be."""
    for value in inputs.values():
        wipe_buffer(value)
