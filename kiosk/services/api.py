"""The kiosk's view of the backend services: typed results and service Protocols.

This module is the contract between `kiosk/flows` (which imports only this module and
`errors`) and the HTTP clients in `kiosk/services` (which implement these Protocols over
the JSON API documented in docs/api.md). No requests, Qt or SQLAlchemy here.

Every method raises a `kiosk.services.errors.BackendError` subclass on failure; the help
code on the error says which rule refused (docs/help-codes.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Literal, Protocol

#: A photo or other binary input: the clients read it without copying it, so the kiosk can
#: wipe its own bytearray afterwards (the base64 text sent over HTTP is transient and is not).
BytesLike = bytes | bytearray | memoryview


class CertType(StrEnum):
    CLOUD = "cloud"  # 商業機構"雲簽"帳戶: the only type activated online
    QUALIFIED = "qualified"  # 商業機構合格證書
    STANDARD = "standard"  # 標準證書
    ENCRYPTION = "encryption"  # 加密證書(商業機構)


class CertStatus(StrEnum):
    VALID = "valid"  # 有效
    EXPIRED = "expired"  # 已過期
    REVOKED = "revoked"  # 已撤銷


@dataclass(frozen=True)
class Certificate:
    """One pending renewal record's certificate, with the card fields of SPEC 'Certificates'."""

    cert_id: str
    type: CertType
    serial: str
    expiry: date
    status: CertStatus
    holder_name: str
    email: str
    org_name: str
    department: str
    position: str
    transaction_limit: str | None = None  # qualified certificates only
    agent_qualification: str | None = None  # qualified certificates only

    @property
    def cloud(self) -> bool:
        return self.type is CertType.CLOUD


@dataclass(frozen=True)
class HolderSession:
    """A signed-in holder (by staff look-up or by the holder's own e-ID sign-in)."""

    token: str
    holder_id: str
    display_name: str


@dataclass(frozen=True)
class StaffSession:
    token: str
    staff_id: str
    display_name: str


@dataclass(frozen=True)
class RenewalProgress:
    """What the registry has already confirmed for this renewal (drives resume)."""

    emails_verified: bool
    consent_given: bool
    identity_checked: bool
    face_passed: bool
    declaration_accepted: bool
    signed: bool
    submitted: bool


@dataclass(frozen=True)
class Renewal:
    renewal_id: str
    holder_id: str
    identity_pending: tuple[Certificate, ...]  # 待身份鑑別之證書
    activation_pending: tuple[Certificate, ...]  # 待線上激活之證書
    offline_pending: tuple[Certificate, ...]  # 待線下辦理之證書
    progress: RenewalProgress


@dataclass(frozen=True)
class EmailStatus:
    address: str
    verified_at: datetime | None  # set: 已驗證 (R6, or reused within 30 days: R7)
    code_expires_at: datetime | None  # a code is out and still valid until then (R5)
    can_request_code: bool
    attempts_left: int
    # R7: verified more than 30 days ago, so it no longer counts: when (verify it again).
    expired_verified_at: datetime | None = None


@dataclass(frozen=True)
class CodeSent:
    address: str
    expires_at: datetime
    expires_in: int  # seconds: 300 (R5)


@dataclass(frozen=True)
class Consent:
    consent_token: str


@dataclass(frozen=True)
class FaceMatch:
    match_id: str
    score: float
    threshold: float
    passed: bool


@dataclass(frozen=True)
class Application:
    document_id: str
    document_sha256: str
    certificates: tuple[Certificate, ...]  # R13 renewal data
    declaration: tuple[str, ...]  # R14: the six points, zh-Hant, verbatim


@dataclass(frozen=True)
class EidChallenge:
    challenge_id: str
    mobile_masked: str  # e.g. "+853 ****1234": where the SMS code went
    expires_at: datetime


@dataclass(frozen=True)
class EidAssertion:
    assertion: str
    level: str  # "very_high"


@dataclass(frozen=True)
class Signature:
    signature_id: str
    signed_at: datetime
    signer: str  # the holder's signing certificate subject


@dataclass(frozen=True)
class Submission:
    submitted_at: datetime
    activation_pending: tuple[Certificate, ...]
    offline_pending: tuple[Certificate, ...]
    # "AC-AB-0007" when every certificate is non-cloud and must be finished offline (R19)
    notice_code: str | None = None


@dataclass(frozen=True)
class ActivationForm:
    cloud_username: str  # "雲簽"用戶名稱 (登入名稱), shown read-only
    needs_new_password: bool  # R22: the account holds no valid certificate


@dataclass(frozen=True)
class RenewedCertificate:
    cert_id: str
    type: CertType
    email: str
    old_serial: str
    old_expiry: date
    new_serial: str
    new_expiry: date


JobState = Literal["running", "succeeded", "failed"]


@dataclass(frozen=True)
class ActivationJob:
    job_id: str
    state: JobState
    results: tuple[RenewedCertificate, ...]
    poll_after_s: float
    error_help_code: str | None = None
    cert_ids: tuple[str, ...] = ()  # the certificates this job activates


@dataclass(frozen=True)
class OfflineItem:
    cert_id: str
    holder_id: str
    holder_name: str
    certificate: Certificate
    queued_at: datetime


@dataclass(frozen=True)
class InPersonCheck:
    """The officer's check at the counter (R32): ID number typed and matched, then the live
    photo (3 tries, R12) or, after those, the officer's attestation with a reason."""

    renewal_id: str
    id_checked: bool
    face_passed: bool
    face_tries_left: int
    attested: bool
    done: bool  # the registry will issue


@dataclass(frozen=True)
class QueueEntry:
    """One certificate of the 待線下辦理 queue, with where and when its holder was verified."""

    cert_id: str
    holder_id: str
    holder_name: str
    certificate: Certificate
    renewal_id: str  # the reference printed on the holder's slip
    verified_at: datetime | None
    verified_kiosk_id: str | None
    state: Literal["waiting", "issued"]
    new_serial: str | None
    new_expiry: date | None
    in_person: InPersonCheck


@dataclass(frozen=True)
class IssuedCertificate:
    """A certificate the registry's CA issued from the token's CSR (R32)."""

    renewed: RenewedCertificate
    certificate_pem: bytes
    ca_pem: bytes


class DeskRegistry(Protocol):
    """The registry's counter-desk calls (R32); `RegistryClient` implements them."""

    def desk_queue(
        self, staff: StaffSession, query: str = "", include_issued: bool = False
    ) -> list[QueueEntry]: ...

    def in_person_status(self, staff: StaffSession, renewal_id: str) -> InPersonCheck: ...

    def check_id_number(self, staff: StaffSession, renewal_id: str, id_number: str) -> None:
        """Raises ValidationFailed AC-AB-0061 when it is not the registered number."""

    def check_face(self, staff: StaffSession, renewal_id: str, photo_jpeg: BytesLike) -> None:
        """Raises ValidationFailed AC-AB-0019 (details: tries_left) below the threshold,
        Conflict AC-AB-0062 once the 3 tries are used."""

    def attest_in_person(self, staff: StaffSession, renewal_id: str, reason: str) -> None: ...

    def issue_certificate(
        self, staff: StaffSession, cert_id: str, csr_pem: bytes, idempotency_key: str
    ) -> IssuedCertificate: ...

    def issued_certificate(self, staff: StaffSession, cert_id: str) -> IssuedCertificate:
        """The certificate issued for this record; NotFound AC-AB-0003 when none was."""


class Registry(Protocol):
    """電子證書服務（機構）: holders, renewal records, email codes, submission, activation."""

    def staff_login(self, username: str, password: str) -> StaffSession: ...

    def staff_logout(self, staff: StaffSession) -> None: ...

    def staff_lookup(self, staff: StaffSession, id_number: str) -> HolderSession: ...

    def current_renewal(self, session: HolderSession) -> Renewal: ...

    def emails(self, session: HolderSession, renewal_id: str) -> list[EmailStatus]: ...

    def request_email_code(
        self, session: HolderSession, renewal_id: str, address: str
    ) -> CodeSent: ...

    def verify_email_code(
        self, session: HolderSession, renewal_id: str, address: str, code: str
    ) -> EmailStatus: ...

    def check_identity(self, session: HolderSession, renewal_id: str, consent_token: str) -> None:
        """R10/R11: the registry compares its data with the bureau's; raises on mismatch."""

    def record_face_match(self, session: HolderSession, renewal_id: str, match_id: str) -> None:
        """R12: tells the registry which passed bureau match belongs to this renewal."""

    def application(self, session: HolderSession, renewal_id: str) -> Application: ...

    def accept_declaration(self, session: HolderSession, renewal_id: str) -> None: ...

    def submit(
        self, session: HolderSession, renewal_id: str, signature_id: str, idempotency_key: str
    ) -> Submission: ...

    def precheck(self, session: HolderSession, renewal_id: str, cert_ids: list[str]) -> None:
        """R20 (AC-AB-0015) / R21 (AC-AB-0014): raises Conflict when activation may not go on."""

    def activation_form(self, session: HolderSession, renewal_id: str) -> ActivationForm: ...

    def activate(
        self,
        session: HolderSession,
        renewal_id: str,
        cert_ids: list[str],
        password: str,
        password_confirm: str | None,
        revocation_phrase: str,
        idempotency_key: str,
    ) -> ActivationJob: ...

    def activation_status(self, session: HolderSession, job_id: str) -> ActivationJob: ...

    def activations(self, session: HolderSession, renewal_id: str) -> list[ActivationJob]:
        """The renewal's activation jobs, oldest first (finds a job whose answer was lost)."""

    def offline_queue(self, staff: StaffSession) -> list[OfflineItem]: ...

    def complete_offline(
        self, staff: StaffSession, cert_id: str, idempotency_key: str
    ) -> RenewedCertificate: ...


class Bureau(Protocol):
    """身份證明局: ID-card data (behind consent) and face similarity."""

    def consent(self, session: HolderSession, renewal_id: str) -> Consent: ...

    def match_face(
        self,
        session: HolderSession,
        renewal_id: str,
        consent_token: str,
        photo_jpeg: BytesLike,
    ) -> FaceMatch:
        """Raises ValidationFailed AC-AB-0019 below the threshold (details: score, threshold)."""


class StrongEid(Protocol):
    """Strong e-ID: kiosk sign-in (ID number + SMS) and very-high identification (face + SMS)."""

    def start_login(self, id_number: str) -> EidChallenge: ...

    def complete_login(self, challenge_id: str, sms_code: str) -> HolderSession: ...

    def start_challenge(self, session: HolderSession, purpose: str) -> EidChallenge: ...

    def verify_challenge(
        self, session: HolderSession, challenge_id: str, sms_code: str, face_jpeg: BytesLike
    ) -> EidAssertion: ...


class ESign(Protocol):
    """e-signature service: signs the application document as the holder (R16)."""

    def sign(
        self,
        session: HolderSession,
        assertion: str,
        document_id: str,
        idempotency_key: str | None = None,
    ) -> Signature:
        """With a key, a repeated call answers the first signature again (a lost answer)."""


@dataclass(frozen=True)
class Services:
    """What a flow is given: one client per backend."""

    registry: Registry
    bureau: Bureau
    eid: StrongEid
    esign: ESign
