"""What each step of the renewal shows: its JSON-able view model and its messages.

Every navmap entry names its presenter (`StepDef.present`), so adding a step is one navmap
entry, one presenter here, one page and one flow test. A presenter only reads the wizard
data and the `ViewContext`; it never calls a service. Only what the holder may see on
screen goes into a view model.

The named predicates the navmap branches on live here too, because steps show what they
decide (R17-R19, R22).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from kiosk.flows import declaration as declaration_texts
from kiosk.flows.messages import Message, message
from kiosk.flows.wizard import Choice, Data
from kiosk.services.api import (
    Application,
    Certificate,
    CertType,
    EmailStatus,
    Renewal,
    Submission,
)

# Card fields in the order the seed's cards show them (SPEC "Certificates").
CARD_FIELDS: tuple[tuple[str, str], ...] = (
    ("type", "證書類型"),
    ("serial", "原證書序號"),
    ("expiry", "原證書到期日"),
    ("status", "原證書狀態"),
    ("holder_name", "證書持有人"),
    ("email", "電郵地址"),
    ("org_name", "機構名稱"),
    ("department", "部門/分部"),
    ("position", "職務/職級/職位"),
    ("transaction_limit", "交易限額"),
    ("agent_qualification", "代理資格"),
)
TYPE_LABELS = {
    CertType.CLOUD: '商業機構"雲簽"帳戶',
    CertType.QUALIFIED: "商業機構合格證書",
    CertType.STANDARD: "標準證書",
    CertType.ENCRYPTION: "加密證書(商業機構)",
}
STATUS_LABELS = {"valid": "有效", "expired": "已過期", "revoked": "已撤銷"}


# --- named predicates (the navmap's branches) --------------------------------------------


def all_emails_verified(data: Data) -> bool:
    emails: list[EmailStatus] = data.get("emails") or []
    return bool(emails) and all(e.verified_at is not None for e in emails)


def submission_certs(data: Data) -> tuple[tuple[Certificate, ...], tuple[Certificate, ...]]:
    """(cloud-sign certificates to activate, non-cloud ones for offline handling)."""
    sub: Submission | None = data.get("submission")
    if sub is not None:
        return sub.activation_pending, sub.offline_pending
    renewal: Renewal = data["renewal"]
    return renewal.activation_pending, renewal.offline_pending


def all_non_cloud(data: Data) -> bool:
    """R19: nothing to activate online, only offline handling left."""
    cloud, offline = submission_certs(data)
    return not cloud and bool(offline)


def only_one_cloud_cert(data: Data) -> bool:
    """R18: exactly one certificate in the renewal and it is cloud-sign: skip the selection."""
    cloud, offline = submission_certs(data)
    return len(cloud) == 1 and not offline


def after_submit(data: Data) -> str:
    """After 確認提交: offline only (R19), one cloud-sign certificate (R18), or a choice."""
    if all_non_cloud(data):
        return "offline_done"
    if only_one_cloud_cert(data):
        return "precheck"  # which selects that one certificate
    return "activation_select"


AFTER_SUBMIT = Choice(
    "after_submit", after_submit, ("offline_done", "precheck", "activation_select")
)


def needs_new_password(data: Data) -> bool:
    """R22: the cloud-sign account holds no valid certificate."""
    form = data.get("form")
    return bool(form is not None and form.needs_new_password)


# --- pieces ----------------------------------------------------------------------------------


def certificate_view(cert: Certificate) -> dict[str, object]:
    view: dict[str, object] = {
        "cert_id": cert.cert_id,
        "type": cert.type.value,
        "type_label": TYPE_LABELS.get(cert.type, cert.type.value),
        "cloud": cert.cloud,
        "serial": cert.serial,
        "expiry": cert.expiry.isoformat(),
        "status": cert.status.value,
        "status_label": STATUS_LABELS.get(cert.status.value, cert.status.value),
        "holder_name": cert.holder_name,
        "email": cert.email,
        "org_name": cert.org_name,
        "department": cert.department,
        "position": cert.position,
    }
    if cert.type is CertType.QUALIFIED:
        view["transaction_limit"] = cert.transaction_limit
        view["agent_qualification"] = cert.agent_qualification
    return view


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def email_view(e: EmailStatus) -> dict[str, object]:
    return {
        "address": e.address,
        "verified": e.verified_at is not None,
        "verified_at": iso(e.verified_at),
        "code_expires_at": iso(e.code_expires_at),
        "can_request_code": e.can_request_code,
        "attempts_left": e.attempts_left,
    }


@dataclass(frozen=True)
class ViewContext:
    """What a presenter may know beyond the wizard data."""

    lang: str
    renewal_id: str | None
    counters: Mapping[str, int]  # retakes, eid_failures, email_code_failures, ...
    retakes_left: int  # R12 photos the holder may still take before the hand-off


Out = dict[str, object]
Msgs = list[Message]
Present = Callable[[ViewContext, Data, Out, Msgs], None]


def present(
    step_present: Present | None, ctx: ViewContext, data: Data
) -> tuple[dict[str, object], list[Message]]:
    """The view model of a step: the common part, then the step's own presenter."""
    out: Out = {"lang": ctx.lang}
    msgs: Msgs = []
    if ctx.renewal_id is not None:
        out["renewal_id"] = ctx.renewal_id
    out["counters"] = dict(ctx.counters)
    if step_present is not None:
        step_present(ctx, data, out, msgs)
    return out, msgs


def says(*message_ids: str) -> Present:
    """A step that only shows fixed messages."""

    def show(ctx: ViewContext, data: Data, out: Out, msgs: Msgs) -> None:
        msgs.extend(message(i) for i in message_ids)

    return show


# --- the steps, in the order a holder meets them -------------------------------------------


def sign_in_code(ctx: ViewContext, data: Data, out: Out, msgs: Msgs) -> None:
    if data.get("challenge") is not None:
        msgs.append(message("signin.code_sent", mobile=data["challenge"].mobile_masked))


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
    msgs.append(message("pending.intro"))
    if out["cloud"]:
        msgs.append(message("pending.cloud"))
    if out["non_cloud"]:
        msgs.append(message("pending.noncloud"))
    msgs.append(message("pending.start", count=len(ident)))


def emails(ctx: ViewContext, data: Data, out: Out, msgs: Msgs) -> None:
    statuses = data.get("emails") or []
    out["emails"] = [email_view(e) for e in statuses]
    out["all_verified"] = all_emails_verified(data)
    msgs.append(message("email.list"))
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


def id_refused(message_id: str) -> Present:
    return says(message_id, "id.offline_only")


def photo(ctx: ViewContext, data: Data, out: Out, msgs: Msgs) -> None:
    msgs.append(message("photo.take"))
    out["retakes_left"] = ctx.retakes_left


def face_result(ctx: ViewContext, data: Data, out: Out, msgs: Msgs) -> None:
    out["score"] = data.get("score")
    out["threshold"] = data.get("threshold")
    msgs.append(message("face.passed", score=f"{data.get('score', 0):.2f}"))


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


def _has_certs(data: Data) -> bool:
    return data.get("submission") is not None or data.get("renewal") is not None


def activation_select(ctx: ViewContext, data: Data, out: Out, msgs: Msgs) -> None:
    if not _has_certs(data):
        return
    cloud, offline = submission_certs(data)
    out["cloud"] = [certificate_view(c) for c in cloud]
    out["non_cloud"] = [certificate_view(c) for c in offline]
    msgs.append(message("activation.select"))
    selected = list(data.get("selected") or [])
    out["selected"] = selected
    msgs.append(message("activation.next", count=len(selected)))


def offline_done(ctx: ViewContext, data: Data, out: Out, msgs: Msgs) -> None:
    if not _has_certs(data):
        return
    cloud, offline = submission_certs(data)
    out["cloud"] = [certificate_view(c) for c in cloud]
    out["non_cloud"] = [certificate_view(c) for c in offline]
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
    if _has_certs(data):
        _, offline = submission_certs(data)
        if offline:
            out["non_cloud"] = [certificate_view(c) for c in offline]
            msgs.append(message("offline.counter"))  # R32


def revoke_first(ctx: ViewContext, data: Data, out: Out, msgs: Msgs) -> None:
    out["revoke"] = [
        {**item, "type_label": _type_label(str(item.get("type") or CertType.CLOUD.value))}
        for item in data.get("revoke") or []
    ]
    msgs += [message("revoke.title"), message("revoke.body")]  # R20


def _type_label(kind: str) -> str:
    try:
        return TYPE_LABELS[CertType(kind)]
    except ValueError:
        return kind


def staff(ctx: ViewContext, data: Data, out: Out, msgs: Msgs) -> None:
    reference = ctx.renewal_id or "-"
    out["reference"] = reference
    out["handoff_code"] = data.get("handoff_code")
    msgs.append(message("staff.handoff", reference=reference))
