"""Step 4: which certificates, the pre-check, password and revocation phrase, the
activation job, and the ends: activated, offline only, revoke first, verify again
(R17-R26)."""

from __future__ import annotations

from collections.abc import Mapping

from kiosk.flows import resume, views
from kiosk.flows.context import FlowContext, InputProblem, text
from kiosk.flows.inputs import (
    InputSpec,
    choice,
    new_password,
    phrase_confirmation,
    revocation_phrase,
)
from kiosk.flows.journal import OPEN
from kiosk.flows.messages import message
from kiosk.flows.signals import CapReached, FollowJob, JobFailed, Missing
from kiosk.flows.stages.once import ACTIVATION_KEY
from kiosk.flows.stages.shapes import Stage
from kiosk.flows.validation import confirmation_problems, password_problems, phrase_problems
from kiosk.flows.views import (
    TYPE_LABELS,
    Msgs,
    Out,
    ViewContext,
    certificate_view,
    needs_new_password,
    only_one_cloud_cert,
    submission_certs,
)
from kiosk.flows.wizard import STAY, Choice, Data, InputsBy, OnError, Route, StepDef
from kiosk.services.api import ActivationJob, Certificate, CertType
from kiosk.services.errors import (
    ACTIVATION_FAILED,
    ActivationUnderway,
    BackendError,
    PasswordWrong,
    ReverifyIdentity,
    RevokeFirst,
    error_for_code,
)

STAFF = "staff"

# The job still running after the wait of one submit stays on the page (the UI asks again).
JOB_STATE = Choice(
    "job_state",
    lambda d: "done" if d.get("job") is not None and d["job"].state == "succeeded" else STAY,
    ("done", STAY),
)

EXISTING_PASSWORD = InputSpec(
    "password", "secret", "free", 1, required="validation.password_required"
)
NEW_PASSWORD = (
    new_password("password"),
    InputSpec("password_confirm", "secret", "password", 8, confirm_of="password"),
    revocation_phrase(),
    phrase_confirmation(),
)


EXISTING = (EXISTING_PASSWORD, revocation_phrase(), phrase_confirmation())
# R22: a new password and its confirmation only when the account needs one.
ACTIVATION_INPUTS = InputsBy(
    lambda d: NEW_PASSWORD if needs_new_password(d) else EXISTING, (NEW_PASSWORD, EXISTING)
)


def steps(ctx: FlowContext) -> dict[str, StepDef]:
    def accept_select(data: Data, inputs: Mapping[str, object]) -> None:
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
        entry = ctx.journal_entry()
        if tuple(chosen) != entry.activation_cert_ids:
            # Another request than the one the key was made for: the registry would refuse
            # the old key with a different body. A fresh key is made at 激活.
            entry.activation_key = None
            entry.activation_cert_ids = tuple(chosen)
            ctx.save()

    def follow_activation(data: Data, err: BackendError) -> None:
        """These certificates are being (or were) activated already, typically by our own
        activation whose answer was lost or never written down. Follow that job to 成功激活
        instead of asking again (R26: exactly once)."""
        entry = ctx.journal_entry()
        job_id = err.details.get("job_id") or entry.job_id
        if not isinstance(job_id, str) or not job_id:
            job = ctx.find_job(entry, data.get("selected") or entry.activation_cert_ids)
            job_id = job.job_id if job is not None else None
        if not job_id:
            return  # activated by some other way (not a job we can show): the message says so
        ctx.record_job(data, None, job_id)
        raise FollowJob.of(err) from err

    def note_refusal(data: Data, err: BackendError) -> None:
        """R20, whether the precheck or the activation itself (which repeats the checks)
        found it: the certificates to revoke, for the end state's links."""
        if isinstance(err, RevokeFirst):
            data["revoke"] = [
                {
                    "cert_id": str(c.get("cert_id", "")),
                    # The page names each certificate by its type (商業機構"雲簽"帳戶...).
                    "type": cert_type(data, c),
                    "revoke_url": str(c.get("revoke_url", "")),
                }
                for c in err.details.get("certificates", [])
                if isinstance(c, dict)
            ]

    def accept_precheck(data: Data, inputs: Mapping[str, object]) -> None:
        if only_one_cloud_cert(data):  # R18: the one certificate, no selection page
            cloud, _ = submission_certs(data)
            data["selected"] = [cloud[0].cert_id]
        try:
            ctx.for_renewal(
                "registry",
                "precheck",
                list(data["selected"]),
            )
        except BackendError as err:
            if isinstance(err, ActivationUnderway):
                follow_activation(data, err)
            note_refusal(data, err)
            raise

    def load_activation_form(data: Data) -> None:
        data["form"] = ctx.for_renewal("registry", "activation_form")

    def accept_activation(data: Data, inputs: Mapping[str, object]) -> None:
        password = text(inputs.get("password"))
        confirm = text(inputs.get("password_confirm"))
        phrase = text(inputs.get("revocation_phrase"))
        problems: list[str] = []
        new = needs_new_password(data)
        if new:
            problems += password_problems(password)  # R23
            problems += confirmation_problems(password, confirm)
        elif not password:
            problems.append("validation.password_required")
        problems += phrase_problems(phrase)  # R24
        if "revocation_phrase_confirm" in inputs:
            # The kiosk's form always sends it (R35); API callers without it are not asked.
            problems += phrase_confirmation().problem_ids(
                text(inputs.get("revocation_phrase_confirm")), {"revocation_phrase": phrase}
            )
        if problems:
            raise InputProblem(problems)
        entry = ctx.journal_entry()
        selected = list(data["selected"])
        if not entry.activation_key:
            entry.activation_cert_ids = tuple(selected)  # journaled with the new key
        # The registry activates each certificate exactly once (R26).
        key = ACTIVATION_KEY.get(ctx)
        try:
            job = ctx.for_renewal(
                "registry",
                "activate",
                selected,
                password,
                confirm if new else None,
                phrase,
                key,
            )
        except BackendError as err:
            # Activated or activating already (by this key's job whose answer was lost, or
            # by another kiosk): follow that job.
            if isinstance(err, ActivationUnderway):
                follow_activation(data, err)
            ACTIVATION_KEY.spent_by(ctx, err)
            note_refusal(data, err)
            if isinstance(err, PasswordWrong):  # R25
                ctx.count_failure(err, "password_failures", ctx.caps.password_failures)
            raise
        finally:
            del password, confirm, phrase
        ctx.record_job(data, job)

    def accept_progress(data: Data, inputs: Mapping[str, object]) -> None:
        job: ActivationJob | None = data.get("job")
        job_id = job.job_id if job else ctx.journal_entry().job_id
        if job_id is None:
            raise Missing("activation job")
        deadline = ctx.clock() + ctx.caps.activation_wait_s
        while job is None or job.state == "running":
            if job is not None:
                if ctx.clock() >= deadline:
                    break
                ctx.sleep(max(0.05, min(job.poll_after_s, 5.0)))
            job = ctx.for_holder(
                "registry",
                "activation_status",
                job_id,
            )
        data["job"] = job
        if job.state not in ("running", "succeeded"):
            raise JobFailed.of(error_for_code(job.error_help_code or ACTIVATION_FAILED))

    def accept_reverify(data: Data, inputs: Mapping[str, object]) -> None:
        for key in ("submission", "selected", "application", "form", "job"):
            data.pop(key, None)
        entry = ctx.journal_entry()
        # The registry dropped the signature and the submission: new keys next time.
        entry.signature_id = entry.submit_key = entry.activation_key = entry.sign_key = None
        entry.submitted_at = None
        entry.activation_cert_ids = ()
        entry.state = OPEN
        ctx.save()
        resume.load_standing(ctx, data)

    # R20/R21 found by the pre-check or by the activation (which repeats the checks).
    refusals: OnError = {
        FollowJob: "activation_progress",
        RevokeFirst: "revoke_first",
        ReverifyIdentity: "reverify",
    }
    stage = Stage(4)
    return {
        "activation_select": StepDef(
            page="activation_select",
            accept=accept_select,
            next="precheck",
            inputs=(choice("cert_ids"),),
            step_number=stage.number,
            can_back=False,
            present=activation_select,
        ),
        "precheck": stage.check(accept_precheck, "activation_form", refusals),
        "activation_form": StepDef(
            page="activation_form",
            load=load_activation_form,
            accept=accept_activation,
            next="activation_progress",
            on_error={**refusals, CapReached: Route(STAFF, tell=True)},
            inputs=ACTIVATION_INPUTS,
            step_number=stage.number,
            present=activation_form,
        ),
        "activation_progress": stage.check(
            accept_progress,
            JOB_STATE,
            {JobFailed: Route(STAFF, tell=True), Missing: "activation_form"},
            can_back=False,
            poll_ms=1000,
            present=activation_progress,
        ),
        "done": stage.end("done", done),
        "offline_done": stage.end("done", offline_done),
        # End states with a way forward, for the holder who wants it there and then:
        # R20 revoke on the linked page, then 激活證書 runs the check again (submit {});
        # R21 the registry sent the renewal back to identity verification (submit {}).
        "revoke_first": stage.end("revoke_first", revoke_first, next="precheck", can_back=True),
        "reverify": stage.end(
            "reverify",
            views.says("reverify.title", "reverify.body"),  # R21
            accept=accept_reverify,
            next=resume.STANDING,
        ),
    }


def cert_type(data: Data, cert: Mapping[str, object]) -> str:
    """The type of a certificate the registry named in a refusal: from the refusal, else
    from the renewal's own list; cloud-sign when neither says (only those are activated)."""
    kind = cert.get("type")
    if isinstance(kind, str) and kind:
        return kind
    known: tuple[Certificate, ...] = ()
    if data.get("renewal") is not None or data.get("submission") is not None:
        cloud, offline = submission_certs(data)
        known = (*cloud, *offline)
    for c in known:
        if c.cert_id == cert.get("cert_id"):
            return c.type.value
    return CertType.CLOUD.value


# --- what the steps show (their `present` hooks) ---------------------------------------


def has_certs(data: Data) -> bool:
    return data.get("submission") is not None or data.get("renewal") is not None


def show_certs(data: Data, out: Out) -> bool:
    """The cloud-sign certificates and the others, as R17's two tabs show them; False while
    the data has none yet."""
    if not has_certs(data):
        return False
    cloud, offline = submission_certs(data)
    out["cloud"] = [certificate_view(c) for c in cloud]
    out["non_cloud"] = [certificate_view(c) for c in offline]
    return True


def activation_select(ctx: ViewContext, data: Data, out: Out, msgs: Msgs) -> None:
    if not show_certs(data, out):
        return
    msgs.append(message("activation.select"))
    selected = list(data.get("selected") or [])
    out["selected"] = selected
    msgs.append(message("activation.next", count=len(selected)))


def offline_done(ctx: ViewContext, data: Data, out: Out, msgs: Msgs) -> None:
    if not show_certs(data, out):
        return
    msgs += [message("offline.submitted"), message("offline.unsupported")]  # R19


def activation_form(ctx: ViewContext, data: Data, out: Out, msgs: Msgs) -> None:
    form = data.get("form")
    if form is not None:
        out["cloud_username"] = form.cloud_username
        out["needs_new_password"] = form.needs_new_password
        if form.needs_new_password:
            msgs.append(message("activation.new_password"))
    msgs += [
        message("activation.form"),
        message("activation.password_rules"),
        message("activation.phrase_rules"),
    ]


def activation_progress(ctx: ViewContext, data: Data, out: Out, msgs: Msgs) -> None:
    job = data.get("job")
    out["job_state"] = job.state if job else None
    msgs.append(message("activation.running"))


def done(ctx: ViewContext, data: Data, out: Out, msgs: Msgs) -> None:
    job = data.get("job")
    out["renewed"] = [
        {
            "cert_id": r.cert_id,
            "type": r.type.value,
            "type_label": TYPE_LABELS.get(r.type, r.type.value),
            "email": r.email,
            "old_serial": r.old_serial,
            "old_expiry": r.old_expiry.isoformat(),
            "new_serial": r.new_serial,
            "new_expiry": r.new_expiry.isoformat(),
        }
        for r in (job.results if job else ())
    ]
    msgs += [message("activation.success"), message("activation.email_sent")]  # R26
    if has_certs(data):
        _, offline = submission_certs(data)
        if offline:
            out["non_cloud"] = [certificate_view(c) for c in offline]
            msgs.append(message("offline.counter"))  # R32


def revoke_first(ctx: ViewContext, data: Data, out: Out, msgs: Msgs) -> None:
    out["revoke"] = [
        {**item, "type_label": type_label(str(item.get("type") or CertType.CLOUD.value))}
        for item in data.get("revoke") or []
    ]
    msgs += [message("revoke.title"), message("revoke.body")]  # R20


def type_label(kind: str) -> str:
    try:
        return TYPE_LABELS[CertType(kind)]
    except ValueError:
        return kind
