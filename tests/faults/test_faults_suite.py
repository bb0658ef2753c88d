"""`make test` runs the fault suite too (issue 12, section 4): every kind of today, at every
step, ends with the renewal done, nothing activated twice, no crash."""

from __future__ import annotations

import pytest

from tests.faults.suite import KINDS, figures, run_suite, table

#: Found by this suite, not yet fixed (the flow's, kiosk/flows): the answer to "send me an
#: email code" is lost (or unreadable) after the registry sent it; asking again is refused
#: with 409 AC-AB-0012 (a code is still valid) and the email-code page offers no way to type
#: the code that did arrive. The holder is stuck at step 1 until the code expires (the
#: suite waits it out on the sandbox clock and goes on). The test fails when this changes,
#: fixed or not: then this table is updated.
KNOWN_DETOURS = {
    "4 reply lost after the backend acted": {"email_code AC-AB-0012"},
    "9 hostile replies": {"email_code AC-AB-0012"},
}


@pytest.mark.timeout(1200)
def test_every_fault_kind_at_every_step_leaves_no_duplicate_no_loss_no_crash(
    sandbox_server: str, capsys: pytest.CaptureFixture[str]
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
