"""Client-side checks that mirror the server's, for instant feedback (R23, R24, codes).

The server stays the authority: these only spare the holder a round trip. Each check
returns the message ids of what is wrong (empty when fine), in the order a person reads
the rules in the seed's popovers.
"""

from __future__ import annotations

import re

_CODE = re.compile(r"[0-9]{6}")
_ASCII_LETTER = re.compile(r"[A-Za-z]")
# As the registry counts them (sandbox/registry.py password_ok): ö or 中 is a non-letter.
_NON_LETTER = re.compile(r"[^A-Za-z]")
_PHRASE = re.compile(r"[A-Za-z0-9]+")


def code_problems(code: str) -> list[str]:
    """Email (R5) and SMS codes: exactly six digits."""
    return [] if _CODE.fullmatch(code.strip()) else ["validation.code_format"]


def password_problems(password: str) -> list[str]:
    """R23: 8+ characters, 1+ letter a-z (either case), 1+ non-letter (anything outside
    a-z/A-Z: a digit, a special character, or a letter of another script)."""
    if not password:
        return ["validation.password_required"]
    problems = []
    if len(password) < 8:
        problems.append("validation.password_length")
    if not _ASCII_LETTER.search(password):
        problems.append("validation.password_letter")
    if not _NON_LETTER.search(password):
        problems.append("validation.password_nonletter")
    return problems


def confirmation_problems(password: str, confirmation: str) -> list[str]:
    return [] if password == confirmation else ["validation.password_mismatch"]


def phrase_problems(phrase: str) -> list[str]:
    """R24: 8 to 64 characters, digits and letters (a-z, A-Z) only."""
    problems = []
    if not 8 <= len(phrase) <= 64:
        problems.append("validation.phrase_length")
    if phrase and not _PHRASE.fullmatch(phrase):
        problems.append("validation.phrase_charset")
    return problems
