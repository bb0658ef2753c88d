"""`kiosk <subcommand> --help` lists the subcommand's options (review #15), imports stay lazy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from ui_helpers import open_run_window, run_kiosk, shot, store_settings, visible_texts

from kiosk import cli

NOWHERE = "http://127.0.0.1:9"  # no backend listens there: the first screen must not wait


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("run", ["--backend", "--config", "--self-service", "--camera", "--idle-seconds"]),
        ("demo", ["--self-service", "--camera", "--screenshot", "--lang"]),
        ("walkthrough", ["scenario", "--backend", "--journal", "--interrupt-at"]),
        ("settings", ["--journal", "list", "get", "set", "unset", "kiosk_id", "set-pin"]),
    ],
)
def test_subcommand_help_lists_its_options(
    command: str, options: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main([command, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: kiosk {command}")
    for option in options:
        assert option in out


@pytest.mark.parametrize("command", ["walkthrough", "settings"])
def test_help_of_a_command_without_a_window_does_not_load_qt(command: str) -> None:
    code = (
        f"import sys\nfrom kiosk import cli\ntry:\n    cli.main([{command!r}, '--help'])\n"
        "except SystemExit:\n    pass\nassert 'PySide6' not in sys.modules, 'Qt loaded'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


SHOTS3 = Path("/tmp/ui_shots3")


def test_kiosk_run_takes_its_first_screen_language_from_the_stored_setting(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window, _flow = open_run_window(
        qtbot, tmp_path, monkeypatch, NOWHERE, lang="pt", kiosk_id="LOBBY-1", self_service="true"
    )
    texts = visible_texts(window)
    assert "Escolha como quer ser atendido" in texts  # the first screen, in Portuguese
    assert "請選擇服務方式" not in texts
    assert "LOBBY-1" in texts  # which terminal this is, for staff
    assert window.idle is not None  # self_service: the idle wipe is on
    shot(window, "run_stored_lang_pt", folder=SHOTS3)  # no tofu, no clipped button
    window.idle.stop()


def test_kiosk_run_options_win_over_stored_settings(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window, _flow = open_run_window(
        qtbot, tmp_path, monkeypatch, NOWHERE, "--lang", "en", "--no-self-service",
        lang="pt", self_service="true",
    )
    assert "Choose how to proceed" in visible_texts(window)
    assert window.idle is not None  # R34: the counter terminal wipes after idle time too
    window.idle.stop()


def test_kiosk_run_uses_the_stored_backend_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toml = tmp_path / "kiosk.toml"
    toml.write_text(
        "[backend]\n"
        + "".join(f'{k} = "http://127.0.0.1:9/{k}"\n' for k in ("registry_url", "bureau_url"))
        + "".join(f'{k} = "http://127.0.0.1:9/{k}"\n' for k in ("eid_url", "esign_url")),
        encoding="utf-8",
    )
    url = store_settings(tmp_path, monkeypatch, config=str(toml), lang="pt")
    # The whole command, as a person starts it, with nothing on its command line.
    env = {"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin", "KIOSK_JOURNAL_URL": url,
           "KIOSK_QUIT_AFTER_FIRST_PAINT": "1"}
    done = run_kiosk("run", env=env)
    assert done.returncode == 0, done.stderr
    # A stored config that has become unreadable is named, as with --config.
    toml.write_text("[backend]\n", encoding="utf-8")
    done = run_kiosk("run", env=env)
    assert done.returncode == 2
    assert "needs registry_url" in done.stderr


def test_kiosk_run_without_a_display_suggests_only_options_that_exist(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "run"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "kiosk run: no display found" in done.stderr
    assert "kiosk run --screenshot" not in done.stderr
    assert "kiosk demo --screenshot first.png" in done.stderr
