"""The seeded demo holders: one per branch of the user guide, with stable ids.

The table is sandbox/data/holders.toml, read into the dataclasses below. Dates are relative
to the sandbox clock at reset, so the guide's situations (a revoked and a valid cloud-sign
certificate, a qualified one already expired, a notice 30 days before expiry) hold whatever
day the demo runs. The table is also what GET /sandbox/v1/holders shows a tester, and what
README.md documents.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from sandbox import faces
from sandbox import models as m

if TYPE_CHECKING:
    from sandbox.core import State

# Every cloud-sign account that still holds a valid certificate has this password (R25).
DEMO_PASSWORD = "Cloud-demo-1"
# A revocation phrase that obeys R24; the holder sets a new one at activation.
DEMO_REVOCATION_PHRASE = "Revoke2026demo"
STAFF = {"staff01": ("counter-demo-1", "Counter Staff 01")}


@dataclass(frozen=True)
class CertSeed:
    suffix: str
    type: str
    status: str
    expiry_days: int  # relative to the clock at reset
    email: str
    department: str = "Operations Dept."
    position: str = "Assistant Operations Manager"
    data_changed: bool = False
    confirmed: bool = True


@dataclass(frozen=True)
class HolderSeed:
    holder_id: str
    id_number: str
    name: str
    name_zh: str
    branch: str
    org: str
    face: str
    mobile: str
    certs: tuple[CertSeed, ...]
    doc_type: str = "macau_id"
    doc_expiry_days: int = 3000
    birth_date: date = date(1985, 3, 14)
    sex: str = "M"
    eid_very_high: bool = True
    # What the bureau holds when it differs from the registry (R11), or changes to (R21).
    bureau: dict[str, Any] = field(default_factory=dict)
    bureau_after_check: dict[str, Any] | None = None


def _load_holders(path: Path) -> tuple[HolderSeed, ...]:
    with path.open("rb") as f:
        rows = tomllib.load(f)["holder"]
    return tuple(
        HolderSeed(**{**h, "certs": tuple(CertSeed(**c) for c in h["certs"])}) for h in rows
    )


HOLDERS: tuple[HolderSeed, ...] = _load_holders(
    Path(__file__).resolve().parent / "data" / "holders.toml"
)

HOLDER_IDS = tuple(h.holder_id for h in HOLDERS)
BENCH_PREFIX = "H-BENCH-"


def bench_holders(count: int) -> tuple[HolderSeed, ...]:
    """`count` copies of H-ABC for the site bench, each with its own ID number, mobile
    and e-mail addresses (codes are read from the outbox by address and by mobile)."""
    abc = HOLDERS[0]
    out = []
    for n in range(1, count + 1):
        domain = f"bench{n:03d}.example"
        certs = tuple(
            CertSeed(c.suffix, c.type, c.status, c.expiry_days, f"{c.email.split('@')[0]}@{domain}")
            for c in abc.certs
        )
        out.append(
            HolderSeed(
                f"{BENCH_PREFIX}{n:03d}", f"3{n:06d}(0)", abc.name, abc.name_zh,
                "bench copy of H-ABC (make bench, p7)", abc.org, abc.face,
                f"+853 6700 {n:04d}", certs, bureau=dict(abc.bureau),
            )
        )
    return tuple(out)


def renewal_id_for(holder_id: str) -> str:
    return "R-" + holder_id.removeprefix("H-")


def cert_id_for(holder_id: str, suffix: str) -> str:
    return f"C-{holder_id.removeprefix('H-')}-{suffix}"


def seed_serial(cert_id: str) -> str:
    # Stable across resets, so a tester's notes of the demo stay true.
    return hashlib.sha256(cert_id.encode()).hexdigest()[:16].upper()


def has_valid_cert(h: HolderSeed) -> bool:
    return any(c.type == "cloud" and c.status == "valid" for c in h.certs)


def seed(s: Session, now: datetime, state: State) -> None:
    today = now.date()
    for h in HOLDERS + bench_holders(state.settings.bench_holders):
        s.add(
            m.Holder(
                holder_id=h.holder_id,
                id_number=h.id_number,
                name=h.name,
                name_zh=h.name_zh,
                branch=h.branch,
                doc_type=h.doc_type,
                doc_expiry=today + timedelta(days=h.doc_expiry_days),
                birth_date=h.birth_date,
                sex=h.sex,
                mobile=h.mobile,
                eid_very_high=h.eid_very_high,
                cloud_username=h.certs[0].email.split("@")[0],
                cloud_password_hash=(
                    state.hash(DEMO_PASSWORD, "password:" + h.holder_id)
                    if has_valid_cert(h)
                    else None
                ),
            )
        )
        rid = renewal_id_for(h.holder_id)
        s.add(m.Renewal(renewal_id=rid, holder_id=h.holder_id, confirmed_at=now))
        for c in h.certs:
            cid = cert_id_for(h.holder_id, c.suffix)
            qualified = c.type == "qualified"
            s.add(
                m.Certificate(
                    cert_id=cid,
                    holder_id=h.holder_id,
                    renewal_id=rid if c.confirmed else None,
                    type=c.type,
                    serial=seed_serial(cid),
                    expiry=today + timedelta(days=c.expiry_days),
                    status=c.status,
                    holder_name=h.name,
                    email=c.email,
                    org_name=h.org,
                    department=c.department,
                    position=c.position,
                    transaction_limit="0" if qualified else None,
                    agent_qualification="n/a" if qualified else None,
                    data_changed=c.data_changed,
                    state="pending",
                )
            )
        if h.doc_type == "macau_id":
            b = h.bureau
            s.add(
                m.BureauRecord(
                    id_number=h.id_number,
                    name=b.get("name", h.name),
                    birth_date=b.get("birth_date", h.birth_date),
                    sex=b.get("sex", h.sex),
                    doc_expiry=today
                    + timedelta(days=b.get("doc_expiry_days", h.doc_expiry_days)),
                    face_jpeg=faces.registered_face(h.face),
                    change_after_check=h.bureau_after_check,
                )
            )


def listing(bench: int = 0) -> list[dict[str, Any]]:
    """What a tester needs to run each branch at the kiosk (GET /sandbox/v1/holders); in
    bench mode the bench holders follow."""
    out = []
    for h in HOLDERS + bench_holders(bench):
        out.append(
            {
                "holder_id": h.holder_id,
                "name": h.name,
                "name_zh": h.name_zh,
                "id_number": h.id_number,
                "branch": h.branch,
                "renewal_id": renewal_id_for(h.holder_id),
                "face": h.face,
                "mobile_masked": f"{h.mobile[:4]} ****{h.mobile.replace(' ', '')[-4:]}",
                "cloud_username": h.certs[0].email.split("@")[0],
                "cloud_password": DEMO_PASSWORD if has_valid_cert(h) else None,
                "revocation_phrase_example": DEMO_REVOCATION_PHRASE,
                "very_high_eid": h.eid_very_high,
                "certificates": [
                    {
                        "cert_id": cert_id_for(h.holder_id, c.suffix),
                        "type": c.type,
                        "status": c.status,
                        "email": c.email,
                        "confirmed_for_renewal": c.confirmed,
                    }
                    for c in h.certs
                ],
            }
        )
    return out
