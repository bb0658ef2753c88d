"""The staff PIN of a self-service kiosk (R33): a slow hash, a lockout, an audit record per try.

The PIN itself is never stored: only `scrypt$n=…,r=…,p=…$salt$hash` (random salt, the
parameters in the string so that they can be raised later without breaking stored PINs).
3 wrong PINs in a row lock the PIN for 5 minutes; the count and the end of the lock are
stored beside the hash, so a restart of the kiosk does not lift the lock. Every attempt
goes to the audit trail with its outcome only (never the digits typed).

The logic (`StaffPin`) is Qt-free and reads and writes through a `PinVault`; `SqlPinVault`
keeps the three values in the settings table under keys `kiosk settings` does not list.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from kiosk.flows.journal import AuditRecord

MAX_FAILURES = 3
LOCK_SECONDS = 300
PIN_MIN, PIN_MAX = 4, 12
# n=2**14, r=8: 16 MiB and some tens of ms per try; slow enough to make guessing a stolen
# hash expensive, quick enough for a person at the keypad.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
_MAXMEM = 64 * 1024 * 1024

KEY_HASH = "staff_pin.hash"
KEY_FAILURES = "staff_pin.failures"
KEY_LOCKED_UNTIL = "staff_pin.locked_until"

AUDIT_STEP = "staff_pin"
AUDIT_CALL = "staff.pin"

# Outcomes of `StaffPin.check` (also what the audit trail records).
OK, WRONG, LOCKED, NOT_SET = "ok", "wrong", "locked", "not_set"


class PinError(ValueError):
    """A PIN that may not be set (the message says what a PIN takes)."""


def pin_problem(pin: str) -> str | None:
    if not pin.isascii() or not pin.isdigit():
        return "a staff PIN takes digits only"
    if not PIN_MIN <= len(pin) <= PIN_MAX:
        return f"a staff PIN takes {PIN_MIN} to {PIN_MAX} digits"
    return None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_pin(pin: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    """The stored form of `pin`: scrypt with a fresh random salt, parameters included."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=32)
    return f"scrypt$n={n},r={r},p={p}${_b64(salt)}${_b64(digest)}"


def verify_pin(pin: str, stored: str) -> bool:
    """Whether `pin` hashes to `stored` (False for a malformed stored string)."""
    try:
        scheme, params, salt_b64, digest_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        values = dict(kv.split("=", 1) for kv in params.split(","))
        n, r, p = int(values["n"]), int(values["r"]), int(values["p"])
        salt = base64.b64decode(salt_b64, validate=True)
        expected = base64.b64decode(digest_b64, validate=True)
        digest = hashlib.scrypt(
            pin.encode(), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=len(expected)
        )
    except (ValueError, KeyError):
        return False
    return hmac.compare_digest(digest, expected)


class PinVault(Protocol):
    def read(self) -> dict[str, str]:
        """The stored values under KEY_HASH, KEY_FAILURES, KEY_LOCKED_UNTIL (absent: unset)."""

    def write(self, values: dict[str, str | None]) -> None:
        """Stores the given keys in one transaction (None removes a key)."""


@dataclass(frozen=True)
class PinCheck:
    outcome: str  # OK | WRONG | LOCKED | NOT_SET
    tries_left: int = MAX_FAILURES
    locked_until: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == OK

    def seconds_locked(self, now: datetime) -> int:
        if self.locked_until is None:
            return 0
        return max(0, int((self.locked_until - now).total_seconds() + 0.999))


def _utcnow() -> datetime:
    return datetime.now(UTC)


class StaffPin:
    """Checks a typed PIN against the stored hash, counting failures and locking."""

    def __init__(
        self,
        vault: PinVault,
        audit: Callable[[AuditRecord], None] | None = None,
        *,
        now: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.vault = vault
        self._audit = audit
        self._now = now

    def close(self) -> None:
        close = getattr(self.vault, "close", None)
        if callable(close):
            close()

    def set_pin(self, pin: str) -> None:
        problem = pin_problem(pin)
        if problem:
            raise PinError(problem)
        self.vault.write({KEY_HASH: hash_pin(pin), KEY_FAILURES: None, KEY_LOCKED_UNTIL: None})
        self._record("set")

    @property
    def is_set(self) -> bool:
        return KEY_HASH in self.vault.read()

    def status(self) -> PinCheck:
        """Whether the PIN may be tried now, without trying it (for the keypad's hint)."""
        values = self.vault.read()
        if KEY_HASH not in values:
            return PinCheck(NOT_SET, 0)
        until = self._locked_until(values)
        if until is not None:
            return PinCheck(LOCKED, 0, until)
        return PinCheck(OK, MAX_FAILURES - self._failures(values))

    def check(self, pin: str) -> PinCheck:
        values = self.vault.read()
        stored = values.get(KEY_HASH)
        if stored is None:
            result = PinCheck(NOT_SET, 0)
        elif (until := self._locked_until(values)) is not None:
            result = PinCheck(LOCKED, 0, until)  # not even hashed: no guessing while locked
        elif verify_pin(pin, stored):
            self.vault.write({KEY_FAILURES: None, KEY_LOCKED_UNTIL: None})
            result = PinCheck(OK)
        else:
            failures = self._failures(values) + 1
            if failures >= MAX_FAILURES:
                until = self._now() + timedelta(seconds=LOCK_SECONDS)
                self.vault.write({KEY_FAILURES: None, KEY_LOCKED_UNTIL: until.isoformat()})
                result = PinCheck(LOCKED, 0, until)
                # The third wrong PIN itself is recorded as wrong; the lock as its own record.
                self._record(WRONG)
            else:
                self.vault.write({KEY_FAILURES: str(failures), KEY_LOCKED_UNTIL: None})
                result = PinCheck(WRONG, MAX_FAILURES - failures)
        self._record(result.outcome)
        return result

    def _record(self, outcome: str) -> None:
        if self._audit is not None:
            self._audit(AuditRecord(step=AUDIT_STEP, call=AUDIT_CALL, outcome=outcome))

    def _failures(self, values: dict[str, str]) -> int:
        try:
            return max(0, int(values.get(KEY_FAILURES, "0")))
        except ValueError:
            return 0

    def _locked_until(self, values: dict[str, str]) -> datetime | None:
        text = values.get(KEY_LOCKED_UNTIL)
        if not text:
            return None
        try:
            until = datetime.fromisoformat(text)
        except ValueError:
            # Unreadable: treat as locked from now, never as unlocked.
            until = self._now() + timedelta(seconds=LOCK_SECONDS)
        if until.tzinfo is None:
            until = until.replace(tzinfo=UTC)
        return until if until > self._now() else None


class SqlPinVault:
    """The PIN's three values in the settings table (same database as the journal)."""

    def __init__(self, url: str | None = None, engine: Any = None) -> None:
        from sqlalchemy.orm import sessionmaker

        from kiosk.store.journal import make_engine
        from kiosk.store.paths import kiosk_identity

        self.engine = engine or make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Each terminal's own PIN: never a site-wide row.
        self.kiosk_id = kiosk_identity(url)

    def close(self) -> None:
        self.engine.dispose()

    def read(self) -> dict[str, str]:
        from sqlalchemy import select

        from kiosk.store.journal import SettingRow

        keys = (KEY_HASH, KEY_FAILURES, KEY_LOCKED_UNTIL)
        with self._sessions() as s:
            rows = s.scalars(
                select(SettingRow).where(
                    SettingRow.kiosk_id == self.kiosk_id, SettingRow.key.in_(keys)
                )
            )
            return {r.key: r.value for r in rows}

    def write(self, values: dict[str, str | None]) -> None:
        from kiosk.store.journal import SettingRow

        with self._sessions.begin() as s:
            for key, value in values.items():
                row = s.get(SettingRow, (self.kiosk_id, key))
                if value is None:
                    if row is not None:
                        s.delete(row)
                elif row is None:
                    s.add(SettingRow(kiosk_id=self.kiosk_id, key=key, value=value))
                else:
                    row.value = value


def open_staff_pin(url: str | None = None, *, now: Callable[[], datetime] = _utcnow) -> StaffPin:
    """The staff PIN of the database at `url` (the journal's), audited into its trail."""
    from kiosk.store import db_url
    from kiosk.store.journal import SqlJournal

    engine_url = db_url(url)
    vault = SqlPinVault(engine_url)
    journal = SqlJournal(engine=vault.engine)
    return StaffPin(vault, journal.audit, now=now)
