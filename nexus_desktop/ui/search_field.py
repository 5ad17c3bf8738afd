"""The search field at the top of the window (its own small module: it is part of the first frame)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget

from nexus_desktop.ui.lazy_qt import Qt  # launch path: the real namespace after the first frame


class SearchField(QLineEdit):
    """The search field: Up/Down move the result selection, Enter/Alt+Enter open it."""

    navigate = Signal(int)       # rows to move (negative: up)
    activated = Signal(bool)     # new tab?

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("Search the library  (Ctrl+K)")
        self.setClearButtonEnabled(True)
        self.setObjectName("searchField")

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        key = event.key()
        if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
            self.navigate.emit(1 if key == Qt.Key.Key_Down else -1)
            return
        if key in (Qt.Key.Key_PageDown, Qt.Key.Key_PageUp) and not event.modifiers():
            self.navigate.emit(10 if key == Qt.Key.Key_PageDown else -10)
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.activated.emit(bool(event.modifiers() & Qt.KeyboardModifier.AltModifier))
            return
        if key == Qt.Key.Key_Escape and self.text():
            self.clear()
            return
        super().keyPressEvent(event)
