"""The package (packaging/kiosk.spec) ships every data folder the kiosk reads, and the kiosk
session's files start it locked down and bring it back after a crash."""

from __future__ import annotations

import ast
import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"


def spec_data_dirs() -> list[str]:
    tree = ast.parse((PACKAGING / "kiosk.spec").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "DATA_DIRS":
            return [ast.literal_eval(e) for e in node.value.elts]  # type: ignore[attr-defined]
    raise AssertionError("kiosk.spec has no DATA_DIRS")


def test_the_spec_lists_every_resources_folder_that_exists() -> None:
    listed = spec_data_dirs()
    existing = sorted(f"resources/{p.name}" for p in (ROOT / "resources").iterdir() if p.is_dir())
    assert {"resources/fonts", "resources/locale", "resources/models"} <= set(existing)
    assert sorted(d for d in listed if d.startswith("resources/")) == existing
    assert "kiosk/store/migrations" in listed  # Alembic reads the revisions as files
    for d in listed:
        assert (ROOT / d).is_dir(), f"{d} is listed in kiosk.spec but does not exist"


def test_the_kiosk_session_starts_locked_down_and_restarts_on_a_crash() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read(PACKAGING / "registry-kiosk.service")
    service = unit["Service"]
    assert service["ExecStart"].endswith("kiosk run --self-service")
    assert service["Restart"] == "always"
    desktop = configparser.ConfigParser(interpolation=None)
    desktop.read(PACKAGING / "registry-kiosk.desktop")
    assert "systemctl --user start registry-kiosk.service" in desktop["Desktop Entry"]["Exec"]


def test_configuration_md_lists_every_setting_and_environment_variable() -> None:
    import re

    from kiosk.store.settings import SETTINGS

    doc = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    for key in SETTINGS:
        assert f"| `{key}` |" in doc, f"setting {key} is not in docs/configuration.md"
    code = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "kiosk").rglob("*.py"))
    names = set(re.findall(r'os\.environ(?:\.get)?[\[(]"([A-Z0-9_]+)"', code))
    names |= set(re.findall(r'^[A-Z_]+ = "((?:KIOSK|SOFTHSM2)_[A-Z0-9_]+)"', code, re.M))
    assert {"KIOSK_JOURNAL_URL", "KIOSK_CONFIG", "KIOSK_HEARTBEAT_SECONDS"} <= names
    missing = sorted(n for n in names if f"`{n}`" not in doc)
    assert missing == []
