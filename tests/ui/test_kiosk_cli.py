"""`kiosk <subcommand> --help` lists the subcommand's options (review #15), imports stay lazy."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kiosk import cli


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("run", ["--backend", "--config", "--self-service", "--camera", "--idle-seconds"]),
        ("demo", ["--self-service", "--camera", "--screenshot", "--lang"]),
        ("walkthrough", ["scenario", "--backend", "--journal", "--interrupt-at"]),
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


def test_walkthrough_help_does_not_load_qt() -> None:
    code = (
        "import sys\nfrom kiosk import cli\ntry:\n    cli.main(['walkthrough', '--help'])\n"
        "except SystemExit:\n    pass\nassert 'PySide6' not in sys.modules, 'Qt loaded'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
