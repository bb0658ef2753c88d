"""The desk's orchestration is what a flow stage calls: like kiosk/flows, it imports no Qt,
OpenCV, HTTP client or database, and not PKCS#11 either (the token comes in as a Protocol)."""

from __future__ import annotations

import json
import subprocess
import sys

FORBIDDEN = ("PySide6", "cv2", "requests", "sqlalchemy", "numpy", "pkcs11")


def test_desk_orchestration_imports_no_qt_http_database_or_pkcs11() -> None:
    code = (
        "import json, sys\n"
        "import kiosk.desk.issuance, kiosk.desk.counter, kiosk.desk.journal\n"
        "import kiosk.tokens.keys, kiosk.tokens.errors\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(out.stdout) == []
