"""The kiosk's own signing identity (R31): an EC P-256 key and the registry's certificate.

`kiosk enrol --code CODE` makes the key, sends a CSR to `POST /registry/v1/kiosks/enrol` and
keeps the chain in the kiosk's data folder. The private key is kept there only as encrypted
PKCS#8, under a random passphrase that lives in the OS keyring (`keyring`): the folder alone
gives nothing away. `enrol_ephemeral` is for `kiosk demo` / `kiosk walkthrough` against a
sandbox: the key lives in memory for that run only, no keyring involved.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kiosk.receipt import texts
from kiosk.receipt.seal import key_id

KEYRING_SERVICE = "registry-kiosk"
KEYRING_USER = "receipt-signing-key"
DATA_DIR_ENV = "KIOSK_DATA_DIR"
DEMO_CODE = "SANDBOX-KIOSK-DEMO"  # the sandbox's enrolment code (docs/api.md)
_KEY_FILE = "kiosk-key.p8.pem"
_CHAIN_FILE = "kiosk-chain.pem"

KEYRING_FIX = (
    "install a Secret Service keyring (Debian: gnome-keyring, with the Python package "
    "secretstorage), run the kiosk inside a desktop or `dbus-run-session` session, and "
    "unlock the keyring (e.g. `gnome-keyring-daemon --unlock`); then run `kiosk enrol` again"
)


class IdentityError(Exception):
    """Base: the kiosk cannot sign receipts. `help_code` and `messages` are for the holder;
    str() is for staff and names the fix."""

    help_code = texts.NOT_ENROLLED

    @property
    def messages(self) -> dict[str, str]:
        return texts.help_messages(self.help_code)


class NotEnrolled(IdentityError):
    """No certificate in the data folder: run `kiosk enrol --code CODE`."""


class KeyringUnavailable(IdentityError):
    """No usable keyring backend, or it is locked; the message names the fix."""

    help_code = texts.KEYRING_UNAVAILABLE


@dataclass(frozen=True, repr=False)
class KioskIdentity:
    kiosk_id: str
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]  # issuers, registry CA last

    @property
    def kid(self) -> bytes:
        return key_id(self.certificate)

    def chain_pem(self) -> bytes:
        return b"".join(
            c.public_bytes(serialization.Encoding.PEM) for c in (self.certificate, *self.chain)
        )

    def __repr__(self) -> str:  # never the key
        return f"KioskIdentity(kiosk_id={self.kiosk_id!r}, kid={self.kid.hex()})"


def data_dir() -> Path:
    """$KIOSK_DATA_DIR, else the kiosk's per-user data folder (kiosk/store/paths.py)."""
    import platformdirs

    from kiosk.store.paths import APP_NAME

    env = os.environ.get(DATA_DIR_ENV)
    return Path(env) if env else Path(platformdirs.user_data_dir(APP_NAME))


def make_csr(kiosk_id: str) -> tuple[ec.EllipticCurvePrivateKey, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, kiosk_id)]))
        .sign(key, hashes.SHA256())
    )
    return key, csr.public_bytes(serialization.Encoding.PEM)


def _from_answer(
    kiosk_id: str, key: ec.EllipticCurvePrivateKey, answer: Mapping[str, Any]
) -> KioskIdentity:
    cert = x509.load_pem_x509_certificate(str(answer["certificate_pem"]).encode())
    if cert.public_key() != key.public_key():
        raise ValueError("the registry returned a certificate for another key")
    chain = tuple(x509.load_pem_x509_certificates(str(answer["chain_pem"]).encode()))
    return KioskIdentity(kiosk_id, key, cert, chain)


def enrol(registry: Any, code: str, kiosk_id: str, store: IdentityStore) -> KioskIdentity:
    """Enrol for good: the key goes to `store` (keyring passphrase first, so a keyring
    problem is found before the registry spends an enrolment code)."""
    store.check_keyring()
    key, csr = make_csr(kiosk_id)
    identity = _from_answer(kiosk_id, key, registry.enrol_kiosk(code, kiosk_id, csr.decode()))
    store.save(identity)
    return identity


def enrol_ephemeral(registry: Any, kiosk_id: str, code: str = DEMO_CODE) -> KioskIdentity:
    """An identity for this run only (demo, walkthrough): memory, no keyring, no file."""
    key, csr = make_csr(kiosk_id)
    return _from_answer(kiosk_id, key, registry.enrol_kiosk(code, kiosk_id, csr.decode()))


class IdentityStore:
    """The chain and the encrypted key in `folder`; the passphrase in the keyring."""

    def __init__(self, folder: Path | None = None, keyring_backend: Any = None) -> None:
        self.folder = folder or data_dir()
        self._backend = keyring_backend

    def _keyring(self) -> Any:
        if self._backend is not None:
            return self._backend
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
        if isinstance(backend, fail.Keyring) or type(backend).__name__ == "ChainerBackend" and \
                not getattr(backend, "backends", None):
            raise KeyringUnavailable(f"no keyring backend is available: {KEYRING_FIX}")
        return backend

    def _get_secret(self) -> str | None:
        from keyring.errors import KeyringError, KeyringLocked

        backend = self._keyring()
        try:
            value: str | None = backend.get_password(KEYRING_SERVICE, KEYRING_USER)
        except KeyringLocked:
            raise KeyringUnavailable(
                "the keyring is locked: unlock it (sign in to the kiosk's desktop session, or "
                "`gnome-keyring-daemon --unlock` with its password), then start the kiosk again"
            ) from None
        except KeyringError as exc:
            raise KeyringUnavailable(
                f"the keyring refused ({type(exc).__name__}): {KEYRING_FIX}"
            ) from None
        except Exception as exc:  # secretstorage/D-Bus errors when no session bus exists
            raise KeyringUnavailable(
                f"the keyring cannot be reached ({type(exc).__name__}): {KEYRING_FIX}"
            ) from None
        return value

    def check_keyring(self) -> None:
        """KeyringUnavailable unless the keyring answers (reading is enough to find a locked
        or missing backend)."""
        self._get_secret()

    def save(self, identity: KioskIdentity) -> None:
        from keyring.errors import KeyringError

        passphrase = secrets.token_urlsafe(32)
        try:
            self._keyring().set_password(KEYRING_SERVICE, KEYRING_USER, passphrase)
        except KeyringError as exc:
            raise KeyringUnavailable(
                f"the keyring refused to store the key's passphrase ({type(exc).__name__}): "
                f"{KEYRING_FIX}"
            ) from None
        except Exception as exc:
            raise KeyringUnavailable(
                f"the keyring cannot be reached ({type(exc).__name__}): {KEYRING_FIX}"
            ) from None
        blob = identity.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(passphrase.encode()),
        )
        self.folder.mkdir(parents=True, exist_ok=True)
        _write_private(self.folder / _KEY_FILE, blob)
        _write_private(self.folder / _CHAIN_FILE, identity.chain_pem())

    def enrolled(self) -> bool:
        return (self.folder / _CHAIN_FILE).exists() and (self.folder / _KEY_FILE).exists()

    def load(self) -> KioskIdentity:
        """The stored identity; NotEnrolled / KeyringUnavailable say what staff must do."""
        if not self.enrolled():
            raise NotEnrolled(
                f"this kiosk is not enrolled (nothing in {self.folder}): "
                "run `kiosk enrol --code CODE` with the code the registry gave you"
            )
        secret = self._get_secret()
        if secret is None:
            raise KeyringUnavailable(
                "the keyring holds no passphrase for the kiosk's key (another user's keyring, "
                "or it was cleared): run `kiosk enrol --code CODE` again"
            )
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        try:
            key = load_pem_private_key(
                (self.folder / _KEY_FILE).read_bytes(), password=secret.encode()
            )
        except ValueError:
            raise KeyringUnavailable(
                "the keyring's passphrase does not open the kiosk's key: "
                "run `kiosk enrol --code CODE` again"
            ) from None
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise NotEnrolled("the stored kiosk key is not an EC key: run `kiosk enrol` again")
        certs = x509.load_pem_x509_certificates((self.folder / _CHAIN_FILE).read_bytes())
        cert, chain = certs[0], tuple(certs[1:])
        if cert.public_key() != key.public_key():
            raise NotEnrolled("the stored certificate is not the key's: run `kiosk enrol` again")
        cn = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        kiosk_id = str(cn[0].value).removeprefix("Kiosk ") if cn else ""
        return KioskIdentity(kiosk_id, key, cert, chain)


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def load_or_error(store: IdentityStore | None = None) -> KioskIdentity | IdentityError:
    """The stored identity, or the reason there is none (the kiosk still starts: the UI
    tells staff `str(error)` and the holder `error.messages`)."""
    try:
        return (store or IdentityStore()).load()
    except IdentityError as exc:
        return exc
