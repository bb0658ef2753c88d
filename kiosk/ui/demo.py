"""`kiosk demo`: the kiosk against a sandbox backend started in this process.

    kiosk demo                          # a window, with a sandbox side panel
    kiosk demo --camera demo            # no webcam: clips of the demo holders' faces
                                        # (the default when no webcam is attached)
    kiosk demo --screenshot shot.png    # render the first screen offscreen, save, exit 0

The sandbox runs on 127.0.0.1 (a free port) with a temporary SQLite file and a short
activation time; everything is gone when the window closes. The side panel lists the demo
holders' ID numbers and registered faces, the staff account, the newest codes the sandbox
"sent", and opens the outbox page in a browser so a tester can read the emails. With the
demo camera (kiosk.ui.demo_camera) it also chooses whose face the camera shows: the signed-in
holder's, so a renewal can be completed on a machine without a webcam.

No display (no DISPLAY / WAYLAND_DISPLAY, or QT_QPA_PLATFORM=offscreen) and no --screenshot:
the window would be invisible, so the command says how to run it under Xvfb and exits 2.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from kiosk.ui.app import no_display_help
from kiosk.ui.texts import tr

log = logging.getLogger(__name__)

ACTIVATION_SECONDS = 3.0


NO_DISPLAY_HELP = no_display_help()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from kiosk.ui.launch import add_window_arguments

    add_window_arguments(parser)
    parser.set_defaults(camera="auto")
    for action in parser._actions:
        if action.dest == "camera":
            action.help = (
                "webcam index, video file, 'synthetic', or 'demo' (clips of the demo holders' "
                "faces); default: 'demo' when no webcam is attached, else 0"
            )
    parser.add_argument(
        "--screenshot",
        metavar="PATH",
        help="render the first screen offscreen to PATH (PNG) and exit",
    )
    parser.add_argument(
        "--activation-seconds",
        type=float,
        default=ACTIVATION_SECONDS,
        help="how long the sandbox takes to activate a certificate (default: %(default)s)",
    )


class SandboxPanel(QWidget):
    """What a demo tester needs beside the kiosk: who to sign in as, and where codes went."""

    def __init__(
        self, base_url: str, admin: Any, lang: str = "zh-Hant", camera: Any = None
    ) -> None:
        super().__init__()
        self.lang = lang
        self.camera = camera  # a DemoCamera, or None with a real webcam
        self.faces: dict[str, str] = {}  # holder_id -> registered face
        self.setObjectName("sandboxPanel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setFixedWidth(340)
        self.base_url = base_url.rstrip("/")
        self.admin = admin
        lay = QVBoxLayout(self)
        lay.setContentsMargins(14, 14, 14, 14)
        title = QLabel(tr("sandbox.title", lang))
        title.setStyleSheet("font-size: 22px; font-weight: bold;")
        lay.addWidget(title)
        lay.addWidget(QLabel(tr("sandbox.holders", lang)))
        self.holders = QLabel()
        self.holders.setObjectName("holders")
        # The backend's and the emails' text is shown as it is, never read as rich text
        # (issue 12: a name or an address holding markup must not render or fetch anything).
        self.holders.setTextFormat(Qt.TextFormat.PlainText)
        self.holders.setWordWrap(True)
        self.holders.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.holders.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.holders)
        lay.addWidget(scroll, 1)
        self.face_choice: QComboBox | None = None
        if camera is not None:
            from kiosk.ui.demo_camera import face_names

            lay.addWidget(QLabel(tr("sandbox.camera", lang)))
            self.face_choice = QComboBox()
            self.face_choice.setObjectName("demoFace")
            self.face_choice.addItems(list(face_names()))
            self.face_choice.currentTextChanged.connect(self.use_face)
            lay.addWidget(self.face_choice)
            hint = QLabel(tr("sandbox.camera.hint", lang))
            hint.setWordWrap(True)
            lay.addWidget(hint)
            self.use_face(self.face_choice.currentText())
        lay.addWidget(QLabel(tr("sandbox.staff", lang)))
        lay.addWidget(QLabel("staff01 / counter-demo-1"))
        self.codes = QLabel()
        self.codes.setObjectName("codes")
        self.codes.setTextFormat(Qt.TextFormat.PlainText)
        self.codes.setWordWrap(True)
        refresh = QPushButton(tr("sandbox.codes", lang))
        refresh.setObjectName("refreshCodes")
        refresh.clicked.connect(self.refresh_codes)
        lay.addWidget(refresh)
        lay.addWidget(self.codes)
        outbox = QPushButton(tr("sandbox.outbox", lang))
        outbox.setObjectName("openOutbox")
        outbox.clicked.connect(self.open_outbox)
        lay.addWidget(outbox)
        url = QLabel(self.outbox_url)
        url.setWordWrap(True)
        url.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(url)

    @property
    def outbox_url(self) -> str:
        return f"{self.base_url}/sandbox/outbox"

    def show_holders(self, holders: list[dict[str, Any]]) -> None:
        lines = []
        face_word = tr("sandbox.face", self.lang)
        for h in holders:
            if h.get("face"):
                self.faces[str(h.get("holder_id"))] = str(h["face"])
            lines.append(
                f"{h.get('id_number', '')}  {h.get('name_zh') or h.get('name', '')}\n"
                f"  {h.get('holder_id', '')} · {h.get('branch', '')}"
                f" · {face_word}: {h.get('face', '-')}"
            )
        self.holders.setText("\n".join(lines))

    def use_face(self, face: str) -> None:
        if self.camera is not None and face:
            self.camera.use(face)

    def holder_signed_in(self, holder_id: str | None) -> None:
        """Preselects the signed-in holder's registered face for the demo camera."""
        face = self.faces.get(str(holder_id)) if holder_id else None
        if face and self.face_choice is not None:
            self.face_choice.setCurrentText(face)

    def follow(self, window: Any) -> None:
        """Watches the kiosk: when a holder signs in, their face goes in front of the camera."""

        def shown(_step: str) -> None:
            flow = window.flow
            if getattr(flow, "loaded", True):
                session = getattr(flow, "session", None)
                self.holder_signed_in(getattr(session, "holder_id", None))

        window.view_shown.connect(shown)

    def load_holders(self) -> None:
        from kiosk.ui.worker import Op

        Op(self.admin.holders, success=self.show_holders, failure=self._failed).run()

    def refresh_codes(self) -> None:
        from kiosk.ui.worker import Op

        Op(self._latest_codes, success=self.codes.setText, failure=self._failed).run()

    def _latest_codes(self) -> str:
        from kiosk.services.sandbox_admin import extract_code

        lines = []
        for m in self.admin.outbox()[-6:]:
            code = extract_code(m.body) if m.kind in ("email_code", "sms_code") else None
            lines.append(f"{m.channel} {m.to}: {code or m.kind}")
        return "\n".join(reversed(lines)) or "-"

    def _failed(self, exc: BaseException) -> None:
        self.codes.setText(type(exc).__name__)

    def open_outbox(self) -> None:
        QDesktopServices.openUrl(QUrl(self.outbox_url))


def run(args: argparse.Namespace) -> int:
    from kiosk.ui.app import has_display

    if not args.screenshot and not has_display():
        sys.stderr.write(NO_DISPLAY_HELP)
        return 2

    from kiosk.config import BackendConfig
    from kiosk.desk.setup import DeskSetup
    from kiosk.receipt.setup import ReceiptSetup, demo_enrolment
    from kiosk.services.factory import build_sandbox_admin
    from kiosk.ui.app import ensure_app, quit_on_sigint
    from kiosk.ui.demo_camera import AUTO, DEMO, DemoCamera, has_webcam
    from kiosk.ui.launch import (
        LazyFlow,
        apply_settings,
        build_window,
        close_on_quit,
        flow_factory,
        show_window,
        tell_receipt_problem,
    )
    from sandbox.app import SandboxSettings, create_app
    from sandbox.server import SandboxServer

    app = ensure_app()
    # The demo is a throwaway sandbox: the built-in defaults, not this terminal's settings.
    apply_settings(args, {})
    with tempfile.TemporaryDirectory(prefix="kiosk-demo-") as tmp:
        settings = SandboxSettings(
            db_url=f"sqlite:///{Path(tmp) / 'sandbox.sqlite'}",
            activation_seconds=args.activation_seconds,
        )
        server = SandboxServer(create_app(settings), host="127.0.0.1", port=0)
        server.start()
        try:
            config = BackendConfig.for_sandbox(server.url)
            admin = build_sandbox_admin(config)
            from kiosk.store import open_journal

            journal = open_journal(f"sqlite:///{Path(tmp) / 'journal.sqlite'}")
            camera = None
            source = args.camera
            if source == AUTO:
                source = "0" if has_webcam() else DEMO
            if source == DEMO:
                camera = DemoCamera(tmp)
            # R31: a key enrolled with this sandbox for this run only (no keyring, no file).
            receipts = ReceiptSetup({"kiosk_id": "DEMO-1", "kiosk_site": "Sandbox"},
                                    enrol=demo_enrolment(config.registry_url))
            # R32: the holder's token is a SoftHSM2 token made for this run (PIN on the panel).
            desk = DeskSetup(demo=True, registry_url=config.registry_url)
            flow = LazyFlow(flow_factory(config, journal, receipts, desk))
            flow.receipts = receipts
            panel = SandboxPanel(server.url, admin, args.lang, camera=camera)
            window = build_window(args, flow, side_panel=panel, camera=None if camera else source)
            tell_receipt_problem(window, receipts)
            panel.follow(window)
            if args.screenshot:
                assert admin is not None
                panel.show_holders(admin.holders())
                return screenshot(window, args.screenshot)
            panel.load_holders()
            show_window(window, fullscreen=args.fullscreen)
            quit_on_sigint(app)
            close_on_quit(app, flow, journal)
            return int(app.exec())
        finally:
            server.stop()


def screenshot(window: QWidget, path: str) -> int:
    """Paint `window` offscreen into a PNG at `path`."""
    from PySide6.QtWidgets import QApplication

    window.resize(1600, 1000)
    window.show()
    QApplication.processEvents()
    image = window.grab()
    ok = image.save(path, "PNG")
    window.close()
    if not ok:
        sys.stderr.write(f"kiosk demo: could not write {path}\n")
        return 1
    print(path)
    return 0
