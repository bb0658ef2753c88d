"""Walks a seeded holder through the registry's steps over real HTTP, so tests stay short.

Codes are read from the sandbox outbox, the way a demo tester reads them on /sandbox/outbox.
"""

from __future__ import annotations

import base64
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import requests

from sandbox import faces

T = 30  # seconds: generous, the face match runs on a 2-core machine

ID_NUMBERS = {
    "H-ABC": "1000001(1)",
    "H-SINGLE": "1000002(2)",
    "H-OFFLINE": "1000003(3)",
    "H-FOREIGN": "P1000004",
    "H-MISMATCH": "1000005(5)",
    "H-REVOKE": "1000006(6)",
    "H-REAUTH": "1000007(7)",
    "H-NEWPW": "1000008(8)",
    "H-NOEID": "1000009(9)",
}
FACES = {
    "H-ABC": "obama", "H-SINGLE": "biden", "H-OFFLINE": "astronaut", "H-FOREIGN": "obama",
    "H-MISMATCH": "biden", "H-REVOKE": "astronaut", "H-REAUTH": "obama", "H-NEWPW": "biden",
    "H-NOEID": "astronaut",
}
PASSWORD = "Cloud-demo-1"
PHRASE = "Revoke2026demo"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def other_face(name: str) -> str:
    return next(n for n in faces.FACE_NAMES if n != name)


def error_code(r: requests.Response) -> str:
    return str(r.json()["error"]["code"])


def outbox(base: str, **params: str) -> list[dict[str, Any]]:
    r = requests.get(f"{base}/sandbox/v1/outbox", params=params, timeout=T)
    r.raise_for_status()
    return list(r.json()["messages"])


def latest_code(base: str, to: str, kind: str) -> str:
    msgs = outbox(base, to=to, kind=kind)
    assert msgs, f"no {kind} message to {to}"
    label = "驗證碼：" if kind == "email_code" else "一次性密碼："
    m = re.search(label + r"(\d{6})", msgs[-1]["body"])
    assert m, msgs[-1]["body"]
    return m.group(1)


def advance(base: str, seconds: float) -> dict[str, Any]:
    r = requests.post(f"{base}/sandbox/v1/clock/advance", json={"seconds": seconds}, timeout=T)
    r.raise_for_status()
    return dict(r.json())


def mobile_of(base: str, holder_id: str) -> str:
    msgs = outbox(base, kind="sms_code")
    assert msgs
    return str(msgs[-1]["to"])


@dataclass
class Walk:
    """One holder's session at the kiosk, after signing in with e-ID (ID number + SMS)."""

    base: str
    holder_id: str
    token: str = ""
    renewal: dict[str, Any] = field(default_factory=dict)
    consent_token: str = ""
    document_id: str = ""
    signature_id: str = ""

    @property
    def rid(self) -> str:
        return str(self.renewal["renewal_id"])

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def url(self, path: str) -> str:
        return self.base + path

    def get(self, path: str) -> requests.Response:
        return requests.get(self.url(path), headers=self.auth, timeout=T)

    def post(self, path: str, body: Any = None, key: str | None = None) -> requests.Response:
        headers = dict(self.auth)
        if key is not None:
            headers["Idempotency-Key"] = key
        return requests.post(self.url(path), json=body if body is not None else {},
                             headers=headers, timeout=T)

    def reg(self, path: str) -> str:
        return f"/registry/v1/renewals/{self.rid}{path}"

    # --- steps ------------------------------------------------------------------------

    def login(self) -> Walk:
        r = requests.post(self.url("/eid/v1/login/start"),
                          json={"id_number": ID_NUMBERS[self.holder_id]}, timeout=T)
        assert r.status_code == 200, r.text
        start = r.json()
        sms = outbox(self.base, kind="sms_code")[-1]
        code = re.search(r"一次性密碼：(\d{6})", sms["body"])
        assert code
        r = requests.post(self.url("/eid/v1/login/complete"),
                          json={"challenge_id": start["challenge_id"], "sms_code": code.group(1)},
                          timeout=T)
        assert r.status_code == 200, r.text
        self.token = r.json()["holder_token"]
        r = self.get("/registry/v1/renewals/current")
        assert r.status_code == 200, r.text
        self.renewal = r.json()
        return self

    def refresh(self) -> dict[str, Any]:
        r = self.get(f"/registry/v1/renewals/{self.rid}")
        assert r.status_code == 200, r.text
        self.renewal = r.json()
        return self.renewal

    def addresses(self) -> list[str]:
        r = self.get(self.reg("/emails"))
        assert r.status_code == 200, r.text
        return [e["address"] for e in r.json()["emails"]]

    def request_code(self, address: str) -> requests.Response:
        return self.post(self.reg("/emails/code"), {"address": address})

    def verify_code(self, address: str, code: str) -> requests.Response:
        return self.post(self.reg("/emails/verify"), {"address": address, "code": code})

    def verify_emails(self) -> Walk:
        for address in self.addresses():
            r = self.request_code(address)
            assert r.status_code == 200, r.text
            r = self.verify_code(address, latest_code(self.base, address, "email_code"))
            assert r.status_code == 200, r.text
        return self

    def consent(self) -> Walk:
        r = self.post("/bureau/v1/consents", {"renewal_id": self.rid, "accepted": True})
        assert r.status_code == 200, r.text
        self.consent_token = r.json()["consent_token"]
        return self

    def identity_check(self) -> requests.Response:
        return self.post(self.reg("/identity-check"), {"consent_token": self.consent_token})

    def face_match(self, photo: bytes) -> requests.Response:
        return self.post("/bureau/v1/face-match", {"renewal_id": self.rid,
                                                   "consent_token": self.consent_token,
                                                   "photo_jpeg_b64": b64(photo)})

    def pass_face(self) -> Walk:
        r = self.face_match(faces.live_photo(FACES[self.holder_id]))
        assert r.status_code == 200, r.text
        r = self.post(self.reg("/face"), {"match_id": r.json()["match_id"]})
        assert r.status_code == 200, r.text
        return self

    def application(self) -> dict[str, Any]:
        r = self.get(self.reg("/application"))
        assert r.status_code == 200, r.text
        self.document_id = r.json()["document_id"]
        return dict(r.json())

    def declare(self) -> Walk:
        self.application()
        r = self.post(self.reg("/declaration"), {"accepted": True})
        assert r.status_code == 200, r.text
        return self

    def eid_assertion(self) -> str:
        r = self.post("/eid/v1/challenges", {"purpose": f"renewal:{self.rid}"})
        assert r.status_code == 200, r.text
        challenge = r.json()["challenge_id"]
        sms = outbox(self.base, kind="sms_code")[-1]
        code = re.search(r"一次性密碼：(\d{6})", sms["body"])
        assert code
        r = self.post(f"/eid/v1/challenges/{challenge}/verify",
                      {"sms_code": code.group(1),
                       "face_jpeg_b64": b64(faces.live_photo(FACES[self.holder_id]))})
        assert r.status_code == 200, r.text
        return str(r.json()["assertion"])

    def sign(self) -> Walk:
        assertion = self.eid_assertion()
        r = self.post("/esign/v1/signatures",
                      {"assertion": assertion, "document_id": self.document_id})
        assert r.status_code == 200, r.text
        self.signature_id = r.json()["signature_id"]
        return self

    def submit(self, key: str | None = None) -> requests.Response:
        return self.post(self.reg("/submit"), {"signature_id": self.signature_id},
                         key=key or str(uuid.uuid4()))

    def through_identity(self) -> Walk:
        """Steps 1-2: emails, consent, identity check, face."""
        self.verify_emails().consent()
        r = self.identity_check()
        assert r.status_code == 200, r.text
        return self.pass_face()

    def through_submit(self) -> dict[str, Any]:
        """Steps 1-3: everything up to and including 確認提交."""
        self.through_identity().declare().sign()
        r = self.submit()
        assert r.status_code == 200, r.text
        return dict(r.json())

    def activate(self, cert_ids: list[str], password: str = PASSWORD,
                 phrase: str = PHRASE, confirm: str | None = None,
                 key: str | None = None) -> requests.Response:
        body = {"cert_ids": cert_ids, "password": password, "revocation_phrase": phrase}
        if confirm is not None:
            body["password_confirm"] = confirm
        return self.post(self.reg("/activations"), body, key=key or str(uuid.uuid4()))

    def wait_job(self, job_id: str) -> dict[str, Any]:
        import time

        for _ in range(200):
            r = self.get(f"/registry/v1/activations/{job_id}")
            assert r.status_code == 200, r.text
            if r.json()["state"] != "running":
                return dict(r.json())
            time.sleep(0.05)
        raise AssertionError("activation job did not finish")


def walk(base: str, holder_id: str) -> Walk:
    return Walk(base, holder_id).login()
