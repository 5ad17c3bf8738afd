"""The bookmarks tree as a Qt model (drag and drop decoded into `dropped`) and the delegate that draws rows."""

from __future__ import annotations

import json
from collections.abc import Iterable

from PySide6.QtCore import QByteArray, QMimeData, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPalette, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from nexus_desktop.core.bookmarks import Bookmark, FolderNode

MIME_TYPE = "application/x-nexus-bookmarks"
KIND_ROLE = Qt.ItemDataRole.UserRole + 1     # "folder", "entry" or "search"
ID_ROLE = Qt.ItemDataRole.UserRole + 2       # bookmark or folder id (int)
NOTE_ROLE = Qt.ItemDataRole.UserRole + 3
MISSING_ROLE = Qt.ItemDataRole.UserRole + 4
FILTER_ROLE = Qt.ItemDataRole.UserRole + 5
NEW_FOLDER_NAME = "New folder"


def item_key(kind: str, item_id: int) -> tuple[str, int]:
    """("folder" | "bookmark", id) for a row of any kind."""
    return ("folder" if kind == "folder" else "bookmark", item_id)


class BookmarkModel(QStandardItemModel):
    """The store's tree as items; a drop is decoded here and announced with `dropped`."""

    dropped = Signal(list, object, int)  # [(kind, id)], target folder id (None: top level), row (-1: onto it)

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
                        parent: QModelIndex | QPersistentModelIndex) -> bool:
        if not data.hasFormat(MIME_TYPE):
            return False
        return not parent.isValid() or parent.data(KIND_ROLE) == "folder"

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,  # noqa: N802
                     parent: QModelIndex | QPersistentModelIndex) -> bool:
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
        self.dropped.emit(items, folder_id, row)
        return False

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        if not index.isValid():
            return base | Qt.ItemFlag.ItemIsDropEnabled
        if index.data(KIND_ROLE) == "folder":
            return base | Qt.ItemFlag.ItemIsDragEnabled | Qt.ItemFlag.ItemIsDropEnabled
        return (base | Qt.ItemFlag.ItemIsDragEnabled) & ~Qt.ItemFlag.ItemIsDropEnabled


class BookmarkDelegate(QStyledItemDelegate):
    """Two lines for a bookmark with a note (the note dimmed); missing entries dimmed, italic."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:  # noqa: N802
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

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
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


def fill_items(parent: QStandardItem, node: FolderNode, style: QStyle) -> None:
    """Items for a folder node's sub-folders (first) and bookmarks, appended under `parent`."""
    rows: list[QStandardItem] = []
    for sub in node.folders:
        assert sub.folder is not None
        item = QStandardItem(sub.folder.name)
        item.setData("folder", KIND_ROLE)
        item.setData(sub.folder.id, ID_ROLE)
        item.setData(sub.folder.name, FILTER_ROLE)
        item.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_DirIcon))
        item.setToolTip(f"{sub.folder.name} — {sum(1 for _ in sub.walk())} bookmarks")
        fill_items(item, sub, style)
        rows.append(item)
    rows.extend(bookmark_item(b, style) for b in node.bookmarks)
    if rows:
        parent.appendRows(rows)


def bookmark_item(b: Bookmark, style: QStyle) -> QStandardItem:
    """The row of one bookmark or saved search: title, note, missing mark, icon and tooltip."""
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
    item.setIcon(style.standardIcon(pixmap))
    lines = [f"Saved search: {b.query}" if b.is_search
             else f"{b.entry_id}#{b.anchor}" if b.anchor else str(b.entry_id)]
    if b.missing:
        lines.append("This entry is no longer in the library (title when bookmarked).")
    if b.note:
        lines.append(b.note)
    lines.append(f"Added {b.created[:10]}")
    item.setToolTip("\n".join(lines))
    return item
