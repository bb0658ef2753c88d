"""The privacy sentinel run of `make faults` (issue 12, section 6): a whole renewal at the
lobby kiosk (receipt printed to an ESC/POS file and a CUPS queue) by a holder whose personal
data are sentinels, and an offline one finished at the counter desk
(kiosk/desk/walkthrough.py, a SoftHSM2 token opened with a sentinel PIN; its lobby photo
and the counter's live photo are marked too, taken by the camera view and given to the
walkthrough in memory), then every place the kiosk could have left them is scanned. (The
desk holder's lobby codes are not among the scanned sentinels: the outbox is read after
the lobby renewal only.)

The sentinels really pass through the kiosk: the sandbox's seed is given a holder whose ID
number, names, cloud-sign password and revocation phrase are sentinels (the holder types
the ID number, the flow shows the names, the activation form sends the password and a new
sentinel phrase), and the codes are the ones the sandbox sent (SMS and email). The run
asserts the sandbox received them: the sign-in found the sentinel ID and the sandbox sent
its codes to that holder, the activation took the sentinel password (the sandbox checks it
against its hash) and the sentinel phrase (checked against R24's rules, then stored hashed).

Scanned afterwards, as bytes (UTF-8, and UTF-16 for the text sentinels): every log record of
the run (any logger, DEBUG and up, message and arguments), the journal's SQLite file (with
its -wal/-journal), the files under temp folders created during the run, the kiosk's data
folder and the print output. What the receipt legitimately prints is the holder's name and
the MASKED ID number ('5*****1(4)'): the masked form never contains the sentinel ID's digits
(the sentinel is the full number, whose middle the mask hides), and the names are sentinels
everywhere but the print output, where printing them is the receipt's job (the ESC/POS
output is a raster image, so no text is in it anyway; the scan still looks).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.faults import marker

ID_NUMBER = "5937261(4)"
NAME = "QZXSENTINEL NAMEQZX"
NAME_ZH = "齾靐龘"
PASSWORD = "Qzx-Sentinel-Pw-71"
NEW_PHRASE = "QzxPhrase2026sentinel"
OLD_PHRASE = "QzxOldPhrase2026sentinel"
HOLDER = "H-SINGLE"
DESK_HOLDER = "H-OFFLINE"  # finished at the counter desk, onto a SoftHSM2 token
DESK_ID_NUMBER = "6284173(5)"
TOKEN_PIN = "804715"


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):
            self.texts.append(record.getMessage())
        self.texts.append(f"{record.msg!r} {record.args!r}")
        if record.exc_info:
            self.texts.append(logging.Formatter().formatException(record.exc_info))


@contextlib.contextmanager
def sentinel_seed() -> Iterator[None]:
    """The sandbox's H-SINGLE with sentinel personal data (reset the sandbox after entering)."""
    import sandbox.seed as seed

    saved = (seed.HOLDERS, seed.DEMO_PASSWORD, seed.DEMO_REVOCATION_PHRASE)
    ids = {HOLDER: ID_NUMBER, DESK_HOLDER: DESK_ID_NUMBER}
    seed.HOLDERS = tuple(
        dataclasses.replace(h, id_number=ids[h.holder_id], name=NAME, name_zh=NAME_ZH)
        if h.holder_id in ids else h for h in seed.HOLDERS)
    seed.DEMO_PASSWORD, seed.DEMO_REVOCATION_PHRASE = PASSWORD, OLD_PHRASE
    try:
        yield
    finally:
        seed.HOLDERS, seed.DEMO_PASSWORD, seed.DEMO_REVOCATION_PHRASE = saved


def _variants(value: str) -> list[bytes]:
    forms = [value]
    if "(" in value:  # an ID number also without its bracket, or its check digit
        forms += [value.replace("(", "").replace(")", ""), value.split("(")[0]]
    return [f.encode(enc) for f in forms for enc in ("utf-8", "utf-16-le")]


def scan_bytes(data: bytes, sentinels: dict[str, str], where: str) -> list[str]:
    return [f"{name} in {where}" for name, value in sentinels.items()
            if any(v in data for v in _variants(value))]


def _files(root: Path) -> Iterator[Path]:
    if root.is_file():
        yield root
        return
    for dirpath, _dirs, names in os.walk(root):
        for n in names:
            p = Path(dirpath) / n
            with contextlib.suppress(OSError):
                if p.is_file() and p.stat().st_size < 64 * 1024 * 1024:
                    yield p


def scan_file(path: Path, sentinels: dict[str, str], where: str) -> list[str]:
    """The sentinels in the file's bytes (an SQLite file's: also in its rows read back, WAL
    included, as a long value is split across pages), and the photo's marker
    (tests/faults/marker.py)."""
    data = path.read_bytes()
    hits = scan_bytes(data, sentinels, where)
    if data.startswith(b"SQLite format 3\x00"):
        rows = b"\n".join(marker.sqlite_values(path))
        hits += [h for h in scan_bytes(rows, sentinels, f"{where} (a row)")
                 if h.replace(" (a row)", "") not in hits]
    return hits + marker.scan_file(path, where)


def scan_tree(root: Path, sentinels: dict[str, str], where: str) -> list[str]:
    """`scan_file` on every file under `root`."""
    hits: list[str] = []
    for p in _files(root):
        with contextlib.suppress(OSError):
            hits += scan_file(p, sentinels, f"{where} {p.name}")
    return hits


def holder_clip(holder: str, camera: Path) -> Path:
    """The holder's camera clip, every frame marked, made from the sandbox's live photo of
    the holder's registered face (so the sandbox's face match passes), in `camera`: the
    camera's own folder, not the kiosk's (not scanned)."""
    import sandbox.seed as seed

    face = next(h.face for h in seed.HOLDERS if h.holder_id == holder)
    return marker.marked_clip(face, camera / f"{holder}-marked.avi")


@dataclasses.dataclass
class Places:
    """Where a run could have left personal data: its log records and the desk
    walkthrough's output (text), the folder of the journal's SQLite files, the temp folder
    (what is new in it since `tmp_before`), the kiosk's data folder, the print output (the
    ESC/POS file's folder, the CUPS queue's PDFs) and the print spool's folders."""

    log: list[str]
    desk_output: str
    journal_dir: Path
    tmp_root: Path
    tmp_before: set[Path]
    data_dir: Path
    print_out: Path
    cups_out: Path
    spool_dirs: list[Path]


def scan_places(p: Places, secrets_: dict[str, str], everything: dict[str, str]) -> list[str]:
    """Every sentinel of `everything` (the print output: of `secrets_`, as the receipt prints
    the name and the masked ID by design) and the photo's marker, in every place."""
    log = "\n".join(p.log).encode()
    hits = scan_bytes(log, everything, "the log") + marker.scan(log, "the log")
    desk_text = p.desk_output.encode()
    hits += scan_bytes(desk_text, everything, "the desk walkthrough output")
    hits += marker.scan(desk_text, "the desk walkthrough output")
    for f in sorted(p.journal_dir.glob("journal.sqlite*")):
        hits += scan_file(f, everything, f"the journal {f.name}")
    for new in sorted(set(p.tmp_root.iterdir()) - p.tmp_before):
        hits += scan_tree(new, everything, f"temp {new.name}")
    hits += scan_tree(p.data_dir, everything, "the data folder")
    hits += scan_tree(p.print_out, secrets_, "the print output")
    hits += scan_tree(p.cups_out, secrets_, "the CUPS queue's output")
    for folder in p.spool_dirs:
        hits += scan_tree(folder, everything, f"the print spool {folder.name}")
    return hits


def _renew(counter: Any, flow: Any, photo: bytearray) -> Any:
    """The renewal to its end: the harness's answers, with the sentinel password and the
    sentinel phrase on the activation form, and the marked photo taken by the camera view
    as the identity photo and the e-ID face (a copy each: the flow wipes what it is given)."""
    counter.flow = flow
    view = counter.sign_in(HOLDER)
    for _ in range(60):
        if view.is_last:
            break
        answer = counter.answer(view)
        if view.step_id == "activation_form":
            answer = {"password": PASSWORD, "revocation_phrase": NEW_PHRASE}
        for key in ("photo_jpeg", "face_jpeg"):
            if key in answer:
                answer[key] = bytearray(photo)
        view = flow.submit(answer)
        if view.error is not None:
            raise AssertionError(f"the sentinel renewal stopped at {view.step_id}: {view.error}")
    return view


class _BothPrinters:
    """The receipt printed twice, by the kiosk's two real kinds of printer: an ESC/POS
    file and a CUPS queue (the private cupsd's cups-pdf queue)."""

    def __init__(self, *printers: Any) -> None:
        self.printers = printers

    def print_pdf(self, pdf: bytes, paper: Any, title: str) -> None:
        for printer in self.printers:
            printer.print_pdf(pdf, paper, title)


def sentinel_run(sandbox_url: str, work: Path) -> dict[str, Any]:
    """One whole sentinel renewal; {'hits': [...], 'codes': N, 'received': {...}}. The
    receipt also goes through a private cupsd (tests/receipt/helpers.py private_cups), whose
    spool, temp, cache, state and log folders (and cups-pdf's spool) are scanned once its
    job is done; its output PDF is the paper, scanned like the ESC/POS output."""
    from tests.receipt.helpers import private_cups

    with private_cups() as cups:
        return _sentinel_run(sandbox_url, work, cups)


def _sentinel_run(sandbox_url: str, work: Path, cups: Any) -> dict[str, Any]:
    import requests

    from kiosk.receipt.identity import DATA_DIR_ENV, enrol_ephemeral
    from kiosk.receipt.printing import EscposPrinter, EscposTarget, SystemPrinter, page_count
    from kiosk.receipt.service import ReceiptService
    from kiosk.services.sandbox_admin import extract_code
    from kiosk.store import SqlJournal
    from tests.flows.harness import Counter

    work.mkdir(parents=True, exist_ok=True)
    data_dir, out = work / "kiosk-data", work / "print" / "receipt.escpos"
    data_dir.mkdir()
    (work / "camera").mkdir()  # the camera, not the kiosk: not scanned
    clip = holder_clip(HOLDER, work / "camera")
    desk_clip = holder_clip(DESK_HOLDER, work / "camera")
    desk_out = io.StringIO()
    out.parent.mkdir()
    out.touch()
    tmp_root = Path(tempfile.gettempdir())
    before = set(tmp_root.iterdir())
    records = _Records()
    root = logging.getLogger()
    level = root.level
    # Handlers already there (python-escpos calls logging.info, which installs a stderr one)
    # keep their level: DEBUG is for the scan, not for the terminal.
    quiet = [(h, h.level) for h in root.handlers]
    for h, was in quiet:
        h.setLevel(max(was, level or logging.WARNING))
    root.addHandler(records)
    root.setLevel(logging.DEBUG)
    saved_env = os.environ.get(DATA_DIR_ENV)
    os.environ[DATA_DIR_ENV] = str(data_dir)
    received: dict[str, Any] = {}
    try:
        with sentinel_seed():
            requests.post(f"{sandbox_url}/sandbox/v1/reset", timeout=60).raise_for_status()
            db = work / "journal.sqlite"
            counter = Counter(sandbox_url, db)
            try:
                from kiosk.flows.renewal import RenewalFlow

                photo = marker.capture(clip)  # 拍照 on the kiosk's camera view
                # H-OFFLINE's: at the lobby, then the counter's live photo
                desk_photos = (marker.capture(desk_clip), marker.capture(desk_clip))
                registry = counter.services.registry
                printer = _BothPrinters(EscposPrinter(EscposTarget("file", path=str(out))),
                                        SystemPrinter(cups.name))
                service = ReceiptService(enrol_ephemeral(registry, "LOBBY-S"), registry,
                                         printer)
                flow = RenewalFlow(counter.services, SqlJournal(f"sqlite:///{db}"),
                                   lang="zh-Hant", caps=counter.caps, sleep=lambda s: None,
                                   receipts=service, kiosk_id="LOBBY-S", site="Sentinel")
                view = _renew(counter, flow, photo)
                codes = [c for m in counter.admin.outbox()
                         if m.kind in ("sms_code", "email_code")
                         and (c := extract_code(m.body)) is not None]
                received = {
                    "sign_in_id": counter.sheet(HOLDER)["id_number"] == ID_NUMBER,
                    "activated_with_password": view.outcome == "activated",
                    "receipt_printed": bool((view.data.get("receipt") or {}).get("printed")),
                    # the photo the sandbox matched (the renewal got past it) is marked
                    "photo_marked": marker.in_bytes(bytes(photo)),
                }
                photo[:] = bytes(len(photo))
                paper = cups.wait_for_pdf()
                cups.wait_done()  # the job completed: cupsd has deleted its document
                received["cups_pages"] = page_count(paper.read_bytes())
            finally:
                counter.close()
            received["desk_photos_marked"] = all(marker.in_bytes(bytes(p)) for p in desk_photos)
            received["desk_issued"] = desk_run(sandbox_url, work, desk_out, desk_photos)
            for p in desk_photos:
                p[:] = bytes(len(p))
    finally:
        root.removeHandler(records)
        root.setLevel(level)
        for h, was in quiet:
            h.setLevel(was)
        if saved_env is None:
            os.environ.pop(DATA_DIR_ENV, None)
        else:
            os.environ[DATA_DIR_ENV] = saved_env
        # the seed back to its own data for whatever runs next
        requests.post(f"{sandbox_url}/sandbox/v1/reset", timeout=60)
    secrets_ = {"id_number": ID_NUMBER, "password": PASSWORD, "new_phrase": NEW_PHRASE,
                **{f"code_{i}": c for i, c in enumerate(codes)}}
    everything = {**secrets_, "name": NAME, "name_zh": NAME_ZH}
    everything["token_pin"] = TOKEN_PIN
    everything["desk_id_number"] = DESK_ID_NUMBER
    places = Places(log=records.texts, desk_output=desk_out.getvalue(), journal_dir=work,
                    tmp_root=tmp_root, tmp_before=before, data_dir=data_dir,
                    print_out=out.parent, cups_out=cups.out, spool_dirs=cups.spool_dirs())
    hits = scan_places(places, secrets_, everything)
    return {"hits": hits, "codes": len(codes), "received": received,
            "printed_bytes": out.stat().st_size, "log_records": len(records.texts)}


def desk_run(sandbox_url: str, work: Path, out: io.StringIO,
             photos: tuple[bytearray, bytearray]) -> bool:
    """H-OFFLINE's lobby renewal (scenarios/h-offline.toml), then the counter desk finishes
    it onto a throw-away SoftHSM2 token opened with the sentinel PIN (scenarios/
    desk-h-offline.toml): whether both ended as their scenarios expect. `photos`: the marked
    ones the camera view took of H-OFFLINE, the lobby's and the counter's live photo, given
    to both scenarios in memory in place of their unmarked files."""
    from kiosk import walkthrough as lobby_walk
    from kiosk.desk import walkthrough as desk

    path = Path(__file__).resolve().parents[2] / "scenarios" / "desk-h-offline.toml"
    scenario = dataclasses.replace(
        desk.load_desk_scenario(path, desk.read_raw(path), lobby_walk._resolve),
        token_pin=TOKEN_PIN, photos=[photos[1]])
    printer = lobby_walk.Printer(out)

    def lobby(first: Path, journal_url: str) -> bool:
        own = dataclasses.replace(lobby_walk.load_scenario(first), photo=photos[0])
        return lobby_walk._run_once(own, sandbox_url, journal_url, printer,
                                    interrupt=False) == lobby_walk.EXIT_OK

    return bool(desk.run_desk(scenario, sandbox_url, f"sqlite:///{work / 'journal.sqlite'}",
                              printer, lobby))
