"""`make test` runs the fault suite too (issue 12, section 4): every kind of today, at every
step, ends with the renewal done, nothing activated twice, no crash."""

from __future__ import annotations

from typing import Any

import pytest

from kiosk.camera.messages import CAMERA_UNPLUGGED
from tests.faults.suite import KINDS, figures, run_suite, table

#: Dead ends the suite still finds (it waits them out and goes on). Found and fixed: the
#: answer to "send me an email code" lost after the registry sent it, the retry refused with
#: AC-AB-0012 until the code expired (tests/faults/test_faults_email_code_lost.py).
KNOWN_DETOURS: dict[str, set[str]] = {}


@pytest.mark.timeout(1200)
def test_every_fault_kind_at_every_step_leaves_no_duplicate_no_loss_no_crash(
    sandbox_server: str, capsys: pytest.CaptureFixture[str], qapp: Any
) -> None:
    rows = run_suite(sandbox_server)
    result = figures(rows)
    with capsys.disabled():
        print("\n" + table(rows))
    assert result["fault_kinds"] == len(KINDS)
    assert result["cases"] >= 8 * len(KINDS) - 10
    assert result["crashes"] == 0, table(rows)
    assert result["duplicates"] == 0, table(rows)
    assert result["data_lost"] == 0, table(rows)
    for row in rows:
        assert row.detours == KNOWN_DETOURS.get(row.kind, set()), table(rows)
        if row.kind.startswith(("1 ", "2 ", "3 ", "4 ", "9 ")):
            assert {"activation_form", "review"} <= set(row.steps), table(rows)
    # What the holder saw carries a help code (the kiosk's own, or the backend's)
    for row in rows:
        if row.kind not in ("10 clock skew", "5 process killed"):
            assert row.saw and all(c.startswith("AC-") for c in row.saw), (row.kind, row.saw)
    # The receipt step's faults: the printer gone sends the holder to the counter with the
    # printer's code (the receipt lodged once, reprinted there): missing (ESC/POS file,
    # network, no CUPS queue) AC-KI-0301, a real CUPS queue stopped or rejecting jobs
    # AC-KI-0302; a locked or missing keyring with the keyring's
    # (tests/faults/receipt_faults.py checks the texts and the registry).
    by_kind = {row.kind: row for row in rows}
    assert by_kind["7 printer offline"].saw == {"AC-KI-0301", "AC-KI-0302"}, table(rows)
    assert by_kind["7 printer offline"].cases == 5
    assert by_kind["12 keyring locked or missing"].saw == {"AC-KI-0306"}, table(rows)
    assert by_kind["12 keyring locked or missing"].cases == 2
    # The camera pulled mid-preview at the identity photo and the e-ID face: its message,
    # then the photo taken once it is back carries the renewal on (tests/faults/camera_faults.py).
    assert by_kind["6 camera unplugged"].saw == {CAMERA_UNPLUGGED}, table(rows)
    assert by_kind["6 camera unplugged"].cases == 2
