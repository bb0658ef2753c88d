"""kiosk.ui.worker: work off the GUI thread, answers back on it (DESIGN: Anki's QueryOp)."""

from __future__ import annotations

import functools
import threading

from pytestqt.qtbot import QtBot

from kiosk.services.errors import ConnectionFailed
from kiosk.ui.worker import Op, db_executor


def test_operation_runs_off_the_gui_thread_and_answers_on_it(qtbot: QtBot) -> None:
    gui = threading.get_ident()
    seen: dict[str, int | str] = {}

    def work() -> str:
        seen["work"] = threading.get_ident()
        return "done"

    def success(result: str) -> None:
        seen["success"] = threading.get_ident()
        seen["result"] = result

    Op(work, success=success).run()
    qtbot.waitUntil(lambda: "result" in seen, timeout=5_000)
    assert seen["work"] != gui
    assert seen["success"] == gui
    assert seen["result"] == "done"


def test_a_failure_reaches_the_failure_callback_on_the_gui_thread(qtbot: QtBot) -> None:
    gui = threading.get_ident()
    failures: list[tuple[BaseException, int]] = []

    def work() -> None:
        raise ConnectionFailed({"zh-Hant": "x"}, "AC-KI-0001")

    Op(
        work, success=lambda _: None, failure=lambda e: failures.append((e, threading.get_ident()))
    ).run()
    qtbot.waitUntil(lambda: bool(failures), timeout=5_000)
    exc, thread = failures[0]
    assert isinstance(exc, ConnectionFailed) and exc.help_code == "AC-KI-0001"
    assert thread == gui


def test_database_work_runs_on_one_thread_in_submission_order(qtbot: QtBot) -> None:
    order: list[int] = []
    threads: set[int] = set()

    def job(n: int) -> int:
        threads.add(threading.get_ident())
        order.append(n)
        return n

    delivered: list[int] = []
    for n in range(20):
        Op(functools.partial(job, n), success=delivered.append).run(db_executor())
    qtbot.waitUntil(lambda: len(delivered) == 20, timeout=5_000)
    assert order == list(range(20))
    assert len(threads) == 1
