"""The keyboard contract of the main window (DESIGN.md, "Desktop UI")."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.ui.conftest import search_and_wait


def focused():
    return QApplication.focusWidget()


def key(qtbot, k, mods=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(focused(), k, mods)


def test_search_field_is_focused_at_launch(qtbot, make_window):
    window = make_window(wait=False)
    qtbot.waitUntil(lambda: window.search_field.hasFocus())
    assert window.windowTitle().endswith("Nexus")


def test_type_and_enter_opens_entry_in_current_tab(qtbot, make_window):
    window = make_window()
    search_and_wait(qtbot, window, "tar")
    assert window.status.results_label.text().endswith("ms") and "result" in window.status.results_label.text()
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.windowTitle() == "tar \u2014 Nexus")
    assert window.tab_count() == 1
    assert window.current_tab().entry_id == "kb/tar"
    assert window.search_field.hasFocus()  # focus stays in the search field


def test_enter_right_after_typing_opens_top_hit(qtbot, make_window):
    window = make_window()
    window.search_field.setFocus()
    qtbot.keyClicks(window.search_field, "gzip")
    qtbot.keyClick(window.search_field, Qt.Key.Key_Return)  # before the debounce fires
    qtbot.waitUntil(lambda: window.windowTitle() == "gzip \u2014 Nexus")


def test_down_up_move_selection_while_focus_stays_in_field(qtbot, make_window):
    window = make_window()
    search_and_wait(qtbot, window, "archives")
    panel = window.search_panel
    assert panel.model.rowCount() >= 2
    first = panel.current_hit().id
    key(qtbot, Qt.Key.Key_Down)
    second = panel.current_hit().id
    assert second != first
    assert window.search_field.hasFocus()
    key(qtbot, Qt.Key.Key_Up)
    assert panel.current_hit().id == first
    key(qtbot, Qt.Key.Key_Down)
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_tab().entry_id == second)


def test_ctrl_k_alt_enter_tabs_switch_close_reopen(qtbot, make_window):
    window = make_window()
    window.current_tab().browser.setFocus()
    qtbot.waitUntil(lambda: window.current_tab().browser.hasFocus())
    key(qtbot, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert window.search_field.hasFocus()
    search_and_wait(qtbot, window, "gzip")
    key(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: window.tab_count() == 2)
    assert window.tabs.currentIndex() == 1
    assert window.windowTitle() == "gzip \u2014 Nexus"

    key(qtbot, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == 0
    key(qtbot, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == 1
    key(qtbot, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == 0
    key(qtbot, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.tabs.currentIndex() == 1

    key(qtbot, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert window.tab_count() == 1
    assert window.current_tab().entry_id != "kb/gzip"
    key(qtbot, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.tab_count() == 2
    qtbot.waitUntil(lambda: window.windowTitle() == "gzip \u2014 Nexus")


def test_ctrl_t_opens_start_page_and_ctrl_l_selects_search_text(qtbot, make_window):
    window = make_window()
    key(qtbot, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert window.tab_count() == 2
    text = window.current_tab().browser.toPlainText()
    assert "Nexus" in text and "kb" in text and "3 entries" in text
    window.search_field.setText("something")
    window.current_tab().browser.setFocus()
    key(qtbot, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.search_field.hasFocus()
    assert window.search_field.selectedText() == "something"


def test_back_forward_keys_restore_scroll(qtbot, make_window):
    window = make_window()
    window.open_entry("kb/tar")
    tab = window.current_tab()
    bar = tab.browser.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 400)
    bar.setValue(350)
    window.handle_link("entry:kb/gzip")
    assert tab.entry_id == "kb/gzip"
    assert bar.value() == 0
    bar.setValue(120)
    tab.browser.setFocus()
    key(qtbot, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert tab.entry_id == "kb/tar"
    qtbot.waitUntil(lambda: bar.value() == 350)
    assert window.windowTitle() == "tar \u2014 Nexus"
    key(qtbot, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert tab.entry_id == "kb/gzip"
    qtbot.waitUntil(lambda: bar.value() == 120)


def test_find_bar_keys(qtbot, make_window):
    window = make_window()
    window.open_entry("kb/tar")
    window.current_tab().browser.setFocus()
    key(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.find_bar.isVisible() and window.find_bar.field.hasFocus()
    qtbot.keyClicks(window.find_bar.field, "Paragraph 3")
    first = window.current_tab().browser.textCursor().position()
    assert window.current_tab().selected_text() == "Paragraph 3"
    text = window.current_tab().browser.toPlainText()
    assert first == text.index("Paragraph 3") + len("Paragraph 3")  # typing finds the first one
    key(qtbot, Qt.Key.Key_F3)
    second = window.current_tab().browser.textCursor().position()
    assert second > first  # "Paragraph 30"
    key(qtbot, Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)
    assert window.current_tab().browser.textCursor().position() == first
    qtbot.keyClicks(window.find_bar.field, "zzz-nothing")
    assert window.find_bar.note.text() == "Not found"
    key(qtbot, Qt.Key.Key_Escape)
    assert not window.find_bar.isVisible()


def test_zoom_keys(qtbot, make_window):
    window = make_window()
    window.open_entry("kb/tar")
    browser = window.current_tab().browser
    base = browser.font().pointSizeF()
    browser.setFocus()
    key(qtbot, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert browser.font().pointSizeF() > base
    key(qtbot, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    key(qtbot, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert browser.font().pointSizeF() < base
    key(qtbot, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert browser.font().pointSizeF() == base


def test_f1_opens_help_and_ctrl_b_shows_bookmarks(qtbot, make_window):
    window = make_window()
    key(qtbot, Qt.Key.Key_F1)
    text = window.current_tab().browser.toPlainText()
    assert "tag:" in text and "Ctrl+Shift+T" in text
    assert window.windowTitle() == "Help \u2014 Nexus"
    key(qtbot, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert window.sidebar.tabText(window.sidebar.currentIndex()) == "Bookmarks"


def test_ctrl_d_bookmarks_and_stars_the_tab(qtbot, make_window):
    window = make_window()
    window.open_entry("kb/gzip")
    browser = window.current_tab().browser
    browser.setFocus()
    qtbot.keyClick(browser, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert window.user_data.bookmarks.is_bookmarked("kb/gzip")
    assert window.tabs.tabText(window.tabs.currentIndex()).startswith("\u2605")
    popup = QApplication.activePopupWidget()
    if popup is not None:  # the bookmark popover (folder, note): Esc keeps the bookmark
        qtbot.keyClick(popup, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: QApplication.activePopupWidget() is None)
    assert window.user_data.bookmarks.is_bookmarked("kb/gzip")
    qtbot.keyClick(browser, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert not window.user_data.bookmarks.is_bookmarked("kb/gzip")
    assert not window.tabs.tabText(window.tabs.currentIndex()).startswith("\u2605")


def test_ctrl_q_saves_session_and_closes(qtbot, make_window):
    window = make_window()
    window.open_entry("kb/gzip")
    key(qtbot, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.isVisible())
    from nexus_desktop.core.state import SessionStore
    from nexus_desktop.core.userdb import open_user_db
    db = open_user_db(window.dirs.data)
    try:
        session = SessionStore(db).load(window.session_keeper.library)
    finally:
        db.close()
    assert session.tabs[session.current].history[-1].entry_id == "kb/gzip"
