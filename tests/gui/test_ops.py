"""The operations runner: work on one worker thread, callbacks on the GUI thread, busy state."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QThread

from console.ui.ops import OpRunner


@pytest.fixture
def runner(qtbot):
    ops = OpRunner()
    yield ops
    ops.shutdown()


def test_work_runs_off_the_gui_thread_and_answers_on_it(runner, qtbot) -> None:
    gui = QThread.currentThread()
    seen: dict[str, object] = {}

    def work() -> int:
        seen["worker"] = threading.current_thread().name
        time.sleep(0.2)  # a slow database
        return 42

    def done(value: int) -> None:
        seen["value"] = value
        seen["callback_thread"] = QThread.currentThread()

    busy: list[bool] = []
    runner.busy_changed.connect(busy.append)
    runner.run(work, done)
    assert runner.busy
    qtbot.waitUntil(lambda: busy == [True, False], timeout=3000)
    assert seen["value"] == 42 and seen["callback_thread"] is gui
    assert str(seen["worker"]).startswith("citydesk-db")
    assert not runner.busy


def test_errors_reach_on_error_or_the_failed_signal(runner, qtbot) -> None:
    errors: list[Exception] = []

    def boom() -> None:
        raise ValueError("数据库忙")

    with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda busy: not busy, timeout=3000):
        runner.run(boom, None, errors.append)
    assert [str(e) for e in errors] == ["数据库忙"]
    with qtbot.waitSignal(runner.failed, timeout=3000) as blocker:
        runner.run(boom)
    assert isinstance(blocker.args[0], ValueError)


def test_the_gui_keeps_running_while_work_waits(runner, qtbot) -> None:
    release = threading.Event()
    ticks = []
    runner.run(lambda: release.wait(5))
    for _ in range(5):
        qtbot.wait(20)  # the event loop turns while the worker is blocked
        ticks.append(runner.busy)
    release.set()
    qtbot.waitUntil(lambda: not runner.busy, timeout=3000)
    assert all(ticks)
