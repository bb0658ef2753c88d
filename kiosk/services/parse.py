"""JSON bodies of docs/api.md -> the frozen dataclasses of kiosk/services/api.py.

Strict on purpose: a missing field or a wrong type raises `MalformedResponse`, which the
HTTP client reports as UnexpectedResponse (AC-KI-0003). A silently defaulted field could
show a holder the wrong expiry date or mark an address verified that is not.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import typing
from collections.abc import Callable, Hashable, Mapping
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, TypeVar, cast

from kiosk.services.api import (
    ActivationForm,
    ActivationJob,
    Application,
    Certificate,
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

T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)



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
#
# A result's fields are read by their declared types (kiosk/services/api.py); `given` names
# the fields whose JSON key or rule differs (a renamed key, a checked state, a nested list).


def _opt_date(d: Mapping[str, Any], key: str) -> date | None:
    value = d.get(key)
    return None if value is None else parse_date(value)


_READERS: dict[Any, Callable[[Mapping[str, Any], str], Any]] = {
    str: req_str,
    bool: req_bool,
    int: req_int,
    float: req_float,
    date: lambda d, key: parse_date(d[key]),
    datetime: lambda d, key: parse_time(d[key]),
    str | None: opt_str,
    datetime | None: opt_time,
    date | None: _opt_date,
}


def _reader(hint: Any) -> Callable[[Mapping[str, Any], str], Any]:
    if hint in _READERS:
        return _READERS[hint]
    if isinstance(hint, type) and issubclass(hint, StrEnum):
        return lambda d, key: _enum(hint, req_str(d, key), key)
    if dataclasses.is_dataclass(hint):
        return lambda d, key: record(hint, d[key])  # type: ignore[arg-type]
    if typing.get_origin(hint) is typing.Literal:
        allowed = typing.get_args(hint)
        return lambda d, key: _one_of(req_str(d, key), allowed, key)
    if typing.get_origin(hint) is tuple:
        item = typing.get_args(hint)[0]
        if item is str:
            return lambda d, key: _str_tuple(d[key])
        return lambda d, key: tuple(record(item, x) for x in req_list(d, key))
    raise TypeError(f"no reader for {hint!r}")  # a programming error, found by the tests


@functools.cache
def _fields(cls: Any) -> tuple[tuple[str, Callable[[Mapping[str, Any], str], Any]], ...]:
    hints = typing.get_type_hints(cls)
    return tuple((f.name, _reader(hints[f.name])) for f in dataclasses.fields(cls))


def record(cls: type[T], data: Any, **given: Any) -> T:
    """`cls` from a JSON object: each field under its own name, by its declared type."""
    d = obj(data)
    values = {name: given[name] if name in given else read(d, name)
              for name, read in _fields(cast(Hashable, cls))}
    return cls(**values)


def _one_of(value: str, allowed: tuple[str, ...], key: str) -> str:
    if value not in allowed:
        raise MalformedResponse(f"{key}: unknown value")
    return value


def _enum(cls: type[E], value: str, key: str) -> E:
    try:
        return cls(value)
    except ValueError:
        raise MalformedResponse(f"{key}: unknown value") from None


def _str_tuple(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise MalformedResponse("expected a list of strings")
    return tuple(value)


def certificate(data: Any) -> Certificate:
    return record(Certificate, data)


def certificates(d: Mapping[str, Any], key: str) -> tuple[Certificate, ...]:
    return tuple(certificate(c) for c in req_list(d, key))


def holder_session(data: Any) -> HolderSession:
    return record(HolderSession, data, token=req_str(obj(data), "holder_token"))


def staff_session(data: Any) -> StaffSession:
    return record(StaffSession, data, token=req_str(obj(data), "staff_token"))


def progress(data: Any) -> RenewalProgress:
    return record(RenewalProgress, data)


def renewal(data: Any) -> Renewal:
    return record(Renewal, data)


def email_status(data: Any) -> EmailStatus:
    return record(EmailStatus, data)


def email_statuses(data: Any) -> list[EmailStatus]:
    return [email_status(e) for e in req_list(obj(data), "emails")]


def code_sent(data: Any) -> CodeSent:
    return record(CodeSent, data)


def consent(data: Any) -> Consent:
    return record(Consent, data)


def face_match(data: Any) -> FaceMatch:
    return record(FaceMatch, data)


def application(data: Any) -> Application:
    return record(Application, data)


def eid_challenge(data: Any) -> EidChallenge:
    return record(EidChallenge, data)


def eid_assertion(data: Any) -> EidAssertion:
    return record(EidAssertion, data)


def signature(data: Any) -> Signature:
    return record(Signature, data)


def submission(data: Any) -> Submission:
    d = obj(data)
    notice = d.get("notice")
    notice_code: str | None = None
    if notice is not None:
        notice_code = req_str(obj(notice), "code")
        if not is_help_code(notice_code):
            raise MalformedResponse("notice.code: not a help code")
    return record(Submission, d, notice_code=notice_code)


def activation_form(data: Any) -> ActivationForm:
    return record(ActivationForm, data)


def renewed_certificate(data: Any) -> RenewedCertificate:
    return record(RenewedCertificate, data)


def activation_job(data: Any) -> ActivationJob:
    d = obj(data)
    return record(ActivationJob, d, error_help_code=opt_help_code(d, "error_code"),
                  cert_ids=_str_tuple(d.get("cert_ids") or []))


def activation_jobs(data: Any) -> list[ActivationJob]:
    return [activation_job(j) for j in req_list(obj(data), "activations")]


def offline_item(data: Any) -> OfflineItem:
    return record(OfflineItem, data)


def offline_items(data: Any) -> list[OfflineItem]:
    return [offline_item(i) for i in req_list(obj(data), "items")]


def in_person_check(data: Any) -> InPersonCheck:
    return record(InPersonCheck, data)


def queue_entry(data: Any) -> QueueEntry:
    return record(QueueEntry, data)


def queue_entries(data: Any) -> list[QueueEntry]:
    return [queue_entry(i) for i in req_list(obj(data), "items")]

# Every result's readers are resolved at import: a type without a reader fails here, never
# in front of a holder (where the client would report it as a malformed answer).
for _cls in (Certificate, HolderSession, StaffSession, RenewalProgress, Renewal, EmailStatus,
             CodeSent, Consent, FaceMatch, Application, EidChallenge, EidAssertion, Signature,
             Submission, ActivationForm, RenewedCertificate, ActivationJob, OfflineItem,
             InPersonCheck, QueueEntry):
    _fields(_cls)


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
