"""Client-side validation mirrors the server's rules (R23, R24, 6-digit codes)."""

from __future__ import annotations

import pytest

from kiosk.flows.validation import (
    code_problems,
    confirmation_problems,
    password_problems,
    phrase_problems,
)


def test_r23_password_needs_eight_characters() -> None:
    assert password_problems("abc1234") == ["validation.password_length"]
    assert password_problems("abcd1234") == []


def test_r23_password_needs_a_letter() -> None:
    assert password_problems("12345678!") == ["validation.password_letter"]


def test_r23_password_needs_a_non_letter() -> None:
    assert password_problems("abcdefgh") == ["validation.password_nonletter"]
    assert password_problems("abcdefg!") == []


def test_r23_a_cjk_only_password_has_no_a_to_z_letter() -> None:
    assert "validation.password_letter" in password_problems("密碼密碼密碼密碼1")


def test_r23_non_ascii_letter_counts_as_non_letter() -> None:
    # The registry counts anything outside a-z/A-Z as a non-letter (sandbox password_ok).
    from sandbox.registry import password_ok

    for password in ("Passwörd", "abcdefg中", "Ωmegaabc"):
        assert password_problems(password) == [], password
        assert password_ok(password), password


def test_confirmation_must_equal_the_password() -> None:
    assert confirmation_problems("Secret-123", "Secret-124") == ["validation.password_mismatch"]
    assert confirmation_problems("Secret-123", "Secret-123") == []


@pytest.mark.parametrize(
    ("phrase", "problems"),
    [
        ("a" * 7, ["validation.phrase_length"]),
        ("a" * 8, []),
        ("a" * 64, []),
        ("a" * 65, ["validation.phrase_length"]),
        ("abcd-1234", ["validation.phrase_charset"]),
        ("abcd 1234", ["validation.phrase_charset"]),
        ("Revoke2026demo", []),
    ],
)
def test_r24_revocation_phrase_rules(phrase: str, problems: list[str]) -> None:
    assert phrase_problems(phrase) == problems


@pytest.mark.parametrize("code", ["12345", "1234567", "12a456", ""])
def test_codes_are_six_digits(code: str) -> None:
    assert code_problems(code) == ["validation.code_format"]


def test_a_six_digit_code_passes() -> None:
    assert code_problems("730178") == []
