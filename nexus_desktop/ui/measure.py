"""The readable line length applied to a shown page: core's margin rule set on the document's top-level parts."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextBlock, QTextCursor, QTextDocument, QTextFormat, QTextFrame, QTextTable

from nexus_desktop.core.render.layout import MIN_MARGIN

_BASE_LEFT = QTextFormat.Property.UserProperty + 1    # a block's own margins (CSS), before the measure's
_BASE_RIGHT = QTextFormat.Property.UserProperty + 2


def prepare(document: QTextDocument) -> None:
    """Once per page: the document's own margin is the smallest one (the measure adds to it)."""
    if document.documentMargin() != MIN_MARGIN:
        document.setDocumentMargin(MIN_MARGIN)


def apply_measure(document: QTextDocument, margin: int, from_position: int = 0) -> None:
    """Give the page's text and one-cell boxes (code, callouts, embeds) `margin` px at each side; data
    tables keep the whole width, centred (they wrap between words there). Only the top-level parts at or
    after `from_position` are set (pieces of a big entry appended later)."""
    extra = max(0, margin - MIN_MARGIN)
    cursor = QTextCursor(document)
    cursor.beginEditBlock()
    frames = document.rootFrame().begin()
    while not frames.atEnd():
        frame = frames.currentFrame()
        if frame is not None:
            if frame.lastPosition() >= from_position:
                _set_frame(frame, extra)
        else:
            block = frames.currentBlock()
            if block.isValid() and block.position() + block.length() > from_position:
                _set_block(cursor, block, extra)
        frames += 1
    cursor.endEditBlock()


def _set_frame(frame: QTextFrame, extra: int) -> None:
    if isinstance(frame, QTextTable) and frame.columns() > 1:
        table = frame.format()
        if table.leftMargin() or table.rightMargin() or table.alignment() != Qt.AlignmentFlag.AlignHCenter:
            table.setLeftMargin(0)
            table.setRightMargin(0)
            table.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            frame.setFormat(table)
        return
    fmt = frame.frameFormat()
    if fmt.leftMargin() != extra or fmt.rightMargin() != extra:
        fmt.setLeftMargin(extra)
        fmt.setRightMargin(extra)
        frame.setFrameFormat(fmt)


def _set_block(cursor: QTextCursor, block: QTextBlock, extra: int) -> None:
    fmt = block.blockFormat()
    stored = fmt.hasProperty(_BASE_LEFT)
    if not stored:
        fmt.setProperty(_BASE_LEFT, fmt.leftMargin())
        fmt.setProperty(_BASE_RIGHT, fmt.rightMargin())
    left = fmt.doubleProperty(_BASE_LEFT) + extra
    right = fmt.doubleProperty(_BASE_RIGHT) + extra
    if stored and fmt.leftMargin() == left and fmt.rightMargin() == right:
        return
    fmt.setLeftMargin(left)
    fmt.setRightMargin(right)
    cursor.setPosition(block.position())
    cursor.setBlockFormat(fmt)
