"""The GUI half of the library: starts the library worker, watches the folders and the open files,
turns their changes into re-indexing, and hands the indexed library and reports on; one place stops it all."""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from nexus_desktop.core.disk import changed_folder
from nexus_desktop.ui.workers import LibraryService

if TYPE_CHECKING:
    from nexus_desktop.core.index import IndexReport
    from nexus_desktop.core.indexing import IndexingProgress
    from nexus_desktop.ui.workers import IndexedLibrary

WATCH_DEBOUNCE_MS = 250
RECHECK_AFTER_S = 30.0  # back in the window after this long: look for files edited in place meanwhile


class LibraryController(QObject):
    """Signals, in the order they usually come: `opened` (the index as it was: searches and pages work),
    `progress`, `partial` (a first batch of a big first build is searchable), `indexed` (each pass),
    `merged` (segments merged: search anew). `notice`/`failed` are for the user, `busy` means read-only.
    `indexing_changed` carries the one indexing progress every view shows (`indexing`: None when idle)."""

    opened = Signal(object)            # IndexedLibrary
    library_ready = Signal(object)    # IndexedLibrary: catalog, tree, refs... to show (opened, partial, indexed)
    partial = Signal()                 # the library just sent is part of a first build
    indexed = Signal(object, bool)     # IndexReport | None, whether an updated library came with it (library_ready)
    indexing_changed = Signal(object)  # IndexingProgress, or None: no indexing under way
    busy = Signal(str)                 # another process holds the index: read-only
    notice = Signal(str)
    failed = Signal(str)
    merged = Signal()

    def __init__(self, data_dir: str | None, content: list[str] | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = LibraryService(data_dir, content, self)
        self.read_only = False
        self._started = False
        self._library_shown = False
        self._rebuilding = False
        self._indexing: IndexingProgress | None = None
        self._last_full_check = time.monotonic()  # the library is compared in full at launch
        self._changed_folders: set[str] = set()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(WATCH_DEBOUNCE_MS)
        self._timer.timeout.connect(self._reindex_changed)
        self.watcher = QFileSystemWatcher(self)
        self.watcher.directoryChanged.connect(self._on_disk_change)
        self.watcher.fileChanged.connect(self._on_disk_change)
        worker = self.service.worker
        worker.opened.connect(self._opened)
        worker.partial.connect(self._partial)
        worker.indexed.connect(self._indexed)
        worker.progress.connect(self._set_indexing)
        worker.busy.connect(self._busy)
        worker.notice.connect(self.notice)
        worker.failed.connect(self._failed)
        worker.merged.connect(self._merged)

    @property
    def indexing(self) -> IndexingProgress | None:
        """The indexing under way (files read of the total, and its phase up to the merge), or None."""
        return self._indexing

    def start(self) -> None:
        """Open the library in the background (once)."""
        if not self._started:
            self._started = True
            self.service.start()

    def reload_roots(self) -> None:
        """The user added a folder: the workspace is built anew and indexed."""
        self.service.reload_roots()

    def rebuild_index(self) -> None:
        """A search found the index damaged (core set it aside, empty): index the whole library anew in the
        indexing process; `indexed` brings the library indexed anew, and the searcher is refreshed on it."""
        if not self._rebuilding:  # several queries may find the same damage: one rebuild serves them all
            self._rebuilding = True
            self.service.reindex()

    def user_came_back(self) -> None:
        """Editors that save a file in place raise no folder event (only open tabs' files are watched
        one by one): when the user comes back to the window, the whole library is compared again, in
        the indexing process (nothing is written when nothing changed)."""
        now = time.monotonic()
        if not self._library_shown or now - self._last_full_check < RECHECK_AFTER_S:
            return
        self._last_full_check = now
        self.service.reindex()

    def watch_files(self, files: set[str]) -> None:
        """Watch exactly these files (the entries open in tabs) besides the library's folders."""
        current = set(self.watcher.files())
        if current - files:
            self.watcher.removePaths(list(current - files))
        new = [path for path in files - current if os.path.exists(path)]
        if new:
            self.watcher.addPaths(new)

    def shutdown(self) -> None:
        """Nothing more comes from the library: its signals are cut here, then the worker is stopped."""
        self._timer.stop()
        self.watcher.blockSignals(True)
        self.service.worker.blockSignals(True)
        self.blockSignals(True)
        self.service.shutdown()

    # --- from the worker and the watcher -------------------------------------------------------------
    def _opened(self, library: IndexedLibrary) -> None:
        self._show(library)
        self.opened.emit(library)

    def _partial(self, library: IndexedLibrary) -> None:
        self._show(library)
        self.partial.emit()

    def _set_indexing(self, progress: IndexingProgress | None) -> None:
        if progress != self._indexing:
            self._indexing = progress
            self.indexing_changed.emit(progress)

    def _failed(self, message: str) -> None:
        self._rebuilding = False
        self._set_indexing(None)
        self.failed.emit(message)

    def _merged(self) -> None:
        self._set_indexing(None)
        self.merged.emit()

    def _indexed(self, report: IndexReport | None, library: IndexedLibrary | None) -> None:
        from nexus_desktop.core.indexing import MERGING

        self._rebuilding = False
        if report is not None:  # this window's indexing wrote the index: the other writer is gone
            self.read_only = False
        if self._indexing is not None and self._indexing.phase != MERGING:
            self._set_indexing(None)  # no merge follows: the run is over
        if library is not None:
            self._show(library)
        self.indexed.emit(report, library is not None)

    def _busy(self, message: str) -> None:
        self.read_only = True
        self._set_indexing(None)
        self.busy.emit(message)

    def _show(self, library: IndexedLibrary) -> None:
        self._library_shown = True
        self._watch_folders(library.folders)
        self.library_ready.emit(library)

    def _watch_folders(self, folders: list[str]) -> None:
        wanted = set(folders)
        current = set(self.watcher.directories())
        if current - wanted:
            self.watcher.removePaths(list(current - wanted))
        if wanted - current:
            self.watcher.addPaths(list(wanted - current))

    def _on_disk_change(self, path: str) -> None:
        self._changed_folders.add(changed_folder(path))
        if self._library_shown:
            self._timer.start()

    def _reindex_changed(self) -> None:
        folders, self._changed_folders = sorted(self._changed_folders), set()
        self.service.reindex(folders)
