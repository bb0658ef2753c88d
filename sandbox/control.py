"""Sandbox controls (/sandbox/v1): outbox, clock, reset, demo holders, a tester's own face.

These exist only in the sandbox: they let tests and demo testers read what was "emailed",
cross 300 s or 30 days honestly, and start again from the seeded holders.
"""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from sandbox import models as m
from sandbox import texts
from sandbox.bureau import decode_jpeg, score_faces
from sandbox.core import State, Tx, get_state, iso, tx
from sandbox.errors import ApiError
from sandbox.registry import certs_of
from sandbox.schemas import AdvanceIn, FaultsIn, PhotoIn
from sandbox.seed import STAFF, listing

router = APIRouter(prefix="/sandbox/v1", tags=["sandbox"])
pages = APIRouter(prefix="/sandbox", tags=["sandbox"], include_in_schema=False)

DUE_WINDOW = timedelta(days=30)  # R1


def due_notice_sweep(t: Tx) -> int:
    """R1: once per confirmed renewal, 30 days before a valid certificate's expiry."""
    today = t.now.date()
    sent = 0
    for r in t.s.scalars(select(m.Renewal).where(m.Renewal.due_notice_sent_at.is_(None))):
        due = [
            c
            for c in certs_of(t, r)
            if c.status == "valid"
            and c.state != "renewed"
            and today <= c.expiry <= today + DUE_WINDOW
        ]
        if not due:
            continue
        holder = t.s.get(m.Holder, r.holder_id)
        assert holder is not None
        subject, body = texts.renewal_due(holder.name)
        for address in dict.fromkeys(c.email for c in due):
            t.send("email", "renewal_due", address, subject, body)
        r.due_notice_sent_at = t.now
        sent += 1
    return sent


def _messages(t: Tx, to: str | None, channel: str | None, kind: str | None) -> list[dict[str, Any]]:
    q = select(m.OutboxMessage).order_by(m.OutboxMessage.id)
    if to:
        q = q.where(m.OutboxMessage.to == to.strip().lower())
    if channel:
        q = q.where(m.OutboxMessage.channel == channel)
    if kind:
        q = q.where(m.OutboxMessage.kind == kind)
    out = []
    for row in t.s.scalars(q):
        body = t.state.decrypt(row.body_enc)
        out.append(
            {
                "id": row.id,
                "channel": row.channel,
                "kind": row.kind,
                "to": row.to,
                "subject": row.subject,
                "body": body if body is not None else "(sent before the sandbox restarted)",
                "sent_at": iso(row.sent_at),
            }
        )
    return out


@router.get("/outbox")
def outbox(
    request: Request,
    to: str | None = Query(None, max_length=254),
    channel: str | None = Query(None, pattern="^(email|sms)$"),
    kind: str | None = Query(None, max_length=40),
) -> dict[str, Any]:
    with tx(request) as t:
        return {"messages": _messages(t, to, channel, kind)}


@router.get("/clock")
def clock(request: Request) -> dict[str, Any]:
    with tx(request) as t:
        return {"now": iso(t.now)}


@router.post("/clock/advance")
def advance(body: AdvanceIn, request: Request) -> dict[str, Any]:
    with tx(request) as t:
        t.state.advance_clock(t.s, body.seconds)
        t.now = t.state.now(t.s)
        notices = due_notice_sweep(t)
        t.swept = True  # recorded as the last sweep once this transaction commits
        return {"now": iso(t.now), "due_notices_sent": notices}


@router.post("/reset")
def reset(request: Request) -> dict[str, Any]:
    get_state(request).reset()
    return {"ok": True}


@router.post("/faults")
def set_faults(body: FaultsIn, request: Request) -> dict[str, Any]:
    state = get_state(request)
    with state.lock:
        state.faults.update(body.model_dump())
        return dict(state.faults)


@router.get("/holders")
def holders(request: Request) -> dict[str, Any]:
    staff = [{"username": u, "password": p, "display_name": n} for u, (p, n) in STAFF.items()]
    return {"holders": listing(get_state(request).settings.bench_holders), "staff": staff}


def register_own_face(
    state: State, holder_id: str, photo: bytes, *, keep_over_reset: bool = False
) -> None:
    """Makes `photo` the holder's registered face, in memory only."""
    with state.lock, state.sessions() as s:
        holder = s.get(m.Holder, holder_id)
        if holder is None:
            raise ApiError("AC-AB-0002")
        if s.get(m.BureauRecord, holder.id_number) is None:
            raise ApiError("AC-AB-0017", {"reason": "no bureau record for this document"})
    score_faces(photo, photo)  # refuses a photo without exactly one face
    with state.lock:
        state.own_faces[holder_id] = photo
        if keep_over_reset:
            state.startup_faces[holder_id] = photo


@router.post("/holders/{holder_id}/face")
def register_face(holder_id: str, body: PhotoIn, request: Request) -> dict[str, Any]:
    register_own_face(get_state(request), holder_id, decode_jpeg(body.photo_jpeg_b64))
    return {"holder_id": holder_id}


@router.delete("/holders/{holder_id}/face")
def forget_face(holder_id: str, request: Request) -> dict[str, Any]:
    state = get_state(request)
    with state.lock:
        state.own_faces.pop(holder_id, None)
        state.startup_faces.pop(holder_id, None)
    return {"holder_id": holder_id}


def _certificate(t: Tx, cert_id: str) -> m.Certificate:
    c = t.s.get(m.Certificate, cert_id)
    if c is None:
        raise ApiError("AC-AB-0003", {"cert_id": cert_id})
    return c


@router.post("/certificates/{cert_id}/revoke")
def revoke(cert_id: str, request: Request) -> dict[str, Any]:
    """Stands in for the external revocation page of R20."""
    with tx(request) as t:
        c = _certificate(t, cert_id)
        c.status = "revoked"
        return {"cert_id": cert_id, "status": c.status}


@router.post("/holders/{holder_id}/id-card/expire")
def expire_id_card(holder_id: str, request: Request) -> dict[str, Any]:
    """The bureau's card of this holder expired yesterday (R21 at any moment, e.g. between
    the pre-activation check and the activation)."""
    with tx(request) as t:
        holder = t.s.get(m.Holder, holder_id)
        b = t.s.get(m.BureauRecord, holder.id_number) if holder is not None else None
        if b is None:
            raise ApiError("AC-AB-0002")
        b.doc_expiry = t.now.date() - timedelta(days=1)
        return {"holder_id": holder_id, "expiry": b.doc_expiry.isoformat()}


@router.post("/certificates/{cert_id}/change-data")
def change_certificate_data(cert_id: str, request: Request) -> dict[str, Any]:
    """The institution changed this certificate's data (R20 at any moment)."""
    with tx(request) as t:
        c = _certificate(t, cert_id)
        c.data_changed = True
        return {"cert_id": cert_id, "data_changed": True}


_STYLE = (
    "body{font-family:sans-serif;margin:2em;max-width:60em}"
    "article{border:1px solid #ccc;border-radius:6px;padding:1em;margin:1em 0}"
    "pre{white-space:pre-wrap;font-size:1.05em}h1{font-size:1.4em}"
)


@pages.get("/outbox", response_class=HTMLResponse)
def outbox_page(request: Request) -> HTMLResponse:
    with tx(request) as t:
        msgs = list(reversed(_messages(t, None, None, None)))
    parts = [
        f"<!doctype html><html lang='zh-Hant'><head><meta charset='utf-8'>"
        f"<meta http-equiv='refresh' content='5'><title>Sandbox outbox</title>"
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>Sandbox outbox ({len(msgs)} messages, newest first)</h1>",
    ]
    for msg in msgs:
        parts.append(
            "<article>"
            f"<p><b>{html.escape(msg['channel'])} · {html.escape(msg['kind'])}</b> "
            f"to {html.escape(msg['to'])} at {html.escape(msg['sent_at'] or '')}</p>"
            f"<p><b>{html.escape(msg['subject'])}</b></p>"
            f"<pre>{html.escape(msg['body'])}</pre></article>"
        )
    parts.append("</body></html>")
    return HTMLResponse("".join(parts))


@pages.get("/revoke/{cert_id}", response_class=HTMLResponse)
def revoke_page(cert_id: str) -> HTMLResponse:
    cid = html.escape(cert_id)
    return HTMLResponse(
        f"<!doctype html><html><head><meta charset='utf-8'><title>Revoke {cid}</title>"
        f"<style>{_STYLE}</style></head><body><h1>Digital ID Services (sandbox)</h1>"
        f"<p>Certificate {cid}</p><form method='post' action='/sandbox/revoke/{cid}'>"
        f"<button type='submit'>Revoke</button></form></body></html>"
    )


@pages.post("/revoke/{cert_id}", response_class=HTMLResponse)
def revoke_form(cert_id: str, request: Request) -> HTMLResponse:
    revoke(cert_id, request)
    return HTMLResponse(
        f"<!doctype html><html><head><meta charset='utf-8'></head><body>"
        f"<p>{html.escape(cert_id)}: revoked.</p></body></html>"
    )
