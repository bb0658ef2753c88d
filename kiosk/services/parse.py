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

from kiosk.services import api
from kiosk.services.http import MalformedResponse, is_help_code

T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)



def obj(data: Any) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise MalformedResponse("expected a JSON object")
    return data


def _required(cls: type[T], what: str) -> Callable[[Mapping[str, Any], str], T]:
    """The reader of a field that must be there and of type `cls` (JSON's true and false
    are never numbers)."""

    def read(d: Mapping[str, Any], key: str) -> T:
        value = d[key]
        if not isinstance(value, cls) or (isinstance(value, bool) and cls is not bool):
            raise MalformedResponse(f"{key}: expected {what}")
        return value

    return read


req_str = _required(str, "a string")
req_bool = _required(bool, "a boolean")
req_int = _required(int, "an integer")
req_list = _required(list, "a list")


def opt_str(d: Mapping[str, Any], key: str) -> str | None:
    value = d.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise MalformedResponse(f"{key}: expected a string or null")
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


def _parser(cls: type[T]) -> Callable[[Any], T]:
    """The parser of a result read field by field (`record`). Its readers are resolved
    here, at import: a type without a reader fails now, never in front of a holder (where
    the client would report it as a malformed answer)."""
    _fields(cast(Hashable, cls))

    def parse_record(data: Any) -> T:
        return record(cls, data)

    return parse_record


certificate = _parser(api.Certificate)
progress = _parser(api.RenewalProgress)
renewal = _parser(api.Renewal)
email_status = _parser(api.EmailStatus)
code_sent = _parser(api.CodeSent)
consent = _parser(api.Consent)
face_match = _parser(api.FaceMatch)
application = _parser(api.Application)
eid_challenge = _parser(api.EidChallenge)
eid_assertion = _parser(api.EidAssertion)
signature = _parser(api.Signature)
activation_form = _parser(api.ActivationForm)
renewed_certificate = _parser(api.RenewedCertificate)
offline_item = _parser(api.OfflineItem)
in_person_check = _parser(api.InPersonCheck)
queue_entry = _parser(api.QueueEntry)
# The results with a renamed key or a checked field (below) are read by `record` too.
for _cls in (api.HolderSession, api.StaffSession, api.Submission, api.ActivationJob):
    _fields(_cls)


def certificates(d: Mapping[str, Any], key: str) -> tuple[api.Certificate, ...]:
    return tuple(certificate(c) for c in req_list(d, key))


def holder_session(data: Any) -> api.HolderSession:
    return record(api.HolderSession, data, token=req_str(obj(data), "holder_token"))


def staff_session(data: Any) -> api.StaffSession:
    return record(api.StaffSession, data, token=req_str(obj(data), "staff_token"))


def email_statuses(data: Any) -> list[api.EmailStatus]:
    return [email_status(e) for e in req_list(obj(data), "emails")]


def submission(data: Any) -> api.Submission:
    d = obj(data)
    notice = d.get("notice")
    notice_code: str | None = None
    if notice is not None:
        notice_code = req_str(obj(notice), "code")
        if not is_help_code(notice_code):
            raise MalformedResponse("notice.code: not a help code")
    return record(api.Submission, d, notice_code=notice_code)


def activation_job(data: Any) -> api.ActivationJob:
    d = obj(data)
    return record(api.ActivationJob, d, error_help_code=opt_help_code(d, "error_code"),
                  cert_ids=_str_tuple(d.get("cert_ids") or []))


def activation_jobs(data: Any) -> list[api.ActivationJob]:
    return [activation_job(j) for j in req_list(obj(data), "activations")]


def offline_items(data: Any) -> list[api.OfflineItem]:
    return [offline_item(i) for i in req_list(obj(data), "items")]


def queue_entries(data: Any) -> list[api.QueueEntry]:
    return [queue_entry(i) for i in req_list(obj(data), "items")]


def issued_certificate(data: Any) -> api.IssuedCertificate:
    d = obj(data)
    pem = req_str(d, "certificate_pem").encode("ascii")
    ca = req_str(d, "ca_pem").encode("ascii")
    if not pem.startswith(b"-----BEGIN CERTIFICATE-----"):
        raise MalformedResponse("certificate_pem: expected a PEM certificate")
    return api.IssuedCertificate(renewed=renewed_certificate(d), certificate_pem=pem, ca_pem=ca)


def ignore(data: Any) -> None:
    """For calls whose answer only confirms (e.g. `{"checked_at"}`): still must be JSON."""
    obj(data)
