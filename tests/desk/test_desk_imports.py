"""The desk's orchestration is what a flow stage calls: like kiosk/flows, it imports no Qt,
OpenCV, HTTP client or database, and not PKCS#11 either (the token comes in as a Protocol).
The forbidden packages are made unimportable in a fresh interpreter, so any import of them,
however indirect, fails the import of the desk's modules."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("PySide6", "cv2", "requests", "sqlalchemy", "numpy", "pkcs11")
DESK = ("kiosk.desk.issuance", "kiosk.desk.counter", "kiosk.desk.journal",
        "kiosk.tokens.keys", "kiosk.tokens.errors")


def test_desk_orchestration_imports_no_qt_http_database_or_pkcs11() -> None:
    blocked = "; ".join(f"sys.modules[{name!r}] = None" for name in FORBIDDEN)
    imports = "; ".join(f"import {module}" for module in DESK)
    proc = subprocess.run(
        [sys.executable, "-c", f"import sys; {blocked}; {imports}"],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr


def test_the_token_module_itself_does_need_pkcs11() -> None:
    # The check above can fail: the PKCS#11 side does import what is blocked there.
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; sys.modules['pkcs11'] = None; "
         "import kiosk.tokens.token"],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode != 0 and "pkcs11" in proc.stderr
