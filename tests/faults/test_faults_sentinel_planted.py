"""Issue 12, section 6: the sentinel run's scan of its places is not blind to its photos.
The photo the camera view takes of each sentinel holder's marked clip (H-SINGLE's at the
lobby, H-OFFLINE's for its lobby renewal and the counter's live photo), planted in turn in
each place the run scans, the way a leak would leave it (the JPEG in a file, base64 in a
log record or a walkthrough line, a blob in the journal, a file in a new temp folder, in
the print output or a spool folder), is found there and only there; with nothing planted
the same places give no hit."""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.faults import marker, sentinel
from tests.faults.sentinel import Places, scan_places


def _places(root: Path) -> Places:
    dirs = {n: root / n for n in ("work", "tmp", "data", "print", "cups-out", "spool", "pdf")}
    for d in dirs.values():
        d.mkdir(parents=True)
    return Places(log=["renewal started"], desk_output='{"step": "desk_photo"}\n',
                  journal_dir=dirs["work"], tmp_root=dirs["tmp"], tmp_before=set(),
                  data_dir=dirs["data"], print_out=dirs["print"], cups_out=dirs["cups-out"],
                  spool_dirs=[dirs["spool"], dirs["pdf"]])


def _journal_row(p: Places, jpeg: bytes) -> None:
    with sqlite3.connect(p.journal_dir / "journal.sqlite") as con:
        con.execute("create table journal (k text, v blob)")
        con.execute("insert into journal values ('photo', ?)", (b"\0" * 5000 + jpeg,))
    con.close()


def _new_temp(p: Places, jpeg: bytes) -> None:
    (p.tmp_root / "tmpab12cd").mkdir()
    (p.tmp_root / "tmpab12cd" / "capture.jpg").write_bytes(jpeg)


PLANTS: dict[str, tuple[Callable[[Places, bytes], None], str]] = {
    "log": (lambda p, j: p.log.append(f"face sent: {base64.b64encode(j).decode()}"),
            "the log"),
    "desk": (lambda p, j: setattr(p, "desk_output", p.desk_output + json.dumps(
        {"photo_jpeg_b64": base64.b64encode(j).decode()}) + "\n"),
             "the desk walkthrough output"),
    "journal": (_journal_row, "the journal journal.sqlite"),
    "temp": (_new_temp, "temp tmpab12cd capture.jpg"),
    "data": (lambda p, j: (p.data_dir / "last.jpg").write_bytes(j),
             "the data folder last.jpg"),
    "print": (lambda p, j: (p.print_out / "receipt.escpos").write_bytes(b"\x1b@" + j),
              "the print output receipt.escpos"),
    "cups": (lambda p, j: (p.cups_out / "job.pdf").write_bytes(b"%PDF-1.7\n" + j),
             "the CUPS queue's output job.pdf"),
    "spool": (lambda p, j: (p.spool_dirs[0] / "d00001-001").write_bytes(j),
              "the print spool spool d00001-001"),
}


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory, qapp: Any) -> dict[str, bytes]:
    camera = tmp_path_factory.mktemp("camera")
    return {holder: bytes(marker.capture(sentinel.holder_clip(holder, camera)))
            for holder in (sentinel.HOLDER, sentinel.DESK_HOLDER)}


@pytest.mark.parametrize("holder", [sentinel.HOLDER, sentinel.DESK_HOLDER])
def test_issue12_the_sentinel_scan_finds_the_photo_planted_in_each_place_it_scans(
    holder: str, photos: dict[str, bytes], tmp_path: Path,
) -> None:
    jpeg = photos[holder]
    assert jpeg.startswith(b"\xff\xd8\xff") and marker.in_bytes(jpeg)
    for place, (plant, where) in PLANTS.items():
        p = _places(tmp_path / place)
        assert scan_places(p, {}, {}) == [], place
        plant(p, jpeg)
        hit = f"the photo's marker in {where}"
        # an SQLite file: the JPEG read back from its row, when the raw pages (a blob is
        # split across overflow pages) do not already give it
        assert scan_places(p, {}, {}) in ([hit], [f"{hit} (a row)"]), place
