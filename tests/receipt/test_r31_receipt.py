"""R31: the receipt says what happened, in Chinese and Portuguese (and English when chosen),
signed twice: PAdES on the PDF, a COSE_Sign1 QR seal on the paper."""

from __future__ import annotations

import json
import sys
import zlib
from pathlib import Path

import base45
import cbor2
import cv2
import numpy as np
import pytest
from cryptography.hazmat.primitives import serialization

from kiosk.cli import main as kiosk_main
from kiosk.receipt import seal
from kiosk.receipt.identity import KioskIdentity
from kiosk.receipt.model import Outcome
from kiosk.receipt.render import PaperFormat, render
from kiosk.receipt.service import make_receipt
from kiosk.receipt.verify import VerifyError, decode_qr, verify_file
from kiosk.services.registry import RegistryClient
from tests.receipt.helpers import SERIALS, pdftotext, receipt_data, run

PYHANKO = str(Path(sys.executable).with_name("pyhanko"))  # pyhanko-cli in the venv
OUTCOME_TEXTS = {
    Outcome.ACTIVATED: ("證書已成功激活", "Certificados activados com sucesso",
                        "Certificates activated"),
    Outcome.PARTLY: ("部分證書已激活，其餘證書須線下辦理", "Parte dos certificados activada",
                     "Some certificates activated"),
    Outcome.OFFLINE: ("已完成線上遞交非“雲簽”證書申請", "emissão é feita presencialmente",
                      "issuance must be completed in person"),
    Outcome.REFUSED: ("證書續期未能完成", "A renovação não pôde ser concluída",
                      "The renewal could not be completed"),
    Outcome.STAFF: ("已轉交櫃檯職員處理", "Entregue ao funcionário do balcão",
                    "Handed over to counter staff"),
}
HELP_CODES = {Outcome.PARTLY: "AC-AB-0007", Outcome.OFFLINE: "AC-AB-0007",
              Outcome.REFUSED: "AC-AB-0021"}


def _flat(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("paper", list(PaperFormat))
@pytest.mark.parametrize("lang", ["zh-Hant", "pt", "en"])
@pytest.mark.parametrize("outcome", list(Outcome))
def test_r31_receipt_says_what_happened_in_zh_and_pt_and_en_when_chosen(
    identity: KioskIdentity, outcome: Outcome, lang: str, paper: PaperFormat
) -> None:
    data = receipt_data(outcome, lang)
    made = make_receipt(data, identity, paper)
    text = _flat(pdftotext(made.pdf))
    zh, pt, en = OUTCOME_TEXTS[outcome]
    assert _flat(zh) in text
    assert _flat(pt) in text
    assert (_flat(en) in text) == (lang == "en")
    assert _flat("電子證書續期收據") in text and _flat("Recibo de renovação") in text
    for row in data.certificates:
        assert row.old_serial in text
        assert row.old_expiry.isoformat() in text
        if row.new_serial:
            assert row.new_serial in text
    if outcome in (Outcome.ACTIVATED, Outcome.PARTLY):
        assert SERIALS["new1"] in text and "2029-12-05" in text
    if outcome in HELP_CODES:
        assert HELP_CODES[outcome] in text
    for contact in ("28330338", "82995511", "enquiry@esigntrust.com", "RN-TEST-0001",
                    "LOBBY-1", "1*****1(1)"):
        assert contact in text
    assert "1000001(1)" not in text  # the ID number is masked


def test_r31_pyhanko_cli_accepts_the_signature_and_one_flipped_byte_fails(
    identity: KioskIdentity, tmp_path: Path
) -> None:
    made = make_receipt(receipt_data(Outcome.ACTIVATED, "en"), identity, PaperFormat.A4)
    ca = tmp_path / "ca.pem"
    ca.write_bytes(identity.chain[-1].public_bytes(serialization.Encoding.PEM))
    good = tmp_path / "receipt.pdf"
    good.write_bytes(made.pdf)
    ok = run([PYHANKO, "sign", "validate", "--trust", str(ca), str(good)], cwd=tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr

    # A byte inside the signed content (the page's text stream), not in the signature itself.
    data = bytearray(made.pdf)
    at = data.index(SERIALS["new1"].encode()) if SERIALS["new1"].encode() in data else \
        data.index(b"stream") + 20
    data[at] ^= 0x01
    bad = tmp_path / "altered.pdf"
    bad.write_bytes(bytes(data))
    refused = run([PYHANKO, "sign", "validate", "--trust", str(ca), str(bad)], cwd=tmp_path)
    assert refused.returncode != 0


def _photo(png: bytes) -> np.ndarray:
    """What a phone makes of the paper: turned 4°, shrunk to half, a little blurred, JPEG."""
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    h, w = image.shape[:2]
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), 4.0, 1.0)
    image = cv2.warpAffine(image, turn, (w, h), borderValue=(235, 235, 230))
    image = cv2.resize(image, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    image = cv2.GaussianBlur(image, (3, 3), 0.9)
    ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])
    assert ok
    return cv2.imdecode(jpeg, cv2.IMREAD_COLOR)


@pytest.mark.parametrize("paper", list(PaperFormat))
def test_r31_phone_photo_of_the_paper_verifies_against_the_trust_list(
    identity: KioskIdentity, registry: RegistryClient, paper: PaperFormat, tmp_path: Path
) -> None:
    made = make_receipt(receipt_data(Outcome.PARTLY, "pt"), identity, paper)
    done = run(["pdftoppm", "-png", "-r", "300", "-singlefile", "-"], made.pdf)
    assert done.returncode == 0
    photo = _photo(done.stdout)
    path = tmp_path / "photo.jpg"
    cv2.imwrite(str(path), photo)

    assert decode_qr(photo) == made.seal
    report = verify_file(path, registry.trust_list())
    assert report["reference"] == "RN-TEST-0001"
    assert report["kiosk_id"] == "LOBBY-1"
    assert report["outcome"] == "partly_activated"
    assert report["holder"]["id_number"] == "1*****1(1)"
    assert [c["os"] for c in report["certificates"]] == [SERIALS["old1"], SERIALS["old3"]]
    assert report["certificates"][0]["ns"] == SERIALS["new1"]
    assert report["certificates"][1]["hc"] == "AC-AB-0007"


def test_r31_seal_is_cose_sign1_es256_with_the_certificate_kid(identity: KioskIdentity) -> None:
    """Decoded step by step as docs/receipt-seal.md tells an independent verifier to, with
    cbor2 and cryptography only (pycose 1.1 cannot read cbor2 6's tuples)."""
    import hashlib

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    text = seal.seal(receipt_data(Outcome.OFFLINE), identity.key, identity.certificate)
    assert text.startswith("RK1:")
    tagged = cbor2.loads(zlib.decompress(base45.b45decode(text[4:])))
    assert tagged.tag == 18
    protected, unprotected, payload, signature = tagged.value
    der = identity.certificate.public_bytes(serialization.Encoding.DER)
    assert dict(cbor2.loads(protected)) == {1: -7, 4: hashlib.sha256(der).digest()[:8]}
    assert dict(unprotected) == {}
    assert len(signature) == 64
    to_be_signed = cbor2.dumps(["Signature1", protected, b"", payload])
    public = identity.certificate.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    public.verify(encode_dss_signature(r, s), to_be_signed, ec.ECDSA(hashes.SHA256()))
    claims = cbor2.loads(payload)
    assert claims["ref"] == "RN-TEST-0001" and claims["o"] == "offline"
    assert claims["hc"] == "AC-AB-0007" and claims["h"] == "1*****1(1)"


def test_r31_altered_seal_is_refused(identity: KioskIdentity, registry: RegistryClient) -> None:
    trust = registry.trust_list()
    keys = seal.trusted_keys(trust.ca, trust.kiosks)
    text = seal.seal(receipt_data(Outcome.ACTIVATED), identity.key, identity.certificate)
    assert seal.verify(text, keys)["ref"] == "RN-TEST-0001"

    opened = seal.open_seal(text)
    claims = dict(opened.claims, ref="RN-FORGED-9999")
    forged_payload = cbor2.dumps(claims)
    cose = cbor2.dumps(cbor2.CBORTag(18, [opened.protected, {}, forged_payload,
                                          opened.signature]))
    forged = "RK1:" + base45.b45encode(zlib.compress(cose)).decode()
    with pytest.raises(seal.SealError, match="does not verify"):
        seal.verify(forged, keys)
    with pytest.raises(seal.SealError, match="base45|zlib|CBOR"):
        seal.verify(text[:-3] + ("A" if text[-3] != "A" else "B") + text[-2:], keys)
    with pytest.raises(seal.SealError, match="trust list"):
        seal.verify(text, {})


def test_r31_kiosk_receipt_verify_cli(
    identity: KioskIdentity, sandbox_url: str, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    made = make_receipt(receipt_data(Outcome.REFUSED, "en"), identity, PaperFormat.ROLL)
    pdf = tmp_path / "receipt.pdf"
    pdf.write_bytes(made.pdf)
    assert kiosk_main(["receipt", "verify", str(pdf), "--backend", sandbox_url]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["help_code"] == "AC-AB-0021" and "LOBBY-1" in out["pdf_signature"]

    data = bytearray(made.pdf)
    data[data.index(b"stream") + 30] ^= 0x20
    pdf.write_bytes(bytes(data))
    assert kiosk_main(["receipt", "verify", str(pdf), "--backend", sandbox_url]) == 1
    assert "NOT VALID: PDF signature" in capsys.readouterr().out

    # A receipt from a kiosk the registry never enrolled: the seal is refused.
    other = tmp_path / "other.pdf"
    from kiosk.receipt.identity import make_csr

    key, _ = make_csr("LOBBY-1")
    stranger = KioskIdentity("LOBBY-1", key, identity.certificate, identity.chain)
    text = seal.seal(receipt_data(Outcome.ACTIVATED), stranger.key, identity.certificate)
    other.write_bytes(render(receipt_data(Outcome.ACTIVATED), text))
    with pytest.raises(VerifyError):
        verify_file(other, RegistryClient(sandbox_url + "/registry/v1").trust_list())
