"""Issue 13 §4: `kiosk doctor`'s backend check against a real TLS server on 127.0.0.1 —
a private CA trusted through `ca_bundle`, a missing ca_bundle, an expired certificate, a
certificate for another host — and the clock skew read from the backend's Date header."""

from __future__ import annotations

import email.utils
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.doctor import FAIL, OK, WARN, check_backend
from tests.services.hostile_http import HostileServer, raw
from tests.services.tls_certs import Pair, TestPki

Serve = Callable[..., str]


@pytest.fixture
def pki(tmp_path: Path) -> TestPki:
    return TestPki(tmp_path)


@pytest.fixture
def serve() -> Iterator[Serve]:
    """serve(pair, skew_s=0) -> the https URL of a server presenting `pair` whose Date
    header is `skew_s` seconds behind this machine's clock."""
    servers: list[HostileServer] = []

    def start(pair: Pair, skew_s: float = 0.0) -> str:
        date = email.utils.formatdate(time.time() - skew_s, usegmt=True)
        server = HostileServer(raw(b"{}", status=404, headers={"Date": date}),
                               tls=pair.server_context())
        servers.append(server)
        return server.url + "/registry/v1"

    yield start
    for s in servers:
        s.close()


def test_r30_backend_on_a_private_ca_passes_when_ca_bundle_names_that_ca(
    pki: TestPki, serve: Serve
) -> None:
    url = serve(pki.leaf("good"))
    c = check_backend("registry", url, ca_bundle=str(pki.ca.cert))
    assert (c.status, c.verdict) == (OK, f"{url} answers (404)")
    assert c.facts["tls"] is True and abs(c.facts["clock_skew_s"]) < 5


def test_r30_private_ca_without_ca_bundle_fails_naming_the_fix(
    pki: TestPki, serve: Serve
) -> None:
    url = serve(pki.leaf("good"))
    c = check_backend("registry", url)
    assert c.status == FAIL
    assert c.verdict.startswith(f"{url}: the server's TLS certificate is not trusted")
    assert "set ca_bundle to the registry's CA file" in c.fix
    assert "kiosk settings set ca_bundle" in c.fix


def test_r30_ca_bundle_of_another_ca_fails_naming_the_fix(
    pki: TestPki, serve: Serve, tmp_path: Path
) -> None:
    (tmp_path / "other").mkdir()
    other = TestPki(tmp_path / "other")
    url = serve(pki.leaf("good"))
    c = check_backend("registry", url, ca_bundle=str(other.ca.cert))
    assert c.status == FAIL
    assert f"is not issued by a CA in {other.ca.cert}" in c.verdict
    assert c.fix.startswith("set ca_bundle to the registry's CA file")


def test_r30_expired_backend_certificate_fails_saying_it_expired(
    pki: TestPki, serve: Serve
) -> None:
    url = serve(pki.leaf("old", expired=True))
    c = check_backend("registry", url, ca_bundle=str(pki.ca.cert))
    assert (c.status, c.verdict) == (FAIL, f"{url}: the server's TLS certificate expired")
    assert "renewed" in c.fix


def test_r30_certificate_for_another_host_fails_saying_wrong_host_name(
    pki: TestPki, serve: Serve
) -> None:
    url = serve(pki.leaf("elsewhere", host="registry.example"))
    c = check_backend("registry", url, ca_bundle=str(pki.ca.cert))
    assert c.status == FAIL
    assert c.verdict == (f"{url}: the server's TLS certificate is for another host name, "
                         "not 127.0.0.1")
    assert c.fix.startswith("wrong host name")


@pytest.mark.parametrize(
    ("skew_s", "status"),
    [(60, OK), (-60, OK), (180, WARN), (-180, WARN), (420, FAIL), (-420, FAIL)],
)
def test_r5_clock_skew_against_the_backends_date_warns_past_2_and_fails_past_5_minutes(
    pki: TestPki, serve: Serve, skew_s: int, status: str
) -> None:
    url = serve(pki.leaf("good"), skew_s=skew_s)
    c = check_backend("registry", url, ca_bundle=str(pki.ca.cert))
    assert c.status == status
    assert abs(c.facts["clock_skew_s"] - skew_s) <= 2
    if status != OK:
        said = re.match(r"this terminal's clock is ([+-]\d+) s off the backend's: ", c.verdict)
        assert said is not None, c.verdict
        assert abs(int(said[1]) - skew_s) <= 2  # the Date header counts whole seconds
        assert "timedatectl set-ntp true" in c.fix
    if status == FAIL:
        assert "expired before the holder types them" in c.verdict


def test_r30_kiosk_doctor_uses_the_config_files_ca_bundle(
    pki: TestPki, serve: Serve, tmp_path: Path
) -> None:
    base = serve(pki.leaf("good")).removesuffix("/registry/v1")
    toml = tmp_path / "kiosk.toml"
    toml.write_text(
        "[backend]\n"
        + "".join(f'{s}_url = "{base}/{s}/v1"\n' for s in ("registry", "bureau", "eid", "esign"))
        + 'ca_bundle = "ca.pem"\n'  # relative to the config file, as `kiosk run` reads it
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_DATA_HOME": str(tmp_path / "d"),
           "KIOSK_JOURNAL_URL": f"sqlite:///{tmp_path / 'kiosk.sqlite'}"}
    env.pop("KIOSK_BACKEND", None)
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "doctor", "--config", str(toml), "--camera",
         "synthetic", "--no-face", "--json"],
        capture_output=True, text=True, env=env, timeout=90,
    )
    checks = {c["name"]: c for c in json.loads(done.stdout)["checks"]}
    for name in ("registry", "bureau", "eid", "esign"):
        assert checks[f"backend {name}"]["status"] == OK, checks[f"backend {name}"]
        assert checks[f"backend {name}"]["facts"]["ca_bundle"] == str(pki.ca.cert)


def test_r32_counter_site_status_checks_the_registry_with_its_ca_bundle(
    pki: TestPki, serve: Serve
) -> None:
    from kiosk.desk.setup import site_rows

    url = serve(pki.leaf("good"))
    trusted = {r.name: r for r in site_rows(None, "none", url, str(pki.ca.cert))}
    assert trusted["backend registry"].status == OK
    untrusted = {r.name: r for r in site_rows(None, "none", url)}
    assert untrusted["backend registry"].status == FAIL
    assert "set ca_bundle to the registry's CA file" in untrusted["backend registry"].fix


@pytest.mark.parametrize(("lang", "expired", "clock", "english"), [
    ("zh-Hant", "：伺服器的 TLS 證書已過期", "秒：後端發出的驗證碼可能在持有人輸入前已過期", False),
    ("pt", ": o certificado TLS do servidor expirou", "s desfasado do servidor: os códigos",
     False),
    ("en", ": the server's TLS certificate expired", "s off the backend's: codes it sends", True),
])
def test_r30_r5_start_notice_says_an_expired_certificate_and_a_clock_off_in_its_language(
    qtbot: Any, pki: TestPki, serve: Serve, lang: str, expired: str, clock: str, english: bool
) -> None:
    from kiosk.ui.doctor_notice import StartCheckNotice

    old = serve(pki.leaf("old", expired=True))
    late = serve(pki.leaf("good"), skew_s=420)
    checks = [check_backend(n, u, ca_bundle=str(pki.ca.cert))
              for n, u in (("registry", old), ("esign", late))]
    notice = StartCheckNotice()
    qtbot.addWidget(notice)
    notice.set_failures(checks)
    notice.update_for("staff_login", False, lang)
    shown = notice.text()
    assert f"{old}{expired}" in shown and clock in shown and "+42" in shown
    for check in checks:  # the English sentence only in English
        assert (check.verdict in shown) == english, (lang, check.verdict)
        assert (check.fix in shown) == english, (lang, check.fix)
