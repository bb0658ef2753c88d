"""What the steps share for showing themselves: the `ViewContext`, the common part of every
view model (`present`), certificate and email views, the labels, and the named predicates
the navmap branches on (R17-R19, R22). Each step's own presenter lives in its stage
(kiosk/flows/stages); a presenter only reads the wizard data and the `ViewContext`, never
calls a service, and puts in the view model only what the holder may see on screen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kiosk import i18n
from kiosk.flows.messages import Message, message
from kiosk.flows.wizard import Choice, Data
from kiosk.services.api import (
    Certificate,
    CertStatus,
    CertType,
    EmailStatus,
    Renewal,
    Submission,
)

# Card fields in the order the seed's cards show them (SPEC "Certificates"): view key ->
# catalog id of its label (the texts, per language, are in the gettext catalog).
CARD_FIELDS: tuple[tuple[str, str], ...] = (
    ("type", "card.type"),
    ("serial", "card.serial"),
    ("expiry", "card.expiry"),
    ("status", "card.status"),
    ("holder_name", "card.holder"),
    ("email", "card.email"),
    ("org_name", "card.org"),
    ("department", "card.department"),
    ("position", "card.position"),
    ("transaction_limit", "card.limit"),
    ("agent_qualification", "card.agent"),
)

# The language of the view being presented: `present` sets it, so a presenter's
# `certificate_view(cert)` and `TYPE_LABELS[...]` speak the holder's language without every
# stage passing it along (a contextvar, not a global: each flow call has its own).
_VIEW_LANG: ContextVar[str] = ContextVar("view_lang", default=i18n.DEFAULT_LANG)


class _Labels(Mapping[Any, str]):
    """Value -> its catalog label (`<prefix>.<value>`) in the language of the view."""

    def __init__(self, prefix: str, values: tuple[str, ...]) -> None:
        self._prefix = prefix
        self._values = values

    def label(self, key: object, lang: str | None = None) -> str:
        value = str(getattr(key, "value", key))
        if value not in self._values:
            raise KeyError(key)
        return i18n.text(f"{self._prefix}.{value}", lang or _VIEW_LANG.get())

    def __getitem__(self, key: object) -> str:
        return self.label(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


TYPE_LABELS = _Labels("type", tuple(t.value for t in CertType))
STATUS_LABELS = _Labels("status", tuple(s.value for s in CertStatus))


def card_field_labels(lang: str | None = None) -> tuple[tuple[str, str], ...]:
    """(view key, label in `lang`, or in the view's language) in the cards' order."""
    return tuple((key, i18n.text(msg_id, lang or _VIEW_LANG.get())) for key, msg_id in CARD_FIELDS)


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


def certificate_view(cert: Certificate, lang: str | None = None) -> dict[str, object]:
    """A certificate card's data; its labels in `lang`, by default the view's language."""
    lang = lang or _VIEW_LANG.get()
    view: dict[str, object] = {
        "cert_id": cert.cert_id,
        "type": cert.type.value,
        "type_label": TYPE_LABELS.label(cert.type, lang),
        "cloud": cert.cloud,
        "serial": cert.serial,
        "expiry": cert.expiry.isoformat(),
        "status": cert.status.value,
        "status_label": STATUS_LABELS.label(cert.status, lang),
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
        # R7: verified more than 30 days ago: no longer counts, verify again.
        "stale": e.verified_at is None and e.expired_verified_at is not None,
        "expired_verified_at": iso(e.expired_verified_at),
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
        token = _VIEW_LANG.set(ctx.lang)
        try:
            step_present(ctx, data, out, msgs)
        finally:
            _VIEW_LANG.reset(token)
    return out, msgs


def says(*message_ids: str) -> Present:
    """A step that only shows fixed messages."""

    def show(ctx: ViewContext, data: Data, out: Out, msgs: Msgs) -> None:
        msgs.extend(message(i) for i in message_ids)

    return show


# --- the steps, in the order a holder meets them -------------------------------------------


def staff(ctx: ViewContext, data: Data, out: Out, msgs: Msgs) -> None:
    reference = ctx.renewal_id or "-"
    out["reference"] = reference
    out["handoff_code"] = data.get("handoff_code")
    msgs.append(message("staff.handoff", reference=reference))
