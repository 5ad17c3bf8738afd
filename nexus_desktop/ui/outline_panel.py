"""The outline of the current entry: its headings as an indented tree that jumps to a section."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent, QPalette, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (QAbstractItemView, QLabel, QMenu, QStackedLayout, QTreeView,
                               QVBoxLayout, QWidget)

if TYPE_CHECKING:  # the core modules load Whoosh/Markdown: not needed to build the widget
    from nexus_desktop.core.library import Heading


ANCHOR_ROLE = Qt.ItemDataRole.UserRole + 1
NO_ENTRY_TEXT = "Open an entry to see its outline."
NO_HEADINGS_TEXT = "This entry has no headings."


class OutlinePanel(QWidget):
    """Headings of one entry; click or Enter jumps, the context menu bookmarks a section."""

    open_requested = Signal(str, str, bool)
    jump_requested = Signal(str)
    bookmark_heading_requested = Signal(str, str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = QStandardItemModel(self)
        self.tree = QTreeView(self)
        self.tree.setModel(self.model)
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setExpandsOnDoubleClick(False)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.tree.clicked.connect(self._jump)
        self.tree.installEventFilter(self)
        self.empty_label = QLabel(NO_ENTRY_TEXT, self)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.bookmark_action = QAction("Bookmark this section", self)
        self.bookmark_action.triggered.connect(self.bookmark_current)
        self._stack = QStackedLayout()
        self._stack.addWidget(self.empty_label)
        self._stack.addWidget(self.tree)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._stack)
        self._entry_id = ""
        self._headings: tuple[Heading, ...] = ()

    # ----- public API ----------------------------------------------------------------------

    @property
    def entry_id(self) -> str:
        """The entry whose outline is shown ("" for none)."""
        return self._entry_id

    def set_headings(self, entry_id: str, headings: Sequence[Heading]) -> None:
        """Show an entry's headings nested by level (an empty state without entry or headings); the
        same headings of the same entry again (a jump to one of them) keep the tree and its selection."""
        if (entry_id or "") == self._entry_id and tuple(headings) == self._headings and self.model.rowCount():
            return
        self._headings = tuple(headings)
        self._entry_id = entry_id or ""
        # removeRows, not clear(): clear() frees the items on the C++ side only, and PySide keeps each
        # row's Python object alive, one per heading of every page shown (the soak found it)
        self.model.removeRows(0, self.model.rowCount())
        stack: list[tuple[int, QStandardItem]] = []
        for heading in headings:
            item = QStandardItem(heading.text)
            item.setData(heading.anchor, ANCHOR_ROLE)
            item.setToolTip(heading.text)
            while stack and stack[-1][0] >= heading.level:
                stack.pop()
            parent = stack[-1][1] if stack else self.model.invisibleRootItem()
            parent.appendRow(item)
            stack.append((heading.level, item))
        self.tree.expandAll()
        has_rows = self.model.rowCount() > 0
        self.empty_label.setText(NO_HEADINGS_TEXT if self._entry_id else NO_ENTRY_TEXT)
        self._stack.setCurrentWidget(self.tree if has_rows else self.empty_label)

    def clear(self) -> None:
        """No entry: show the empty state."""
        self.set_headings("", [])

    def select_anchor(self, anchor: str) -> bool:
        """Highlight the heading with this anchor (e.g. while scrolling); False if none has it."""
        matches = self.model.match(self.model.index(0, 0), ANCHOR_ROLE, anchor, 1,
                                   Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive)
        if not matches:
            return False
        self.tree.setCurrentIndex(matches[0])
        self.tree.scrollTo(matches[0])
        return True

    def bookmark_current(self) -> None:
        """Ask to bookmark the current heading (what the context menu action does)."""
        index = self.tree.currentIndex()
        if self._entry_id and index.isValid():
            self.bookmark_heading_requested.emit(self._entry_id, str(index.data(ANCHOR_ROLE)),
                                                 str(index.data()))

    # ----- events --------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if watched is self.tree and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress:
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._jump(self.tree.currentIndex())
                return True
        return super().eventFilter(watched, event)

    def _jump(self, index: QModelIndex) -> None:
        if index.isValid():
            self.jump_requested.emit(str(index.data(ANCHOR_ROLE)))

    def _context_menu(self, pos: QPoint) -> None:
        index = self.tree.indexAt(pos)
        if not index.isValid():
            return
        self.tree.setCurrentIndex(index)
        menu = QMenu(self)
        jump = menu.addAction("Go to section")
        jump.triggered.connect(lambda: self._jump(index))
        menu.addAction(self.bookmark_action)
        menu.exec(self.tree.viewport().mapToGlobal(pos))
