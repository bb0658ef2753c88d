"""The published contract: help codes, docs/api.md, OpenAPI, the CA certificate, the demo
holders listing, and reset."""

from __future__ import annotations

import re
from pathlib import Path

import requests
from cryptography import x509

from sandbox.errors import HELP_CODES, render_help_codes_md
from sandbox.seed import HOLDER_IDS
from tests.sandbox.helpers import ID_NUMBERS, walk

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_help_codes_document_agrees_with_the_table() -> None:
    text = (DOCS / "help-codes.md").read_text(encoding="utf-8")
    # the kiosk-side section after it: tests/services/test_kiosk_help_codes.py
    assert text.split("\n## Kiosk-side codes\n", 1)[0] == render_help_codes_md()


def test_every_code_of_api_md_is_in_the_table_and_back() -> None:
    api = (DOCS / "api.md").read_text(encoding="utf-8")
    in_doc = set(re.findall(r"\|\s*(AC-AB-\d{4})\s*\|", api))
    assert in_doc == set(HELP_CODES)
    for code, row in HELP_CODES.items():
        assert set(row.title) == set(row.message) == {"zh-Hant", "pt", "en"}, code
        assert all(row.title.values()) and all(row.message.values()), code


def test_seed_help_codes_use_the_registrys_own_words() -> None:
    assert "（求助碼：AC-AB-0014）" in HELP_CODES["AC-AB-0014"].message["zh-Hant"]
    assert "（求助碼：AC-AB-0015）" in HELP_CODES["AC-AB-0015"].message["zh-Hant"]
    assert "(求助碼：AC-AB-0007)" in HELP_CODES["AC-AB-0007"].message["zh-Hant"]


def test_openapi_lists_the_four_services_and_the_controls(sandbox_url: str) -> None:
    spec = requests.get(f"{sandbox_url}/openapi.json", timeout=10).json()
    prefixes = {"/" + p.split("/")[1] + "/" + p.split("/")[2] for p in spec["paths"]}
    assert prefixes == {"/registry/v1", "/bureau/v1", "/eid/v1", "/esign/v1", "/sandbox/v1"}
    assert "/registry/v1/renewals/{rid}/activations" in spec["paths"]


def test_registry_publishes_its_ca_certificate(sandbox_url: str) -> None:
    r = requests.get(f"{sandbox_url}/registry/v1/ca.pem", timeout=10)
    cert = x509.load_pem_x509_certificate(r.content)
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    # Reset keeps the CA: certificates issued before stay verifiable.
    requests.post(f"{sandbox_url}/sandbox/v1/reset", timeout=10).raise_for_status()
    assert requests.get(f"{sandbox_url}/registry/v1/ca.pem", timeout=10).content == r.content


def test_demo_holders_listing_has_one_holder_per_branch(sandbox_url: str) -> None:
    listing = requests.get(f"{sandbox_url}/sandbox/v1/holders", timeout=10).json()
    holders = {h["holder_id"]: h for h in listing["holders"]}
    assert tuple(holders) == HOLDER_IDS
    assert {k: h["id_number"] for k, h in holders.items()} == ID_NUMBERS
    assert all(h["name"] and h["branch"] and h["cloud_username"] for h in holders.values())
    assert all(re.fullmatch(r"\+853 \*{4}\d{4}", h["mobile_masked"]) for h in holders.values())
    assert holders["H-NEWPW"]["cloud_password"] is None
    assert holders["H-ABC"]["cloud_password"] == "Cloud-demo-1"
    assert listing["staff"] == [{"username": "staff01", "password": "counter-demo-1",
                                 "display_name": "Counter Staff 01"}]


def test_reset_returns_to_the_seeded_state(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-SINGLE")
    w.through_submit()
    requests.post(f"{sandbox_url}/sandbox/v1/reset", timeout=10).raise_for_status()
    assert requests.get(f"{sandbox_url}/sandbox/v1/outbox", timeout=10).json()["messages"] == []
    fresh = walk(sandbox_url, "H-SINGLE")
    assert fresh.renewal["progress"]["submitted"] is False
    assert [c["cert_id"] for c in fresh.renewal["identity_pending"]] == ["C-SINGLE-1"]
    # The old session's token did not survive.
    assert w.get("/registry/v1/renewals/current").status_code == 401


def test_a_sandbox_file_of_an_older_version_is_rebuilt(tmp_path: Path) -> None:
    import sqlite3

    from sandbox.app import SandboxSettings, create_app
    from sandbox.server import SandboxServer

    db = tmp_path / "old.sqlite"
    with sqlite3.connect(db) as old:
        old.execute("CREATE TABLE certificates (cert_id TEXT PRIMARY KEY, serial TEXT)")
        old.execute("INSERT INTO certificates VALUES ('C-OLD-1', 'X')")
    server = SandboxServer(create_app(SandboxSettings(db_url=f"sqlite:///{db}")))
    server.start()
    try:
        w = walk(server.url, "H-SINGLE")
        assert [c["cert_id"] for c in w.renewal["identity_pending"]] == ["C-SINGLE-1"]
    finally:
        server.stop()
