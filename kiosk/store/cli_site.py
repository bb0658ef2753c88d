"""`kiosk site status`: the fleet as the site store last heard from it.

    kiosk site status [--journal URL] [--json] [--stale-seconds 180]

One row per kiosk: its id, when it last wrote a heartbeat (and STALE when longer ago than
--stale-seconds: the kiosk or its link is down), version, mode, camera, printer and backend
state, unprinted receipts and open renewals.
"""

from __future__ import annotations

import argparse
import json
import sys

from kiosk.store.cli_db import add_journal_option

COLUMNS = ("kiosk", "seen", "version", "mode", "camera", "printer", "backend", "unprinted", "open")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="{status}", required=True)
    status = actions.add_parser("status", help="every kiosk's newest heartbeat")
    add_journal_option(status)
    status.add_argument("--json", action="store_true", help="one JSON object per kiosk")
    status.add_argument("--stale-seconds", type=float, default=180.0, metavar="S")


def _age(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s ago"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min ago"
    return f"{seconds / 3600:.1f} h ago"


def run(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from kiosk.store import db_url
    from kiosk.store.journal import make_engine
    from kiosk.store.migrate import StoreNotReady
    from kiosk.store.site import fleet_status

    try:
        engine = make_engine(db_url(args.journal))
        fleet = fleet_status(engine)
    except (SQLAlchemyError, StoreNotReady) as exc:
        sys.stderr.write(f"kiosk site: {str(exc).splitlines()[0]}\n")
        return 2
    engine.dispose()
    if args.json:
        for k in fleet:
            age = k.age_s()
            print(
                json.dumps(
                    {
                        "kiosk_id": k.kiosk_id,
                        "at": k.at.isoformat() + "Z",
                        "age_s": round(age, 1),
                        "stale": age > args.stale_seconds,
                        "version": k.version,
                        "mode": k.mode,
                        "camera": k.camera,
                        "printer": k.printer,
                        "backend": k.backend,
                        "unprinted_receipts": k.unprinted_receipts,
                        "open_renewals": k.open_renewals,
                    },
                    ensure_ascii=False,
                )
            )
        return 0
    if not fleet:
        print("no kiosk has written a heartbeat to this store yet")
        return 0
    rows = [COLUMNS]
    for k in fleet:
        age = k.age_s()
        seen = _age(age) + (" STALE" if age > args.stale_seconds else "")
        rows.append(
            (
                k.kiosk_id,
                seen,
                k.version,
                k.mode,
                k.camera,
                k.printer,
                k.backend,
                str(k.unprinted_receipts),
                str(k.open_renewals),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    for r in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())
    return 0
