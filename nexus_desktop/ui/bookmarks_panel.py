"""The bookmarks panel: folders, bookmarks and saved searches, edited in place with undo.

Every edit is one user action through the user data (one transaction, one announcement); the panel
refreshes itself after its own edits and when others change the bookmarks.

Why over 450 lines: one widget with a dozen editing commands (rename, note, move, drag and drop, folders,
sort, delete with undo, resolve moved entries), each a few lines over the store; the model and the
delegate are in bookmark_model.py, the rules (positions, repoint, toggle) in core.bookmarks."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPoint, QSortFilterProxyModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QMouseEvent, QPalette, QShowEvent, QStandardItem
from PySide6.QtWidgets import (QAbstractItemView, QFileDialog, QHBoxLayout, QInputDialog, QLabel, QLineEdit,
                               QMenu, QPushButton, QToolButton, QTreeView, QVBoxLayout, QWidget)

from nexus_desktop.core.bookmarks import (Bookmark, BookmarkError, BookmarkStore, Folder, FolderNode,
                                          ReconcileReport, Removed, SortKey, drop_position, step_position)
from nexus_desktop.ui.background import BackgroundRunner
from nexus_desktop.ui.bookmark_model import (FILTER_ROLE, ID_ROLE, KIND_ROLE, NEW_FOLDER_NAME, BookmarkDelegate,
                                             BookmarkModel, fill_items, item_key)

if TYPE_CHECKING:
    from nexus_desktop.core.bookmark_exchange import ParsedFile
    from nexus_desktop.core.links import EntryRef
    from nexus_desktop.ui.user_data import UserData
    from nexus_desktop.ui.workers import IndexedLibrary

T = TypeVar("T")  # what a bookmark action returns


class BookmarksPanel(QWidget):
    """Folders and bookmarks with open, rename, notes, move, sort, filter and undoable delete."""

    open_requested = Signal(str, str, bool)
    search_requested = Signal(str)

    def __init__(self, data: UserData, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data = data
        self.store = data.bookmarks  # reads; every write goes through self._edit (data.change)
        self._undo: list[tuple[Removed, str]] = []
        self._ambiguous: dict[int, list[str]] = {}
        self._building = False
        self._note_target: int | None = None
        self._stale = True  # the tree is built when the panel is first shown
        self._importer: BackgroundRunner | None = None
        self._build_widgets()
        self._build_actions()

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
        self.model.dropped.connect(self._dropped)
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
        self.tree.viewport().installEventFilter(self)
        self.empty_label = QLabel("No bookmarks yet.\nPress Ctrl+D on an entry to bookmark it.", self)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.note_edit = QLineEdit(self)
        self.note_edit.setPlaceholderText("Note — Enter saves, Esc cancels")
        self.note_edit.hide()
        self.note_edit.returnPressed.connect(self._save_note)
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

    def _bar(self, button_text: str, slot: Callable[[], None]) -> tuple[QWidget, QLabel, QPushButton]:
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

    def _action(self, text: str, slot: Callable[[], object], *shortcuts: str) -> QAction:
        """An action of the tree: its shortcuts work while the tree has the focus (not while a row is edited)."""
        action = QAction(text, self)
        action.setShortcuts([QKeySequence(key) for key in shortcuts])
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        self.tree.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.open_action = self._action("Open", lambda: self._activate(self.tree.currentIndex(), False),
                                        "Return", "Enter")
        self.open_tab_action = self._action(
            "Open in new tab", lambda: self._activate(self.tree.currentIndex(), True), "Alt+Return", "Alt+Enter")
        self.rename_action = self._action("Rename", self.rename_current, "F2")
        self.note_action = self._action("Edit note…", self.edit_note, "Shift+F2")
        self.move_up_action = self._action("Move up", lambda: self.move_current(-1), "Ctrl+Up")
        self.move_down_action = self._action("Move down", lambda: self.move_current(1), "Ctrl+Down")
        self.move_to_action = self._action("Move to folder…", self._choose_folder)
        self.new_folder_action = self._action("New folder", self.new_folder, "Ctrl+Shift+N")
        self.delete_action = self._action("Delete", self.delete_current, "Delete")
        self.undo_action = self._action("Undo delete", self.undo, "Ctrl+Z")
        cancel_note = QAction("Cancel note", self.note_edit)
        cancel_note.setShortcut(QKeySequence("Escape"))
        cancel_note.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        cancel_note.triggered.connect(self._close_note)
        self.note_edit.addAction(cancel_note)
        self.sort_title_action = self._action("Sort folder by title", lambda: self.sort_current("title"))
        self.sort_date_action = self._action("Sort folder by date added",
                                             lambda: self.sort_current("created"))
        self.import_action = QAction("Import bookmarks…", self)
        self.import_action.triggered.connect(lambda _checked=False: self._choose_import())
        menu = QMenu(self)
        for action in (self.new_folder_action, None, self.sort_title_action, self.sort_date_action,
                       None, self.undo_action, None, self.import_action):
            menu.addSeparator() if action is None else menu.addAction(action)
        self.menu_button.setMenu(menu)

    # ----- public API ----------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh_when_shown(self) -> None:
        """Rebuild now if the panel is shown, else once when it is next shown: with 20k bookmarks a
        rebuild takes about a second, which a Ctrl+D elsewhere in the window must not pay."""
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def refresh(self) -> None:
        """Rebuild the tree from the store, keeping expanded folders and the current item."""
        self._stale = False
        expanded = self._expanded_folders()
        current = self.current_key()
        first_build = self.model.rowCount() == 0
        self._building = True
        try:
            # removeRows, not clear(): clear() deletes the items in C++ only, and PySide keeps the Python
            # wrapper of every item made here for the life of the window (a leak per row per refresh).
            self.model.removeRows(0, self.model.rowCount())
            fill_items(self.model.invisibleRootItem(), self.store.tree(), self.style())
        finally:
            self._building = False
        self._apply_filter()
        self._restore_expanded(expanded, expand_all=first_build)
        if current is not None:
            self.select(*current)
        self._update_empty()

    def show_library(self, library: IndexedLibrary) -> None:
        """The library as indexed now: bookmarks of entries no longer there are marked missing."""
        self.set_known(library.refs)

    def set_known(self, known: Mapping[str, EntryRef]) -> ReconcileReport:
        """Reconcile with the library (entry id -> EntryRef): mark missing, re-point unambiguous ones,
        note ambiguous ones."""
        report = self.data.reconcile(self, known)
        self._ambiguous = dict(report.ambiguous)
        self.refresh_when_shown()
        self._show_info()
        return report

    def ambiguous(self) -> dict[int, list[str]]:
        """Missing bookmarks that match several entries: bookmark id -> candidate entry ids."""
        return dict(self._ambiguous)

    def resolve_ambiguous(self, bookmark_id: int, entry_id: str) -> None:
        """Point a missing bookmark at the chosen entry (keeps its title, note, anchor and place)."""
        new = self._edit(lambda store: store.repoint(bookmark_id, entry_id))
        self._ambiguous.pop(bookmark_id, None)
        if isinstance(new, Bookmark):
            self.select("bookmark", new.id)
        self._show_info()

    def current_key(self) -> tuple[str, int] | None:
        """("folder" | "bookmark", id) of the current row, or None."""
        index = self.tree.currentIndex()
        if not index.isValid():
            return None
        return item_key(str(index.data(KIND_ROLE)), int(index.data(ID_ROLE)))

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
            self._edit(lambda store: store.set_note(bookmark.id, note))
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
            position = step_position(folder.position, step, len(self.store.folders(folder.parent_id)))
            if position is not None:
                self._edit(lambda store: store.move_folder(item_id, folder.parent_id, position))
        else:
            bookmark = self.store.get(item_id)
            position = step_position(bookmark.position, step, len(self.store.bookmarks(bookmark.folder_id)))
            if position is not None:
                self._edit(lambda store: store.move(item_id, bookmark.folder_id, position))

    def move_to_folder(self, folder_id: int | None) -> None:
        """Move the current row into a folder (None = top level), at its end."""
        key = self.current_key()
        if key is None:
            return
        moved: Folder | Bookmark | None
        if key[0] == "folder":
            moved = self._edit(lambda store: store.move_folder(key[1], folder_id))
        else:
            moved = self._edit(lambda store: store.move(key[1], folder_id))
        if moved is None:
            return
        if folder_id is not None:
            self.tree.expand(self._find("folder", folder_id))
        self.select(*key)

    def new_folder(self, name: str | None = None) -> int:
        """Create a folder in the current folder; without a name, start editing its name."""
        parent = self.current_folder_id()
        folder = self._edit(lambda store: store.create_folder(name or NEW_FOLDER_NAME, parent))
        if not isinstance(folder, Folder):
            return -1
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
            next_key = item_key(str(below.data(KIND_ROLE)), int(below.data(ID_ROLE)))
        if key[0] == "folder":
            removed = self._edit(lambda store: store.delete(folder_ids=[key[1]]))
        else:
            removed = self._edit(lambda store: store.delete(bookmark_ids=[key[1]]))
        if removed is None:
            return
        self._undo.append((removed, label))
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
        removed, label = self._undo.pop()
        self._edit(lambda store: store.restore(removed))
        if removed.folders:
            self.select("folder", removed.folders[0].id)
        elif removed.bookmarks:
            self.select("bookmark", removed.bookmarks[0].id)
        if self._undo:
            self.undo_label.setText(f"Deleted “{self._undo[-1][1]}”.")
        else:
            self.undo_bar.hide()

    def sort_current(self, by: SortKey = "title") -> None:
        """Sort the current folder (or the top level) by "title" or "created"."""
        folder_id = self.current_folder_id()
        self._edit(lambda store: store.sort_folder(folder_id, by=by))

    # ----- events --------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if watched is self.tree.viewport() and isinstance(event, QMouseEvent) and \
                event.type() == QEvent.Type.MouseButtonRelease:
            if event.button() == Qt.MouseButton.MiddleButton:
                self._activate(self.tree.indexAt(event.position().toPoint()), True)
                return True
        return super().eventFilter(watched, event)

    def _save_note(self) -> None:
        target, note = self._note_target, self.note_edit.text().strip()
        if target is not None:
            self._edit(lambda store: store.set_note(target, note))
        self._close_note()

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
        kind, item_id, text = str(item.data(KIND_ROLE)), int(item.data(ID_ROLE)), item.text().strip()
        # Rebuilding inside itemChanged would delete the item its editor is committing to: next turn.
        QTimer.singleShot(0, lambda: self._rename(kind, item_id, text))

    def _rename(self, kind: str, item_id: int, text: str) -> None:
        if not text:
            self._show_message("a name can't be empty")
            self.refresh()
        elif kind == "folder":
            self._edit(lambda store: store.rename_folder(item_id, text))
        else:
            self._edit(lambda store: store.rename(item_id, text))
        self.select(*item_key(kind, item_id))

    def _dropped(self, items: list[tuple[str, int]], folder_id: int | None, row: int) -> None:
        def move(store: BookmarkStore) -> None:
            folders_here = len(store.folders(folder_id))
            for kind, item_id in items:
                if kind == "folder":
                    folder = store.get_folder(item_id)
                    store.move_folder(item_id, folder_id, drop_position(
                        row, folders_here, is_folder=True, same_parent=folder.parent_id == folder_id,
                        position=folder.position))
                else:
                    bookmark = store.get(item_id)
                    store.move(item_id, folder_id, drop_position(
                        row, folders_here, is_folder=False, same_parent=bookmark.folder_id == folder_id,
                        position=bookmark.position))

        self._edit(move)
        if folder_id is not None:
            self.tree.expand(self._find("folder", folder_id))
        if items:
            kind, item_id = items[0]
            self.select(item_key(kind, item_id)[0], item_id)

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

    def _edit(self, action: Callable[[BookmarkStore], T]) -> T | None:
        """One user action on the bookmarks: one transaction, announced once; the panel shows the result
        (a refused action is explained in the panel). Returns the action's result, None if it failed."""
        try:
            result = self.data.change(self, action)
        except BookmarkError as exc:
            self._show_message(str(exc))
            result = None
        self.refresh()
        return result

    def data_changed(self, initiator: object) -> None:
        """The user data changed (connect to UserData.changed): refresh, unless this panel made the change."""
        if initiator is not self:
            self.refresh_when_shown()

    # ----- import --------------------------------------------------------------------------

    def _choose_import(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Import bookmarks", "",
                                                    "Bookmarks (*.json *.xbel *.xml);;All files (*)")
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> None:
        """Import a .json or .xbel file without freezing the window: it is read and checked on a
        background thread (core bounds it: 50 MB, 100,000 items, 64 levels), then merged in one
        transaction; the panel says that it runs and how it ended."""
        from nexus_desktop.core.bookmark_exchange import read_bookmark_file

        self._importer = BackgroundRunner("nexus-import", self)  # its thread ends with the import
        self.import_action.setEnabled(False)
        self._show_message(f"Importing {path.name}\u2026")
        self._importer.run(lambda: read_bookmark_file(path), lambda parsed: self._merge_import(path, parsed),
                           lambda exc: self._import_failed(path, exc), owner=self)

    def shutdown(self) -> None:
        """The window closes: an import still being read is dropped (nothing of it was written)."""
        self._end_import()

    def _end_import(self) -> None:
        if self._importer is not None:
            self._importer.shutdown(2000)
            self._importer.deleteLater()
            self._importer = None
        self.import_action.setEnabled(True)

    def _merge_import(self, path: Path, parsed: ParsedFile) -> None:
        self._end_import()
        result = self._edit(lambda store: store.merge(parsed.items, parsed.folders, parsed.folder_created))
        if result is not None:
            skipped = f", {len(parsed.skipped)} skipped" if parsed.skipped else ""
            self._show_message(f"Imported {path.name}: {result.added} added, {result.duplicates} already "
                               f"there{skipped}.")

    def _import_failed(self, path: Path, exc: Exception) -> None:
        self._end_import()
        self._show_message(f"{path.name} was not imported: {exc}")

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

