"""The receipt of `kiosk walkthrough` (and `kiosk demo`): an identity enrolled for this run
only (memory, no keyring) against the sandbox, and a printer that writes the signed PDF to
the file `--receipt` names (or prints nowhere)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from kiosk.receipt.identity import IdentityError, enrol_ephemeral
from kiosk.receipt.printing import NoPrinter
from kiosk.receipt.render import PaperFormat
from kiosk.receipt.service import ReceiptService


class FilePrinter:
    """Writes the PDF it is asked to print: the walkthrough's OUT.pdf."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def print_pdf(self, pdf: bytes, paper: PaperFormat, title: str) -> None:
        self.path.write_bytes(pdf)


class RunReceipts(ReceiptService):
    kiosk_id: str = ""


def receipt_service(registry: Any, out: Path | None, kiosk_id: str | None = None,
                    paper: PaperFormat = PaperFormat.A4) -> RunReceipts:
    """Enrols a throwaway key with the sandbox; a failed enrolment still runs (the holder is
    told the receipt comes from the counter, as on an unenrolled kiosk)."""
    kid = kiosk_id or f"WALK-{uuid.uuid4().hex[:6].upper()}"
    identity: Any
    try:
        identity = enrol_ephemeral(registry, kid)
    except IdentityError as err:
        identity = err
    printer = FilePrinter(out) if out is not None else NoPrinter()
    service = RunReceipts(identity, registry, printer, paper)
    service.kiosk_id = kid
    return service
