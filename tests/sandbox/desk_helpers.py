"""The counter desk's side of the sandbox, as a test drives it over HTTP: a staff session,
the in-person check, a CSR made with a software key (the token tests use a real token)."""

from __future__ import annotations

from typing import Any

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from sandbox import faces
from tests.sandbox.helpers import FACES, ID_NUMBERS, T, b64

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def staff(base: str) -> dict[str, str]:
    r = requests.post(f"{base}/registry/v1/staff/login",
                      json={"username": "staff01", "password": "counter-demo-1"}, timeout=T)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['staff_token']}"}


def queue(base: str, auth: dict[str, str], **params: str) -> list[dict[str, Any]]:
    r = requests.get(f"{base}/registry/v1/staff/offline-queue", headers=auth, params=params,
                     timeout=T)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def in_person(base: str, auth: dict[str, str], renewal_id: str, holder_id: str) -> None:
    """The officer types the card's number and the live photo matches."""
    url = f"{base}/registry/v1/staff/in-person/{renewal_id}"
    r = requests.post(f"{url}/id-check", json={"id_number": ID_NUMBERS[holder_id]},
                      headers=auth, timeout=T)
    assert r.status_code == 200, r.text
    photo = faces.live_photo(FACES[holder_id])
    r = requests.post(f"{url}/face", json={"photo_jpeg_b64": b64(photo)}, headers=auth,
                      timeout=T)
    assert r.status_code == 200, r.text


def key_for(cert_type: str) -> PrivateKey:
    if cert_type == "encryption":
        return rsa.generate_private_key(public_exponent=65537, key_size=3072)
    return ec.generate_private_key(ec.SECP256R1())


def csr_pem(key: PrivateKey, name: str = "WONG KA HOU") -> str:
    req = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .sign(key, hashes.SHA256())
    )
    return req.public_bytes(serialization.Encoding.PEM).decode("ascii")


def complete(base: str, auth: dict[str, str], cert_id: str, csr: str,
             key: str) -> requests.Response:
    return requests.post(f"{base}/registry/v1/staff/offline-queue/{cert_id}/complete",
                         json={"csr_pem": csr}, headers={**auth, "Idempotency-Key": key},
                         timeout=T)
