"""電子簽名服務: the e-signature client for `/esign/v1` (docs/api.md)."""

from __future__ import annotations

from kiosk.services import parse
from kiosk.services.api import HolderSession, Signature
from kiosk.services.http import JsonHttpClient


class ESignClient(JsonHttpClient):
    """Implements `kiosk.services.api.ESign` over HTTP."""

    def sign(self, session: HolderSession, assertion: str, document_id: str) -> Signature:
        # R16: the very-high e-ID assertion authorises signing this one document as the holder.
        return self.post(
            "/signatures",
            json={"assertion": assertion, "document_id": document_id},
            token=session.token,
            parse=parse.signature,
        )
