"""Find in page: "3 of 12" as you go, every match highlighted, the highlights gone with the bar."""

from __future__ import annotations

from PySide6.QtCore import Qt

from nexus_desktop.ui.find_bar import found_note
from nexus_desktop.ui.page_matches import MAX_FOUND
from tests.ui.test_keyboard import key


def test_find_counts_and_highlights_every_match(qtbot, make_window):
    window = make_window()
    tab = window.open_entry("kb/tar")
    tab.browser.setFocus()
    key(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(window.find_bar.field, "paragraph 1")  # Paragraph 1 and 10-19
    assert window.find_bar.note.text() == "1 of 11"
    assert len(tab.browser.extraSelections()) == 11
    assert {s.cursor.selectedText().lower() for s in tab.browser.extraSelections()} == {"paragraph 1"}
    key(qtbot, Qt.Key.Key_F3)
    key(qtbot, Qt.Key.Key_F3)
    assert window.find_bar.note.text() == "3 of 11"
    assert tab.selected_text() == "Paragraph 1"  # of "Paragraph 11"
    key(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert window.find_bar.note.text() == "2 of 11"
    key(qtbot, Qt.Key.Key_Escape)
    assert not window.find_bar.isVisible() and tab.browser.extraSelections() == []


def test_find_says_when_nothing_matches_and_clears_with_the_text(qtbot, make_window):
    window = make_window()
    tab = window.open_entry("kb/tar")
    window.find_bar.set_tab(tab)
    window.find_bar.open_bar("archives")
    assert window.find_bar.note.text().endswith(" of 41")
    window.find_bar.field.setText("zzz-nothing")
    assert window.find_bar.note.text() == "Not found" and tab.browser.extraSelections() == []
    window.find_bar.field.clear()
    assert window.find_bar.note.text() == ""


def test_the_note_says_when_there_are_more_than_it_counts():
    assert found_note(3, 12) == "3 of 12"
    assert found_note(0, 0) == "Not found"
    assert found_note(1, MAX_FOUND) == f"1 of {MAX_FOUND}+"
