"""A desk process that issues H-OFFLINE's certificates onto a token and can die (os._exit,
as a power cut) right after a chosen call answered, before it journals the answer.

argv: sandbox_url journal_url token_label kill_after|-   (SOFTHSM2_CONF in the environment;
the throw-away test token's PIN in DESK_TEST_PIN). Prints the issued serials as JSON."""

from __future__ import annotations

import json
import os
import sys

import requests
from cryptography import x509

from kiosk.desk.issuance import Issuance
from kiosk.store.issuance import SqlIssuanceJournal
from kiosk.store.journal import SqlJournal
from kiosk.tokens.softhsm import module_path
from kiosk.tokens.token import TokenModule
from tests.services.sandbox_walk import Kiosk

KILLED = 3


def main() -> None:
    url, journal_url, label, kill_after = sys.argv[1:5]
    kiosk = Kiosk(url)
    staff = kiosk.staff_login()
    reg = kiosk.services.registry
    entries = [e for e in reg.desk_queue(staff, include_issued=True) if e.holder_id == "H-OFFLINE"]
    ca_pem = requests.get(f"{url}/registry/v1/ca.pem", timeout=30).content
    ca = x509.load_pem_x509_certificate(ca_pem)

    def after(call: str) -> None:
        if call == kill_after:
            os._exit(KILLED)

    issuance = Issuance(reg, SqlIssuanceJournal(SqlJournal(journal_url)), ca, after_call=after)
    module = TokenModule(module_path())
    with module.open(label, os.environ["DESK_TEST_PIN"]) as session:
        done = [issuance.issue(staff, e, session).new_serial for e in entries]
    print(json.dumps(done))


if __name__ == "__main__":
    main()
