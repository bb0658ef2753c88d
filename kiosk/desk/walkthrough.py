"""`kiosk walkthrough` for `mode = "desk"` scenarios: the counter desk, headless (R32).

A desk scenario finishes a holder's offline renewal at the counter through the desk's
service layer (kiosk/desk/counter.py, kiosk/desk/issuance.py): staff sign in, the 待線下辦理
queue is searched by the holder's ID number, the officer types the ID card's number, the
live photo is tried (the scenario's photos in order; after three failures the officer
attests with the scenario's reason), the holder's token is opened with its PIN and each
waiting certificate is issued onto it. One JSON line per desk step, then the outcome line
with the issued certificates (`new_serial`, `new_expiry`).

`after = "h-offline.toml"` names the holder's lobby scenario: it runs first against the
same backend, so the record is verified in the offline queue (a lobby run is what puts it
there). The token: `token = { label, pin }`; with no PKCS#11 module configured
($KIOSK_PKCS11_MODULE) a throw-away SoftHSM2 token is made in a temporary folder and
removed afterwards.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from cryptography import x509

from kiosk.config import BackendConfig
from kiosk.desk.counter import Counter
from kiosk.desk.issuance import Issuance, Issued
from kiosk.services.api import QueueEntry
from kiosk.services.errors import BackendError, PhotoBelowThreshold
from kiosk.services.registry import RegistryClient
from kiosk.tokens.errors import TokenError

MODULE_ENV = "KIOSK_PKCS11_MODULE"  # the counter's PKCS#11 module (a real token's driver)
OUTCOMES = ("issued", "refused")


class DeskScenarioError(ValueError):
    pass


@dataclass
class DeskScenario:
    path: Path
    holder: str
    staff: dict[str, str]
    token_label: str
    token_pin: str
    photos: list[Path | bytearray]  # JPEG files, or ones a camera took, in memory
    attest: str
    after: Path | None
    expect_outcome: str
    expect_issued: list[str]
    expect_help_codes: list[str] = field(default_factory=list)


def load_desk_scenario(path: Path, raw: dict[str, Any], resolve: Any) -> DeskScenario:
    """`resolve(path, base)` finds a file named relative to the scenario (walkthrough's)."""
    base = path.resolve().parent
    try:
        expect = raw.get("expect", {})
        outcome = str(expect["outcome"])
        if outcome not in OUTCOMES:
            raise DeskScenarioError(f"expect.outcome of a desk scenario is one of {OUTCOMES}")
        token = dict(raw["token"])
        in_person = dict(raw.get("in_person", {}))
        after = raw.get("after")
        return DeskScenario(
            path=path,
            holder=str(raw["holder"]),
            staff={str(k): str(v) for k, v in dict(raw["staff"]).items()},
            token_label=str(token["label"]),
            token_pin=str(token["pin"]),
            photos=[resolve(str(p), base) for p in in_person.get("photos", [])],
            attest=str(in_person.get("attest", "")),
            after=resolve(str(after), base) if after else None,
            expect_outcome=outcome,
            expect_issued=[str(t) for t in expect.get("issued", [])],
            expect_help_codes=sorted(set(expect.get("help_codes", []))),
        )
    except KeyError as exc:
        raise DeskScenarioError(f"{path}: missing {exc.args[0]!r}") from exc
    except (TypeError, ValueError, AttributeError) as exc:
        raise DeskScenarioError(f"{path}: a value of the wrong type ({exc})") from exc


def read_raw(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DeskScenarioError(f"{path}: {exc}") from exc


@contextlib.contextmanager
def holder_token(label: str, pin: str) -> Iterator[Any]:
    """The configured module, or a throw-away SoftHSM2 token (cleaned up on exit)."""
    from kiosk.tokens.token import TokenModule

    configured = os.environ.get(MODULE_ENV, "").strip()
    if configured:
        yield TokenModule(configured)
        return
    from kiosk.tokens.softhsm import throwaway_token

    made = throwaway_token(label, pin)
    try:
        yield TokenModule(made.module)
    finally:
        made.hsm.cleanup()


class DeskDriver:
    """Does at the counter what the scenario says, printing one line per step."""

    def __init__(self, scenario: DeskScenario, backend: str, journal: Any, printer: Any) -> None:
        from kiosk.services.factory import build_sandbox_admin, build_services

        self.s = scenario
        self.config = BackendConfig.for_sandbox(backend, timeout_s=30.0)
        self.services = build_services(self.config, kiosk_id=journal.kiosk_id)
        registry = self.services.registry
        assert isinstance(registry, RegistryClient)  # the desk's calls are the client's
        self.registry = registry
        admin = build_sandbox_admin(self.config)
        assert admin is not None
        self.admin = admin
        self.journal = journal
        self.printer = printer
        self.help_codes: set[str] = set()

    def close(self) -> None:
        from kiosk.services.factory import close_services

        close_services(self.services)
        self.admin.close()

    def _step(self, step: str, error: dict[str, Any] | None = None, **shows: Any) -> None:
        # The lobby lines' shape: what the officer sees, and the error panel if any.
        codes = [error["help_code"]] if error else []
        self.printer.emit({"step": step, "error": error, "shows": {
            "messages": [], "help_codes": codes, "certificates": [], **shows}})

    def _refused(self, step: str, err: BackendError | TokenError) -> None:
        self.help_codes.add(err.help_code or "")
        self._step(step, {"help_code": err.help_code, "text": err.user_message()})

    def run(self) -> list[Issued]:
        reg = self.registry
        staff = reg.staff_login(self.s.staff["username"], self.s.staff["password"])
        self._step("desk_login")
        counter = Counter(reg, self.journal, staff)
        id_number = self._id_number()
        entries = [e for e in counter.queue(id_number) if e.holder_id == self.s.holder]
        self._step("desk_queue", certificates=[_entry_line(e) for e in entries])
        if not entries:
            return []
        rid = entries[0].renewal_id
        counter.check_id_number(rid, id_number)
        self._step("desk_id_number")
        if not self._in_person(counter, rid):
            return []
        return self._issue(staff, entries)

    def _id_number(self) -> str:
        for h in self.admin.holders():
            if h.get("holder_id") == self.s.holder:
                return str(h["id_number"])
        raise DeskScenarioError(f"holder {self.s.holder!r} is not on the backend's list")

    def _in_person(self, counter: Counter, rid: str) -> bool:
        for photo in self.s.photos:
            try:
                status = counter.check_face(
                    rid, photo if isinstance(photo, bytearray) else photo.read_bytes())
            except PhotoBelowThreshold as err:
                self._refused("desk_photo", err)
                continue
            self._step("desk_photo", face_passed=status.face_passed)
            if status.done:
                return True
        if self.s.attest:
            counter.attest(rid, self.s.attest)
            self._step("desk_attest", attested=counter.status(rid).attested)
            return True
        return False

    def _issue(self, staff: Any, entries: list[QueueEntry]) -> list[Issued]:
        from kiosk.store.issuance import SqlIssuanceJournal
        from kiosk.tokens.token import TokenModule

        ca_pem = requests.get(f"{self.config.registry_url}/ca.pem", timeout=30).content
        ca = x509.load_pem_x509_certificate(ca_pem)
        issuance = Issuance(self.registry, SqlIssuanceJournal(self.journal), ca)
        done: list[Issued] = []
        with holder_token(self.s.token_label, self.s.token_pin) as module:
            assert isinstance(module, TokenModule)
            try:
                with module.open(self.s.token_label, self.s.token_pin) as session:
                    self._step("desk_token", token=self.s.token_label)
                    for entry in entries:
                        issued = issuance.issue(staff, entry, session)
                        self._step("desk_issued", certificate=_issued_line(issued))
                        done.append(issued)
            except TokenError as err:
                self._refused("desk_token", err)
        return done


def _entry_line(e: QueueEntry) -> dict[str, Any]:
    return {"cert_id": e.cert_id, "type": e.certificate.type.value, "state": e.state,
            "verified_kiosk_id": e.verified_kiosk_id}


def _issued_line(d: Issued) -> dict[str, str]:
    return {"cert_id": d.cert_id, "type": d.type, "old_serial": d.old_serial,
            "new_serial": d.new_serial, "new_expiry": d.new_expiry.isoformat()}


def run_desk(scenario: DeskScenario, backend: str, journal_url: str | None, printer: Any,
             lobby: Any) -> bool:
    """Runs the lobby scenario named by `after` (through `lobby(path, journal_url)`, which
    answers whether it met its own expectations), then the desk. Whether all went as
    expected."""
    from kiosk.store import SqlJournal

    with contextlib.ExitStack() as stack:
        if journal_url is None:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="kiosk-desk-"))
            journal_url = f"sqlite:///{Path(tmp) / 'journal.sqlite'}"
        if scenario.after is not None and not lobby(scenario.after, journal_url):
            printer.emit({"outcome": "error", "error": f"lobby scenario {scenario.after.name} "
                          "did not end as it expects", "ok": False})
            return False
        journal = SqlJournal(journal_url)
        stack.callback(journal.close)
        driver = DeskDriver(scenario, backend, journal, printer)
        stack.callback(driver.close)
        try:
            issued = driver.run()
        except (BackendError, LookupError, DeskScenarioError) as exc:
            printer.emit({"outcome": "error", "error": f"{type(exc).__name__}: {exc}",
                          "ok": False})
            return False
        outcome = "issued" if issued and len(issued) == len(scenario.expect_issued) else "refused"
        codes = sorted(driver.help_codes)
        ok = (outcome == scenario.expect_outcome
              and sorted(d.type for d in issued) == sorted(scenario.expect_issued)
              and codes == scenario.expect_help_codes)
        printer.emit({
            "outcome": outcome,
            "issued": [_issued_line(d) for d in issued],
            "help_codes": codes,
            "expected": {"outcome": scenario.expect_outcome, "issued": scenario.expect_issued,
                         "help_codes": scenario.expect_help_codes},
            "ok": ok,
        })
        return ok
