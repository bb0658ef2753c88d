"""`make bench`: runs every benchmark module and prints one JSON object.

Each module in MODULES has `measure() -> dict[str, float | int | str]`; keys are the metric
names of the issues (p1_start_ratio, p2_preview_kept_ratio, ...). Ratios are measured inside one
run, because this machine is noisy.
"""

from __future__ import annotations

import importlib
import json
import os
import sys

MODULES = [
    "bench.startup",
    "bench.camera",
    "bench.flow",
    "bench.faces",
    "bench.staff_pin",
    "bench.receipt",
    "bench.site",
]


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    result: dict[str, object] = {}
    only = set(sys.argv[1:])
    for name in MODULES:
        if only and name.rsplit(".", 1)[-1] not in only:
            continue
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        result.update(module.measure())
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
