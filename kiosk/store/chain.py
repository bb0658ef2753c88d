"""The audit trail's hash chain: each kiosk's entries are numbered 1, 2, 3… and each one's
hash covers its content and the hash of the one before, so an entry changed, removed or
inserted afterwards shows as a break at that entry (`kiosk audit verify`).

The hashed form is frozen: changing it would make every existing chain look broken.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS = bytes(32)  # prev_hash of a kiosk's first entry
#: What an entry says, as an audit_trail row holds it; the hash adds where it stands in its
#: kiosk's chain (kiosk_id, seq) and the hash before it.
CONTENT = ("at", "renewal_id", "step", "call", "outcome", "help_code", "request_id")


def _when(at: datetime) -> str:
    return at.replace(tzinfo=None).isoformat(timespec="microseconds")


def entry_hash(
    *,
    kiosk_id: str,
    seq: int,
    at: datetime,
    renewal_id: str | None,
    step: str,
    call: str,
    outcome: str,
    help_code: str | None,
    request_id: str | None,
    prev_hash: bytes,
) -> bytes:
    body = json.dumps(
        [
            "audit/1",
            kiosk_id,
            seq,
            _when(at),
            renewal_id,
            step,
            call,
            outcome,
            help_code,
            request_id,
            prev_hash.hex(),
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode()).digest()


def row_hash(row: Any, prev_hash: bytes | None = None) -> bytes:
    """The hash `row` (an AuditRow or anything with its attributes) should carry."""
    return entry_hash(
        kiosk_id=row.kiosk_id,
        seq=row.seq,
        prev_hash=row.prev_hash if prev_hash is None else prev_hash,
        **{name: getattr(row, name) for name in CONTENT},
    )


@dataclass(frozen=True)
class Break:
    """Where a kiosk's chain breaks and what is wrong there."""

    kiosk_id: str
    seq: int  # the entry's number in the kiosk's chain
    row_id: int | None
    problem: str

    def __str__(self) -> str:
        where = f"kiosk {self.kiosk_id}: entry {self.seq}"
        if self.row_id is not None:
            where += f" (row id {self.row_id})"
        return f"{where}: {self.problem}"


@dataclass(frozen=True)
class ChainReport:
    kiosk_id: str
    entries: int
    breaks: tuple[Break, ...]
    last_hash: bytes

    @property
    def ok(self) -> bool:
        return not self.breaks


def verify_rows(kiosk_id: str, rows: Iterable[Any]) -> ChainReport:
    """Checks one kiosk's entries (ordered by seq). Every break is reported, not only the
    first: a changed entry and a removed one elsewhere are both named."""
    breaks: list[Break] = []
    expected_seq = 1
    prev = GENESIS
    count = 0
    for row in rows:
        count += 1
        if row.seq != expected_seq:
            missing = (
                f"entry {expected_seq} is missing"
                if row.seq == expected_seq + 1
                else f"entries {expected_seq}-{row.seq - 1} are missing"
            )
            problem = (
                f"{missing} (removed from the trail)"
                if row.seq > expected_seq
                else f"numbered {row.seq} after entry {expected_seq - 1} (inserted or duplicated)"
            )
            breaks.append(Break(kiosk_id, row.seq, row.id, problem))
        if row.prev_hash != prev:
            breaks.append(
                Break(
                    kiosk_id,
                    row.seq,
                    row.id,
                    "does not follow the entry before it (prev_hash differs: an entry before"
                    " it was changed, removed or inserted)",
                )
            )
        if row_hash(row) != row.hash:
            breaks.append(
                Break(
                    kiosk_id,
                    row.seq,
                    row.id,
                    "its content was changed after it was written (hash does not match"
                    f" {_describe(row)})",
                )
            )
        prev = row.hash
        expected_seq = row.seq + 1
    return ChainReport(kiosk_id, count, tuple(breaks), prev)


def _describe(row: Any) -> str:
    at = _when(row.at) if row.at is not None else "?"
    return f"{at} {row.step} {row.call or '-'} {row.outcome}"
