"""Step 3: confirm the application, the declaration, e-ID identification, signing and
submission (R13-R16)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from kiosk.flows import declaration as declaration_texts
from kiosk.flows import views
from kiosk.flows.context import FlowContext, InputProblem, stripped
from kiosk.flows.inputs import choice, photo, six_digit_code
from kiosk.flows.messages import message
from kiosk.flows.signals import AssertionSpent, CapReached, Missing
from kiosk.flows.stages.once import SIGN_KEY, SUBMIT_KEY
from kiosk.flows.stages.shapes import Stage
from kiosk.flows.validation import code_problems
from kiosk.flows.views import (
    Msgs,
    Out,
    Present,
    ViewContext,
    certificate_view,
    iso,
)
from kiosk.flows.wizard import BYTES_LIKE, STAY, Choice, Data, Route, StepDef
from kiosk.services.api import Application, Submission
from kiosk.services.errors import (
    NOTICE_OFFLINE,
    AlreadySubmitted,
    BackendError,
    EidFaceFailed,
    EidLocked,
    EidUnavailable,
    EmailsStale,
    SmsCodeExpired,
    SmsCodeWrong,
    assertion_invalid,
)

STAFF = "staff"

# 獲取驗證碼 stays on the page; a verified code and face go on to the signature.
IDENTIFIED = Choice(
    "identified", lambda d: "esign" if d.get("_assertion") else STAY, ("esign", STAY)
)


def steps(ctx: FlowContext) -> dict[str, StepDef]:
    def load_application(data: Data) -> None:
        if data.get("application") is None:
            data["application"] = ctx.for_renewal("registry", "application")

    def record_declaration(data: Data) -> None:
        ctx.for_renewal("registry", "accept_declaration")

    def accept_eid(data: Data, inputs: Mapping[str, object]) -> None:
        action = str(inputs.get("action") or ("verify" if inputs.get("sms_code") else "request"))
        if action == "request":
            data["challenge"] = ctx.for_holder(
                "eid",
                "start_challenge",
                f"renewal:{ctx.renewal_id()}",
            )
            return
        challenge = data.get("challenge")
        if challenge is None:
            raise InputProblem(["eid.intro"])
        code = stripped(inputs, "sms_code")
        if problems := code_problems(code):
            raise InputProblem(problems)
        face = inputs.get("face_jpeg")
        if not isinstance(face, BYTES_LIKE) or not len(face):
            raise InputProblem(["photo.missing"])
        try:
            assertion = ctx.for_holder(
                "eid",
                "verify_challenge",
                challenge.challenge_id,
                code,
                face,
            )
        except (SmsCodeWrong, SmsCodeExpired, EidFaceFailed) as err:
            ctx.count_failure(err, "eid_failures", ctx.caps.eid_failures)
            raise
        data.pop("challenge", None)
        data["_assertion"] = assertion.assertion
        # One key per assertion, journaled before the signing call: a retry after a lost
        # answer gets the first signature back instead of "assertion used".
        SIGN_KEY.new(ctx)

    def accept_esign(data: Data, inputs: Mapping[str, object]) -> None:
        assertion = data.get("_assertion")
        if not assertion:
            raise Missing("assertion")
        load_application(data)
        application: Application = data["application"]
        key = SIGN_KEY.get(ctx)
        try:
            signature = ctx.for_holder(
                "esign",
                "sign",
                assertion,
                application.document_id,
                key,
            )
        except BackendError as err:
            SIGN_KEY.spent_by(ctx, err)
            if assertion_invalid(err):
                # Used or expired (R15 identifies for one signature, minutes long): identify
                # again with a new challenge rather than resending a dead assertion.
                data.pop("_assertion", None)
                raise AssertionSpent.of(err) from err
            raise
        data.pop("_assertion", None)
        entry = ctx.journal_entry()
        entry.signature_id = signature.signature_id
        entry.sign_key = None
        ctx.save()

    def accept_review(data: Data, inputs: Mapping[str, object]) -> None:
        entry = ctx.journal_entry()
        if not entry.signature_id:
            raise Missing("signature")
        # Journaled before the call: a crash mid-call resubmits with the same key (R26 spirit).
        key = SUBMIT_KEY.get(ctx)
        try:
            submission = ctx.for_renewal(
                "registry",
                "submit",
                entry.signature_id,
                key,
            )
        except AlreadySubmitted:
            # Submitted already (an answer that got lost): carry on from the record.
            renewal = ctx.for_holder("registry", "current_renewal")
            data["renewal"] = renewal
            submission = Submission(
                submitted_at=datetime.now(UTC),
                activation_pending=renewal.activation_pending,
                offline_pending=renewal.offline_pending,
                notice_code=NOTICE_OFFLINE if not renewal.activation_pending else None,
            )
        except BackendError as err:
            SUBMIT_KEY.spent_by(ctx, err)
            raise
        data["submission"] = submission
        entry.submitted_at = submission.submitted_at
        ctx.save()

    stage = Stage(3)
    return {
        "confirm": stage.notice(
            "certificates", "declaration", application("confirm.intro"), load=load_application
        ),
        "declaration": stage.agreement(
            "declaration",
            "declaration.required",  # R14
            record_declaration,
            "eid",
            application("declaration.checkbox", declaration=True),
        ),
        "eid": StepDef(
            page="eid",
            load=load_application,
            accept=accept_eid,
            next=IDENTIFIED,
            on_error={
                EidUnavailable: "eid_unavailable",  # R15: no very-high tool on the account
                CapReached: Route(STAFF, tell=True),
                EidLocked: Route(STAFF, tell=True),
            },
            inputs=(choice("action"), six_digit_code("sms_code"), photo("face_jpeg")),
            step_number=stage.number,
            present=eid,
        ),
        "esign": stage.check(
            accept_esign,
            "signed",
            {AssertionSpent: Route("eid", tell=True), Missing: "eid"},
            can_back=False,
        ),
        "signed": stage.notice("certificates", "review", views.says("sign.success")),  # R16
        "review": StepDef(
            page="certificates",
            load=load_application,
            accept=accept_review,
            next="submitted",
            # R7: an address verified over 30 days ago: back to step 1 to verify it again.
            on_error={Missing: "eid", EmailsStale: Route("emails", tell=True)},
            step_number=stage.number,
            present=application("review.intro"),
        ),
        "submitted": stage.notice(
            "certificates", views.AFTER_SUBMIT, views.says("submit.success")  # R16
        ),
        "eid_unavailable": stage.end("generic", views.says("eid.not_enabled", "id.offline_only")),
    }


# --- what the steps show (their `present` hooks) ---------------------------------------


def application(intro: str, *, declaration: bool = False) -> Present:
    """confirm, declaration, eid and review: the application's certificates (R13)."""

    def show(ctx: ViewContext, data: Data, out: Out, msgs: Msgs) -> None:
        app: Application | None = data.get("application")
        if app is not None:
            out["certificates"] = [certificate_view(c) for c in app.certificates]
            if declaration:
                # R14: the binding Chinese points, and pt/en translations to show under them.
                points = list(app.declaration)
                out["declaration"] = points
                out["declaration_translations"] = declaration_texts.translations(points)
                out["declaration_binding_note"] = declaration_texts.binding_notes()
        msgs.append(message(intro))

    return show


def eid(ctx: ViewContext, data: Data, out: Out, msgs: Msgs) -> None:
    application("eid.intro")(ctx, data, out, msgs)
    challenge = data.get("challenge")
    if challenge is not None:
        out["mobile_masked"] = challenge.mobile_masked
        out["challenge_expires_at"] = iso(challenge.expires_at)
        msgs.append(message("eid.code_sent", mobile=challenge.mobile_masked))
