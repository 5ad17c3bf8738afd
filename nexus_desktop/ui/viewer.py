"""The viewer: a QTextBrowser tab per entry with its own back/forward history (scroll positions too),
local images only, big entries shown in steps.

Over ~450 lines: the history, the scroll restore and the streaming of a big entry's pieces share one
load number and one document, so they stay in one class; layout rules live in core/render/layout.py and
ui/measure.py, find in ui/find_bar.py and ui/page_matches.py."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QPoint, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QKeyEvent, QMouseEvent, QResizeEvent, \
    QTextCharFormat, QTextCursor, QTextDocument
from PySide6.QtWidgets import QAbstractSlider, QTextBrowser, QTextEdit, QVBoxLayout, QWidget

from nexus_desktop.core.render.layout import readable_margin
from nexus_desktop.ui import measure, theme
from nexus_desktop.ui.background import shared_runner
from nexus_desktop.ui.page_matches import Span, mark_spans, occurrences, pick

if TYPE_CHECKING:
    from nexus_desktop.core.library import Heading
    from nexus_desktop.core.state import HistoryItem, TabState


def _history_item(entry_id: str, scroll: int = 0, anchor: str | None = None) -> "HistoryItem":
    from nexus_desktop.core.state import HistoryItem  # imported late: keeps the launch light

    return HistoryItem(entry_id, scroll, anchor)

log = logging.getLogger(__name__)

PIECE_JOINER = "\u200b"  # see ViewerTab._append_html
ZOOM_STEP = 1.0
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".svg", ".webp")


@dataclass
class Page:
    """What a tab shows for one entry id (or a generated page)."""

    entry_id: str
    title: str
    html: str
    headings: list[Heading] = field(default_factory=list)
    path: Path | None = None
    stamp: str = ""
    found: bool = True
    loading: bool = False
    rest: Callable[[], Iterator[str]] | None = None  # a big entry shown in steps: the rest's pieces (any thread)
    mark_colour: str = ""  # the background the renderer gave the search's marks in this page


class PageSource(Protocol):
    """Where tabs get their pages (ui.pages.Pages)."""

    def page(self, entry_id: str, first_part: bool = False, terms: Sequence[str] = ()) -> Page: ...

    def css(self) -> str: ...

    def image_allowed(self, path: Path) -> bool: ...


class ContentBrowser(QTextBrowser):
    """A QTextBrowser that never loads anything by itself: only local images inside the library."""

    link_requested = Signal(QUrl, bool)  # url, new tab
    edge_requested = Signal(bool)        # Ctrl+Home / Ctrl+End (and Home / End): to the end when True
    resized = Signal()

    def __init__(self, allow_image: Callable[[Path], bool], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._allow_image = allow_image
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setUndoRedoEnabled(False)
        self.anchorClicked.connect(self._on_anchor)
        self._middle_anchor = ""
        self._event_modifiers = Qt.KeyboardModifier.NoModifier

    def loadResource(self, kind: int, name: QUrl | str) -> QImage | None:  # noqa: N802 (Qt API)
        url = QUrl(name)
        if url.isLocalFile() and int(kind) == int(QTextDocument.ResourceType.ImageResource):
            path = Path(url.toLocalFile())
            if path.suffix.lower() in IMAGE_SUFFIXES and self._allow_image(path) and path.is_file():
                image = QImage(str(path))
                if not image.isNull():
                    return image
        return None  # nothing remote, nothing outside the library, no style sheets

    def _on_anchor(self, url: QUrl) -> None:
        # anchorClicked comes from within a mouse release or key press: use that event's modifiers
        new_tab = bool(self._event_modifiers & Qt.KeyboardModifier.ControlModifier)
        self.link_requested.emit(url, new_tab)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Home, Qt.Key.Key_End) and \
                event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ControlModifier):
            self.edge_requested.emit(event.key() == Qt.Key.Key_End)
            event.accept()
            return
        self._event_modifiers = event.modifiers()
        try:
            super().keyPressEvent(event)
        finally:
            self._event_modifiers = Qt.KeyboardModifier.NoModifier

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.resized.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.MiddleButton:
            self._middle_anchor = self.anchorAt(event.position().toPoint())
            if self._middle_anchor:
                event.accept()
                return
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.MiddleButton and self._middle_anchor:
            anchor = self.anchorAt(event.position().toPoint())
            if anchor == self._middle_anchor:
                self.link_requested.emit(QUrl(anchor), True)
            self._middle_anchor = ""
            event.accept()
            return
        self._event_modifiers = event.modifiers()
        try:
            super().mouseReleaseEvent(event)
        finally:
            self._event_modifiers = Qt.KeyboardModifier.NoModifier


class ViewerTab(QWidget):
    """One tab: a ContentBrowser plus its back/forward history (with scroll positions)."""

    page_changed = Signal()              # entry, title or history changed
    link_requested = Signal(str, bool)   # url, new tab
    page_completed = Signal()            # the last piece of a big entry shown in steps was added
    visited = Signal(str, str)           # entry id, title: the user went to an entry (not a reload)

    def __init__(self, source: PageSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source = source
        self.browser = ContentBrowser(source.image_allowed, self)
        self.browser.document().setUndoRedoEnabled(False)  # pieces appended to a read-only page need no undo
        self.browser.edge_requested.connect(self.scroll_to_edge)
        self.browser.resized.connect(self._fit_measure)
        self._load = 0  # counts pages shown: pieces rendered for an older one are dropped
        self._rest_pending = False
        self.browser.link_requested.connect(lambda url, new: self.link_requested.emit(url.toString(), new))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.browser)
        self.history: list[HistoryItem] = []
        self.position = -1  # where in `history` the tab is (-1: nothing opened yet)
        self.page: Page | None = None
        self.zoom = 0
        self.terms: list[str] = []
        self.readable = True  # the readable line length (View menu)
        self._measure: tuple[int, int] = (-1, 0)  # the margin the page has now, and the width it was for
        self._marks: list[Span] | None = None  # the search's marks in the page, found when first asked
        self._found: list[Span] = []           # find in page: the occurrences highlighted
        self._loaded = False
        self._base_font = QFont(self.browser.font())
        if self._base_font.pointSizeF() <= 0:
            self._base_font.setPointSizeF(10.0)
        self._base_font.setPointSizeF(max(self._base_font.pointSizeF(), 10.0) + 1)
        self.set_zoom(0)

    # --- state -----------------------------------------------------------------------------
    @property
    def entry_id(self) -> str:
        return self.history[self.position].entry_id if 0 <= self.position < len(self.history) else ""

    @property
    def title(self) -> str:
        if self.page is not None and self.page.entry_id == self.entry_id:
            return self.page.title
        return self.entry_id.rsplit("/", 1)[-1]

    @property
    def loaded(self) -> bool:
        return self._loaded

    def shows_entry(self) -> bool:
        """Whether the page shown is an entry of the library (not a generated or "not found" page)."""
        return bool(self.entry_id) and not self.entry_id.startswith("about:") and bool(self.page and self.page.found)

    def can_go_back(self) -> bool:
        return self.position > 0

    def can_go_forward(self) -> bool:
        return self.position < len(self.history) - 1

    def scroll_position(self) -> int:
        return self.browser.verticalScrollBar().value()

    def state(self) -> TabState:
        """The tab's history with the current scroll position recorded."""
        from nexus_desktop.core.state import TabState

        self._remember_scroll()
        return TabState(list(self.history), max(self.position, 0))

    def restore(self, state: TabState, load: bool = True) -> None:
        """Take a saved history; the page is rendered now or when the tab is first shown."""
        self.history = list(state.history)
        self.position = max(0, min(state.index, len(self.history) - 1)) if self.history else -1
        self._loaded = False
        if load:
            self.ensure_loaded()
        else:
            self.page_changed.emit()

    def ensure_loaded(self) -> None:
        if not self._loaded and self.position >= 0:
            self._show(self.history[self.position])

    # --- navigation ------------------------------------------------------------------------
    def open(self, entry_id: str, anchor: str | None = None, terms: list[str] | None = None) -> None:
        """Show an entry (or a generated page), as a new step in this tab's history."""
        self._remember_scroll()
        if anchor and self.entry_id == entry_id and self._loaded:
            self.complete()
            self.history = self.history[: self.position + 1] + [_history_item(entry_id, 0, anchor)]
            self.position += 1
            self.browser.scrollToAnchor(anchor)
            self.page_changed.emit()
            return
        self.history = self.history[: self.position + 1] + [_history_item(entry_id, 0, anchor or None)]
        self.position = len(self.history) - 1
        self._show(self.history[self.position], terms or [])
        self._visited()

    def go_anchor(self, anchor: str) -> None:
        """Scroll to a heading of the page shown (recorded in the history)."""
        if self.entry_id:
            self.open(self.entry_id, anchor)

    def back(self) -> bool:
        if not self.can_go_back():
            return False
        self._go(self.position - 1)
        return True

    def forward(self) -> bool:
        if not self.can_go_forward():
            return False
        self._go(self.position + 1)
        return True

    def _go(self, index: int) -> None:
        self._remember_scroll()
        previous = self.entry_id
        self.position = index
        item = self.history[index]
        if item.entry_id == previous and self._loaded:
            if item.scroll or item.anchor:
                self.complete()
            self._set_scroll(item.scroll, item.anchor)
            self.page_changed.emit()
        else:
            self._show(item)
            self._visited()

    def _visited(self) -> None:
        page = self.page
        if page is not None and page.found and not page.loading and not page.entry_id.startswith("about:"):
            self.visited.emit(page.entry_id, page.title)

    def reload(self) -> None:
        """Render the page again (the file changed, or the theme), keeping the scroll position."""
        if self.position < 0:
            return
        self._remember_scroll()
        if not self._loaded:
            return
        item = self.history[self.position]
        self._show(replace(item, anchor=None) if item.scroll else item, self.terms, keep_terms=True)

    def _remember_scroll(self) -> None:
        if self._loaded and 0 <= self.position < len(self.history):
            self.history[self.position] = replace(self.history[self.position], scroll=self.scroll_position())

    def _show(self, item: HistoryItem, terms: list[str] | None = None, keep_terms: bool = False) -> None:
        self.terms = list(terms or []) if (terms or keep_terms) else []
        self._load += 1
        self._rest_pending = False
        # At the top of a page, a big entry shows its first screens at once and the rest as it is
        # rendered; to scroll or jump, the whole page is needed first.
        first_part = not item.scroll and not item.anchor
        page = self.source.page(item.entry_id, first_part=first_part, terms=self.terms)
        self.page = page
        self._loaded = not page.loading
        self.browser.document().setDefaultStyleSheet(self.source.css())
        self._set_html(page.html)
        if page.rest is not None:
            self._render_rest(page.rest)
        # A page opened from search shows from its top, the matches marked (F3 goes to them).
        self._set_scroll(item.scroll, None if item.scroll else item.anchor)
        self.page_changed.emit()

    def _set_html(self, html: str) -> None:
        """A new page in the browser, at the reading measure, with nothing found in it yet."""
        self._marks = None
        self._found = []
        self.browser.setExtraSelections([])
        self.browser.setHtml(html)
        measure.prepare(self.browser.document())
        self._measure = (-1, 0)
        self._fit_measure()

    # --- big entries, shown in steps ----------------------------------------------------------
    @property
    def completing(self) -> bool:
        """Whether pieces of a big entry are still to come."""
        return self._rest_pending

    def _render_rest(self, rest: Callable[[], Iterator[str]]) -> None:
        load = self._load
        self._rest_pending = True
        entry_id = self.entry_id

        def done(ok: bool) -> None:
            if not ok:
                log.error("rendering the rest of %s failed", entry_id)
            self._rest_finished(load, ok)

        # The pieces come on the GUI thread in order; a newer page (or a closed tab) drops them.
        shared_runner("nexus-render").stream(rest, lambda piece: self._append_piece(load, piece), done,
                                             until=lambda: load != self._load, owner=self)

    def _append_piece(self, load: int, piece: str) -> None:
        if load == self._load and self._rest_pending:
            self._append_html(piece)

    def _rest_finished(self, load: int, ok: bool) -> None:
        if load != self._load or not self._rest_pending:
            return
        self._rest_pending = False
        if not ok:
            self._append_html("<p><i>The rest of this entry could not be shown.</i></p>")
        self.page_completed.emit()

    def _append_html(self, html: str) -> None:
        document = self.browser.document()
        cursor = QTextCursor(document)
        cursor.movePosition(QTextCursor.MoveOperation.End)
        start = cursor.position()
        # An inserted fragment's first block merges into the page's last block (a heading would stop
        # being one): a zero-width space takes that place, then goes (it must not end up in code
        # someone copies).
        cursor.insertHtml(f"<p>{PIECE_JOINER}</p>{html}")
        joiner = QTextCursor(document)
        joiner.setPosition(start)
        joiner.setPosition(start + 1, QTextCursor.MoveMode.KeepAnchor)
        if joiner.selectedText() == PIECE_JOINER:
            joiner.removeSelectedText()
        self._marks = None
        margin, _width = self._measure
        if margin >= 0:
            measure.apply_measure(document, margin, self.browser.viewport().width(), start)

    def complete(self) -> None:
        """The whole page now (jumping to a heading or finding text needs it): rendered here at once."""
        if not self._rest_pending:
            return
        scroll = self.scroll_position()
        self._load += 1  # what the rendering thread still delivers is dropped
        self._rest_pending = False
        self.page = self.source.page(self.entry_id, terms=self.terms)
        self._set_html(self.page.html)
        if scroll:
            self._set_scroll(scroll, None)
        self.page_completed.emit()

    def _layout(self) -> None:
        doc = self.browser.document()
        doc.setTextWidth(self.browser.viewport().width())
        doc.documentLayout().documentSize()

    def _set_scroll(self, value: int, anchor: str | None) -> None:
        if value == 0 and not anchor:  # the top needs no layout: the browser lays out the rest lazily
            self.browser.verticalScrollBar().setValue(0)
            return
        self._layout()
        if anchor:
            self.browser.scrollToAnchor(anchor)
            QTimer.singleShot(0, lambda: self.browser.scrollToAnchor(anchor))
            return
        bar = self.browser.verticalScrollBar()
        bar.setValue(value)
        if bar.value() != value:
            QTimer.singleShot(0, lambda: bar.setValue(value))

    # --- the reading measure --------------------------------------------------------------------
    def set_readable(self, on: bool) -> None:
        """Keep lines of text at a readable length (centred), or use the whole width."""
        self.readable = on
        self._fit_measure()

    def _fit_measure(self) -> None:
        """Core's margin for this width and font size, set on the page when it or the width changed
        (boxes and tables are sized for the width)."""
        document = self.browser.document()
        width = self.browser.viewport().width()
        char_width = QFontMetricsF(document.defaultFont()).averageCharWidth()
        margin = readable_margin(width, char_width, self.readable)
        wanted = (margin, width)
        if wanted != self._measure:
            self._measure = wanted
            measure.apply_measure(document, margin, width)

    def scroll_to_edge(self, end: bool) -> None:
        """Ctrl+Home / Ctrl+End: the top or the very end of the page (a big entry is completed first)."""
        if end:
            self.complete()
            self._layout()
        cursor = self.browser.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End if end else QTextCursor.MoveOperation.Start)
        self.browser.setTextCursor(cursor)
        self.browser.verticalScrollBar().triggerAction(
            QAbstractSlider.SliderAction.SliderToMaximum if end else QAbstractSlider.SliderAction.SliderToMinimum)

    # --- the search's marks and find in page ---------------------------------------------------
    def marks(self) -> list[Span]:
        """Where the page shows the search's matches (marked by the renderer, in the theme's colours)."""
        if self._marks is None:
            colour = self.page.mark_colour if self.page is not None else ""
            self._marks = mark_spans(self.browser.document(), QColor(colour)) if self.terms and colour else []
        return self._marks

    def highlight_count(self) -> int:
        return len(self.marks())

    def next_mark(self, backward: bool = False) -> tuple[int, int]:
        """F3 / Shift+F3 without a find: select the next (previous) search match, wrapping around;
        returns (its number, how many) or (0, 0) when the page has none."""
        if not self.terms:
            return 0, 0
        self.complete()
        return self._go_to(self.marks(), *self._selection(), backward)

    def find_text(self, text: str, backward: bool = False, incremental: bool = False) -> tuple[int, int]:
        """Select the next (or previous) occurrence of `text`, wrapping around, and highlight them all;
        returns (its number, how many), (0, 0) when there is none. `incremental` (the text was just
        typed): the match may start where the current one starts."""
        if not text:
            self.clear_found()
            return 0, 0
        self.complete()
        self._found = occurrences(self.browser.document(), text)
        start, end = self._selection()
        found = self._go_to(self._found, start, start if incremental else end, backward)
        self.browser.setExtraSelections(self._found_selections())
        return found

    def clear_found(self) -> None:
        """Find in page closed: its highlights go."""
        self._found = []
        self.browser.setExtraSelections([])

    def _selection(self) -> tuple[int, int]:
        """Where a search from here starts: the selection, or the top of the view when the cursor is
        out of sight (the reader scrolled)."""
        cursor = self.browser.textCursor()
        if self.browser.viewport().rect().contains(self.browser.cursorRect(cursor).center()):
            return cursor.selectionStart(), cursor.selectionEnd()
        top = self.browser.cursorForPosition(QPoint(0, 0)).position()
        return top, top

    def _go_to(self, spans: list[Span], start: int, end: int, backward: bool) -> tuple[int, int]:
        index = pick(spans, start, end, backward)
        if index < 0:
            return 0, 0
        cursor = QTextCursor(self.browser.document())
        cursor.setPosition(spans[index][0])
        cursor.setPosition(spans[index][1], QTextCursor.MoveMode.KeepAnchor)
        self._layout()
        self.browser.setTextCursor(cursor)
        self._bring_into_view()
        return index + 1, len(spans)

    def _bring_into_view(self) -> None:
        """The selected match, a third down the view when it was out of sight (read with what follows)."""
        rect = self.browser.cursorRect()
        height = self.browser.viewport().height()
        if rect.top() < 0 or rect.bottom() > height - rect.height():
            bar = self.browser.verticalScrollBar()
            bar.setValue(bar.value() + rect.top() - height // 3)

    def _found_selections(self) -> list[QTextEdit.ExtraSelection]:
        """Every occurrence found, in the theme's colour (the current one is the selection, over it)."""
        scheme = "dark" if self.palette().color(self.backgroundRole()).lightness() < 128 else "light"
        fmt = QTextCharFormat()
        fmt.setBackground(QColor(theme.colours(scheme)["find_bg"]))
        selections = []
        for start, end in self._found:
            selection = QTextEdit.ExtraSelection()
            selection.cursor = QTextCursor(self.browser.document())
            selection.cursor.setPosition(start)
            selection.cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
            selection.format = fmt
            selections.append(selection)
        return selections

    def selected_text(self) -> str:
        return self.browser.textCursor().selectedText()

    # --- zoom ------------------------------------------------------------------------------
    def set_zoom(self, zoom: int) -> None:
        self.zoom = zoom
        font = QFont(self._base_font)
        font.setPointSizeF(max(5.0, self._base_font.pointSizeF() + zoom * ZOOM_STEP))
        self.browser.setFont(font)
        self.browser.document().setDefaultFont(font)
        self._fit_measure()
