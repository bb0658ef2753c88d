"""The fleet heartbeat of a running kiosk (`kiosk site status`): written at start and every
`KIOSK_HEARTBEAT_SECONDS` (60) on a thread of its own, never on the GUI thread (it touches
the network and the database).

The states are `kiosk doctor`'s cheap checks only: whether the camera device is there (not
opened: a photo page may be using it), the CUPS queue (lpstat), the registry backend's
answer and clock. A check that is not fine is logged once per change, for whoever reads
the kiosk's log, and is what `kiosk site status` shows IT.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field
from typing import Any, Generic, TypeVar

from kiosk.doctor import OK, Check, check_backend, check_printer

log = logging.getLogger(__name__)

INTERVAL_ENV = "KIOSK_HEARTBEAT_SECONDS"
DEFAULT_INTERVAL_S = 60.0
T = TypeVar("T")


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("registry-kiosk")
    except PackageNotFoundError:
        return "unknown"


def camera_state(source: str) -> str:
    """Present or not, without opening it."""
    from kiosk.camera.sources import parse_spec

    spec = parse_spec(source)
    if spec == "synthetic":
        return "synthetic"
    path = f"/dev/video{spec}" if isinstance(spec, int) else str(spec)
    if isinstance(spec, int) and not os.path.isdir("/dev"):
        return f"device {spec}"  # not Linux: nothing cheap to look at
    return f"ok {path}" if os.path.exists(path) else f"missing {path}"


def _state(check: Check) -> str:
    return check.status if check.status == OK else f"{check.status}: {check.verdict}"[:80]


class MadeOnce(Generic[T]):
    """What `maker` makes, made on first use by whichever thread comes first (and tried
    again on the next use while it makes None)."""

    def __init__(self, maker: Callable[[], T]) -> None:
        self._maker = maker
        self._made: T | None = None
        self._lock = threading.Lock()

    def get(self) -> T:
        with self._lock:
            made = self._made
            if made is None:
                made = self._made = self._maker()
            return made


class SharedJournal(MadeOnce[Any]):
    """One journal for the flow and the heartbeat, opened on first use by whichever thread
    comes first (a second journal would run a second outbox forwarder)."""

    def close(self) -> None:
        with self._lock:
            journal, self._made = self._made, None
        if journal is not None:
            journal.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.get(), name)


@dataclass(eq=False)
class Heartbeat:
    """Writes the heartbeat now and then every `interval_s` until `stop()`."""

    journal: SharedJournal
    _: KW_ONLY
    mode: str
    camera: str
    backend_url: str
    printer: str | None = None
    interval_s: float | None = None  # None: $KIOSK_HEARTBEAT_SECONDS, else the default
    beats: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self.interval_s = self.interval_s or float(
            os.environ.get(INTERVAL_ENV) or DEFAULT_INTERVAL_S
        )
        self._stop = threading.Event()
        self._said: dict[str, str] = {}
        self._thread = threading.Thread(target=self._loop, name="kiosk-heartbeat", daemon=True)

    def start(self) -> Heartbeat:
        self._thread.start()
        return self

    def states(self) -> dict[str, str]:
        return {
            "camera": camera_state(self.camera),
            "printer": _state(check_printer(self.printer)),
            "backend": _state(check_backend("registry", self.backend_url, timeout_s=3.0)),
        }

    def beat(self) -> None:
        states = self.states()
        for name, state in states.items():
            if self._said.get(name) != state and not state.startswith(("ok", "synthetic")):
                log.warning("%s: %s", name, state)
            self._said[name] = state
        self.journal.get().heartbeat(version=version(), mode=self.mode, **states)
        self.beats += 1

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.beat()
            except Exception as exc:  # noqa: BLE001 - the kiosk runs on without its beat
                log.warning("heartbeat not written (%s)", type(exc).__name__)
            self._stop.wait(self.interval_s)

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)


def heartbeat_for(args: Any, journal: SharedJournal, backend_url: str) -> Heartbeat:
    """The heartbeat of `kiosk run` with these options (after the stored settings), not
    started yet."""
    mode = "self-service" if args.self_service else "counter"
    return Heartbeat(
        journal,
        mode=mode,
        camera=str(args.camera),
        backend_url=backend_url,
        printer=getattr(args, "printer", None),
    )
