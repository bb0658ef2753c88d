"""Issue 12 §4 kind 8: the disk fills up while the kiosk journals. The journal lives on a
small tmpfs of its own; before each step's answer a filler file takes every free byte, so
the step's journaling meets a real ENOSPC. The holder must see AC-KI-0010, the kiosk must
not crash; once there is room again the holder answers again and the renewal goes on to its
end, activated once: nothing already done is lost."""

from __future__ import annotations

from pathlib import Path

from tests.faults.suite import Row, _check_backend, small_disk, walk_disk_full
from tests.flows.harness import Counter


def test_disk_full_while_journaling_says_ac_ki_0010_and_loses_nothing(
    sandbox_url: str, tmp_path: Path
) -> None:
    row = Row("8 disk full while journaling")
    with small_disk(tmp_path / "disk") as disk:
        counter = Counter(sandbox_url, disk / "journal.sqlite")
        try:
            view = walk_disk_full(counter, disk, row)
            assert view.step_id == "done" and view.outcome == "activated", view
            _check_backend(counter, row, view)
            assert len(counter.admin.outbox(kind="renewal_completed")) == 1
        finally:
            counter.close()
    assert row.crashes == 0 and row.duplicates == 0 and row.data_lost == 0, row
    assert row.saw == {"AC-KI-0010"}, row.saw
    assert {"email_code", "photo", "review", "activation_form"} <= set(row.steps), row.steps
