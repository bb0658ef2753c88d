"""Cost of the sandbox's own computations: one R12 face match, and the R16 e-signature.

`python -m bench faces` prints the medians in milliseconds. The face match is measured warm
(models loaded, the registered face's embedding cached, as for a retake) and cold (both faces
embedded); signing and verifying use the application form of a two-certificate renewal.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def _median_ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000.0)
    return round(statistics.median(times), 1)


def measure(repeat: int = 9) -> dict[str, float | int | str]:
    from sandbox import faces, pki

    registered, live = faces.registered_face("obama"), faces.live_photo("obama")
    faces.match_score(registered, live)  # loads the models and caches the registered face

    def cold() -> None:
        faces.face_embedding(registered)
        faces.face_embedding(live)

    cert = {
        "type": "cloud", "serial": "5A3F00112233AABB", "expiry": "2026-12-20",
        "status": "valid", "holder_name": "CHAN TAI MAN", "email": "chan@abc.example",
        "org_name": "ABC LIMITED", "department": "Operations Dept.",
        "position": "Assistant Operations Manager",
    }
    renewal = {
        "renewal_id": "R-BENCH", "holder_name": "CHAN TAI MAN",
        "certificates": [cert, {**cert, "type": "qualified", "transaction_limit": "MOP 1",
                                "agent_qualification": "—"}],
        "declaration": ["本人確認上述提交之所有資料真實及正確。"] * 6,
    }
    ca = pki.CertificateAuthority.create()
    holder = ca.issue_signing_identity("CHAN TAI MAN", "chan@abc.example")
    pdf = pki.render_application(renewal)
    signed = pki.sign_pdf(pdf, holder)
    pki.verify_pdf(signed, ca)
    return {
        "sandbox_face_match_ms": _median_ms(lambda: faces.match_score(registered, live), repeat),
        "sandbox_face_match_cold_ms": _median_ms(cold, repeat),
        "sandbox_application_pdf_ms": _median_ms(lambda: pki.render_application(renewal), repeat),
        "sandbox_pdf_sign_ms": _median_ms(lambda: pki.sign_pdf(pdf, holder), repeat),
        "sandbox_pdf_verify_ms": _median_ms(lambda: pki.verify_pdf(signed, ca), repeat),
    }
