"""R33: what the staff PIN's slow hash costs. A try must stay quick for a person at the
keypad (well under a second) and slow for someone guessing from a stolen hash.

    staff_pin_verify_ms      one scrypt verification (median of 5), as the keypad pays it
    staff_pin_guesses_per_s  how many PINs one core could try per second against a hash
"""

from __future__ import annotations

import statistics
import time

from kiosk.store.staff_pin import hash_pin, verify_pin


def measure() -> dict[str, float | int | str]:
    stored = hash_pin("739164")
    times = []
    for _ in range(5):
        start = time.perf_counter()
        verify_pin("000000", stored)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    return {
        "staff_pin_verify_ms": round(median * 1000, 1),
        "staff_pin_guesses_per_s": round(1 / median, 1),
    }
