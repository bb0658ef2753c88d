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
