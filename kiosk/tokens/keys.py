"""The keys of the holder's token as plain data, and the checks on an issued certificate:
no PKCS#11 here, so the desk's orchestrator (kiosk/desk/issuance.py) and the flow stage that
calls it import none. Why these keys: kiosk/tokens/token.py's docstring."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization

from kiosk.tokens.errors import CertificateMismatch


@dataclass(frozen=True)
class KeySpec:
    kind: str  # "ec" | "rsa"
    curve: str = ""  # named curve, for EC
    bits: int = 0  # modulus size, for RSA

    def describe(self) -> str:
        return f"EC {self.curve}" if self.kind == "ec" else f"RSA-{self.bits}"


KEY_SPECS: dict[str, KeySpec] = {
    "qualified": KeySpec("ec", curve="secp256r1"),
    "standard": KeySpec("ec", curve="secp256r1"),
    "encryption": KeySpec("rsa", bits=3072),
}


def key_spec(cert_type: str) -> KeySpec:
    try:
        return KEY_SPECS[cert_type]
    except KeyError:
        raise ValueError(f"no token key for certificate type {cert_type!r}") from None


@dataclass(frozen=True)
class TokenKey:
    """A key pair on the token, named by its CKA_ID (hex): public data only."""

    key_id: str
    spec: KeySpec
    public_key_der: bytes  # SubjectPublicKeyInfo


def check_certificate(cert: x509.Certificate, key: TokenKey, ca_cert: x509.Certificate) -> None:
    """The certificate is for this token's key and the registry CA signed it."""
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    if spki != key.public_key_der:
        raise CertificateMismatch("public key differs from the token's key")
    try:
        cert.verify_directly_issued_by(ca_cert)
    except (InvalidSignature, ValueError, TypeError) as exc:
        raise CertificateMismatch(f"not signed by the registry CA: {type(exc).__name__}") from None


def new_key_id() -> str:
    """A fresh CKA_ID (hex): random, so two renewals on one token never share a key."""
    return secrets.token_hex(8)
