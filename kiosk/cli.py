"""`kiosk` console script: one subcommand per use.

Each subcommand lives in its own module and is imported only when used, so that
`kiosk walkthrough` never loads Qt and `kiosk run` starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# name -> (module, help). The module has `add_arguments(parser)` and `run(args) -> int`.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "run": ("kiosk.ui.launch", "run the kiosk against the configured backend"),
    "demo": ("kiosk.ui.demo", "run the kiosk against an embedded sandbox backend"),
    "walkthrough": ("kiosk.walkthrough", "drive a scripted renewal headless, JSON per step"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kiosk", description="Certificate renewal kiosk")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=help_text)
        p.set_defaults(_module=module_name)
        # Arguments are added lazily below, once we know which subcommand was asked for.
    args, rest = parser.parse_known_args(argv)
    module = importlib.import_module(args._module)
    sub_parser = argparse.ArgumentParser(prog=f"kiosk {args.command}")
    module.add_arguments(sub_parser)
    sub_args = sub_parser.parse_args(rest)
    return int(module.run(sub_args))


if __name__ == "__main__":
    sys.exit(main())
