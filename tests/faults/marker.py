"""The sentinel in the photo (issue 12, section 6): an ArUco marker composited into the
background of every frame of the holder's camera clip, and a scan that recognises it in
every form a photo could leak.

The marker (OpenCV's aruco, DICT_6X6_250 id `MARKER_ID`, 8 x 8 cells of 16 px in a white
quiet zone) sits in the clip's top-left corner, away from the face, on the 16 px grid of the
JPEG/MJPG blocks: each cell is whole blocks of one grey, so after MJPG, decoding and the
kiosk's own JPEG encoding its pixels are still near 0 or near 255.

Recognised in:
- any image file, or an image embedded in any file (a JPEG, PNG, BMP, WebP or TIFF
  signature anywhere in the bytes): decoded with OpenCV, the marker looked for as it is and
  mirrored (a preview is mirrored), at any scale the detector manages;
- raw pixel buffers (a frame dump, a QImage's bits): the marker's rows, thresholded at 128,
  for 1, 3 and 4 bytes a pixel (grey, BGR/RGB, BGRA/RGBX), as they are and mirrored; a hit
  needs two different rows;
- base64 (standard or URL-safe, in a data URI or not) and hex text of any of the above.
"""

from __future__ import annotations

import base64
import binascii
import re
import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import cv2
import numpy as np

MARKER_ID = 203
CELLS = 8  # 6 x 6 bits and a one-cell black border
CELL = 16  # px: whole MJPG/JPEG blocks (4:2:0 MCUs are 16 x 16)
QUIET = CELL  # white margin the detector needs, one cell
AT = (16, 16)  # x, y of the quiet zone's top-left corner in the frame (16-aligned)
_DICT = cv2.aruco.DICT_6X6_250
_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"BM", b"RIFF", b"II*\x00", b"MM\x00*")
_B64 = re.compile(rb"(?:data:image/[a-z+.-]+;base64,)?([A-Za-z0-9+/_-]{88,}={0,2})")
_HEX = re.compile(rb"(?:[0-9a-fA-F]{2}){64,}")
_MAX_EMBEDDED = 64  # images tried per file (a signature can also occur by chance)


@cache
def cells() -> np.ndarray:
    """The marker's 8 x 8 cells, 0 black / 1 white."""
    dictionary = cv2.aruco.getPredefinedDictionary(_DICT)
    bits = cv2.aruco.generateImageMarker(dictionary, MARKER_ID, CELLS)
    return (bits > 127).astype(np.uint8)


def marker_image() -> np.ndarray:
    """The marker with its quiet zone, BGR, (8 + 2) x 16 px square."""
    grey = np.kron(cells(), np.ones((CELL, CELL), np.uint8)) * 255
    grey = cv2.copyMakeBorder(grey, QUIET, QUIET, QUIET, QUIET, cv2.BORDER_CONSTANT, value=255)
    return cv2.cvtColor(grey.astype(np.uint8), cv2.COLOR_GRAY2BGR)


def mark(frame: np.ndarray) -> np.ndarray:
    """`frame` with the marker pasted at `AT` (in place; returned for chaining)."""
    m = marker_image()
    x, y = AT
    frame[y : y + m.shape[0], x : x + m.shape[1]] = m
    return frame


def marked_clip(face: str, path: Path, size: tuple[int, int] = (640, 480),
                n: int = 30, fps: float = 15.0) -> Path:
    """The sandbox's live photo of `face` as a swaying MJPG clip (kiosk.camera.clips, as the
    demo camera makes it), every frame marked."""
    from kiosk.camera.clips import portrait_frames, write_clip
    from sandbox.faces import live_photo

    portrait = cv2.imdecode(np.frombuffer(live_photo(face), np.uint8), cv2.IMREAD_COLOR)
    frames = [mark(f) for f in portrait_frames([portrait], size[0], size[1], n)]
    return write_clip(path, frames, fps)


def capture(clip: Path, timeout_s: float = 30.0) -> bytearray:
    """拍照 on the kiosk's camera view (its reader thread, cv2.VideoCapture on `clip`): the
    JPEG the photo pages hand to the flow (a copy: the view wipes its own on stop)."""
    from PySide6.QtCore import QCoreApplication

    from kiosk.camera.guide import CaptureGuide
    from kiosk.camera.sources import FileSource
    from kiosk.ui.camera_view import CameraView

    view = CameraView(lambda: FileSource(str(clip)), guide=CaptureGuide(countdown_s=3600))
    try:
        view.show()
        view.start()
        deadline = time.monotonic() + timeout_s
        while view.state != "preview" or view.preview.frames_shown < 5:
            if time.monotonic() > deadline:
                raise AssertionError(f"the camera view never showed the clip ({view.state})")
            QCoreApplication.processEvents()
            time.sleep(0.02)
        view.capture()
        photo = view.photo_buffer()
        if photo is None:
            raise AssertionError("拍照 gave no photo")
        return bytearray(photo)
    finally:
        view.stop()
        view.deleteLater()


# --- the scan --------------------------------------------------------------------------------


def in_image(image: np.ndarray) -> bool:
    """The marker in a decoded image, as it is or mirrored."""
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY if image.shape[2] == 4
                             else cv2.COLOR_BGR2GRAY)
    if image.dtype != np.uint8:
        image = cv2.convertScaleAbs(image)
    detector = cv2.aruco.ArucoDetector(cv2.aruco.getPredefinedDictionary(_DICT))
    for candidate in (image, cv2.flip(image, 1)):
        _corners, ids, _rejected = detector.detectMarkers(candidate)
        if ids is not None and MARKER_ID in ids.flatten().tolist():
            return True
    return False


@cache
def _row_patterns() -> tuple[tuple[bytes, ...], ...]:
    """Per inner marker row (distinct ones), its thresholded bytes in every raw layout:
    white quiet cell, the 8 cells, white quiet cell; 1, 3 or 4 bytes a pixel; as is and
    mirrored."""
    rows = {tuple(int(b) for b in r) for r in cells()[1:-1]}
    patterns = []
    for row in sorted(rows):
        line = (1, *row, 1)
        forms = []
        for seq in (line, line[::-1]):
            for pixel in ((1,), (1, 1, 1), (1, 1, 1, 1), (1, 1, 1, 0)):
                forms.append(b"".join(
                    bytes(c if i < 3 else pixel[3] for i in range(len(pixel))) * CELL
                    for c in seq))
        patterns.append(tuple(forms))
    return tuple(patterns)


def in_raw(data: bytes) -> bool:
    """Two different marker rows in the bytes read as raw pixels."""
    if len(data) < CELL * (CELLS + 2):
        return False
    bits = (np.frombuffer(data, np.uint8) > 127).astype(np.uint8).tobytes()
    found = sum(1 for forms in _row_patterns() if any(f in bits for f in forms))
    return found >= 2


def _embedded(data: bytes) -> Iterator[np.ndarray]:
    """Images whose signature is somewhere in `data`, decoded from there (OpenCV's own
    complaints about the many that are not images are kept off the terminal)."""
    tried = 0
    quiet = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    try:
        for sig in _SIGNATURES:
            start = data.find(sig)
            while start >= 0 and tried < _MAX_EMBEDDED:
                tried += 1
                image = cv2.imdecode(np.frombuffer(data[start:], np.uint8),
                                     cv2.IMREAD_UNCHANGED)
                if image is not None and image.size:
                    yield image
                start = data.find(sig, start + 1)
    finally:
        cv2.utils.logging.setLogLevel(quiet)


def _decoded_text(data: bytes) -> Iterator[bytes]:
    for m in _B64.finditer(data):
        text = m.group(1)
        for alt in (b"+/", b"-_"):
            try:
                yield base64.b64decode(text + b"=" * (-len(text) % 4), altchars=alt,
                                       validate=True)
            except (binascii.Error, ValueError):
                continue
    for m in _HEX.finditer(data):
        yield bytes.fromhex(m.group(0).decode("ascii"))


def in_bytes(data: bytes, depth: int = 0) -> bool:
    """The marker anywhere in `data`: raw pixels, an image in it, or base64 / hex text of
    either."""
    if in_raw(data) or any(in_image(i) for i in _embedded(data)):
        return True
    return depth < 1 and any(in_bytes(d, depth + 1) for d in _decoded_text(data))


def sqlite_values(path: Path) -> Iterator[bytes]:
    """Every value of every table of an SQLite file, with what its -wal holds, as bytes (a
    blob bigger than a page is split across overflow pages in the file, so its bytes are
    read back whole). Read from a copy beside it: the scan changes nothing it scans."""
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".scan-") as tmp:
        copy = Path(tmp) / "copy.sqlite"
        shutil.copyfile(path, copy)
        wal = path.with_name(path.name + "-wal")
        if wal.is_file():
            shutil.copyfile(wal, copy.with_name(copy.name + "-wal"))
        yield from _rows(copy)


def _rows(path: Path) -> Iterator[bytes]:
    import sqlite3

    con = sqlite3.connect(path)
    try:
        tables = [r[0] for r in con.execute("select name from sqlite_master where type='table'")]
        for table in tables:
            quoted = '"' + table.replace('"', '""') + '"'
            for row in con.execute(f"select * from {quoted}"):  # noqa: S608 - names from the file
                for value in row:
                    if isinstance(value, bytes):
                        yield value
                    elif isinstance(value, str):
                        yield value.encode("utf-8", "surrogatepass")
    except sqlite3.DatabaseError:
        return
    finally:
        con.close()


def scan(data: bytes, where: str) -> list[str]:
    return [f"the photo's marker in {where}"] if in_bytes(data) else []


def scan_file(path: Path, where: str) -> list[str]:
    """The file's bytes, and for an SQLite file each of its values."""
    data = path.read_bytes()
    hits = scan(data, where)
    if not hits and data.startswith(b"SQLite format 3\x00") and \
            any(in_bytes(v) for v in sqlite_values(path)):
        hits = [f"the photo's marker in {where} (a row)"]
    return hits

