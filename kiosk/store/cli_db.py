"""`kiosk db upgrade`: brings the store's schema to the newest migration.

    kiosk db upgrade                                   # this kiosk's store ($KIOSK_JOURNAL_URL)
    kiosk db upgrade --journal postgresql+psycopg://kiosk@db.site/kiosk   # IT, the site's

A kiosk's own SQLite file is also upgraded automatically when the kiosk opens it; a site's
PostgreSQL only by this command (kiosks refuse a shared database that is behind).
"""

from __future__ import annotations

import argparse
import sys


def add_journal_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--journal",
        metavar="URL",
        help="database (SQLAlchemy URL; default: $KIOSK_JOURNAL_URL or the per-user file)",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="{upgrade,current}", required=True)
    for name, help_text in (
        ("upgrade", "apply the migrations this kiosk ships that the database lacks"),
        ("current", "print the database's revision and the newest one"),
    ):
        add_journal_option(actions.add_parser(name, help=help_text, description=help_text))


def run(args: argparse.Namespace) -> int:
    from sqlalchemy import create_engine
    from sqlalchemy.exc import SQLAlchemyError

    from kiosk.store import db_url, is_sqlite, kiosk_identity
    from kiosk.store.migrate import current, head, upgrade
    from kiosk.store.paths import secure_file, sqlite_path

    url = db_url(args.journal)
    path = sqlite_path(url)
    if path is not None:
        secure_file(path)
    engine = create_engine(url)
    shown = engine.url.render_as_string(hide_password=True)
    try:
        before = current(engine)
        if args.action == "current":
            print(f"{shown}: revision {before or 'none'} (newest {head()})")
            return 0 if before == head() else 1
        # Rows an older kiosk file holds are its own; a site database starts empty.
        now = upgrade(engine, kiosk_identity(url) if is_sqlite(url) else "")
    except SQLAlchemyError as exc:
        sys.stderr.write(f"kiosk db: {shown}: {str(exc).splitlines()[0]}\n")
        return 1
    finally:
        engine.dispose()
    if before == now:
        print(f"{shown}: already at revision {now}")
    else:
        print(f"{shown}: upgraded from {before or 'none'} to revision {now}")
    return 0
