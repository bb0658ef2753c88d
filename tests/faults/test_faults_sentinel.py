"""Issue 12, section 6: the privacy sentinel run. A whole lobby renewal with sentinel
personal data (ID number, names, cloud-sign password, revocation phrase, the SMS and email
codes the sandbox sent), receipt printed to an ESC/POS file, and an offline renewal finished
at the counter desk onto a SoftHSM2 token opened with a sentinel PIN; then the logs, the
journal's SQLite file, new temp folders, the data folder and the print output hold none.
Found by it and fixed: urllib3's DEBUG line with the desk's queue search URL (ID number in
the query string), now kept to warnings (kiosk/services/http.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from tests.faults import sentinel
from tests.faults.sentinel import scan_tree, sentinel_run


def test_issue12_sentinel_renewal_leaves_no_personal_data_in_logs_files_or_print(
    sandbox_server: str, tmp_path: Path, qapp: Any
) -> None:
    found = sentinel_run(sandbox_server, tmp_path / "run")
    # The sentinels really went through the kiosk to the sandbox.
    assert found["received"] == {"sign_in_id": True, "activated_with_password": True,
                                 "receipt_printed": True, "desk_issued": True}
    assert found["codes"] >= 2  # the sign-in SMS code, the email code, the e-ID code
    assert found["printed_bytes"] > 0 and found["log_records"] > 0
    assert found["hits"] == []


def test_issue12_the_scan_finds_a_sentinel_in_sqlite_and_utf16(tmp_path: Path) -> None:
    """The scan is not blind: a sentinel left in an SQLite row or a UTF-16 file is found."""
    db = tmp_path / "left.sqlite"
    with sqlite3.connect(db) as con:
        con.execute("create table t (v text)")
        con.execute("insert into t values (?)", (f"holder {sentinel.NAME_ZH}",))
    (tmp_path / "note.txt").write_bytes(sentinel.ID_NUMBER.replace("(", "").replace(")", "")
                                        .encode("utf-16-le"))
    hits = scan_tree(tmp_path, {"name_zh": sentinel.NAME_ZH, "id": sentinel.ID_NUMBER}, "t")
    assert sorted(hits) == ["id in t note.txt", "name_zh in t left.sqlite"]
