"""Background work: building and updating the index, merging it, and running searches off the GUI thread."""

from __future__ import annotations

import gc
import logging
import os
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QStyle

log = logging.getLogger(__name__)


@dataclass
class LibrarySnapshot:
    """What the GUI needs after (re)indexing: the workspace, its catalog and ready renderers."""

    workspace: Any
    catalog: list[Any]
    renderers: dict[str, Any] = field(default_factory=dict)
    read_only: bool = False
    folders: list[str] = field(default_factory=list)
    tree: Any = None     # library_panel.LibraryTree, built on the worker thread (38k rows stall no GUI)
    matcher: Any = None  # core.fuzzy.FuzzyMatcher over titles and aliases, for quick open
    refs: dict[str, Any] = field(default_factory=dict)  # entry id -> core.links.EntryRef
    overview_html: str = ""  # the generated start page's library part (counts over the whole catalog)
    resolver: Any = None     # core.links.LinkResolver: the GUI thread gives it to the renderers (use_resolver)

    def use_resolver(self) -> None:
        """On the GUI thread, which renders with them: the renderers resolve links by this snapshot."""
        if self.resolver is not None:
            for renderer in self.renderers.values():
                renderer.resolver = self.resolver


MAX_WATCHED_FOLDERS = 2000
QUICK_REINDEX_FOLDERS = 16  # watcher changes in up to this many folders are indexed in the worker thread


def library_folders(roots: list[Any]) -> list[str]:
    """The root folders and their (non-hidden) subfolders, for the file system watcher."""
    out: list[str] = []
    for root in roots:
        stack = [str(root.path)]
        while stack and len(out) < MAX_WATCHED_FOLDERS:
            folder = stack.pop()
            out.append(folder)
            try:
                with os.scandir(folder) as it:
                    for child in it:
                        if not child.name.startswith(".") and child.is_dir(follow_symlinks=False):
                            stack.append(child.path)
            except OSError:
                continue
    return out


@contextmanager
def collector_paused() -> Iterator[None]:
    """Build a big snapshot without Python's cyclic garbage collector: each full pass over the
    catalog's 10^5 objects holds the interpreter lock for 100+ ms, which the window would feel as a
    freeze. What the build leaves is frozen: out of the collector's sight, still freed by reference
    counting when a newer snapshot replaces it (snapshots are built without reference cycles)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


class LibraryWorker(QObject):
    """Lives on its own thread: opens the workspace (importing Whoosh there) and builds what the GUI
    shows; the indexing itself runs in a child process whose events it turns into signals."""

    opened = Signal(object)          # LibrarySnapshot, as soon as the existing index is open
    progress = Signal(int, int)      # done, total
    indexed = Signal(object, object)  # IndexReport | None, LibrarySnapshot
    partial = Signal(object)          # LibrarySnapshot: part of a first build is searchable
    busy = Signal(str)               # another process holds the index lock: read-only
    notice = Signal(str)             # something the user should know (index rebuilt, ...)
    failed = Signal(str)
    merged = Signal()

    def __init__(self, data_dir: str | None, content: list[str] | None) -> None:
        super().__init__()
        self.data_dir = data_dir
        self.content = content
        self.workspace: Any = None
        self.folder_icon = QIcon()  # set on the GUI thread by LibraryService (styles live there)
        self.stopping = False
        self._started = False
        self._renderers: dict[str, Any] = {}
        self._overview_renderer: Any = None
        self._child: subprocess.Popen[str] | None = None
        self._child_lock = threading.Lock()

    def _cancelled(self) -> bool:
        return self.stopping

    def stop(self) -> None:
        """Stop indexing (any thread): the child process is ended, nothing more is emitted."""
        self.stopping = True
        with self._child_lock:
            child = self._child
        if child is not None and child.poll() is None:
            child.terminate()

    def _snapshot(self, read_only: bool = False) -> LibrarySnapshot:
        from nexus_desktop.core.fuzzy import FuzzyMatcher
        from nexus_desktop.core.start_page import RootInfo, library_overview_markdown
        from nexus_desktop.ui.library_panel import build_library_tree

        with collector_paused():
            catalog = self.workspace.index.catalog()
            resolver = self.workspace.resolver(catalog)  # its refs serve bookmarks too
            folders = library_folders(self.workspace.roots)
            tree = build_library_tree(catalog, self.workspace.roots, self.folder_icon)
            tree.model.moveToThread(QCoreApplication.instance().thread())
            matcher = FuzzyMatcher([(item.title or item.id, *item.aliases) for item in catalog])
            roots = [RootInfo(r.name, str(r.path)) for r in self.workspace.roots]
            self._overview_renderer.resolver = resolver
            overview = self._overview_renderer.render_text(library_overview_markdown(roots, catalog))
        return LibrarySnapshot(self.workspace, catalog, dict(self._renderers), read_only, folders, tree, matcher,
                               resolver.refs, overview, resolver)

    def _open_workspace(self) -> None:
        from nexus_desktop.core.workspace import Workspace

        self.workspace, notices = Workspace.for_run(self.data_dir, self.content)
        # The GUI thread renders with these (each snapshot brings them its link resolver: use_resolver);
        # this thread renders the start page's overview with its own.
        from nexus_desktop.core.links import LinkResolver

        self._renderers = {name: self.workspace.renderer(name, LinkResolver()) for name in ("light", "dark")}
        self._overview_renderer = self.workspace.renderer("light", LinkResolver())
        for text in notices:
            self.notice.emit(text)
        self.workspace.index.open()
        for text in self.workspace.index.notices:
            self.notice.emit(text)
        self.workspace.index.notices.clear()

    @Slot()
    def start(self) -> None:
        """Open the library and its index, show what is there, then bring the index up to date."""
        if self._started:
            return
        self._started = True
        try:
            self._open_workspace()
            self.opened.emit(self._snapshot())
        except Exception as exc:  # noqa: BLE001 - shown to the user, never a crash
            log.exception("opening the library failed")
            self.failed.emit(f"The library could not be opened: {exc}")
            return
        self._update(merge=True)

    @Slot(list)
    def reindex(self, folders: list[str] | None = None) -> None:
        """Bring the index up to date after a watcher saw these folders change: a few folders are
        re-indexed here at once; many (a checkout, a copied tree), or none named, go to a full update."""
        if self.workspace is None or self.stopping:
            return
        if folders and len(folders) <= QUICK_REINDEX_FOLDERS:
            from nexus_desktop.core.index import IndexBusy

            try:
                report = self.workspace.index.update_folders(self.workspace.roots, [Path(f) for f in folders])
            except IndexBusy:
                pass  # another Nexus process is writing: the full update below says so (read-only)
            except Exception as exc:  # noqa: BLE001 - reported, never a crash
                log.exception("re-indexing %s failed", folders)
                self.failed.emit(f"Re-indexing failed: {exc}")
                return
            else:
                self._apply_event({"event": "indexed", "report": report.to_json()})
                return
        self._update(merge=False)

    @Slot()
    def reload_roots(self) -> None:
        """The user's roots changed: build the workspace anew and index."""
        if self.stopping:
            return
        try:
            self._open_workspace()
        except Exception as exc:  # noqa: BLE001
            self.failed.emit(f"The library could not be opened: {exc}")
            return
        self._update(merge=True, force_snapshot=True)

    def _update(self, merge: bool, force_snapshot: bool = False) -> None:
        """Run the indexing job (core.indexing) and apply its events; in a child process when possible.

        `force_snapshot`: send a fresh snapshot even when nothing was indexed (the roots changed)."""
        from nexus_desktop.core.indexing import run_job

        def apply(event: dict[str, Any]) -> None:
            self._apply_event(event, force_snapshot)

        try:
            self._run_child(merge, apply)
        except OSError as exc:  # no child process possible here: index in this thread instead
            log.warning("indexing in the app's process: the indexing process could not start (%s)", exc)
            run_job(self.workspace, apply, merge=merge, cancel=self._cancelled)

    def _run_child(self, merge: bool, apply: Callable[[dict[str, Any]], None]) -> None:
        from nexus_desktop.core.indexing import child_command, child_environment, parse_event

        command = child_command(self.data_dir, self.content, merge)
        with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as errors:
            with self._child_lock:
                if self.stopping:
                    return
                self._child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                               stderr=errors, text=True, encoding="utf-8", errors="replace",
                                               env=child_environment())
            child = self._child
            ended = False
            assert child.stdout is not None
            for line in child.stdout:
                event = parse_event(line)
                if event is not None and not self.stopping:
                    ended = ended or event["event"] in ("indexed", "busy", "failed")
                    apply(event)
            code = child.wait()
            with self._child_lock:
                self._child = None
            if not ended and not self.stopping:
                errors.seek(0)
                self._child_died(code, errors.read())

    def _child_died(self, code: int, stderr: str) -> None:
        log.error("the indexing process ended with code %s: %s", code, stderr.strip()[-4000:])
        last = next((line for line in reversed(stderr.strip().splitlines()) if line.strip()), "")
        detail = last.removeprefix("nexus-desktop: ") if last else f"the indexing process ended with code {code}"
        self.failed.emit(f"Indexing failed: {detail}")

    def _apply_event(self, event: dict[str, Any], force_snapshot: bool = False) -> None:
        """One event of the indexing job, as signals; a failure to apply it is reported, never raised."""
        try:
            self._signal_event(event, force_snapshot)
        except Exception as exc:  # noqa: BLE001 - e.g. the index could not be read for a snapshot
            log.exception("applying the indexing event %r failed", event.get("event"))
            self.failed.emit(f"The library could not be updated: {exc}")

    def _signal_event(self, event: dict[str, Any], force_snapshot: bool) -> None:
        from nexus_desktop.core.indexing import report_from_json

        kind = event["event"]
        if kind == "progress":
            self.progress.emit(int(event["done"]), int(event["total"]))
        elif kind == "partial":
            self.partial.emit(self._snapshot())
        elif kind == "notice":
            self.notice.emit(str(event["text"]))
        elif kind == "log":
            log.warning("%s", event["text"])
        elif kind == "busy":
            self.busy.emit(f"{event['text']} Searching read-only.")
            self.indexed.emit(None, self._snapshot(read_only=True))
        elif kind == "failed":
            log.error("%s", event["text"])
            self.failed.emit(str(event["text"]))
        elif kind == "indexed":
            report = report_from_json(event["report"])
            changed = report.changed or force_snapshot
            self.indexed.emit(report, self._snapshot() if changed else None)
        elif kind == "merged":
            self.merged.emit()


class _SearchWorker(QObject):
    done = Signal(int, object)        # seq, SearchResults
    failed = Signal(int, str)         # seq, message
    suggested = Signal(int, str)      # seq, suggestion
    started = Signal(int, str)        # seq, text (a query began to run)

    def __init__(self, latest: list[int], factory: Callable[[Any], Any] | None) -> None:
        super().__init__()
        self.latest = latest
        self.factory = factory
        self.searcher: Any = None
        self.index: Any = None
        self.pending: tuple[int, str] | None = None

    @Slot(object)
    def set_index(self, index: Any) -> None:
        self.index = index
        old = self.searcher
        try:
            if self.factory is not None:
                self.searcher = self.factory(index)
            else:
                from nexus_desktop.core.search import Searcher
                self.searcher = Searcher(index)
        except Exception as exc:  # noqa: BLE001 - the search panel says so instead of staying empty
            log.exception("opening a searcher failed")
            self.failed.emit(self.latest[0], f"The search index could not be opened: {exc}")
            return
        if old is not None and hasattr(old, "close"):
            try:
                old.close()
            except Exception:  # noqa: BLE001
                pass
        if self.pending is not None:
            seq, text = self.pending
            self.pending = None
            self.run(seq, text)

    @Slot()
    def refresh(self) -> None:
        # A new searcher (as core's Searcher.refresh does), built by the factory tests may inject.
        if self.index is not None:
            self.set_index(self.index)

    @Slot(int, str)
    def run(self, seq: int, text: str) -> None:
        if seq != self.latest[0]:
            return  # a newer keystroke came in: this query no longer matters
        if self.searcher is None:
            self.pending = (seq, text)
            return
        self.started.emit(seq, text)
        try:
            results = self.searcher.search(text, limit=50, as_you_type=True, suggest=False)
        except Exception as exc:  # noqa: BLE001 - BadQuery explains itself; anything else is reported
            from nexus_desktop.core.search import BadQuery
            self.failed.emit(seq, str(exc) if isinstance(exc, BadQuery) else f"Search failed: {exc}")
            return
        if seq == self.latest[0]:
            self.done.emit(seq, results)

    @Slot(int, str)
    def suggest(self, seq: int, text: str) -> None:
        if seq != self.latest[0] or self.searcher is None:
            return
        try:
            suggestion = self.searcher.suggest(text)
        except Exception:  # noqa: BLE001
            return
        if suggestion and seq == self.latest[0]:
            self.suggested.emit(seq, suggestion)


class SearchService(QObject):
    """Runs queries on a worker thread; only the newest query's results are delivered."""

    results = Signal(int, object)   # seq, SearchResults (newest only)
    failed = Signal(int, str)
    suggested = Signal(int, str)
    started = Signal(int, str)
    _run = Signal(int, str)
    _suggest = Signal(int, str)
    _set_index = Signal(object)
    _refresh = Signal()

    def __init__(self, parent: QObject | None = None,
                 searcher_factory: Callable[[Any], Any] | None = None) -> None:
        super().__init__(parent)
        self._latest = [0]
        self._thread = QThread()
        self._thread.setObjectName("nexus-search")
        self._worker = _SearchWorker(self._latest, searcher_factory)
        self._worker.moveToThread(self._thread)
        self._run.connect(self._worker.run)
        self._suggest.connect(self._worker.suggest)
        self._set_index.connect(self._worker.set_index)
        self._refresh.connect(self._worker.refresh)
        self._worker.done.connect(self._on_done)
        self._worker.failed.connect(self._on_failed)
        self._worker.suggested.connect(self._on_suggested)
        self._worker.started.connect(self.started)
        self._thread.start()

    @property
    def latest(self) -> int:
        return self._latest[0]

    def request(self, text: str) -> int:
        """Queue a query; returns its sequence number (older queued queries are dropped)."""
        self._latest[0] += 1
        seq = self._latest[0]
        self._run.emit(seq, text)
        return seq

    def cancel(self) -> None:
        """Forget every query asked so far (the field was cleared)."""
        self._latest[0] += 1

    def request_suggestion(self, seq: int, text: str) -> None:
        self._suggest.emit(seq, text)

    def set_index(self, index: Any) -> None:
        self._set_index.emit(index)

    def refresh(self) -> None:
        self._refresh.emit()

    def _on_done(self, seq: int, results: object) -> None:
        if seq == self._latest[0]:
            self.results.emit(seq, results)

    def _on_failed(self, seq: int, message: str) -> None:
        if seq == self._latest[0]:
            self.failed.emit(seq, message)

    def _on_suggested(self, seq: int, suggestion: str) -> None:
        if seq == self._latest[0]:
            self.suggested.emit(seq, suggestion)

    def shutdown(self) -> None:
        self._latest[0] += 1
        self._thread.quit()
        self._thread.wait(5000)


class LibraryService(QObject):
    """Owns the library worker's thread; the GUI talks to it through these methods and the worker's signals."""

    _start = Signal()
    _reindex = Signal(list)
    _reload = Signal()

    def __init__(self, data_dir: str | None, content: list[str] | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("nexus-index")
        self.worker = LibraryWorker(data_dir, content)
        self.worker.folder_icon = QApplication.style().standardIcon(QStyle.StandardPixmap.SP_DirIcon)
        self.worker.moveToThread(self._thread)
        self._start.connect(self.worker.start)
        self._reindex.connect(self.worker.reindex)
        self._reload.connect(self.worker.reload_roots)
        self._thread.start()

    def start(self) -> None:
        self._start.emit()

    def reindex(self, folders: list[str] | None = None) -> None:
        """Re-index after changes on disk in these folders (all of the library when none are named)."""
        self._reindex.emit(list(folders or []))

    def reload_roots(self) -> None:
        self._reload.emit()

    def shutdown(self) -> None:
        self.worker.stop()
        self._thread.quit()
        if not self._thread.wait(15000):
            self._thread.terminate()
            self._thread.wait(2000)
