"""The bookmarks panel: folders, bookmarks and saved searches, edited in place with undo."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from PySide6.QtCore import (QByteArray, QEvent, QMimeData, QModelIndex, QObject, QPoint, QRect, QSize,
                            QSortFilterProxyModel, Qt, QTimer, Signal)
from PySide6.QtGui import (QAction, QFont, QFontMetrics, QKeyEvent, QKeySequence, QMouseEvent, QPainter,
                           QPalette, QStandardItem, QStandardItemModel)
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QInputDialog, QLabel, QLineEdit, QMenu,
                               QPushButton, QStyle, QStyledItemDelegate, QStyleOptionViewItem,
                               QToolButton, QTreeView, QVBoxLayout, QWidget)

from nexus_desktop.core.bookmarks import (Bookmark, BookmarkError, BookmarkStore, EntryRef, FolderNode,
                                          ReconcileReport, Snapshot)

MIME_TYPE = "application/x-nexus-bookmarks"
KIND_ROLE = Qt.ItemDataRole.UserRole + 1     # "folder", "entry" or "search"
ID_ROLE = Qt.ItemDataRole.UserRole + 2       # bookmark or folder id (int)
NOTE_ROLE = Qt.ItemDataRole.UserRole + 3
MISSING_ROLE = Qt.ItemDataRole.UserRole + 4
FILTER_ROLE = Qt.ItemDataRole.UserRole + 5
NEW_FOLDER_NAME = "New folder"


def _key(kind: str, item_id: int) -> tuple[str, int]:
    return ("folder" if kind == "folder" else "bookmark", item_id)


class BookmarkModel(QStandardItemModel):
    """The store's tree as items; drag and drop is decoded here and handed to `on_drop`."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.on_drop: Any = None  # callable(items: list[tuple[str, int]], folder_id, row) -> bool

    def supportedDropActions(self) -> Qt.DropAction:  # noqa: N802 (Qt API)
        return Qt.DropAction.MoveAction

    def supportedDragActions(self) -> Qt.DropAction:  # noqa: N802 (Qt API)
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:  # noqa: N802 (Qt API)
        return [MIME_TYPE]

    def mimeData(self, indexes: Iterable[QModelIndex]) -> QMimeData:  # noqa: N802 (Qt API)
        rows = []
        for index in indexes:
            if index.isValid() and index.column() == 0:
                rows.append([index.data(KIND_ROLE), int(index.data(ID_ROLE))])
        mime = QMimeData()
        mime.setData(MIME_TYPE, QByteArray(json.dumps(rows).encode()))
        return mime

    def canDropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,  # noqa: N802
                        parent: QModelIndex) -> bool:
        if not data.hasFormat(MIME_TYPE):
            return False
        return not parent.isValid() or parent.data(KIND_ROLE) == "folder"

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,  # noqa: N802
                     parent: QModelIndex) -> bool:
        """Move the dragged items in the store. Returns False on purpose after moving: the
        model is rebuilt from the store, so the view must not remove the source rows itself."""
        if action == Qt.DropAction.IgnoreAction or not self.canDropMimeData(data, action, row,
                                                                            column, parent):
            return False
        try:
            rows = json.loads(bytes(data.data(MIME_TYPE).data()).decode())
        except ValueError:
            return False
        items = [(str(kind), int(item_id)) for kind, item_id in rows]
        folder_id = int(parent.data(ID_ROLE)) if parent.isValid() else None
        if self.on_drop is not None:
            self.on_drop(items, folder_id, row)
        return False

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        if not index.isValid():
            return base | Qt.ItemFlag.ItemIsDropEnabled
        if index.data(KIND_ROLE) == "folder":
            return base | Qt.ItemFlag.ItemIsDragEnabled | Qt.ItemFlag.ItemIsDropEnabled
        return (base | Qt.ItemFlag.ItemIsDragEnabled) & ~Qt.ItemFlag.ItemIsDropEnabled


class BookmarkDelegate(QStyledItemDelegate):
    """Two lines for a bookmark with a note (the note dimmed); missing entries dimmed, italic."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # noqa: N802
        size = super().sizeHint(option, index)
        if index.data(NOTE_ROLE):
            size.setHeight(size.height() + QFontMetrics(self._note_font(option)).height())
        return size

    @staticmethod
    def _note_font(option: QStyleOptionViewItem) -> QFont:
        font = QFont(option.font)
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * 0.9)
        return font

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        note = str(index.data(NOTE_ROLE) or "")
        missing = bool(index.data(MISSING_ROLE))
        title = opt.text + ("  (missing)" if missing else "")
        opt.text = ""
        style = opt.widget.style() if opt.widget else QStyle()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        text_rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, opt.widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        group = (QPalette.ColorGroup.Normal if opt.state & QStyle.StateFlag.State_Active
                 else QPalette.ColorGroup.Inactive)
        main_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        dim_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.PlaceholderText
        painter.save()
        font = QFont(opt.font)
        font.setItalic(missing)
        painter.setFont(font)
        painter.setPen(opt.palette.color(group, dim_role if missing else main_role))
        line_h = QFontMetrics(font).height()
        top = text_rect.top() + (text_rect.height() - line_h - (line_h if note else 0)) // 2
        title_rect = QRect(text_rect.left() + 2, top, text_rect.width() - 4, line_h)
        painter.drawText(title_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                         QFontMetrics(font).elidedText(title, Qt.TextElideMode.ElideRight,
                                                       title_rect.width()))
        if note:
            note_font = self._note_font(opt)
            painter.setFont(note_font)
            painter.setPen(opt.palette.color(group, dim_role))
            metrics = QFontMetrics(note_font)
            note_rect = QRect(title_rect.left(), title_rect.bottom() + 1, title_rect.width(),
                              metrics.height())
            painter.drawText(note_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                             metrics.elidedText(" ".join(note.split()), Qt.TextElideMode.ElideRight,
                                                note_rect.width()))
        painter.restore()


class BookmarksPanel(QWidget):
    """Folders and bookmarks with open, rename, notes, move, sort, filter and undoable delete."""

    open_requested = Signal(str, str, bool)
    search_requested = Signal(str)
    changed = Signal()

    def __init__(self, store: BookmarkStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._undo: list[tuple[Snapshot, str]] = []
        self._ambiguous: dict[int, list[str]] = {}
        self._building = False
        self._note_target: int | None = None
        self._build_widgets()
        self._build_actions()
        self.refresh()

    # ----- construction --------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText("Filter bookmarks…")
        self.filter_edit.setClearButtonEnabled(True)
        self.menu_button = QToolButton(self)
        self.menu_button.setText("⋯")
        self.menu_button.setToolTip("Bookmark actions")
        self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.model = BookmarkModel(self)
        self.model.on_drop = self._dropped
        self.model.itemChanged.connect(self._item_edited)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setRecursiveFilteringEnabled(True)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterRole(FILTER_ROLE)
        self.tree = QTreeView(self)
        self.tree.setModel(self.proxy)
        self.tree.setHeaderHidden(True)
        self.tree.setItemDelegate(BookmarkDelegate(self.tree))
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.tree.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.tree.setDropIndicatorShown(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.tree.doubleClicked.connect(lambda index: self._activate(index, False))
        self.tree.installEventFilter(self)
        self.tree.viewport().installEventFilter(self)
        self.empty_label = QLabel("No bookmarks yet.\nPress Ctrl+D on an entry to bookmark it.", self)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.note_edit = QLineEdit(self)
        self.note_edit.setPlaceholderText("Note — Enter saves, Esc cancels")
        self.note_edit.hide()
        self.note_edit.installEventFilter(self)
        self.info_bar, self.info_label, self.info_button = self._bar("Pick…", self._pick_ambiguous)
        self.undo_bar, self.undo_label, self.undo_button = self._bar("Undo", self.undo)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.filter_edit, 1)
        top.addWidget(self.menu_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.info_bar)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.empty_label, 1)
        layout.addWidget(self.note_edit)
        layout.addWidget(self.undo_bar)
        self.filter_edit.textChanged.connect(self._apply_filter)

    def _bar(self, button_text: str, slot: Any) -> tuple[QWidget, QLabel, QPushButton]:
        bar = QWidget(self)
        bar.setAutoFillBackground(True)
        bar.setBackgroundRole(QPalette.ColorRole.AlternateBase)
        label = QLabel(bar)
        label.setWordWrap(True)
        button = QPushButton(button_text, bar)
        button.clicked.connect(slot)
        row = QHBoxLayout(bar)
        row.setContentsMargins(6, 4, 6, 4)
        row.addWidget(label, 1)
        row.addWidget(button)
        bar.hide()
        return bar, label, button

    def _action(self, text: str, slot: Any, shortcut: str | QKeySequence.StandardKey = "") -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _build_actions(self) -> None:
        self.open_action = self._action("Open", lambda: self._activate(self.tree.currentIndex(), False),
                                        "Return")
        self.open_tab_action = self._action(
            "Open in new tab", lambda: self._activate(self.tree.currentIndex(), True), "Alt+Return")
        self.rename_action = self._action("Rename", self.rename_current, "F2")
        self.note_action = self._action("Edit note…", self.edit_note, "Shift+F2")
        self.move_up_action = self._action("Move up", lambda: self.move_current(-1), "Ctrl+Up")
        self.move_down_action = self._action("Move down", lambda: self.move_current(1), "Ctrl+Down")
        self.move_to_action = self._action("Move to folder…", self._choose_folder)
        self.new_folder_action = self._action("New folder", self.new_folder, "Ctrl+Shift+N")
        self.delete_action = self._action("Delete", self.delete_current, "Delete")
        self.undo_action = self._action("Undo delete", self.undo, "Ctrl+Z")
        self.sort_title_action = self._action("Sort folder by title", lambda: self.sort_current("title"))
        self.sort_date_action = self._action("Sort folder by date added",
                                             lambda: self.sort_current("created"))
        menu = QMenu(self)
        for action in (self.new_folder_action, None, self.sort_title_action, self.sort_date_action,
                       None, self.undo_action):
            menu.addSeparator() if action is None else menu.addAction(action)
        self.menu_button.setMenu(menu)

    # ----- public API ----------------------------------------------------------------------

    def refresh(self) -> None:
        """Rebuild the tree from the store, keeping expanded folders and the current item."""
        expanded = self._expanded_folders()
        current = self.current_key()
        first_build = self.model.rowCount() == 0
        self._building = True
        try:
            self.model.clear()
            self._fill(self.model.invisibleRootItem(), self.store.tree())
        finally:
            self._building = False
        self._apply_filter()
        self._restore_expanded(expanded, expand_all=first_build)
        if current is not None:
            self.select(*current)
        self._update_empty()

    def set_known(self, refs: Mapping[str, Any] | Iterable[Any]) -> ReconcileReport:
        """Reconcile with the library: mark missing, re-point unambiguous ones, note ambiguous ones."""
        if isinstance(refs, Mapping):  # id -> EntryRef, as the library worker hands it over
            known = refs
        else:
            known = {r.id: EntryRef(r.id, getattr(r, "title", "") or "", tuple(getattr(r, "aliases", ()) or ()))
                     for r in refs}
        report = self.store.reconcile(known)
        self._ambiguous = dict(report.ambiguous)
        self.refresh()
        self._show_info()
        if report.repointed or report.missing:
            self.changed.emit()
        return report

    def ambiguous(self) -> dict[int, list[str]]:
        """Missing bookmarks that match several entries: bookmark id -> candidate entry ids."""
        return dict(self._ambiguous)

    def resolve_ambiguous(self, bookmark_id: int, entry_id: str) -> None:
        """Point a missing bookmark at the chosen entry (keeps its title, note, anchor and place)."""
        old = self.store.get(bookmark_id)
        new = self.store.add(entry_id, old.title, anchor=old.anchor, note=old.note,
                             folder_id=old.folder_id)
        if new.id != old.id:
            self.store.move(new.id, old.folder_id, old.position)
            self.store.delete(bookmark_ids=[old.id])
        self._ambiguous.pop(bookmark_id, None)
        self._after_edit()
        self.select("bookmark", new.id)
        self._show_info()

    def current_key(self) -> tuple[str, int] | None:
        """("folder" | "bookmark", id) of the current row, or None."""
        index = self.tree.currentIndex()
        if not index.isValid():
            return None
        return _key(str(index.data(KIND_ROLE)), int(index.data(ID_ROLE)))

    def current_bookmark(self) -> Bookmark | None:
        """The bookmark (or saved search) on the current row, or None."""
        key = self.current_key()
        return self.store.get(key[1]) if key and key[0] == "bookmark" else None

    def current_folder_id(self) -> int | None:
        """The folder the current row is, or is in (None = top level)."""
        key = self.current_key()
        if key is None:
            return None
        return key[1] if key[0] == "folder" else self.store.get(key[1]).folder_id

    def select(self, kind: str, item_id: int) -> bool:
        """Make a folder or bookmark current ("folder" or "bookmark"); False if not shown."""
        index = self._find(kind, item_id)
        if not index.isValid():
            return False
        self.tree.setCurrentIndex(index)
        self.tree.scrollTo(index)
        return True

    def select_entry(self, entry_id: str) -> bool:
        """Make the first bookmark of an entry current (e.g. after Ctrl+D)."""
        found = self.store.find_all(entry_id)
        return bool(found) and self.select("bookmark", found[0].id)

    def rename_current(self) -> None:
        """Start editing the current row's name in place (F2)."""
        index = self.tree.currentIndex()
        if index.isValid():
            self.tree.edit(index)

    def edit_note(self, note: str | None = None) -> None:
        """Edit the current bookmark's note: with `note`, set it; else open the note field."""
        bookmark = self.current_bookmark()
        if bookmark is None:
            return
        if note is not None:
            self.store.set_note(bookmark.id, note)
            self._after_edit()
            return
        self._note_target = bookmark.id
        self.note_edit.setText(bookmark.note)
        self.note_edit.show()
        self.note_edit.setFocus()
        self.note_edit.selectAll()

    def move_current(self, step: int) -> None:
        """Move the current row up (-1) or down (+1) among its siblings (Ctrl+Up / Ctrl+Down)."""
        key = self.current_key()
        if key is None:
            return
        kind, item_id = key
        if kind == "folder":
            folder = self.store.get_folder(item_id)
            siblings = len(self.store.folders(folder.parent_id))
            position = folder.position + step
            if 0 <= position < siblings:
                self.store.move_folder(item_id, folder.parent_id, position)
        else:
            bookmark = self.store.get(item_id)
            siblings = len(self.store.bookmarks(bookmark.folder_id))
            position = bookmark.position + step
            if 0 <= position < siblings:
                self.store.move(item_id, bookmark.folder_id, position)
        self._after_edit()

    def move_to_folder(self, folder_id: int | None) -> None:
        """Move the current row into a folder (None = top level), at its end."""
        key = self.current_key()
        if key is None:
            return
        try:
            if key[0] == "folder":
                self.store.move_folder(key[1], folder_id)
            else:
                self.store.move(key[1], folder_id)
        except BookmarkError as exc:
            self._show_message(str(exc))
            return
        self._after_edit()
        if folder_id is not None:
            self.tree.expand(self._find("folder", folder_id))
        self.select(*key)

    def new_folder(self, name: str | None = None) -> int:
        """Create a folder in the current folder; without a name, start editing its name."""
        parent = self.current_folder_id()
        folder = self.store.create_folder(name or NEW_FOLDER_NAME, parent)
        self._after_edit()
        if parent is not None:
            self.tree.expand(self._find("folder", parent))
        self.select("folder", folder.id)
        if name is None:
            self.tree.edit(self.tree.currentIndex())
        return folder.id

    def delete_current(self) -> None:
        """Delete the current row (a folder with its contents); Ctrl+Z or Undo brings it back."""
        key = self.current_key()
        if key is None:
            return
        index = self.tree.currentIndex()
        label = str(index.data())
        below = self.tree.indexBelow(index)
        next_key = None
        if below.isValid() and below.parent() == index.parent():
            next_key = _key(str(below.data(KIND_ROLE)), int(below.data(ID_ROLE)))
        if key[0] == "folder":
            snapshot = self.store.delete(folder_ids=[key[1]])
        else:
            snapshot = self.store.delete(bookmark_ids=[key[1]])
        self._undo.append((snapshot, label))
        self._after_edit()
        if next_key is not None:
            self.select(*next_key)
        self.undo_label.setText(f"Deleted “{label}”.")
        self.undo_bar.show()

    def can_undo(self) -> bool:
        """True when a delete can be undone."""
        return bool(self._undo)

    def undo(self) -> None:
        """Put back what the last delete removed."""
        if not self._undo:
            return
        snapshot, label = self._undo.pop()
        try:
            self.store.restore(snapshot)
        except BookmarkError as exc:
            self._show_message(str(exc))
        self._after_edit()
        if snapshot.folders:
            self.select("folder", snapshot.folders[0].id)
        elif snapshot.bookmarks:
            self.select("bookmark", snapshot.bookmarks[0].id)
        if self._undo:
            self.undo_label.setText(f"Deleted “{self._undo[-1][1]}”.")
        else:
            self.undo_bar.hide()

    def sort_current(self, by: str = "title") -> None:
        """Sort the current folder (or the top level) by "title" or "created"."""
        self.store.sort_folder(self.current_folder_id(), by=by)  # type: ignore[arg-type]
        self._after_edit()

    # ----- building ------------------------------------------------------------------------

    def _fill(self, parent: QStandardItem, node: FolderNode) -> None:
        rows: list[QStandardItem] = []
        for sub in node.folders:
            assert sub.folder is not None
            item = QStandardItem(sub.folder.name)
            item.setData("folder", KIND_ROLE)
            item.setData(sub.folder.id, ID_ROLE)
            item.setData(sub.folder.name, FILTER_ROLE)
            item.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_DirIcon))
            item.setToolTip(f"{sub.folder.name} — {sum(1 for _ in sub.walk())} bookmarks")
            self._fill(item, sub)
            rows.append(item)
        rows.extend(self._bookmark_item(b) for b in node.bookmarks)
        if rows:
            parent.appendRows(rows)

    def _bookmark_item(self, b: Bookmark) -> QStandardItem:
        item = QStandardItem(b.title)
        item.setData(b.kind, KIND_ROLE)
        item.setData(b.id, ID_ROLE)
        item.setData(b.note, NOTE_ROLE)
        item.setData(b.missing, MISSING_ROLE)
        target = b.query if b.is_search else b.entry_id
        item.setData(f"{b.title}\t{target}\t{b.note}", FILTER_ROLE)
        item.setDropEnabled(False)
        pixmap = (QStyle.StandardPixmap.SP_FileDialogContentsView if b.is_search
                  else QStyle.StandardPixmap.SP_MessageBoxWarning if b.missing
                  else QStyle.StandardPixmap.SP_FileIcon)
        item.setIcon(self.style().standardIcon(pixmap))
        lines = [f"Saved search: {b.query}" if b.is_search
                 else f"{b.entry_id}#{b.anchor}" if b.anchor else str(b.entry_id)]
        if b.missing:
            lines.append("This entry is no longer in the library (title when bookmarked).")
        if b.note:
            lines.append(b.note)
        lines.append(f"Added {b.created[:10]}")
        item.setToolTip("\n".join(lines))
        return item

    # ----- events --------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if event.type() == QEvent.Type.KeyPress:
            if watched is self.tree:
                return self._tree_key(event)  # type: ignore[arg-type]
            if watched is self.note_edit:
                return self._note_key(event)  # type: ignore[arg-type]
        if watched is self.tree.viewport() and event.type() == QEvent.Type.MouseButtonRelease:
            mouse: QMouseEvent = event  # type: ignore[assignment]
            if mouse.button() == Qt.MouseButton.MiddleButton:
                self._activate(self.tree.indexAt(mouse.position().toPoint()), True)
                return True
        return super().eventFilter(watched, event)

    def _tree_key(self, event: QKeyEvent) -> bool:
        if self.tree.state() == QAbstractItemView.State.EditingState:
            return False
        key = event.key()
        alt = bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            (self.open_tab_action if alt else self.open_action).trigger()
            return True
        pressed = QKeySequence(event.keyCombination())
        for action in (self.rename_action, self.note_action, self.move_up_action,
                       self.move_down_action, self.new_folder_action, self.delete_action,
                       self.undo_action):
            if action.shortcut().matches(pressed) == QKeySequence.SequenceMatch.ExactMatch:
                action.trigger()
                return True
        return False

    def _note_key(self, event: QKeyEvent) -> bool:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self._note_target is not None:
                self.store.set_note(self._note_target, self.note_edit.text().strip())
                self._after_edit()
            self._close_note()
            return True
        if event.key() == Qt.Key.Key_Escape:
            self._close_note()
            return True
        return False

    def _close_note(self) -> None:
        self._note_target = None
        self.note_edit.hide()
        self.tree.setFocus()

    def _activate(self, index: QModelIndex, new_tab: bool) -> None:
        if not index.isValid():
            return
        kind = index.data(KIND_ROLE)
        if kind == "folder":
            self.tree.setExpanded(index, not self.tree.isExpanded(index))
            return
        bookmark = self.store.get(int(index.data(ID_ROLE)))
        if bookmark.is_search:
            self.search_requested.emit(bookmark.query or "")
        elif bookmark.missing:
            candidates = self._ambiguous.get(bookmark.id)
            if candidates:
                self._pick_ambiguous(bookmark.id)
            else:
                self._show_message(f"“{bookmark.title}” ({bookmark.entry_id}) is no longer "
                                   "in the library.")
        else:
            self.open_requested.emit(bookmark.entry_id or "", bookmark.anchor or "", new_tab)

    def _item_edited(self, item: QStandardItem) -> None:
        if self._building:
            return
        kind, item_id, text = item.data(KIND_ROLE), item.data(ID_ROLE), item.text().strip()
        try:
            if not text:
                raise BookmarkError("a name can't be empty")
            if kind == "folder":
                self.store.rename_folder(int(item_id), text)
            else:
                self.store.rename(int(item_id), text)
        except BookmarkError as exc:
            self._show_message(str(exc))
        self._after_edit_later(_key(str(kind), int(item_id)))

    def _after_edit_later(self, key: tuple[str, int]) -> None:
        # Rebuilding inside itemChanged would delete the item its editor is committing to.
        QTimer.singleShot(0, lambda: (self._after_edit(), self.select(*key)))

    def _dropped(self, items: list[tuple[str, int]], folder_id: int | None, row: int) -> None:
        n_folders = len(self.store.folders(folder_id))
        moved = False
        for kind, item_id in items:
            try:
                if kind == "folder":
                    moved |= self._drop_folder(item_id, folder_id, row, n_folders)
                else:
                    moved |= self._drop_bookmark(item_id, folder_id, row, n_folders)
            except BookmarkError as exc:
                self._show_message(str(exc))
        if moved:
            self._after_edit()
            if folder_id is not None:
                self.tree.expand(self._find("folder", folder_id))
            kind, item_id = items[0]
            self.select(_key(kind, item_id)[0], item_id)

    def _drop_folder(self, folder_id: int, parent_id: int | None, row: int, n_folders: int) -> bool:
        folder = self.store.get_folder(folder_id)
        position = None if row < 0 else min(row, n_folders)
        if position is not None and folder.parent_id == parent_id and folder.position < position:
            position -= 1
        self.store.move_folder(folder_id, parent_id, position)
        return True

    def _drop_bookmark(self, bookmark_id: int, folder_id: int | None, row: int, n_folders: int) -> bool:
        bookmark = self.store.get(bookmark_id)
        position = None if row < 0 else max(0, row - n_folders)
        if position is not None and bookmark.folder_id == folder_id and bookmark.position < position:
            position -= 1
        self.store.move(bookmark_id, folder_id, position)
        return True

    def _context_menu(self, pos: QPoint) -> None:
        index = self.tree.indexAt(pos)
        if index.isValid():
            self.tree.setCurrentIndex(index)
        menu = QMenu(self)
        kind = index.data(KIND_ROLE) if index.isValid() else None
        if kind in ("entry", "search"):
            menu.addAction(self.open_action)
            if kind == "entry":
                menu.addAction(self.open_tab_action)
            menu.addAction(self.note_action)
        if kind:
            menu.addAction(self.rename_action)
            menu.addAction(self.move_up_action)
            menu.addAction(self.move_down_action)
            menu.addAction(self.move_to_action)
            menu.addSeparator()
        menu.addAction(self.new_folder_action)
        menu.addAction(self.sort_title_action)
        menu.addAction(self.sort_date_action)
        if kind:
            menu.addSeparator()
            menu.addAction(self.delete_action)
        if self._undo:
            menu.addAction(self.undo_action)
        menu.exec(self.tree.viewport().mapToGlobal(pos))

    def _choose_folder(self) -> None:
        key = self.current_key()
        if key is None:
            return
        choices: list[tuple[str, int | None]] = [("(Top level)", None)]
        self._folder_choices(self.store.tree(), (), choices, skip=key[1] if key[0] == "folder" else None)
        labels = [label for label, _ in choices]
        label, ok = QInputDialog.getItem(self, "Move to folder", "Folder:", labels, 0, False)
        if ok:
            self.move_to_folder(dict(choices)[label])

    def _folder_choices(self, node: FolderNode, path: tuple[str, ...],
                        out: list[tuple[str, int | None]], skip: int | None) -> None:
        for sub in node.folders:
            assert sub.folder is not None
            if sub.folder.id == skip:
                continue
            sub_path = (*path, sub.folder.name)
            out.append(("/".join(sub_path), sub.folder.id))
            self._folder_choices(sub, sub_path, out, skip)

    def _pick_ambiguous(self, bookmark_id: int | None = None) -> None:
        if not self._ambiguous:
            self.info_bar.hide()
            return
        bid = bookmark_id if bookmark_id in self._ambiguous else next(iter(self._ambiguous))
        bookmark = self.store.get(bid)
        entry_id, ok = QInputDialog.getItem(
            self, "Entry moved", f"“{bookmark.title}” was {bookmark.entry_id}. Which entry is it now?",
            self._ambiguous[bid], 0, False)
        if ok and entry_id:
            self.resolve_ambiguous(bid, entry_id)

    # ----- helpers -------------------------------------------------------------------------

    def _after_edit(self) -> None:
        self.refresh()
        self.changed.emit()

    def _show_info(self) -> None:
        n = len(self._ambiguous)
        if n:
            self.info_label.setText(f"{n} missing bookmark{'s' if n > 1 else ''} match several "
                                    "entries. Pick the right one.")
            self.info_button.setVisible(True)
            self.info_bar.show()
        else:
            self.info_bar.hide()

    def _show_message(self, text: str) -> None:
        self.info_label.setText(text)
        self.info_button.setVisible(bool(self._ambiguous))
        self.info_bar.show()

    def _apply_filter(self) -> None:
        self.proxy.setFilterFixedString(self.filter_edit.text().strip())
        if self.filter_edit.text().strip():
            self.tree.expandAll()

    def _find(self, kind: str, item_id: int) -> QModelIndex:
        wanted = {"folder"} if kind == "folder" else {"entry", "search"}
        for index in self.model.match(self.model.index(0, 0), ID_ROLE, item_id, -1,
                                      Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive):
            if index.data(KIND_ROLE) in wanted:
                return self.proxy.mapFromSource(index)
        return QModelIndex()

    def _expanded_folders(self) -> set[int]:
        out: set[int] = set()
        stack = [QModelIndex()]
        while stack:
            parent = stack.pop()
            for row in range(self.proxy.rowCount(parent)):
                index = self.proxy.index(row, 0, parent)
                if index.data(KIND_ROLE) == "folder":
                    if self.tree.isExpanded(index):
                        out.add(int(index.data(ID_ROLE)))
                    stack.append(index)
        return out

    def _restore_expanded(self, expanded: set[int], expand_all: bool) -> None:
        if expand_all or self.filter_edit.text().strip():
            self.tree.expandAll()
            return
        for folder_id in expanded:
            index = self._find("folder", folder_id)
            if index.isValid():
                self.tree.expand(index)

    def _update_empty(self) -> None:
        empty = self.model.rowCount() == 0
        self.empty_label.setVisible(empty)
        self.tree.setVisible(not empty)

