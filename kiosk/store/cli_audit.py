"""`kiosk audit verify`: checks the audit trail's hash chain of every kiosk in the store.

    kiosk audit verify [--journal URL] [--kiosk ID]

Prints one line per kiosk (entries checked, intact or not) and one per break: which entry
and what is wrong there. Exit 0 when every chain is intact, 1 when one breaks, 2 when the
store cannot be read.
"""

from __future__ import annotations

import argparse
import sys

from kiosk.store.cli_db import add_journal_option


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="{verify}", required=True)
    verify = actions.add_parser("verify", help="check each kiosk's hash chain")
    add_journal_option(verify)
    verify.add_argument("--kiosk", metavar="ID", help="only this kiosk's chain")


def run(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from kiosk.store import db_url
    from kiosk.store.journal import make_engine, verify_audit
    from kiosk.store.migrate import StoreNotReady

    url = db_url(args.journal)
    try:
        engine = make_engine(url)
    except (SQLAlchemyError, StoreNotReady) as exc:
        sys.stderr.write(f"kiosk audit: {str(exc).splitlines()[0]}\n")
        return 2
    try:
        reports = verify_audit(engine, args.kiosk)
    finally:
        engine.dispose()
    print(f"# {engine.url.render_as_string(hide_password=True)}")
    if not reports or all(r.entries == 0 for r in reports):
        print("no audit entries" + (f" for kiosk {args.kiosk}" if args.kiosk else ""))
    broken = 0
    for report in reports:
        if report.entries == 0:
            continue
        verdict = "intact" if report.ok else f"BROKEN at {len(report.breaks)} place(s)"
        print(f"kiosk {report.kiosk_id}: {report.entries} entries, chain {verdict}")
        for where in report.breaks:
            print(f"  {where}")
        broken += not report.ok
    return 1 if broken else 0
