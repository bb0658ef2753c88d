"""The console commands a technician runs where no screen is (a headless walkthrough, the
terminal's settings) never load Qt: each asked for its --help in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys

import pytest

NO_QT = (
    "import sys\n"
    "from kiosk import cli\n"
    "try:\n"
    "    cli.main([{command!r}, '--help'])\n"
    "except SystemExit:\n"
    "    pass\n"
    "assert 'PySide6' not in sys.modules, 'Qt loaded'\n"
)


@pytest.mark.parametrize("command", ["walkthrough", "settings"])
def test_the_command_does_not_load_qt(command: str) -> None:
    code = NO_QT.format(command=command)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
