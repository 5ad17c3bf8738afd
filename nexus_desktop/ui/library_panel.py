"""The library tree: every entry by root, then category (or folder), with a filter box."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import (QEvent, QModelIndex, QObject, QSortFilterProxyModel, Qt, QTimer,
                            Signal)
from PySide6.QtGui import (QHelpEvent, QIcon, QKeyEvent, QMouseEvent, QPalette, QStandardItem,
                           QStandardItemModel)
from PySide6.QtWidgets import (QAbstractItemView, QLabel, QLineEdit, QStyle, QToolTip, QTreeView,
                               QVBoxLayout, QWidget)

if TYPE_CHECKING:  # the core modules load Whoosh/Markdown: not needed to build the widget
    from nexus_desktop.ui.workers import IndexedLibrary
    from nexus_desktop.core.index import CatalogItem
    from nexus_desktop.core.library import Root


# One role per leaf keeps building 38k items cheap: "<entry id>\t<title> <aliases> <category>"
# is both what the (case-insensitive) filter matches and where the entry id is kept.
FILTER_ROLE = Qt.ItemDataRole.UserRole + 2
COUNT_ROLE = Qt.ItemDataRole.UserRole + 3   # number of entries under a group node
FILTER_DELAY_MS = 120
EXPAND_ALL_LIMIT = 3000                     # expand every match when at most this many rows show


def entry_id_at(index: QModelIndex) -> str | None:
    """The entry id of a leaf index of the library tree (source or proxy), None for a group."""
    if not index.isValid():
        return None
    text = index.data(FILTER_ROLE) or ""
    entry_id = text.split("\t", 1)[0]
    return entry_id or None


class _Group:
    """A group node being built: its item, sub-groups by name and entry leaves."""

    __slots__ = ("name", "groups", "entries")

    def __init__(self, name: str) -> None:
        self.name = name
        self.groups: dict[str, _Group] = {}
        self.entries: list[CatalogItem] = []

    def group(self, name: str) -> _Group:
        g = self.groups.get(name)
        if g is None:
            g = self.groups[name] = _Group(name)
        return g


def _group_path(entry: CatalogItem) -> tuple[str, ...]:
    """Where an entry goes: (root, category), or (root, *folders of its path)."""
    root = entry.root or entry.id.split("/", 1)[0]
    if entry.category:
        return (root, entry.category)
    return (root, *(part for part in entry.path.replace("\\", "/").split("/")[:-1] if part))


@dataclass
class LibraryTree:
    """A library tree model built away from the widget, with its entry items and summaries."""

    model: QStandardItemModel
    items: dict[str, QStandardItem]
    summaries: dict[str, str]


def build_library_tree(items: Sequence[CatalogItem], roots: Sequence[Root], folder_icon: QIcon) -> LibraryTree:
    """Group the catalog by root / category or folder into an unparented model; safe in a worker thread
    (the caller moves the model to the GUI thread before showing it)."""
    model = QStandardItemModel()
    leaves: dict[str, QStandardItem] = {}
    top = _Group("")
    tips = {root.name: str(root.path) for root in roots}
    for name in tips:
        top.group(name)
    buckets: dict[tuple[str, ...], list[CatalogItem]] = {}
    for entry in items:  # pure Python first: one dict lookup per entry
        buckets.setdefault(_group_path(entry), []).append(entry)
    for path, entries in buckets.items():
        node = top
        for name in path:
            node = node.group(name)
        node.entries = entries
    rows = [_build_group(g, folder_icon, leaves) for g in _sorted_groups(top)]
    for row in rows:
        tip = tips.get(row.data(FILTER_ROLE)[1:])
        if tip:
            row.setToolTip(tip)
    if rows:
        model.invisibleRootItem().appendRows(rows)
    return LibraryTree(model, leaves, {entry.id: entry.summary for entry in items if entry.summary})


def _sorted_groups(group: _Group) -> list[_Group]:
    return [group.groups[k] for k in sorted(group.groups, key=str.lower)]


def _build_group(group: _Group, icon: QIcon, leaves: dict[str, QStandardItem]) -> QStandardItem:
    """A group item with its sub-groups and entries, children built before it is attached."""
    rows = [_build_group(sub, icon, leaves) for sub in _sorted_groups(group)]
    count = sum(int(row.data(COUNT_ROLE)) for row in rows)
    entries = sorted(group.entries, key=lambda e: ((e.title or e.id).lower(), e.id))
    items = [QStandardItem(e.title or e.id) for e in entries]
    for entry, leaf in zip(entries, items, strict=False):
        leaf.setData(f"{entry.id}\t{entry.title} {' '.join(entry.aliases)} {entry.category}", FILTER_ROLE)
        leaves[entry.id] = leaf
    count += len(items)
    item = QStandardItem(f"{group.name}  ({count})")
    item.setData("\t" + group.name, FILTER_ROLE)
    item.setData(count, COUNT_ROLE)
    item.setIcon(icon)
    rows.extend(items)
    if rows:
        item.appendRows(rows)
    return item


class LibraryPanel(QWidget):
    """Library tree by root / category / folder; Enter or double-click opens, middle-click in a new tab."""

    open_requested = Signal(str, str, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText("Filter library…")
        self.filter_edit.setClearButtonEnabled(True)
        self.model = QStandardItemModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setRecursiveFilteringEnabled(True)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterRole(FILTER_ROLE)
        self.tree = QTreeView(self)
        self.tree.setModel(self.proxy)
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setExpandsOnDoubleClick(True)
        self.empty_label = QLabel("No entries in the library yet.", self)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.empty_label, 1)
        self._items: dict[str, QStandardItem] = {}
        self._summaries: dict[str, str] = {}
        self._filter_timer = QTimer(self, singleShot=True, interval=FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self.apply_filter)
        self.filter_edit.textChanged.connect(self._filter_timer.start)
        self.filter_edit.returnPressed.connect(self._open_first_match)
        self.filter_edit.installEventFilter(self)
        self.tree.doubleClicked.connect(lambda index: self._open_index(index, False))
        self.tree.installEventFilter(self)
        self.tree.viewport().installEventFilter(self)
        self._show_empty(True)

    # ----- public API ----------------------------------------------------------------------

    def show_library(self, library: IndexedLibrary) -> None:
        """The library as indexed now (the tree comes built from the worker when it could)."""
        if library.tree is not None:
            self.set_tree(library.tree)
        else:
            self.set_catalog(library.catalog, library.workspace.roots)

    def set_catalog(self, items: Sequence[CatalogItem], roots: Sequence[Root] = ()) -> None:
        """Rebuild the tree from the index's catalog (for big libraries build it off the GUI thread
        with build_library_tree and hand it to set_tree)."""
        folder_icon = self.style().standardIcon(QStyle.StandardPixmap.SP_DirIcon)
        self.set_tree(build_library_tree(items, roots, folder_icon))

    def set_tree(self, tree: "LibraryTree") -> None:
        """Show a tree built by build_library_tree (in any thread): a model swap, cheap on the GUI thread."""
        if tree.model is self.model:
            return
        if tree.model.thread() is not self.thread():
            raise ValueError("move the model to the GUI thread (LibraryTree.model.moveToThread) before set_tree")
        tree.model.setParent(self)
        self._items, self._summaries = tree.items, tree.summaries
        old, self.model = self.model, tree.model
        self.proxy.setSourceModel(tree.model)
        old.deleteLater()
        self._show_empty(not self._items)
        if tree.model.rowCount() == 1:
            self.tree.expand(self.proxy.index(0, 0))
        if self.filter_edit.text():
            self.apply_filter()

    def entry_count(self) -> int:
        """Number of entries (leaves) in the tree."""
        return len(self._items)

    def reveal(self, entry_id: str) -> bool:
        """Select and scroll to an entry (clearing a filter that hides it); False if unknown."""
        item = self._items.get(entry_id)
        if item is None:
            return False
        index = self.proxy.mapFromSource(item.index())
        if not index.isValid():
            self.filter_edit.clear()
            self.apply_filter()
            index = self.proxy.mapFromSource(item.index())
        self.tree.setCurrentIndex(index)
        self.tree.scrollTo(index)
        return True

    def apply_filter(self) -> None:
        """Filter the tree by the text in the filter box now (normally done after a short pause)."""
        self._filter_timer.stop()
        text = self.filter_edit.text().strip()
        self.proxy.setFilterFixedString(text)
        if text and self._visible_leaves() <= EXPAND_ALL_LIMIT:
            self.tree.expandAll()
        elif not text:
            self.tree.collapseAll()
        first = self._first_leaf(QModelIndex())
        if first is not None:
            self.tree.setCurrentIndex(first)

    # ----- events --------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if watched is self.tree and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress:
            return self._tree_key(event)
        if watched is self.filter_edit and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                self.tree.setFocus()
                return True
            if key == Qt.Key.Key_Escape and self.filter_edit.text():
                self.filter_edit.clear()
                self.apply_filter()
                return True
        if watched is self.tree.viewport() and isinstance(event, QHelpEvent) and event.type() == QEvent.Type.ToolTip:
            return self._show_tooltip(event)
        if watched is self.tree.viewport() and isinstance(event, QMouseEvent) and \
                event.type() == QEvent.Type.MouseButtonRelease:
            if event.button() == Qt.MouseButton.MiddleButton:
                self._open_index(self.tree.indexAt(event.position().toPoint()), True)
                return True
        return super().eventFilter(watched, event)

    def tooltip_for(self, index: QModelIndex) -> str:
        """The tooltip of a tree row: id and summary for an entry, the folder for a root."""
        entry_id = entry_id_at(index)
        if entry_id is None:
            return str(index.data(Qt.ItemDataRole.ToolTipRole) or "") if index.isValid() else ""
        summary = self._summaries.get(entry_id, "")
        return f"{entry_id}\n{summary}" if summary else entry_id

    def _show_tooltip(self, event: QHelpEvent) -> bool:
        text = self.tooltip_for(self.tree.indexAt(event.pos()))
        if text:
            QToolTip.showText(event.globalPos(), text, self.tree.viewport())
        else:
            QToolTip.hideText()
            event.ignore()
        return True

    def _tree_key(self, event: QKeyEvent) -> bool:
        if event.key() not in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return False
        index = self.tree.currentIndex()
        if index.isValid() and entry_id_at(index) is None:
            self.tree.setExpanded(index, not self.tree.isExpanded(index))
            return True
        new_tab = bool(event.modifiers() & (Qt.KeyboardModifier.AltModifier
                                            | Qt.KeyboardModifier.ControlModifier))
        self._open_index(index, new_tab)
        return True

    def _open_index(self, index: QModelIndex, new_tab: bool) -> None:
        entry_id = entry_id_at(index)
        if entry_id:
            self.open_requested.emit(str(entry_id), "", new_tab)

    def _open_first_match(self) -> None:
        self.apply_filter()
        current = self.tree.currentIndex()
        if current.isValid() and entry_id_at(current):
            self._open_index(current, False)

    # ----- helpers -------------------------------------------------------------------------

    def _first_leaf(self, parent: QModelIndex) -> QModelIndex | None:
        for row in range(self.proxy.rowCount(parent)):
            index = self.proxy.index(row, 0, parent)
            if entry_id_at(index):
                return index
            found = self._first_leaf(index)
            if found is not None:
                return found
        return None

    def _visible_leaves(self) -> int:
        total = 0
        stack = [QModelIndex()]
        while stack and total <= EXPAND_ALL_LIMIT:
            parent = stack.pop()
            for row in range(self.proxy.rowCount(parent)):
                index = self.proxy.index(row, 0, parent)
                total += 1
                if entry_id_at(index) is None:
                    stack.append(index)
        return total

    def _show_empty(self, empty: bool) -> None:
        self.empty_label.setVisible(empty)
        self.tree.setVisible(not empty)

