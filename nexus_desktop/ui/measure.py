"""The readable line length applied to a shown page: core's margin and table rules set on the document's
top-level parts."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetricsF, QTextBlock, QTextCursor, QTextDocument, QTextFormat, QTextFrame, \
    QTextFrameFormat, QTextLength, QTextTable

from nexus_desktop.core.render.layout import MIN_MARGIN, table_column_widths

_BASE_LEFT = QTextFormat.Property.UserProperty + 1    # a block's own margins (CSS), before the measure's
_BASE_RIGHT = QTextFormat.Property.UserProperty + 2
_BASE_WIDTH_TYPE = QTextFormat.Property.UserProperty + 3  # a box's own width (a QTextLength: type, value)
_BASE_WIDTH = QTextFormat.Property.UserProperty + 4
_LONGEST_WORDS = QTextFormat.Property.UserProperty + 5  # a data table's columns: their longest word (px)
_NATURALS = QTextFormat.Property.UserProperty + 6       # and their longest cell, unwrapped (px)
_MEASURED_SIZE = QTextFormat.Property.UserProperty + 7  # the font size (pt) they were measured at (zoom)
SLACK = 2.0  # px a column gets beyond what its text measures (rounding in Qt's layout)


def prepare(document: QTextDocument) -> None:
    """Once per page: the document's own margin is the smallest one (the measure adds to it)."""
    if document.documentMargin() != MIN_MARGIN:
        document.setDocumentMargin(MIN_MARGIN)


def apply_measure(document: QTextDocument, margin: int, viewport_width: int, from_position: int = 0) -> None:
    """Give the page's text and one-cell boxes (code, callouts, embeds) `margin` px at each side of a
    viewport this wide; data tables within the measure when they fit it, else the whole width. Only the
    top-level parts at or after `from_position` are set (pieces of a big entry appended later)."""
    extra = max(0, margin - MIN_MARGIN)
    available = viewport_width - 2 * document.documentMargin()
    frames = [frame for frame in document.rootFrame().childFrames() if frame.lastPosition() >= from_position]
    cursor = QTextCursor(document)
    cursor.beginEditBlock()
    for frame in frames:
        _set_frame(document, frame, extra, available)
    block, inside = document.findBlock(from_position), 0
    while block.isValid():  # the blocks of the page itself; those of boxes are skipped box by box
        position = block.position()
        while inside < len(frames) and frames[inside].lastPosition() < position:
            inside += 1
        if inside < len(frames) and frames[inside].firstPosition() <= position:
            block = document.findBlock(frames[inside].lastPosition() + 1)
            continue
        _set_block(cursor, block, extra)
        block = block.next()
    cursor.endEditBlock()


def _set_frame(document: QTextDocument, frame: QTextFrame, extra: int, available: float) -> None:
    if isinstance(frame, QTextTable) and frame.columns() > 1:
        _set_data_table(document, frame, extra, available)
        return
    fmt = frame.frameFormat()
    if not fmt.hasProperty(_BASE_WIDTH_TYPE):
        fmt.setProperty(_BASE_WIDTH_TYPE, int(fmt.width().type().value))
        fmt.setProperty(_BASE_WIDTH, fmt.width().rawValue())
    width = QTextLength(QTextLength.Type(fmt.intProperty(_BASE_WIDTH_TYPE)), fmt.doubleProperty(_BASE_WIDTH))
    if extra and width.type() == QTextLength.Type.PercentageLength:
        # Qt puts a box's margins outside a percentage width (the box would stick out of the page) but
        # inside a fixed one: the same share of the page, fixed, keeps the box within the measure
        width = QTextLength(QTextLength.Type.FixedLength, max(1.0, available * width.rawValue() / 100))
    fmt.setWidth(width)
    _set_sides(fmt, extra)
    if fmt != frame.frameFormat():  # an unchanged format is not set again: no layout for nothing
        frame.setFrameFormat(fmt)


def _set_sides(fmt: QTextFrameFormat, side: float) -> None:
    fmt.setLeftMargin(side)
    fmt.setRightMargin(side)


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


def _set_data_table(document: QTextDocument, table: QTextTable, extra: int, available: float) -> None:
    """Within the measure, like the text, when it fits there unwrapped; else the whole width, centred,
    each column at least as wide as its longest word."""
    fmt = table.format()
    size = document.defaultFont().pointSizeF()
    if fmt.doubleProperty(_MEASURED_SIZE) != size:
        words, naturals = _column_extents(document, table)
        fmt.setProperty(_LONGEST_WORDS, words)
        fmt.setProperty(_NATURALS, naturals)
        fmt.setProperty(_MEASURED_SIZE, size)
    words, naturals = list(fmt.property(_LONGEST_WORDS)), list(fmt.property(_NATURALS))
    room = available - (table.columns() + 1) * fmt.cellSpacing() - 2 * fmt.border()
    side = extra if sum(naturals) <= room - 2 * extra else 0
    widths = table_column_widths(words, naturals, room)
    constraints = [QTextLength(QTextLength.Type.FixedLength, w) for w in widths] if widths else []
    fmt.setColumnWidthConstraints(constraints)
    fmt.setAlignment(Qt.AlignmentFlag.AlignLeft if side else Qt.AlignmentFlag.AlignHCenter)
    _set_sides(fmt, side)
    if fmt != table.format():
        table.setFormat(fmt)


def _column_extents(document: QTextDocument, table: QTextTable) -> tuple[list[float], list[float]]:
    """Per column: the width of its longest word and of its longest cell line, with the cell's padding
    (the document is passed in: a wrapper from QTextObject.document() dies with the table's in PySide)."""
    default = document.defaultFont()
    padding, border = table.format().cellPadding(), table.format().border()
    words = [0.0] * table.columns()
    naturals = [0.0] * table.columns()
    for row in range(table.rows()):
        for column in range(table.columns()):
            cell = table.cellAt(row, column)
            if cell.columnSpan() > 1:
                continue
            cell_format = cell.format().toTableCellFormat()
            extra = cell_format.leftPadding() + cell_format.rightPadding() if cell_format.hasProperty(
                QTextFormat.Property.TableCellLeftPadding) else 2 * padding
            extra += 2 * border + SLACK
            word, line = _text_extents(document, cell.firstPosition(), cell.lastPosition(), default)
            words[column] = max(words[column], word + extra)
            naturals[column] = max(naturals[column], line + extra)
    return words, naturals


def _text_extents(document: QTextDocument, start: int, end: int, default: QFont) -> tuple[float, float]:
    """The widest word and the widest unwrapped line of the text between two positions."""
    widest_word = widest_line = 0.0
    block = document.findBlock(start)
    while block.isValid() and block.position() <= end:
        line = 0.0
        fragments = block.begin()
        while not fragments.atEnd():
            fragment = fragments.fragment()
            metrics = QFontMetricsF(fragment.charFormat().font().resolve(default))
            text = fragment.text()
            line += metrics.horizontalAdvance(text)
            widest_word = max([widest_word, *(metrics.horizontalAdvance(word) for word in text.split())])
            fragments += 1
        widest_line = max(widest_line, line)
        block = block.next()
    return widest_word, widest_line
