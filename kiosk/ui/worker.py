"""Run work off the GUI thread and get the answer back on it (after Anki's `QueryOp`).

    Op(lambda: flow.submit(inputs), success=self._show, failure=self._fail).run(self)

The operation runs on a pool thread; `success(result)` or `failure(exc)` run later on the
GUI thread, through a queued signal to a receiver that lives there. Widgets are only ever
touched from those callbacks. An Op given a `generation` drops its answer when the
generation moved on meanwhile (a privacy wipe): the check lives here, once.

Two executors, as Anki's taskman has: `flow_executor()` runs the flow's operations, HTTP
calls included, one at a time and in order (the flow is not thread-safe); `db_executor()`,
a pool with a single thread, runs every database call, so SQLite sees one writer at a time
and in submission order. `on_db_thread(journal)` sends a journal's calls there from the
flow's thread, so a slow backend never holds the database thread.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

T = TypeVar("T")
log = logging.getLogger("kiosk.ui.worker")


class _Bridge(QObject):
    """Lives on the GUI thread; the worker emits, Qt queues the call to this thread."""

    finished = Signal(bool, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.success: Callable[[Any], None] | None = None
        self.failure: Callable[[BaseException], None] | None = None
        self.stale: Callable[[], bool] = lambda: False
        self.finished.connect(self._deliver)

    @Slot(bool, object)
    def _deliver(self, ok: bool, value: object) -> None:
        try:
            if self.stale():
                log.info("dropped an answer that arrived after a wipe")
            elif ok:
                if self.success is not None:
                    self.success(value)
            elif self.failure is not None:
                assert isinstance(value, BaseException)
                self.failure(value)
            else:
                assert isinstance(value, BaseException)
                raise value
        finally:
            _LIVE.discard(self)
            self.success = self.failure = None
            self.stale = lambda: False
            self.deleteLater()


# Bridges are kept alive here until their answer is delivered: nothing else references them
# once `run()` returns, and a collected bridge would drop the answer on the floor.
_LIVE: set[_Bridge] = set()


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any], bridge: _Bridge) -> None:
        super().__init__()
        self._fn = fn
        self._bridge = bridge

    def run(self) -> None:
        try:
            result = self._fn()
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the GUI
            self._emit(False, exc)
        else:
            self._emit(True, result)

    def _emit(self, ok: bool, value: object) -> None:
        try:
            self._bridge.finished.emit(ok, value)
        except RuntimeError:
            # The receiver (and the bridge with it) was destroyed meanwhile: nobody to tell.
            _LIVE.discard(self._bridge)


class Op(Generic[T]):
    """One background operation with GUI-thread callbacks."""

    def __init__(
        self,
        fn: Callable[[], T],
        *,
        success: Callable[[T], None],
        failure: Callable[[BaseException], None] | None = None,
        generation: Callable[[], int] | None = None,
    ) -> None:
        self._fn = fn
        self._success = success
        self._failure = failure
        self._generation = generation

    def run(self, pool: QThreadPool | None = None, receiver: QObject | None = None) -> None:
        """Start the operation. Must be called on the GUI thread.

        With a `receiver` (the window whose methods are the callbacks) the bridge is its
        child: once the receiver is destroyed, the answer is dropped instead of delivered."""
        bridge = _Bridge(receiver)
        if receiver is not None:
            bridge.destroyed.connect(functools.partial(_LIVE.discard, bridge))
        bridge.success = self._success
        bridge.failure = self._failure
        if self._generation is not None:
            current, started = self._generation, self._generation()
            bridge.stale = lambda: current() != started
        _LIVE.add(bridge)
        (pool or QThreadPool.globalInstance()).start(_Task(self._fn, bridge))


_ON_DB = threading.local()


def _one_thread_pool() -> QThreadPool:
    """Work in the order it was queued, on one thread that is kept: a journal write or an
    HTTP call every step should not pay thread start-up."""
    pool = QThreadPool()
    pool.setMaxThreadCount(1)
    pool.setExpiryTimeout(-1)
    return pool


@functools.cache
def flow_executor() -> QThreadPool:
    """The pool for the flow's operations (and so its HTTP calls): one at a time, in order."""
    return _one_thread_pool()


def wait_idle(timeout_ms: int = 10_000) -> bool:
    """Waits for the flow's operations, then for the database work they queued."""
    return flow_executor().waitForDone(timeout_ms) and db_executor().waitForDone(timeout_ms)


class on_db_thread:  # noqa: N801 - reads as what it does: on_db_thread(journal)
    """A proxy running every method call of `target` on the database thread, waiting for
    its answer (`run_on_db`); on that thread already, it calls straight through."""

    def __init__(self, target: Any) -> None:
        self._target = target

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            if getattr(_ON_DB, "active", False):
                return attr(*args, **kwargs)
            return run_on_db(lambda: attr(*args, **kwargs))

        return call


@functools.cache
def db_executor() -> QThreadPool:
    """The one-thread pool for database work (journal, audit, receipts)."""
    return _one_thread_pool()


def run_on_db(fn: Callable[[], T], timeout_s: float = 10.0) -> T:
    """Runs `fn` on the database thread and waits for its answer: for start-up reads before
    the event loop runs (`kiosk run` reading its settings), in order with any other
    database work. Raises what `fn` raised; TimeoutError when the thread is held."""
    done = threading.Event()
    box: dict[str, Any] = {}

    def task() -> None:
        _ON_DB.active = True
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised on the caller's thread
            box["error"] = exc
        finally:
            _ON_DB.active = False
            done.set()

    db_executor().start(task)
    if not done.wait(timeout_s):
        raise TimeoutError("the database thread did not answer")
    if "error" in box:
        raise box["error"]
    return box["value"]


def pending() -> int:
    """How many operations have not delivered their answer yet (for tests and shutdown)."""
    return len(_LIVE)
