"""R31: the kiosk's own identity — enrolment, the keyring-protected key, the trust list."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import serialization

from kiosk.cli import main as kiosk_main
from kiosk.receipt.identity import (
    KEYRING_SERVICE,
    KEYRING_USER,
    IdentityStore,
    KeyringUnavailable,
    NotEnrolled,
    enrol,
)
from kiosk.receipt.model import Outcome
from kiosk.receipt.service import ReceiptService, make_receipt
from kiosk.receipt.verify import verify_seal
from kiosk.services.errors import AuthError
from kiosk.services.registry import RegistryClient
from tests.receipt.conftest import KeyringSession
from tests.receipt.helpers import receipt_data


def test_r31_enrol_keeps_the_key_encrypted_and_its_passphrase_in_gnome_keyring(
    registry: RegistryClient, keyring_session: KeyringSession, tmp_path: Path,
    sandbox_url: str,
) -> None:
    folder = tmp_path / "data"
    store = IdentityStore(folder, keyring_session.backend())
    identity = enrol(registry, "SANDBOX-KIOSK-DEMO", "LOBBY-7", store)

    passphrase = keyring_session.backend().get_password(KEYRING_SERVICE, KEYRING_USER)
    assert passphrase and len(passphrase) >= 32
    key_file = next(folder.glob("*key*"))
    blob = key_file.read_bytes()
    assert blob.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    for written in folder.iterdir():  # no secret in any file the kiosk writes
        assert passphrase.encode() not in written.read_bytes()
    with pytest.raises(TypeError):  # the file alone does not open
        serialization.load_pem_private_key(blob, password=None)
    assert (key_file.stat().st_mode & 0o777) == 0o600

    loaded = IdentityStore(folder, keyring_session.backend()).load()
    assert loaded.kiosk_id == "LOBBY-7" and loaded.kid == identity.kid

    listed = requests.get(f"{sandbox_url}/registry/v1/trust-list", timeout=10).json()
    entry = next(k for k in listed["kiosks"] if k["kiosk_id"] == "LOBBY-7")
    der = loaded.certificate.public_bytes(serialization.Encoding.DER)
    assert entry["key_id"] == hashlib.sha256(der).digest()[:8].hex()
    assert "BEGIN CERTIFICATE" in listed["ca_pem"]

    # what the loaded identity signs verifies against what the registry publishes
    made = make_receipt(receipt_data(Outcome.ACTIVATED), loaded)
    assert verify_seal(made.seal, registry.trust_list())["reference"] == "RN-TEST-0001"


def test_r31_kiosk_enrol_command(
    keyring_session: KeyringSession, tmp_path: Path, sandbox_url: str,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    import keyring
    from keyring.backends.SecretService import Keyring

    keyring.set_keyring(Keyring())
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "data"))
    code = kiosk_main(["enrol", "--code", "SANDBOX-KIOSK-DEMO", "--kiosk-id", "LOBBY-2",
                       "--backend", sandbox_url])
    assert code == 0, capsys.readouterr().err
    assert "enrolled kiosk LOBBY-2" in capsys.readouterr().out
    assert kiosk_main(["enrol", "--code", "WRONG", "--kiosk-id", "LOBBY-2",
                       "--backend", sandbox_url]) == 1
    assert "AC-AB-0051" in capsys.readouterr().err


def test_r31_wrong_enrolment_code_is_refused(registry: RegistryClient) -> None:
    from kiosk.receipt.identity import make_csr

    _, csr = make_csr("LOBBY-1")
    with pytest.raises(AuthError) as err:
        registry.enrol_kiosk("not-the-code", "LOBBY-1", csr.decode())
    assert err.value.help_code == "AC-AB-0051"


def test_r31_no_keyring_daemon_names_the_fix(
    bus_without_keyring: str, registry: RegistryClient, tmp_path: Path
) -> None:
    from keyring.backends.SecretService import Keyring

    store = IdentityStore(tmp_path / "data", Keyring())
    with pytest.raises(KeyringUnavailable) as err:
        enrol(registry, "SANDBOX-KIOSK-DEMO", "LOBBY-3", store)
    assert "gnome-keyring" in str(err.value) and "kiosk enrol" in str(err.value)
    assert not (tmp_path / "data").exists()  # nothing written, no code spent


def test_r31_no_keyring_backend_at_all_names_the_fix(tmp_path: Path) -> None:
    from keyring.backends import fail

    store = IdentityStore(tmp_path, None)
    store._backend = None
    import keyring

    old = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with pytest.raises(KeyringUnavailable, match="no keyring backend.*secretstorage"):
            store.check_keyring()
    finally:
        keyring.set_keyring(old)


def test_r31_not_enrolled_kiosk_says_so_and_the_receipt_comes_from_the_counter(
    tmp_path: Path, registry: RegistryClient, renewal_id: tuple[str, str]
) -> None:
    from kiosk.receipt.printing import NoPrinter

    with pytest.raises(NotEnrolled) as err:
        IdentityStore(tmp_path / "empty").load()
    assert "kiosk enrol --code" in str(err.value)

    service = ReceiptService(err.value, registry, NoPrinter())
    status = service.status()
    assert not status.can_sign and "kiosk enrol" in status.staff_message
    token, rid = renewal_id
    result = service.issue(receipt_data(Outcome.ACTIVATED, ref=rid), token)
    assert not result.printed and result.receipt is None
    assert result.help_code == "AC-KI-0305"
    assert "收據將由櫃檯提供" in result.holder_messages["zh-Hant"]
    assert "balcão" in result.holder_messages["pt"]


def test_r31_locked_keyring_names_the_fix(
    keyring_session: KeyringSession, registry: RegistryClient, tmp_path: Path
) -> None:
    import secretstorage

    folder = tmp_path / "data"
    enrol(registry, "SANDBOX-KIOSK-DEMO", "LOBBY-4", IdentityStore(folder,
                                                                   keyring_session.backend()))
    bus = secretstorage.dbus_init()
    secretstorage.get_default_collection(bus).lock()
    with pytest.raises(KeyringUnavailable) as err:
        IdentityStore(folder, keyring_session.backend()).load()
    assert "the keyring is locked: unlock it" in str(err.value)
    assert err.value.help_code == "AC-KI-0306"
