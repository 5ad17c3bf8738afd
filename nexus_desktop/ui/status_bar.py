"""The status bar: passing messages, and one small indicator each for results, indexing and read-only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QWidget

if TYPE_CHECKING:
    from nexus_desktop.core.index import IndexReport
    from nexus_desktop.core.indexing import IndexingProgress

MESSAGE_MS = 5000


class StatusBar(QStatusBar):
    """Messages on the left; "23 results in 4 ms", the indexing progress and "read-only" on the right."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.read_only_label = QLabel("", self)
        self.read_only_label.hide()
        self.results_label = QLabel("", self)
        self.progress = QProgressBar(self)
        self.progress.setMaximumWidth(420)
        self.progress.setMinimumWidth(200)
        self.progress.setMaximumHeight(16)
        self.progress.setTextVisible(True)
        self.progress.setFormat("Indexing %v/%m")
        self.progress.hide()
        self.addPermanentWidget(self.read_only_label)
        self.addPermanentWidget(self.results_label)
        self.addPermanentWidget(self.progress)

    def say(self, text: str, ms: int = MESSAGE_MS) -> None:
        """A passing message (0 ms: until the next one)."""
        self.showMessage(text, ms)

    def show_results(self, text: str) -> None:
        self.results_label.setText(text)

    def show_indexing(self, progress: IndexingProgress | None) -> None:
        """The library controller's one indexing figure, with its words, until the merge ends (None: hidden)."""
        if progress is None:
            self.progress.hide()
            return
        self.progress.setRange(0, max(progress.total, 1))
        self.progress.setValue(progress.done)
        self.progress.setFormat(progress.text)
        self.progress.setToolTip(progress.text)
        self.progress.show()

    def show_report(self, report: IndexReport | None, _library_updated: bool = False) -> None:
        """An indexing pass ended: what it changed (no report: the index was opened read-only). A report
        means this window wrote the index: it is read-only no more. The progress bar is the library
        controller's to hide (a merge may follow)."""
        if report is not None:
            self.read_only_label.hide()
        if report is not None and report.changed:
            self.say(f"Index updated: {report.added} added, {report.updated} updated, {report.removed} removed "
                     f"in {report.seconds:.1f} s")
        elif report is not None:
            self.say("Index is up to date", 2000)

    def show_read_only(self, why: str) -> None:
        """Another process holds the index: searches run on it as it is."""
        self.read_only_label.setText("\u26a0 Read-only index")
        self.read_only_label.setToolTip(why)
        self.read_only_label.show()
        self.say(why, 10000)
