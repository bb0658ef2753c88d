"""`kiosk settings`: what this terminal is, stored beside the journal.

    kiosk settings                        # list: every setting, its value, and where from
    kiosk settings get lang
    kiosk settings set lang pt            # checked before it is stored
    kiosk settings set config /etc/registry-kiosk/kiosk.toml
    kiosk settings unset lang             # back to the default
    kiosk settings --journal postgresql+psycopg://… set --site lang pt   # every kiosk of a site
    kiosk settings --journal postgresql+psycopg://… set --kiosk LOBBY-2 lang en  # one of them

`kiosk run` uses the stored settings as its defaults; its options still win. The database
is the journal's: --journal URL, else $KIOSK_JOURNAL_URL, else the per-user default.
"""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from kiosk.store.settings import SETTINGS

    parser.add_argument(
        "--journal",
        metavar="URL",
        help="database (SQLAlchemy URL; default: $KIOSK_JOURNAL_URL or the per-user file)",
    )
    keys = ", ".join(SETTINGS)
    actions = parser.add_subparsers(dest="action", metavar="{list,get,set,unset}")
    actions.add_parser("list", help="every setting with its value")
    get = actions.add_parser("get", help="one setting's value")
    get.add_argument("key", help=keys)
    set_ = actions.add_parser("set", help="store a value (checked first)")
    unset = actions.add_parser("unset", help="forget a stored value (the default applies)")
    for p in (set_, unset):
        whose = p.add_mutually_exclusive_group()
        whose.add_argument("--site", action="store_true", help="the site-wide value")
        whose.add_argument("--kiosk", metavar="ID", help="that kiosk's own (default: this one)")
    set_.add_argument("key", help=keys)
    set_.add_argument("value")
    unset.add_argument("key", help=keys)
    parser.epilog = "settings: " + "; ".join(f"{s.key}: {s.help}" for s in SETTINGS.values())


_MARK = {"kiosk": "", "site": "  (site)", "default": "  (default)"}


def run(args: argparse.Namespace) -> int:
    from kiosk.store import db_url
    from kiosk.store.settings import SettingError, SettingsStore, to_text

    url = db_url(args.journal)
    store = SettingsStore(url)
    try:
        action = args.action or "list"
        if action == "list":
            # Which file: a terminal may have several (per user, $KIOSK_JOURNAL_URL, --journal).
            print(f"# {url}")
            sources = store.sources()
            for key, (value, _stored) in store.effective().items():
                shown = "-" if value is None else to_text(value)
                print(f"{key} = {shown}" + _MARK[sources[key]])
        elif action == "get":
            value = store.get(args.key)
            print("-" if value is None else to_text(value))
        elif action == "set":
            value = store.set(args.key, args.value, site=args.site, kiosk=args.kiosk)
            print(f"{args.key} = {to_text(value)}")
        elif action == "unset" and not store.unset(args.key, site=args.site, kiosk=args.kiosk):
            print(f"{args.key} was not set")
        return 0
    except SettingError as exc:
        sys.stderr.write(f"kiosk settings: {exc}\n")
        return 2
    finally:
        store.close()
