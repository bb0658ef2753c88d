"""The pending list and step 1: verify every email address of the renewal (R2-R7)."""

from __future__ import annotations

from collections.abc import Mapping

from kiosk.flows import resume
from kiosk.flows.context import FlowContext, InputProblem, stripped
from kiosk.flows.inputs import choice, six_digit_code
from kiosk.flows.messages import message
from kiosk.flows.signals import AddressVerified, CapReached
from kiosk.flows.validation import code_problems
from kiosk.flows.views import (
    Msgs,
    Out,
    ViewContext,
    all_emails_verified,
    certificate_view,
    email_view,
    iso,
)
from kiosk.flows.wizard import STAY, Choice, Data, Route, StepDef
from kiosk.services.api import Renewal
from kiosk.services.errors import (
    EmailCodeLocked,
    EmailCodeStillValid,
    EmailCodeUsed,
    EmailCodeWrong,
)

STAFF = "staff"

# After 驗證 on the list: that address's code page; on past a list all verified, to step 2
# or, for a renewal picked up again, where it stood (R7).
ADDRESS_CHOSEN = Choice(
    "address_chosen",
    lambda d: "email_code"
    if d.get("address")
    else (resume.after_step1(d) if all_emails_verified(d) else STAY),
    ("email_code", *resume.AFTER_STEP1_TARGETS, STAY),
)
# A code asked for stays on the page; a code verified goes back to the list.
CODE_VERIFIED = Choice(
    "code_verified", lambda d: STAY if d.get("address") else "emails", (STAY, "emails")
)


def steps(ctx: FlowContext) -> dict[str, StepDef]:
    def load_emails(data: Data) -> None:
        data["emails"] = ctx.for_renewal("registry", "emails")

    def accept_emails(data: Data, inputs: Mapping[str, object]) -> None:
        address = stripped(inputs, "address")
        data.pop("address", None)
        if not address:
            if all_emails_verified(data):
                # 下一步: where the renewal stands now (a continued or resumed renewal goes
                # on where it was; the signature only if the journal kept it).
                data["renewal"] = ctx.for_holder("registry", "current_renewal")
                data["signature_journaled"] = bool(ctx.journal_entry().signature_id)
                return
            raise InputProblem(["email.list"])
        known = {e.address: e for e in data.get("emails") or []}
        if address not in known:
            raise InputProblem(["email.not_in_renewal"])
        data.pop("code_sent", None)
        status = known[address]
        if status.verified_at is not None:
            return  # R7: verified earlier (same record, within 30 days): no new code needed
        data["address"] = address
        if status.code_expires_at is not None:
            data["code_expires_at"] = iso(status.code_expires_at)

    def accept_email_code(data: Data, inputs: Mapping[str, object]) -> None:
        action = str(inputs.get("action") or ("verify" if inputs.get("code") else "request"))
        address = str(data["address"])
        if action == "request":
            try:
                sent = ctx.for_renewal(
                    "registry",
                    "request_email_code",
                    address,
                )
            except EmailCodeStillValid:
                # A code is out that this page did not hear of: the answer to the first
                # request was lost after the registry sent it (or an earlier session asked).
                # The code in the holder's mailbox is good: take it, do not wait it out.
                if data.get("code_sent") or not code_out(data, address):
                    raise
                return
            data["code_sent"] = True
            data["code_expires_at"] = iso(sent.expires_at)
            return
        code = stripped(inputs, "code")
        if problems := code_problems(code):
            raise InputProblem(problems)
        try:
            ctx.for_renewal(
                "registry",
                "verify_email_code",
                address,
                code,
            )
        except EmailCodeWrong as err:
            ctx.count_failure(
                err,
                "email_code_failures",
                ctx.caps.email_code_failures,
                server_says_last=err.details.get("attempts_left") == 0,
            )
            raise
        except EmailCodeUsed as err:
            # Used already, to verify this very address (another session, or an answer
            # that got lost): it is 已驗證, back to the list.
            if address_verified(address):
                data.pop("address", None)
                raise AddressVerified.of(err) from err
            raise
        for key in ("address", "code_sent", "code_expires_at"):
            data.pop(key, None)

    def code_out(data: Data, address: str) -> bool:
        """The registry's word on `address`: a code out and valid -> the page shows it sent,
        with the registry's expiry (R5's countdown); a verified address -> the list."""
        for e in ctx.for_renewal("registry", "emails"):
            if e.address != address:
                continue
            if e.verified_at is not None:
                for key in ("address", "code_sent", "code_expires_at"):
                    data.pop(key, None)  # back to the list, which shows it 已驗證
                return True
            if e.code_expires_at is not None:
                data["code_sent"] = True
                data["code_expires_at"] = iso(e.code_expires_at)
                return True
        return False

    def address_verified(address: str) -> bool:
        emails = ctx.for_renewal("registry", "emails")
        return any(e.address == address and e.verified_at is not None for e in emails)

    return {
        # R3: every record is pre-selected and cannot be deselected; nothing to choose.
        "pending": StepDef(page="pending", next="emails", can_back=False, present=pending),
        # R2: a holder back whose records wait only at the counter: the three groups, where
        # to go with the reference, and the queue slip (kiosk/flows/stages/receipt.py).
        "offline_queue": StepDef(
            page="pending", last=True, can_back=False, present=offline_queue
        ),
        "emails": StepDef(
            page="emails",
            load=load_emails,
            accept=accept_emails,
            next=ADDRESS_CHOSEN,
            inputs=(choice("address"),),
            step_number=1,
            can_back=False,
            present=emails,
        ),
        "email_code": StepDef(
            page="email_code",
            accept=accept_email_code,
            next=CODE_VERIFIED,
            on_error={
                CapReached: Route(STAFF, tell=True),
                EmailCodeLocked: Route(STAFF, tell=True),
                AddressVerified: "emails",
            },
            inputs=(choice("action"), six_digit_code("code")),
            step_number=1,
            present=email_code,
        ),
    }


# --- what the steps show (their `present` hooks) ---------------------------------------


def pending(ctx: ViewContext, data: Data, out: Out, msgs: Msgs) -> None:
    renewal: Renewal | None = data.get("renewal")
    if renewal is None:
        return
    ident = renewal.identity_pending
    out["cloud"] = [certificate_view(c) for c in ident if c.cloud]
    out["non_cloud"] = [certificate_view(c) for c in ident if not c.cloud]
    out["activation_pending"] = [certificate_view(c) for c in renewal.activation_pending]
    out["offline_pending"] = [certificate_view(c) for c in renewal.offline_pending]
    out["count"] = len(ident)
    out["locked_selection"] = True  # R3: pre-selected, cannot be deselected
    out["reference"] = renewal.renewal_id
    if ident:
        msgs.append(message("pending.intro"))
    if out["cloud"]:
        msgs.append(message("pending.cloud"))
    if out["non_cloud"]:
        msgs.append(message("pending.noncloud"))
    if ident:
        msgs.append(message("pending.start", count=len(ident)))


def offline_queue(ctx: ViewContext, data: Data, out: Out, msgs: Msgs) -> None:
    """R2: verified non-cloud records under 待線下辦理, and where to take the reference."""
    pending(ctx, data, out, msgs)
    renewal: Renewal | None = data.get("renewal")
    if renewal is not None:
        out["queue"] = True
        msgs.append(message("pending.offline_counter", ref=renewal.renewal_id))


def emails(ctx: ViewContext, data: Data, out: Out, msgs: Msgs) -> None:
    statuses = data.get("emails") or []
    out["emails"] = [email_view(e) for e in statuses]
    out["all_verified"] = all_emails_verified(data)
    msgs.append(message("email.list"))
    if any(e.expired_verified_at is not None for e in statuses):
        msgs.append(message("email.stale"))  # R7: verified over 30 days ago, again
    for e in statuses:
        if e.verified_at is not None:
            msgs.append(message("email.verified"))
    if all_emails_verified(data):
        msgs.append(message("email.all_verified"))


def email_code(ctx: ViewContext, data: Data, out: Out, msgs: Msgs) -> None:
    out["address"] = data.get("address")
    out["code_expires_at"] = data.get("code_expires_at")
    # R5: a new code can be asked for once the last one has run out.
    out["can_request_code_at"] = data.get("code_expires_at")
    out["code_sent"] = bool(data.get("code_sent"))
    if data.get("code_sent"):
        msgs.append(message("email.code_sent"))  # R5
