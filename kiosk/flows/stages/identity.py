"""Step 2: consent to the identification bureau, the ID-card check, the live photo (R9-R12)."""

from __future__ import annotations

from collections.abc import Mapping

from kiosk.flows import views
from kiosk.flows.context import FlowContext, InputProblem
from kiosk.flows.inputs import photo
from kiosk.flows.messages import message
from kiosk.flows.signals import CapReached, Missing
from kiosk.flows.stages.shapes import Stage
from kiosk.flows.views import (
    Msgs,
    Out,
    Present,
    ViewContext,
    says,
)
from kiosk.flows.wizard import BYTES_LIKE, Data, OnError, Route, StepDef
from kiosk.services.errors import PHOTO_RETAKE, ConsentStale, IdInvalid, IdUnsupported

STAFF = "staff"


def steps(ctx: FlowContext) -> dict[str, StepDef]:
    def record_consent(data: Data) -> None:
        consent = ctx.for_renewal("bureau", "consent")
        data["_consent_token"] = consent.consent_token

    def consent_token(data: Data) -> str:
        token = data.get("_consent_token")
        if not token:
            raise Missing("consent token")
        return str(token)

    def accept_id_check(data: Data, inputs: Mapping[str, object]) -> None:
        ctx.for_renewal(
            "registry",
            "check_identity",
            consent_token(data),
        )

    def accept_photo(data: Data, inputs: Mapping[str, object]) -> None:
        jpeg = inputs.get("photo_jpeg")
        if not isinstance(jpeg, BYTES_LIKE) or not len(jpeg):
            raise InputProblem(["photo.missing"])
        token = consent_token(data)
        try:
            match = ctx.for_renewal(
                "bureau",
                "match_face",
                token,
                jpeg,  # no copy: the caller's buffer is wiped after the step
            )
        except PHOTO_RETAKE as err:  # R12: retake
            ctx.count_failure(err, "retakes", ctx.caps.photo_retakes)
            raise
        ctx.for_renewal(
            "registry",
            "record_face_match",
            match.match_id,
        )
        data["score"] = match.score
        data["threshold"] = match.threshold
        data.pop("_consent_token", None)

    # The consent went stale or was never given (resumed): ask for it again.
    back_to_consent: OnError = {ConsentStale: "consent", Missing: "consent"}
    stage = Stage(2)
    return {
        "consent": stage.agreement(
            "consent",
            "consent.required",
            record_consent,
            "id_check",
            views.says("consent.text", "consent.checkbox"),
            can_back=False,
        ),
        "id_check": stage.check(
            accept_id_check,
            "photo",
            {IdUnsupported: "id_unsupported", IdInvalid: "id_invalid", **back_to_consent},
            present=views.says("id.checking"),
        ),
        # 上一步 returns to the consent (id_check is a check, not a page): the way out of
        # a photo page whose camera is missing, without starting over.
        "photo": StepDef(
            page="photo",
            accept=accept_photo,
            next="face_result",
            on_error={CapReached: Route(STAFF, tell=True), **back_to_consent},
            inputs=(photo("photo_jpeg"),),
            step_number=stage.number,
            present=show_photo,
        ),
        "face_result": stage.notice("certificates", "confirm", face_result),
        "id_unsupported": stage.end("generic", id_refused("id.unsupported")),  # R10
        "id_invalid": stage.end("generic", id_refused("id.invalid")),  # R11
    }


# --- what the steps show (their `present` hooks) ---------------------------------------


def id_refused(message_id: str) -> Present:
    return says(message_id, "id.offline_only")


def show_photo(ctx: ViewContext, data: Data, out: Out, msgs: Msgs) -> None:
    msgs.append(message("photo.take"))
    out["retakes_left"] = ctx.retakes_left


def face_result(ctx: ViewContext, data: Data, out: Out, msgs: Msgs) -> None:
    out["score"] = data.get("score")
    out["threshold"] = data.get("threshold")
    msgs.append(message("face.passed", score=f"{data.get('score', 0):.2f}"))
