"""電子證書服務（機構）: the registry client (docs/api.md, `/registry/v1`)."""

from __future__ import annotations

import base64
import contextlib
from typing import TYPE_CHECKING, Any

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


class RegistryClient(JsonHttpClient):
    """Implements `kiosk.services.api.Registry` over HTTP."""

    def staff_login(self, username: str, password: str) -> StaffSession:
        return self.post(
            "/staff/login",
            json={"username": username, "password": password},
            parse=parse.staff_session,
        )

    def staff_logout(self, staff: StaffSession) -> None:
        """Ends the staff session at the registry: its token is refused afterwards."""
        self.post("/staff/logout", json={}, token=staff.token, parse=lambda _: None)

    def staff_lookup(self, staff: StaffSession, id_number: str) -> HolderSession:
        return self.post(
            "/staff/lookup",
            json={"id_number": id_number},
            token=staff.token,
            parse=parse.holder_session,
        )

    def current_renewal(self, session: HolderSession) -> Renewal:
        return self.get("/renewals/current", token=session.token, parse=parse.renewal)

    def emails(self, session: HolderSession, renewal_id: str) -> list[EmailStatus]:
        return self.get(
            "/renewals/{rid}/emails",
            path_params={"rid": renewal_id},
            token=session.token,
            parse=parse.email_statuses,
        )

    def request_email_code(self, session: HolderSession, renewal_id: str, address: str) -> CodeSent:
        return self.post(
            "/renewals/{rid}/emails/code",
            path_params={"rid": renewal_id},
            json={"address": address},
            token=session.token,
            parse=parse.code_sent,
        )

    def verify_email_code(
        self, session: HolderSession, renewal_id: str, address: str, code: str
    ) -> EmailStatus:
        return self.post(
            "/renewals/{rid}/emails/verify",
            path_params={"rid": renewal_id},
            json={"address": address, "code": code},
            token=session.token,
            parse=parse.email_status,
        )

    def check_identity(self, session: HolderSession, renewal_id: str, consent_token: str) -> None:
        self.post(
            "/renewals/{rid}/identity-check",
            path_params={"rid": renewal_id},
            json={"consent_token": consent_token},
            token=session.token,
            parse=parse.ignore,
        )

    def record_face_match(self, session: HolderSession, renewal_id: str, match_id: str) -> None:
        self.post(
            "/renewals/{rid}/face",
            path_params={"rid": renewal_id},
            json={"match_id": match_id},
            token=session.token,
            parse=parse.ignore,
        )

    def application(self, session: HolderSession, renewal_id: str) -> Application:
        return self.get(
            "/renewals/{rid}/application",
            path_params={"rid": renewal_id},
            token=session.token,
            parse=parse.application,
        )

    def accept_declaration(self, session: HolderSession, renewal_id: str) -> None:
        self.post(
            "/renewals/{rid}/declaration",
            path_params={"rid": renewal_id},
            json={"accepted": True},
            token=session.token,
            parse=parse.ignore,
        )

    def submit(
        self, session: HolderSession, renewal_id: str, signature_id: str, idempotency_key: str
    ) -> Submission:
        return self.post(
            "/renewals/{rid}/submit",
            path_params={"rid": renewal_id},
            json={"signature_id": signature_id},
            token=session.token,
            idempotency_key=idempotency_key,
            parse=parse.submission,
        )

    def precheck(self, session: HolderSession, renewal_id: str, cert_ids: list[str]) -> None:
        self.post(
            "/renewals/{rid}/precheck",
            path_params={"rid": renewal_id},
            json={"cert_ids": list(cert_ids)},
            token=session.token,
            parse=parse.ignore,
        )

    def activation_form(self, session: HolderSession, renewal_id: str) -> ActivationForm:
        return self.get(
            "/renewals/{rid}/activation-form",
            path_params={"rid": renewal_id},
            token=session.token,
            parse=parse.activation_form,
        )

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
        return self.post(
            "/renewals/{rid}/activations",
            path_params={"rid": renewal_id},
            json={
                "cert_ids": list(cert_ids),
                "password": password,
                "password_confirm": password_confirm,
                "revocation_phrase": revocation_phrase,
            },
            token=session.token,
            idempotency_key=idempotency_key,
            parse=parse.activation_job,
        )

    def activation_status(self, session: HolderSession, job_id: str) -> ActivationJob:
        return self.get(
            "/activations/{job_id}",
            path_params={"job_id": job_id},
            token=session.token,
            parse=parse.activation_job,
        )

    def activations(self, session: HolderSession, renewal_id: str) -> list[ActivationJob]:
        return self.get(
            "/renewals/{rid}/activations",
            path_params={"rid": renewal_id},
            token=session.token,
            parse=parse.activation_jobs,
        )

    def offline_queue(self, staff: StaffSession) -> list[OfflineItem]:
        return self.get("/staff/offline-queue", token=staff.token, parse=parse.offline_items)

    def complete_offline(
        self, staff: StaffSession, cert_id: str, idempotency_key: str
    ) -> RenewedCertificate:
        return self.post(
            "/staff/offline-queue/{cert_id}/complete",
            path_params={"cert_id": cert_id},
            json={},
            token=staff.token,
            idempotency_key=idempotency_key,
            parse=parse.renewed_certificate,
        )

    # --- the counter desk (R32) ------------------------------------------------------------

    def desk_queue(
        self, staff: StaffSession, query: str = "", include_issued: bool = False
    ) -> list[QueueEntry]:
        # POST: the search words (an ID number, a name) go in the body, never in a URL.
        return self.post(
            "/staff/offline-queue/search", json={"q": query, "include_issued": include_issued},
            token=staff.token, parse=parse.queue_entries,
        )

    def in_person_status(self, staff: StaffSession, renewal_id: str) -> InPersonCheck:
        return self.get(
            "/staff/in-person/{rid}",
            path_params={"rid": renewal_id},
            token=staff.token,
            parse=parse.in_person_check,
        )

    def check_id_number(self, staff: StaffSession, renewal_id: str, id_number: str) -> None:
        self.post(
            "/staff/in-person/{rid}/id-check",
            path_params={"rid": renewal_id},
            json={"id_number": id_number},
            token=staff.token,
            parse=parse.ignore,
        )

    def check_face(self, staff: StaffSession, renewal_id: str, photo_jpeg: BytesLike) -> None:
        self.post(
            "/staff/in-person/{rid}/face",
            path_params={"rid": renewal_id},
            json={"photo_jpeg_b64": base64.b64encode(photo_jpeg).decode("ascii")},
            token=staff.token,
            parse=parse.ignore,
        )

    def attest_in_person(self, staff: StaffSession, renewal_id: str, reason: str) -> None:
        self.post(
            "/staff/in-person/{rid}/attest",
            path_params={"rid": renewal_id},
            json={"reason": reason},
            token=staff.token,
            parse=parse.ignore,
        )

    def issue_certificate(
        self, staff: StaffSession, cert_id: str, csr_pem: bytes, idempotency_key: str
    ) -> IssuedCertificate:
        return self.post(
            "/staff/offline-queue/{cert_id}/complete",
            path_params={"cert_id": cert_id},
            json={"csr_pem": csr_pem.decode("ascii")},
            token=staff.token,
            idempotency_key=idempotency_key,
            parse=parse.issued_certificate,
        )

    def issued_certificate(self, staff: StaffSession, cert_id: str) -> IssuedCertificate:
        return self.get(
            "/staff/offline-queue/{cert_id}/certificate",
            path_params={"cert_id": cert_id},
            token=staff.token,
            parse=parse.issued_certificate,
        )
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

        return self.get("/receipts/{id}", path_params={"id": receipt_id}, token=staff.token,
                        parse=wire.lodged_receipt)

    def mark_receipt_printed(
        self, staff: StaffSession, receipt_id: str, idempotency_key: str
    ) -> wire.LodgedReceipt:
        from kiosk.receipt import wire

        return self.post("/receipts/{id}/printed", path_params={"id": receipt_id}, json={},
                         token=staff.token, idempotency_key=idempotency_key,
                         parse=wire.lodged_receipt)
