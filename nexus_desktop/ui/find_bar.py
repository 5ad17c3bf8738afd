"""Find in page (Ctrl+F, F3, Shift+F3, Esc): the bar under the tabs, finding in the current tab; without a
find, F3 goes through the search's matches in the page."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget

from nexus_desktop.ui.page_matches import MAX_FOUND

if TYPE_CHECKING:
    from nexus_desktop.ui.viewer import ViewerTab


class FindBar(QWidget):
    """Find in page: a field, next/previous buttons, a result note; Esc closes it. It finds in the tab
    it is given (`set_tab`, pushed as the current tab changes)."""

    closed = Signal()
    message = Signal(str)  # where F3 went among the search's matches ("Match 2 of 7"), for the status bar

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tab: ViewerTab | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 3, 6, 3)
        layout.addWidget(QLabel("Find:"))
        self.field = QLineEdit(self)
        self.field.setPlaceholderText("Find in page")
        self.field.setClearButtonEnabled(True)
        self.field.setMaximumWidth(320)
        self.field.returnPressed.connect(self.find_next)
        self.field.textChanged.connect(self._typed)
        self.field.installEventFilter(self)
        layout.addWidget(self.field)
        for text, tip, slot in (("\u25b2", "Previous (Shift+F3)", self.find_previous),
                                ("\u25bc", "Next (F3)", self.find_next)):
            button = QToolButton(self)
            button.setText(text)
            button.setToolTip(tip)
            button.setAutoRaise(True)
            button.clicked.connect(slot)
            layout.addWidget(button)
        self.note = QLabel("", self)
        layout.addWidget(self.note)
        layout.addStretch(1)
        close = QToolButton(self)
        close.setText("\u2715")
        close.setToolTip("Close (Esc)")
        close.setAutoRaise(True)
        close.clicked.connect(self.close_bar)
        layout.addWidget(close)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.activated.connect(self.close_bar)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if obj is self.field and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress:
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and \
                    event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self.find_previous()
                return True
        return super().eventFilter(obj, event)

    def set_tab(self, tab: ViewerTab | None) -> None:
        """Find in this tab from now on (the current one)."""
        if self._tab is not None and self._tab is not tab:
            self._tab.clear_found()
            self.note.setText("")
        self._tab = tab

    def open_bar(self, text: str | None = None) -> None:
        """Show the bar with the tab's selected text (or what was typed before), selected."""
        if text is None:
            text = self._tab.selected_text() if self._tab is not None else ""
        self.show()
        if text:
            self.field.setText(text)
        self.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.field.selectAll()

    def close_bar(self) -> None:
        self.hide()
        self.note.setText("")
        if self._tab is not None:
            self._tab.clear_found()
            self._tab.browser.setFocus()
        self.closed.emit()

    def find_next(self) -> None:
        self._find(self.field.text(), backward=False)

    def find_previous(self) -> None:
        self._find(self.field.text(), backward=True)

    def find_again(self, backward: bool) -> None:
        """F3 / Shift+F3: the next or previous match of the find, else of the search the page was opened
        from; the bar opens when there is nothing to go to."""
        if not self.isHidden() and self.field.text():
            self._find(self.field.text(), backward)
            return
        number, count = self._tab.next_mark(backward) if self._tab is not None else (0, 0)
        if count:
            self.message.emit(f"Search match {number} of {count}")
        else:
            self.open_bar()

    def _typed(self, text: str) -> None:
        self._find(text, backward=False, incremental=True)

    def _find(self, text: str, backward: bool, incremental: bool = False) -> None:
        if self._tab is None:
            return
        number, count = self._tab.find_text(text, backward, incremental)
        self.note.setText(found_note(number, count) if text else "")


def found_note(number: int, count: int) -> str:
    """"3 of 12" (with a + when there are more than find counts), or "Not found"."""
    if not count:
        return "Not found"
    return f"{number} of {count}{'+' if count >= MAX_FOUND else ''}"
