"""Receipt data for every outcome, and the command-line tools the tests read PDFs with."""

from __future__ import annotations

import datetime as dt
import subprocess
from typing import Any

from kiosk.receipt.model import (
    CertificateRow,
    CertOutcome,
    Outcome,
    ReceiptData,
    languages_for,
    mask_id_number,
)

SERIALS = {
    "old1": "A1B2C3D4E5F60718", "new1": "9F8E7D6C5B4A3921",
    "old2": "1111222233334444", "new2": "5555666677778888",
    "old3": "ABCDEF0123456789",
}


def receipt_data(outcome: Outcome, lang: str = "zh-Hant", ref: str = "RN-TEST-0001") -> ReceiptData:
    rows = {
        Outcome.ACTIVATED: (
            CertificateRow("cloud", SERIALS["old1"], dt.date(2026, 12, 5), CertOutcome.ACTIVATED,
                           SERIALS["new1"], dt.date(2029, 12, 5)),
            CertificateRow("cloud", SERIALS["old2"], dt.date(2026, 12, 20),
                           CertOutcome.ACTIVATED, SERIALS["new2"], dt.date(2029, 12, 20)),
        ),
        Outcome.PARTLY: (
            CertificateRow("cloud", SERIALS["old1"], dt.date(2026, 12, 5), CertOutcome.ACTIVATED,
                           SERIALS["new1"], dt.date(2029, 12, 5)),
            CertificateRow("qualified", SERIALS["old3"], dt.date(2027, 1, 3), CertOutcome.OFFLINE,
                           help_code="AC-AB-0007"),
        ),
        Outcome.OFFLINE: (
            CertificateRow("qualified", SERIALS["old3"], dt.date(2027, 1, 3), CertOutcome.OFFLINE,
                           help_code="AC-AB-0007"),
            CertificateRow("encryption", SERIALS["old2"], dt.date(2027, 2, 1),
                           CertOutcome.OFFLINE, help_code="AC-AB-0007"),
        ),
        Outcome.REFUSED: (
            CertificateRow("cloud", SERIALS["old1"], dt.date(2026, 12, 5),
                           CertOutcome.NOT_RENEWED, help_code="AC-AB-0021"),
        ),
        Outcome.STAFF: (
            CertificateRow("cloud", SERIALS["old1"], dt.date(2026, 12, 5), CertOutcome.STAFF),
            CertificateRow("standard", SERIALS["old3"], dt.date(2027, 1, 3), CertOutcome.STAFF),
        ),
    }[outcome]
    help_code = {Outcome.OFFLINE: "AC-AB-0007", Outcome.REFUSED: "AC-AB-0021"}.get(outcome)
    messages = {
        "zh-Hant": "台端之帳戶未啟用「極高」級別之電子身份識別工具。",
        "pt": "A sua conta não tem a identificação electrónica de nível muito elevado.",
        "en": "Your account has no very-high level electronic identification.",
    } if outcome is Outcome.REFUSED else {}
    return ReceiptData(
        outcome=outcome,
        kiosk_id="LOBBY-1",
        site="Macau Main Office",
        issued_at=dt.datetime.now(dt.UTC).replace(microsecond=0),  # within the cert's validity
        renewal_ref=ref,
        holder_name="CHAN TAI MAN 陳大文",
        id_number_masked=mask_id_number("1000001(1)"),
        certificates=rows,
        languages=languages_for(lang),
        help_code=help_code,
        help_messages=messages,
    )


def run(cmd: list[str], data: bytes | None = None, **kw: Any) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(cmd, input=data, capture_output=True, timeout=120, check=False, **kw)


def pdftotext(pdf: bytes) -> str:
    done = run(["pdftotext", "-layout", "-", "-"], pdf)
    assert done.returncode == 0, done.stderr
    return done.stdout.decode("utf-8")


