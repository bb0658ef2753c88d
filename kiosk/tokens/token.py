"""The holder's PKCS#11 token at the counter desk (R32), over python-pkcs11.

Everything secret stays on the token: the key pair is generated there, sensitive and never
extractable, and the CSR is signed there. What leaves the token is public: the public key,
the CSR, the certificate. The PIN goes to C_Login and nowhere else (no log, no attribute,
no journal); wrong PINs are counted by the token itself, so a lock survives a kiosk restart.

Keys per certificate type (`KEY_SPECS` in kiosk/tokens/keys.py), for a three-year certificate:
- qualified and standard (signatures): EC P-256 with ECDSA/SHA-256, the curve of the
  registry CA; 128-bit security well past 2029.
- encryption: RSA-3072. Encryption needs a key that can encipher (ECDSA cannot); data
  encrypted to it must stay confidential after 2030, when NIST retires 112-bit RSA-2048.
- cloud-sign accounts never come to a token (activated online, R17).

SoftHSM2 (the demo's and the tests' token) refuses CKM_ECDSA_SHA256: the kiosk hashes the
request itself and signs the digest with CKM_ECDSA, then DER-encodes (r, s).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pkcs11
from asn1crypto import csr as acsr
from asn1crypto import keys as akeys
from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11 import exceptions as px
from pkcs11.util.ec import (
    encode_ec_public_key,
    encode_ecdsa_signature,
    encode_named_curve_parameters,
)
from pkcs11.util.rsa import encode_rsa_public_key
from pkcs11.util.x509 import decode_x509_certificate

from kiosk.tokens.errors import (
    PinIncorrect,
    PinLocked,
    TokenAbsent,
    TokenError,
    TokenRemoved,
)
from kiosk.tokens.keys import KeySpec, TokenKey, check_certificate

# PKCS#11 conditions that mean "the device went away" (unplugged, or its store vanished).
_REMOVED = (
    px.DeviceRemoved,
    px.TokenNotPresent,
    px.TokenNotRecognised,
    px.SessionClosed,
    px.SessionHandleInvalid,
    px.DeviceError,
    px.GeneralError,
)


def translate(exc: Exception) -> TokenError:
    """A python-pkcs11 exception as the kiosk's typed token error."""
    if isinstance(exc, TokenError):
        return exc
    name = type(exc).__name__
    if isinstance(exc, px.PinLocked):
        return PinLocked(name)
    if isinstance(exc, px.PinIncorrect | px.PinInvalid | px.PinLenRange):
        return PinIncorrect(name)
    if isinstance(exc, px.NoSuchToken):
        return TokenAbsent(name)
    if isinstance(exc, _REMOVED):
        return TokenRemoved(name)
    return TokenError(name)


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except TokenError:
        raise
    except (px.PKCS11Error, RuntimeError) as exc:
        # RuntimeError: python-pkcs11 raises it when the module returns an unknown code.
        raise translate(exc) from None


class TokenModule:
    """A PKCS#11 module (the .so). python-pkcs11 loads one module per process."""

    def __init__(self, path: str) -> None:
        self.path = path
        with _translated():
            self.lib = pkcs11.lib(path)

    def reinitialize(self) -> None:
        """C_Finalize + C_Initialize: how a module notices a token plugged back in."""
        with _translated():
            self.lib.reinitialize()

    def token_labels(self) -> list[str]:
        with _translated():
            return [t.label for t in self.lib.get_tokens()]

    def open(self, label: str, pin: str) -> TokenSession:
        """A read-write session logged in as the token's user; raises PinIncorrect /
        PinLocked / TokenAbsent. The caller closes it (or uses it as a context manager).

        A module that lost its token (pulled out) keeps failing until re-initialised, so a
        failure of that kind re-initialises it once and looks again: plugging the token back
        in is all the holder has to do."""
        try:
            return self._open(label, pin)
        except (TokenRemoved, TokenAbsent):
            self.reinitialize()
            return self._open(label, pin)

    def _open(self, label: str, pin: str) -> TokenSession:
        with _translated():
            try:
                token = self.lib.get_token(token_label=label)
            except px.MultipleTokensReturned:
                raise TokenError("MultipleTokensReturned") from None
            flags = token.flags
            if flags & pkcs11.TokenFlag.USER_PIN_LOCKED:
                raise PinLocked("USER_PIN_LOCKED")
            try:
                session = token.open(rw=True, user_pin=pin)
            except px.PinIncorrect:
                raise PinIncorrect("PinIncorrect", tries_left=_tries(self, label)) from None
        return TokenSession(token, session)


def _tries(module: TokenModule, label: str) -> str | None:
    try:
        flags = module.lib.get_token(token_label=label).flags
    except px.PKCS11Error:
        return None
    if flags & pkcs11.TokenFlag.USER_PIN_FINAL_TRY:
        return "final_try"
    if flags & pkcs11.TokenFlag.USER_PIN_COUNT_LOW:
        return "low"
    return None


class TokenSession:
    """One logged-in session on the holder's token."""

    def __init__(self, token: Any, session: Any) -> None:
        self.token = token
        self.session = session
        self.label: str = token.label
        self.serial: str = token.serial.decode() if isinstance(token.serial, bytes) else str(
            token.serial
        )

    def __enter__(self) -> TokenSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        # A token that is gone has nothing left to close.
        with contextlib.suppress(px.PKCS11Error, RuntimeError):
            self.session.close()

    # --- keys -------------------------------------------------------------------------

    def generate_key(self, key_id: str, spec: KeySpec, label: str) -> TokenKey:
        """A key pair generated ON the token: private key sensitive, never extractable."""
        ident = bytes.fromhex(key_id)
        private = {
            Attribute.SENSITIVE: True,
            Attribute.EXTRACTABLE: False,
            Attribute.SIGN: True,
            Attribute.DECRYPT: spec.kind == "rsa",
            Attribute.UNWRAP: spec.kind == "rsa",
            Attribute.DERIVE: False,
        }
        public = {
            Attribute.VERIFY: True,
            Attribute.ENCRYPT: spec.kind == "rsa",
            Attribute.WRAP: spec.kind == "rsa",
        }
        with _translated():
            if spec.kind == "ec":
                params = self.session.create_domain_parameters(
                    KeyType.EC,
                    {Attribute.EC_PARAMS: encode_named_curve_parameters(spec.curve)},
                    local=True,
                )
                params.generate_keypair(
                    store=True, label=label, id=ident,
                    public_template=public, private_template=private,
                )
            else:
                self.session.generate_keypair(
                    KeyType.RSA, spec.bits, store=True, label=label, id=ident,
                    public_template=public, private_template=private,
                )
        found = self.find_key(key_id, spec)
        if found is None:
            raise TokenRemoved("key not found after generation")
        return found

    def find_key(self, key_id: str, spec: KeySpec) -> TokenKey | None:
        """The key pair with this CKA_ID, if the token has both halves."""
        ident = bytes.fromhex(key_id)
        with _translated():
            pubs = list(self.session.get_objects(
                {Attribute.CLASS: ObjectClass.PUBLIC_KEY, Attribute.ID: ident}
            ))
            privs = list(self.session.get_objects(
                {Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.ID: ident}
            ))
            if not pubs or not privs:
                return None
            return TokenKey(key_id, spec, _spki(pubs[0], spec))

    def private_key_attributes(self, key_id: str) -> dict[str, bool]:
        """CKA_SENSITIVE, CKA_EXTRACTABLE, CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE, CKA_LOCAL
        as the token reports them: the evidence that the key never left it."""
        with _translated():
            key = self.session.get_key(
                object_class=ObjectClass.PRIVATE_KEY, id=bytes.fromhex(key_id)
            )
            return {
                "sensitive": bool(key[Attribute.SENSITIVE]),
                "extractable": bool(key[Attribute.EXTRACTABLE]),
                "always_sensitive": bool(key[Attribute.ALWAYS_SENSITIVE]),
                "never_extractable": bool(key[Attribute.NEVER_EXTRACTABLE]),
                "local": bool(key[Attribute.LOCAL]),
            }

    # --- the certification request ------------------------------------------------------

    def sign_csr(self, key: TokenKey, common_name: str, email: str, organisation: str) -> bytes:
        """A PKCS#10 request (DER) for this key, signed on the token."""
        name = ax509.Name.build(
            {"common_name": common_name, "email_address": email, "organization_name": organisation}
        )
        info = acsr.CertificationRequestInfo(
            {
                "version": "v1",
                "subject": name,
                "subject_pk_info": akeys.PublicKeyInfo.load(key.public_key_der),
                "attributes": [],
            }
        )
        to_sign = info.dump()
        with _translated():
            private = self.session.get_key(
                object_class=ObjectClass.PRIVATE_KEY, id=bytes.fromhex(key.key_id)
            )
            if key.spec.kind == "ec":
                digest = hashlib.sha256(to_sign).digest()
                signature = encode_ecdsa_signature(private.sign(digest, mechanism=Mechanism.ECDSA))
                algorithm = "sha256_ecdsa"
            else:
                signature = private.sign(to_sign, mechanism=Mechanism.SHA256_RSA_PKCS)
                algorithm = "sha256_rsa"
        request = acsr.CertificationRequest(
            {
                "certification_request_info": info,
                "signature_algorithm": {"algorithm": algorithm},
                "signature": signature,
            }
        )
        return bytes(request.dump())

    # --- the issued certificate ---------------------------------------------------------

    def find_certificate(self, key_id: str) -> x509.Certificate | None:
        with _translated():
            for obj in self.session.get_objects(
                {Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.ID: bytes.fromhex(key_id)}
            ):
                return x509.load_der_x509_certificate(bytes(obj[Attribute.VALUE]))
        return None

    def store_certificate(
        self, key: TokenKey, cert_pem: bytes, ca_cert: x509.Certificate, label: str
    ) -> x509.Certificate:
        """Checks the certificate against the token (its public key is this key's, it chains
        to the registry CA), writes it beside the key (same CKA_ID), reads it back and checks
        again. Idempotent: a certificate already there is checked, not written twice."""
        cert = x509.load_pem_x509_certificate(cert_pem)
        check_certificate(cert, key, ca_cert)
        existing = self.find_certificate(key.key_id)
        if existing is None:
            der = cert.public_bytes(serialization.Encoding.DER)
            attrs = decode_x509_certificate(der)
            attrs[Attribute.TOKEN] = True
            attrs[Attribute.LABEL] = label
            attrs[Attribute.ID] = bytes.fromhex(key.key_id)
            with _translated():
                self.session.create_object(attrs)
            existing = self.find_certificate(key.key_id)
            if existing is None:
                raise TokenRemoved("certificate not found after writing")
        check_certificate(existing, key, ca_cert)
        return existing


def _spki(public: Any, spec: KeySpec) -> bytes:
    """The public key object as a DER SubjectPublicKeyInfo, normalised through cryptography
    so it compares byte for byte with a certificate's."""
    der = encode_ec_public_key(public) if spec.kind == "ec" else _rsa_spki(public)
    loaded = serialization.load_der_public_key(der)
    return loaded.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _rsa_spki(public: Any) -> bytes:
    pkcs1 = encode_rsa_public_key(public)
    info = akeys.PublicKeyInfo(
        {
            "algorithm": {"algorithm": "rsa"},
            "public_key": akeys.RSAPublicKey.load(pkcs1),
        }
    )
    return bytes(info.dump())
