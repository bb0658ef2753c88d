"""`kiosk settings set-pin`: sets the staff PIN of a lobby kiosk (R33).

Typed twice without echo at a terminal; from a pipe, the first line is the PIN and a
second line, when there is one, must repeat it. Only the scrypt hash is stored.
"""

from __future__ import annotations

import getpass
import sys


def read_pin() -> str:
    """The PIN as the person typed it (twice at a terminal); ValueError when they differ."""
    if sys.stdin.isatty():
        first = getpass.getpass("staff PIN: ")
        second = getpass.getpass("staff PIN again: ")
    else:
        lines = sys.stdin.read().splitlines()
        first = lines[0].strip() if lines else ""
        second = lines[1].strip() if len(lines) > 1 else first
    if first != second:
        raise ValueError("the two PINs differ")
    return first


def set_pin(url: str) -> int:
    from kiosk.store.staff_pin import PinError, open_staff_pin

    try:
        pin = read_pin()
    except ValueError as exc:
        sys.stderr.write(f"kiosk settings set-pin: {exc}; nothing stored\n")
        return 2
    staff_pin = open_staff_pin(url)
    try:
        staff_pin.set_pin(pin)
    except PinError as exc:
        sys.stderr.write(f"kiosk settings set-pin: {exc}; nothing stored\n")
        return 2
    finally:
        staff_pin.close()
    print("staff PIN set (stored as a scrypt hash); wrong tries and any lock are cleared")
    return 0
