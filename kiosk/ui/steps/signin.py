"""Sign-in pages: the holder's ID number and SMS code, counter staff's sign-in and look-up."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QLineEdit,
)

from kiosk.ui.pages import FieldsPage

if TYPE_CHECKING:
    from kiosk.flows.renewal import StepView


class SignInPage(FieldsPage):
    """Holder sign-in (ID number, then the SMS code) and the staff sign-in / look-up."""

    def build_view(self, view: StepView) -> None:
        self.add_title(f"step.{view.step_id}")
        self.add_messages(getattr(view, "messages", ()))
        self.build_fields(view)
        self.body.addStretch(1)
        first = next(iter(self.fields.values()), None)
        if isinstance(first, QLineEdit):
            first.setFocus()

    def refused(self, view: StepView) -> None:
        # A wrong code is no use to correct by hand: the field is emptied for the next one.
        # (A mistyped ID number stays, to be corrected.)
        for name, edit in self.fields.items():
            if "code" in name and isinstance(edit, QLineEdit):
                edit.clear()
