"""`kiosk doctor`'s command line: the same choices as `kiosk run` (its options and stored
settings), then the checks of kiosk/doctor.py. Kept apart from the checks, which the kiosk's
heartbeat uses too, so that the checks never import the Qt launcher."""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kiosk.doctor import FAIL, report_json, report_text, run_checks


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from kiosk.ui.launch import add_arguments as add_run_arguments

    add_run_arguments(parser)  # the same choices as `kiosk run`
    parser.add_argument("--no-face", action="store_true", help="do not wait for a face")
    parser.add_argument("--json", action="store_true", help="one JSON object, for support")
    parser.add_argument(
        "--demo", action="store_true", help="check the embedded sandbox and the demo camera"
    )
    parser.add_argument("--journal", help="the store's URL (default: $KIOSK_JOURNAL_URL)")


@contextlib.contextmanager
def demo_setup(args: argparse.Namespace) -> Iterator[None]:
    """The embedded sandbox, a demo camera clip and a throwaway SQLite store."""
    from kiosk.walkthrough import embedded_sandbox

    with tempfile.TemporaryDirectory(prefix="kiosk-doctor-") as tmp, embedded_sandbox(3.0) as url:
        from kiosk.ui.demo_camera import DemoCamera

        args.backend, args.config = url, None
        if args.camera in (None, "demo", "auto"):
            args.camera = str(DemoCamera(tmp).clip("obama"))
        if not args.journal:
            from kiosk.store import SqlJournal

            args.journal = f"sqlite:///{Path(tmp) / 'store.sqlite'}"
            SqlJournal(args.journal, kiosk_id="DOCTOR-DEMO").close()
        yield


def run(args: argparse.Namespace) -> int:
    from kiosk.store.paths import db_url
    from kiosk.store.settings import read_settings
    from kiosk.ui.launch import apply_settings

    if args.demo:
        stored: dict[str, Any] = {}
    else:
        try:
            stored = read_settings(db_url(args.journal, create=False))
        except Exception:  # noqa: BLE001 - the store check says what is wrong with it
            stored = {}
    demo_camera = args.camera
    apply_settings(args, stored)
    with contextlib.ExitStack() as stack:
        if args.demo:
            args.camera = demo_camera
            stack.enter_context(demo_setup(args))
        # The demo keeps no receipts between runs: no keyring there is a warning only.
        checks = run_checks(args, keyring_required=not args.demo,
                            stored_printer=stored.get("printer"),
                            stored_ca_bundle=stored.get("ca_bundle"))
    sys.stdout.write(report_json(checks) if args.json else report_text(checks))
    return 1 if any(c.status == FAIL for c in checks) else 0
