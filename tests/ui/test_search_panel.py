"""The results panel as a user reads it: full and partial matches told apart, respelled queries, no dead ends."""

from __future__ import annotations

from typing import Any

from nexus_desktop.ui.search_panel import _row_html
from tests.ui.conftest import search_and_wait


def test_a_question_lists_full_and_partial_matches_and_says_what_is_missing(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    search_and_wait(qtbot, window, "how do I compress files with zebras ")
    panel = window.search_panel
    results = panel.results
    assert results is not None and results.total >= 1
    assert "how" not in results.words and "zebras" in results.words
    assert results.complete == 0  # no entry has "zebras"
    assert "0 with every word" in panel.header.text()
    top = panel.model.hits[0]
    assert top.id == "kb/gzip" and "zebras" in top.missing
    assert "Missing: <s>zebras</s>" in _row_html(top, "light", False)
    assert panel.stack.currentWidget() is panel.view  # results, not the "No results" page


def test_entries_with_every_word_are_counted_apart(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    search_and_wait(qtbot, window, "compress files ")
    results = window.search_panel.results
    assert results is not None and results.complete >= 1
    full = [h for h in window.search_panel.model.hits if not h.missing]
    assert full and full[0].id == "kb/gzip"
    assert "<s>" not in _row_html(full[0], "dark", False)


def test_a_misspelt_word_is_respelled_and_the_words_as_typed_are_one_click_away(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    search_and_wait(qtbot, window, "compres files ")
    panel = window.search_panel
    assert panel.results is not None and panel.results.corrected == "compress files"
    assert "Showing results for" in panel.header.text() and "search instead for" in panel.header.text()
    assert panel.model.hits[0].id == "kb/gzip"
    with qtbot.waitSignal(panel.results_shown, timeout=10_000):
        panel.header.linkActivated.emit("astyped:compres files ")
    assert panel.results.corrected is None and panel.results.query == "compres files "
    assert "Showing results for" not in panel.header.text()


def test_the_no_results_page_only_when_no_word_is_known(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    search_and_wait(qtbot, window, "qqqzzzxx ")
    panel = window.search_panel
    assert panel.results is not None and panel.results.total == 0
    assert panel.stack.currentWidget() is panel.empty and "No results for" in panel.empty.text()


def test_rows_are_as_tall_as_their_text_once_the_scroll_bar_takes_its_width(qtbot: Any, make_window: Any) -> None:
    """The rows' heights follow the width the text is wrapped to: when the scroll bar appears (or the
    panel is resized) a row whose title or snippet wraps onto another line grows, and never overlaps
    the next row."""
    window = make_window()
    search_and_wait(qtbot, window, "files ")
    panel = window.search_panel
    view = panel.view
    view.setFixedHeight(160)  # three results do not fit: the scroll bar shows
    qtbot.waitUntil(lambda: view.verticalScrollBar().isVisible(), timeout=10_000)
    for width in (260, 200, 330):
        panel.setFixedWidth(width)
        qtbot.waitUntil(lambda: _rows_fit(panel), timeout=5_000)


def _rows_fit(panel: Any) -> bool:
    view, delegate = panel.view, panel.delegate
    rects = [view.visualRect(panel.model.index(row, 0)) for row in range(panel.model.rowCount())]
    needed = [int(delegate._doc(hit, delegate._width(), view.font()).size().height())
              for hit in panel.model.hits]
    return all(rect.height() >= need for rect, need in zip(rects, needed, strict=True)) and \
        all(a.bottom() < b.top() for a, b in zip(rects, rects[1:], strict=False))
