"""Personal data never reaches the sandbox's database file in clear: codes, passwords,
tokens and a tester's own face (the standards of the project)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sandbox import faces
from sandbox.app import SandboxSettings, create_app
from sandbox.server import SandboxServer
from tests.sandbox.helpers import b64, latest_code, walk


@pytest.fixture
def own_sandbox(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    db = tmp_path / "sandbox.sqlite"
    server = SandboxServer(create_app(SandboxSettings(db_url=f"sqlite:///{db}",
                                                      activation_seconds=0.05)))
    server.start()
    try:
        yield server.url, tmp_path
    finally:
        server.stop()


def _pieces(jpeg: bytes) -> list[bytes]:
    # Short pieces: SQLite splits a large blob over pages, so a long run may be cut.
    return [jpeg[i : i + 48] for i in range(1000, len(jpeg) - 48, 4000)]


def _disk(folder: Path) -> bytes:
    # The database file and its write-ahead log: everything SQLite has put on disk.
    return b"".join(p.read_bytes() for p in sorted(folder.glob("sandbox.sqlite*")))


def test_codes_passwords_tokens_and_own_face_are_not_on_disk(
    own_sandbox: tuple[str, Path],
) -> None:
    base, folder = own_sandbox
    own_face = faces.live_photo("biden")  # a photo the seed never stores
    r = requests.post(f"{base}/sandbox/v1/holders/H-NEWPW/face",
                      json={"photo_jpeg_b64": b64(own_face)}, timeout=30)
    assert r.status_code == 200
    w = walk(base, "H-NEWPW")
    w.request_code("kinfai.ieong@newpw.example")
    code = latest_code(base, "kinfai.ieong@newpw.example", "email_code")
    w.verify_code("kinfai.ieong@newpw.example", code)
    w.consent()
    assert w.identity_check().status_code == 200
    w.pass_face()
    w.declare().sign()
    assert w.submit().status_code == 200
    password, phrase = "Tester-secret-77", "TesterPhrase2026"
    job = w.activate(["C-NEWPW-1", "C-NEWPW-2"], password=password, confirm=password,
                     phrase=phrase)
    assert w.wait_job(job.json()["job_id"])["state"] == "succeeded"
    disk = _disk(folder)
    # Control: the seeded public-domain faces are in the file, so a clear secret would show.
    assert all(p in disk for p in _pieces(faces.registered_face("astronaut")))
    for secret in (f"驗證碼：{code}".encode(), password.encode(), phrase.encode(),
                   w.token.encode(), w.consent_token.encode(), *_pieces(own_face)):
        assert secret not in disk
    # The outbox still shows the code to a tester, over the API.
    assert latest_code(base, "kinfai.ieong@newpw.example", "email_code") == code
    assert re.fullmatch(r"\d{6}", code)
