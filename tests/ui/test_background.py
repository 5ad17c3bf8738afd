"""The background runner: work off the GUI thread, results and failures back on it, in order."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from nexus_desktop.ui.background import BackgroundRunner


def test_results_come_back_on_the_gui_thread_in_order(qtbot):
    runner = BackgroundRunner("test-runner")
    gui = threading.get_ident()
    seen: list[tuple[int, bool]] = []
    try:
        with qtbot.waitSignal(runner.idle, timeout=5000):
            for n in range(5):
                runner.run(lambda n=n: (n, threading.get_ident() != gui),
                           lambda result: seen.append((result[0], result[1] and threading.get_ident() == gui)))
        assert seen == [(n, True) for n in range(5)]
    finally:
        runner.shutdown()


def test_a_failure_goes_to_on_failure_or_the_log(qtbot, caplog):
    runner = BackgroundRunner("test-runner")
    failures: list[str] = []

    def broken() -> None:
        raise ValueError("no such thing")

    try:
        with qtbot.waitSignal(runner.idle, timeout=5000):
            runner.run(broken, on_failure=lambda exc: failures.append(str(exc)))
            runner.run(broken)
        assert failures == ["no such thing"]
        assert "no such thing" in caplog.text
    finally:
        runner.shutdown()


def test_callbacks_of_a_deleted_owner_are_dropped(qtbot):
    runner = BackgroundRunner("test-runner")
    owner = QWidget()
    called: list[int] = []
    try:
        with qtbot.waitSignal(runner.idle, timeout=5000):
            runner.run(lambda: 1, called.append, owner=owner)
            owner.deleteLater()
            qtbot.wait(1)
        assert called == [] or called == [1]  # delivered before the deletion, or dropped: never a crash
    finally:
        runner.shutdown()


def test_stream_hands_pieces_until_told_to_stop(qtbot):
    runner = BackgroundRunner("test-runner")
    pieces: list[str] = []
    done: list[bool] = []
    try:
        with qtbot.waitSignal(runner.idle, timeout=5000):
            runner.stream(lambda: iter(["a", "b", "c"]), pieces.append, done.append, until=lambda: len(pieces) > 5)
        qtbot.waitUntil(lambda: done == [True])
        assert pieces == ["a", "b", "c"]
    finally:
        runner.shutdown()


def test_no_callback_runs_after_a_shutdown(qtbot):
    runner = BackgroundRunner("test-runner")
    emitted = threading.Event()
    runner._finished.connect(lambda _job: emitted.set(), Qt.ConnectionType.DirectConnection)  # on its thread
    called: list[int] = []
    runner.run(lambda: 1, called.append)
    assert emitted.wait(5)  # the result is on its way to the GUI thread...
    runner.shutdown()  # ...when the window closes
    QApplication.processEvents()
    assert called == []


def test_a_runner_deleted_without_a_shutdown_ends_its_thread(qtbot):
    owner = QWidget()
    BackgroundRunner("test-runner-orphan", owner)
    assert any(thread.name == "test-runner-orphan" for thread in threading.enumerate())
    owner.deleteLater()
    qtbot.waitUntil(lambda: not any(thread.name == "test-runner-orphan" for thread in threading.enumerate()),
                    timeout=5000)
