"""The seeded demo holders: one per branch of the user guide, with stable ids.

Dates are relative to the sandbox clock at reset, so the guide's situations (a revoked and a
valid cloud-sign certificate, a qualified one already expired, a notice 30 days before
expiry) hold whatever day the demo runs. The table below is also what GET /sandbox/v1/holders
shows a tester, and what README.md documents.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
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


def _c(suffix: str, type_: str, status: str, days: int, email: str, **kw: Any) -> CertSeed:
    return CertSeed(suffix, type_, status, days, email, **kw)


HOLDERS: tuple[HolderSeed, ...] = (
    HolderSeed(
        "H-ABC", "1000001(1)", "CHAN TAI MAN", "陳大文",
        "seed example (ABC LIMITED): 2 cloud-sign + 1 qualified; R1 notice 15 days after reset;"
        " bureau expiry differs but is valid (R11 does not apply)",
        "ABC LIMITED", "obama", "+853 6600 0001",
        (
            _c("1", "cloud", "revoked", -30, "tm.chan@abc.example"),
            _c("2", "cloud", "valid", 45, "chan.taiman@abc.example"),
            _c("3", "qualified", "expired", -30, "tm.chan@abc.example"),
        ),
        bureau={"doc_expiry_days": 3650},
    ),
    HolderSeed(
        "H-SINGLE", "1000002(2)", "LEONG SIO WA", "梁小華",
        "one cloud-sign certificate: activation skips the selection (R18); ID card expires"
        " 40 days after reset (R21 by expiry)",
        "SINGLE TRADING CO., LTD.", "biden", "+853 6600 0002",
        (_c("1", "cloud", "valid", 100, "siowa.leong@single.example"),),
        doc_expiry_days=40, birth_date=date(1979, 11, 2), sex="F",
    ),
    HolderSeed(
        "H-OFFLINE", "1000003(3)", "WONG KA HOU", "黃家豪",
        "only non-cloud certificates (qualified + encryption): offline handling, AC-AB-0007"
        " (R19, R32)",
        "OFFLINE HOLDINGS LIMITED", "astronaut", "+853 6600 0003",
        (
            _c("1", "qualified", "expired", -10, "kahou.wong@offline.example"),
            _c("2", "encryption", "valid", 60, "kahou.wong@offline.example"),
        ),
    ),
    HolderSeed(
        "H-FOREIGN", "P1000004", "SILVA JOAO", "施維華",
        "registered document is a foreign passport: 不支援之身份證明文件類別 (R10)",
        "PORTO TRADING LIMITED", "obama", "+853 6600 0004",
        (_c("1", "cloud", "valid", 120, "joao.silva@porto.example"),),
        doc_type="passport",
    ),
    HolderSeed(
        "H-MISMATCH", "1000005(5)", "LAM MEI LING", "林美玲",
        "registered birth date differs from the bureau's: 無效之身份證明文件個人資料 (R11)",
        "MISMATCH SERVICES LIMITED", "biden", "+853 6600 0005",
        (_c("1", "cloud", "valid", 130, "meiling.lam@mismatch.example"),),
        birth_date=date(1990, 5, 1), sex="F",
        bureau={"birth_date": date(1990, 1, 5)},
    ),
    HolderSeed(
        "H-REVOKE", "1000006(6)", "HO CHI KEUNG", "何志強",
        "certificate data changed, original still valid: revoke first, AC-AB-0015 (R20);"
        " POST /sandbox/v1/certificates/C-REVOKE-1/revoke stands in for the revocation page",
        "REVOKE ENGINEERING LIMITED", "astronaut", "+853 6600 0006",
        (_c("1", "cloud", "valid", 140, "chikeung.ho@revoke.example",
            department="Supply Chain", position="Senior Officer", data_changed=True),),
    ),
    HolderSeed(
        "H-REAUTH", "1000007(7)", "CHEONG WENG IO", "張永耀",
        "the bureau's ID data change once identity is verified: pre-activation check finds"
        " it, AC-AB-0014 and the 《需重新認證進行身份鑑別》 email (R21)",
        "REAUTH LOGISTICS LIMITED", "obama", "+853 6600 0007",
        (_c("1", "cloud", "valid", 150, "wengio.cheong@reauth.example"),),
        bureau_after_check={"name": "CHEONG WENG IO, ANTONIO"},
    ),
    HolderSeed(
        "H-NEWPW", "1000008(8)", "IEONG KIN FAI", "楊建輝",
        "cloud-sign account holds no valid certificate: set a new password and confirm it"
        " (R22)",
        "NEWPASS DESIGN LIMITED", "biden", "+853 6600 0008",
        (
            _c("1", "cloud", "expired", -5, "kinfai.ieong@newpw.example"),
            _c("2", "cloud", "revoked", 200, "kinfai.ieong@newpw.example"),
        ),
    ),
    HolderSeed(
        "H-NOEID", "1000009(9)", "KOU SOI LAN", "高瑞蘭",
        "account without the very-high e-ID tool: 身份識別 refused, AC-AB-0021 (R15); also"
        " holds a standard certificate its institution has not confirmed (no R1 notice)",
        "NOEID CONSULTING LIMITED", "astronaut", "+853 6600 0009",
        (
            _c("1", "cloud", "valid", 160, "soilan.kou@noeid.example"),
            _c("2", "standard", "valid", 20, "soilan.kou@noeid.example", confirmed=False),
        ),
        eid_very_high=False, sex="F",
    ),
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
