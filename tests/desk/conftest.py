"""The counter desk's parts for real: a SoftHSM2 token per test (one SoftHSM2 store per
session: python-pkcs11 loads one module per process), the sandbox over HTTP, a SQLite
journal, H-OFFLINE verified at a kiosk and checked in person at the counter."""

from __future__ import annotations

import struct
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from cryptography import x509

from kiosk.desk.issuance import Issuance
from kiosk.services.api import QueueEntry, StaffSession
from kiosk.store.issuance import SqlIssuanceJournal
from kiosk.store.journal import SqlJournal
from kiosk.tokens.softhsm import SoftHsm, SoftHsmToken, softhsm
from kiosk.tokens.token import TokenModule
from tests.services.sandbox_walk import Kiosk

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
