"""The receipt step's API for the renewal flow (R31): make, print, lodge, reprint.

    service = ReceiptService(identity, registry, printer, PaperFormat.ROLL)
    result = service.issue(data, token=holder_session.token)
    result.printed / result.holder_messages / result.lodged

`issue` makes the receipt once (seal, PDF, PAdES signature), prints it once, and lodges it
with the registry under one idempotency key, printed or not, so a counter can reprint it
(`pending`, `reprint`). The PDF lives only in memory: a receipt whose lodging failed is
kept in `unlodged` until `retry_lodging` succeeds, and is never printed again by a retry.
Without an identity (`NotEnrolled`, `KeyringUnavailable`) `status` says so, and `issue`
answers with the holder's message that the receipt comes from the counter.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kiosk.receipt import pades, seal, texts
from kiosk.receipt.identity import IdentityError, KioskIdentity
from kiosk.receipt.model import ReceiptData
from kiosk.receipt.printing import Printer, PrinterError, holder_messages
from kiosk.receipt.render import PaperFormat, render
from kiosk.receipt.texts import NOT_ENROLLED, help_messages
from kiosk.services.errors import BackendError


@dataclass(frozen=True, repr=False)
class MadeReceipt:
    data: ReceiptData
    seal: str
    pdf: bytes  # signed; personal data: memory only
    paper: PaperFormat
    idempotency_key: str

    def __repr__(self) -> str:
        return f"MadeReceipt(ref={self.data.renewal_ref!r}, {len(self.pdf)} bytes)"


def make_receipt(data: ReceiptData, identity: KioskIdentity,
                 paper: PaperFormat = PaperFormat.ROLL) -> MadeReceipt:
    """Seal, render and sign: what the bench's p5_receipt_ms measures. The kiosk id printed
    is the certificate's (a verifier checks the seal's against the signer's)."""
    if data.kiosk_id != identity.kiosk_id:
        data = dataclasses.replace(data, kiosk_id=identity.kiosk_id)
    text = seal.seal(data, identity.key, identity.certificate)
    pdf = pades.sign(render(data, text, paper), identity)
    return MadeReceipt(data, text, pdf, paper, str(uuid.uuid4()))


@dataclass(frozen=True)
class ReceiptStatus:
    can_sign: bool
    staff_message: str  # names the fix (kiosk enrol, keyring)
    help_code: str | None
    holder_messages: dict[str, str]


@dataclass
class IssueResult:
    receipt: MadeReceipt | None
    printed: bool
    lodged: Any = None  # kiosk.receipt.wire.LodgedReceipt once the registry has it
    help_code: str | None = None
    holder_messages: dict[str, str] = field(default_factory=dict)
    lodging_error: BackendError | None = None


class ReceiptService:
    def __init__(self, identity: KioskIdentity | IdentityError, registry: Any,
                 printer: Printer, paper: PaperFormat = PaperFormat.ROLL) -> None:
        """identity: the loaded identity, or the IdentityError loading it raised (the kiosk
        still starts; staff and holder are told)."""
        self.identity = identity
        self.registry = registry
        self.printer = printer
        self.paper = paper
        self.unlodged: list[tuple[str, MadeReceipt, bool]] = []  # (token, receipt, printed)

    def status(self) -> ReceiptStatus:
        if isinstance(self.identity, KioskIdentity):
            return ReceiptStatus(True, f"receipts are signed as kiosk {self.identity.kiosk_id} "
                                 f"(key id {self.identity.kid.hex()})", None, {})
        err = self.identity
        return ReceiptStatus(False, str(err), err.help_code, err.messages)

    def issue(self, data: ReceiptData, token: str) -> IssueResult:
        if not isinstance(self.identity, KioskIdentity):
            code = self.identity.help_code
            return IssueResult(None, False, help_code=code,
                               holder_messages=help_messages(code))
        made = make_receipt(data, self.identity, self.paper)
        result = IssueResult(made, False)
        try:
            self.printer.print_pdf(made.pdf, made.paper, f"receipt {data.renewal_ref}")
            result.printed = True
        except PrinterError as err:
            result.help_code = err.help_code
            result.holder_messages = dict(holder_messages(err))
        self._lodge(token, made, result)
        return result

    def print_again(self, result: IssueResult) -> tuple[bool, str | None, dict[str, str]]:
        """The holder's one reprint from the end page (the flow allows one): the same signed
        PDF, still in memory. (printed, help code, holder messages)."""
        if result.receipt is None:
            return False, result.help_code, dict(result.holder_messages)
        made = result.receipt
        try:
            self.printer.print_pdf(made.pdf, made.paper, f"receipt {made.data.renewal_ref}")
        except PrinterError as err:
            return False, err.help_code, dict(holder_messages(err))
        return True, None, {}

    def print_slip(self, data: ReceiptData) -> IssueResult:
        """The queue slip (R2): printed, never lodged (the record is the registry's). A
        printer that fails: AC-KI-0530, and the holder is told to give the reference at
        the counter (printed=False; the page still says where to go)."""
        from kiosk.receipt.slip import render_slip

        try:
            self.printer.print_pdf(render_slip(data), PaperFormat.ROLL,
                                   f"queue slip {data.renewal_ref}")
        except PrinterError:
            code = texts.SLIP_NOT_PRINTED
            return IssueResult(None, False, help_code=code, holder_messages=help_messages(code))
        return IssueResult(None, True)

    def _lodge(self, token: str, made: MadeReceipt, result: IssueResult) -> None:
        try:
            result.lodged = self.registry.lodge_receipt(
                token, made.data.renewal_ref, made.pdf, made.seal, result.printed,
                made.idempotency_key)
        except BackendError as err:
            result.lodging_error = err
            self.unlodged.append((token, made, result.printed))

    def retry_lodging(self) -> int:
        """Lodges what failed before (same idempotency keys: never twice); returns how many
        are still waiting."""
        waiting, self.unlodged = self.unlodged, []
        for token, made, printed in waiting:
            self._lodge(token, made, IssueResult(made, printed))
        return len(self.unlodged)

    # --- counter ------------------------------------------------------------------------

    def pending(self, staff: Any) -> list[Any]:
        """Lodged receipts nobody has printed yet (counter mode)."""
        return list(self.registry.receipts(staff, printed=False))

    def reprint(self, staff: Any, receipt_id: str, idempotency_key: str | None = None) -> Any:
        """Prints a lodged receipt at this counter, then marks it printed (a second counter
        asking for the same receipt is refused by the registry: AC-AB-0054)."""
        lodged = self.registry.receipt(staff, receipt_id)
        if lodged.printed:
            raise ValueError(f"receipt {receipt_id} was printed already")
        self.printer.print_pdf(lodged.pdf, self.paper, f"receipt {lodged.renewal_id}")
        return self.registry.mark_receipt_printed(
            staff, receipt_id, idempotency_key or str(uuid.uuid4()))


def unavailable(help_code: str = NOT_ENROLLED) -> dict[str, str]:
    """The holder's message when the kiosk cannot make receipts."""
    return help_messages(help_code)


def build_receipt_service(
    registry: Any, settings: Mapping[str, Any],
    identity: KioskIdentity | IdentityError | None = None,
) -> ReceiptService:
    """The service as the stored settings (`printer`, `receipt_paper`) say; `identity`
    defaults to the enrolled one (or why there is none)."""
    from kiosk.receipt.identity import load_or_error
    from kiosk.receipt.printing import printer_from_setting

    return ReceiptService(
        identity if identity is not None else load_or_error(),
        registry,
        printer_from_setting(settings.get("printer")),
        PaperFormat(settings.get("receipt_paper") or PaperFormat.ROLL),
    )
