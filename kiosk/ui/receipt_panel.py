"""R31 on the end pages: where the holder's receipt is, and the one reprint (列印收據).

Every end page whose view carries `data["receipt"]` (kiosk/flows/stages/receipt.py's
`ReceiptState.view()`) shows this panel in its footer, always in sight: printed (take it
from the printer), or why not with its help code (ask at the counter for a reprint; the
receipt is lodged with the registry), or that this kiosk cannot sign receipts (the counter
gives it). 列印收據 asks the shell for the one reprint the flow allows; once it is used the
button gives way to a line saying why it is gone. The page's other ways on (重新開始, the
end timer) are the shell's: the panel never is a dead end.

`StaffNotice` is the shell's banner for staff when the kiosk cannot sign receipts (not
enrolled, no keyring): it names the fix, `kiosk enrol --code CODE`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from kiosk import i18n
from kiosk.services import errors
from kiosk.ui.texts import tr
from kiosk.ui.widgets import label, set_role


def receipt_status_text(receipt: Mapping[str, Any], lang: str) -> str:
    """What the holder reads about their receipt, ending in its help code when it did not
    print (unless the message says it already)."""
    if receipt.get("printed") and receipt.get("slip"):
        return tr("receipt.ui.slip_printed", lang)  # R2's queue slip
    if receipt.get("printed"):
        return tr("receipt.ui.printed", lang)
    messages = receipt.get("messages") or {}
    text = str(messages.get(lang) or messages.get("zh-Hant") or tr("receipt.ui.counter", lang))
    code = receipt.get("help_code")
    return i18n.with_help_code(text, str(code) if code else None, lang)


class ReceiptPanel(QFrame):
    """The receipt's state on an end page; `reprint_requested` when 列印收據 is pressed."""

    reprint_requested = Signal()

    def __init__(self, receipt: Mapping[str, Any], bind: Callable[[Callable[[str], None]], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("receiptPanel")
        self.receipt = dict(receipt)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 4, 0, 4)
        texts = QVBoxLayout()
        lay.addLayout(texts, 1)
        self.status = label("", "notice" if not receipt.get("printed") else "info")
        self.status.setObjectName("receiptStatus")
        texts.addWidget(self.status)
        self.print_button: QPushButton | None = None
        self.no_more: QLabel | None = None
        if receipt.get("available"):
            if int(receipt.get("reprints_left") or 0) > 0:
                self.print_button = QPushButton()
                self.print_button.setObjectName("printReceipt")
                self.print_button.clicked.connect(self._pressed)
                lay.addWidget(self.print_button)
            else:
                self.no_more = set_role(label(""), "hint")
                self.no_more.setObjectName("receiptNoMore")
                texts.addWidget(self.no_more)
        bind(self.retranslate)

    def _pressed(self) -> None:
        if self.print_button is not None:
            self.print_button.setEnabled(False)  # one press, one job
        self.reprint_requested.emit()

    def retranslate(self, lang: str) -> None:
        self.status.setText(receipt_status_text(self.receipt, lang))
        if self.print_button is not None:
            self.print_button.setText(tr("receipt.ui.print", lang))
        if self.no_more is not None:
            self.no_more.setText(tr("receipt.ui.no_more", lang))


# Why a kiosk cannot sign receipts -> what staff read (the fix named).
_STAFF_TEXTS = {
    errors.KIOSK_NOT_ENROLLED: "receipt.staff.not_enrolled",
    errors.KIOSK_KEYRING_UNAVAILABLE: "receipt.staff.keyring",
}


class StaffNotice(QLabel):
    """Staff's banner: this kiosk signs no receipts, and how to fix it. Shown on screens
    staff use (counter mode; staff steps of a self-service kiosk), never to a holder alone."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("staffNotice")
        set_role(self, "notice")
        self.setWordWrap(True)
        self.code: str | None = None
        self.hide()

    def set_problem(self, help_code: str | None) -> None:
        self.code = help_code

    def retranslate(self, lang: str) -> None:
        if self.code is not None:
            key = _STAFF_TEXTS.get(self.code, "receipt.staff.not_enrolled")
            self.setText(f"{tr(key, lang)}\n{i18n.help_code_line(self.code, lang)}")

    def update_for(self, step_id: str, self_service: bool, lang: str) -> None:
        staff_screen = not self_service or step_id.startswith("staff")
        self.retranslate(lang)
        self.setVisible(self.code is not None and staff_screen)
