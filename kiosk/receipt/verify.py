"""Checking a receipt (R31): the QR seal against the trust list, and a PDF's PAdES signature.

The seal is read from what a person sees: the PDF's first page rasterised, or the photo or
scan, through OpenCV's QR detector, tried at a few scales and with sharpening, because a
phone photo is slightly rotated, smaller and a little blurred.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from kiosk.receipt import pades, seal
from kiosk.receipt.wire import TrustList


class VerifyError(Exception):
    """The receipt is not valid; str() says why."""


def decode_qr(image: Any) -> str:
    """The QR code's text in a BGR or grey image; VerifyError when none is found. Tries the
    classic and the ArUco-based detector on the image as it is, binarised (Otsu) and
    sharpened, at a few scales: each alone misses a few percent of clean receipts."""
    import cv2

    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    detectors: list[Any] = [cv2.QRCodeDetector()]
    if hasattr(cv2, "QRCodeDetectorAruco"):
        detectors.append(cv2.QRCodeDetectorAruco())
    blurred = cv2.GaussianBlur(gray, (0, 0), 2.0)
    variants = [
        gray,
        cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[1],
        cv2.addWeighted(gray, 1.8, blurred, -0.8, 0),  # unsharp mask
    ]
    for scale in (1.0, 1.5, 0.7, 2.0):
        for variant in variants:
            candidate = variant if scale == 1.0 else cv2.resize(
                variant, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
            for detector in detectors:
                try:
                    text, _points, _ = detector.detectAndDecode(candidate)
                except cv2.error:
                    continue
                if text:
                    return str(text)
    raise VerifyError("no readable QR code in the image")


def seal_from_pdf(pdf: bytes) -> str:
    import cv2
    import numpy as np

    from kiosk.receipt.printing import PrinterError, rasterise

    try:
        png = rasterise(pdf, 200)[0]
    except PrinterError as exc:
        raise VerifyError(f"the PDF cannot be rendered: {exc}") from None
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    return decode_qr(image)


def report(claims: dict[str, Any], kid: bytes) -> dict[str, Any]:
    return {
        "valid": True,
        "reference": claims.get("ref"),
        "time": dt.datetime.fromtimestamp(int(claims["t"]), dt.UTC).isoformat(),
        "kiosk_id": claims.get("k"),
        "key_id": kid.hex(),
        "outcome": claims.get("o"),
        "holder": {"id_number": claims.get("h"), "name": claims.get("n")},
        "help_code": claims.get("hc"),
        "certificates": claims.get("c", []),
    }


def verify_seal(text: str, trust: TrustList) -> dict[str, Any]:
    keys = seal.trusted_keys(trust.ca, trust.kiosks)
    try:
        claims = seal.verify(text, keys)
    except seal.SealError as exc:
        raise VerifyError(f"seal: {exc}") from None
    return report(claims, seal.open_seal(text).kid)


def verify_file(path: Path, trust: TrustList) -> dict[str, Any]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise VerifyError(f"cannot read {path}: {exc.strerror}") from None
    if data.startswith(b"%PDF-"):
        try:
            signer = pades.verify(data, trust.ca)
        except pades.PdfSignatureError as exc:
            raise VerifyError(f"PDF signature: {exc}") from None
        out = verify_seal(seal_from_pdf(data), trust)
        signer_kid = seal.key_id(signer)
        if signer_kid.hex() != out["key_id"]:
            raise VerifyError("the PDF was signed by another kiosk than the one of its seal")
        out["pdf_signature"] = signer.subject.rfc4514_string()
        return out
    import cv2
    import numpy as np

    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise VerifyError(f"{path.name} is neither a PDF nor an image OpenCV can read")
    return verify_seal(decode_qr(image), trust)
