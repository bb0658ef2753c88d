"""What the desk remembers across a crash, per certificate, as a Protocol (kiosk/store
implements it beside the renewal journal).

References only: the registry's certificate id, the Idempotency-Key of the issuance call
(journaled BEFORE the call, like the activation's in kiosk/flows/renewal.py), the CKA_ID
of the key pair on the token and the token's label, the new serial once the certificate is
on the token. Never a PIN, an ID number, a name or a photo.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from kiosk.flows.journal import AuditSink

#: key_made: the key pair is on the token; issued: the registry issued (certificate known);
#: stored: the certificate is on the token and checked there (done).
STATES = ("new", "key_made", "issued", "stored")


@dataclass
class IssuanceRecord:
    cert_id: str
    renewal_id: str
    idempotency_key: str | None = None
    key_id: str | None = None  # CKA_ID (hex) of the key pair on the token
    token_label: str | None = None
    state: str = "new"
    new_serial: str | None = None


class IssuanceJournal(AuditSink, Protocol):
    def issuance(self, cert_id: str) -> IssuanceRecord | None: ...

    def save_issuance(self, record: IssuanceRecord) -> None: ...

