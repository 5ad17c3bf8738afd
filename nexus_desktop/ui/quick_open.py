"""Quick open (Ctrl+P): recent entries at once, then a fuzzy match over titles and aliases as you type."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeyEvent, QPainter, QPalette
from PySide6.QtWidgets import (QDialog, QFrame, QLabel, QLineEdit, QListWidget, QListWidgetItem,
                               QStyle, QStyledItemDelegate, QStyleOptionViewItem, QVBoxLayout,
                               QWidget)

from nexus_desktop.core.fuzzy import FuzzyMatcher

if TYPE_CHECKING:  # the core modules load Whoosh/Markdown: not needed to build the widget
    from nexus_desktop.ui.workers import IndexedLibrary
    from nexus_desktop.core.index import CatalogItem

ID_ROLE = Qt.ItemDataRole.UserRole + 1
MATCHED_ROLE = Qt.ItemDataRole.UserRole + 2  # positions in the row's text of the letters the query matched
MAX_RESULTS = 50
RECENT_SHOWN = 10  # recent entries listed before anything is typed
ALIAS_ARROW = "   \u2190 "
WIDTH_FRACTION = 0.6
MIN_WIDTH, MAX_WIDTH = 420, 760
VISIBLE_ROWS = 12


def _runs(text: str, matched: Sequence[int]) -> list[tuple[str, bool]]:
    """`text` cut into runs of letters the query matched and letters it did not, in order."""
    marked = set(matched)
    runs: list[tuple[str, bool]] = []
    for pos, char in enumerate(text):
        hit = pos in marked
        if runs and runs[-1][1] == hit:
            runs[-1] = (runs[-1][0] + char, hit)
        else:
            runs.append((char, hit))
    return runs


class _RowDelegate(QStyledItemDelegate):
    """The title with the matched letters in bold link colour, and the entry id dimmed at the right
    (palette colours: light and dark)."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        title, opt.text = opt.text, ""
        style = opt.widget.style() if opt.widget else QStyle()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, opt.widget)
        rect = rect.adjusted(4, 0, -4, 0)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        main = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        dim = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.PlaceholderText
        metrics = QFontMetrics(opt.font)
        entry_id = str(index.data(ID_ROLE) or "")
        id_width = min(metrics.horizontalAdvance(entry_id) + 8, rect.width() // 2)
        painter.save()
        title_rect = QRect(rect.left(), rect.top(), rect.width() - id_width - 12, rect.height())
        hit = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Link
        self._paint_title(painter, opt, title_rect, title, index.data(MATCHED_ROLE) or (),
                          opt.palette.color(main), opt.palette.color(hit))
        painter.setFont(opt.font)
        painter.setPen(opt.palette.color(dim))
        id_rect = QRect(rect.right() - id_width, rect.top(), id_width, rect.height())
        painter.drawText(id_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                         metrics.elidedText(entry_id, Qt.TextElideMode.ElideLeft, id_width))
        painter.restore()

    @staticmethod
    def _paint_title(painter: QPainter, opt: QStyleOptionViewItem, rect: QRect, title: str,
                     matched: Sequence[int], plain: QColor, hit: QColor) -> None:
        """The title run by run, matched letters bold; elided at the right when it does not fit."""
        bold = QFont(opt.font)
        bold.setBold(True)
        fonts = {False: opt.font, True: bold}
        flags = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
        ellipsis = QFontMetrics(opt.font).horizontalAdvance("\u2026")
        x = rect.left()
        for text, is_hit in _runs(title, matched):
            metrics = QFontMetrics(fonts[is_hit])
            room = rect.right() - x
            shown = text if metrics.horizontalAdvance(text) <= room else \
                metrics.elidedText(text, Qt.TextElideMode.ElideRight, max(room, ellipsis))
            painter.setFont(fonts[is_hit])
            painter.setPen(hit if is_hit else plain)
            painter.drawText(QRect(x, rect.top(), rect.right() - x + 1, rect.height()), flags, shown)
            x += metrics.horizontalAdvance(shown)
            if shown != text:
                break


class QuickOpen(QDialog):
    """Frameless quick-open popup; Enter opens, Alt+Enter opens in a new tab, Esc closes."""

    open_requested = Signal(str, str, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup | Qt.WindowType.FramelessWindowHint)
        self.setObjectName("QuickOpen")
        self.setModal(False)
        frame = self._frame = QFrame(self)
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        frame.setAutoFillBackground(True)
        frame.setBackgroundRole(QPalette.ColorRole.Window)
        self.line_edit = QLineEdit(frame)
        self.line_edit.setPlaceholderText("Open entry by title or alias…")
        self.line_edit.setClearButtonEnabled(True)
        self.list = QListWidget(frame)
        self.list.setUniformItemSizes(True)
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.list.setItemDelegate(_RowDelegate(self.list))
        self.status = QLabel(frame)
        self.status.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        inner = QVBoxLayout(frame)
        inner.setContentsMargins(8, 8, 8, 6)
        inner.setSpacing(6)
        inner.addWidget(self.line_edit)
        inner.addWidget(self.list)
        inner.addWidget(self.status)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(frame)
        self._items: list[CatalogItem] = []
        self._by_id: dict[str, CatalogItem] = {}
        self._recent: list[str] = []
        self._matcher = FuzzyMatcher([])
        self._pending = QTimer(self, singleShot=True, interval=0)  # coalesce fast typing
        self._pending.timeout.connect(self.update_results)
        self.line_edit.textChanged.connect(self._pending.start)
        self.line_edit.installEventFilter(self)
        self.list.itemActivated.connect(lambda item: self._open(item, False))
        self.list.itemClicked.connect(lambda item: self._open(item, False))

    # ----- public API ----------------------------------------------------------------------

    def show_library(self, library: IndexedLibrary) -> None:
        """Match over the library as indexed now."""
        self.set_catalog(library.catalog, library.matcher)

    def set_catalog(self, items: Sequence[CatalogItem], matcher: FuzzyMatcher | None = None) -> None:
        """Entries to match; `matcher` (FuzzyMatcher over their titles and aliases, in the same order)
        can be built off the GUI thread, else it is built here."""
        self._items = list(items)
        self._by_id = {item.id: item for item in self._items}
        self._matcher = matcher or FuzzyMatcher([(item.title or item.id, *item.aliases) for item in self._items])
        if self.isVisible():
            self.update_results()

    def set_recent(self, entry_ids: Sequence[str]) -> None:
        """Entries opened recently, most recent first: listed before anything is typed."""
        self._recent = list(entry_ids)
        if self.isVisible() and not self.line_edit.text().strip():
            self.update_results()

    def matched_letters(self, row: int) -> str:
        """The letters of a listed row that the typed text matched (shown in bold)."""
        item = self.list.item(row)
        return "".join(item.text()[pos] for pos in item.data(MATCHED_ROLE) or ())

    def open_palette(self) -> None:
        """Show the popup centred over the parent window, empty and focused."""
        self.line_edit.clear()
        self.update_results()
        self._place()
        self.show()
        self.raise_()
        self.activateWindow()
        self.line_edit.setFocus()

    def results(self) -> list[str]:
        """Entry ids currently listed, in order."""
        return [self.list.item(row).data(ID_ROLE) for row in range(self.list.count())]

    def update_results(self) -> None:
        """Match the typed text now (normally done right after each keystroke)."""
        self._pending.stop()
        query = self.line_edit.text()
        self.list.clear()
        if not query.strip():
            self._show_recent()
            return
        matches = self._matcher.search(query, MAX_RESULTS)
        for match in matches:
            self.list.addItem(self._row(self._items[match.index], match.name, match.is_alias, match.positions))
        if matches:
            self.list.setCurrentRow(0)
        self.status.setText(f"{len(matches)} shown — Enter opens, Alt+Enter in a new tab"
                            if matches else "No matching entry")
        self._fit()

    # ----- internals -----------------------------------------------------------------------

    def _show_recent(self) -> None:
        """Nothing typed: the recent entries this library has, the most recent selected."""
        recent = [self._by_id[entry_id] for entry_id in self._recent if entry_id in self._by_id][:RECENT_SHOWN]
        for item in recent:
            self.list.addItem(self._row(item, item.title or item.id, False, ()))
        if recent:
            self.list.setCurrentRow(0)
            self.status.setText(f"Recently opened — type to match {len(self._items):,} entries by title or alias")
        else:
            self.status.setText(f"{len(self._items):,} entries — type to match titles and aliases")
        self._fit()

    @staticmethod
    def _row(item: CatalogItem, matched: str, is_alias: bool, positions: Sequence[int]) -> QListWidgetItem:
        title = item.title or item.id
        text = f"{title}{ALIAS_ARROW}{matched}" if is_alias else title
        shift = len(text) - len(matched) if is_alias else 0
        row = QListWidgetItem(text)
        row.setData(ID_ROLE, item.id)
        row.setData(MATCHED_ROLE, tuple(shift + pos for pos in positions if shift + pos < len(text)))
        row.setToolTip(item.id if not item.summary else f"{item.id}\n{item.summary}")
        return row

    def _place(self) -> None:
        parent = self.parentWidget()
        area = parent.window().frameGeometry() if parent else self.screen().availableGeometry()
        width = max(MIN_WIDTH, min(MAX_WIDTH, int(area.width() * WIDTH_FRACTION)))
        self.setFixedWidth(width)
        self._fit()
        self.move(area.center().x() - width // 2, area.top() + max(40, area.height() // 8))

    def _fit(self) -> None:
        """Grow or shrink the list to its rows (at most VISIBLE_ROWS); no list when empty."""
        rows = min(self.list.count(), VISIBLE_ROWS)
        self.list.setVisible(rows > 0)
        if rows:
            row_height = self.list.sizeHintForRow(0)
            self.list.setFixedHeight(rows * row_height + 2 * self.list.frameWidth())
        for layout in (self._frame.layout(), self.layout()):
            if layout is not None:
                layout.invalidate()
                layout.activate()
        self.resize(self.width(), self.sizeHint().height())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if watched is self.line_edit and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress:
            return self._key(event)
        return super().eventFilter(watched, event)

    def _key(self, event: QKeyEvent) -> bool:
        key = event.key()
        if key in (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_PageDown, Qt.Key.Key_PageUp):
            if self._pending.isActive():
                self.update_results()
            step = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1, Qt.Key.Key_PageDown: 10,
                    Qt.Key.Key_PageUp: -10}[Qt.Key(key)]
            self._move(step)
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self._pending.isActive():
                self.update_results()
            new_tab = bool(event.modifiers() & (Qt.KeyboardModifier.AltModifier
                                                | Qt.KeyboardModifier.ControlModifier))
            self._open(self.list.currentItem(), new_tab)
            return True
        if key == Qt.Key.Key_Escape:
            self.reject()
            return True
        return False

    def _move(self, step: int) -> None:
        count = self.list.count()
        if count:
            row = self.list.currentRow()
            self.list.setCurrentRow(max(0, min(count - 1, (row if row >= 0 else -1) + step)))

    def _open(self, item: QListWidgetItem | None, new_tab: bool) -> None:
        if item is None:
            return
        entry_id = str(item.data(ID_ROLE))
        self.accept()
        self.open_requested.emit(entry_id, "", new_tab)
