"""File > Library folders…: the folders the library reads, with adding and removing one."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QHBoxLayout, QLabel, QListWidget,
                               QListWidgetItem, QPushButton, QVBoxLayout, QWidget)

if TYPE_CHECKING:
    from nexus_desktop.core.state import RootsStore

NAME_ROLE = Qt.ItemDataRole.UserRole + 1  # the root name of a folder the user added ("" for the others)
FolderChooser = Callable[[QWidget], str]
T = TypeVar("T")


def choose_folder(parent: QWidget) -> str:
    """The system's folder picker; "" when cancelled."""
    return QFileDialog.getExistingDirectory(parent, "Add a folder of Markdown to the library")


class LibraryFoldersDialog(QDialog):
    """Lists the library's folders; Add and Remove change the user's roots in the user database.

    `reindex_requested` asks for the library to be indexed again when a change applies to this run
    (a `--content` run reads only its own folders: changes wait for the next normal launch);
    `message` says what was done, for the status bar."""

    reindex_requested = Signal()
    message = Signal(str)

    def __init__(self, roots: RootsStore, bundled: Path, content: Sequence[str] | None = None,
                 parent: QWidget | None = None, chooser: FolderChooser = choose_folder) -> None:
        super().__init__(parent)
        self.setWindowTitle("Library folders")
        self.setObjectName("LibraryFolders")
        self.roots = roots
        self.bundled = bundled
        self.content = list(content) if content else None
        self.chooser = chooser
        self.list = QListWidget(self)
        self.list.setAlternatingRowColors(True)
        self.list.setSpacing(3)
        self.list.currentItemChanged.connect(lambda *_: self._enable())
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.add_button = QPushButton("&Add Folder\u2026", self)
        self.remove_button = QPushButton("&Remove", self)
        self.remove_button.setToolTip("Remove the folder from the library; its files stay where they are")
        self.add_button.clicked.connect(self.add_folder)
        self.remove_button.clicked.connect(self.remove_selected)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Nexus reads the Markdown files in these folders:", self))
        layout.addWidget(self.list, 1)
        layout.addWidget(self.note)
        layout.addLayout(buttons)
        self.resize(620, 360)
        self.refresh()

    # ----- what the user sees -------------------------------------------------------------------
    def folders(self) -> list[str]:
        """The rows as shown: `name — folder`."""
        return [self.list.item(row).text() for row in range(self.list.count())]

    def refresh(self) -> None:
        """List the bundled knowledge base and the user's folders (or this run's --content folders)."""
        current = self._selected_name()
        self.list.clear()
        self._add_row("nexus", self.bundled, "", "the Project Nexus knowledge base that comes with the app")
        for name, folder in self.roots.list():
            self._add_row(name, folder, name, "")
            if name == current:
                self.list.setCurrentRow(self.list.count() - 1)
        if self.content is not None:
            shown = ", ".join(self.content)
            self.note.setText(f"This window reads only the folders given with --content ({shown}); "
                              "changes here apply from the next normal launch.")
        else:
            self.note.setText("Removing a folder takes its entries out of the library and the index; "
                              "its files stay where they are.")
        self._enable()

    # ----- commands -----------------------------------------------------------------------------
    def add_folder(self) -> str | None:
        """Pick a folder and add it; returns its root name (None when cancelled or not possible)."""
        folder = self.chooser(self)
        if not folder:
            return None
        if not Path(folder).is_dir():
            self._refuse(f"{folder} is not a folder")
            return None
        name = self._store(lambda: self.roots.add(folder))
        if name is None:
            return None
        self.refresh()
        self._select(name)
        self._changed(f"Added {folder} to the library as \u201c{name}\u201d")
        return name

    def remove_selected(self) -> bool:
        """Remove the selected folder the user added; False when none is selected (or it failed)."""
        name = self._selected_name()
        if not name:
            return False
        removed = bool(self._store(lambda: self.roots.remove(name)))
        self.refresh()
        if removed:
            self._changed(f"Removed \u201c{name}\u201d from the library (its files are untouched)")
        return removed

    # ----- internals ----------------------------------------------------------------------------
    def _store(self, change: Callable[[], T]) -> T | None:
        """Run one change of the user's roots (its own transaction); None, after telling the user, when
        the user database refused it (read-only, damaged)."""
        from nexus_desktop.core.userdb import UserDataError

        try:
            return change()
        except UserDataError as exc:
            self._refuse(str(exc))
            return None

    def _add_row(self, name: str, folder: Path, removable_name: str, about: str) -> None:
        row = QListWidgetItem(f"{name} \u2014 {folder}")
        row.setData(NAME_ROLE, removable_name)
        row.setToolTip(about or str(folder))
        if not removable_name:
            font = row.font()
            font.setItalic(True)
            row.setFont(font)
        self.list.addItem(row)

    def _selected_name(self) -> str:
        item = self.list.currentItem()
        return str(item.data(NAME_ROLE) or "") if item is not None else ""

    def _select(self, name: str) -> None:
        for row in range(self.list.count()):
            if self.list.item(row).data(NAME_ROLE) == name:
                self.list.setCurrentRow(row)

    def _enable(self) -> None:
        self.remove_button.setEnabled(bool(self._selected_name()))

    def _changed(self, text: str) -> None:
        if self.content is None:
            self.message.emit(f"{text}; indexing\u2026")
            self.reindex_requested.emit()
        else:
            self.message.emit(f"{text}; the next normal launch reads it")

    def _refuse(self, text: str) -> None:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.warning(self, "Library folders", text)
