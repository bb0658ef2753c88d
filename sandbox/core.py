"""Shared machinery of the four routers: one transaction per request, the clock, auth, outbox.

Every handler runs its work inside `tx(request)`. The sandbox is small, so all requests are
serialised by one lock: that makes "exactly once" (idempotency, activation) hold without
relying on SQLite's locking across threads, and it keeps each request one transaction that
either commits whole or leaves nothing behind.

With `locking="holder"` (the site bench, bench/site.py) requests made with a holder's token
run concurrently with other holders' requests: each takes its holder's lock and the shared
side of the gate; everything else (sign-in, staff, /sandbox controls, the R1 sweep) takes the
gate alone. State shared across holders stays under small locks of its own (faults, the CA,
its serials in sandbox/pki.py); SQLite serialises the writes of the commits.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import smtplib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet, InvalidToken
from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy import create_engine, delete, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from sandbox import models as m
from sandbox.errors import ApiError

if TYPE_CHECKING:
    from sandbox.app import SandboxSettings
    from sandbox.pki import CertificateAuthority

log = logging.getLogger("sandbox")

TOKEN_TTL = timedelta(minutes=30)
SWEEP_EVERY = timedelta(minutes=1)
SENDER = "noreply@esigntrust.example"


def utc_naive_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def iso(dt: datetime | None) -> str | None:
    """Times on the wire: ISO 8601 UTC with Z (docs/api.md)."""
    if dt is None:
        return None
    return dt.replace(microsecond=(dt.microsecond // 1000) * 1000).isoformat(
        timespec="milliseconds"
    ) + "Z"


def mask_mobile(mobile: str) -> str:
    digits = mobile.replace(" ", "")
    return f"{digits[:4]} ****{digits[-4:]}"


def add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


class Gate:
    """The sandbox's lock: exclusive (reentrant for its thread; `with gate:`), or shared by
    requests of different holders (`gate.shared()`). Waiting exclusives go first. It adds up
    the time it was held and the time callers waited, which the site bench reports."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._owner: int | None = None
        self._depth = 0
        self._shared = 0
        self._waiting = 0
        self._held_since = 0.0
        self.held_s = 0.0  # time during which anybody held it
        self.waited_s = 0.0  # summed over callers: time spent waiting for it

    def _taken(self) -> None:
        if self._owner is None and self._shared == 0:
            self._held_since = time.perf_counter()

    def _freed(self) -> None:
        if self._owner is None and self._shared == 0:
            self.held_s += time.perf_counter() - self._held_since
            self._cond.notify_all()

    def __enter__(self) -> Gate:
        me = threading.get_ident()
        with self._cond:
            if self._owner == me:
                self._depth += 1
                return self
            t0 = time.perf_counter()
            self._waiting += 1
            while self._owner is not None or self._shared:
                self._cond.wait()
            self._waiting -= 1
            self.waited_s += time.perf_counter() - t0
            self._taken()
            self._owner, self._depth = me, 1
        return self

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._depth -= 1
            if self._depth == 0:
                self._owner = None
                self._freed()

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            t0 = time.perf_counter()
            while self._owner is not None or self._waiting:
                self._cond.wait()
            self.waited_s += time.perf_counter() - t0
            self._taken()
            self._shared += 1
        try:
            yield
        finally:
            with self._cond:
                self._shared -= 1
                self._freed()


class RequestLocks:
    """Which lock a request takes: the gate alone, or its holder's lock under the shared gate."""

    def __init__(self, gate: Gate, per_holder: bool) -> None:
        self.gate = gate
        self.per_holder = per_holder
        self._guard = threading.Lock()
        self._holders: dict[str, threading.Lock] = {}

    @contextmanager
    def hold(self, holder_id: str | None) -> Iterator[bool]:
        """Yields True when the request runs alone (it may touch every holder's rows)."""
        if holder_id is None or not self.per_holder:
            with self.gate:
                yield True
            return
        with self._guard:
            lock = self._holders.setdefault(holder_id, threading.Lock())
        with self.gate.shared(), lock:
            yield False


@dataclass
class Mail:
    channel: str
    to: str
    subject: str
    body: str


class State:
    """Process-wide: engine, lock, secrets that never touch disk unprotected, the CA."""

    def __init__(self, settings: SandboxSettings) -> None:
        self.settings = settings
        self.engine: Engine = create_engine(
            settings.db_url,
            connect_args={"check_same_thread": False, "timeout": 30},
        )

        @event.listens_for(self.engine, "connect")
        def _pragmas(dbapi_conn: Any, _rec: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        _ensure_schema(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.lock = Gate()
        self.locks = RequestLocks(self.lock, settings.locking == "holder")
        self._small = threading.Lock()  # faults and the CA, shared by concurrent holders
        # Outbox bodies carry codes: encrypted with a key that exists only in this process.
        self.fernet = Fernet(Fernet.generate_key())
        with self.sessions.begin() as s:
            self.secret = _meta(s, "hmac_secret") or _set_meta(
                s, "hmac_secret", secrets.token_hex(32)
            )
        self._ca: CertificateAuthority | None = None
        if self.locks.per_holder:
            # Made now, not by the first activation: a request that wrote to the database
            # must not wait for a CA that another request is storing.
            self.ca()
        # Switched on by POST /sandbox/v1/faults; in memory, cleared by reset.
        self.faults: dict[str, int] = {}
        # A tester's own face is personal data: it stays in memory, never in the database
        # file. Faces given at start-up (kiosk-sandbox --face) come back after every reset,
        # so a demo can start over; faces posted over the API are cleared by reset.
        self.own_faces: dict[str, bytes] = {}
        self.startup_faces: dict[str, bytes] = {}
        # R1 runs on the clock: swept by clock/advance, and at most once a minute of sandbox
        # time by ordinary requests, so a sandbox left running for days sends its notices too.
        self.last_sweep: datetime | None = None

    def take_fault(self, name: str) -> bool:
        with self._small:
            left = self.faults.get(name, 0)
            if left > 0:
                self.faults[name] = left - 1
                return True
            return False

    def ca(self) -> CertificateAuthority:
        from sandbox import pki

        if self._ca is None:
            with self._small, self.sessions.begin() as s:
                key, cert = _meta(s, "ca_key_pem"), _meta(s, "ca_cert_pem")
                if self._ca is not None:
                    pass  # another request made it while this one waited
                elif key and cert:
                    self._ca = pki.CertificateAuthority.from_pem(key.encode(), cert.encode())
                else:
                    self._ca = pki.CertificateAuthority.create()
                    _set_meta(s, "ca_key_pem", _pem_text(self._ca.key_pem()))
                    _set_meta(s, "ca_cert_pem", _pem_text(self._ca.cert_pem()))
        return self._ca

    def hash(self, value: str, purpose: str) -> str:
        return hmac.new(
            self.secret.encode(), f"{purpose}:{value}".encode(), hashlib.sha256
        ).hexdigest()

    # --- clock --------------------------------------------------------------------------

    def clock_offset(self, s: Session) -> float:
        v = _meta(s, "clock_offset_s")
        return float(v) if v else 0.0

    def now(self, s: Session) -> datetime:
        return utc_naive_now() + timedelta(seconds=self.clock_offset(s))

    def reset_clock(self, s: Session) -> None:
        start = self.settings.start_time
        offset = 0.0
        if start is not None:
            start_naive = start.astimezone(UTC).replace(tzinfo=None) if start.tzinfo else start
            offset = (start_naive - utc_naive_now()).total_seconds()
        _set_meta(s, "clock_offset_s", repr(offset))

    def advance_clock(self, s: Session, seconds: float) -> None:
        _set_meta(s, "clock_offset_s", repr(self.clock_offset(s) + seconds))

    # --- outbox and SMTP ----------------------------------------------------------------

    def decrypt(self, blob: bytes) -> str | None:
        try:
            return self.fernet.decrypt(blob).decode()
        except InvalidToken:
            return None  # written by an earlier process whose key is gone

    def send_smtp(self, mails: list[Mail]) -> None:
        host, port = self.settings.smtp_host, self.settings.smtp_port
        if not host or not mails:
            return
        try:
            with smtplib.SMTP(host, port or 25, timeout=10) as smtp:
                for mail in mails:
                    msg = EmailMessage()
                    msg["From"] = SENDER
                    msg["To"] = mail.to
                    msg["Subject"] = mail.subject
                    msg["Date"] = formatdate(localtime=False)
                    msg["Message-ID"] = make_msgid(domain="esigntrust.example")
                    msg.set_content(mail.body, charset="utf-8")
                    smtp.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            # The outbox still has the message; the request must not fail for the mail relay.
            log.warning("SMTP delivery failed: %s", type(exc).__name__)

    def reset(self) -> None:
        from sandbox.seed import seed

        with self.lock, self.sessions.begin() as s:
            self.faults.clear()
            self.own_faces = dict(self.startup_faces)
            self.last_sweep = None
            for table in reversed(m.RESET_TABLES):
                s.execute(delete(table))
            self.reset_clock(s)
            seed(s, self.now(s), self)


def _schema_fingerprint() -> str:
    cols = [f"{t.name}.{c.name}" for t in m.Base.metadata.sorted_tables for c in t.columns]
    return hashlib.sha256("|".join(cols).encode()).hexdigest()[:16]


def _ensure_schema(engine: Engine) -> None:
    """A sandbox file from an older version is rebuilt, not migrated: its data are demo data.
    The meta table (CA, secrets) keeps its shape and survives."""
    m.Base.metadata.create_all(engine)
    fingerprint = _schema_fingerprint()
    with Session(engine) as s, s.begin():
        if _meta(s, "schema") == fingerprint:
            return
    resettable = [t for t in m.Base.metadata.sorted_tables if t.name != "meta"]
    m.Base.metadata.drop_all(engine, tables=resettable)
    m.Base.metadata.create_all(engine)
    with Session(engine) as s, s.begin():
        _set_meta(s, "schema", fingerprint)


def _pem_text(pem: bytes | str) -> str:
    return pem.decode() if isinstance(pem, bytes) else pem


def _meta(s: Session, key: str) -> str | None:
    row = s.get(m.Meta, key)
    return row.value if row else None


def _set_meta(s: Session, key: str, value: str) -> str:
    row = s.get(m.Meta, key)
    if row is None:
        s.add(m.Meta(key=key, value=value))
    else:
        row.value = value
    return value


@dataclass
class Tx:
    """One request's unit of work."""

    state: State
    s: Session
    request: Request
    now: datetime
    mails: list[Mail] = field(default_factory=list)  # sent once the transaction committed
    swept: bool = False  # the R1 sweep ran in this transaction

    @property
    def settings(self) -> SandboxSettings:
        return self.state.settings

    # --- auth ---------------------------------------------------------------------------

    def _bearer(self) -> str:
        header = self.request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError("AC-AB-0004")
        return token.strip()

    def _token(self, kind: str) -> m.Token:
        row = self.s.get(m.Token, self.state.hash(self._bearer(), "token"))
        if row is None or row.kind != kind or row.expires_at <= self.now:
            raise ApiError("AC-AB-0004")
        return row

    def holder_id_of_token(self) -> str | None:
        row = self.s.get(m.Token, self.state.hash(self._bearer(), "token"))
        return row.subject if row is not None else None

    def holder(self) -> m.Holder:
        holder = self.s.get(m.Holder, self._token("holder").subject)
        if holder is None:
            raise ApiError("AC-AB-0004")
        return holder

    def staff(self) -> str:
        return self._token("staff").subject

    def end_staff_session(self) -> str:
        """Signs the bearer's staff token out (401 AC-AB-0004 when it is not a live one)."""
        row = self._token("staff")
        self.s.delete(row)
        return row.subject

    def new_secret(
        self,
        row: type[m.Base],
        purpose: str,
        ttl: timedelta,
        /,
        *,
        nbytes: int = 32,
        hash_column: str = "token_hash",
        **columns: Any,
    ) -> tuple[str, datetime]:
        """A bearer secret handed out once (a session token, a consent token, an e-ID
        assertion): only its keyed hash (under `purpose`) is stored in a new `row`, with its
        expiry and the other `columns`; the secret itself goes back to the caller alone."""
        secret = secrets.token_urlsafe(nbytes)
        expires = self.now + ttl
        hashed = {hash_column: self.state.hash(secret, purpose)}
        self.s.add(row(**hashed, expires_at=expires, **columns))
        return secret, expires

    def sign_in(self, kind: str, subject: str, display_name: str) -> dict[str, Any]:
        """A new session token for a holder or a staff member, as the sign-in calls answer
        it: {kind}_token, {kind}_id, display_name, expires_at."""
        token, expires = self.new_secret(m.Token, "token", TOKEN_TTL, kind=kind, subject=subject)
        return {
            f"{kind}_token": token,
            f"{kind}_id": subject,
            "display_name": display_name,
            "expires_at": iso(expires),
        }

    def commit(self) -> list[Mail]:
        """Commits the request's work and returns the mails it queued, for SMTP. Only now
        does the R1 sweep count as done: a rolled-back request's sweep never happened."""
        self.s.commit()
        if self.swept:
            self.state.last_sweep = self.now
        return self.mails

    # --- outbox -------------------------------------------------------------------------

    def send(self, channel: str, kind: str, to: str, subject: str, body: str) -> None:
        self.s.add(
            m.OutboxMessage(
                channel=channel,
                kind=kind,
                to=to,
                subject=subject,
                body_enc=self.state.fernet.encrypt(body.encode()),
                sent_at=self.now,
            )
        )
        if channel == "email":
            self.mails.append(Mail(channel, to, subject, body))

    # --- idempotency --------------------------------------------------------------------

    def idempotent(
        self,
        body: dict[str, Any],
        run: Callable[[], tuple[int, dict[str, Any]]],
        *,
        scope: str,
    ) -> JSONResponse:
        """Answers a repeated Idempotency-Key with the first answer (R26: exactly once).

        Keys are scoped to who sent them (`scope`: the holder or the staff member), so one
        caller's key can neither replay nor block another's request. Only successful
        answers are kept: a refused attempt (wrong password...) may be retried with the
        same key once the person has corrected the input.
        """
        key = self.request.headers.get("idempotency-key", "").strip()
        if not key or len(key) > 200:
            raise ApiError("AC-AB-0001", {"header": "Idempotency-Key required (1-200 chars)"})
        # What a repeat must match: the same call with the same body. Keyed: the body may
        # hold a password, and a plain hash of it could be brute-forced.
        request_sig = {
            "method": self.request.method,
            "path": self.request.url.path,
            "body_sha256": self.state.hash(
                json.dumps(body, sort_keys=True, ensure_ascii=False), "idem"
            ),
        }
        seen = self.s.get(m.IdempotentResponse, (scope, key))
        if seen is not None:
            if {k: getattr(seen, k) for k in request_sig} != request_sig:
                raise ApiError("AC-AB-0034")
            return JSONResponse(seen.response, status_code=seen.status)
        status, answer = run()
        self.s.add(
            m.IdempotentResponse(
                scope=scope, key=key, status=status, response=answer, **request_sig
            )
        )
        return JSONResponse(answer, status_code=status)


def _sweep_due(state: State, now: datetime) -> bool:
    return state.last_sweep is None or now - state.last_sweep >= SWEEP_EVERY


def _lock_key(state: State, request: Request) -> str | None:
    """The holder whose lock the request takes when holders run concurrently; None: the
    request runs alone (no holder token, a staff token, or the R1 sweep is due)."""
    if not state.locks.per_holder:
        return None
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    with state.sessions() as s:
        row = s.get(m.Token, state.hash(token.strip(), "token"))
        if row is None or row.kind != "holder" or _sweep_due(state, state.now(s)):
            return None
        return row.subject


def get_state(request: Request) -> State:
    state: State = request.app.state.sandbox
    return state


@contextmanager
def tx(request: Request) -> Iterator[Tx]:
    """One request's transaction under the global lock. Emails are queued in the `Tx` and
    handed to SMTP only once the transaction committed and the lock is released, so a slow
    mail relay delays this one answer, never every request (and a rolled-back request sends
    nothing)."""
    state = get_state(request)
    committed: list[Mail] = []
    try:
        with state.locks.hold(_lock_key(state, request)) as alone:
            s = state.sessions()
            t = Tx(state, s, request, state.now(s))
            try:
                from sandbox.registry import finish_due_jobs

                if not request.url.path.startswith("/sandbox") and state.take_fault(
                    "unavailable_requests"
                ):
                    raise ApiError("AC-AB-0036")
                finish_due_jobs(t, None if alone else t.holder_id_of_token())
                if alone and _sweep_due(state, t.now):
                    from sandbox.control import due_notice_sweep

                    due_notice_sweep(t)
                    t.swept = True
                yield t
            except ApiError as exc:
                if exc.commit:
                    committed = t.commit()
                else:
                    s.rollback()
                raise
            except BaseException:
                s.rollback()
                raise
            else:
                committed = t.commit()
            finally:
                s.close()
    finally:
        state.send_smtp(committed)


@contextmanager
def staff_tx(request: Request) -> Iterator[Tx]:
    """`tx` for a call only a signed-in staff member may make (401 AC-AB-0004 otherwise)."""
    with tx(request) as t:
        t.staff()
        yield t


def real_time() -> float:
    return time.time()
