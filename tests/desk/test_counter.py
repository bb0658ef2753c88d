"""R32's in-person check and the queue through the desk's own API (kiosk/desk/counter.py):
real HTTP to the sandbox, a real SQLite audit trail that holds references only."""

from __future__ import annotations

import pytest

from kiosk.desk.counter import Counter, ReasonTooShort
from kiosk.services.errors import Conflict, ValidationFailed
from kiosk.store.journal import SqlJournal
from tests.services.sandbox_walk import Kiosk


def test_r32_in_person_check_then_attestation_every_step_audited(
    sandbox_url: str, tmp_path: object
) -> None:
    kiosk = Kiosk(sandbox_url)
    journal = SqlJournal(f"sqlite:///{tmp_path}/journal.sqlite")
    try:
        _, renewal = kiosk.submitted("H-OFFLINE")
        rid = renewal.renewal_id
        desk = Counter(kiosk.services.registry, journal, kiosk.staff_login())
        id_number = kiosk.id_number_of("H-OFFLINE")
        found = desk.queue(id_number)
        assert [e.cert_id for e in found] == ["C-OFFLINE-1", "C-OFFLINE-2"]
        assert all(e.renewal_id == rid and e.verified_at is not None for e in found)
        with pytest.raises(ValidationFailed) as wrong:
            desk.check_id_number(rid, kiosk.id_number_of("H-ABC"))
        assert wrong.value.help_code == "AC-AB-0061"
        assert wrong.value.user_message().startswith("輸入之身份證明文件號碼與登記資料不符")
        desk.check_id_number(rid, id_number)
        someone_else = kiosk.live_photo(kiosk.someone_else_than("H-OFFLINE"))
        lefts = []
        for _ in range(3):
            with pytest.raises(ValidationFailed) as low:
                desk.check_face(rid, someone_else)
            assert low.value.help_code == "AC-AB-0019"
            lefts.append(low.value.details["tries_left"])
        assert lefts == [2, 1, 0]
        with pytest.raises(Conflict) as used_up:
            desk.check_face(rid, kiosk.live_photo("H-OFFLINE"))
        assert used_up.value.help_code == "AC-AB-0062"
        with pytest.raises(ReasonTooShort):
            desk.attest(rid, "  ok  ")
        reason = "Registered photo is 10 years old; card checked by hand"
        desk.attest(rid, reason)
        status = desk.status(rid)
        assert status.attested and status.done and not status.face_passed
        trail = journal.audit_trail(rid)
        calls = [(r.call, r.outcome, r.help_code) for r in trail]
        assert ("registry.check_id_number", "validation", "AC-AB-0061") in calls
        assert calls.count(("registry.check_face", "validation", "AC-AB-0019")) == 3
        assert ("registry.check_face", "conflict", "AC-AB-0062") in calls
        assert ("registry.attest_in_person", "ok", None) in calls
        everything = repr(journal.audit_trail())
        assert id_number not in everything and "10 years" not in everything
        assert "registry.desk_queue" in everything
    finally:
        journal.close()
        kiosk.close()
