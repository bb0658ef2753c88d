"""A whitelist redactor for logging wizard state: only keys known to be harmless pass.

ID numbers, photos, codes, passwords, phrases, tokens and names never reach a log; anything
not on the list is replaced by a marker, so a new field is redacted until someone decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SAFE_KEYS = frozenset(
    {
        "step",
        "step_id",
        "renewal_id",
        "holder_id",
        "cert_id",
        "cert_ids",
        "activation_cert_ids",
        "type",
        "status",
        "expiry",
        "job_id",
        "state",
        "score",
        "threshold",
        "passed",
        "attempts_left",
        "retakes",
        "eid_failures",
        "code_failures",
        "help_code",
        "help_codes",
        "request_id",
        "outcome",
        "progress",
        "submitted_at",
        "verified",
        "count",
        "expires_in",
        "id",
        "kind",
    }
)
REDACTED = "<redacted>"


def redact(value: Any, key: str | None = None) -> Any:
    if isinstance(value, Mapping):
        return {str(k): redact(v, str(k)) for k, v in value.items()}
    if key is not None and key not in SAFE_KEYS:
        return REDACTED
    if isinstance(value, list | tuple):
        return [redact(v, key) for v in value]
    if isinstance(value, bytes | bytearray | memoryview):
        return REDACTED
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return REDACTED
