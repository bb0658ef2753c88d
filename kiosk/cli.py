"""`kiosk` console script: one subcommand per use.

Each subcommand lives in its own module and is imported only when used, so that
`kiosk walkthrough` never loads Qt and `kiosk run` starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Any

# name -> (module, help). The module has `add_arguments(parser)` and `run(args) -> int`.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "run": ("kiosk.ui.launch", "run the kiosk against the configured backend"),
    "demo": ("kiosk.ui.demo", "run the kiosk against an embedded sandbox backend"),
    "walkthrough": ("kiosk.walkthrough", "drive a scripted renewal headless, JSON per step"),
    "settings": ("kiosk.settings_cli", "list, get, set or unset this terminal's settings"),
    "db": ("kiosk.store.cli_db", "upgrade the store's schema (the site's PostgreSQL: IT)"),
    "audit": ("kiosk.store.cli_audit", "verify the audit trail's hash chain of every kiosk"),
    "site": ("kiosk.store.cli_site", "the fleet: each kiosk's newest heartbeat"),
    "doctor": ("kiosk.doctor_cli", "check camera, printer, backends, keyring, store; say the fix"),
    "enrol": ("kiosk.receipt.cli", "enrol this kiosk with the registry (its receipt key)"),
    "receipt": ("kiosk.receipt.receipt_cli", "verify a receipt PDF or a photo of its QR seal"),
    "flow": ("kiosk.flows.graph", "print the renewal's navmap (`kiosk flow graph`: DOT)"),
}


def parse(argv: list[str]) -> tuple[Any, argparse.Namespace]:
    """The chosen subcommand's module and its parsed options (exits on bad usage)."""
    parser = argparse.ArgumentParser(prog="kiosk", description="Certificate renewal kiosk")
    sub = parser.add_subparsers(dest="command", required=True)
    # Only the subcommand asked for is imported (and gets its options, so that its --help
    # lists them): `kiosk walkthrough` never loads Qt, `kiosk --help` loads nothing.
    chosen = next((a for a in argv if not a.startswith("-")), None)
    module = None
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            module = importlib.import_module(module_name)
            module.add_arguments(p)
    args = parser.parse_args(argv)
    assert module is not None  # parse_args exits on an unknown or missing subcommand
    del args.command
    return module, args


def main(argv: list[str] | None = None) -> int:
    module, args = parse(list(sys.argv[1:] if argv is None else argv))
    return int(module.run(args))


if __name__ == "__main__":
    sys.exit(main())
