"""schemathesis auth hook (loaded with SCHEMATHESIS_HOOKS): every generated request goes out
signed in, as staff for the counter's calls and as a holder for the rest, so the fuzzing
reaches past 401 into each operation's own checks. Tokens come from the sandbox's own sign-in
calls (e-ID with the SMS code from the outbox; staff login)."""

from __future__ import annotations

import os
from typing import Any

import requests
import schemathesis

from tests.sandbox.helpers import walk

BASE = os.environ.get("KIOSK_SCHEMATHESIS_BASE", "")
STAFF_PATHS = ("/registry/v1/staff/", "/registry/v1/receipts")
LOGOUT = "/registry/v1/staff/logout"


def _staff_token() -> str:
    r = requests.post(
        f"{BASE}/registry/v1/staff/login",
        json={"username": "staff01", "password": "counter-demo-1"},
        timeout=30,
    )
    r.raise_for_status()
    return str(r.json()["staff_token"])


@schemathesis.auth(refresh_interval=120)
class SignedIn:
    def get(self, case: Any, ctx: Any) -> dict[str, str]:
        return {"holder": walk(BASE, "H-ABC").token, "staff": _staff_token()}

    def set(self, case: Any, data: dict[str, str], ctx: Any) -> None:
        who = "staff" if case.path.startswith(STAFF_PATHS) else "holder"
        token = data[who]
        if case.path == LOGOUT:  # a session of its own: the shared one stays signed in
            token = _staff_token()
        case.headers = dict(case.headers or {})
        case.headers.setdefault("Authorization", f"Bearer {token}")
