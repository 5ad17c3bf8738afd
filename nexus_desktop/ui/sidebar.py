"""The sidebar: the Search, Library, Bookmarks and Outline panels as tabs, shown or hidden."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QTabWidget, QWidget

PANELS = ("Search", "Library", "Bookmarks", "Outline")
SEARCH, LIBRARY, BOOKMARKS, OUTLINE = range(len(PANELS))


class Sidebar(QTabWidget):
    """Panels in a fixed order; the bookmarks panel arrives once the user database is open."""

    def __init__(self, search: QWidget, library: QWidget, outline: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sidebar")
        self.setDocumentMode(True)
        waiting = QLabel("\u2026", self)
        waiting.setAlignment(Qt.AlignmentFlag.AlignCenter)
        for panel, label in zip((search, library, waiting, outline), PANELS, strict=False):
            self.addTab(panel, label)

    def set_bookmarks_panel(self, panel: QWidget) -> None:
        """Put the bookmarks panel in place of its stand-in (the panel shown stays shown)."""
        current = self.currentIndex()
        stand_in = self.widget(BOOKMARKS)
        self.removeTab(BOOKMARKS)
        if stand_in is not None:
            stand_in.deleteLater()
        self.insertTab(BOOKMARKS, panel, PANELS[BOOKMARKS])
        self.setCurrentIndex(current)

    def show_panel(self, index: int, focus: bool = True) -> None:
        """Show the sidebar at this panel (and give the panel the keyboard, except the search panel: the
        search field keeps it)."""
        self.show()
        self.setCurrentIndex(index)
        if focus and index != SEARCH:
            self.currentWidget().setFocus(Qt.FocusReason.ShortcutFocusReason)
