"""Strong e-ID (電子身份識別, very high): the client for `/eid/v1` (docs/api.md)."""

from __future__ import annotations

import base64

from kiosk.services import parse
from kiosk.services.api import BytesLike, EidAssertion, EidChallenge, HolderSession
from kiosk.services.http import JsonHttpClient


class EidClient(JsonHttpClient):
    """Implements `kiosk.services.api.StrongEid` over HTTP.

    No call here is retried: each one sends an SMS or spends a one-time code.
    """

    def start_login(self, id_number: str) -> EidChallenge:
        return self.post(
            "/login/start", json={"id_number": id_number}, parse=parse.eid_challenge
        )

    def complete_login(self, challenge_id: str, sms_code: str) -> HolderSession:
        return self.post(
            "/login/complete",
            json={"challenge_id": challenge_id, "sms_code": sms_code},
            parse=parse.holder_session,
        )

    def start_challenge(self, session: HolderSession, purpose: str) -> EidChallenge:
        """R15: `purpose` is ``renewal:<renewal_id>``; 403 AC-AB-0021 without the tool."""
        return self.post(
            "/challenges", json={"purpose": purpose}, token=session.token,
            parse=parse.eid_challenge,
        )

    def verify_challenge(
        self, session: HolderSession, challenge_id: str, sms_code: str, face_jpeg: BytesLike
    ) -> EidAssertion:
        """`face_jpeg` is read in place (bytes-like, not copied); its base64 text in the
        request body is transient and cannot be wiped."""
        return self.post(
            "/challenges/{cid}/verify",
            path_params={"cid": challenge_id},
            json={
                "sms_code": sms_code,
                "face_jpeg_b64": base64.b64encode(face_jpeg).decode("ascii"),
            },
            token=session.token,
            parse=parse.eid_assertion,
        )
