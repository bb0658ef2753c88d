"""Controls of the sandbox backend (`/sandbox/v1`): outbox, clock, reset, demo holders.

Used by the headless walkthrough and by tests to read the codes the sandbox "emailed" or
"texted", the way a tester at a demo reads them from the outbox page. A production kiosk
never has a sandbox URL and never builds this client.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import requests

from kiosk.services import parse
from kiosk.services.http import JsonHttpClient, MalformedResponse

Channel = Literal["email", "sms"]

# The seed's code email says "驗證碼：730178"; the SMS wording is the sandbox's own, so fall
# back to the first free-standing 6-digit number when no 驗證碼 label is found.
_LABELLED_CODE = re.compile(r"驗證碼\s*[：:]?\s*\**\s*(\d{6})(?!\d)")
_BARE_CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")

_CHANNEL_OF_KIND: dict[str, Channel] = {"email_code": "email", "sms_code": "sms"}


@dataclass(frozen=True)
class OutboxMessage:
    id: str
    channel: str  # "email" | "sms"
    kind: str  # renewal_due | email_code | reauth_needed | renewal_completed | sms_code
    to: str
    subject: str | None
    body: str
    sent_at: datetime


def _message(data: Any) -> OutboxMessage:
    d = parse.obj(data)
    raw_id = d["id"]
    if isinstance(raw_id, bool) or not isinstance(raw_id, str | int):
        raise MalformedResponse("id: expected a string or integer")
    return OutboxMessage(
        id=str(raw_id),
        channel=parse.req_str(d, "channel"),
        kind=parse.req_str(d, "kind"),
        to=parse.req_str(d, "to"),
        subject=parse.opt_str(d, "subject"),
        body=parse.req_str(d, "body"),
        sent_at=parse.parse_time(d["sent_at"]),
    )


def _messages(data: Any) -> list[OutboxMessage]:
    return [_message(m) for m in parse.req_list(parse.obj(data), "messages")]


def _now(data: Any) -> datetime:
    return parse.parse_time(parse.obj(data)["now"])


def _masked(mobile: str) -> str:
    digits = mobile.replace(" ", "")
    return f"{digits[:4]} ****{digits[-4:]}"


def _listing(key: str) -> Callable[[Any], list[dict[str, Any]]]:
    def parse_listing(data: Any) -> list[dict[str, Any]]:
        # The listing is the sandbox's sheet for testers; only its outer shape is checked.
        d = data.get(key) if isinstance(data, dict) else data
        if not isinstance(d, list) or not all(isinstance(h, dict) for h in d):
            raise MalformedResponse(f"expected a list of {key}")
        return [dict(h) for h in d]

    return parse_listing


def extract_code(text: str) -> str | None:
    """The 6-digit code of an email_code email or sms_code SMS body, or None."""
    m = _LABELLED_CODE.search(text) or _BARE_CODE.search(text)
    return m.group(1) if m else None


class SandboxAdmin(JsonHttpClient):
    def __init__(
        self, sandbox_url: str, session: requests.Session | None = None, timeout_s: float = 10.0
    ) -> None:
        super().__init__(sandbox_url, session, timeout_s)

    def outbox(
        self, to: str | None = None, channel: Channel | None = None, kind: str | None = None
    ) -> list[OutboxMessage]:
        """Messages sent so far, oldest first (the sandbox lists the newest last)."""
        params = {k: v for k, v in (("to", to), ("channel", channel), ("kind", kind)) if v}
        return self.get("/outbox", params=params, parse=_messages)

    def latest_code(
        self, to: str | None, kind: str = "email_code", *, mobile_masked: str | None = None
    ) -> str:
        """The code in the newest `kind` message to `to` (None: to anybody; with
        `mobile_masked`, "+853 ****0001" as the e-ID shows it, to that mobile only).

        `kind` is "email_code" (R8) or "sms_code" (e-ID sign-in and identification).
        Raises LookupError when no such message holds a code.
        """
        channel = _CHANNEL_OF_KIND.get(kind)
        if channel is None:
            raise ValueError(f"{kind!r} messages carry no code")
        for message in reversed(self.outbox(to=to, channel=channel, kind=kind)):
            # Filter again locally: a sandbox that ignores a query parameter must not make
            # a tester type another holder's code.
            if message.kind != kind or (to is not None and message.to != to):
                continue
            if mobile_masked is not None and _masked(message.to) != mobile_masked:
                continue
            code = extract_code(message.body)
            if code is not None:
                return code
        raise LookupError(f"no {kind} message with a code in the outbox")

    def now(self) -> datetime:
        return self.get("/clock", parse=_now)

    def advance_clock(self, seconds: float) -> datetime:
        """Moves the sandbox's clock forward (expiring codes, R1 sweeps) and returns it."""
        return self.post("/clock/advance", json={"seconds": seconds}, parse=_now)

    def reset(self) -> None:
        self.post("/reset", parse=parse.ignore)

    def holders(self) -> list[dict[str, Any]]:
        """The seeded demo holders, as the sandbox lists them for testers (holder_id,
        id_number, face, cloud_password, certificates…)."""
        return self.get("/holders", parse=_listing("holders"))

    def staff(self) -> list[dict[str, Any]]:
        """The demo counter accounts (username, password, display_name)."""
        return self.get("/holders", parse=_listing("staff"))

    def revoke_certificate(self, cert_id: str) -> None:
        """Stands in for the registry's revocation page that R20 links to."""
        self.post(
            "/certificates/{cert_id}/revoke", path_params={"cert_id": cert_id}, parse=parse.ignore
        )

    def expire_id_card(self, holder_id: str) -> None:
        """The bureau's ID card of the holder expired yesterday (R21)."""
        self.post(
            "/holders/{holder_id}/id-card/expire",
            path_params={"holder_id": holder_id},
            parse=parse.ignore,
        )

    def change_certificate_data(self, cert_id: str) -> None:
        """The institution changed the certificate's data (R20)."""
        self.post(
            "/certificates/{cert_id}/change-data",
            path_params={"cert_id": cert_id},
            parse=parse.ignore,
        )

    def register_face(self, holder_id: str, jpeg: bytes) -> None:
        self.post(
            "/holders/{holder_id}/face",
            path_params={"holder_id": holder_id},
            json={"photo_jpeg_b64": base64.b64encode(jpeg).decode("ascii")},
            parse=parse.ignore,
        )
