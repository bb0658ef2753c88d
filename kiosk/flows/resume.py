"""Where a holder's renewal stands when they sign in: resume (R7, R26) from the backend and
the journal.

The registry is the authority on what was done; the journal adds what only the kiosk
knows (idempotency keys, the signature and the activation job). `route` answers the step
to show; `RenewalFlow` calls it from its `routing` step and after an R21 reverify.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.flows.journal import JournalEntry
from kiosk.flows.views import all_non_cloud, only_one_cloud_cert, submission_certs
from kiosk.flows.wizard import Data
from kiosk.services.errors import BackendError

if TYPE_CHECKING:
    from kiosk.flows.renewal import RenewalFlow


def after_submit(data: Data) -> str:
    """After 確認提交: offline only (R19), one cloud-sign certificate (R18), or a choice."""
    if all_non_cloud(data):
        return "offline_done"
    if only_one_cloud_cert(data):
        cloud, _ = submission_certs(data)
        data["selected"] = [cloud[0].cert_id]
        return "precheck"
    return "activation_select"


def route(flow: RenewalFlow, data: Data) -> str:
    """Where this holder's renewal stands, from the backend (the authority) and the
    journal (idempotency keys, the signature and the activation job)."""
    session = flow._sess()
    entry = flow.journal.open_entry(session.holder_id)
    try:
        renewal = flow._call(
            "registry.current_renewal", flow.services.registry.current_renewal, session
        )
    except BackendError as err:
        if err.help_code != "AC-AB-0003":
            raise
        if entry is not None:
            flow._entry = entry
            recover_job(flow, data, entry)
            if entry.job_id:
                # Nothing pending any more: the activation we started may have finished.
                return "activation_progress"
            flow.journal.finish(entry.holder_id, entry.renewal_id, "abandoned")
        return "nothing_pending"
    if entry is not None and entry.renewal_id != renewal.renewal_id:
        flow.journal.finish(entry.holder_id, entry.renewal_id, "abandoned")
        entry = None
    if entry is None:
        certs = renewal.identity_pending + renewal.activation_pending + renewal.offline_pending
        entry = JournalEntry(
            holder_id=renewal.holder_id,
            renewal_id=renewal.renewal_id,
            step="pending",
            cert_ids=tuple(c.cert_id for c in certs),
        )
        flow.journal.save(entry)
    flow._entry = entry
    data["renewal"] = renewal
    p = renewal.progress
    if p.submitted:
        recover_job(flow, data, entry)
    if entry.job_id:
        return "activation_progress"
    if p.submitted or (not renewal.identity_pending and renewal.activation_pending):
        if entry.activation_cert_ids:
            data["selected"] = list(entry.activation_cert_ids)
        return after_submit(data)
    if not renewal.identity_pending:
        return "offline_done" if renewal.offline_pending else "nothing_pending"
    if p.signed and entry.signature_id:
        return "review"
    if p.declaration_accepted:
        return "eid"
    if p.face_passed:
        return "confirm"
    if p.emails_verified:
        # The consent token lived in memory only: ask for consent again.
        return "consent"
    if entry.step not in ("pending", "routing"):
        return "emails"
    return "pending"


def recover_job(flow: RenewalFlow, data: Data, entry: JournalEntry) -> None:
    """An activation was sent under a key (journaled before the call) but its job never
    reached the journal: the kiosk died, or the answer was lost and the holder left.
    Ask the registry for that job, so the holder sees it through to 成功激活 (R26)."""
    if entry.job_id or not entry.activation_key:
        return
    job = flow._find_job(entry, entry.activation_cert_ids)
    if job is not None:
        flow._record_job(data, job)
