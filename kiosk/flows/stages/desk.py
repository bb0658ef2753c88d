"""The counter desk (R32, R34): what counter staff reach after signing in.

The counter home offers: assist a holder (the look-up and today's renewal), the 待線下辦理
queue, reprinting a lodged receipt, the site's status, signing out. Finishing one queued
renewal runs: the officer types the physical ID card's number (it must match), a live photo
from the counter camera (3 tries, R12) or after those the officer's attestation with a written
reason, the holder's token PIN, then the issuance per certificate (kiosk/desk/issuance.py,
exactly once, journaled) and the completion page with its receipt.

The desk's parts are injected (`DeskParts`: the token module, the issuance journal, the CA
the kiosk trusts, the receipt service, the site status); none of them is Qt. The token
session lives in `DeskState`, never in the wizard data (which is copied at every step), and
the PIN goes to the token's C_Login only. Every look-up and action is audited through
kiosk/desk/counter.py and issuance.py (references only).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from kiosk.desk.counter import MIN_REASON, Counter, ReasonTooShort
from kiosk.desk.issuance import Issuance, Issued, TokenPort
from kiosk.desk.journal import IssuanceJournal
from kiosk.flows.context import FlowContext, InputProblem, stripped, text
from kiosk.flows.inputs import InputSpec, choice, photo
from kiosk.flows.messages import message
from kiosk.flows.signals import Missing
from kiosk.flows.views import TYPE_LABELS, Msgs, Out, ViewContext
from kiosk.flows.wizard import STAY, Choice, Data, Route, StepDef
from kiosk.services.api import QueueEntry
from kiosk.services.errors import (
    KIOSK_DESK_NOT_SET_UP,
    KIOSK_DESK_NOTHING_WAITING,
    BackendError,
    Conflict,
    ValidationFailed,
)
from kiosk.tokens.errors import PinIncorrect, TokenAbsent, TokenError, TokenRemoved

HOME = "desk_home"
ACTIONS = ("assist", "queue", "receipts", "status", "sign_out")
SEARCH = InputSpec("query", "text", "free", 0, 64)
OFFICER_ID = InputSpec("id_number", "text", "id", 1, 20)
# Digits on the page's keypad (the holder types it); the page masks it as a secret.
TOKEN_PIN = InputSpec("pin", "digits", "digits", 4, 16)
REASON = InputSpec("reason", "text", "free", MIN_REASON, 500)
STAFF_PASSWORD = InputSpec("password", "secret", "password", 1)


class TokenModulePort(Protocol):
    """What the desk needs of kiosk.tokens.token.TokenModule."""

    def token_labels(self) -> list[str]: ...

    def open(self, label: str, pin: str) -> Any: ...

    def reinitialize(self) -> None: ...


@dataclass(frozen=True)
class StatusRow:
    """One line of the site-status panel: a kiosk's heartbeat or one of this terminal's
    `kiosk doctor` checks (`fix` says what to do when it is not fine)."""

    name: str
    status: str  # ok | warn | fail
    verdict: str
    fix: str = ""


@dataclass
class DeskParts:
    """The desk's injected parts (kiosk/ui/launch.py builds them; tests give real ones)."""

    tokens: TokenModulePort | None = None
    issuance_journal: IssuanceJournal | None = None
    ca_cert: Any = None  # cryptography x509.Certificate of the registry CA the kiosk trusts
    # Or where to read it when the first certificate is issued (the registry's trust list).
    ca_loader: Callable[[], Any] | None = None
    receipts: Any = None  # kiosk.receipt.service.ReceiptService
    site_status: Callable[[], Sequence[StatusRow]] | None = None
    kiosk_id: str = ""
    site: str = ""


@dataclass
class DeskState:
    """One desk session's live objects (not copyable wizard data)."""

    parts: DeskParts = field(default_factory=DeskParts)
    session: Any = None  # the open token session (TokenSession)
    staff_id: str | None = None  # who locked the desk (R34); no password kept
    # A token went away: the module is re-initialised before the next open, so it sees the
    # token plugged back in rather than the slot it had (SoftHSM2, hardware readers alike).
    stale: bool = False
    lang: str = "zh-Hant"  # the screen's language (the receipt's languages)

    def close_token(self) -> None:
        if self.session is not None:
            close = getattr(self.session, "close", None)
            if callable(close):
                close()
            self.session = None

    def forget(self) -> None:
        self.close_token()


class TokenFault(BackendError):
    """A token error (kiosk/tokens/errors.py) as the flow shows errors: message + help code."""

    kind = "token"

    @classmethod
    def of(cls, err: TokenError) -> TokenFault:
        details: dict[str, object] = {}
        if isinstance(err, PinIncorrect) and err.tries_left:
            details["tries_left"] = err.tries_left
        made = cls(err.messages, err.help_code, details=details)
        made.__cause__ = err
        return made


class TokenGone(TokenFault):
    """The token was pulled out (or is not there): plug it in, type the PIN, and go on."""


class FaceTriesUsed(BackendError):
    """The three live photos are used: the officer attests in person (R32)."""

    kind = "flow"


def steps(ctx: FlowContext) -> dict[str, StepDef]:
    state = desk_state(ctx)

    def counter() -> Counter:
        if ctx.staff is None:
            raise Missing("staff session")
        return Counter(ctx.services.registry, ctx.journal, ctx.staff)  # type: ignore[arg-type]

    def audit(call: str, outcome: str, renewal_id: str | None = None,
              code: str | None = None) -> None:
        from kiosk.flows.journal import AuditRecord

        ctx.journal.audit(AuditRecord("desk", call, outcome, renewal_id, code))

    # --- home ---------------------------------------------------------------------------
    def accept_home(data: Data, inputs: Mapping[str, object]) -> None:
        action = stripped(inputs, "desk") or "assist"
        if action not in ACTIONS:
            raise InputProblem(["desk.choose"])
        if ctx.staff is None:
            raise Missing("staff session")
        data["desk_action"] = action
        audit(f"desk.{action}", "chosen")
        if action == "sign_out":
            staff = ctx.staff
            try:
                end_staff_session(ctx, staff)
            finally:
                state.forget()
                ctx.forget()

    # --- the queue ----------------------------------------------------------------------
    def load_queue(data: Data) -> None:
        data["queue"] = counter().queue(str(data.get("query") or ""))
        data.pop("picked", None)

    def accept_queue(data: Data, inputs: Mapping[str, object]) -> None:
        picked = stripped(inputs, "renewal_id")
        if not picked:
            data["query"] = stripped(inputs, "query")
            data["queue"] = counter().queue(data["query"])
            return
        entries = [e for e in data.get("queue") or () if e.renewal_id == picked
                   and e.state == "waiting"]
        if not entries:
            raise BackendError.from_kiosk(KIOSK_DESK_NOTHING_WAITING)
        data["picked"] = entries
        data["in_person"] = counter().status(picked)
        data.pop("issued", None)

    # --- in person ----------------------------------------------------------------------
    def accept_id(data: Data, inputs: Mapping[str, object]) -> None:
        number = stripped(inputs, "id_number")
        if not number:
            raise InputProblem(["desk.id_number"])
        rid = _renewal_id(data)
        desk = counter()
        desk.check_id_number(rid, number)
        data["in_person"] = desk.status(rid)

    def accept_face(data: Data, inputs: Mapping[str, object]) -> None:
        shot = inputs.get("photo")
        if not shot:
            raise InputProblem(["desk.photo"])
        rid = _renewal_id(data)
        try:
            data["in_person"] = counter().check_face(rid, shot)  # type: ignore[arg-type]
        except ValidationFailed as err:
            if int(err.details.get("tries_left", 1) or 0) <= 0:
                raise FaceTriesUsed(err.messages, err.help_code, details=err.details) from err
            raise
        except Conflict as err:  # AC-AB-0062: the tries were used before
            raise FaceTriesUsed(err.messages, err.help_code, details=err.details) from err

    def accept_attest(data: Data, inputs: Mapping[str, object]) -> None:
        rid = _renewal_id(data)
        desk = counter()
        try:
            desk.attest(rid, stripped(inputs, "reason"))
        except ReasonTooShort:
            raise InputProblem(["desk.reason_short"]) from None
        data["in_person"] = desk.status(rid)

    # --- the token ----------------------------------------------------------------------
    def load_token(data: Data) -> None:
        tokens = state.parts.tokens
        if tokens is None:
            raise BackendError.from_kiosk(KIOSK_DESK_NOT_SET_UP)
        # A module that lost its token may fail to list: the page asks to plug it in.
        data["tokens"] = _labels(tokens)

    def accept_token(data: Data, inputs: Mapping[str, object]) -> None:
        tokens = state.parts.tokens
        if tokens is None:
            raise BackendError.from_kiosk(KIOSK_DESK_NOT_SET_UP)
        data.pop("token_label", None)
        if inputs.get("rescan"):  # 再次尋找: the holder plugged the token in
            _reinit(tokens)
            state.stale = False
            data["tokens"] = _labels(tokens)
            return
        labels = list(data.get("tokens") or ())
        label = stripped(inputs, "token") or (labels[0] if len(labels) == 1 else "")
        pin = text(inputs.get("pin"))
        if not label:
            raise InputProblem(["desk.token_choose"])
        if not pin:
            raise InputProblem(["desk.pin"])
        state.close_token()
        rid = _renewal_id(data)
        try:
            if state.stale:
                tokens.reinitialize()
                state.stale = False
            state.session = tokens.open(label, pin)
        except (TokenAbsent, TokenRemoved) as err:
            audit("token.open", type(err).__name__, rid, err.help_code)
            data["tokens"] = _labels(tokens)
            raise TokenGone.of(err) from err
        except TokenError as err:
            audit("token.open", type(err).__name__, rid, err.help_code)
            raise TokenFault.of(err) from err
        audit("token.open", "ok", rid)
        data["token_label"] = label

    # --- issuance, one certificate per submit (the page shows each as it is done) -------
    def accept_issue(data: Data, inputs: Mapping[str, object]) -> None:
        parts = state.parts
        if parts.ca_cert is None and parts.ca_loader is not None:
            parts.ca_cert = parts.ca_loader()  # a BackendError is the page's message
        if parts.issuance_journal is None or parts.ca_cert is None:
            raise BackendError.from_kiosk(KIOSK_DESK_NOT_SET_UP)
        if ctx.staff is None:
            raise Missing("staff session")
        if state.session is None:
            state.stale = True
            raise TokenGone.of(TokenRemoved("no session"))
        issued: list[Issued] = list(data.get("issued") or ())
        done = {i.cert_id for i in issued}
        todo = [e for e in data.get("picked") or () if e.cert_id not in done]
        if not todo:
            return
        issuance = Issuance(ctx.services.registry,  # type: ignore[arg-type]
                            parts.issuance_journal, parts.ca_cert)
        session: TokenPort = state.session
        try:
            issued.append(issuance.issue(ctx.staff, todo[0], session))
        except (TokenAbsent, TokenRemoved) as err:
            state.close_token()
            state.stale = True
            raise TokenGone.of(err) from err
        except TokenError as err:
            raise TokenFault.of(err) from err
        data["issued"] = issued
        if len(issued) == len(data.get("picked") or ()):
            state.close_token()

    def load_done(data: Data) -> None:
        if data.get("receipt") is not None or ctx.staff is None:
            return
        data["receipt"] = _desk_receipt(ctx, state, data)

    # --- reprints, site status, the lock --------------------------------------------------
    def load_receipts(data: Data) -> None:
        service = state.parts.receipts
        if service is None or ctx.staff is None:
            data["receipts"] = []
            return
        data["receipts"] = [_receipt_row(r) for r in service.pending(ctx.staff)]
        audit("receipt.pending", "ok")

    def accept_receipts(data: Data, inputs: Mapping[str, object]) -> None:
        picked = stripped(inputs, "receipt_id")
        data["receipts_done"] = not picked  # 返回櫃檯主頁
        if not picked:
            return
        service = state.parts.receipts
        if service is None or ctx.staff is None:
            raise InputProblem(["desk.receipt_choose"])
        try:
            service.reprint(ctx.staff, picked)
        except BackendError as err:
            audit("receipt.reprint", err.kind, None, err.help_code)
            raise
        except Exception as err:  # a printer fault carries its own help code
            code = getattr(err, "help_code", None)
            if not code:
                raise
            audit("receipt.reprint", "printer", None, code)
            raise BackendError.from_kiosk(code) from err
        audit("receipt.reprint", "ok")
        # The page names the renewal's reference (printed on the receipt), not the row's id.
        data["reprinted"] = next((r["renewal_id"] for r in data.get("receipts") or ()
                                  if r["receipt_id"] == picked), picked)
        load_receipts(data)

    def load_status(data: Data) -> None:
        rows = state.parts.site_status() if state.parts.site_status else []
        data["site"] = [vars(r) if not isinstance(r, dict) else r for r in rows]
        audit("site.status", "ok")

    def accept_unlock(data: Data, inputs: Mapping[str, object]) -> None:
        staff_id = state.staff_id
        if staff_id is None:
            raise Missing("nobody locked the desk")
        ctx.staff = ctx.call("registry.staff_login", ctx.services.registry.staff_login,
                             staff_id, text(inputs.get("password")))
        state.staff_id = None

    return {
        HOME: StepDef(
            page=HOME, accept=accept_home, next=DESK_ACTION, can_back=False,
            on_error={Missing: "staff_login"}, inputs=(choice("desk"),), present=present_home,
        ),
        "desk_queue": StepDef(
            page="desk_queue", load=load_queue, accept=accept_queue, next=QUEUE_PICKED,
            on_error={Missing: "staff_login"},
            inputs=(SEARCH, choice("renewal_id")), present=present_queue,
        ),
        "desk_in_person": StepDef(
            page="desk_in_person", accept=accept_id, next=IN_PERSON_NEXT,
            inputs=(OFFICER_ID,), present=present_in_person,
        ),
        "desk_face": StepDef(
            page="desk_face", accept=accept_face, next=IN_PERSON_NEXT,
            on_error={FaceTriesUsed: Route("desk_attest", tell=True)},
            inputs=(photo("photo"),), present=present_in_person,
        ),
        "desk_attest": StepDef(
            page="desk_attest", accept=accept_attest, next="desk_token",
            inputs=(REASON,), present=present_in_person,
        ),
        "desk_token": StepDef(
            page="desk_token", load=load_token, accept=accept_token, next=TOKEN_OPEN,
            inputs=(choice("token"), TOKEN_PIN), present=present_token,
        ),
        "desk_issue": StepDef(
            page="desk_issue", accept=accept_issue, next=ISSUED_ALL, can_back=False,
            poll_ms=50, on_error={TokenGone: Route("desk_token", tell=True)},
            present=present_issue,
        ),
        "desk_done": StepDef(
            page="desk_done", load=load_done, next=HOME, can_back=False, present=present_issue,
        ),
        "desk_receipts": StepDef(
            page="desk_receipts", load=load_receipts, accept=accept_receipts, next=REPRINTED,
            inputs=(choice("receipt_id"),), present=present_receipts,
        ),
        "desk_status": StepDef(
            page="desk_status", load=load_status, next=HOME, present=present_status
        ),
        "desk_locked": StepDef(
            page="desk_locked", accept=accept_unlock, next=HOME, can_back=False,
            on_error={Missing: "staff_login"}, inputs=(STAFF_PASSWORD,),
            present=present_locked,
        ),
    }


def desk_state(ctx: FlowContext) -> DeskState:
    state = getattr(ctx, "desk", None)
    if not isinstance(state, DeskState):
        state = DeskState()
        ctx.desk = state
    return state


def lock(ctx: FlowContext) -> bool:
    """R34 at the counter: the staff session idled. The holder's data go (the caller resets
    the wizard), the staff member's name is kept to unlock with their password. False when
    no staff member was signed in (nothing to lock: the caller wipes)."""
    state = desk_state(ctx)
    staff = ctx.staff
    if staff is None:
        return False
    state.forget()
    state.staff_id = staff.staff_id
    ctx.journal.audit(_record("desk.lock", "locked"))
    return True


def end_staff_session(ctx: FlowContext, staff: Any) -> None:
    """The registry ends the staff session: the old staff token is refused afterwards (R34:
    a token that leaked dies with the sign-out or the idle lock, not at its expiry).
    Best-effort: a registry that does not answer is audited by `ctx.call`; the caller has
    forgotten the token already or does so at once, and the token also lapses by itself."""
    with contextlib.suppress(BackendError):
        ctx.call("registry.staff_logout", ctx.services.registry.staff_logout, staff)


def _record(call: str, outcome: str) -> Any:
    from kiosk.flows.journal import AuditRecord

    return AuditRecord("desk", call, outcome, None)


# --- the branches -------------------------------------------------------------------------

DESK_ACTION = Choice(
    "desk_action",
    lambda data: {
        "assist": "staff_lookup",
        "queue": "desk_queue",
        "receipts": "desk_receipts",
        "status": "desk_status",
        "sign_out": "staff_login",
    }[str(data.get("desk_action") or "assist")],
    ("staff_lookup", "desk_queue", "desk_receipts", "desk_status", "staff_login"),
)

def _in_person_next(data: Data) -> str:
    check = data.get("in_person")
    if check is not None and check.done:
        return "desk_token"
    if check is not None and check.id_checked:
        return "desk_attest" if check.face_tries_left <= 0 else "desk_face"
    return "desk_in_person"


IN_PERSON_NEXT = Choice(
    "in_person_next", _in_person_next,
    ("desk_token", "desk_attest", "desk_face", "desk_in_person"),
)

TOKEN_OPEN = Choice(
    "token_open", lambda data: "desk_issue" if data.get("token_label") else STAY,
    (STAY, "desk_issue"),
)

QUEUE_PICKED = Choice(
    "queue_picked",
    lambda data: _in_person_next(data) if data.get("picked") else STAY,
    (STAY, *IN_PERSON_NEXT.targets),
)

REPRINTED = Choice(
    "reprinted", lambda data: HOME if data.get("receipts_done") else STAY, (STAY, HOME)
)

ISSUED_ALL = Choice(
    "issued_all",
    lambda data: "desk_done" if len(data.get("issued") or ()) >= len(data.get("picked") or ())
    else STAY,
    (STAY, "desk_done"),
)


def _renewal_id(data: Data) -> str:
    picked = data.get("picked") or ()
    if not picked:
        raise Missing("no queue entry picked")
    return str(picked[0].renewal_id)


def _labels(tokens: TokenModulePort) -> list[str]:
    """The labels of the tokens plugged in (an empty slot has none: SoftHSM2's free slot)."""
    try:
        return [label for label in tokens.token_labels() if label.strip()]
    except TokenError:
        return []


def _reinit(tokens: TokenModulePort) -> None:
    with contextlib.suppress(TokenError):  # the next open says what is wrong
        tokens.reinitialize()


def _receipt_row(r: Any) -> dict[str, object]:
    at: Any = getattr(r, "lodged_at", None) or getattr(r, "created_at", None)
    return {
        "receipt_id": str(getattr(r, "receipt_id", "")),
        "renewal_id": str(getattr(r, "renewal_id", "")),
        "kiosk_id": str(getattr(r, "kiosk_id", "") or ""),
        # To the minute, as the queue shows when a holder was verified.
        "lodged_at": at.strftime("%Y-%m-%d %H:%M %Z").strip() if hasattr(at, "strftime")
        else str(at or ""),
    }


def _desk_receipt(ctx: FlowContext, state: DeskState, data: Data) -> dict[str, object]:
    """The receipt of the certificates issued at this desk (R31, R32), once per visit."""
    service = state.parts.receipts
    picked: list[QueueEntry] = list(data.get("picked") or ())
    issued: list[Issued] = list(data.get("issued") or ())
    if service is None or not picked or ctx.staff is None:
        # No receipt service on this terminal: nothing was made, nothing waits to reprint.
        return {"printed": False, "available": False, "set_up": False}
    from kiosk.flows.stages import receipt as receipt_stage
    from kiosk.receipt.model import Outcome
    from kiosk.services.api import RenewedCertificate

    first = picked[0]
    renewed = tuple(
        RenewedCertificate(cert_id=i.cert_id, type=e.certificate.type, email=e.certificate.email,
                           old_serial=i.old_serial, old_expiry=i.old_expiry,
                           new_serial=i.new_serial, new_expiry=i.new_expiry)
        for i, e in zip(issued, picked, strict=False)
    )
    made = receipt_stage.build_data(
        flow_outcome="activated", renewal_ref=first.renewal_id,
        holder_name=first.holder_name, holder_id=first.holder_id,
        certificates=tuple(e.certificate for e in picked), help_code=None, help_messages={},
        lang=state.lang, kiosk_id=state.parts.kiosk_id,
        site=state.parts.site, now=receipt_stage.backend_now(ctx.services), renewed=renewed)
    made = replace(made, outcome=Outcome.ACTIVATED)
    result = service.issue(made, ctx.staff.token)
    receipt = receipt_stage.state_from_result(first.renewal_id, "desk_done", result)
    ctx.journal.audit(_record("receipt.issue", "printed" if receipt.printed else "not_printed"))
    # A terminal that cannot sign receipts (not enrolled) made none: it is not set up either.
    return {**receipt.view(), "set_up": receipt.seal is not None}


# --- what the pages show --------------------------------------------------------------------


def present_home(ctx: ViewContext, data: Data, out: Out, msgs: Msgs) -> None:
    out["actions"] = list(ACTIONS)
    msgs.append(message("desk.home"))


def _entry_view(e: QueueEntry) -> dict[str, object]:
    cert = e.certificate
    return {
        "cert_id": e.cert_id,
        "renewal_id": e.renewal_id,
        "holder_name": e.holder_name,
        "type": TYPE_LABELS[cert.type],
        "serial": cert.serial,
        "expiry": cert.expiry.isoformat(),
        "verified_at": e.verified_at.strftime("%Y-%m-%d %H:%M %Z").strip() if e.verified_at
        else "",
        "verified_kiosk_id": e.verified_kiosk_id or "",
        "state": e.state,
        "new_serial": e.new_serial or "",
    }


def present_queue(ctx: ViewContext, data: Data, out: Out, msgs: Msgs) -> None:
    entries = [_entry_view(e) for e in data.get("queue") or ()]
    out["query"] = str(data.get("query") or "")
    out["entries"] = entries
    if not entries:
        msgs.append(message("desk.queue_empty"))


def present_in_person(ctx: ViewContext, data: Data, out: Out, msgs: Msgs) -> None:
    picked = data.get("picked") or ()
    out["entries"] = [_entry_view(e) for e in picked]
    check = data.get("in_person")
    if check is not None:
        out["id_checked"] = check.id_checked
        out["face_tries_left"] = check.face_tries_left


def present_token(ctx: ViewContext, data: Data, out: Out, msgs: Msgs) -> None:
    present_in_person(ctx, data, out, msgs)
    labels = list(data.get("tokens") or ())
    out["tokens"] = labels
    msgs.append(message("desk.token_pin") if labels else message("desk.token_insert"))


def present_issue(ctx: ViewContext, data: Data, out: Out, msgs: Msgs) -> None:
    present_in_person(ctx, data, out, msgs)
    issued = {i.cert_id: i for i in data.get("issued") or ()}
    rows = []
    for e in data.get("picked") or ():
        done = issued.get(e.cert_id)
        rows.append({
            **_entry_view(e),
            "done": done is not None,
            "new_serial": done.new_serial if done else "",
            "new_expiry": done.new_expiry.isoformat() if done else "",
        })
    out["progress"] = rows
    if data.get("receipt") is not None:
        out["receipt"] = data["receipt"]


def present_receipts(ctx: ViewContext, data: Data, out: Out, msgs: Msgs) -> None:
    out["receipts"] = list(data.get("receipts") or ())
    if data.get("reprinted"):
        msgs.append(message("desk.reprinted", reference=str(data["reprinted"])))
    if not out["receipts"]:
        msgs.append(message("desk.receipts_none"))


def present_status(ctx: ViewContext, data: Data, out: Out, msgs: Msgs) -> None:
    rows = list(data.get("site") or ())
    out["site"] = rows
    failed = [r for r in rows if r.get("status") == "fail"]
    msgs.append(message("desk.status_failed") if failed else message("desk.status_ok"))


def present_locked(ctx: ViewContext, data: Data, out: Out, msgs: Msgs) -> None:
    msgs.append(message("desk.locked"))
