"""`kiosk run`: the kiosk window against the configured backend.

    kiosk-sandbox & kiosk run                              # a local sandbox (port 8750)
    kiosk run --backend https://backend.example            # counter terminal
    kiosk run --backend URL --self-service --fullscreen    # lobby kiosk
    kiosk run --config /etc/registry-kiosk/kiosk.toml      # four separate backends

`--backend` is the base URL under which the four services answer at their documented
prefixes (/registry/v1, /bureau/v1, /eid/v1, /esign/v1; docs/api.md). KIOSK_BACKEND sets
the default. Options not given take this terminal's stored settings (`kiosk settings`).
The idle wipe is on in both modes (R34: default 120 s + 15 s countdown). `--self-service`
also locks the window down (R33: full screen, no closing; staff leave with the staff PIN
set by `kiosk settings set-pin`).

KIOSK_QUIT_AFTER_FIRST_PAINT=1 quits as soon as the first screen has been painted: the
start-up benchmark (bench/startup.py) uses it.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from kiosk.config import BackendConfig, ConfigError

log = logging.getLogger(__name__)

DEFAULT_BACKEND = "http://127.0.0.1:8750"  # kiosk-sandbox's default port
QUIT_AFTER_FIRST_PAINT = "KIOSK_QUIT_AFTER_FIRST_PAINT"
ACTIVATION_WAIT_S = 3.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--backend",
        help="base URL of the backend services (default: $KIOSK_BACKEND, the stored "
        f"setting, or {DEFAULT_BACKEND})",
    )
    parser.add_argument(
        "--config",
        help="TOML file with a [backend] table: registry_url, bureau_url, eid_url, esign_url "
        "(separate systems in production); default: $KIOSK_CONFIG or the stored setting",
    )
    add_window_arguments(parser)
    parser.epilog = (
        "Options not given take the values stored with `kiosk settings set KEY VALUE`, "
        "else the defaults shown."
    )


# Built-in defaults of the window options; `kiosk run` takes stored settings first.
WINDOW_DEFAULTS: dict[str, Any] = {
    "lang": "zh-Hant",
    "camera": "0",
    "self_service": False,
    "fullscreen": False,
    "idle_seconds": 120.0,
    "countdown_seconds": 15,
    "kiosk_id": None,
}


def add_window_arguments(parser: argparse.ArgumentParser) -> None:
    # Every default is None: "not given", so that a stored setting can fill it in.
    parser.add_argument(
        "--self-service",
        action=argparse.BooleanOptionalAction,
        help="lobby kiosk: the holder alone; privacy wipe after idle time",
    )
    parser.add_argument(
        "--fullscreen",
        action=argparse.BooleanOptionalAction,
        help="full screen, no decorations",
    )
    parser.add_argument("--camera", help="webcam index, video file, or 'synthetic' (default: 0)")
    parser.add_argument(
        "--idle-seconds",
        type=float,
        help="seconds of no input before the wipe countdown (default: 120)",
    )
    parser.add_argument(
        "--countdown-seconds",
        type=int,
        help="seconds the 'still there?' dialog waits (default: 15)",
    )
    parser.add_argument(
        "--lang", choices=("zh-Hant", "pt", "en"), help="first screen's language (zh-Hant)"
    )
    parser.add_argument("--kiosk-id", help="name of this terminal, shown in the corner")


def apply_settings(args: argparse.Namespace, stored: Mapping[str, Any]) -> None:
    """Fills the options not given on the command line: the stored setting, else the
    built-in default. The backend: --config, --backend, $KIOSK_CONFIG, $KIOSK_BACKEND,
    the stored config, the stored backend, the local sandbox, the first one set wins."""
    for key, default in WINDOW_DEFAULTS.items():
        if getattr(args, key, None) is None:
            setattr(args, key, stored.get(key, default))
    if not hasattr(args, "backend"):
        return  # kiosk demo: its own sandbox
    if args.config or args.backend:
        return
    for source in (
        ("config", os.environ.get("KIOSK_CONFIG")),
        ("backend", os.environ.get("KIOSK_BACKEND")),
        ("config", stored.get("config")),
        ("backend", stored.get("backend")),
        ("backend", DEFAULT_BACKEND),
    ):
        if source[1]:
            setattr(args, source[0], source[1])
            return


def stored_settings() -> dict[str, Any]:
    """The settings stored for this terminal, read on the database thread before the
    first paint (no SQLAlchemy import: kiosk.store.settings.read_settings). A database
    that cannot be read is said once and the defaults apply: the kiosk still starts."""
    from kiosk.store import db_url
    from kiosk.store.settings import read_settings
    from kiosk.ui.worker import run_on_db

    url = db_url(create=False)
    try:
        return run_on_db(lambda: read_settings(url))
    except Exception as exc:  # noqa: BLE001 - never fatal at start
        log.warning("stored settings not read (%s): defaults apply", type(exc).__name__)
        return {}


class LazyFlow:
    """Builds the renewal flow on first use, which is on a worker thread after the first
    screen is up: importing the HTTP clients and the flow must not delay the first paint."""

    def __init__(self, factory: Any) -> None:
        self._factory = factory
        self._flow: Any = None
        self.lang = "zh-Hant"
        self.shared_journal: Any = None  # `kiosk run`: the flow's journal, the heartbeat's too
        self.registry_url = ""
        self.receipts: Any = None  # the kiosk.receipt.setup.ReceiptSetup its flow uses

    def _get(self) -> Any:
        if self._flow is None:
            self._flow = self._factory(self.lang)
        return self._flow

    @property
    def loaded(self) -> bool:
        return self._flow is not None

    @property
    def built(self) -> Any:
        """The flow, or None when nobody has used it yet (never builds it)."""
        return self._flow

    @property
    def current(self) -> Any:
        return self._get().current

    def submit(self, inputs: dict[str, Any]) -> Any:
        return self._get().submit(inputs)

    def back(self) -> Any:
        return self._get().back()

    def reset(self) -> Any:
        # Nothing to forget when no holder has used it yet.
        return self._flow.reset() if self._flow is not None else None

    def set_lang(self, lang: str) -> None:
        self.lang = lang
        if self._flow is not None:
            self._flow.set_lang(lang)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._get(), name)


def make_journal() -> Any:
    """The SQLite journal of kiosk/store (renewals resume after a crash)."""
    from kiosk.store import open_journal

    return open_journal()


def flow_factory(config: BackendConfig, journal: Any = None, receipts: Any = None,
                 desk: Any = None) -> Any:
    """A function lang -> RenewalFlow talking to `config`'s backends; `receipts` (a
    kiosk.receipt.setup.ReceiptSetup) gives it its ReceiptService (R31), `desk` (a
    kiosk.desk.setup.DeskSetup) the counter desk its token module and CA (R32)."""

    def build(lang: str) -> Any:
        from kiosk.flows.renewal import RenewalFlow, RetryCaps
        from kiosk.heartbeat import SharedJournal
        from kiosk.services.factory import build_services
        from kiosk.ui.worker import on_db_thread

        store = journal if journal is not None else make_journal()
        # The registry records which terminal verified a holder (X-Kiosk-ID, R32).
        services = build_services(config, kiosk_id=getattr(store, "kiosk_id", None))
        receipt_service = receipts.service(services.registry) if receipts is not None else None
        kiosk_id, site = getattr(receipts, "kiosk_id", ""), getattr(receipts, "site", "")
        desk_parts = None
        if desk is not None:
            raw = store.get() if isinstance(store, SharedJournal) else store
            desk_parts = desk.parts(services.registry, raw, receipt_service,
                                    kiosk_id=kiosk_id, site=site)
            if desk_parts.issuance_journal is not None:
                desk_parts.issuance_journal = on_db_thread(desk_parts.issuance_journal)
        return RenewalFlow(
            services,
            # Built on the flow's thread; every journal call runs on the database thread.
            on_db_thread(store),
            lang=lang,
            # Activation may take minutes (R26): answer after a few seconds so the holder
            # sees the progress page, which asks again, instead of a frozen busy overlay.
            caps=RetryCaps(activation_wait_s=ACTIVATION_WAIT_S),
            receipts=receipt_service,
            kiosk_id=kiosk_id,
            site=site,
            desk_parts=desk_parts,
        )

    return build


class _FirstPaint(QObject):
    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.done = False
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.Paint and not self.done:
            self.done = True
            # Quit after this paint has been delivered, not from inside it. exit(), not
            # quit(): Qt 6's quit() first asks the windows to close, which a locked-down
            # self-service window refuses (R33).
            QTimer.singleShot(0, lambda: QApplication.exit(0))
        return False


def quit_after_first_paint(widget: QWidget) -> None:
    _FirstPaint(widget)


def show_window(window: QWidget, *, fullscreen: bool) -> None:
    if fullscreen:
        from PySide6.QtCore import Qt

        window.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
        window.showFullScreen()
    else:
        window.show()
    if os.environ.get(QUIT_AFTER_FIRST_PAINT):
        quit_after_first_paint(window)


def run(args: argparse.Namespace) -> int:
    from kiosk.ui.app import ensure_app, has_display, no_display_help, quit_on_sigint

    if not has_display() and not os.environ.get(QUIT_AFTER_FIRST_PAINT):
        sys.stderr.write(no_display_help("kiosk run"))
        return 2
    app = ensure_app()
    try:
        window, flow = open_window(args)
    except ConfigError as exc:
        sys.stderr.write(f"kiosk run: {exc}\n")
        return 2
    if args.self_service:
        from kiosk.ui.lockdown import lock_down

        window.lockdown = lock_down(window)
    show_window(window, fullscreen=args.fullscreen or args.self_service)
    quit_on_sigint(app)
    # The fleet heartbeat (kiosk/heartbeat.py) on its own thread, begun after the first
    # paint so that its imports do not delay it; stopped before the journal is closed.
    from kiosk.heartbeat import heartbeat_for

    beat = heartbeat_for(args, flow.shared_journal, flow.registry_url)
    QTimer.singleShot(1000, beat.start)
    app.aboutToQuit.connect(beat.stop)
    close_on_quit(app, flow, flow.shared_journal)
    return int(app.exec())


def open_window(args: argparse.Namespace) -> tuple[Any, LazyFlow]:
    """The window `kiosk run` shows (not shown yet), from its options and the stored
    settings; ConfigError when the backend configuration file is unusable."""
    stored = stored_settings()
    apply_settings(args, stored)
    if args.config:
        config = BackendConfig.from_toml(args.config)
    else:
        config = replace(BackendConfig.for_sandbox(args.backend), sandbox_url=None)
    if config.ca_bundle is None and stored.get("ca_bundle"):  # the TOML's own key wins
        config = replace(config, ca_bundle=stored["ca_bundle"])
    from kiosk.desk.setup import DeskSetup
    from kiosk.heartbeat import SharedJournal
    from kiosk.receipt.setup import ReceiptSetup

    journal = SharedJournal(make_journal)  # the flow's, and the heartbeat's in `run`
    # R31: the identity `kiosk enrol` stored (its passphrase in the keyring).
    receipts = ReceiptSetup({**stored, "kiosk_id": getattr(args, "kiosk_id", None)})
    # R32: the counter's token driver (setting token_module or $KIOSK_PKCS11_MODULE).
    desk = DeskSetup.from_settings(stored, config.registry_url)
    desk.ca_bundle = config.ca_bundle
    flow = LazyFlow(flow_factory(config, journal, receipts, desk))
    flow.shared_journal, flow.registry_url = journal, config.registry_url
    flow.receipts = receipts
    window = build_window(args, flow, camera=args.camera)
    tell_receipt_problem(window, receipts)
    tell_start_problems(window, config, stored.get("printer"))
    return window, flow


def tell_start_problems(window: Any, config: BackendConfig, printer: str | None) -> None:
    """`kiosk doctor`'s quick checks (no camera: the photo pages hold it) off the GUI
    thread at start; staff see what failed and its fix, before a holder runs into it."""
    from kiosk import doctor
    from kiosk.ui.worker import Op

    def check() -> list[Any]:
        return doctor.start_failures(printer=printer, backends=doctor.backend_urls(config),
                                     ca_bundle=config.ca_bundle)

    def failed(exc: BaseException) -> None:
        log.warning("start-up checks did not run: %s", type(exc).__name__)

    Op(check, success=window.set_start_problems, failure=failed).run(receiver=window)


def tell_receipt_problem(window: Any, receipts: Any) -> None:
    """Loads the receipt identity off the GUI thread; staff see why receipts cannot be
    signed (R31), e.g. not enrolled: `kiosk enrol --code CODE`."""
    from kiosk.ui.worker import Op

    def failed(exc: BaseException) -> None:
        log.warning("receipt identity not loaded: %s", type(exc).__name__)

    Op(receipts.problem, success=window.set_receipt_problem, failure=failed).run()


def build_window(
    args: argparse.Namespace,
    flow: LazyFlow,
    *,
    side_panel: QWidget | None = None,
    camera: str | None = None,
) -> Any:
    """The kiosk window as `kiosk run` and `kiosk demo` both build it from their options.
    `camera` is the camera source for the photo pages (None: left as set, e.g. by the demo
    camera)."""
    from kiosk.ui.main_window import MainWindow
    from kiosk.ui.pages import CONTEXT

    if camera is not None:
        CONTEXT.camera_source = camera
    flow.lang = args.lang
    return MainWindow(
        flow,
        lang=args.lang,
        self_service=args.self_service,
        idle_s=args.idle_seconds,  # R34: both modes
        countdown_s=args.countdown_seconds,
        side_panel=side_panel,
        kiosk_id=getattr(args, "kiosk_id", None),
    )


def close_on_quit(app: QApplication, flow: LazyFlow, journal: Any = None) -> Callable[[], None]:
    """On aboutToQuit: let the database thread finish its step, then close the backends'
    connection pools and the journal."""

    def shutdown() -> None:
        from kiosk.ui.worker import wait_idle

        if not wait_idle(10_000):
            log.warning("a flow step was still running at exit")
        built = flow.built
        if built is not None:
            from kiosk.services.factory import close_services

            try:
                close_services(built.services)
            except Exception as exc:  # noqa: BLE001 - exit anyway
                log.warning("closing the services failed: %s", type(exc).__name__)
        j = journal if journal is not None else getattr(built, "journal", None)
        close = getattr(j, "close", None)
        if callable(close):
            try:
                close()
            except Exception as exc:  # noqa: BLE001 - exit anyway
                log.warning("closing the journal failed: %s", type(exc).__name__)

    app.aboutToQuit.connect(shutdown)
    return shutdown
