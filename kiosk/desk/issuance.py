"""Issuing a renewed non-cloud certificate onto the holder's token (R32), exactly once.

Per certificate, a small state machine whose every step is journaled (kiosk/desk/journal.py)
so that a killed process, a lost reply or a token pulled out midway resumes where it was:

1. the Idempotency-Key of the issuance call is journaled BEFORE anything is sent (as the
   activation's is, kiosk/flows/renewal.py), and so is the CKA_ID of the key pair before
   the token generates it;
2. the key pair is generated ON the token (or found there again under its CKA_ID);
3. the CSR is signed on the token and sent with the key; the registry answers a key it has
   seen, or a certificate it already issued, with that one certificate. A reply that never
   arrives is looked up (`issued_certificate`) rather than asked for twice;
4. the certificate is checked (the token's public key, the registry CA's signature),
   written to the token, read back and checked again.

A token error (removed, wrong PIN, locked) leaves the journal as it was: calling `issue`
again with the token back resumes at the step that was interrupted.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from kiosk.desk.journal import IssuanceJournal, IssuanceRecord
from kiosk.flows.journal import AuditRecord, audited
from kiosk.services.api import DeskRegistry, IssuedCertificate, QueueEntry, StaffSession
from kiosk.services.errors import BackendError, NotFound
from kiosk.tokens.errors import CertificateMismatch, TokenError
from kiosk.tokens.keys import KeySpec, TokenKey, key_spec, new_key_id

STEP = "desk.issue"
ORGANISATION = "eSignTrust Sandbox"


class TokenPort(Protocol):
    """What issuance needs of a logged-in token session (kiosk.tokens.token.TokenSession)."""

    label: str

    def find_key(self, key_id: str, spec: KeySpec) -> TokenKey | None: ...

    def generate_key(self, key_id: str, spec: KeySpec, label: str) -> TokenKey: ...

    def sign_csr(self, key: TokenKey, common_name: str, email: str, organisation: str) -> bytes:
        ...

    def store_certificate(
        self, key: TokenKey, cert_pem: bytes, ca_cert: x509.Certificate, label: str
    ) -> x509.Certificate: ...


@dataclass(frozen=True)
class Issued:
    """What the desk shows and the receipt prints for one finished certificate."""

    cert_id: str
    type: str
    old_serial: str
    old_expiry: date
    new_serial: str
    new_expiry: date
    key_id: str
    token_label: str


def lost_reply(err: BackendError) -> bool:
    """No considered answer from the registry: it may have issued. (A 4xx with its own help
    code is a decision; anything else may hide a certificate that exists.)"""
    status = err.http_status
    decided = (
        status is not None
        and 400 <= status < 500
        and bool(err.help_code)
        and not err.help_code.startswith("AC-KI-")
    )
    return not decided


class Issuance:
    """Drives the issuance of queue entries onto one holder's token.

    `ca_cert` is the registry CA the kiosk trusts (not the one a reply names). `after_call`
    runs after each token or registry call returned and before its result is journaled:
    tests kill the process there to prove nothing is done twice.
    """

    def __init__(
        self,
        registry: DeskRegistry,
        journal: IssuanceJournal,
        ca_cert: x509.Certificate,
        *,
        after_call: Callable[[str], None] | None = None,
    ) -> None:
        self.registry = registry
        self.journal = journal
        self.ca_cert = ca_cert
        self._after = after_call or (lambda _name: None)

    def issue(self, staff: StaffSession, entry: QueueEntry, token: TokenPort) -> Issued:
        cert = entry.certificate
        spec = key_spec(cert.type)
        rec = self.journal.issuance(entry.cert_id) or IssuanceRecord(
            cert_id=entry.cert_id, renewal_id=entry.renewal_id
        )
        if not rec.idempotency_key:
            rec.idempotency_key = f"issue-{uuid.uuid4()}"
            self.journal.save_issuance(rec)
        key = self._key(rec, spec, token, entry)
        issued = self._issued(staff, rec, key, token, entry)
        self._store(rec, key, issued, token, entry)
        renewed = issued.renewed
        return Issued(
            cert_id=entry.cert_id,
            type=cert.type.value,
            old_serial=renewed.old_serial,
            old_expiry=renewed.old_expiry,
            new_serial=renewed.new_serial,
            new_expiry=renewed.new_expiry,
            key_id=key.key_id,
            token_label=token.label,
        )

    # --- steps --------------------------------------------------------------------------

    def _key(
        self, rec: IssuanceRecord, spec: KeySpec, token: TokenPort, entry: QueueEntry
    ) -> TokenKey:
        if rec.key_id:
            found = self._token("token.find_key", rec, token.find_key, rec.key_id, spec)
            if found is not None:
                return found
            if rec.state in ("issued", "stored") or (
                rec.token_label is not None and rec.token_label != token.label
            ):
                # The certificate belongs to a key this token does not hold: another token.
                self._audit(rec, "token.find_key", "mismatch", CertificateMismatch.help_code)
                raise CertificateMismatch("the key pair is not on this token")
        else:
            rec.key_id = new_key_id()
            rec.token_label = token.label
            self.journal.save_issuance(rec)
        key = self._token(
            "token.generate_key", rec, token.generate_key, rec.key_id, spec, _label(entry)
        )
        self._after("token.generate_key")
        if rec.state == "new":
            rec.state = "key_made"
            self.journal.save_issuance(rec)
        return key

    def _issued(
        self,
        staff: StaffSession,
        rec: IssuanceRecord,
        key: TokenKey,
        token: TokenPort,
        entry: QueueEntry,
    ) -> IssuedCertificate:
        if rec.state in ("issued", "stored"):
            issued = self._backend("registry.issued_certificate", rec,
                                   self.registry.issued_certificate, staff, rec.cert_id)
            self._after("registry.issued_certificate")
            return issued
        cert = entry.certificate
        der = self._token(
            "token.sign_csr", rec, token.sign_csr, key, cert.holder_name, cert.email,
            cert.org_name or ORGANISATION,
        )
        self._after("token.sign_csr")
        pem = _csr_pem(der)
        assert rec.idempotency_key is not None
        try:
            issued = self._backend("registry.issue_certificate", rec,
                                   self.registry.issue_certificate, staff, rec.cert_id, pem,
                                   rec.idempotency_key)
        except BackendError as err:
            if not (lost_reply(err) or err.help_code == "AC-AB-0039"):
                raise
            # The CA may have issued while the answer was lost (or another desk finished
            # it): find that certificate instead of asking for a second one.
            try:
                issued = self._backend("registry.issued_certificate", rec,
                                       self.registry.issued_certificate, staff, rec.cert_id)
            except NotFound:
                raise err from None
        self._after("registry.issue_certificate")
        rec.state = "issued"
        rec.new_serial = issued.renewed.new_serial
        self.journal.save_issuance(rec)
        return issued

    def _store(
        self,
        rec: IssuanceRecord,
        key: TokenKey,
        issued: IssuedCertificate,
        token: TokenPort,
        entry: QueueEntry,
    ) -> None:
        self._token(
            "token.store_certificate", rec, token.store_certificate, key,
            issued.certificate_pem, self.ca_cert, _label(entry),
        )
        self._after("token.store_certificate")
        if rec.state != "stored":
            rec.state = "stored"
            self.journal.save_issuance(rec)

    # --- plumbing -----------------------------------------------------------------------

    def _token(self, name: str, rec: IssuanceRecord, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            result = fn(*args)
        except TokenError as err:
            self._audit(rec, name, type(err).__name__, err.help_code)
            raise
        self._audit(rec, name, "ok")
        return result

    def _backend(self, name: str, rec: IssuanceRecord, fn: Callable[..., Any], *args: Any) -> Any:
        return audited(self.journal, STEP, name, rec.renewal_id, fn, *args)

    def _audit(
        self, rec: IssuanceRecord, call: str, outcome: str, help_code: str | None = None
    ) -> None:
        self.journal.audit(AuditRecord(STEP, call, outcome[:32], rec.renewal_id, help_code))


def _label(entry: QueueEntry) -> str:
    # A reference, not a name: token labels are readable by anyone holding the token.
    return f"{entry.certificate.type.value}-{entry.cert_id}"


def _csr_pem(der: bytes) -> bytes:
    return x509.load_der_x509_csr(der).public_bytes(serialization.Encoding.PEM)
