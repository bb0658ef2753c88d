"""The receipt PDF's PAdES signature (B-B) with the kiosk's key, and its check.

`pyhanko sign validate --trust CA.pem FILE.pdf` accepts what `sign` makes: the kiosk
certificate and the registry CA are embedded, the CA is the only trust root needed.
"""

from __future__ import annotations

import io
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from kiosk.receipt.identity import KioskIdentity

FIELD = "KioskReceiptSignature"
BYTES_RESERVED = 6144


class PdfSignatureError(Exception):
    """The PDF's signature is missing, broken, untrusted or does not cover the file."""


# The last identity's pyHanko signer and metadata: the key exported and every certificate
# re-parsed into asn1crypto for each receipt otherwise. Keyed by the identity object itself
# (a re-enrolled kiosk is a new object); one entry, so an old key is not kept around.
_SIGNER: list[tuple[KioskIdentity, Any, Any]] = []


def _signer(identity: KioskIdentity) -> tuple[Any, Any]:
    if _SIGNER and _SIGNER[0][0] is identity:
        return _SIGNER[0][1], _SIGNER[0][2]
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    der_key = identity.key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )

    def asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))

    signer = signers.SimpleSigner(
        signing_cert=asn1(identity.certificate),
        signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
        cert_registry=SimpleCertificateStore.from_certs([asn1(c) for c in identity.chain]),
    )
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD,
        reason="eSignTrust kiosk receipt",
        location=identity.kiosk_id,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
    )
    _SIGNER[:] = [(identity, signer, meta)]
    return signer, meta


def sign(pdf: bytes, identity: KioskIdentity) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    signer, meta = _signer(identity)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    # A fixed reservation: left to pyHanko, it signs a dummy first to measure the CMS, which
    # doubled the cost. A kiosk's CMS (ECDSA, two certificates) is about 1.6 kB.
    return bytes(signers.sign_pdf(writer, meta, signer=signer,
                                  bytes_reserved=BYTES_RESERVED).getvalue())


def verify(signed: bytes, ca: x509.Certificate) -> x509.Certificate:
    """The signing certificate if the last signature is intact, valid, chains to `ca` and
    covers the whole file; else PdfSignatureError saying which."""
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        signatures = PdfFileReader(io.BytesIO(signed), strict=False).embedded_signatures
    except Exception as exc:  # pyHanko raises several types for a broken file
        raise PdfSignatureError(f"not a readable PDF ({type(exc).__name__})") from None
    if not signatures:
        raise PdfSignatureError("the PDF carries no signature")
    root = asn1_x509.Certificate.load(ca.public_bytes(serialization.Encoding.DER))
    context = ValidationContext(trust_roots=[root], allow_fetching=False,
                                revocation_mode="soft-fail")
    try:
        status = validate_pdf_signature(signatures[-1], context)
    except Exception as exc:
        raise PdfSignatureError(f"the signature cannot be validated ({type(exc).__name__})") \
            from None
    if not status.intact:
        raise PdfSignatureError("the signed content was changed")
    if not status.valid:
        raise PdfSignatureError("the signature value does not verify")
    if not status.trusted:
        raise PdfSignatureError("the signer's certificate does not chain to the registry CA")
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        raise PdfSignatureError("the signature does not cover the whole file")
    return x509.load_der_x509_certificate(status.signing_cert.dump())
