"""Matches in a shown page: the search's marks (as the renderer coloured them) and find-in-page occurrences."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QTextDocument

MAX_FOUND = 1_000  # occurrences counted and highlighted by find in page (a bound for a one-letter search)

Span = tuple[int, int]  # (start, end) positions in a document


def mark_spans(document: QTextDocument, background: QColor) -> list[Span]:
    """Where the page has the renderer's search marks: runs of text on the marks' background colour
    (a link or inline code inside one mark is split into fragments; they are joined back)."""
    spans: list[Span] = []
    block = document.begin()
    while block.isValid():
        fragments = block.begin()
        while not fragments.atEnd():
            fragment = fragments.fragment()
            brush = fragment.charFormat().background()
            if brush.style() != Qt.BrushStyle.NoBrush and brush.color() == background:
                start, end = fragment.position(), fragment.position() + fragment.length()
                if spans and spans[-1][1] == start:
                    spans[-1] = (spans[-1][0], end)
                else:
                    spans.append((start, end))
            fragments += 1
        block = block.next()
    return spans


def occurrences(document: QTextDocument, text: str, limit: int = MAX_FOUND) -> list[Span]:
    """Where `text` occurs in the page (case-insensitive, as QTextDocument finds), at most `limit`."""
    spans: list[Span] = []
    if not text:
        return spans
    cursor = document.find(text, 0)
    while not cursor.isNull() and len(spans) < limit:
        spans.append((cursor.selectionStart(), cursor.selectionEnd()))
        cursor = document.find(text, cursor)
    return spans


def pick(spans: list[Span], start: int, end: int, backward: bool) -> int:
    """The index of the span to go to from a selection (start, end): the first one starting at or after
    `end` (the last one starting before `start` when `backward`), wrapping around; -1 without spans."""
    if not spans:
        return -1
    if backward:
        before = [i for i, span in enumerate(spans) if span[0] < start]
        return before[-1] if before else len(spans) - 1
    return next((i for i, span in enumerate(spans) if span[0] >= end), 0)
