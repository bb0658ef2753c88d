"""kiosk/flows is pure Python: no Qt, OpenCV, HTTP client or database import."""

from __future__ import annotations

import json
import subprocess
import sys

FORBIDDEN = ("PySide6", "cv2", "requests", "sqlalchemy", "numpy")


def test_flows_import_no_qt_cv2_requests_or_sqlalchemy() -> None:
    code = (
        "import json, sys\n"
        "import kiosk.flows, kiosk.flows.renewal, kiosk.flows.wizard, kiosk.flows.messages\n"
        "import kiosk.flows.validation, kiosk.flows.journal, kiosk.flows.redact\n"
        "import kiosk.flows.views, kiosk.flows.resume, kiosk.flows.graph, kiosk.flows.inputs\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(out.stdout) == []
