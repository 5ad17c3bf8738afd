"""The search field and results panel: results as you type, off the GUI thread, with highlighted snippets."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractListModel, QEvent, QModelIndex, QObject, QPersistentModelIndex, QRectF, QSize, \
    Qt, QTimer, Signal
from PySide6.QtGui import (QAbstractTextDocumentLayout, QColor, QMouseEvent, QPainter, QPalette, QResizeEvent,
                           QTextDocument)
from PySide6.QtWidgets import QAbstractItemView, QLabel, QListView, QStackedWidget, QStyle, \
    QStyledItemDelegate, QStyleOptionViewItem, QVBoxLayout, QWidget

from nexus_desktop.core.start_page import query_syntax_html
from nexus_desktop.ui.search_field import SearchField
from nexus_desktop.ui.theme import colours

if TYPE_CHECKING:
    from PySide6.QtGui import QFont

    from nexus_desktop.core.search import Hit, SearchResults
    from nexus_desktop.ui.search_service import SearchService

__all__ = ["ResultDelegate", "ResultsModel", "SearchField", "SearchPanel"]

DEBOUNCE_MS = 120
HIT_ROLE = Qt.ItemDataRole.UserRole + 1


class ResultsModel(QAbstractListModel):
    """The hits of the query shown."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.hits: list[Hit] = []

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.hits)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Hit | str | None:
        if not index.isValid() or index.row() >= len(self.hits):
            return None
        hit = self.hits[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return hit.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return hit.id
        if role == HIT_ROLE:
            return hit
        return None

    def set_hits(self, hits: list[Hit]) -> None:
        self.beginResetModel()
        self.hits = list(hits)
        self.endResetModel()


def _row_html(hit: Hit, scheme: str, starred: bool) -> str:
    c = colours(scheme)
    star = f" <span style='color:{c['star']}'>\u2605</span>" if starred else ""
    where = " / ".join(html.escape(p) for p in (hit.root, hit.category) if p)
    if not hit.category:
        folder = hit.path.rsplit("/", 1)[0] if "/" in hit.path else ""
        if folder:
            where += " / " + html.escape(folder)
    tags = " ".join(f"#{html.escape(t)}" for t in hit.tags[:6])
    meta = f"<span style='color:{c['muted']}'>{where}</span>"
    if tags:
        meta += f" &nbsp;<span style='color:{c['tag']}'>{tags}</span>"
    snippet = (hit.snippet or html.escape(hit.summary or "")).replace(
        "<b>", f"<span style='background-color:{c['match_bg']}; color:{c['match_fg']}; font-weight:600'>").replace(
        "</b>", "</span>")
    missing = ""
    if hit.missing:  # a partial match says what it lacks, the way web search does
        words = " ".join(f"<s>{html.escape(w)}</s>" for w in hit.missing)
        missing = f"<div style='font-size:small; color:{c['muted']}'>Missing: {words}</div>"
    return (f"<div style='font-weight:600; color:{c['title']}; font-size:large'>{html.escape(hit.title)}{star}</div>"
            f"<div style='font-size:small'>{meta}</div>"
            f"<div style='margin-top:2px'>{snippet}</div>{missing}")


def header_html(results: SearchResults, shown: int) -> str:
    """The results header: how many entries have every word and how many some, a respelled query
    ("Showing results for ... - search instead for ..."), a search stopped early."""
    parts = []
    if results.corrected:
        parts.append(f"Showing results for <b><i>{html.escape(results.corrected)}</i></b> &mdash; search instead "
                     f"for <a href='astyped:{html.escape(results.query, quote=True)}'>"
                     f"{html.escape(results.query)}</a>")
    if results.partial:
        count = f"<b>{results.complete} with every word</b>, {results.partial} with some"
    else:
        count = f"<b>{results.headline()}</b>"
    parts.append(count + (f" (first {shown} shown)" if shown < results.total else ""))
    if results.timed_out:
        parts.append("<i>The search stopped early (a very broad query): these are the results found by then.</i>")
    return "<br>".join(parts)


class ResultDelegate(QStyledItemDelegate):
    """Draws a result row (title, where it lives, tags, snippet with highlights) with a QTextDocument."""

    def __init__(self, view: QListView) -> None:
        super().__init__(view)
        self.view = view
        self.scheme = "light"                    # pushed by the panel (the theme)
        self.starred: frozenset[str] = frozenset()  # pushed by the panel (the user data)
        self._docs: dict[tuple[str, int], QTextDocument] = {}

    def clear_cache(self) -> None:
        self._docs.clear()

    def _doc(self, hit: Hit, width: int, font: QFont) -> QTextDocument:
        key = (hit.id, width)
        doc = self._docs.get(key)
        if doc is None:
            doc = QTextDocument()
            doc.setDefaultFont(font)
            doc.setDocumentMargin(7)
            doc.setHtml(_row_html(hit, self.scheme, hit.id in self.starred))
            doc.setTextWidth(width)
            if len(self._docs) > 400:
                self._docs.clear()
            self._docs[key] = doc
        return doc

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        hit = index.data(HIT_ROLE)
        if hit is None:
            super().paint(painter, option, index)
            return
        painter.save()
        pal = option.palette
        if option.state & QStyle.StateFlag.State_Selected:
            colour = QColor(pal.color(QPalette.ColorRole.Highlight))
            colour.setAlpha(70)
            painter.fillRect(option.rect, colour)
            edge = QColor(pal.color(QPalette.ColorRole.Highlight))
            painter.fillRect(option.rect.adjusted(0, 0, -option.rect.width() + 3, 0), edge)
        elif option.state & QStyle.StateFlag.State_MouseOver:
            colour = QColor(pal.color(QPalette.ColorRole.Highlight))
            colour.setAlpha(25)
            painter.fillRect(option.rect, colour)
        line = QColor(pal.color(QPalette.ColorRole.Mid))
        painter.setPen(line)
        painter.drawLine(option.rect.bottomLeft(), option.rect.bottomRight())
        doc = self._doc(hit, self._width(), option.font)
        painter.translate(option.rect.left() + 4, option.rect.top())
        ctx = QAbstractTextDocumentLayout.PaintContext()
        ctx.palette.setColor(QPalette.ColorRole.Text, pal.color(QPalette.ColorRole.Text))
        painter.setClipRect(QRectF(0, 0, option.rect.width(), option.rect.height()))
        doc.documentLayout().draw(painter, ctx)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:  # noqa: N802
        hit = index.data(HIT_ROLE)
        if hit is None:
            return super().sizeHint(option, index)
        doc = self._doc(hit, self._width(), option.font)
        return QSize(self._width() + 8, int(doc.size().height()) + 1)

    def _width(self) -> int:
        return max(120, self.view.viewport().width() - 8)


class SearchPanel(QWidget):
    """Results of the search field's query; asks a SearchService, shows only the newest results."""

    open_requested = Signal(str, str, bool)   # entry id, anchor, new tab
    status_message = Signal(str)
    results_shown = Signal(str, int)          # query, total

    def __init__(self, service: SearchService, parent: QWidget | None = None, field: SearchField | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.field = field or SearchField()
        self.results: SearchResults | None = None
        self._correct = True  # respell unknown words; False after "search instead for" the words as typed
        self._seq = 0
        self._query = ""
        self._pending_open: bool | None = None
        self.index_note = ""  # "Indexing the library ..." while a first build runs
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._run)
        self.field.textChanged.connect(self._text_changed)
        self.field.navigate.connect(self.move_selection)
        self.field.activated.connect(self.activate_current)
        service.results.connect(self.show_results)
        service.failed.connect(self._failed)
        service.suggested.connect(self._suggested)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.header = QLabel("", self)
        self.header.setContentsMargins(8, 5, 8, 5)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.linkActivated.connect(self._use_suggestion)
        self.header.setWordWrap(True)
        layout.addWidget(self.header)
        self.stack = QStackedWidget(self)
        self.empty = QLabel(self)
        self.empty.setWordWrap(True)
        self.empty.setTextFormat(Qt.TextFormat.RichText)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.empty.setContentsMargins(12, 10, 12, 10)
        self.empty.linkActivated.connect(self._use_suggestion)
        self.view = QListView(self)
        self.view.setObjectName("searchResults")
        self.model = ResultsModel(self)
        self.view.setModel(self.model)
        self.delegate = ResultDelegate(self.view)
        self.view.setItemDelegate(self.delegate)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setMouseTracking(True)
        self.view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.view.clicked.connect(lambda index: self._open_row(index.row(), False))
        self.view.viewport().installEventFilter(self)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.view)
        layout.addWidget(self.stack, 1)
        self._show_empty_state()

    # --- querying ----------------------------------------------------------------------------
    def _text_changed(self, text: str) -> None:
        self._query = text
        self._correct = True
        if not text.strip():
            self._timer.stop()
            self.service.cancel()
            self._show_empty_state()
            return
        self._timer.start()

    def run_now(self) -> None:
        """Search for the field's text at once (no debounce)."""
        self._timer.stop()
        self._run()

    def set_query(self, text: str, now: bool = True) -> None:
        self.field.setText(text)
        if now and text.strip():
            self.run_now()

    def rerun(self) -> None:
        """The index changed: run the current query again."""
        if self._query.strip():
            self.run_now()

    def _run(self) -> None:
        if self._query.strip():
            self._seq = self.service.request(self._query, self._correct)

    def show_results(self, seq: int, results: SearchResults) -> None:
        """Results of query `seq`; dropped unless it is the newest one asked."""
        if seq != self._seq or seq != self.service.latest:
            return
        self.results = results
        keep = self.current_hit()
        self.delegate.clear_cache()
        self.model.set_hits(results.results)
        self.stack.setCurrentWidget(self.view if results.results else self.empty)
        self.header.setText(header_html(results, len(results.results)))
        if self.index_note:
            self.header.setText(self.header.text() + f"<br><i>{html.escape(self.index_note)}</i>")
        if not results.results:
            self.empty.setText(f"<p><b>No results for</b> {html.escape(results.query)}</p>"
                               "<p>None of these words is in the library: check the spelling, or try other words "
                               "for the same thing, or a prefix like <code>migr*</code>.</p>"
                               + query_syntax_html())
        row = 0
        if keep is not None:
            row = next((i for i, h in enumerate(results.results) if h.id == keep.id), 0)
        if results.results:
            self.view.setCurrentIndex(self.model.index(row, 0))
            self.view.scrollTo(self.model.index(row, 0))
        self.status_message.emit(f"{results.headline()} in {results.took_ms:.0f} ms")
        self.results_shown.emit(results.query, results.total)
        if results.complete < 3 and not results.corrected:
            self.service.request_suggestion(seq, results.query)
        if self._pending_open is not None:
            new_tab, self._pending_open = self._pending_open, None
            self.activate_current(new_tab)

    def _failed(self, seq: int, message: str) -> None:
        if seq != self._seq:
            return
        self._pending_open = None
        self.results = None
        self.model.set_hits([])
        self.header.setText("")
        self.empty.setText(f"<p><b>{html.escape(message)}</b></p>" + query_syntax_html())
        self.stack.setCurrentWidget(self.empty)
        self.status_message.emit(message)

    def _suggested(self, seq: int, suggestion: str) -> None:
        if seq != self._seq:
            return
        link = (f"Did you mean <a href='suggest:{html.escape(suggestion, quote=True)}'>"
                f"<b>{html.escape(suggestion)}</b></a>?")
        self.header.setText((self.header.text() + " &nbsp; " if self.header.text() else "") + link)
        if self.stack.currentWidget() is self.empty:
            self.empty.setText(f"<p>{link}</p>" + self.empty.text())

    def _use_suggestion(self, href: str) -> None:
        if href.startswith("suggest:"):
            self.set_query(html.unescape(href[len("suggest:"):]))
        elif href.startswith("astyped:"):  # "search instead for" the words as typed, without respelling
            self.set_query(html.unescape(href[len("astyped:"):]), now=False)
            self._correct = False
            self.run_now()

    def _show_empty_state(self) -> None:
        self.results = None
        self.model.set_hits([])
        self.header.setText("")
        self.empty.setText(query_syntax_html())
        self.stack.setCurrentWidget(self.empty)

    # --- selection and opening ---------------------------------------------------------------
    def current_hit(self) -> Hit | None:
        index = self.view.currentIndex()
        return index.data(HIT_ROLE) if index.isValid() else None

    def move_selection(self, delta: int) -> None:
        count = self.model.rowCount()
        if not count:
            return
        row = self.view.currentIndex().row() if self.view.currentIndex().isValid() else -1
        row = max(0, min(count - 1, row + delta))
        index = self.model.index(row, 0)
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index)

    def activate_current(self, new_tab: bool = False) -> None:
        stale = self.results is None or self.results.query != self._query
        if self._query.strip() and (self._timer.isActive() or stale):
            # Enter right after typing: search first, open the top hit when the results arrive
            if self._timer.isActive():
                self._timer.stop()
                self._run()
            self._pending_open = new_tab
            return
        index = self.view.currentIndex()
        if index.isValid():
            self._open_row(index.row(), new_tab)

    def _open_row(self, row: int, new_tab: bool) -> None:
        if 0 <= row < len(self.model.hits):
            self.open_requested.emit(self.model.hits[row].id, "", new_tab)

    def terms(self) -> list[str]:
        return list(self.results.terms) if self.results is not None else []

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if obj is self.view.viewport() and isinstance(event, QResizeEvent) and \
                event.size().width() != event.oldSize().width():
            # a row's height follows the width its text wraps to; QListView lays rows out again only
            # when its height changes (a scroll bar appearing, or the panel resized, changes the width)
            self.view.scheduleDelayedItemsLayout()
        if obj is self.view.viewport() and isinstance(event, QMouseEvent) and \
                event.type() == QEvent.Type.MouseButtonRelease and event.button() == Qt.MouseButton.MiddleButton:
            index = self.view.indexAt(event.position().toPoint())
            if index.isValid():
                self._open_row(index.row(), True)
                return True
        return super().eventFilter(obj, event)

    def set_scheme(self, scheme: str) -> None:
        """The theme changed: rows are drawn in its colours."""
        if scheme != self.delegate.scheme:
            self.delegate.scheme = scheme
            self._redraw_rows()

    def set_starred(self, starred: frozenset[str]) -> None:
        """Entries with a bookmark (pushed by the user data): their rows carry a star."""
        if starred != self.delegate.starred:
            self.delegate.starred = starred
            self._redraw_rows()

    def _redraw_rows(self) -> None:
        self.delegate.clear_cache()
        self.view.viewport().update()
