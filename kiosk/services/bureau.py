"""身份證明局: the identification bureau client (docs/api.md, `/bureau/v1`)."""

from __future__ import annotations

import base64

from kiosk.services import parse
from kiosk.services.api import BytesLike, Consent, FaceMatch, HolderSession
from kiosk.services.http import JsonHttpClient


class BureauClient(JsonHttpClient):
    """Implements `kiosk.services.api.Bureau` over HTTP."""

    def consent(self, session: HolderSession, renewal_id: str) -> Consent:
        # R9: the holder ticked the consent box; only now may the bureau's data be fetched.
        return self.post(
            "/consents",
            json={"renewal_id": renewal_id, "accepted": True},
            token=session.token,
            parse=parse.consent,
        )

    def match_face(
        self,
        session: HolderSession,
        renewal_id: str,
        consent_token: str,
        photo_jpeg: BytesLike,
    ) -> FaceMatch:
        """R12: raises ValidationFailed AC-AB-0019 below the threshold (details: score).

        `photo_jpeg` is read in place (bytes, bytearray or memoryview), never copied here;
        its base64 text in the request body is transient and cannot be wiped."""
        return self.post(
            "/face-match",
            json={
                "renewal_id": renewal_id,
                "consent_token": consent_token,
                "photo_jpeg_b64": base64.b64encode(photo_jpeg).decode("ascii"),
            },
            token=session.token,
            parse=parse.face_match,
        )
