"""p5_receipt_ms: making one signed receipt (R31) — the QR seal (CBOR, COSE_Sign1 ES256,
zlib, base45), the ReportLab PDF with the seal's QR code, and the PAdES signature — median
of RUNS, after one warm-up (font registration happens once per process). The issue's
budget is 100 ms. p5_receipt_cpu_ms: the same in this process's CPU time; *_a4_*: on A4."""

from __future__ import annotations

import datetime as dt
import statistics
import time

from cryptography import x509

from kiosk.receipt.identity import KioskIdentity, make_csr
from kiosk.receipt.model import CertificateRow, CertOutcome, Outcome, ReceiptData
from kiosk.receipt.render import PaperFormat
from kiosk.receipt.service import make_receipt

RUNS = 20


def _identity() -> KioskIdentity:
    from sandbox.pki import CertificateAuthority

    ca = CertificateAuthority.create()
    key, _ = make_csr("BENCH-1")
    issued = ca.issue_kiosk_identity("BENCH-1", public_key=key.public_key())
    return KioskIdentity("BENCH-1", key, x509.load_pem_x509_certificate(issued.cert_pem),
                         (ca.certificate,))


def _data() -> ReceiptData:
    """H-ABC's renewal: two cloud-sign certificates activated, one qualified to the counter."""
    return ReceiptData.for_holder(
        Outcome.PARTLY, kiosk_id="BENCH-1", site="Macau Main Office",
        issued_at=dt.datetime.now(dt.UTC), renewal_ref="R-ABC",
        holder_name="CHAN TAI MAN 陳大文", holder_id="1000001(1)",
        certificates=(
            CertificateRow("cloud", "A1B2C3D4E5F60718", dt.date(2026, 12, 5),
                           CertOutcome.ACTIVATED, "9F8E7D6C5B4A3921", dt.date(2029, 12, 5)),
            CertificateRow("cloud", "1111222233334444", dt.date(2026, 12, 20),
                           CertOutcome.ACTIVATED, "5555666677778888", dt.date(2029, 12, 20)),
            CertificateRow("qualified", "ABCDEF0123456789", dt.date(2027, 1, 3),
                           CertOutcome.OFFLINE, help_code="AC-AB-0007"),
        ),
        lang="en",
    )


def _median_ms(
    identity: KioskIdentity, data: ReceiptData, paper: PaperFormat
) -> tuple[float, float]:
    """(wall, this process's CPU) medians in ms: on a shared 2-core machine the wall time
    mostly measures the other processes; the CPU time is what the receipt costs."""
    make_receipt(data, identity, paper)
    wall, cpu = [], []
    for _ in range(RUNS):
        started, started_cpu = time.perf_counter(), time.process_time()
        make_receipt(data, identity, paper)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return round(statistics.median(wall), 1), round(statistics.median(cpu), 1)


def measure() -> dict[str, float]:
    identity, data = _identity(), _data()
    roll, a4 = (_median_ms(identity, data, p) for p in (PaperFormat.ROLL, PaperFormat.A4))
    return {
        "p5_receipt_ms": roll[0],
        "p5_receipt_cpu_ms": roll[1],
        "p5_receipt_a4_ms": a4[0],
        "p5_receipt_a4_cpu_ms": a4[1],
    }
