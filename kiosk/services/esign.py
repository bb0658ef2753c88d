"""電子簽名服務: the e-signature client for `/esign/v1` (docs/api.md)."""

from __future__ import annotations

from kiosk.services import parse
from kiosk.services.api import HolderSession, Signature
from kiosk.services.http import JsonHttpClient


class ESignClient(JsonHttpClient):
    """Implements `kiosk.services.api.ESign` over HTTP."""

    def sign(
        self,
        session: HolderSession,
        assertion: str,
        document_id: str,
        idempotency_key: str | None = None,
    ) -> Signature:
        # R16: the very-high e-ID assertion authorises signing this one document as the holder.
        # The assertion is spent by the first signature: only the key makes a retry after a
        # lost answer possible (the service answers the first signature again).
        return self.post(
            "/signatures",
            json={"assertion": assertion, "document_id": document_id},
            token=session.token,
            idempotency_key=idempotency_key,
            parse=parse.signature,
        )
