"""電子證書服務（機構）: the registry client (docs/api.md, `/registry/v1`)."""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from kiosk.services import parse
from kiosk.services.api import (
    ActivationForm,
    ActivationJob,
    Application,
    BytesLike,
    CodeSent,
    EmailStatus,
    HolderSession,
    InPersonCheck,
    IssuedCertificate,
    OfflineItem,
    QueueEntry,
    Renewal,
    RenewedCertificate,
    StaffSession,
    Submission,
)
from kiosk.services.http import JsonHttpClient

if TYPE_CHECKING:
    from kiosk.receipt import wire

T = TypeVar("T")


class RegistryClient(JsonHttpClient):
    """Implements `kiosk.services.api.Registry` over HTTP."""

    def _as(
        self,
        who: HolderSession | StaffSession,
        method: str,
        path: str,
        parse: Callable[[Any], T],
        json: Mapping[str, Any] | None = None,
        *,
        key: str | None = None,
        **ids: str,
    ) -> T:
        """One call with the holder's or the officer's token; `ids` fill the path template
        (``rid=renewal_id``), `key` is the call's Idempotency-Key."""
        return self.request(method, path, parse=parse, json=json, path_params=ids,
                            token=who.token, idempotency_key=key)

    def staff_login(self, username: str, password: str) -> StaffSession:
        return self.post(
            "/staff/login",
            json={"username": username, "password": password},
            parse=parse.staff_session,
        )

    def staff_logout(self, staff: StaffSession) -> None:
        """Ends the staff session at the registry: its token is refused afterwards."""
        self._as(staff, "POST", "/staff/logout", lambda _: None, {})

    def staff_lookup(self, staff: StaffSession, id_number: str) -> HolderSession:
        return self._as(staff, "POST", "/staff/lookup", parse.holder_session,
                        {"id_number": id_number})

    def current_renewal(self, session: HolderSession) -> Renewal:
        return self._as(session, "GET", "/renewals/current", parse.renewal)

    def emails(self, session: HolderSession, renewal_id: str) -> list[EmailStatus]:
        return self._as(session, "GET", "/renewals/{rid}/emails", parse.email_statuses,
                        rid=renewal_id)

    def request_email_code(self, session: HolderSession, renewal_id: str, address: str) -> CodeSent:
        return self._as(session, "POST", "/renewals/{rid}/emails/code", parse.code_sent,
                        {"address": address}, rid=renewal_id)

    def verify_email_code(
        self, session: HolderSession, renewal_id: str, address: str, code: str
    ) -> EmailStatus:
        return self._as(session, "POST", "/renewals/{rid}/emails/verify", parse.email_status,
                        {"address": address, "code": code}, rid=renewal_id)

    def check_identity(self, session: HolderSession, renewal_id: str, consent_token: str) -> None:
        self._as(session, "POST", "/renewals/{rid}/identity-check", parse.ignore,
                 {"consent_token": consent_token}, rid=renewal_id)

    def record_face_match(self, session: HolderSession, renewal_id: str, match_id: str) -> None:
        self._as(session, "POST", "/renewals/{rid}/face", parse.ignore, {"match_id": match_id},
                 rid=renewal_id)

    def application(self, session: HolderSession, renewal_id: str) -> Application:
        return self._as(session, "GET", "/renewals/{rid}/application", parse.application,
                        rid=renewal_id)

    def accept_declaration(self, session: HolderSession, renewal_id: str) -> None:
        self._as(session, "POST", "/renewals/{rid}/declaration", parse.ignore, {"accepted": True},
                 rid=renewal_id)

    def submit(
        self, session: HolderSession, renewal_id: str, signature_id: str, idempotency_key: str
    ) -> Submission:
        return self._as(session, "POST", "/renewals/{rid}/submit", parse.submission,
                        {"signature_id": signature_id}, key=idempotency_key, rid=renewal_id)

    def precheck(self, session: HolderSession, renewal_id: str, cert_ids: list[str]) -> None:
        self._as(session, "POST", "/renewals/{rid}/precheck", parse.ignore,
                 {"cert_ids": list(cert_ids)}, rid=renewal_id)

    def activation_form(self, session: HolderSession, renewal_id: str) -> ActivationForm:
        return self._as(session, "GET", "/renewals/{rid}/activation-form", parse.activation_form,
                        rid=renewal_id)

    def activate(
        self,
        session: HolderSession,
        renewal_id: str,
        cert_ids: list[str],
        password: str,
        password_confirm: str | None,
        revocation_phrase: str,
        idempotency_key: str,
    ) -> ActivationJob:
        body = {
            "cert_ids": list(cert_ids),
            "password": password,
            "password_confirm": password_confirm,
            "revocation_phrase": revocation_phrase,
        }
        return self._as(session, "POST", "/renewals/{rid}/activations", parse.activation_job,
                        body, key=idempotency_key, rid=renewal_id)

    def activation_status(self, session: HolderSession, job_id: str) -> ActivationJob:
        return self._as(session, "GET", "/activations/{job_id}", parse.activation_job,
                        job_id=job_id)

    def activations(self, session: HolderSession, renewal_id: str) -> list[ActivationJob]:
        return self._as(session, "GET", "/renewals/{rid}/activations", parse.activation_jobs,
                        rid=renewal_id)

    def offline_queue(self, staff: StaffSession) -> list[OfflineItem]:
        return self._as(staff, "GET", "/staff/offline-queue", parse.offline_items)

    def complete_offline(
        self, staff: StaffSession, cert_id: str, idempotency_key: str
    ) -> RenewedCertificate:
        return self._as(staff, "POST", "/staff/offline-queue/{cert_id}/complete",
                        parse.renewed_certificate, {}, key=idempotency_key, cert_id=cert_id)

    # --- the counter desk (R32) ------------------------------------------------------------

    def desk_queue(
        self, staff: StaffSession, query: str = "", include_issued: bool = False
    ) -> list[QueueEntry]:
        # POST: the search words (an ID number, a name) go in the body, never in a URL.
        return self._as(staff, "POST", "/staff/offline-queue/search", parse.queue_entries,
                        {"q": query, "include_issued": include_issued})

    def in_person_status(self, staff: StaffSession, renewal_id: str) -> InPersonCheck:
        return self._as(staff, "GET", "/staff/in-person/{rid}", parse.in_person_check,
                        rid=renewal_id)

    def check_id_number(self, staff: StaffSession, renewal_id: str, id_number: str) -> None:
        self._as(staff, "POST", "/staff/in-person/{rid}/id-check", parse.ignore,
                 {"id_number": id_number}, rid=renewal_id)

    def check_face(self, staff: StaffSession, renewal_id: str, photo_jpeg: BytesLike) -> None:
        photo = base64.b64encode(photo_jpeg).decode("ascii")
        self._as(staff, "POST", "/staff/in-person/{rid}/face", parse.ignore,
                 {"photo_jpeg_b64": photo}, rid=renewal_id)

    def attest_in_person(self, staff: StaffSession, renewal_id: str, reason: str) -> None:
        self._as(staff, "POST", "/staff/in-person/{rid}/attest", parse.ignore,
                 {"reason": reason}, rid=renewal_id)

    def issue_certificate(
        self, staff: StaffSession, cert_id: str, csr_pem: bytes, idempotency_key: str
    ) -> IssuedCertificate:
        return self._as(staff, "POST", "/staff/offline-queue/{cert_id}/complete",
                        parse.issued_certificate, {"csr_pem": csr_pem.decode("ascii")},
                        key=idempotency_key, cert_id=cert_id)

    def issued_certificate(self, staff: StaffSession, cert_id: str) -> IssuedCertificate:
        return self._as(staff, "GET", "/staff/offline-queue/{cert_id}/certificate",
                        parse.issued_certificate, cert_id=cert_id)

    # --- R31: the kiosk's identity and its receipts (kiosk/receipt) -----------------------

    def server_time(self) -> Any:
        """The registry's clock for a receipt (R31): from the Date header of its last answer;
        with none yet, one is asked for (the trust list). Unreachable: this terminal's own
        clock, in UTC (the receipt is still made; the registry stamps it when lodged)."""
        import datetime as dt

        from kiosk.services.errors import BackendError

        if self.server_date is None:
            with contextlib.suppress(BackendError):
                self.trust_list()
        now = self.backend_time()
        return now if now is not None else dt.datetime.now(dt.UTC)

    def enrol_kiosk(self, code: str, kiosk_id: str, csr_pem: str) -> dict[str, str]:
        from kiosk.receipt import wire

        answer = self.post(
            "/kiosks/enrol",
            json={"code": code, "kiosk_id": kiosk_id, "csr_pem": csr_pem},
            parse=wire.enrolment,
        )
        return {"certificate_pem": answer.certificate_pem, "chain_pem": answer.chain_pem}

    def trust_list(self) -> wire.TrustList:
        from kiosk.receipt import wire

        return self.get("/trust-list", parse=wire.trust_list)

    def lodge_receipt(
        self, token: str, renewal_id: str, pdf: bytes, seal: str, printed: bool,
        idempotency_key: str,
    ) -> wire.LodgedReceipt:
        import base64

        from kiosk.receipt import wire

        return self.post(
            "/renewals/{rid}/receipts",
            path_params={"rid": renewal_id},
            json={"pdf_b64": base64.b64encode(pdf).decode(), "seal": seal, "printed": printed},
            token=token,
            idempotency_key=idempotency_key,
            parse=wire.lodged_receipt,
        )

    def receipts(
        self, staff: StaffSession, printed: bool | None = None
    ) -> list[wire.LodgedReceipt]:
        from kiosk.receipt import wire

        params = None if printed is None else {"printed": "true" if printed else "false"}
        return self.get("/receipts", params=params, token=staff.token,
                        parse=wire.lodged_receipts)

    def receipt(self, staff: StaffSession, receipt_id: str) -> wire.LodgedReceipt:
        from kiosk.receipt import wire

        return self._as(staff, "GET", "/receipts/{id}", wire.lodged_receipt, id=receipt_id)

    def mark_receipt_printed(
        self, staff: StaffSession, receipt_id: str, idempotency_key: str
    ) -> wire.LodgedReceipt:
        from kiosk.receipt import wire

        return self._as(staff, "POST", "/receipts/{id}/printed", wire.lodged_receipt, {},
                        key=idempotency_key, id=receipt_id)
