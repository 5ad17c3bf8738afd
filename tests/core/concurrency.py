"""Test helper: reads on several threads while one thread writes, with every exception they raised."""

from __future__ import annotations

import threading
from collections.abc import Callable


def reads_during_writes(read: Callable[[], None], write: Callable[[int], None], writes: int,
                        readers: int = 4) -> list[BaseException]:
    """Call write(0), ..., write(writes - 1) on one thread while `readers` threads call read() until the
    writes are done (or something failed); returns what any of them raised (an AssertionError from
    read() is a half-written state it saw)."""
    done = threading.Event()
    errors: list[BaseException] = []

    def guarded(work: Callable[[], None]) -> None:
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - a thread's exception would be lost: returned instead
            errors.append(exc)
            done.set()

    def reading() -> None:
        while not done.is_set():
            read()

    def writing() -> None:
        try:
            for n in range(writes):
                write(n)
        finally:
            done.set()

    threads = [threading.Thread(target=guarded, args=(reading,)) for _ in range(readers)]
    threads.append(threading.Thread(target=guarded, args=(writing,)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors
