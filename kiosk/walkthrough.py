"""`kiosk walkthrough SCENARIO.toml`: a scripted renewal, headless, one JSON line per step.

Drives the real `RenewalFlow` against a backend (an embedded sandbox by default, or
`--backend URL`), answering each step from the scenario and reading the emailed and texted
codes from the sandbox outbox, the way a tester at a demo does. Prints one JSON line per
step the holder would see (step id, message ids, help codes, certificates, error), then a
final line with the outcome. Exit code 0 when outcome and help codes match `[expect]`.

Staff use it to train and to smoke-test a backend before opening the counter. The scenario
format is documented in README.md ("Walkthrough scenarios").

A scenario with an `interrupt` action runs in two processes: the first is killed hard
(`os._exit`) when the flow reaches the step, the second resumes from the journal.
`--interrupt-after CALL` (e.g. `registry.activate`) kills the process the moment that
backend call has answered, before the flow writes down what it answered: the window where
the backend has done something the journal does not know yet.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from kiosk.config import BackendConfig, ConfigError, check_backend_url
from kiosk.flows.inputs import InputSpec
from kiosk.flows.journal import AuditRecord
from kiosk.flows.renewal import RenewalFlow, StepView
from kiosk.flows.stages.signin import STAFF_PASSWORD
from kiosk.services.errors import (
    KIOSK_CONNECTION,
    KIOSK_TIMEOUT,
    KIOSK_UNEXPECTED,
    BackendError,
    EmailCodeExpired,
    EmailCodeUsed,
    ServiceUnavailable,
    SignedOut,
    SmsCodeExpired,
    TooManyRequests,
)

# A code that expired or was used: ask for a new one (R5).
RESEND_ON = (EmailCodeExpired.code, EmailCodeUsed.code, SmsCodeExpired.code)

EXIT_OK = 0
EXIT_MISMATCH = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 75  # the scripted "power cut": the next run resumes

OUTCOMES = ("activated", "offline", "refused", "staff")
# No considered answer, or "not now": the same step is simply tried again, a few times.
TRANSIENT = (KIOSK_CONNECTION, KIOSK_TIMEOUT, KIOSK_UNEXPECTED, TooManyRequests.code,
             ServiceUnavailable.code)
DEFAULT_ACTION_STEP = {
    "wrong_code": "email_code",
    "advance_clock": "email_code",
    "retake": "photo",
    "wrong_password": "activation_form",
    "bad_phrase": "activation_form",
    "mismatch_confirmation": "activation_form",
    "back": "declaration",
}
REPO_ROOT = Path(__file__).resolve().parent.parent
# Steps where `advance_clock` acts between asking for a code and typing it.
CODE_STEPS = ("email_code", "eid", "sign_in_code")


class ScenarioError(ValueError):
    pass


@dataclass
class Action:
    do: str
    at: str
    params: dict[str, Any]
    done: bool = False


@dataclass
class Scenario:
    path: Path
    holder: str
    lang: str
    photo: Path | bytearray  # a JPEG file, or one a camera took, in memory (its owner wipes it)
    activate: str | list[str]
    password: str | None
    revocation_phrase: str
    actions: list[Action]
    expect_outcome: str
    expect_help_codes: list[str]
    expect_seen: list[str]
    mode: str = "self"  # "self": the holder signs in; "staff": a counter look-up
    staff: dict[str, str] = field(default_factory=dict)
    activation_seconds: float = 0.5

    @property
    def interrupts(self) -> list[Action]:
        return [a for a in self.actions if a.do == "interrupt"]


def _resolve(path: str, base: Path) -> Path:
    candidate = Path(path)
    if candidate.is_absolute():
        return candidate
    for root in (base, Path.cwd(), REPO_ROOT):
        if (root / candidate).exists():
            return root / candidate
    raise ScenarioError(f"file not found: {path}")


def load_scenario(path: Path) -> Scenario:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ScenarioError(f"{path}: {exc}") from exc
    base = path.resolve().parent
    try:
        expect = raw.get("expect", {})
        outcome = str(expect["outcome"])
        if outcome not in OUTCOMES:
            raise ScenarioError(f"expect.outcome must be one of {OUTCOMES}")
        actions = []
        for item in raw.get("actions", []):
            do = str(item["do"])
            at = str(item.get("at") or DEFAULT_ACTION_STEP.get(do, ""))
            if not at:
                raise ScenarioError(f"action {do!r} needs `at` (a step id)")
            params = {k: v for k, v in item.items() if k not in ("do", "at")}
            if "photo" in params:
                params["photo"] = str(_resolve(str(params["photo"]), base))
            actions.append(Action(do, at, params))
        activate = raw.get("activate", "all")
        if not (activate == "all" or isinstance(activate, list)):
            raise ScenarioError('activate must be "all" or a list of serials')
        return Scenario(
            path=path,
            holder=str(raw["holder"]),
            lang=str(raw.get("lang", "zh-Hant")),
            photo=_resolve(str(raw["photo"]), base),
            activate=activate,
            password=raw.get("password"),
            revocation_phrase=str(raw.get("revocation_phrase", "")),
            actions=actions,
            expect_outcome=outcome,
            expect_help_codes=sorted(set(expect.get("help_codes", []))),
            expect_seen=sorted(set(expect.get("seen_help_codes", []))),
            mode=str(raw.get("mode", "self")),
            staff={str(k): str(v) for k, v in raw.get("staff", {}).items()},
            activation_seconds=float(raw.get("activation_seconds", 0.5)),
        )
    except KeyError as exc:
        raise ScenarioError(f"{path}: missing {exc.args[0]!r}") from exc
    except (TypeError, ValueError, AttributeError) as exc:
        # A value of the wrong kind (a list where a table goes, "x" for seconds…).
        raise ScenarioError(f"{path}: a value of the wrong type ({exc})") from exc


def _items(data: Mapping[str, object], key: str) -> list[dict[str, Any]]:
    value = data.get(key)
    return [dict(v) for v in value if isinstance(v, dict)] if isinstance(value, list) else []


# --- output ----------------------------------------------------------------------------------


def view_line(view: StepView, lang: str = "zh-Hant") -> dict[str, Any]:
    """What the holder would see on this step, as one JSON object (no personal inputs)."""
    shown = list(view.messages) + ([view.error] if view.error else [])
    certs: list[dict[str, Any]] = []
    for key in ("cloud", "non_cloud", "certificates"):
        for c in _items(view.data, key):
            certs.append({"serial": c["serial"], "type": c["type"], "status": c["status"]})
    line: dict[str, Any] = {
        "step": view.step_id,
        "step_number": view.step_number,
        "shows": {
            "messages": [m.id for m in view.messages],
            "texts": [m.full_text(lang) for m in view.messages],
            "help_codes": sorted({m.help_code for m in shown if m.help_code}),
            "certificates": certs,
        },
        "error": None
        if view.error is None
        else {**view.error.as_json(), "text": view.error.full_text(lang)},
        "inputs": list(view.inputs),
    }
    for key in (
        "emails",
        "address",
        "code_expires_at",
        "renewed",
        "reference",
        "score",
        "revoke",
        "cloud_username",
        "needs_new_password",
    ):
        if key in view.data:
            line["shows"][key] = view.data[key]
    if view.is_last:
        line["outcome"] = view.outcome
    return line


class Printer:
    def __init__(self, out: IO[str], lang: str = "zh-Hant") -> None:
        self.out = out
        self.lang = lang
        self.seen_codes: set[str] = set()

    def emit(self, obj: Mapping[str, Any]) -> None:
        self.out.write(json.dumps(obj, ensure_ascii=False, sort_keys=True) + "\n")
        self.out.flush()

    def view(self, view: StepView) -> None:
        line = view_line(view, self.lang)
        self.seen_codes.update(line["shows"]["help_codes"])
        self.emit(line)


# --- the scripted holder ----------------------------------------------------------------------


class Driver:
    """Answers each step as the scenario's holder would, reading codes from the outbox."""

    MAX_SUBMITS = 150

    def __init__(
        self,
        scenario: Scenario,
        flow: RenewalFlow,
        admin: Any,
        printer: Printer,
        interrupt: bool,
    ) -> None:
        self.s = scenario
        self.flow = flow
        self.admin = admin
        self.printer = printer
        self.interrupt = interrupt
        photo = scenario.photo
        self.photo = photo if isinstance(photo, bytearray) else photo.read_bytes()
        self.holder = self._holder_sheet()
        self._pending_views: list[StepView] = []
        self._transient_retries = 0
        flow.observers.append(self._observe)

    def _holder_sheet(self) -> dict[str, Any]:
        for h in self.admin.holders():
            if h.get("holder_id") == self.s.holder:
                return dict(h)
        raise ScenarioError(f"holder {self.s.holder!r} is not on the backend's list")

    def _observe(self, view: StepView) -> None:
        if self.interrupt:
            for action in self.s.interrupts:
                if action.at == view.step_id:
                    for pending in self._pending_views:
                        self.printer.view(pending)
                    self.printer.view(view)
                    self.printer.emit({"interrupted": view.step_id})
                    # The power cut: no cleanup, no flush of anything but what was committed.
                    os._exit(EXIT_INTERRUPTED)
        self._pending_views.append(view)

    def _flush(self, final: StepView) -> None:
        views = self._pending_views
        self._pending_views = []
        if views and views[-1].step_id == final.step_id:
            views = views[:-1]
        for v in views:
            self.printer.view(v)
        self.printer.view(final)

    def _action(self, do: str, step: str) -> Action | None:
        for a in self.s.actions:
            if not a.done and a.do == do and a.at == step:
                a.done = True
                return a
        return None

    def run(self) -> StepView:
        staff = self.s.mode == "staff"
        view = self.flow.start_staff() if staff else self.flow.start_self_service()
        self._flush(view)
        repeats = 0
        last_error = None
        for _ in range(self.MAX_SUBMITS):
            if view.is_last:
                return view
            if view.error is not None and view.error.help_code in TRANSIENT:
                self._transient_retries += 1
                if self._transient_retries > 5:
                    return view
                time.sleep(0.5)
            if view.error is not None and view.error.help_code == SignedOut.code:
                # Signed out (the clock moved on): sign in again; the flow resumes.
                view = self.flow.start_staff() if staff else self.flow.start_self_service()
                self._flush(view)
                continue
            if view.step_id not in CODE_STEPS and (
                advance := self._action("advance_clock", view.step_id)
            ):
                self.admin.advance_clock(float(advance.params.get("seconds", 301)))
            if self._action("back", view.step_id):
                view = self.flow.back()
                self._flush(view)
                continue
            answer = self.answer(view)
            view = self.flow.submit(answer)
            self._flush(view)
            repeats = repeats + 1 if view.error is not None and view.error == last_error else 0
            last_error = view.error
            if repeats >= 5:
                return view  # the same refusal again and again: the script cannot go on
        # Not an end state: the final line says "stuck" and the exit code is non-zero.
        return view

    # Each step's answer, input by input from the step's InputSpecs (the same contract the
    # page reads). Wrong answers scripted by `actions` come first, once each.
    def answer(self, view: StepView) -> dict[str, object]:
        names = {s.name for s in view.specs}
        if "action" in names and self._asks_for_code(view):
            return {"action": "request"}  # 獲取驗證碼 first: nothing else is typed yet
        answer: dict[str, object] = {"action": "verify"} if "action" in names else {}
        for spec in view.specs:
            if spec.name == "action":
                continue
            value = self._value(view, spec)
            if value is not None:
                answer[spec.name] = value
        return self._scripted_faults(view, answer)

    @staticmethod
    def _asks_for_code(view: StepView) -> bool:
        """A code page whose code was not sent yet, or went stale: ask for one."""
        data = view.data
        sent = bool(data.get("code_sent") or data.get("mobile_masked"))
        error = view.error.help_code if view.error else None
        return not sent or error in RESEND_ON

    def _value(self, view: StepView, spec: InputSpec) -> object | None:
        step, data = view.step_id, view.data
        if spec.kind == "flag":
            return True  # consent, declaration: the holder agrees
        if spec.kind == "photo":
            if retake := self._action("retake", step):
                return bytearray(Path(retake.params["photo"]).read_bytes())
            return bytearray(self.photo)
        if spec.kind == "choice" and spec.name == "address":
            unverified = [e["address"] for e in _items(data, "emails") if not e["verified"]]
            return unverified[0] if unverified else None
        if spec.kind == "choice" and spec.name == "cert_ids":
            if self.s.activate == "all":
                return "all"
            by_serial = {c["serial"]: c["cert_id"] for c in _items(data, "cloud")}
            return [by_serial.get(s, s) for s in self.s.activate]
        if spec.charset == "id":
            return self.holder["id_number"]
        if spec.kind == "digits":  # a six-digit code from the outbox
            to = str(data["address"]) if spec.name == "code" else None
            return self._code(to, "email_code" if spec.name == "code" else "sms_code", step)
        if spec == STAFF_PASSWORD or spec.name == "username":
            return self.s.staff.get(spec.name, "")
        if spec.name == "revocation_phrase" or spec.confirm_of == "revocation_phrase":
            return self.s.revocation_phrase
        if spec.kind == "secret":  # the cloud-sign password, or its confirmation
            return self.s.password or ""
        return None

    def _scripted_faults(self, view: StepView, answer: dict[str, object]) -> dict[str, object]:
        step = view.step_id
        confirm = next((s.name for s in view.specs if s.confirm_of == "password"), None)
        if "password" not in answer or "revocation_phrase" not in answer:
            return answer
        password = str(answer["password"])
        if wrong := self._action("wrong_password", step):
            answer["password"] = str(wrong.params.get("password", password + "x"))
            if confirm:
                answer[confirm] = answer["password"]
        elif bad := self._action("bad_phrase", step):
            answer["revocation_phrase"] = str(bad.params.get("phrase", "short"))
            if "revocation_phrase_confirm" in answer:
                answer["revocation_phrase_confirm"] = answer["revocation_phrase"]
        elif confirm and self._action("mismatch_confirmation", step):
            answer[confirm] = password + "-other"
        return answer

    def _code(self, to: str | None, kind: str, step: str) -> str:
        """The code from the outbox; scripted faults first: a wrong code, then a late one."""
        # SMS codes by the holder's (masked) mobile: kiosks of a site share one outbox.
        mask = self.holder.get("mobile_masked") if to is None else None
        code = self.admin.latest_code(to, kind, mobile_masked=mask)
        if self._action("wrong_code", step):
            return f"{(int(code) + 1) % 1_000_000:06d}"
        if advance := self._action("advance_clock", step):
            self.admin.advance_clock(float(advance.params.get("seconds", 301)))
        return code


# --- running ----------------------------------------------------------------------------------


@contextlib.contextmanager
def embedded_sandbox(activation_seconds: float) -> Iterator[str]:
    """The sandbox backend in this process, on a free port of 127.0.0.1, in a temp dir."""
    # Imported here only: the kiosk proper never depends on the sandbox package.
    from sandbox.app import SandboxSettings, create_app
    from sandbox.server import SandboxServer

    with tempfile.TemporaryDirectory(prefix="kiosk-walkthrough-") as tmp:
        settings = SandboxSettings(
            db_url=f"sqlite:///{Path(tmp) / 'sandbox.sqlite'}",
            activation_seconds=activation_seconds,
        )
        server = SandboxServer(create_app(settings), host="127.0.0.1", port=0)
        server.start()
        try:
            yield str(server.url)
        finally:
            server.stop()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", type=Path, help="scenario TOML file (see README)")
    parser.add_argument("--backend", help="base URL of a sandbox backend (default: embedded)")
    parser.add_argument("--journal", help="journal database URL (default: a temporary SQLite)")
    parser.add_argument("--json", action="store_true", help="JSON lines (the default output)")
    parser.add_argument(
        "--interrupt-at",
        action="append",
        default=[],
        metavar="STEP",
        help="exit hard (code 75) when the flow reaches STEP, as a power cut would",
    )
    parser.add_argument(
        "--interrupt-after",
        action="append",
        default=[],
        metavar="CALL",
        help="exit hard (code 75) as soon as backend CALL (e.g. registry.activate) answered, "
        "before the journal records its answer",
    )
    parser.add_argument(
        "--no-interrupt", action="store_true", help="ignore the scenario's interrupt actions"
    )
    parser.add_argument(
        "--receipt", type=Path, metavar="OUT.pdf",
        help="write the signed receipt this run would print (R31); its seal goes in the "
        "outcome line",
    )
    # A phase of an interrupted scenario: run in this process, never spawn phases again.
    parser.add_argument("--phase", action="store_true", help=argparse.SUPPRESS)


def _run_desk(args: argparse.Namespace) -> int | None:
    """A `mode = "desk"` scenario (kiosk/desk/walkthrough.py); None for any other."""
    from kiosk.desk import walkthrough as desk

    try:
        raw = desk.read_raw(args.scenario)
        if raw.get("mode") != "desk":
            return None
        scenario = desk.load_desk_scenario(args.scenario, raw, _resolve)
        if args.backend:
            check_backend_url(args.backend, "--backend")
    except (desk.DeskScenarioError, ScenarioError, ConfigError) as exc:
        print(f"kiosk walkthrough: {exc}", file=sys.stderr)
        return EXIT_USAGE
    printer = Printer(sys.stdout)
    with contextlib.ExitStack() as stack:
        backend = args.backend or stack.enter_context(embedded_sandbox(0.5))

        def lobby(path: Path, journal_url: str) -> bool:
            first = load_scenario(path)
            return _run_once(first, backend, journal_url, printer, interrupt=False) == EXIT_OK

        ok = desk.run_desk(scenario, backend, args.journal, printer, lobby)
    return EXIT_OK if ok else EXIT_MISMATCH


def run(args: argparse.Namespace) -> int:
    desk = _run_desk(args)
    if desk is not None:
        return desk
    try:
        scenario = load_scenario(args.scenario)
    except ScenarioError as exc:
        print(f"kiosk walkthrough: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:  # issue 12: https off loopback, said before anything runs
        if args.backend:
            check_backend_url(args.backend, "--backend")
    except ConfigError as exc:
        print(f"kiosk walkthrough: {exc}", file=sys.stderr)
        return EXIT_USAGE
    # The scenario's own interrupts run as two processes; --interrupt-at stops this one.
    phased = bool(scenario.interrupts) and not args.no_interrupt and not args.phase
    if args.interrupt_at or args.interrupt_after:
        scenario.actions = [a for a in scenario.actions if a.do != "interrupt"]
        scenario.actions += [Action("interrupt", step, {}) for step in args.interrupt_at]
        phased = False
    printer = Printer(sys.stdout, scenario.lang)
    with contextlib.ExitStack() as stack:
        backend = args.backend or stack.enter_context(embedded_sandbox(scenario.activation_seconds))
        journal_url = args.journal
        if journal_url is None:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="kiosk-journal-"))
            journal_url = f"sqlite:///{Path(tmp) / 'journal.sqlite'}"
        if phased:
            return _run_in_phases(args, backend, journal_url)
        return _run_once(
            scenario,
            backend,
            journal_url,
            printer,
            interrupt=not args.no_interrupt,
            kill_after=tuple(args.interrupt_after),
            receipt_out=getattr(args, "receipt", None),
        )
    return EXIT_USAGE  # pragma: no cover - ExitStack does not swallow


def _run_in_phases(args: argparse.Namespace, backend: str, journal_url: str) -> int:
    """Interrupted run, then the resume: two processes sharing the backend and journal."""
    base = [sys.executable, "-m", "kiosk", "walkthrough", str(args.scenario)]
    base += ["--backend", backend, "--journal", journal_url, "--phase"]
    first = subprocess.run(base, stdout=sys.stdout, stderr=sys.stderr, check=False)
    if first.returncode != EXIT_INTERRUPTED:
        return first.returncode
    second = subprocess.run(base + ["--no-interrupt"], stdout=sys.stdout, stderr=sys.stderr)
    return second.returncode


class _KillAfterCall:
    """A journal that cuts the power as soon as one of `calls` answered: the flow audits a
    call the moment it returns, before it journals the answer (a job id, a signature)."""

    def __init__(self, journal: Any, calls: tuple[str, ...], printer: Printer) -> None:
        self._journal = journal
        self._calls = calls
        self._printer = printer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._journal, name)

    def audit(self, record: AuditRecord) -> None:
        self._journal.audit(record)
        if record.call in self._calls and record.outcome == "ok":
            self._printer.emit({"interrupted": record.call})
            os._exit(EXIT_INTERRUPTED)


def _run_once(
    scenario: Scenario,
    backend: str,
    journal_url: str,
    printer: Printer,
    *,
    interrupt: bool,
    kill_after: tuple[str, ...] = (),
    receipt_out: Path | None = None,
) -> int:
    from kiosk.services.factory import build_sandbox_admin, build_services, close_services
    from kiosk.store import SqlJournal

    config = BackendConfig.for_sandbox(backend, timeout_s=30.0)
    journal = SqlJournal(journal_url)
    services = build_services(config, kiosk_id=journal.kiosk_id)
    admin = build_sandbox_admin(config)
    assert admin is not None
    flow_journal: Any = _KillAfterCall(journal, kill_after, printer) if kill_after else journal
    from kiosk.receipt.walkthrough import receipt_service

    receipts = receipt_service(services.registry, receipt_out) if receipt_out else None
    flow = RenewalFlow(services, flow_journal, lang=scenario.lang, receipts=receipts,
                       kiosk_id=receipts.kiosk_id if receipts else "", site="walkthrough")
    try:
        driver = Driver(scenario, flow, admin, printer, interrupt)
        final = driver.run()
    except (BackendError, LookupError, ScenarioError) as exc:
        printer.emit({"outcome": "error", "error": f"{type(exc).__name__}: {exc}"})
        return EXIT_MISMATCH
    finally:
        close_services(services)
        admin.close()
        journal.close()
    final_codes = sorted(
        {m.help_code for m in (*final.messages, final.error) if m is not None and m.help_code}
    )
    outcome = final.outcome if final.is_last else "stuck"
    ok = (
        outcome == scenario.expect_outcome
        and final_codes == scenario.expect_help_codes
        and set(scenario.expect_seen) <= printer.seen_codes
    )
    printer.emit(
        {
            "outcome": outcome,
            "help_codes": final_codes,
            "seen_help_codes": sorted(printer.seen_codes),
            "renewal_id": flow.renewal_id,
            "expected": {
                "outcome": scenario.expect_outcome,
                "help_codes": scenario.expect_help_codes,
                "seen_help_codes": scenario.expect_seen,
            },
            "ok": ok,
            **({"seal": flow.receipt.seal} if flow.receipt and flow.receipt.seal else {}),
        }
    )
    flow.reset()
    return EXIT_OK if ok else EXIT_MISMATCH
