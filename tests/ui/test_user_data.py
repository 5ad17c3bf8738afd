"""User data changes announce themselves once: the star, Ctrl+D and the popover agree; failures are told."""

from __future__ import annotations

import logging

import pytest
from PySide6.QtWidgets import QApplication

from nexus_desktop.core.bookmarks import BookmarkStore, NotFoundError
from nexus_desktop.ui.bookmark_popover import BookmarkPopover
from nexus_desktop.ui.bookmarks_panel import BookmarksPanel
from nexus_desktop.ui.tabs import Tabs
from nexus_desktop.ui.user_data import UserData
from tests.ui.conftest import search_and_wait


def _store(window) -> BookmarkStore:
    return window.user_data.bookmarks


def test_ctrl_d_on_an_entry_with_a_heading_bookmark_removes_what_the_star_shows(qtbot, make_window):
    window = make_window()
    window.open_entry("kb/tar")
    window.outline_panel.bookmark_heading_requested.emit("kb/tar", "options", "Options")  # the outline's menu
    assert _store(window).find("kb/tar", "options").title == "tar \u203a Options"
    assert window.star_action.text() == "\u2605"
    window.star_action.trigger()  # Ctrl+D
    assert not _store(window).is_bookmarked("kb/tar")
    assert window.star_action.text() == "\u2606"


def test_one_ctrl_d_and_done_refreshes_each_view_once(qtbot, make_window, monkeypatch):
    window = make_window()
    window.open_entry("kb/tar")
    window.show_panel(2)
    refreshes: list[str] = []
    original = BookmarksPanel.refresh

    def counting(panel):
        refreshes.append("panel")
        original(panel)

    monkeypatch.setattr(BookmarksPanel, "refresh", counting)
    original_stars = Tabs.set_starred

    def counting_stars(tabs, starred):
        refreshes.append("tab labels")
        original_stars(tabs, starred)

    monkeypatch.setattr(Tabs, "set_starred", counting_stars)
    window.star_action.trigger()
    popover = BookmarkPopover.active
    assert popover is not None
    popover.done_button.click()
    QApplication.processEvents()
    assert sorted(refreshes) == ["panel", "tab labels"]
    assert _store(window).is_bookmarked("kb/tar")
    assert window.star_action.text() == "\u2605"
    assert window.tabs.tabText(window.tabs.currentIndex()).startswith("\u2605")


def test_switching_the_theme_does_not_reorder_recent_entries(qtbot, make_window):
    window = make_window()
    tab = window.open_entry("kb/tar")
    window.new_tab("kb/gzip")
    tab.open("kb/notes/callouts")
    recent = window.user_data.recent
    before = [r.entry_id for r in recent.list(10)]
    window.set_theme("dark")
    window.set_theme("light")
    assert [r.entry_id for r in recent.list(10)] == before


def test_a_failing_bookmark_lookup_is_told_not_read_as_not_bookmarked(qtbot, make_window, monkeypatch):
    window = make_window()

    def broken(*_args, **_kwargs):
        raise OSError("disk I/O error")

    monkeypatch.setattr(BookmarkStore, "is_bookmarked", broken)
    monkeypatch.setattr(BookmarkStore, "bookmarked_ids", broken, raising=False)
    window.open_entry("kb/tar")
    window.star_action.trigger()
    qtbot.waitUntil(lambda: window.banner.isVisible())
    assert "disk I/O error" in window.banner.label.text()


class FailingSuggester:
    """A searcher whose suggestions fail."""

    def __init__(self, _index) -> None:
        pass

    def search(self, text, **_kwargs):
        from nexus_desktop.core.search import SearchResults
        return SearchResults(query=text, total=0, took_ms=1.0, results=[], terms=[text])

    def suggest(self, _text):
        raise RuntimeError("vocabulary unreadable")

    def close(self):
        pass


def test_a_failing_suggestion_is_logged(qtbot, make_window, caplog):
    window = make_window(searcher_factory=FailingSuggester)
    with caplog.at_level(logging.WARNING):
        search_and_wait(qtbot, window, "gzipp")
        qtbot.waitUntil(lambda: "vocabulary unreadable" in caplog.text, timeout=5000)


def test_a_user_action_is_one_transaction_announced_once(store):
    data = UserData(store.db)
    announced = []
    data.changed.connect(announced.append)
    with pytest.raises(NotFoundError):  # refused half way: nothing of it stays, nothing is announced
        data.change("panel", lambda s: (s.add("kb/a", "A"), s.rename(999, "x")))
    assert store.count() == 0 and announced == []
    data.change("panel", lambda s: (s.add("kb/a", "A"), s.add("kb/b", "B")))
    assert store.count() == 2 and announced == ["panel"] and data.starred == {"kb/a", "kb/b"}
