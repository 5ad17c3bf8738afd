"""Ctrl+D: bookmark the current entry (or remove its bookmark) with a small folder/note popover."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QFont, QKeyEvent, QPalette
from PySide6.QtWidgets import (QComboBox, QDialog, QFormLayout, QFrame, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QVBoxLayout, QWidget)

from nexus_desktop.core.bookmarks import Bookmark, BookmarkError, BookmarkStore, FolderNode

if TYPE_CHECKING:
    from nexus_desktop.ui.user_data import UserData

TOP_LEVEL = "(Top level)"
NEW_FOLDER = "New folder…"
WIDTH = 340


class BookmarkPopover(QDialog):
    """The popover shown after adding a bookmark: title, folder, note; Done or Remove."""

    last_folder: dict[str, int | None] = {}  # per database: where the previous bookmark went
    active: BookmarkPopover | None = None

    def __init__(self, data: UserData, bookmark: Bookmark, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup | Qt.WindowType.FramelessWindowHint)
        self.setObjectName("BookmarkPopover")
        self.data = data
        self.store = data.bookmarks
        self.bookmark = bookmark
        self.removed = False
        self._build()
        self.setFixedWidth(WIDTH)

    # ----- the one entry point -------------------------------------------------------------

    @classmethod
    def toggle(cls, data: UserData, entry_id: str, title: str, anchor: str | None = None,
               parent: QWidget | None = None, initiator: object | None = None) -> bool:
        """Core's toggle rule through the user data (one transaction, one announcement): False when
        it removed; True when it added, and the popover is shown to edit the new bookmark."""
        folder_id = cls.last_folder.get(_db_key(data.bookmarks))
        bookmark = data.toggle_bookmark(initiator, entry_id, title, anchor, folder_id)
        if cls.active is not None:  # the previous popover's bookmark is edited no more (or just removed)
            cls.active.close()
        if bookmark is None:
            return False
        popover = cls._kept_by(parent, data)
        if popover is None:
            popover = cls(data, bookmark, parent)
            popover.finished.connect(popover._forget)
            if parent is None:
                popover.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        else:
            popover.edit(bookmark)
        cls.active = popover
        popover.popup()
        return True

    @classmethod
    def _kept_by(cls, parent: QWidget | None, data: UserData) -> BookmarkPopover | None:
        """The window's one popover, shown again for each new bookmark: a popup window made and destroyed
        per Ctrl+D left ~65 KB behind each time (native window, backing store), a soak's steady climb."""
        if parent is None:
            return None
        kept = parent.findChild(cls)
        if kept is not None and kept.data is not data:  # another user database: start afresh
            kept.deleteLater()
            return None
        return kept

    def edit(self, bookmark: Bookmark) -> None:
        """Show this bookmark's title, folder and note (the popover is reused for each new bookmark)."""
        self.bookmark = bookmark
        self.removed = False
        self.title_edit.setText(bookmark.title)
        self.note_edit.setText(bookmark.note)
        self.new_folder_edit.clear()
        self.folder_combo.clear()
        self._fill_folders()

    def _forget(self) -> None:
        """Closed (and deleted): no longer the active popover. Only this one is forgotten: an older
        popover closing late must not make a newer one unreachable (it would never be closed, and
        every other popover would live as long as the window)."""
        if type(self).active is self:
            type(self).active = None

    # ----- widgets -------------------------------------------------------------------------

    def _build(self) -> None:
        frame = QFrame(self)
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        frame.setAutoFillBackground(True)
        frame.setBackgroundRole(QPalette.ColorRole.Window)
        heading = QLabel("Bookmark added", frame)
        font = QFont(heading.font())
        font.setBold(True)
        heading.setFont(font)
        self.title_edit = QLineEdit(self.bookmark.title, frame)
        self.folder_combo = QComboBox(frame)
        self._folders: list[int | None] = []
        self._fill_folders()
        self.new_folder_edit = QLineEdit(frame)
        self.new_folder_edit.setPlaceholderText("Folder name (A/B for nested)")
        self.new_folder_edit.hide()
        self.note_edit = QLineEdit(self.bookmark.note, frame)
        self.note_edit.setPlaceholderText("Optional note")
        self.remove_button = QPushButton("Remove", frame)
        self.done_button = QPushButton("Done", frame)
        self.done_button.setDefault(True)
        self.done_button.clicked.connect(self.done_editing)
        self.remove_button.clicked.connect(self.remove)
        self.folder_combo.currentIndexChanged.connect(self._folder_changed)
        form = QFormLayout()
        form.addRow("Name", self.title_edit)
        form.addRow("Folder", self.folder_combo)
        form.addRow("", self.new_folder_edit)
        form.addRow("Note", self.note_edit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        buttons.addWidget(self.done_button)
        inner = QVBoxLayout(frame)
        inner.setContentsMargins(12, 10, 12, 10)
        inner.addWidget(heading)
        inner.addLayout(form)
        inner.addLayout(buttons)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(frame)

    def _fill_folders(self) -> None:
        self.folder_combo.addItem(TOP_LEVEL)
        self._folders = [None]
        for path, folder_id in _folder_paths(self.store.tree(), ()):
            self.folder_combo.addItem("/".join(path))
            self._folders.append(folder_id)
        self.folder_combo.addItem(NEW_FOLDER)
        if self.bookmark.folder_id in self._folders:
            self.folder_combo.setCurrentIndex(self._folders.index(self.bookmark.folder_id))

    def folder_names(self) -> list[str]:
        """The folder choices as shown (top level, folder paths, "New folder…")."""
        return [self.folder_combo.itemText(i) for i in range(self.folder_combo.count())]

    def choose_folder(self, path: str) -> None:
        """Select a folder by its path as shown, or NEW_FOLDER to type a new one."""
        index = self.folder_combo.findText(path)
        if index < 0:
            raise KeyError(path)
        self.folder_combo.setCurrentIndex(index)

    def _folder_changed(self, index: int) -> None:
        is_new = self.folder_combo.itemText(index) == NEW_FOLDER
        self.new_folder_edit.setVisible(is_new)
        if is_new:
            self.new_folder_edit.setFocus()
        self.adjustSize()

    # ----- showing -------------------------------------------------------------------------

    def popup(self) -> None:
        """Show near the top right of the parent window with the note field focused."""
        self.adjustSize()
        parent = self.parentWidget()
        if parent is not None:
            window = parent.window()
            corner = window.mapToGlobal(QPoint(window.width() - self.width() - 16, 48))
            self.move(corner)
        self.show()
        self.activateWindow()
        self.note_edit.setFocus()

    # ----- actions -------------------------------------------------------------------------

    def done_editing(self) -> None:
        """Apply the title, folder and note in one transaction (none when nothing changed), then close (Enter)."""
        try:
            if self._edited():
                self.data.change(self, self._apply)
        except BookmarkError as exc:
            self.data.failed.emit(f"The bookmark could not be changed: {exc}")
        self.accept()

    def remove(self) -> None:
        """Remove the bookmark just added and close."""
        self.data.change(self, lambda store: store.remove(self.bookmark.id))
        self.removed = True
        self.accept()

    def _edited(self) -> bool:
        b = self.bookmark
        title = self.title_edit.text().strip()
        new_folder = self.folder_combo.currentText() == NEW_FOLDER and bool(self.new_folder_edit.text().strip())
        folder_index = self.folder_combo.currentIndex()
        folder_id = self._folders[folder_index] if 0 <= folder_index < len(self._folders) else b.folder_id
        type(self).last_folder[_db_key(self.store)] = folder_id
        return bool(title and title != b.title) or self.note_edit.text().strip() != b.note or new_folder \
            or folder_id != b.folder_id

    def _apply(self, store: BookmarkStore) -> None:
        b = self.bookmark
        title = self.title_edit.text().strip()
        if title and title != b.title:
            store.rename(b.id, title)
        note = self.note_edit.text().strip()
        if note != b.note:
            store.set_note(b.id, note)
        folder_id = self._chosen_folder(store)
        if folder_id != b.folder_id:
            store.move(b.id, folder_id)
        type(self).last_folder[_db_key(store)] = folder_id

    def _chosen_folder(self, store: BookmarkStore) -> int | None:
        index = self.folder_combo.currentIndex()
        if self.folder_combo.itemText(index) == NEW_FOLDER:
            name = self.new_folder_edit.text().strip()
            if not name:
                return self.bookmark.folder_id
            folder = store.folder_by_path(name, create=True)
            return folder.id if folder else None
        return self._folders[index] if 0 <= index < len(self._folders) else None

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt API)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.done_editing()
        elif event.key() == Qt.Key.Key_Escape:
            self.reject()  # keep the bookmark as added, with its defaults
        else:
            super().keyPressEvent(event)


def _folder_paths(node: FolderNode, path: tuple[str, ...]) -> list[tuple[tuple[str, ...], int]]:
    out: list[tuple[tuple[str, ...], int]] = []
    for sub in node.folders:
        assert sub.folder is not None
        sub_path = (*path, sub.folder.name)
        out.append((sub_path, sub.folder.id))
        out.extend(_folder_paths(sub, sub_path))
    return out


def _db_key(store: BookmarkStore) -> str:
    return str(store.db.path)
