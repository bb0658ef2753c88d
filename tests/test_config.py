"""The kiosk's backend configuration file: four separate systems in production."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config import BackendConfig, ConfigError

ROOT = Path(__file__).resolve().parents[1]


def test_example_config_names_four_separate_backends() -> None:
    config = BackendConfig.from_toml(ROOT / "packaging" / "kiosk.example.toml")
    assert config.registry_url.endswith("/registry/v1")
    assert config.bureau_url.endswith("/bureau/v1")
    assert config.eid_url.endswith("/eid/v1")
    assert config.esign_url.endswith("/esign/v1")
    assert config.sandbox_url is None
    assert config.timeout_s == 10.0


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[backend]\nregistry_url = 'http://a'\n", "needs bureau_url, eid_url, esign_url"),
        ("registry_url = 'http://a'\n", "no [backend] table"),
        ("[backend\n", "not valid TOML"),
        (
            "[backend]\nregistry_url='a'\nbureau_url='b'\neid_url='c'\nesign_url='d'\nregsitry='x'\n",
            "unknown keys in [backend]: regsitry",
        ),
        (
            "[backend]\nregistry_url='a'\nbureau_url='b'\neid_url='c'\nesign_url='d'\ntimeout_s=0\n",
            "timeout_s must be a positive number",
        ),
    ],
)
def test_a_broken_config_names_what_to_fix(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=says.replace("[", r"\[").replace("]", r"\]")):
        BackendConfig.from_toml(path)


def test_kiosk_run_refuses_a_broken_config_with_a_message(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text("[backend]\nregistry_url = 'http://a'\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "run", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin",
             "KIOSK_QUIT_AFTER_FIRST_PAINT": "1"},
    )
    assert done.returncode == 2
    assert "needs bureau_url, eid_url, esign_url" in done.stderr


# -- transport policy (issue 12) ----------------------------------------------------------

FOUR = "registry_url='{u}/r'\nbureau_url='{u}/b'\neid_url='{u}/e'\nesign_url='{u}/s'\n"


@pytest.mark.parametrize(
    "url",
    ["http://backend.example", "http://10.0.0.5:8000", "http://[2001:db8::1]", "ftp://127.0.0.1"],
)
def test_plain_http_off_loopback_is_refused_with_a_clear_message(tmp_path: Path, url: str) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text("[backend]\n" + FOUR.format(u=url), encoding="utf-8")
    with pytest.raises(ConfigError, match="https://"):
        BackendConfig.from_toml(path)
    with pytest.raises(ConfigError, match="https://"):
        BackendConfig.for_sandbox(url)  # kiosk run --backend URL goes through here


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8750", "http://localhost:1", "http://[::1]:8", "https://b.example"]
)
def test_loopback_http_and_any_https_are_accepted(url: str) -> None:
    assert BackendConfig.for_sandbox(url).registry_url == f"{url}/registry/v1"


def test_ca_bundle_and_client_certificate_are_read_relative_to_the_config(tmp_path: Path) -> None:
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    (tmp_path / "ca.pem").write_text(pem, encoding="utf-8")
    (tmp_path / "kiosk.pem").write_text(pem, encoding="utf-8")
    (tmp_path / "kiosk.key").write_text("key", encoding="utf-8")
    path = tmp_path / "kiosk.toml"
    path.write_text(
        "[backend]\n" + FOUR.format(u="https://b.example")
        + "ca_bundle='ca.pem'\nclient_cert='kiosk.pem'\nclient_key='kiosk.key'\n",
        encoding="utf-8",
    )
    config = BackendConfig.from_toml(path)
    assert config.ca_bundle == str(tmp_path / "ca.pem")
    assert config.client_cert == str(tmp_path / "kiosk.pem")
    assert config.client_key == str(tmp_path / "kiosk.key")


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        ("ca_bundle='missing.pem'\n", "ca_bundle '.*missing.pem': no such file"),
        ("ca_bundle='kiosk.toml'\n", "holds no PEM certificate"),
        ("client_key='kiosk.toml'\n", "client_key needs client_cert"),
        ("timeout_s=true\n", "timeout_s must be a positive number"),
    ],
)
def test_a_bad_transport_setting_names_what_to_fix(tmp_path: Path, extra: str, says: str) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text("[backend]\n" + FOUR.format(u="https://b.example") + extra, encoding="utf-8")
    with pytest.raises(ConfigError, match=says):
        BackendConfig.from_toml(path)


def test_walkthrough_refuses_plain_http_to_another_host(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "walkthrough", str(ROOT / "scenarios" / "h-abc.toml"),
         "--backend", "http://backend.example:8750"],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode != 0
    assert "plain http:// is allowed only on this machine" in done.stderr
    assert "Traceback" not in done.stderr
