"""docs/help-codes.md's kiosk section is generated from kiosk/services/errors.py and agrees
with what the kiosk shows; a TLS failure has its own code and message, not "network down"."""

from __future__ import annotations

from pathlib import Path

from kiosk.services.errors import (
    KIOSK_CODES,
    KIOSK_CONNECTION,
    KIOSK_TLS,
    BackendError,
    render_kiosk_codes_md,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "help-codes.md"


def test_the_kiosk_section_of_help_codes_md_is_the_generated_one() -> None:
    assert render_kiosk_codes_md() in DOC.read_text(encoding="utf-8")


def test_a_tls_failure_has_its_own_code_and_words_in_every_language() -> None:
    assert KIOSK_TLS in KIOSK_CODES
    tls, down = BackendError.from_kiosk(KIOSK_TLS), BackendError.from_kiosk(KIOSK_CONNECTION)
    for lang in ("zh-Hant", "pt", "en"):
        assert tls.user_message(lang) and tls.user_message(lang) != down.user_message(lang)
    assert "安全連線" in tls.user_message("zh-Hant")
