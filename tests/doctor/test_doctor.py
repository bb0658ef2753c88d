"""`kiosk doctor` as support runs it: a real process, the sandbox over real HTTP, a real
SQLite store, the camera through the same cv2 path as the photo pages."""

from __future__ import annotations

import email.utils
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


def doctor(*args: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_DATA_HOME": str(tmp / "data"),
        "KIOSK_JOURNAL_URL": f"sqlite:///{tmp / 'kiosk.sqlite'}",
    }
    for key in ("KIOSK_BACKEND", "KIOSK_CONFIG"):
        env.pop(key, None)
    return subprocess.run(
        [sys.executable, "-m", "kiosk", "doctor", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=90,
    )


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_doctor_demo_passes_against_the_embedded_sandbox_and_demo_camera(tmp_path: Path) -> None:
    done = doctor("--demo", tmp=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert out.rstrip().endswith("all checks passed")
    assert "[OK  ] camera: camera gives 640x480" in out and "a face is found" in out
    for name in ("registry", "bureau", "eid", "esign"):
        assert f"[OK  ] backend {name}: http://127.0.0.1:" in out
    assert "[OK  ] store: writable, migrations current" in out
    assert "[OK  ] fonts and face model" in out
    assert "[WARN] certificate: not enrolled" in out  # the demo has no enrolment: a warning


def test_doctor_names_the_backend_that_is_gone_and_the_fix(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    done = doctor("--backend", url, "--camera", "synthetic", "--no-face", "--json", tmp=tmp_path)
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["ok"] is False
    assert {"backend registry", "backend bureau", "backend eid", "backend esign"} <= set(
        report["failed"]
    )
    registry = next(c for c in report["checks"] if c["name"] == "backend registry")
    assert registry["verdict"].startswith(f"{url}/registry/v1 does not answer")
    assert "check the network cable and the URL" in registry["fix"]
    camera = next(c for c in report["checks"] if c["name"] == "camera")
    assert camera["status"] == "ok" and camera["facts"]["width"] > 0


def test_doctor_names_a_camera_that_does_not_open_and_the_fix(
    tmp_path: Path, sandbox_url: str
) -> None:
    missing = tmp_path / "no-such-camera.avi"
    done = doctor("--backend", sandbox_url, "--camera", str(missing), tmp=tmp_path)
    assert done.returncode == 1
    assert f"[FAIL] camera: camera '{missing}' does not open (no video file at {missing})" in (
        done.stdout
    )
    assert "fix: plug the webcam in" in done.stdout
    failed = done.stdout.strip().splitlines()[-1]
    assert failed.startswith("FAILED: camera")
    assert "[OK  ] backend registry" in done.stdout  # the backend is there: only what is wrong


@pytest.fixture
def skewed_server() -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def date_time_string(self, timestamp: float | None = None) -> str:  # the Date header
            return email.utils.formatdate(time.time() - 600, usegmt=True)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_doctor_says_the_clock_is_off_the_backends(tmp_path: Path, skewed_server: str) -> None:
    done = doctor("--backend", skewed_server, "--camera", "synthetic", "--no-face", "--json",
                  tmp=tmp_path)
    assert done.returncode == 1
    registry = next(c for c in json.loads(done.stdout)["checks"] if c["name"] == "backend registry")
    assert registry["status"] == "fail"
    # The Date header counts whole seconds: 600 s behind reads as 600 or 601.
    assert registry["verdict"].split(":")[0] in {
        f"this terminal's clock is +{n} s off the backend's" for n in (599, 600, 601)
    }
    assert "timedatectl set-ntp true" in registry["fix"]
    assert 595 <= registry["facts"]["clock_skew_s"] <= 605


def _cert(subject: str, key: object, issuer: str, signer: object, days: int) -> object:
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(key.public_key())  # type: ignore[attr-defined]
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days))
        .sign(signer, hashes.SHA256())  # type: ignore[arg-type]
    )


def test_doctor_reads_the_enrolled_certificate_its_expiry_and_its_ca(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from kiosk.doctor import check_certificate
    from kiosk.receipt.identity import _CHAIN_FILE

    ca_key, kiosk_key, other_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    ca = _cert("Registry CA", ca_key, "Registry CA", ca_key, 3650)
    pem = serialization.Encoding.PEM

    def write(*certs: object) -> None:
        (tmp_path / _CHAIN_FILE).write_bytes(b"".join(c.public_bytes(pem) for c in certs))  # type: ignore[attr-defined]

    assert check_certificate(tmp_path).verdict == "not enrolled"
    assert check_certificate(tmp_path).status == "fail"
    write(_cert("LOBBY-1", kiosk_key, "Registry CA", ca_key, 200), ca)
    good = check_certificate(tmp_path)
    assert (good.status, good.facts["days_left"]) == ("ok", 199)
    write(_cert("LOBBY-1", kiosk_key, "Registry CA", ca_key, 10), ca)
    assert check_certificate(tmp_path).verdict == "the kiosk's certificate expires in 9 days"
    write(_cert("LOBBY-1", kiosk_key, "Registry CA", other_key, 200), ca)  # not the CA's
    assert check_certificate(tmp_path).status == "fail"
    assert "not issued by the registry CA" in check_certificate(tmp_path).verdict
