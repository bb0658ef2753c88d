"""docs/help-codes.md ends with the kiosk-side codes (AC-KI-000x), and they agree with what
the kiosk shows (kiosk/services/errors.py): the TLS failure has its own code and message."""

from __future__ import annotations

from pathlib import Path

from kiosk.services.errors import (
    KIOSK_CONNECTION,
    KIOSK_TIMEOUT,
    KIOSK_TLS,
    KIOSK_UNEXPECTED,
    BackendError,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "help-codes.md"
KIOSK_SECTION = "\n## Kiosk-side codes\n"
MEANING = {
    KIOSK_CONNECTION: "no connection to the backend (refused, reset, cut mid-answer)",
    KIOSK_TIMEOUT: "the call's total deadline passed (connect, answer, retries)",
    KIOSK_UNEXPECTED: "an answer the kiosk cannot use: not the contract's JSON, too "
    "large, a redirect, a help code of no documented form",
    KIOSK_TLS: "the backend's TLS certificate did not verify (self-signed, expired, "
    "another host, unknown CA) or the handshake failed",
}


def render_kiosk_section() -> str:
    out = [KIOSK_SECTION.strip(), "",
           "Raised by the kiosk itself when no usable answer came "
           "(`kiosk/services/errors.py`); never sent by a backend: a backend's help code "
           "must be of the form AC-AB-NNNN or the kiosk shows AC-KI-0003.", ""]
    for code, meaning in MEANING.items():
        err = BackendError.from_kiosk(code)
        out += [f"### {code}", "", meaning, "", "| lang | message |", "|---|---|"]
        out += [f"| {lang} | {err.user_message(lang)} |" for lang in ("zh-Hant", "pt", "en")]
        out.append("")
    return "\n".join(out)


def test_the_kiosk_side_codes_are_documented_as_the_kiosk_shows_them() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert KIOSK_SECTION in text
    assert text.split(KIOSK_SECTION, 1)[1] == render_kiosk_section().split("\n", 1)[1]


def test_a_tls_failure_has_its_own_help_code_and_message() -> None:
    tls = BackendError.from_kiosk(KIOSK_TLS)
    network = BackendError.from_kiosk(KIOSK_CONNECTION)
    assert tls.help_code == "AC-KI-0004"
    for lang in ("zh-Hant", "pt", "en"):
        assert tls.user_message(lang) != network.user_message(lang)
