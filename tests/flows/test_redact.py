"""Wizard state reaches logs only through the whitelist redactor."""

from __future__ import annotations

from kiosk.flows.redact import REDACTED, redact


def test_personal_data_never_passes_the_redactor() -> None:
    state = {
        "step": "photo",
        "renewal_id": "R-1",
        "id_number": "1000001(1)",
        "photo_jpeg": b"\xff\xd8",
        "code": "730178",
        "password": "Cloud-demo-1",
        "revocation_phrase": "Revoke2026demo",
        "holder_name": "CHAN TAI MAN",
        "counters": {"retakes": 1, "email": "tm.chan@abc.example"},
    }
    out = redact(state)
    assert out["step"] == "photo"
    assert out["renewal_id"] == "R-1"
    assert out["counters"]["retakes"] == 1
    for key in ("id_number", "photo_jpeg", "code", "password", "revocation_phrase", "holder_name"):
        assert out[key] == REDACTED
    assert out["counters"]["email"] == REDACTED
    assert "730178" not in repr(out) and "1000001" not in repr(out)
