"""Queries off the GUI thread: only the newest query's results (and suggestions) are delivered."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Signal

from nexus_desktop.ui.background import BackgroundRunner

if TYPE_CHECKING:
    from nexus_desktop.core.index import SearchIndex
    from nexus_desktop.core.search import SearchResults

log = logging.getLogger(__name__)

RESULTS_LIMIT = 50


class Searcher(Protocol):
    """What the service asks (core.search.Searcher; tests hand in fakes)."""

    def search(self, text: str, *, limit: int, as_you_type: bool, suggest: bool,
               correct: bool = True) -> SearchResults: ...

    def suggest(self, text: str) -> str | None: ...


SearcherFactory = Callable[["SearchIndex"], Searcher]


class SearchService(QObject):
    """Runs queries one at a time on the search runner's thread; a newer request makes older ones moot."""

    results = Signal(int, object)   # seq, SearchResults (newest only)
    failed = Signal(int, str)       # seq, what went wrong, for the user
    suggested = Signal(int, str)    # seq, a corrected query
    started = Signal(int, str)      # seq, text (a query began to run)
    damaged = Signal(str)           # the index was found damaged and set aside: rebuild it, then refresh()

    def __init__(self, parent: QObject | None = None, searcher_factory: SearcherFactory | None = None) -> None:
        super().__init__(parent)
        self._latest = 0
        self._factory = searcher_factory
        self._runner = BackgroundRunner("nexus-search", self)
        # Touched only on the runner's thread:
        self._searcher: Searcher | None = None
        self._index: SearchIndex | None = None
        self._pending: tuple[int, str, bool] | None = None

    @property
    def latest(self) -> int:
        return self._latest

    def request(self, text: str, correct: bool = True) -> int:
        """Queue a query; returns its sequence number (older queued queries are dropped). `correct`:
        unknown words may be respelled (False: search the words as typed)."""
        self._latest += 1
        seq = self._latest
        self._runner.run(lambda: self._search(seq, text, correct), lambda results: self._deliver(seq, results),
                         lambda exc: self._fail(seq, exc))
        return seq

    def cancel(self) -> None:
        """Forget every query asked so far (the field was cleared)."""
        self._latest += 1

    def request_suggestion(self, seq: int, text: str) -> None:
        """A corrected query for few results, computed after they are shown (it is slower)."""
        self._runner.run(lambda: self._suggest(seq, text), lambda suggestion: self._suggested(seq, suggestion),
                         lambda exc: log.warning("no suggestion for %r: %s", text, exc))

    def set_index(self, index: SearchIndex) -> None:
        """Search this index from now on (a query asked before it was there runs now)."""
        self._runner.run(lambda: self._open(index), self._deliver_pending,
                         lambda exc: self._fail(self._latest, exc, "The search index could not be opened: "))

    def refresh(self) -> None:
        """The index changed on disk (new segments, a merge): search it anew."""
        self._runner.run(lambda: self._open(self._index) if self._index is not None else None,
                         self._deliver_pending,
                         lambda exc: self._fail(self._latest, exc, "The search index could not be opened: "))

    def shutdown(self) -> None:
        self._latest += 1
        self._runner.shutdown(5000)

    # --- on the runner's thread ----------------------------------------------------------------
    def _open(self, index: SearchIndex) -> tuple[int, str, bool] | None:
        """A new searcher for `index`; returns the query that waited for it, if any."""
        self._index = index
        if self._factory is not None:
            searcher = self._factory(index)
        else:
            from nexus_desktop.core.search import Searcher as CoreSearcher

            searcher = CoreSearcher(index)
        old, self._searcher = self._searcher, searcher
        close = getattr(old, "close", None)
        if close is not None:
            try:
                close()
            except Exception as exc:  # noqa: BLE001 - the old searcher is gone either way
                log.warning("closing a searcher failed: %s", exc)
        pending, self._pending = self._pending, None
        return pending

    def _search(self, seq: int, text: str, correct: bool = True) -> SearchResults | None:
        if seq != self._latest:
            return None  # a newer keystroke came in: this query no longer matters
        if self._searcher is None:
            self._pending = (seq, text, correct)
            return None
        self.started.emit(seq, text)
        from nexus_desktop.core.index import IndexDamaged

        try:
            return self._searcher.search(text, limit=RESULTS_LIMIT, as_you_type=True, suggest=False,
                                        correct=correct)
        except IndexDamaged:
            self._pending = (seq, text, correct)  # asked again once the rebuilt index is there (refresh)
            raise

    def _suggest(self, seq: int, text: str) -> str | None:
        if seq != self._latest or self._searcher is None:
            return None
        return self._searcher.suggest(text)

    # --- on the GUI thread ---------------------------------------------------------------------
    def _deliver(self, seq: int, results: SearchResults | None) -> None:
        if results is not None and seq == self._latest:
            self.results.emit(seq, results)

    def _deliver_pending(self, pending: tuple[int, str, bool] | None) -> None:
        if pending is not None and pending[0] == self._latest:
            seq, text, correct = pending
            self._runner.run(lambda: self._search(seq, text, correct), lambda results: self._deliver(seq, results),
                             lambda exc: self._fail(seq, exc))

    def _suggested(self, seq: int, suggestion: str | None) -> None:
        if suggestion and seq == self._latest:
            self.suggested.emit(seq, suggestion)

    def _fail(self, seq: int, exc: Exception, prefix: str = "") -> None:
        from nexus_desktop.core.index import IndexDamaged
        from nexus_desktop.core.search import BadQuery

        if isinstance(exc, IndexDamaged):  # not a failure of the query: the index is rebuilt, the query waits
            log.warning("the search index was found damaged: %s", exc)
            self.damaged.emit(f"{exc} Rebuilding it; your search runs again when it is done.")
            return
        if not isinstance(exc, BadQuery):
            log.error("searching failed: %s", exc, exc_info=exc)
        message = f"{prefix}{exc}" if prefix else str(exc) if isinstance(exc, BadQuery) else f"Search failed: {exc}"
        if seq == self._latest:
            self.failed.emit(seq, message)
