"""JSON bodies of docs/api.md -> the frozen dataclasses of kiosk/services/api.py.

Strict on purpose: a missing field or a wrong type raises `MalformedResponse`, which the
HTTP client reports as UnexpectedResponse (AC-KI-0003). A silently defaulted field could
show a holder the wrong expiry date or mark an address verified that is not.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from kiosk.services.api import (
    ActivationForm,
    ActivationJob,
    Application,
    Certificate,
    CertStatus,
    CertType,
    CodeSent,
    Consent,
    EidAssertion,
    EidChallenge,
    EmailStatus,
    FaceMatch,
    HolderSession,
    InPersonCheck,
    IssuedCertificate,
    OfflineItem,
    QueueEntry,
    Renewal,
    RenewalProgress,
    RenewedCertificate,
    Signature,
    StaffSession,
    Submission,
)
from kiosk.services.http import MalformedResponse, is_help_code

JOB_STATES = ("running", "succeeded", "failed")


def obj(data: Any) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise MalformedResponse("expected a JSON object")
    return data


def req_str(d: Mapping[str, Any], key: str) -> str:
    value = d[key]
    if not isinstance(value, str):
        raise MalformedResponse(f"{key}: expected a string")
    return value


def opt_str(d: Mapping[str, Any], key: str) -> str | None:
    value = d.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise MalformedResponse(f"{key}: expected a string or null")
    return value


def req_bool(d: Mapping[str, Any], key: str) -> bool:
    value = d[key]
    if not isinstance(value, bool):
        raise MalformedResponse(f"{key}: expected a boolean")
    return value


def req_int(d: Mapping[str, Any], key: str) -> int:
    value = d[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedResponse(f"{key}: expected an integer")
    return value


def req_float(d: Mapping[str, Any], key: str) -> float:
    value = d[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MalformedResponse(f"{key}: expected a number")
    try:
        number = float(value)
    except OverflowError:
        raise MalformedResponse(f"{key}: number out of range") from None
    if not math.isfinite(number):
        raise MalformedResponse(f"{key}: number out of range")
    return number


def opt_help_code(d: Mapping[str, Any], key: str) -> str | None:
    """A help code the kiosk may show: of the documented pattern, or the answer is refused."""
    value = opt_str(d, key)
    if value is not None and not is_help_code(value):
        raise MalformedResponse(f"{key}: not a help code")
    return value


def parse_date(value: Any) -> date:
    if not isinstance(value, str) or len(value) != 10 or not value.isascii():
        raise MalformedResponse("expected a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise MalformedResponse("expected a date YYYY-MM-DD") from None


def parse_time(value: Any) -> datetime:
    """ISO 8601 UTC ('…Z'); always returned timezone-aware so countdowns compare correctly."""
    if not isinstance(value, str) or not value.isascii() or not 10 <= len(value) <= 40:
        raise MalformedResponse("expected an ISO 8601 time")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise MalformedResponse("expected an ISO 8601 time") from None
    if parsed.tzinfo is None:
        # The contract says UTC; a server that forgot the 'Z' still means UTC.
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def opt_time(d: Mapping[str, Any], key: str) -> datetime | None:
    value = d.get(key)
    return None if value is None else parse_time(value)


def req_list(d: Mapping[str, Any], key: str) -> list[Any]:
    value = d[key]
    if not isinstance(value, list):
        raise MalformedResponse(f"{key}: expected a list")
    return value


# -- results ------------------------------------------------------------------------------


def certificate(data: Any) -> Certificate:
    d = obj(data)
    return Certificate(
        cert_id=req_str(d, "cert_id"),
        type=CertType(req_str(d, "type")),
        serial=req_str(d, "serial"),
        expiry=parse_date(d["expiry"]),
        status=CertStatus(req_str(d, "status")),
        holder_name=req_str(d, "holder_name"),
        email=req_str(d, "email"),
        org_name=req_str(d, "org_name"),
        department=req_str(d, "department"),
        position=req_str(d, "position"),
        transaction_limit=opt_str(d, "transaction_limit"),
        agent_qualification=opt_str(d, "agent_qualification"),
    )


def certificates(d: Mapping[str, Any], key: str) -> tuple[Certificate, ...]:
    return tuple(certificate(c) for c in req_list(d, key))


def holder_session(data: Any) -> HolderSession:
    d = obj(data)
    return HolderSession(
        token=req_str(d, "holder_token"),
        holder_id=req_str(d, "holder_id"),
        display_name=req_str(d, "display_name"),
    )


def staff_session(data: Any) -> StaffSession:
    d = obj(data)
    return StaffSession(
        token=req_str(d, "staff_token"),
        staff_id=req_str(d, "staff_id"),
        display_name=req_str(d, "display_name"),
    )


def progress(data: Any) -> RenewalProgress:
    d = obj(data)
    return RenewalProgress(
        emails_verified=req_bool(d, "emails_verified"),
        consent_given=req_bool(d, "consent_given"),
        identity_checked=req_bool(d, "identity_checked"),
        face_passed=req_bool(d, "face_passed"),
        declaration_accepted=req_bool(d, "declaration_accepted"),
        signed=req_bool(d, "signed"),
        submitted=req_bool(d, "submitted"),
    )


def renewal(data: Any) -> Renewal:
    d = obj(data)
    return Renewal(
        renewal_id=req_str(d, "renewal_id"),
        holder_id=req_str(d, "holder_id"),
        identity_pending=certificates(d, "identity_pending"),
        activation_pending=certificates(d, "activation_pending"),
        offline_pending=certificates(d, "offline_pending"),
        progress=progress(d["progress"]),
    )


def email_status(data: Any) -> EmailStatus:
    d = obj(data)
    return EmailStatus(
        address=req_str(d, "address"),
        verified_at=opt_time(d, "verified_at"),
        code_expires_at=opt_time(d, "code_expires_at"),
        can_request_code=req_bool(d, "can_request_code"),
        attempts_left=req_int(d, "attempts_left"),
        expired_verified_at=opt_time(d, "expired_verified_at"),
    )


def email_statuses(data: Any) -> list[EmailStatus]:
    return [email_status(e) for e in req_list(obj(data), "emails")]


def code_sent(data: Any) -> CodeSent:
    d = obj(data)
    return CodeSent(
        address=req_str(d, "address"),
        expires_at=parse_time(d["expires_at"]),
        expires_in=req_int(d, "expires_in"),
    )


def consent(data: Any) -> Consent:
    return Consent(consent_token=req_str(obj(data), "consent_token"))


def face_match(data: Any) -> FaceMatch:
    d = obj(data)
    return FaceMatch(
        match_id=req_str(d, "match_id"),
        score=req_float(d, "score"),
        threshold=req_float(d, "threshold"),
        passed=req_bool(d, "passed"),
    )


def application(data: Any) -> Application:
    d = obj(data)
    declaration = req_list(d, "declaration")
    if not all(isinstance(p, str) for p in declaration):
        raise MalformedResponse("declaration: expected strings")
    return Application(
        document_id=req_str(d, "document_id"),
        document_sha256=req_str(d, "document_sha256"),
        certificates=certificates(d, "certificates"),
        declaration=tuple(declaration),
    )


def eid_challenge(data: Any) -> EidChallenge:
    d = obj(data)
    return EidChallenge(
        challenge_id=req_str(d, "challenge_id"),
        mobile_masked=req_str(d, "mobile_masked"),
        expires_at=parse_time(d["expires_at"]),
    )


def eid_assertion(data: Any) -> EidAssertion:
    d = obj(data)
    return EidAssertion(assertion=req_str(d, "assertion"), level=req_str(d, "level"))


def signature(data: Any) -> Signature:
    d = obj(data)
    return Signature(
        signature_id=req_str(d, "signature_id"),
        signed_at=parse_time(d["signed_at"]),
        signer=req_str(d, "signer"),
    )


def submission(data: Any) -> Submission:
    d = obj(data)
    notice = d.get("notice")
    notice_code: str | None = None
    if notice is not None:
        notice_code = req_str(obj(notice), "code")
        if not is_help_code(notice_code):
            raise MalformedResponse("notice.code: not a help code")
    return Submission(
        submitted_at=parse_time(d["submitted_at"]),
        activation_pending=certificates(d, "activation_pending"),
        offline_pending=certificates(d, "offline_pending"),
        notice_code=notice_code,
    )


def activation_form(data: Any) -> ActivationForm:
    d = obj(data)
    return ActivationForm(
        cloud_username=req_str(d, "cloud_username"),
        needs_new_password=req_bool(d, "needs_new_password"),
    )


def renewed_certificate(data: Any) -> RenewedCertificate:
    d = obj(data)
    return RenewedCertificate(
        cert_id=req_str(d, "cert_id"),
        type=CertType(req_str(d, "type")),
        email=req_str(d, "email"),
        old_serial=req_str(d, "old_serial"),
        old_expiry=parse_date(d["old_expiry"]),
        new_serial=req_str(d, "new_serial"),
        new_expiry=parse_date(d["new_expiry"]),
    )


def activation_job(data: Any) -> ActivationJob:
    d = obj(data)
    state = req_str(d, "state")
    if state not in JOB_STATES:
        raise MalformedResponse("state: unknown job state")
    return ActivationJob(
        job_id=req_str(d, "job_id"),
        state=state,  # type: ignore[arg-type]  # narrowed by the JOB_STATES check above
        results=tuple(renewed_certificate(r) for r in req_list(d, "results")),
        poll_after_s=req_float(d, "poll_after_s"),
        error_help_code=opt_help_code(d, "error_code"),
        cert_ids=_str_tuple(d.get("cert_ids") or []),
    )


def _str_tuple(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise MalformedResponse("expected a list of strings")
    return tuple(value)


def activation_jobs(data: Any) -> list[ActivationJob]:
    return [activation_job(j) for j in req_list(obj(data), "activations")]


def offline_item(data: Any) -> OfflineItem:
    d = obj(data)
    return OfflineItem(
        cert_id=req_str(d, "cert_id"),
        holder_id=req_str(d, "holder_id"),
        holder_name=req_str(d, "holder_name"),
        certificate=certificate(d["certificate"]),
        queued_at=parse_time(d["queued_at"]),
    )


def offline_items(data: Any) -> list[OfflineItem]:
    return [offline_item(i) for i in req_list(obj(data), "items")]


def in_person_check(data: Any) -> InPersonCheck:
    d = obj(data)
    return InPersonCheck(
        renewal_id=req_str(d, "renewal_id"),
        id_checked=req_bool(d, "id_checked"),
        face_passed=req_bool(d, "face_passed"),
        face_tries_left=req_int(d, "face_tries_left"),
        attested=req_bool(d, "attested"),
        done=req_bool(d, "done"),
    )


def queue_entry(data: Any) -> QueueEntry:
    d = obj(data)
    state = req_str(d, "state")
    if state not in ("waiting", "issued"):
        raise MalformedResponse("state: unknown queue state")
    new_expiry = d.get("new_expiry")
    return QueueEntry(
        cert_id=req_str(d, "cert_id"),
        holder_id=req_str(d, "holder_id"),
        holder_name=req_str(d, "holder_name"),
        certificate=certificate(d["certificate"]),
        renewal_id=req_str(d, "renewal_id"),
        verified_at=opt_time(d, "verified_at"),
        verified_kiosk_id=opt_str(d, "verified_kiosk_id"),
        state=state,  # type: ignore[arg-type]  # narrowed by the check above
        new_serial=opt_str(d, "new_serial"),
        new_expiry=None if new_expiry is None else parse_date(new_expiry),
        in_person=in_person_check(d["in_person"]),
    )


def queue_entries(data: Any) -> list[QueueEntry]:
    return [queue_entry(i) for i in req_list(obj(data), "items")]


def issued_certificate(data: Any) -> IssuedCertificate:
    d = obj(data)
    pem = req_str(d, "certificate_pem").encode("ascii")
    ca = req_str(d, "ca_pem").encode("ascii")
    if not pem.startswith(b"-----BEGIN CERTIFICATE-----"):
        raise MalformedResponse("certificate_pem: expected a PEM certificate")
    return IssuedCertificate(renewed=renewed_certificate(d), certificate_pem=pem, ca_pem=ca)


def ignore(data: Any) -> None:
    """For calls whose answer only confirms (e.g. `{"checked_at"}`): still must be JSON."""
    obj(data)
