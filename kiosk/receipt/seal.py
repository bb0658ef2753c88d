"""The paper's QR seal (R31), after the EU Digital COVID Certificate; docs/receipt-seal.md.

    RK1: + base45( zlib( COSE_Sign1( CBOR map ) ) )

COSE_Sign1 (RFC 9052, tag 18) is built by hand with cbor2 + cryptography: the structure is
four CBOR items, and a hand-built one keeps the exact bytes the document describes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import base45
import cbor2
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from kiosk.receipt.model import ReceiptData, mask_name

PREFIX = "RK1:"
VERSION = 1
COSE_SIGN1_TAG = 18
ALG = 1
KID = 4
ES256 = -7
_MAX_INFLATED = 64 * 1024  # a seal is a few hundred bytes: refuse a zlib bomb


class SealError(Exception):
    """The text is not a valid seal, or its signature does not check out; str() says why."""


def key_id(cert: x509.Certificate) -> bytes:
    """kid: the first 8 bytes of the SHA-256 of the certificate's DER."""
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).digest()[:8]


def claims(data: ReceiptData) -> dict[str, Any]:
    """The seal's CBOR map (docs/receipt-seal.md, 'Claims')."""
    out: dict[str, Any] = {
        "v": VERSION,
        "ref": data.renewal_ref,
        "t": int(data.issued_at.timestamp()),
        "k": data.kiosk_id,
        "o": str(data.outcome),
        "h": data.id_number_masked,
        "n": mask_name(data.holder_name),
        "c": [
            {
                k: v
                for k, v in (
                    ("ty", row.cert_type),
                    ("os", row.old_serial),
                    ("oe", row.old_expiry.isoformat()),
                    ("ns", row.new_serial),
                    ("ne", row.new_expiry.isoformat() if row.new_expiry else None),
                    ("o", str(row.outcome)),
                    ("hc", row.help_code),
                )
                if v is not None
            }
            for row in data.certificates
        ],
    }
    if data.help_code:
        out["hc"] = data.help_code
    return out


def _sig_structure(protected: bytes, payload: bytes) -> bytes:
    return cbor2.dumps(["Signature1", protected, b"", payload])


def seal(data: ReceiptData, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate) -> str:
    """The seal text for the QR code."""
    protected = cbor2.dumps({ALG: ES256, KID: key_id(cert)})
    payload = cbor2.dumps(claims(data))
    der = key.sign(_sig_structure(protected, payload), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    cose = cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature]))
    return PREFIX + base45.b45encode(zlib.compress(cose, 9)).decode("ascii")


@dataclass(frozen=True)
class Opened:
    """A seal taken apart (not yet checked): the kid and the claims it carries."""

    kid: bytes
    claims: dict[str, Any]
    protected: bytes
    payload: bytes
    signature: bytes


def open_seal(text: str | bytes) -> Opened:
    """Decode a seal without checking its signature; SealError when it is malformed. A QR
    scanner may hand over bytes: they must be the seal's ASCII text."""
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("ascii")
        except UnicodeDecodeError:
            raise SealError("the seal is not ASCII text") from None
    if not isinstance(text, str):
        raise SealError("the seal is not text")
    text = text.strip()
    if not text.startswith(PREFIX):
        raise SealError(f"not a receipt seal (it does not start with {PREFIX})")
    try:
        compressed = base45.b45decode(text[len(PREFIX):])
    except (ValueError, KeyError):
        raise SealError("the seal is not valid base45 text") from None
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(compressed, _MAX_INFLATED)
    except zlib.error:
        raise SealError("the seal's zlib data are corrupt") from None
    if inflater.unconsumed_tail or not inflater.eof:
        raise SealError("the seal's zlib data are corrupt or too large")
    try:
        obj = cbor2.loads(raw)
    except Exception:  # cbor2 raises several types for broken input
        raise SealError("the seal is not valid CBOR") from None
    if isinstance(obj, cbor2.CBORTag):
        if obj.tag != COSE_SIGN1_TAG:
            raise SealError(f"CBOR tag {obj.tag} is not COSE_Sign1 (18)")
        obj = obj.value
    # cbor2 6 decodes arrays as tuples and maps as frozendicts
    if not (isinstance(obj, list | tuple) and len(obj) == 4):
        raise SealError("the seal is not a COSE_Sign1 structure")
    protected, _unprotected, payload, signature = obj
    if not all(isinstance(b, bytes) for b in (protected, payload, signature)):
        raise SealError("the seal is not a COSE_Sign1 structure")
    try:
        header = cbor2.loads(protected)
        body = cbor2.loads(payload)
    except Exception:
        raise SealError("the seal's header or payload is not valid CBOR") from None
    if not isinstance(header, Mapping) or header.get(ALG) != ES256:
        raise SealError("the seal's algorithm is not ES256 (alg -7)")
    kid = header.get(KID)
    if not isinstance(kid, bytes) or len(kid) != 8:
        raise SealError("the seal's protected header has no 8-byte kid")
    if not isinstance(body, Mapping) or body.get("v") != VERSION:
        raise SealError("the seal's payload is not a version-1 receipt")
    return Opened(kid, _thaw(body), protected, payload, signature)


def _thaw(value: Any) -> Any:
    """Plain dicts and lists (cbor2 6 gives frozendicts and tuples)."""
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_thaw(v) for v in value]
    return value


@dataclass(frozen=True)
class TrustedKey:
    kiosk_id: str
    kid: bytes
    certificate: x509.Certificate


def trusted_keys(
    ca: x509.Certificate, kiosk_certs: Iterable[tuple[str, x509.Certificate]]
) -> dict[bytes, TrustedKey]:
    """The kiosk certificates the registry CA really issued, by kid (others are dropped)."""
    out: dict[bytes, TrustedKey] = {}
    public = ca.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    for kiosk_id, cert in kiosk_certs:
        try:
            public.verify(
                cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(hashes.SHA256())
            )
        except InvalidSignature:
            continue
        if cert.issuer != ca.subject:
            continue
        out[key_id(cert)] = TrustedKey(kiosk_id, key_id(cert), cert)
    return out


def verify(text: str | bytes, keys: Mapping[bytes, TrustedKey]) -> dict[str, Any]:
    """The claims of a seal whose signature checks out against a trusted kiosk key, issued by
    the kiosk that key belongs to, while its certificate was valid; else SealError."""
    opened = open_seal(text)
    trusted = keys.get(opened.kid)
    if trusted is None:
        raise SealError(f"kid {opened.kid.hex()} is not in the registry's trust list")
    public = trusted.certificate.public_key()
    if not isinstance(public, ec.EllipticCurvePublicKey) or len(opened.signature) != 64:
        raise SealError("the seal's signature is not an ES256 signature")
    r = int.from_bytes(opened.signature[:32], "big")
    s = int.from_bytes(opened.signature[32:], "big")
    try:
        public.verify(
            encode_dss_signature(r, s),
            _sig_structure(opened.protected, opened.payload),
            ec.ECDSA(hashes.SHA256()),
        )
    except InvalidSignature:
        raise SealError("the seal's signature does not verify: the data were changed") from None
    body = opened.claims
    if body.get("k") != trusted.kiosk_id:
        raise SealError(f"the seal names kiosk {body.get('k')!r} but was signed by "
                        f"{trusted.kiosk_id!r}")
    when = body.get("t")
    if not isinstance(when, int) or isinstance(when, bool):
        raise SealError("the seal has no time")
    try:
        at = dt.datetime.fromtimestamp(when, dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise SealError("the seal's time is out of range") from None
    cert = trusted.certificate
    if not cert.not_valid_before_utc <= at <= cert.not_valid_after_utc:
        raise SealError("the seal was made outside its kiosk certificate's validity")
    return body
