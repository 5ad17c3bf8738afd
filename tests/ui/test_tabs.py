"""The tab owner: open, close, reopen, cycle, labels with stars, per-tab history, the session it makes."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from nexus_desktop.core.state import HistoryItem, Session, TabState
from nexus_desktop.ui.pages import Pages
from nexus_desktop.ui.tabs import CLOSED_KEEP, STAR, Tabs


def _tabs(qtbot) -> Tabs:
    parent = QWidget()
    qtbot.addWidget(parent)
    tabs = Tabs(Pages(content=["/nowhere"]), parent)  # no library yet: tabs show "Opening the library..."
    tabs.keep_alive = parent  # the test holds the parent widget only through its tabs
    return tabs


def test_open_close_reopen_and_cycle(qtbot):
    tabs = _tabs(qtbot)
    tabs.new_tab("kb/a")
    tabs.new_tab("kb/b")
    tabs.new_tab("kb/c")
    assert [t.entry_id for t in tabs.all()] == ["kb/a", "kb/b", "kb/c"] and tabs.current().entry_id == "kb/c"
    tabs.cycle_tab(1)
    assert tabs.current().entry_id == "kb/a"
    tabs.cycle_tab(-1)
    assert tabs.current().entry_id == "kb/c"
    with qtbot.waitSignal(tabs.session_changed):
        tabs.close_tab(1)
    assert [t.entry_id for t in tabs.all()] == ["kb/a", "kb/c"]
    tabs.reopen_closed_tab()
    assert tabs.current().entry_id == "kb/b" and tabs.count() == 3


def test_closing_the_last_tab_leaves_a_start_tab_and_closed_tabs_are_bounded(qtbot):
    tabs = _tabs(qtbot)
    tabs.new_tab("kb/only")
    for _ in range(CLOSED_KEEP + 5):
        tabs.close_tab(0)
        assert tabs.count() == 1
    assert len(tabs.closed) == CLOSED_KEEP
    with qtbot.waitSignal(tabs.message) as said:
        tabs.closed.clear()
        tabs.reopen_closed_tab()
    assert "No closed tab" in said.args[0]


def test_labels_carry_pushed_stars(qtbot):
    tabs = _tabs(qtbot)
    tabs.new_tab("kb/a")
    tabs.new_tab("kb/b")
    tabs.set_starred(frozenset({"kb/b"}))
    assert [tabs.widget.tabText(i).startswith(STAR) for i in range(2)] == [False, True]
    tabs.set_starred(frozenset())
    assert not any(tabs.widget.tabText(i).startswith(STAR) for i in range(2))


def test_session_round_trip_with_per_tab_history(qtbot):
    tabs = _tabs(qtbot)
    saved = Session([TabState([HistoryItem("kb/a"), HistoryItem("kb/b", 40)], 0), TabState([HistoryItem("kb/c")])],
                    current=1, zoom=2)
    tabs.restore(saved)
    assert tabs.count() == 2 and tabs.current().entry_id == "kb/c" and tabs.zoom == 2
    first = tabs.tab(0)
    assert first.entry_id == "kb/a" and first.can_go_forward()
    again = tabs.session()
    assert again.current == 1 and again.zoom == 2
    assert [t.history for t in again.tabs] == [t.history for t in saved.tabs]


def test_links_are_passed_on_with_the_tab_they_came_from(qtbot):
    tabs = _tabs(qtbot)
    tab = tabs.new_tab("kb/a")
    with qtbot.waitSignal(tabs.link_requested) as got:
        tab.link_requested.emit("entry:kb/b", True)
    assert got.args == ["entry:kb/b", True, tab]


def test_every_tab_has_the_same_close_button_and_it_closes_its_tab(qtbot):
    from PySide6.QtWidgets import QTabBar

    tabs = _tabs(qtbot)
    tabs.widget.resize(900, 400)
    tabs.widget.show()
    qtbot.waitExposed(tabs.widget)
    for entry_id in ("kb/a", "kb/b", "kb/c"):
        tabs.new_tab(entry_id)
    bar = tabs.widget.tabBar()
    buttons = [bar.tabButton(i, QTabBar.ButtonPosition.RightSide) for i in range(3)]
    assert tabs.widget.currentIndex() == 2
    images = [button.grab().toImage() for button in buttons]
    assert images[2] == images[0] == images[1]  # the current tab's looks like the others'
    qtbot.mouseClick(buttons[1], Qt.MouseButton.LeftButton)
    assert [t.entry_id for t in tabs.all()] == ["kb/a", "kb/c"]
