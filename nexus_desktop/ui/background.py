"""The one way to run work off the GUI thread: a runner with its own thread, jobs in order, and
success/failure callbacks delivered on the GUI thread (the spirit of Anki's QueryOp)."""

from __future__ import annotations

import atexit
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from PySide6.QtCore import QObject, QThread, Signal, Slot
from shiboken6 import Shiboken

log = logging.getLogger(__name__)

T = TypeVar("T")
Failure = Callable[[Exception], None]


@dataclass(eq=False)
class Job(Generic[T]):
    """One piece of work and where its outcome goes (any callback may be left out)."""

    work: Callable[[], T]
    on_success: Callable[[T], None] | None = None
    on_failure: Failure | None = None
    owner: QObject | None = None  # callbacks are dropped once this Qt object is deleted
    outcome: tuple[bool, object] = field(default=(False, None))

    def alive(self) -> bool:
        return self.owner is None or Shiboken.isValid(self.owner)


class _Executor(QObject):
    """Lives on the runner's thread: runs each job and hands it back."""

    finished = Signal(object)  # Job with its outcome

    @Slot(object)
    def execute(self, job: Job[object]) -> None:
        try:
            job.outcome = (True, job.work())
        except Exception as exc:  # noqa: BLE001 - handed to on_failure (or logged) on the GUI thread
            job.outcome = (False, exc)
        self.finished.emit(job)


class BackgroundRunner(QObject):
    """Runs jobs one after the other on a thread of its own (its name shows in debuggers and logs)."""

    _submit = Signal(object)
    idle = Signal()  # every job handed in so far has finished

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pending = 0
        self._thread = QThread()
        self._thread.setObjectName(name)
        self._executor = _Executor()
        self._executor.moveToThread(self._thread)
        self._submit.connect(self._executor.execute)
        self._executor.finished.connect(self._deliver)
        self._thread.start()

    @property
    def busy(self) -> bool:
        """Whether a job is queued or running."""
        return self._pending > 0

    def run(self, work: Callable[[], T], on_success: Callable[[T], None] | None = None,
            on_failure: Failure | None = None, owner: QObject | None = None) -> None:
        """Run `work` on the runner's thread; its result (or exception) goes to the callbacks on the GUI
        thread. A failure without `on_failure` is logged, never lost."""
        self._pending += 1
        self._submit.emit(Job(work, on_success, on_failure, owner))

    def stream(self, pieces: Callable[[], Iterable[T]], on_piece: Callable[[T], None],
               on_done: Callable[[bool], None], until: Callable[[], bool], owner: QObject | None = None) -> None:
        """Produce `pieces` on the runner's thread and hand each to `on_piece` on the GUI thread; stop
        early when `until()` says so; `on_done(ok)` at the end (ok False: producing one failed)."""
        relay = _PieceRelay()
        relay.piece.connect(lambda piece: on_piece(piece) if owner is None or Shiboken.isValid(owner) else None)

        def work() -> None:
            for piece in pieces():
                if until():
                    return
                relay.piece.emit(piece)

        def failed(exc: Exception) -> None:
            log.error("background work failed: %s", exc, exc_info=exc)
            on_done(False)

        def done(_none: None) -> None:
            relay.deleteLater()
            on_done(True)

        self.run(work, done, failed, owner)

    def _deliver(self, job: Job[object]) -> None:
        self._pending -= 1
        ok, value = job.outcome
        if job.alive():
            if ok and job.on_success is not None:
                job.on_success(value)
            elif not ok:
                assert isinstance(value, Exception)
                if job.on_failure is not None:
                    job.on_failure(value)
                else:
                    log.error("background work failed: %s", value, exc_info=value)
        if not self._pending:
            self.idle.emit()

    def shutdown(self, wait_ms: int = 15000) -> None:
        """Finish the running job (queued ones are dropped with the thread) and end the thread (once)."""
        if not self._thread.isRunning():
            return
        self._submit.disconnect(self._executor.execute)
        self._thread.quit()
        if not self._thread.wait(wait_ms):
            log.error("the %s thread did not stop in time", self._thread.objectName())
            self._thread.terminate()
            self._thread.wait(2000)


class _PieceRelay(QObject):
    """Carries pieces from the runner's thread to the GUI thread, in order."""

    piece = Signal(object)


_shared: dict[str, BackgroundRunner] = {}


def shared_runner(name: str) -> BackgroundRunner:
    """One runner per name for the whole app (e.g. rendering the rest of big pages), ended with it."""
    runner = _shared.get(name)
    if runner is None or not Shiboken.isValid(runner):
        from PySide6.QtCore import QCoreApplication

        app = QCoreApplication.instance()
        runner = BackgroundRunner(name, app)
        if app is not None:
            app.aboutToQuit.connect(runner.shutdown)
        if not _shared:
            atexit.register(_stop_shared)
        _shared[name] = runner
    return runner


def _stop_shared() -> None:
    """At exit, whatever ended the event loop: no thread of a shared runner outlives the app."""
    for runner in _shared.values():
        if Shiboken.isValid(runner) and runner._thread.isRunning():
            runner.shutdown(5000)
