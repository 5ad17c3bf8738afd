"""The page a tab shows: the search's matches marked by its own word rule in the theme's colours, opened
at the top, F3 through the matches, Ctrl+Home / Ctrl+End."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QTextCursor

from nexus_desktop.core.render import DARK, LIGHT
from nexus_desktop.ui.viewer import ViewerTab
from tests.ui.conftest import search_and_wait
from tests.ui.test_keyboard import key

FILLER = "\n\n".join(f"Filler paragraph {i} with nothing to look for in it, only words that wrap." for i in range(80))


@pytest.fixture
def content_dir(content_dir: Path) -> Path:
    """The `kb` library plus an entry whose words test the match rule and one with a match at its end."""
    (content_dir / "words.md").write_text(
        "# Words\n\nThe target of a tar archive. Celery retries a task; each retry waits, then retrying stops.\n\n"
        "See [the retry guide](gzip.md) and the `retry_backoff` setting.\n", encoding="utf-8")
    (content_dir / "deep.md").write_text(f"# Deep\n\n{FILLER}\n\nThe zebrafish is only at the very end.\n",
                                         encoding="utf-8")
    return content_dir


def marked_texts(tab: ViewerTab) -> list[str]:
    text = tab.browser.document()
    out = []
    for start, end in tab.marks():
        cursor = QTextCursor(text)
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        out.append(cursor.selectedText())
    return out


def format_at(tab: ViewerTab, word: str, occurrence: int = 0):
    position = -1
    for _ in range(occurrence + 1):
        position = tab.browser.toPlainText().index(word, position + 1)
    cursor = QTextCursor(tab.browser.document())
    cursor.setPosition(position + 1)
    return cursor.charFormat()


def test_marks_follow_the_search_word_rule(qtbot, make_window):
    window = make_window()
    tab = window.open_entry("kb/words", terms=["tar", "retries"])
    marked = [text.lower() for text in marked_texts(tab)]
    assert "target" not in marked and "tar" in marked          # a word that only starts with the term
    assert {"retries", "retry", "retrying"} <= set(marked)     # the same stem
    assert "retry_backoff" in marked                            # inline code is marked whole
    link = format_at(tab, "retry guide")
    assert link.isAnchor() and link.background().color() == QColor(LIGHT.hit_background)
    assert link.foreground().color() == QColor("#0b63ce")      # the link keeps its colour (content CSS)


def test_marks_take_the_new_colours_when_the_theme_changes(qtbot, make_window):
    window = make_window()
    window.set_theme("light")
    tab = window.open_entry("kb/words", terms=["retries"])
    assert format_at(tab, "retries").background().color() == QColor(LIGHT.hit_background)
    window.set_theme("dark")
    assert format_at(tab, "retries").background().color() == QColor(DARK.hit_background)
    assert len(tab.marks()) >= 3


@pytest.mark.parametrize("new_tab", [False, True], ids=["Enter", "Alt+Enter"])
def test_a_result_opens_at_the_top_with_its_matches_marked(qtbot, make_window, new_tab: bool):
    window = make_window()
    window.resize(900, 500)
    search_and_wait(qtbot, window, "zebrafish")
    key(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.AltModifier if new_tab else Qt.KeyboardModifier.NoModifier)
    qtbot.waitUntil(lambda: window.current_tab().entry_id == "kb/deep")
    tab = window.current_tab()
    qtbot.wait(50)  # a deferred scroll would land now
    assert tab.scroll_position() == 0
    assert tab.browser.verticalScrollBar().maximum() > 0
    assert marked_texts(tab) == ["zebrafish"]


def test_f3_goes_through_the_search_matches(qtbot, make_window):
    window = make_window()
    tab = window.open_entry("kb/words", terms=["retries"])
    tab.browser.setFocus()
    said: list[str] = []
    window.status.messageChanged.connect(lambda text: said.append(text) if text else None)
    key(qtbot, Qt.Key.Key_F3)
    assert tab.selected_text() == "retries" and not window.find_bar.isVisible()
    key(qtbot, Qt.Key.Key_F3)
    assert tab.selected_text() == "retry"
    assert said[-1] == f"Search match 2 of {len(tab.marks())}"
    key(qtbot, Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)
    assert tab.selected_text() == "retries"
    key(qtbot, Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)
    assert tab.selected_text() == "retry_backoff"               # wraps around to the last one


def test_f3_without_search_matches_opens_find(qtbot, make_window):
    window = make_window()
    window.open_entry("kb/words").browser.setFocus()
    key(qtbot, Qt.Key.Key_F3)
    assert window.find_bar.isVisible()


def test_ctrl_home_and_ctrl_end_go_to_the_top_and_the_end(qtbot, make_window):
    window = make_window()
    window.resize(900, 500)
    tab = window.open_entry("kb/deep")
    tab.browser.setFocus()
    bar = tab.browser.verticalScrollBar()
    key(qtbot, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    assert bar.maximum() > 0 and bar.value() == bar.maximum()
    key(qtbot, Qt.Key.Key_Home, Qt.KeyboardModifier.ControlModifier)
    assert bar.value() == 0
