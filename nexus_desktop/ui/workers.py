"""The library off the GUI thread: opening it, the indexing child process's events as signals, and the
IndexedLibrary each index state gives the GUI."""

from __future__ import annotations

import gc
import logging
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QStyle

from nexus_desktop.core.disk import library_folders
from nexus_desktop.ui.background import BackgroundRunner
# library_panel defines Qt classes: imported here, on the GUI thread, not first by the worker (background.py)
from nexus_desktop.ui.library_panel import LibraryTree, build_library_tree

if TYPE_CHECKING:
    from nexus_desktop.core.fuzzy import FuzzyMatcher
    from nexus_desktop.core.index import CatalogItem
    from nexus_desktop.core.indexing import Event
    from nexus_desktop.core.links import EntryRef, LinkResolver
    from nexus_desktop.core.render import Renderer
    from nexus_desktop.core.workspace import Workspace

log = logging.getLogger(__name__)


@dataclass
class IndexedLibrary:
    """What the GUI needs after (re)indexing: the workspace, its catalog and ready renderers."""

    workspace: Workspace
    catalog: list[CatalogItem]
    renderers: dict[str, Renderer] = field(default_factory=dict)
    read_only: bool = False
    folders: list[str] = field(default_factory=list)
    tree: LibraryTree | None = None     # built on the worker thread (38k rows stall no GUI)
    matcher: FuzzyMatcher | None = None  # over titles and aliases, for quick open
    refs: dict[str, EntryRef] = field(default_factory=dict)  # entry id -> what bookmarks are reconciled with
    overview_html: str = ""  # the generated start page's library part (counts over the whole catalog)
    resolver: LinkResolver | None = None  # the GUI thread gives it to the renderers (use_resolver)

    def use_resolver(self) -> None:
        """On the GUI thread, which renders with them: the renderers resolve links by this library."""
        if self.resolver is not None:
            for renderer in self.renderers.values():
                renderer.resolver = self.resolver


QUICK_REINDEX_FOLDERS = 16  # watcher changes in up to this many folders are indexed in the worker thread


@contextmanager
def collector_paused() -> Iterator[None]:
    """Build a big IndexedLibrary without Python's cyclic garbage collector: each full pass over the
    catalog's 10^5 objects holds the interpreter lock for 100+ ms, which the window would feel as a
    freeze. What the build leaves is frozen: out of the collector's sight, still freed by reference
    counting when a newer one replaces it (they are built without reference cycles)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


class LibraryWorker(QObject):
    """Works on the library runner's thread (the object itself, like every Python QObject, lives on the
    GUI thread): opens the workspace (importing Whoosh there) and builds what the GUI shows; the indexing
    itself runs in a child process whose events it turns into signals."""

    opened = Signal(object)          # IndexedLibrary, as soon as the existing index is open
    progress = Signal(object)        # core.indexing.IndexingProgress
    indexed = Signal(object, object)  # IndexReport | None, IndexedLibrary
    partial = Signal(object)          # IndexedLibrary: part of a first build is searchable
    busy = Signal(str)               # another process holds the index lock: read-only
    notice = Signal(str)             # something the user should know (index rebuilt, ...)
    failed = Signal(str)
    merged = Signal()

    def __init__(self, data_dir: str | None, content: list[str] | None) -> None:
        super().__init__()
        self.data_dir = data_dir
        self.content = content
        self.workspace: Workspace | None = None
        self.folder_icon = QIcon()  # set on the GUI thread by LibraryService (styles live there)
        self.stopping = False
        self._started = False
        self._renderers: dict[str, Renderer] = {}
        self._overview_renderer: Renderer | None = None
        self._child: subprocess.Popen[str] | None = None
        self._child_lock = threading.Lock()
        self._library_size: int | None = None  # the last progress event's total

    def _cancelled(self) -> bool:
        return self.stopping

    def stop(self) -> None:
        """Stop indexing (any thread): the child process is ended, nothing more is emitted."""
        self.stopping = True
        with self._child_lock:
            child = self._child
        if child is not None and child.poll() is None:
            child.terminate()

    def _indexed_library(self, read_only: bool = False, library_size: int | None = None) -> IndexedLibrary:
        """`library_size`: the entries a first index is reading (the start page says its counts are partial)."""
        from nexus_desktop.core.fuzzy import FuzzyMatcher
        from nexus_desktop.core.start_page import RootInfo, library_overview_markdown

        workspace, overview_renderer, app = self.workspace, self._overview_renderer, QCoreApplication.instance()
        assert workspace is not None and overview_renderer is not None, "the workspace is opened first"
        assert app is not None, "the worker serves a running app"
        with collector_paused():
            catalog = workspace.index.catalog()
            resolver = workspace.resolver(catalog)  # its refs serve bookmarks too
            folders = library_folders(root.path for root in workspace.roots)
            tree = build_library_tree(catalog, workspace.roots, self.folder_icon)
            tree.model.moveToThread(app.thread())
            matcher = FuzzyMatcher([(item.title or item.id, *item.aliases) for item in catalog])
            roots = [RootInfo(r.name, str(r.path)) for r in workspace.roots]
            overview_renderer.resolver = resolver
            overview = overview_renderer.render_text(library_overview_markdown(roots, catalog, library_size))
        return IndexedLibrary(workspace, catalog, dict(self._renderers), read_only, folders, tree, matcher,
                               resolver.refs, overview, resolver)

    def _open_workspace(self) -> None:
        from nexus_desktop.core.workspace import Workspace

        self.workspace, notices = Workspace.for_run(self.data_dir, self.content)
        # The GUI thread renders with these (each IndexedLibrary brings them its link resolver: use_resolver);
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

    def start(self) -> None:
        """Open the library and its index, show what is there, then bring the index up to date."""
        if self._started:
            return
        self._started = True
        try:
            self._open_workspace()
            self.opened.emit(self._indexed_library())
        except Exception as exc:
            log.exception("opening the library failed")
            self.failed.emit(f"The library could not be opened: {exc}")
            return
        self._update(merge=True)

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
            except Exception as exc:
                log.exception("re-indexing %s failed", folders)
                self.failed.emit(f"Re-indexing failed: {exc}")
                return
            else:
                self._apply_event({"event": "indexed", "report": report.to_json()})
                return
        self._update(merge=False)

    def reload_roots(self) -> None:
        """The user's roots changed: build the workspace anew and index."""
        if self.stopping:
            return
        try:
            self._open_workspace()
        except Exception as exc:  # noqa: BLE001
            self.failed.emit(f"The library could not be opened: {exc}")
            return
        self._update(merge=True, roots_changed=True)

    def _update(self, merge: bool, roots_changed: bool = False) -> None:
        """Run the indexing job (core.indexing) and apply its events; in a child process when possible.

        `roots_changed`: the roots changed, so an IndexedLibrary is sent even when nothing was indexed."""
        from nexus_desktop.core.indexing import run_job

        workspace = self.workspace
        assert workspace is not None, "the workspace is opened first"

        def apply(event: Event) -> None:
            self._apply_event(event, roots_changed)

        try:
            self._run_child(merge, apply)
        except OSError as exc:  # no child process possible here: index in this thread instead
            log.warning("indexing in the app's process: the indexing process could not start (%s)", exc)
            run_job(workspace, apply, merge=merge, cancel=self._cancelled)

    def _run_child(self, merge: bool, apply: Callable[[Event], None]) -> None:
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

    def _apply_event(self, event: Event, roots_changed: bool = False) -> None:
        """One event of the indexing job, as signals; a failure to apply it is reported, never raised."""
        try:
            self._signal_event(event, roots_changed)
        except Exception as exc:
            log.exception("applying the indexing event %r failed", event.get("event"))
            self.failed.emit(f"The library could not be updated: {exc}")

    def _signal_event(self, event: Event, roots_changed: bool) -> None:
        from nexus_desktop.core.indexing import IndexingProgress, report_from_json

        kind = event["event"]
        if kind == "progress":
            self._library_size = int(event["total"])
            self.progress.emit(IndexingProgress.from_event(event))
        elif kind == "partial":
            self.partial.emit(self._indexed_library(library_size=self._library_size))
        elif kind == "notice":
            self.notice.emit(str(event["text"]))
        elif kind == "log":
            log.warning("%s", event["text"])
        elif kind == "busy":
            self.busy.emit(f"{event['text']} Searching read-only.")
            self.indexed.emit(None, self._indexed_library(read_only=True))
        elif kind == "failed":
            log.error("%s", event["text"])
            self.failed.emit(str(event["text"]))
        elif kind == "indexed":
            report = report_from_json(event["report"])
            changed = report.changed or roots_changed
            self.indexed.emit(report, self._indexed_library() if changed else None)
        elif kind == "merged":
            self.merged.emit()


class LibraryService(QObject):
    """Runs the library worker's jobs on the library runner's thread; the GUI talks to it through these
    methods and the worker's signals."""

    def __init__(self, data_dir: str | None, content: list[str] | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = BackgroundRunner("nexus-index", self)
        self.worker = LibraryWorker(data_dir, content)
        self.worker.folder_icon = QApplication.style().standardIcon(QStyle.StandardPixmap.SP_DirIcon)

    def start(self) -> None:
        self._runner.run(self.worker.start, on_failure=self._crashed)

    def reindex(self, folders: list[str] | None = None) -> None:
        """Re-index after changes on disk in these folders (all of the library when none are named)."""
        wanted = list(folders or [])
        self._runner.run(lambda: self.worker.reindex(wanted), on_failure=self._crashed)

    def reload_roots(self) -> None:
        self._runner.run(self.worker.reload_roots, on_failure=self._crashed)

    def _crashed(self, exc: Exception) -> None:
        log.error("library work failed: %s", exc, exc_info=exc)
        self.worker.failed.emit(f"The library could not be updated: {exc}")

    def shutdown(self) -> None:
        self.worker.stop()
        self._runner.shutdown(15000)
