"""Sign-in: the holder's own (ID number, then the SMS code) or counter staff's (sign-in,
look-up by ID number), then routing to where the holder's renewal stands."""

from __future__ import annotations

from collections.abc import Mapping

from kiosk.flows import resume, views
from kiosk.flows.context import FlowContext, InputProblem, stripped
from kiosk.flows.inputs import InputSpec, six_digit_code
from kiosk.flows.messages import message
from kiosk.flows.signals import CapReached, Missing
from kiosk.flows.validation import code_problems
from kiosk.flows.views import (
    Msgs,
    Out,
    ViewContext,
)
from kiosk.flows.wizard import Data, Route, StepDef
from kiosk.services.errors import EidFaceFailed, EidLocked, SmsCodeExpired, SmsCodeWrong

STAFF = "staff"
ID_NUMBER = InputSpec("id_number", "text", "id", 1, 20)
STAFF_PASSWORD = InputSpec("password", "secret", "password", 1)


def steps(ctx: FlowContext) -> dict[str, StepDef]:
    def accept_sign_in(data: Data, inputs: Mapping[str, object]) -> None:
        id_number = stripped(inputs, "id_number")
        if not id_number:
            raise InputProblem(["signin.id_number"])
        data["challenge"] = ctx.call("eid.start_login", ctx.services.eid.start_login, id_number)

    def accept_sign_in_code(data: Data, inputs: Mapping[str, object]) -> None:
        code = stripped(inputs, "sms_code")
        if problems := code_problems(code):
            raise InputProblem(problems)
        try:
            ctx.session = ctx.call(
                "eid.complete_login",
                ctx.services.eid.complete_login,
                data["challenge"].challenge_id,
                code,
            )
        except (SmsCodeWrong, EidFaceFailed) as err:
            ctx.count_failure(err, "eid_failures", ctx.caps.eid_failures)
            raise
        data.pop("challenge", None)

    def accept_staff_login(data: Data, inputs: Mapping[str, object]) -> None:
        ctx.staff = ctx.call(
            "registry.staff_login",
            ctx.services.registry.staff_login,
            str(inputs.get("username") or ""),
            str(inputs.get("password") or ""),
        )

    def accept_staff_lookup(data: Data, inputs: Mapping[str, object]) -> None:
        if ctx.staff is None:
            raise Missing("staff session")
        id_number = stripped(inputs, "id_number")
        if not id_number:
            raise InputProblem(["staff.lookup"])
        ctx.session = ctx.call(
            "registry.staff_lookup", ctx.services.registry.staff_lookup, ctx.staff, id_number
        )

    def accept_routing(data: Data, inputs: Mapping[str, object]) -> None:
        resume.load_standing(ctx, data)

    return {
        "sign_in": StepDef(
            page="sign_in",
            accept=accept_sign_in,
            next="sign_in_code",
            inputs=(ID_NUMBER,),
            present=views.says("signin.id_number"),
        ),
        "sign_in_code": StepDef(
            page="sign_in",
            accept=accept_sign_in_code,
            next="routing",
            on_error={
                SmsCodeExpired: Route("sign_in", tell=True),  # start the sign-in again
                CapReached: Route(STAFF, tell=True),
                EidLocked: Route(STAFF, tell=True),
            },
            inputs=(six_digit_code("sms_code"),),
            present=sign_in_code,
        ),
        "staff_login": StepDef(
            page="sign_in",
            accept=accept_staff_login,
            next="desk_home",  # the counter home (kiosk/flows/stages/desk.py)
            inputs=(
                InputSpec("username", "text", "free", 1),
                STAFF_PASSWORD,
            ),
            present=views.says("staff.login"),
        ),
        "staff_lookup": StepDef(
            page="sign_in",
            accept=accept_staff_lookup,
            next="routing",
            on_error={Missing: "staff_login"},
            inputs=(ID_NUMBER,),
            present=views.says("staff.lookup"),
        ),
        # Where the holder's renewal stands (a backend read); retried by submit({}).
        "routing": StepDef(
            page="generic", accept=accept_routing, next=resume.STANDING, auto=True, can_back=False
        ),
        "nothing_pending": StepDef(
            page="generic", last=True, can_back=False, present=views.says("pending.none")
        ),
    }


# --- what the steps show (their `present` hooks) ---------------------------------------


def sign_in_code(ctx: ViewContext, data: Data, out: Out, msgs: Msgs) -> None:
    if data.get("challenge") is not None:
        msgs.append(message("signin.code_sent", mobile=data["challenge"].mobile_masked))
