"""Helpers: drive the real RenewalFlow against the sandbox over HTTP on 127.0.0.1, no Qt.

A `Counter` is what stands at the kiosk in a test: the flow (real clients, a real SQLite
journal in a temp dir), the tester's sandbox controls (outbox, clock) and the seeded holders'
sheets. `to(step)` answers every step the way a holder would until `step` is current.
"""

from __future__ import annotations

import json
from collections.abc import Callable
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
    """`kiosk_url`: where the kiosk's clients go (a misbehaving proxy in front of the sandbox),
    with `timeout_s`; the tester's outbox and clock always go straight to `base_url`."""

    def __init__(
        self,
        base_url: str,
        db: Path,
        caps: RetryCaps | None = None,
        kiosk_url: str | None = None,
        timeout_s: float = 30.0,
    ) -> None:
        self.base_url = base_url
        self.config = BackendConfig.for_sandbox(base_url, timeout_s=30.0)
        kiosk = BackendConfig.for_sandbox(kiosk_url or base_url, timeout_s=timeout_s)
        self.services: Services = build_services(kiosk)
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
        """The right answer to a step, as a holder reading the outbox would give it: the
        step's entry in `ANSWERS`; a step not in the table is answered with {} (a check, a
        notice, 下一步)."""
        answer = ANSWERS.get(view.step_id)
        return answer(self, view) if answer is not None else {}

    def at(self, holder_id: str, step: str, flow: RenewalFlow | None = None) -> StepView:
        """Signs `holder_id` in and answers rightly until `step` is current."""
        self.sign_in(holder_id, flow)
        return self.to(step, flow)

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


def past_step1(view: StepView, flow: RenewalFlow) -> StepView:
    """R7: a renewal picked up again shows step 1's list first, every address 已驗證 with
    its time and 下一步; presses 下一步 and returns where that leads."""
    assert view.step_id == "emails" and view.error is None, view
    emails = data(view)["emails"]
    assert emails and all(e["verified"] and e["verified_at"] for e in emails), emails
    assert data(view)["all_verified"] is True
    assert "email.all_verified" in ids(view)
    return flow.submit({})


def email_code_requested(counter: Counter, holder_id: str = "H-SINGLE") -> tuple[StepView, str]:
    """Signs `holder_id` in, goes to step 1's code page and asks for a code: the view after
    the request and the code the outbox holds for that address."""
    counter.at(holder_id, "email_code")
    view = counter.flow.submit({"action": "request"})
    return view, counter.admin.latest_code(str(data(view)["address"]), "email_code")


def another_code(code: str) -> str:
    """A well-formed six-digit code that is not `code` (a wrong one)."""
    return f"{(int(code) + 1) % 1_000_000:06d}"


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


# --- the right answer per step id (issue 7: a table, not an if-chain) ---------------------

Answer = Callable[[Counter, StepView], dict[str, object]]


def _emails(c: Counter, view: StepView) -> dict[str, object]:
    todo = [e["address"] for e in data(view)["emails"] if not e["verified"]]
    return {"address": todo[0]} if todo else {}


def _email_code(c: Counter, view: StepView) -> dict[str, object]:
    d = data(view)
    if not d.get("code_sent"):
        return {"action": "request"}
    return {"code": c.admin.latest_code(str(d["address"]), "email_code")}


def _agree(c: Counter, view: StepView) -> dict[str, object]:
    return {"agree": True}


def _photo(c: Counter, view: StepView) -> dict[str, object]:
    return {"photo_jpeg": bytearray(c.photo())}


def _eid(c: Counter, view: StepView) -> dict[str, object]:
    if "mobile_masked" not in data(view):
        return {"action": "request"}
    return {
        "sms_code": c.admin.latest_code(None, "sms_code"),
        "face_jpeg": bytearray(c.photo()),
    }


def _select_all(c: Counter, view: StepView) -> dict[str, object]:
    return {"cert_ids": "all"}


def _activation_form(c: Counter, view: StepView) -> dict[str, object]:
    if "password_confirm" in view.inputs:  # R22: a new password, confirmed
        return {
            "password": "New-secret-2026",
            "password_confirm": "New-secret-2026",
            "revocation_phrase": PHRASE,
        }
    return {"password": PASSWORD, "revocation_phrase": PHRASE}


ANSWERS: dict[str, Answer] = {
    "emails": _emails,
    "email_code": _email_code,
    "consent": _agree,
    "declaration": _agree,
    "photo": _photo,
    "eid": _eid,
    "activation_select": _select_all,
    "activation_form": _activation_form,
}
