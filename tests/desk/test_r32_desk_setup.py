"""R32: what `kiosk run` and `kiosk demo` give the counter desk (kiosk/desk/setup.py): the
token module from the setting, a SoftHSM2 token of its own in the demo, the registry CA read
from the trust list when the first certificate is issued, and the site-status rows."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from cryptography import x509

from kiosk.config import BackendConfig
from kiosk.desk.setup import DEMO_TOKEN_LABEL, DEMO_TOKEN_PIN, DeskSetup, site_rows
from kiosk.flows.stages.desk import desk_state
from kiosk.services.factory import build_services, close_services
from kiosk.store import open_journal
from kiosk.tokens.softhsm import SoftHsmToken
from kiosk.ui.launch import flow_factory


def test_r32_the_demo_desk_makes_its_own_token_and_removes_it_at_exit() -> None:
    script = (
        "import json, os\n"
        "from kiosk.desk.setup import DeskSetup, DEMO_TOKEN_LABEL, DEMO_TOKEN_PIN\n"
        "tokens = DeskSetup(demo=True).tokens()\n"
        "s = tokens.open(DEMO_TOKEN_LABEL, DEMO_TOKEN_PIN)\n"
        "s.close()\n"
        "print(json.dumps({'labels': [t for t in tokens.token_labels() if t],\n"
        "                  'conf': os.environ['SOFTHSM2_CONF']}))\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=120, env={"PATH": "/usr/bin:/bin"}, check=False)
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["labels"] == [DEMO_TOKEN_LABEL]
    assert not Path(seen["conf"]).exists()  # the demo's token is gone with the process
    assert DEMO_TOKEN_PIN.isdigit()  # typed on the desk's digit keypad


def test_r32_kiosk_run_gives_the_desk_the_configured_module_and_the_registry_ca(
    sandbox_url: str, tmp_path: Path, token: SoftHsmToken,
) -> None:
    journal = open_journal(f"sqlite:///{tmp_path / 'journal.sqlite'}")
    setup = DeskSetup.from_settings({"token_module": token.module}, sandbox_url + "/registry/v1")
    flow = flow_factory(BackendConfig.for_sandbox(sandbox_url), journal, None, setup)("zh-Hant")
    try:
        parts = desk_state(flow.ctx).parts
        assert token.label in parts.tokens.token_labels()
        assert parts.issuance_journal is not None
        assert parts.ca_cert is None  # not read at start: a kiosk starts with the registry down
        assert parts.ca_loader is not None
        published = x509.load_pem_x509_certificate(
            requests.get(f"{sandbox_url}/registry/v1/ca.pem", timeout=30).content)
        assert parts.ca_loader() == published
    finally:
        close_services(flow.ctx.services)
        journal.close()


def test_r32_without_a_module_the_desk_opens_and_the_token_page_says_it_is_not_set_up(
    sandbox_url: str,
) -> None:
    setup = DeskSetup.from_settings({}, "")
    assert setup.tokens() is None
    services = build_services(BackendConfig.for_sandbox(sandbox_url))
    try:
        parts = setup.parts(services.registry, object(), None)
        assert parts.tokens is None and parts.issuance_journal is None
    finally:
        close_services(services)


def test_r32_site_status_shows_this_terminal_and_every_kiosk_heartbeat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KIOSK_ID", "LOBBY-3")
    journal = open_journal(f"sqlite:///{tmp_path / 'journal.sqlite'}")
    try:
        journal.heartbeat(version="1", mode="self-service", camera="missing /dev/video0",
                          printer="ok", backend="ok", unprinted_receipts=2)
        rows = {r.name: r for r in site_rows(journal, "none", "")}
    finally:
        journal.close()
    assert rows["printer"].status == "warn" and "kiosk settings set printer" in rows["printer"].fix
    lobby = rows["kiosk LOBBY-3"]
    assert lobby.status == "fail"
    assert "camera missing /dev/video0" in lobby.verdict
    assert "2 receipt(s) to reprint" in lobby.verdict
    assert lobby.fix
