"""`kiosk enrol --code CODE` and `kiosk receipt verify FILE` (R31).

    kiosk enrol --code CODE [--kiosk-id ID] [--backend URL]
    kiosk receipt verify FILE [--backend URL | --trust-list FILE.json]

verify takes the PDF or a photo/scan (PNG, JPEG) of the paper, checks the QR seal against
the registry's trust list (and, for a PDF, the PAdES signature), prints what the seal says
as JSON, and exits 0; on any failure it prints the reason and exits 1 (2: bad usage).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

DEFAULT_BACKEND = "http://127.0.0.1:8750"


def _backend(args: argparse.Namespace) -> str:
    return (args.backend or os.environ.get("KIOSK_BACKEND") or DEFAULT_BACKEND).rstrip("/")


def _registry(url: str) -> Any:
    from kiosk.services.registry import RegistryClient

    return RegistryClient(url + "/registry/v1")


# --- kiosk enrol ----------------------------------------------------------------------------


class Enrol:
    @staticmethod
    def add_arguments(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--code", required=True, help="the enrolment code from the registry")
        parser.add_argument("--kiosk-id", help="this terminal's id (default: setting kiosk_id)")
        parser.add_argument("--backend", metavar="URL", help="base URL of the backend")
        parser.add_argument("--journal", metavar="URL", help="settings database (kiosk_id)")

    @staticmethod
    def run(args: argparse.Namespace) -> int:
        from kiosk.receipt.identity import IdentityError, IdentityStore, enrol
        from kiosk.services.errors import BackendError

        kiosk_id = args.kiosk_id
        if not kiosk_id:
            from kiosk.store import db_url
            from kiosk.store.settings import read_settings

            kiosk_id = read_settings(db_url(args.journal, create=False)).get("kiosk_id")
        if not kiosk_id:
            sys.stderr.write("kiosk enrol: no kiosk id: give --kiosk-id ID or "
                             "`kiosk settings set kiosk_id ID` first\n")
            return 2
        store = IdentityStore()
        try:
            identity = enrol(_registry(_backend(args)), args.code, kiosk_id, store)
        except IdentityError as exc:
            sys.stderr.write(f"kiosk enrol: {exc}\n")
            return 1
        except BackendError as exc:
            sys.stderr.write(f"kiosk enrol: the registry refused: {exc.help_code} "
                             f"{exc.user_message('en')}\n")
            return 1
        print(f"enrolled kiosk {identity.kiosk_id}: key id {identity.kid.hex()}, certificate "
              f"valid until {identity.certificate.not_valid_after_utc:%Y-%m-%d}, "
              f"kept in {store.folder} (key encrypted, passphrase in the keyring)")
        return 0


add_arguments = Enrol.add_arguments
run = Enrol.run


# --- kiosk receipt verify ------------------------------------------------------------------


class Receipt:
    @staticmethod
    def add_arguments(parser: argparse.ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        verify = actions.add_parser("verify", help="check a receipt PDF or a photo of one")
        verify.add_argument("file", type=Path)
        verify.add_argument("--backend", metavar="URL", help="where to fetch the trust list")
        verify.add_argument("--trust-list", type=Path, metavar="JSON",
                            help="a saved GET /registry/v1/trust-list answer (offline)")

    @staticmethod
    def run(args: argparse.Namespace) -> int:
        from kiosk.receipt.verify import VerifyError, verify_file

        try:
            trust = _trust_list(args)
            report = verify_file(args.file, trust)
        except VerifyError as exc:
            print(f"NOT VALID: {exc}")
            return 1
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0


def _trust_list(args: argparse.Namespace) -> Any:
    from kiosk.receipt import wire
    from kiosk.receipt.verify import VerifyError
    from kiosk.services.errors import BackendError

    if args.trust_list:
        try:
            return wire.trust_list(json.loads(args.trust_list.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise VerifyError(f"cannot read the trust list {args.trust_list}: {exc}") from None
    try:
        return _registry(_backend(args)).trust_list()
    except BackendError as exc:
        raise VerifyError(f"cannot fetch the trust list ({exc.help_code})") from None
