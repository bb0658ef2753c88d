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

__all__ = [
    "AFTER_STEP1_TARGETS",
    "STANDING",
    "after_step1",
    "after_submit",
    "load_standing",
    "where_it_stands",
]


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
    if renewal.offline_pending and not (renewal.identity_pending or renewal.activation_pending):
        # R2: verified, non-cloud only: the pending list with 待線下辦理 and the queue slip.
        return "offline_queue"
    if p.submitted or (not renewal.identity_pending and renewal.activation_pending):
        return after_submit(data)
    if not renewal.identity_pending:
        return "nothing_pending"
    if (p.emails_verified or p.face_passed or p.declaration_accepted or p.signed
            or standing.get("step") not in ("pending", "routing")):
        # R7: a renewal picked up again shows step 1's list first (each address 已驗證 and
        # when, or to verify again after 30 days); its 下一步 leads on (`after_step1`).
        return "emails"
    return "pending"


def after_step1(data: Data) -> str:
    """Where 下一步 on step 1's list leads, every address verified: on from what the
    registry confirmed (`data["renewal"]`, read again by that 下一步), no side effect."""
    p = data["renewal"].progress
    if p.signed and data.get("signature_journaled"):
        return "review"
    if p.declaration_accepted:
        return "eid"
    if p.face_passed:
        return "confirm"
    # The consent token lives in memory only: a resumed renewal asks for consent again.
    return "consent"


AFTER_STEP1_TARGETS = ("review", "eid", "confirm", "consent")


STANDING = Choice(
    "where_it_stands",
    where_it_stands,
    (
        "activation_progress",
        "nothing_pending",
        *AFTER_SUBMIT.targets,
        "offline_queue",
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
