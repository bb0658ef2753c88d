"""The sandbox registry's certificate authority, its application form and the e-signature.

- CertificateAuthority: EC P-256 root; issues signing identities (holders, kiosks) and the
  16-hex-digit serials of renewed certificates.
- render_application: the renewal application form (R13 data, R14 declaration) as a PDF.
- sign_pdf / verify_pdf: a PAdES signature made and checked with pyHanko, the CA as the only
  trust root, no network (no revocation fetching).
"""

from __future__ import annotations

import datetime as dt
import io
import secrets
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from sandbox import pdf_text

ORGANISATION = "eSignTrust Sandbox"

CERT_TYPE_LABELS = {
    "cloud": "商業機構“雲簽”帳戶",
    "qualified": "商業機構合格證書",
    "standard": "標準證書",
    "encryption": "加密證書(商業機構)",
}
CERT_STATUS_LABELS = {"valid": "有效", "expired": "已過期", "revoked": "已撤銷"}
APPLICATION_TITLE = "電子證書服務（機構）- 證書續期申請"


class InvalidSignature(Exception):
    """The PDF carries no signature that is intact, valid, trusted and covers it all."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


_SHORT_NAMES = {
    NameOID.COMMON_NAME: "CN",
    NameOID.EMAIL_ADDRESS: "E",
    NameOID.ORGANIZATION_NAME: "O",
    NameOID.ORGANIZATIONAL_UNIT_NAME: "OU",
    NameOID.COUNTRY_NAME: "C",
}


def _key_usage(**on: bool) -> x509.KeyUsage:
    """A KeyUsage extension with only the named bits set."""
    bits = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
            "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")
    return x509.KeyUsage(**{bit: on.get(bit, False) for bit in bits})


def subject_string(name: x509.Name) -> str:
    """'CN=CHAN TAI MAN, E=chan@abc.example, O=…' in the order the certificate lists them."""
    parts = []
    for attribute in name:
        label = _SHORT_NAMES.get(attribute.oid, attribute.oid.dotted_string)
        parts.append(f"{label}={attribute.value!s}")
    return ", ".join(parts)


@dataclass(frozen=True)
class SigningIdentity:
    """An end-entity key and certificate. key_pem is secret: never log or store it in clear."""

    key_pem: bytes
    cert_pem: bytes
    subject: str
    serial: str
    # The issuing CA's certificate, embedded in signatures so a verifier can build the path.
    chain_pem: bytes = b""

    def __repr__(self) -> str:  # keeps the private key out of logs and tracebacks
        return f"SigningIdentity(subject={self.subject!r}, serial={self.serial!r})"


class CertificateAuthority:
    """The registry's root CA (sandbox only)."""

    def __init__(self, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate) -> None:
        self._key = key
        self._cert = cert
        self._issued: set[str] = set()
        self._lock = threading.Lock()

    @classmethod
    def create(
        cls, common_name: str = "eSignTrust Sandbox Root CA", *, now: dt.datetime | None = None
    ) -> CertificateAuthority:
        now = now or _now()
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
                x509.NameAttribute(NameOID.COUNTRY_NAME, "MO"),
            ]
        )
        public = key.public_key()
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                _key_usage(key_cert_sign=True, crl_sign=True),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .sign(key, hashes.SHA256())
        )
        return cls(key, cert)

    @classmethod
    def from_pem(cls, key_pem: bytes, cert_pem: bytes) -> CertificateAuthority:
        key = serialization.load_pem_private_key(key_pem, password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError("the CA key must be an EC key")
        cert = x509.load_pem_x509_certificate(cert_pem)
        if cert.public_key() != key.public_key():
            raise ValueError("the CA key does not belong to the CA certificate")
        return cls(key, cert)

    def key_pem(self) -> bytes:
        return self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def cert_pem(self) -> bytes:
        return self._cert.public_bytes(serialization.Encoding.PEM)

    @property
    def certificate(self) -> x509.Certificate:
        return self._cert

    def new_serial(self) -> str:
        """A fresh random serial: 16 uppercase hex digits, never 0, unique in this process."""
        with self._lock:
            while True:
                serial = secrets.token_hex(8).upper()
                if int(serial, 16) != 0 and serial not in self._issued:
                    self._issued.add(serial)
                    return serial

    def _leaf(
        self, subject: x509.Name, public: Any, serial: str, now: dt.datetime,
        not_after: dt.datetime, usage: x509.KeyUsage,
    ) -> x509.CertificateBuilder:
        """An end-entity certificate of this CA, before its subject alternative name."""
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self._cert.subject)
            .public_key(public)
            .serial_number(int(serial, 16))
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(usage, critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self._cert.public_key()),  # type: ignore[arg-type]
                critical=False,
            )
        )

    def _issue(
        self, attributes: list[x509.NameAttribute], email: str | None, days: int,
        now: dt.datetime | None, public_key: ec.EllipticCurvePublicKey | None = None,
    ) -> SigningIdentity:
        """A new key pair, or (public_key given: a CSR's) a certificate only, key_pem b''."""
        now = now or _now()
        key = ec.generate_private_key(ec.SECP256R1()) if public_key is None else None
        public = key.public_key() if key is not None else public_key
        assert public is not None
        serial = self.new_serial()
        subject = x509.Name(attributes)
        builder = self._leaf(subject, public, serial, now, now + dt.timedelta(days=days),
                             _key_usage(digital_signature=True, content_commitment=True))
        if email:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False
            )
        cert = builder.sign(self._key, hashes.SHA256())
        return SigningIdentity(
            key_pem=b"" if key is None else key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
            cert_pem=cert.public_bytes(serialization.Encoding.PEM),
            subject=subject_string(subject),
            serial=serial,
            chain_pem=self.cert_pem(),
        )

    def issue_signing_identity(
        self, common_name: str, email: str, *, days: int = 1095, now: dt.datetime | None = None
    ) -> SigningIdentity:
        """A holder's signing key and certificate (3 years, like a renewed certificate)."""
        return self._issue(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                x509.NameAttribute(NameOID.EMAIL_ADDRESS, email),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
            ],
            email,
            days,
            now,
        )

    def issue_from_csr(
        self,
        request: x509.CertificateSigningRequest,
        serial: str,
        not_after: dt.datetime,
        *,
        encryption: bool,
        email: str,
        now: dt.datetime | None = None,
    ) -> bytes:
        """A renewed certificate (PEM) for the key in a holder's CSR (R32): the key was made
        on the holder's token and the CA never sees it. The caller has checked the request's
        signature and key type; serial and expiry are the registry's."""
        now = now or _now()
        public = request.public_key()
        usage = (_key_usage(key_encipherment=True, data_encipherment=True) if encryption
                 else _key_usage(digital_signature=True, content_commitment=True))
        builder = self._leaf(request.subject, public, serial, now, not_after, usage)
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False
        )
        return builder.sign(self._key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)

    def issue_kiosk_identity(
        self, kiosk_id: str, *, days: int = 1095, now: dt.datetime | None = None,
        public_key: ec.EllipticCurvePublicKey | None = None,
    ) -> SigningIdentity:
        """A kiosk's certificate for signing its receipts (R31); for the key of its CSR
        when public_key is given (enrolment), else with a new key."""
        return self._issue(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, f"Kiosk {kiosk_id}"),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Kiosks"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
            ],
            None,
            days,
            now,
            public_key,
        )


# --- the application form -------------------------------------------------------------------

_MARGIN = 50.0
_LABEL_WIDTH = 110.0
_SIZE = 10.0
_LEADING = 14.5


class _Page:
    """A cursor over A4 pages that starts a new page when the next line would not fit."""

    def __init__(self, canvas: Canvas, footer: str) -> None:
        self.canvas = canvas
        self.width, self.height = A4
        self.footer = footer
        self.page = 1
        self.y = self.height - _MARGIN

    def need(self, height: float) -> None:
        if self.y - height < _MARGIN + 20:
            self._footer()
            self.canvas.showPage()
            self.page += 1
            self.y = self.height - _MARGIN

    def _footer(self) -> None:
        pdf_text.draw(self.canvas, _MARGIN, _MARGIN - 10, f"{self.footer}  ·  {self.page}", 8)

    def finish(self) -> None:
        self._footer()
        self.canvas.showPage()

    def text(self, text: str, *, size: float = _SIZE, indent: float = 0.0,
             latin: str = pdf_text.LATIN, leading: float = _LEADING) -> None:
        for line in pdf_text.wrap(text, size, self.width - 2 * _MARGIN - indent, latin):
            self.need(leading)
            self.y -= leading
            pdf_text.draw(self.canvas, _MARGIN + indent, self.y, line, size, latin)

    def field(self, label: str, value: str) -> None:
        lines = pdf_text.wrap(value or "—", _SIZE, self.width - 2 * _MARGIN - _LABEL_WIDTH - 10)
        self.need(_LEADING * len(lines))
        self.y -= _LEADING
        pdf_text.draw(self.canvas, _MARGIN + 10, self.y, label, _SIZE - 1)
        for i, line in enumerate(lines):
            if i:
                self.y -= _LEADING
            pdf_text.draw(self.canvas, _MARGIN + 10 + _LABEL_WIDTH, self.y, line, _SIZE)

    def rule(self) -> None:
        self.need(8)
        self.y -= 6
        self.canvas.setLineWidth(0.5)
        self.canvas.line(_MARGIN, self.y, self.width - _MARGIN, self.y)


def _certificate_fields(cert: Mapping[str, Any]) -> list[tuple[str, str]]:
    kind = str(cert.get("type", ""))
    fields = [
        ("證書類型", CERT_TYPE_LABELS.get(kind, kind)),
        ("原證書序號", str(cert.get("serial", ""))),
        ("原證書到期日", str(cert.get("expiry", ""))),
        ("原證書狀態", CERT_STATUS_LABELS.get(str(cert.get("status")), str(cert.get("status")))),
        ("證書持有人", str(cert.get("holder_name", ""))),
        ("電郵地址", str(cert.get("email", ""))),
        ("機構名稱", str(cert.get("org_name", ""))),
        ("部門/分部", str(cert.get("department") or "")),
        ("職務/職級/職位", str(cert.get("position") or "")),
    ]
    if kind == "qualified":
        fields.append(("交易限額", str(cert.get("transaction_limit") or "")))
        fields.append(("代理資格", str(cert.get("agent_qualification") or "")))
    return fields


def render_application(renewal: Mapping[str, Any]) -> bytes:
    """The renewal application form as PDF bytes.

    renewal: {"renewal_id", "holder_name", "certificates": [certificate objects of
    docs/api.md], "declaration": [the six points of seed step 14]}.
    The output is deterministic for the same input (invariant=1: no creation date or random id),
    so the document's SHA-256 identifies its content.
    """
    pdf_text.register_fonts()
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=A4, invariant=1)
    renewal_id = str(renewal.get("renewal_id", ""))
    canvas.setTitle(f"{APPLICATION_TITLE} {renewal_id}")
    canvas.setAuthor(ORGANISATION)
    page = _Page(canvas, f"{renewal_id}")

    page.text(APPLICATION_TITLE, size=15, latin=pdf_text.LATIN_BOLD, leading=22)
    page.y -= 6
    page.field("證書持有人", str(renewal.get("holder_name", "")))
    page.field("續期申請編號", renewal_id)
    page.rule()

    certificates: Sequence[Mapping[str, Any]] = renewal.get("certificates") or []
    page.y -= 4
    page.text(f"證書續期資料（共 {len(certificates)} 張證書）", size=12, leading=18)
    for n, cert in enumerate(certificates, start=1):
        fields = _certificate_fields(cert)
        # keep a certificate's card on one page
        page.need(_LEADING * (len(fields) + 2))
        page.y -= 4
        page.text(f"{n}. {fields[0][1]}", size=11, latin=pdf_text.LATIN_BOLD, leading=16)
        for label, value in fields[1:]:
            page.field(label, value)
    page.rule()

    declaration: Sequence[str] = renewal.get("declaration") or []
    page.need(60)
    page.y -= 4
    page.text("申請人 / 登記人協定及聲明", size=12, leading=18)
    page.text("本人現聲明：")
    for n, point in enumerate(declaration, start=1):
        page.y -= 3
        page.text(f"{n}. {point}", indent=10)
    page.finish()
    canvas.save()
    return buf.getvalue()


# --- signing and verification ---------------------------------------------------------------

def sign_pdf(pdf: bytes, identity: SigningIdentity, *, reason: str = "證書續期申請") -> bytes:
    """PAdES baseline signature (CMS, SHA-256, ECDSA) appended as an incremental update."""
    from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key = load_private_key_from_pemder_data(identity.key_pem, passphrase=None)
    certs = list(load_certs_from_pemder_data(identity.cert_pem))
    chain = list(load_certs_from_pemder_data(identity.chain_pem)) if identity.chain_pem else []
    signer = signers.SimpleSigner(
        signing_cert=certs[0],
        signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs(chain),
    )
    meta = signers.PdfSignatureMetadata(
        field_name="HolderSignature",
        reason=reason,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    out = signers.sign_pdf(writer, meta, signer=signer)
    return bytes(out.getvalue())


def verify_pdf(signed_pdf: bytes, ca: CertificateAuthority) -> str:
    """The signer's subject if the last signature is intact, valid, chains to ca and covers
    the whole file; else InvalidSignature (also for bytes that are not a signed PDF)."""
    from pyhanko.keys import load_certs_from_pemder_data
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(signed_pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:  # pyHanko raises several types for a broken file
        raise InvalidSignature(f"not a readable PDF: {type(exc).__name__}") from None
    if not signatures:
        raise InvalidSignature("the PDF carries no signature")
    context = ValidationContext(
        trust_roots=list(load_certs_from_pemder_data(ca.cert_pem())),
        allow_fetching=False, revocation_mode="soft-fail"
    )
    try:
        status = validate_pdf_signature(signatures[-1], context)
    except Exception as exc:
        raise InvalidSignature(f"signature cannot be validated: {type(exc).__name__}") from None
    if not status.intact:
        raise InvalidSignature("the signed content was changed")
    if not status.valid:
        raise InvalidSignature("the signature value does not verify")
    if not status.trusted:
        raise InvalidSignature("the signer's certificate does not chain to the registry CA")
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        raise InvalidSignature("the signature does not cover the whole document")
    cert = x509.load_der_x509_certificate(status.signing_cert.dump())
    return subject_string(cert.subject)
