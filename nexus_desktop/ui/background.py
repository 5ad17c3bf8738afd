"""The one way to run work off the GUI thread: a runner with its own thread, jobs in order, and
success/failure callbacks delivered on the GUI thread (the spirit of Anki's QueryOp).

The runner's thread is a plain Python thread, never a QThread hosting Python objects: PySide looks up a
Python QObject's meta-object without holding the GIL when it delivers a queued call on another thread,
and on Python 3.11 that lookup reads a type table which the GUI thread changes whenever it creates a Qt
class (a lazy import, PySide's lazily created types). A start-up that raced with it crashed the app
(SIGSEGV in MetaObjectBuilder::update). Work on the runner's thread therefore calls Qt only from Python,
holding the GIL (it emits signals; it never connects them, which PySide does without the GIL); every
Python QObject lives on the GUI thread, and modules defining Qt classes are imported there first
(tests/ui/test_threads.py)."""

from __future__ import annotations

import atexit
import logging
import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from PySide6.QtCore import QObject, Signal, Slot
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

    def execute(self) -> None:
        """Run the work and keep its result, or the exception it raised, as the outcome."""
        try:
            self.outcome = (True, self.work())
        except Exception as exc:  # noqa: BLE001 - handed to on_failure (or logged) on the GUI thread
            self.outcome = (False, exc)


class BackgroundRunner(QObject):
    """Runs jobs one after the other on a thread of its own, named after it (threading.enumerate, logs)."""

    _finished = Signal(object)  # a Job with its outcome: emitted on the runner's thread, handled on the GUI's
    idle = Signal()  # every job handed in so far has finished

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pending = 0
        self._jobs: queue.SimpleQueue[Job[object] | None] = queue.SimpleQueue()
        self._stopping = threading.Event()
        self._finished.connect(self._deliver)
        # A daemon: a job still running when the app ends (a big import, a stuck disk) cannot hold up the exit.
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()
        jobs, stopping = self._jobs, self._stopping  # not self: it is being deleted when this runs

        def end_thread(*_args: object) -> None:
            """The runner was deleted without a shutdown: its thread ends all the same."""
            stopping.set()
            jobs.put(None)

        self.destroyed.connect(end_thread)

    @property
    def busy(self) -> bool:
        """Whether a job is queued or running."""
        return self._pending > 0

    def run(self, work: Callable[[], T], on_success: Callable[[T], None] | None = None,
            on_failure: Failure | None = None, owner: QObject | None = None) -> None:
        """Run `work` on the runner's thread; its result (or exception) goes to the callbacks on the GUI
        thread. A failure without `on_failure` is logged, never lost."""
        if self._stopping.is_set():
            return
        self._pending += 1
        self._jobs.put(Job(work, on_success, on_failure, owner))  # type: ignore[arg-type]

    def stream(self, pieces: Callable[[], Iterable[T]], on_piece: Callable[[T], None],
               on_done: Callable[[bool], None], until: Callable[[], bool], owner: QObject | None = None) -> None:
        """Produce `pieces` on the runner's thread and hand each to `on_piece` on the GUI thread; stop
        early when `until()` says so; `on_done(ok)` at the end (ok False: producing one failed)."""
        relay = _PieceRelay()
        relay.piece.connect(lambda piece: on_piece(piece) if owner is None or Shiboken.isValid(owner) else None)

        def work() -> None:
            for piece in pieces():
                if until() or self._stopping.is_set():
                    return
                relay.piece.emit(piece)

        def failed(exc: Exception) -> None:
            log.error("background work failed: %s", exc, exc_info=exc)
            on_done(False)

        def done(_none: None) -> None:
            relay.deleteLater()
            on_done(True)

        self.run(work, done, failed, owner)

    def _serve(self) -> None:
        """The runner's thread: each job in turn, its outcome handed to the GUI thread, until shut down."""
        while (job := self._jobs.get()) is not None:
            if self._stopping.is_set():
                continue  # dropped: the runner is shutting down (the sentinel ends the loop)
            job.execute()
            if self._stopping.is_set():
                continue
            try:
                self._finished.emit(job)
            except RuntimeError:  # the runner was deleted without a shutdown: nobody is waiting
                return

    @Slot(object)
    def _deliver(self, job: Job[object]) -> None:
        if self._stopping.is_set():
            return  # finished just before the shutdown, delivered after it: dropped like the queued ones
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
        """Finish the running job (queued ones are dropped, no callback runs after this) and end the
        thread (once). A job that outlasts `wait_ms` is left to end on its own: its thread is a daemon."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        self._jobs.put(None)
        self._thread.join(wait_ms / 1000)
        if self._thread.is_alive():
            log.error("the %s thread did not stop in time", self._thread.name)


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
        if Shiboken.isValid(runner):
            runner.shutdown(5000)
