"""Issue 12, section 6: the privacy sentinel run. A whole lobby renewal with sentinel
personal data (ID number, names, cloud-sign password, revocation phrase, the SMS and email
codes the sandbox sent, and a photo taken by the kiosk's camera view from a clip whose
every frame carries an ArUco marker in a corner: tests/faults/marker.py), receipt printed
to an ESC/POS file and through a private cupsd's queue, and an offline renewal finished at
the counter desk onto a SoftHSM2 token opened with a sentinel PIN; then the logs, the
journal's SQLite file, new temp folders, the data folder, the print output and the print
spool (the cupsd's spool, temp, cache, state and logs, cups-pdf's spool, after the job is
done) hold none (text, raw pixels, images, base64).
Found by it and fixed: urllib3's DEBUG line with the desk's queue search URL (ID number in
the query string), now kept to warnings (kiosk/services/http.py)."""

from __future__ import annotations

import base64
import sqlite3
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from tests.faults import marker, sentinel
from tests.faults.sentinel import scan_tree, sentinel_run


def test_issue12_sentinel_renewal_leaves_no_personal_data_in_logs_files_or_print(
    sandbox_server: str, tmp_path: Path, qapp: Any
) -> None:
    found = sentinel_run(sandbox_server, tmp_path / "run")
    # The sentinels really went through the kiosk to the sandbox.
    assert found["received"] == {"sign_in_id": True, "activated_with_password": True,
                                 "receipt_printed": True, "photo_marked": True,
                                 "cups_pages": 1, "desk_photos_marked": True,
                                 "desk_issued": True}
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


def test_issue12_the_scan_finds_the_photo_marker_in_every_form_a_frame_could_leak(
    tmp_path: Path, qapp: Any,
) -> None:
    """The photo scan is not blind: the marked clip read back through cv2.VideoCapture, and
    the JPEG the camera view takes of it, left in a folder as a JPEG, a PNG thumbnail, a
    mirrored raw BGR dump, a QImage-like BGRA dump, a grey dump, base64 in a log-like line,
    a data URI, hex, and a JPEG blob in an SQLite row, are each found; the same frame
    without the marker, in the same forms, is not."""
    clip = marker.marked_clip("obama", tmp_path / "marked.avi", n=3)
    cap = cv2.VideoCapture(str(clip))
    ok, frame = cap.read()
    cap.release()
    assert ok
    photo = bytes(marker.capture(clip))
    plain = frame.copy()
    plain[:200, :200] = frame[200:400, 440:640]  # the corner without the marker

    writers: list[sqlite3.Connection] = []

    def leave(folder: Path, img: np.ndarray, jpeg: bytes) -> None:
        folder.mkdir()
        (folder / "photo.jpg").write_bytes(jpeg)
        thumb = cv2.resize(img, (240, 180), interpolation=cv2.INTER_AREA)
        (folder / "thumb.png").write_bytes(cv2.imencode(".png", thumb)[1].tobytes())
        (folder / "frame.raw").write_bytes(np.ascontiguousarray(cv2.flip(img, 1)).tobytes())
        (folder / "qimage.bits").write_bytes(cv2.cvtColor(img, cv2.COLOR_BGR2BGRA).tobytes())
        (folder / "grey.bin").write_bytes(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).tobytes())
        (folder / "app.log").write_bytes(b"INFO photo=" + base64.b64encode(jpeg) + b" done\n")
        (folder / "page.html").write_bytes(b'<img src="data:image/jpeg;base64,'
                                           + base64.urlsafe_b64encode(jpeg) + b'">')
        (folder / "dump.txt").write_bytes(jpeg.hex().encode())
        # WAL mode, the writer still open: the row is in store.sqlite-wal only
        con = sqlite3.connect(folder / "store.sqlite")
        con.execute("pragma journal_mode=wal")
        with con:
            con.execute("create table t (k text, v blob)")
            con.execute("insert into t values ('x', ?)", (b"\0" * 5000 + jpeg,))
        writers.append(con)

    leave(tmp_path / "marked", frame, photo)
    hits = scan_tree(tmp_path / "marked", {}, "t")
    # The WAL's raw pages may hold the JPEG's start whole, then its bytes are found as well
    # as the row (a true finding either way: the photo is on the disk).
    wal = "the photo's marker in t store.sqlite-wal"
    assert sorted(h for h in hits if h != wal) == sorted(
        f"the photo's marker in t {name}" + (" (a row)" if name == "store.sqlite" else "")
        for name in ("photo.jpg", "thumb.png", "frame.raw", "qimage.bits", "grey.bin",
                     "app.log", "page.html", "dump.txt", "store.sqlite"))
    leave(tmp_path / "plain", plain, cv2.imencode(".jpg", plain)[1].tobytes())
    assert scan_tree(tmp_path / "plain", {}, "t") == []
    for con in writers:
        con.close()
