"""kiosk.ui.worker: work off the GUI thread, answers back on it (DESIGN: Anki's QueryOp)."""

from __future__ import annotations

import functools
import threading

from pytestqt.qtbot import QtBot

from kiosk.services.errors import ConnectionFailed
from kiosk.ui.worker import Op, db_executor, flow_executor, on_db_thread, pending


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


def test_an_answer_arriving_after_the_generation_moved_on_is_dropped(qtbot: QtBot) -> None:
    gate = threading.Event()
    generation = [0]
    delivered: list[str] = []
    Op(
        lambda: gate.wait(5) and "old holder's step",
        success=delivered.append,
        generation=lambda: generation[0],
    ).run(flow_executor())
    generation[0] += 1  # a privacy wipe while the step runs
    Op(
        lambda: "next holder's step", success=delivered.append, generation=lambda: generation[0]
    ).run(flow_executor())
    gate.set()
    qtbot.waitUntil(lambda: pending() == 0, timeout=5_000)
    assert delivered == ["next holder's step"]


def test_flow_steps_leave_the_database_thread_and_their_journal_calls_reach_it(
    qtbot: QtBot,
) -> None:
    """An HTTP call (on the flow's thread) goes on while the database thread is busy; the
    flow's journal writes still run on that one database thread, in order."""
    db_threads: set[int] = set()

    class Journal:
        def save(self, n: int) -> int:
            db_threads.add(threading.get_ident())
            return n

    journal = on_db_thread(Journal())
    db_busy = threading.Event()
    Op(lambda: db_busy.wait(5), success=lambda _: None).run(db_executor())
    steps: list[str] = []

    def step() -> str:
        steps.append("http")  # reached although the database thread is held
        db_busy.set()
        return f"saved {journal.save(1)}"

    flow_thread: list[int] = []
    Op(lambda: flow_thread.append(threading.get_ident()) or step(), success=steps.append).run(
        flow_executor()
    )
    qtbot.waitUntil(lambda: len(steps) == 2, timeout=5_000)
    assert steps == ["http", "saved 1"]
    assert len(db_threads) == 1 and flow_thread[0] not in db_threads
