"""Where a holder's renewal stands when they sign in: resume (R7, R26) from the backend and
the journal.

The registry is the authority on what was done; the journal adds what only the kiosk
knows (idempotency keys, the signature and the activation job). `load_standing` is the
side effect (read the renewal, adopt or open the journal entry, recover a lost job); the
navmap's `STANDING` choice reads what it found and names the step.
"""

from __future__ import annotations

from kiosk.flows.context import FlowContext
from kiosk.flows.journal import JournalEntry
from kiosk.flows.views import AFTER_SUBMIT, after_submit
from kiosk.flows.wizard import Choice, Data
from kiosk.services.errors import NothingPending

__all__ = ["STANDING", "after_submit", "load_standing", "where_it_stands"]


def load_standing(ctx: FlowContext, data: Data) -> None:
    """Reads where this holder's renewal stands into `data["standing"]` (and the renewal
    into `data["renewal"]`), from the backend and the journal."""
    session = ctx.holder()
    entry = ctx.journal.open_entry(session.holder_id)
    try:
        renewal = ctx.call(
            "registry.current_renewal", ctx.services.registry.current_renewal, session
        )
    except NothingPending:
        data.pop("renewal", None)
        standing: dict[str, object] = {"pending": False}
        if entry is not None:
            ctx.entry = entry
            recover_job(ctx, data, entry)
            if not entry.job_id:
                ctx.journal.finish(entry.holder_id, entry.renewal_id, "abandoned")
            # Nothing pending any more: the activation we started may have finished.
            standing["job_id"] = entry.job_id
        data["standing"] = standing
        return
    if entry is not None and entry.renewal_id != renewal.renewal_id:
        ctx.journal.finish(entry.holder_id, entry.renewal_id, "abandoned")
        entry = None
    if entry is None:
        certs = renewal.identity_pending + renewal.activation_pending + renewal.offline_pending
        entry = JournalEntry(
            holder_id=renewal.holder_id,
            renewal_id=renewal.renewal_id,
            step="pending",
            cert_ids=tuple(c.cert_id for c in certs),
        )
        ctx.journal.save(entry)
    ctx.entry = entry
    data["renewal"] = renewal
    if renewal.progress.submitted:
        recover_job(ctx, data, entry)
    if entry.activation_cert_ids and not entry.job_id:
        data["selected"] = list(entry.activation_cert_ids)
    data["standing"] = {
        "pending": True,
        "job_id": entry.job_id,
        "signature_id": entry.signature_id,
        "step": entry.step,
    }


def where_it_stands(data: Data) -> str:
    """The step to show for what `load_standing` found (no side effect)."""
    standing = data.get("standing") or {}
    if standing.get("job_id"):
        return "activation_progress"
    if not standing.get("pending"):
        return "nothing_pending"
    renewal = data["renewal"]
    p = renewal.progress
    if p.submitted or (not renewal.identity_pending and renewal.activation_pending):
        return after_submit(data)
    if not renewal.identity_pending:
        return "offline_done" if renewal.offline_pending else "nothing_pending"
    if p.signed and standing.get("signature_id"):
        return "review"
    if p.declaration_accepted:
        return "eid"
    if p.face_passed:
        return "confirm"
    if p.emails_verified:
        # The consent token lived in memory only: ask for consent again.
        return "consent"
    if standing.get("step") not in ("pending", "routing"):
        return "emails"
    return "pending"


STANDING = Choice(
    "where_it_stands",
    where_it_stands,
    (
        "activation_progress",
        "nothing_pending",
        *AFTER_SUBMIT.targets,
        "offline_done",
        "review",
        "eid",
        "confirm",
        "consent",
        "emails",
        "pending",
    ),
)


def recover_job(ctx: FlowContext, data: Data, entry: JournalEntry) -> None:
    """An activation was sent under a key (journaled before the call) but its job never
    reached the journal: the kiosk died, or the answer was lost and the holder left.
    Ask the registry for that job, so the holder sees it through to 成功激活 (R26)."""
    if entry.job_id or not entry.activation_key:
        return
    job = ctx.find_job(entry, entry.activation_cert_ids)
    if job is not None:
        ctx.record_job(data, job)
