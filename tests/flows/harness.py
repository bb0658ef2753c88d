"""Helpers: drive the real RenewalFlow against the sandbox over HTTP on 127.0.0.1, no Qt.

A `Counter` is what stands at the kiosk in a test: the flow (real clients, a real SQLite
journal in a temp dir), the tester's sandbox controls (outbox, clock) and the seeded holders'
sheets. `to(step)` answers every step the way a holder would until `step` is current.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kiosk.config import BackendConfig
from kiosk.flows.renewal import RenewalFlow, RetryCaps, StepView
from kiosk.services.api import Services
from kiosk.services.factory import build_sandbox_admin, build_services, close_services
from kiosk.services.sandbox_admin import SandboxAdmin
from kiosk.store import SqlJournal
from sandbox.faces import live_photo

PASSWORD = "Cloud-demo-1"
PHRASE = "Revoke2026demo"

# The normal path, in the order the flow reaches it.
ORDER = (
    "sign_in",
    "sign_in_code",
    "pending",
    "emails",
    "email_code",
    "consent",
    "photo",
    "face_result",
    "confirm",
    "declaration",
    "eid",
    "signed",
    "review",
    "submitted",
    "activation_select",
    "activation_form",
    "done",
)


class Counter:
    def __init__(self, base_url: str, db: Path, caps: RetryCaps | None = None) -> None:
        self.base_url = base_url
        self.config = BackendConfig.for_sandbox(base_url, timeout_s=30.0)
        self.services: Services = build_services(self.config)
        admin = build_sandbox_admin(self.config)
        assert admin is not None
        self.admin: SandboxAdmin = admin
        self.db = db
        self.journal = SqlJournal(f"sqlite:///{db}")
        self.caps = caps or RetryCaps()
        self.flow = self.new_flow()
        self.holder_id = ""

    def new_flow(self, lang: str = "zh-Hant") -> RenewalFlow:
        """A fresh kiosk process: nothing in memory, the same journal file and backend."""
        journal = SqlJournal(f"sqlite:///{self.db}")
        return RenewalFlow(self.services, journal, lang=lang, caps=self.caps, sleep=_short)

    def sheet(self, holder_id: str) -> dict[str, Any]:
        for h in self.admin.holders():
            if h["holder_id"] == holder_id:
                return dict(h)
        raise LookupError(holder_id)

    def photo(self, holder_id: str | None = None) -> bytes:
        return live_photo(str(self.sheet(holder_id or self.holder_id)["face"]))

    def sign_in(self, holder_id: str, flow: RenewalFlow | None = None) -> StepView:
        self.holder_id = holder_id
        flow = flow or self.flow
        view = flow.sign_in_start(str(self.sheet(holder_id)["id_number"]))
        assert view.step_id == "sign_in_code", view
        return flow.sign_in_complete(self.admin.latest_code(None, "sms_code"))

    def answer(self, view: StepView) -> dict[str, object]:
        """The right answer to a step, as a holder reading the outbox would give it."""
        d: Any = view.data
        step = view.step_id
        if step == "emails":
            todo = [e["address"] for e in d["emails"] if not e["verified"]]
            return {"address": todo[0]} if todo else {}
        if step == "email_code":
            if not d.get("code_sent"):
                return {"action": "request"}
            return {"code": self.admin.latest_code(str(d["address"]), "email_code")}
        if step in ("consent", "declaration"):
            return {"agree": True}
        if step == "photo":
            return {"photo_jpeg": bytearray(self.photo())}
        if step == "eid":
            if "mobile_masked" not in d:
                return {"action": "request"}
            return {
                "sms_code": self.admin.latest_code(None, "sms_code"),
                "face_jpeg": bytearray(self.photo()),
            }
        if step == "activation_select":
            return {"cert_ids": "all"}
        if step == "activation_form":
            answer: dict[str, object] = {"password": PASSWORD, "revocation_phrase": PHRASE}
            if "password_confirm" in view.inputs:
                answer = {
                    "password": "New-secret-2026",
                    "password_confirm": "New-secret-2026",
                    "revocation_phrase": PHRASE,
                }
            return answer
        return {}

    def to(self, step: str, flow: RenewalFlow | None = None, limit: int = 60) -> StepView:
        """Answers steps rightly until `step` is current (or the flow ends)."""
        flow = flow or self.flow
        view = flow.current
        for _ in range(limit):
            if view.step_id == step or view.is_last:
                return view
            view = flow.submit(self.answer(view))
            assert view.error is None, (view.step_id, view.error)
            json.dumps(view.data)  # the view model is JSON-able at every step
        raise AssertionError(f"never reached {step}; at {view.step_id}")

    def close(self) -> None:
        close_services(self.services)
        self.admin.close()


def _short(seconds: float) -> None:
    import time

    time.sleep(min(seconds, 0.1))


def ids(view: StepView) -> list[str]:
    return [m.id for m in view.messages]


def texts(view: StepView, lang: str = "zh-Hant") -> list[str]:
    return [m.text(lang) for m in view.messages]


def data(view: StepView) -> Any:
    """The view model, untyped: tests index into it as the UI's templates do."""
    return view.data


def refused_at(
    counter: Counter, holder_id: str, towards: str, step_id: str, title: str, help_code: str
) -> StepView:
    """Signs `holder_id` in and answers rightly towards `towards`; the flow must stop at the
    refusal `step_id`, its first text `title` (zh-Hant) with `help_code` on its message."""
    counter.sign_in(holder_id)
    view = counter.to(towards)
    assert view.step_id == step_id and view.outcome == "refused", view
    assert texts(view)[0] == title
    assert any(m.help_code == help_code for m in view.messages[:2]), view.messages
    return view
