"""The sandbox registry's CA, the application form (R13/R14) and the e-signature (R16)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from cryptography import x509

from sandbox import pdf_text, pki

# Seed, step 14, verbatim: the six points of 申請人 / 登記人協定及聲明.
DECLARATION = [
    "本人確認上述提交之所有資料真實及正確。",
    "本人在此以上述身份證明文件之申請人姓名向澳門郵電電子認證服務（“eSignTrust”）申請簽發指示"
    "的電子證書。",
    "鑒於 eSignTrust 處理本人之申請，本人知悉及明確同意將上述申請之證書及私人密碼委託澳門郵電"
    "電子認證服務負責使用安全設備儲存及保管。同時，承認已明白並同意接受及遵守 電子認證“雲簽”"
    "服務（簽署服務）以及 電子證書登記人協議（包括認證作業準則）的使用規則及條款。",
    "本人知悉證書一經發出後，其內容在證書有效期內不能更改；否則，任何改動須撤銷原有的電子證書"
    "，再重新申請新的電子證書。本人同意所示之證書續期資料，將會顯示於電子證書上並發佈於澳門郵"
    "電電子認證服務的資料庫中，資料庫的資料將會被公眾取得及於澳門特別行政區以外使用。",
    "本人在此授權電子認證服務，使用證書續期資料欄所示之個人資料，通告電子認證“雲簽”之應用服務"
    "供應方，以用於所申請之有關服務，但不妨礙隨時提出相反意願之權利。",
    "本人知悉有關存取及使用由應用服務供應方提供所申請之服務，需受相關規則及條款規範。",
]

CLOUD = {
    "cert_id": "C-ABC-1", "type": "cloud", "serial": "5A3F00112233AABB", "expiry": "2026-12-20",
    "status": "valid", "holder_name": "CHAN TAI MAN", "email": "chan@abc.example",
    "org_name": "ABC LIMITED", "department": "Operations Dept.",
    "position": "Assistant Operations Manager",
    "transaction_limit": None, "agent_qualification": None,
}
QUALIFIED = {
    "cert_id": "C-ABC-2", "type": "qualified", "serial": "7B00C0FFEE123456",
    "expiry": "2026-12-01", "status": "expired", "holder_name": "CHAN TAI MAN",
    "email": "tm.chan@abc.example", "org_name": "ABC LIMITED", "department": "Finance Dept.",
    "position": "Finance Manager", "transaction_limit": "MOP 500,000",
    "agent_qualification": "可代表機構簽署合約",
}
RENEWAL = {
    "renewal_id": "R-2026-000123",
    "holder_name": "CHAN TAI MAN",
    "certificates": [CLOUD, QUALIFIED],
    "declaration": DECLARATION,
}


@pytest.fixture(scope="module")
def ca() -> pki.CertificateAuthority:
    return pki.CertificateAuthority.create()


@pytest.fixture(scope="module")
def holder(ca: pki.CertificateAuthority) -> pki.SigningIdentity:
    return ca.issue_signing_identity("CHAN TAI MAN", "chan@abc.example")


@pytest.fixture(scope="module")
def application() -> bytes:
    return pki.render_application(RENEWAL)


@pytest.fixture(scope="module")
def signed(application: bytes, holder: pki.SigningIdentity) -> bytes:
    return pki.sign_pdf(application, holder)


def _pdftotext(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


# --- the certificate authority --------------------------------------------------------------

def test_ca_certificate_is_a_p256_root_that_signs_certificates(
    ca: pki.CertificateAuthority,
) -> None:
    cert = x509.load_pem_x509_certificate(ca.cert_pem())
    assert cert.subject == cert.issuer
    assert "eSignTrust Sandbox Root CA" in cert.subject.rfc4514_string()
    assert cert.public_key().curve.name == "secp256r1"  # type: ignore[union-attr]
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign and usage.crl_sign and not usage.digital_signature


def test_holder_certificate_is_issued_by_the_ca_for_signing(
    ca: pki.CertificateAuthority, holder: pki.SigningIdentity
) -> None:
    cert = x509.load_pem_x509_certificate(holder.cert_pem)
    cert.verify_directly_issued_by(ca.certificate)
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    assert f"{cert.serial_number:016X}" == holder.serial
    assert holder.subject == "CN=CHAN TAI MAN, E=chan@abc.example, O=eSignTrust Sandbox"
    days = (cert.not_valid_after_utc - cert.not_valid_before_utc).days
    assert 1095 <= days <= 1096
    assert b"PRIVATE KEY" not in repr(holder).encode()


def test_kiosk_identity_is_issued_by_the_ca(ca: pki.CertificateAuthority) -> None:
    kiosk = ca.issue_kiosk_identity("LOBBY-01")
    cert = x509.load_pem_x509_certificate(kiosk.cert_pem)
    cert.verify_directly_issued_by(ca.certificate)
    assert kiosk.subject.startswith("CN=Kiosk LOBBY-01")


def test_r26_new_serials_are_16_uppercase_hex_digits_and_unique(
    ca: pki.CertificateAuthority,
) -> None:
    serials = [ca.new_serial() for _ in range(500)]
    assert all(re.fullmatch(r"[0-9A-F]{16}", s) for s in serials)
    assert len(set(serials)) == len(serials)


def test_ca_from_pem_round_trip_signs_for_the_same_root(
    ca: pki.CertificateAuthority, application: bytes
) -> None:
    again = pki.CertificateAuthority.from_pem(ca.key_pem(), ca.cert_pem())
    assert again.cert_pem() == ca.cert_pem()
    assert again.key_pem() == ca.key_pem()
    # an identity issued by the reloaded CA verifies against the original, and back
    identity = again.issue_signing_identity("LEI SIO MAN", "lei@abc.example")
    signed = pki.sign_pdf(application, identity)
    assert pki.verify_pdf(signed, ca).startswith("CN=LEI SIO MAN")


def test_ca_from_pem_refuses_a_key_of_another_ca(ca: pki.CertificateAuthority) -> None:
    other = pki.CertificateAuthority.create("Other CA")
    with pytest.raises(ValueError, match="does not belong"):
        pki.CertificateAuthority.from_pem(other.key_pem(), ca.cert_pem())


# --- the application form (R13, R14) --------------------------------------------------------

def test_r13_application_shows_every_certificate_and_its_fields(
    application: bytes, tmp_path: Path
) -> None:
    text = _pdftotext(application, tmp_path)
    assert "電子證書服務（機構）- 證書續期申請" in text
    assert "CHAN TAI MAN" in text and "R-2026-000123" in text
    for serial in ("5A3F00112233AABB", "7B00C0FFEE123456"):
        assert serial in text
    for label in ("原證書序號", "原證書到期日", "原證書狀態", "證書持有人", "電郵地址", "機構名稱",
                  "部門/分部", "職務/職級/職位", "交易限額", "代理資格"):
        assert label in text
    assert "商業機構“雲簽”帳戶" in text and "商業機構合格證書" in text
    assert "有效" in text and "已過期" in text
    assert "MOP 500,000" in text and "可代表機構簽署合約" in text
    assert "Assistant Operations Manager" in text


def test_r13_limit_fields_only_for_qualified_certificates(tmp_path: Path) -> None:
    text = _pdftotext(pki.render_application({**RENEWAL, "certificates": [CLOUD]}), tmp_path)
    assert "5A3F00112233AABB" in text
    assert "交易限額" not in text and "代理資格" not in text


def test_r14_application_carries_the_six_declaration_points(
    application: bytes, tmp_path: Path
) -> None:
    # pdftotext -raw keeps reading order; wrapped lines are joined back for the comparison
    path = tmp_path / "doc.pdf"
    path.write_bytes(application)
    raw = subprocess.run(["pdftotext", "-raw", str(path), "-"], check=True,
                         capture_output=True, text=True).stdout
    flat = re.sub(r"\s+", "", raw)
    assert "申請人/登記人協定及聲明" in flat
    for n, point in enumerate(DECLARATION, start=1):
        squeezed = re.sub(r"\s+", "", point)
        assert f"{n}.{squeezed}" in flat


def test_application_is_one_or_two_pages_with_both_fonts_embedded(
    application: bytes, tmp_path: Path
) -> None:
    path = tmp_path / "doc.pdf"
    path.write_bytes(application)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True,
                          text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]
    assert pages in (1, 2)
    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True,
                           text=True).stdout
    assert "DroidSansFallback" in fonts and "DejaVuSans" in fonts


def test_application_is_byte_identical_for_the_same_renewal(application: bytes) -> None:
    # the registry publishes document_sha256 of this file
    assert pki.render_application(RENEWAL) == application


def test_every_character_of_the_form_has_a_glyph() -> None:
    pdf_text.register_fonts()
    texts = [pki.APPLICATION_TITLE, *DECLARATION, *pki.CERT_TYPE_LABELS.values(),
             *pki.CERT_STATUS_LABELS.values(), "職務/職級/職位 交易限額 代理資格 續期申請編號"]
    for text in texts:
        for run in pdf_text.runs(text):
            covered = pdf_text.covered(run.font)
            missing = [ch for ch in run.text if not ch.isspace() and ord(ch) not in covered]
            assert not missing, (run.font, missing)


def test_mixed_text_is_split_into_latin_and_cjk_runs() -> None:
    assert pdf_text.runs("eSignTrust 電子證書 (MO)") == [
        pdf_text.Run("eSignTrust ", pdf_text.LATIN),
        pdf_text.Run("電子證書", pdf_text.CJK),
        pdf_text.Run(" (MO)", pdf_text.LATIN),
    ]


# --- the e-signature (R16) ------------------------------------------------------------------

def test_r16_signed_application_verifies_and_names_the_holder(
    ca: pki.CertificateAuthority, signed: bytes, application: bytes, tmp_path: Path
) -> None:
    assert signed.startswith(application)  # incremental update: the original bytes stay
    assert pki.verify_pdf(signed, ca) == "CN=CHAN TAI MAN, E=chan@abc.example, O=eSignTrust Sandbox"
    assert "電子證書服務（機構）- 證書續期申請" in _pdftotext(signed, tmp_path)


def test_r16_tampered_signed_pdf_is_refused(ca: pki.CertificateAuthority, signed: bytes) -> None:
    at = signed.index(b"(eSignTrust Sandbox)")  # the /Author, inside the signed range
    tampered = signed[:at] + b"(eSignTrust Sandb0x)" + signed[at + 20:]
    assert len(tampered) == len(signed)
    with pytest.raises(pki.InvalidSignature, match="changed"):
        pki.verify_pdf(tampered, ca)


def test_r16_every_flipped_byte_in_the_signed_range_is_refused(
    ca: pki.CertificateAuthority, signed: bytes
) -> None:
    for at in (len(signed) // 7, len(signed) // 3, len(signed) // 2):
        tampered = bytearray(signed)
        tampered[at] ^= 0x01
        with pytest.raises(pki.InvalidSignature):
            pki.verify_pdf(bytes(tampered), ca)


def test_r16_content_appended_after_signing_is_refused(
    ca: pki.CertificateAuthority, application: bytes, holder: pki.SigningIdentity
) -> None:
    import io

    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(pki.sign_pdf(application, holder)))
    writer.set_info(generic.DictionaryObject(
        {generic.NameObject("/Title"): generic.TextStringObject("changed later")}
    ))
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(pki.InvalidSignature, match="whole document"):
        pki.verify_pdf(out.getvalue(), ca)


def test_r16_signature_by_another_ca_is_refused(
    ca: pki.CertificateAuthority, application: bytes
) -> None:
    rogue = pki.CertificateAuthority.create("eSignTrust Sandbox Root CA")  # same name, other key
    forged = pki.sign_pdf(application, rogue.issue_signing_identity("CHAN TAI MAN",
                                                                     "chan@abc.example"))
    assert pki.verify_pdf(forged, rogue).startswith("CN=CHAN TAI MAN")
    with pytest.raises(pki.InvalidSignature, match="does not chain"):
        pki.verify_pdf(forged, ca)


@pytest.mark.parametrize("junk", [b"", b"%PDF-1.4 not really", b"hello"])
def test_r16_bytes_that_are_not_a_signed_pdf_are_refused(
    ca: pki.CertificateAuthority, junk: bytes
) -> None:
    with pytest.raises(pki.InvalidSignature):
        pki.verify_pdf(junk, ca)


def test_r16_unsigned_application_is_refused(
    ca: pki.CertificateAuthority, application: bytes
) -> None:
    with pytest.raises(pki.InvalidSignature, match="no signature"):
        pki.verify_pdf(application, ca)


def test_r16_identity_rebuilt_from_its_four_stored_fields_still_verifies(
    ca: pki.CertificateAuthority, holder: pki.SigningIdentity, application: bytes
) -> None:
    # the sandbox server stores key_pem, cert_pem, subject and serial; no chain
    stored = pki.SigningIdentity(holder.key_pem, holder.cert_pem, holder.subject, holder.serial)
    assert pki.verify_pdf(pki.sign_pdf(application, stored), ca) == holder.subject
