"""The typed step contract: what a step asks for, as `InputSpec`s on its view.

The page, the on-screen keyboard and `kiosk walkthrough` read these instead of guessing a
field's kind from its name; `problems(value)` runs the very checks the flow runs
(kiosk/flows/validation.py), so a page can grey out 下一步 for the reasons the flow would give.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from kiosk.flows.messages import Message, message
from kiosk.flows.validation import code_problems, password_problems, phrase_problems

Kind = Literal["digits", "text", "secret", "choice", "photo", "flag"]
# password: letters, digits and the special characters R23 allows; alnum: letters and digits
# (R24's revocation phrase); id: the characters of an ID number, 1000001(1) or P1000004.
Charset = Literal["digits", "alnum", "password", "id", "free"]

CHARSETS: dict[str, str] = {
    "digits": "0123456789",
    "alnum": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    "password": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    "!@#$%^&*()-_=+[]{};:'\",.<>/?\\|`~",
    "id": "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789()",
}


@dataclass(frozen=True)
class InputSpec:
    name: str
    kind: Kind
    charset: Charset = "free"
    min_len: int = 0
    max_len: int | None = None
    confirm_of: str | None = None  # this field repeats another (the password confirmation)
    # The message id when a confirmation differs from the field it repeats.
    mismatch: str = "validation.password_mismatch"
    # What the flow checks, as message ids (empty: fine); the page and keyboard run it too.
    check: Callable[[str], list[str]] | None = field(default=None, compare=False)
    # The message id the flow answers for an empty value of a required input.
    required: str | None = None

    @property
    def typed(self) -> bool:
        """Typed by a person (a field on the page), not a button, a photo or a choice."""
        return self.kind in ("digits", "text", "secret")

    def allows(self, char: str) -> bool:
        chars = CHARSETS.get(self.charset)
        return chars is None or char in chars

    def problem_ids(self, value: str, others: dict[str, str] | None = None) -> list[str]:
        if self.confirm_of is not None:
            original = (others or {}).get(self.confirm_of, "")
            return [] if value == original else [self.mismatch]
        if not value and self.required:
            return [self.required]
        if self.check is not None:
            return self.check(value)
        return []

    def problems(self, value: str, others: dict[str, str] | None = None) -> list[Message]:
        """The flow's own messages for what is wrong with `value` (empty when fine)."""
        return [message(i) for i in self.problem_ids(value, others)]


def six_digit_code(name: str) -> InputSpec:
    """An email (R5) or SMS code: six digits."""
    return InputSpec(name, "digits", "digits", 6, 6, check=code_problems)


def new_password(name: str = "password") -> InputSpec:
    """R23: 8+ characters, a letter and a non-letter."""
    return InputSpec(name, "secret", "password", 8, None, check=password_problems)


def revocation_phrase(name: str = "revocation_phrase") -> InputSpec:
    """R24: 8 to 64 letters and digits."""
    return InputSpec(name, "secret", "alnum", 8, 64, check=phrase_problems)


def phrase_confirmation(name: str = "revocation_phrase_confirm") -> InputSpec:
    """The revocation phrase typed again: it cannot be seen later, so a typo is caught now."""
    return InputSpec(
        name, "secret", "alnum", 8, 64, confirm_of="revocation_phrase",
        mismatch="validation.phrase_mismatch",
    )


def flag(name: str, required: str) -> InputSpec:
    return InputSpec(name, "flag", required=required)


def choice(name: str) -> InputSpec:
    return InputSpec(name, "choice")


def photo(name: str) -> InputSpec:
    return InputSpec(name, "photo")
