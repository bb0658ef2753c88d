"""The counter desk's parts for real: a SoftHSM2 token per test (one SoftHSM2 store per
session: python-pkcs11 loads one module per process), the sandbox over HTTP, a SQLite
journal, H-OFFLINE verified at a kiosk and checked in person at the counter."""

from __future__ import annotations

import os
import struct
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography import x509
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from kiosk.config import BackendConfig
from kiosk.desk.issuance import Issuance
from kiosk.flows.renewal import RenewalFlow
from kiosk.flows.stages.desk import DeskParts, StatusRow
from kiosk.services.api import QueueEntry, StaffSession
from kiosk.services.factory import build_services
from kiosk.store import open_journal
from kiosk.store.issuance import SqlIssuanceJournal
from kiosk.store.journal import SqlJournal
from kiosk.tokens.softhsm import SoftHsm, SoftHsmToken, softhsm
from kiosk.tokens.token import TokenModule
from kiosk.ui.app import ensure_app
from kiosk.ui.main_window import MainWindow
from kiosk.ui.pages import CONTEXT
from tests.services.sandbox_walk import Kiosk
from tests.ui.ui_helpers import (
    click,
    field,
    screen_text,
    show_at_kiosk_size,
    stop_windows,
    type_into,
    wait_step,
)

PIN = "246810"  # a throw-away test token's PIN
SO_PIN = "13579135"


@pytest.fixture(scope="session")
def hsm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoftHsm]:
    store = softhsm(Path(tmp_path_factory.mktemp("softhsm")))
    store.activate()
    yield store
    store.cleanup()


@pytest.fixture(scope="session")
def module(hsm: SoftHsm) -> TokenModule:
    return TokenModule(hsm.module)


@pytest.fixture
def token(hsm: SoftHsm, module: TokenModule) -> SoftHsmToken:
    made = hsm.create_token(f"HOLDER-{uuid.uuid4().hex[:8]}", PIN, SO_PIN)
    module.reinitialize()  # the module finds tokens at C_Initialize
    return made


@dataclass
class Desk:
    kiosk: Kiosk
    staff: StaffSession
    entries: list[QueueEntry]
    journal: SqlJournal
    issuance_journal: SqlIssuanceJournal
    ca: x509.Certificate
    base_url: str

    def issuance(self, registry: object | None = None) -> Issuance:
        return Issuance(registry or self.kiosk.services.registry,  # type: ignore[arg-type]
                        self.issuance_journal, self.ca)


@pytest.fixture
def desk(sandbox_url: str, tmp_path: Path) -> Iterator[Desk]:
    kiosk = Kiosk(sandbox_url)
    _, renewal = kiosk.submitted("H-OFFLINE")
    reg = kiosk.services.registry
    staff = kiosk.staff_login()
    reg.check_id_number(staff, renewal.renewal_id, kiosk.id_number_of("H-OFFLINE"))
    reg.check_face(staff, renewal.renewal_id, kiosk.live_photo("H-OFFLINE"))
    entries = [e for e in reg.desk_queue(staff) if e.holder_id == "H-OFFLINE"]
    ca = x509.load_pem_x509_certificate(
        requests.get(f"{sandbox_url}/registry/v1/ca.pem", timeout=30).content)
    journal = SqlJournal(f"sqlite:///{tmp_path / 'journal.sqlite'}")
    yield Desk(kiosk, staff, entries, journal, SqlIssuanceJournal(journal), ca, sandbox_url)
    journal.close()
    kiosk.close()


def lock_user_pin(token: SoftHsmToken, module: TokenModule) -> None:
    """SoftHSM2 counts wrong PINs but never locks (upstream: no lockout by design). A
    hardware token sets CKF_USER_PIN_LOCKED in its own state at its limit: set that flag in
    SoftHSM2's token store as the token would."""
    store = next(token.folder.glob("token.object"))
    data = store.read_bytes()
    flags = int(module.lib.get_token(token_label=token.label).flags)
    at = data.index(struct.pack(">Q", flags))
    store.write_bytes(data[:at] + struct.pack(">Q", flags | 0x40000) + data[at + 8:])
    module.reinitialize()


# --- the desk's pages in a real MainWindow (pytest-qt, offscreen) ---------------------

SHOTS = Path(os.environ.get("DESKUI_SHOTS", "/tmp/deskui-shots"))


def shot_desk(window: MainWindow, name: str) -> None:
    from tests.ui.ui_helpers import shot

    path = shot(window, name)
    SHOTS.mkdir(parents=True, exist_ok=True)
    path.replace(SHOTS / path.name)


@pytest.fixture
def desk_window(
    qtbot: QtBot, sandbox_url: str, tmp_path: Path, module: TokenModule
) -> Iterator[Callable[..., tuple[MainWindow, Kiosk, Any]]]:
    ensure_app()
    CONTEXT.camera_source = "synthetic"
    journal = open_journal(f"sqlite:///{tmp_path / 'journal.sqlite'}")
    kiosk = Kiosk(sandbox_url)
    ca = x509.load_pem_x509_certificate(
        requests.get(f"{sandbox_url}/registry/v1/ca.pem", timeout=30).content)
    made: list[MainWindow] = []

    def make(receipts: Any = None, **kw: Any) -> tuple[MainWindow, Kiosk, Any]:
        """receipts: a ReceiptService, or a function registry -> ReceiptService."""
        services = build_services(BackendConfig.for_sandbox(sandbox_url))
        if callable(receipts):
            receipts = receipts(services.registry)
        parts = DeskParts(
            tokens=module, issuance_journal=SqlIssuanceJournal(journal), ca_cert=ca,
            receipts=receipts, kiosk_id="DESK-1", site="Counter",
            site_status=lambda: [
                StatusRow("kiosk K-LOBBY-1 printer", "fail", "offline",
                          "switch the printer on and load paper"),
                StatusRow("backend registry", "ok", "answers in 12 ms"),
            ])
        flow = RenewalFlow(services, journal, desk_parts=parts)
        window = show_at_kiosk_size(qtbot, MainWindow(flow, **kw))
        made.append(window)
        return window, kiosk, journal

    yield make
    stop_windows(made)
    journal.close()
    kiosk.close()


def sign_in(qtbot: QtBot, window: MainWindow) -> None:
    click(qtbot, window.page.buttons["staff"])  # type: ignore[union-attr]
    wait_step(qtbot, window, "staff_login")
    type_into(qtbot, field(window, "username"), "staff01")
    type_into(qtbot, field(window, "password"), "counter-demo-1")
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "desk_home")


def to_token_page(qtbot: QtBot, window: MainWindow, kiosk: Kiosk, lang: str) -> str:
    """Home -> queue (searched by ID number) -> 辦理 -> ID card number -> live photo."""
    click(qtbot, window.page.buttons["queue"])  # type: ignore[union-attr]
    wait_step(qtbot, window, "desk_queue")
    id_number = kiosk.id_number_of("H-OFFLINE")
    type_into(qtbot, field(window, "query"), id_number)
    click(qtbot, window.next_button)
    qtbot.waitUntil(lambda: bool(getattr(window.page, "finish_buttons", None))
                    and not window.working)
    text = screen_text(window)
    assert "C-OFFLINE" not in text  # references and serials, not internal ids
    entries = window.flow.current.data["entries"]  # type: ignore[attr-defined]
    assert [e["state"] for e in entries] == ["waiting", "waiting"]
    # When and where the holder was verified (this test client names no kiosk: "—").
    assert entries[0]["verified_at"] and entries[0]["verified_at"] in text
    assert (entries[0]["verified_kiosk_id"] or "—") in text and entries[0]["serial"] in text
    shot_desk(window, f"desk_queue_{lang}")
    (rid,) = window.page.finish_buttons  # type: ignore[union-attr]
    click(qtbot, window.page.finish_buttons[rid])  # type: ignore[union-attr]
    wait_step(qtbot, window, "desk_in_person")
    shot_desk(window, f"desk_in_person_{lang}")
    type_into(qtbot, field(window, "id_number"), kiosk.id_number_of("H-ABC"))
    click(qtbot, window.next_button)
    qtbot.waitUntil(lambda: window.error_panel.isVisible() and not window.working)
    assert "AC-AB-0061" in window.error_panel.help.text()
    field(window, "id_number").clear()
    type_into(qtbot, field(window, "id_number"), id_number)
    click(qtbot, window.next_button)
    wait_step(qtbot, window, "desk_face")
    shot_desk(window, f"desk_face_{lang}")
    window.page._photo(bytearray(kiosk.live_photo("H-OFFLINE")))  # type: ignore[union-attr]
    wait_step(qtbot, window, "desk_token")
    shot_desk(window, f"desk_token_{lang}")
    return rid


def type_pin(qtbot: QtBot, window: MainWindow, token: SoftHsmToken, pin: str) -> None:
    buttons = getattr(window.page, "token_buttons", {})
    if buttons:  # several tokens plugged in: the holder's is tapped (on its indicator)
        rb = buttons[token.label]
        qtbot.mouseClick(rb, Qt.MouseButton.LeftButton, pos=QPoint(12, rb.height() // 2))
        assert rb.isChecked()
    edit = field(window, "pin")
    edit.clear()
    type_into(qtbot, edit, pin)
    click(qtbot, window.next_button)
