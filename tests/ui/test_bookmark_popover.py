"""Tests for the Ctrl+D bookmark popover."""

from __future__ import annotations


import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from nexus_desktop.core.bookmarks import BookmarkStore
from nexus_desktop.ui.bookmark_popover import NEW_FOLDER, TOP_LEVEL, BookmarkPopover
from nexus_desktop.ui.user_data import UserData


@pytest.fixture
def data(store: BookmarkStore) -> UserData:
    return UserData(store.db)


def popover_of(window: QWidget) -> BookmarkPopover:
    popover = window.findChild(BookmarkPopover)
    assert popover is not None and popover.isVisible()
    return popover


def test_toggle_adds_then_removes(qtbot, store: BookmarkStore, data: UserData, window: QWidget):
    assert BookmarkPopover.toggle(data, "nexus/docker/compose", "Compose", None, window) is True
    assert store.is_bookmarked("nexus/docker/compose")
    popover = popover_of(window)
    qtbot.keyClick(popover.note_edit, Qt.Key.Key_Escape)  # keep the defaults
    assert not popover.isVisible()
    assert store.find("nexus/docker/compose").folder_id is None
    assert BookmarkPopover.toggle(data, "nexus/docker/compose", "Compose", None, window) is False
    assert not store.is_bookmarked("nexus/docker/compose")


def test_anchor_is_its_own_bookmark(store: BookmarkStore, data: UserData, window: QWidget):
    store.add("nexus/a", "A")
    assert BookmarkPopover.toggle(data, "nexus/a", "A", "setup", window) is True
    assert store.find("nexus/a", "setup") is not None
    assert BookmarkPopover.toggle(data, "nexus/a", "A", "setup", window) is False
    assert store.find("nexus/a", "setup") is None and store.find("nexus/a") is not None


def test_folder_and_note_with_enter(qtbot, store: BookmarkStore, data: UserData, window: QWidget):
    docker = store.create_folder("Docker")
    store.create_folder("Deep", docker.id)
    changes = []
    data.changed.connect(changes.append)
    BookmarkPopover.toggle(data, "nexus/docker/volumes", "Volumes", None, window)
    popover = popover_of(window)
    assert popover.folder_names() == [TOP_LEVEL, "Docker", "Docker/Deep", NEW_FOLDER]
    popover.choose_folder("Docker/Deep")
    qtbot.keyClicks(popover.note_edit, "named volumes too")
    qtbot.keyClick(popover.note_edit, Qt.Key.Key_Return)
    assert not popover.isVisible()
    b = store.find("nexus/docker/volumes")
    assert (store.folder_path(b.folder_id), b.note) == (("Docker", "Deep"), "named volumes too")
    assert len(changes) == 2  # added, then edited
    # The next bookmark defaults to the folder used last.
    BookmarkPopover.toggle(data, "nexus/docker/compose", "Compose", None, window)
    assert store.folder_path(store.find("nexus/docker/compose").folder_id) == ("Docker", "Deep")


def test_new_folder_and_rename(qtbot, store: BookmarkStore, data: UserData, window: QWidget):
    BookmarkPopover.toggle(data, "nexus/x", "X", None, window)
    popover = popover_of(window)
    popover.choose_folder(NEW_FOLDER)
    assert popover.new_folder_edit.isVisible()
    qtbot.keyClicks(popover.new_folder_edit, "Reading/Later")
    popover.title_edit.selectAll()
    qtbot.keyClicks(popover.title_edit, "X, the entry")
    qtbot.mouseClick(popover.done_button, Qt.MouseButton.LeftButton)
    b = store.find("nexus/x")
    assert store.folder_path(b.folder_id) == ("Reading", "Later")
    assert b.title == "X, the entry"


def test_remove_button(qtbot, store: BookmarkStore, data: UserData, window: QWidget):
    BookmarkPopover.toggle(data, "nexus/x", "X", None, window)
    popover = popover_of(window)
    qtbot.mouseClick(popover.remove_button, Qt.MouseButton.LeftButton)
    assert popover.removed and not store.is_bookmarked("nexus/x")


def test_only_one_popover_at_a_time(store: BookmarkStore, data: UserData, window: QWidget):
    BookmarkPopover.toggle(data, "nexus/x", "X", None, window)
    first = popover_of(window)
    BookmarkPopover.toggle(data, "nexus/y", "Y", None, window)
    assert window.findChildren(BookmarkPopover) == [first]  # the same popover, now for Y
    assert BookmarkPopover.active is first and first.bookmark.entry_id == "nexus/y" and first.isVisible()


def test_done_without_edits_changes_nothing(qtbot, store: BookmarkStore, data: UserData, window: QWidget):
    changes = []
    data.changed.connect(changes.append)
    BookmarkPopover.toggle(data, "nexus/x", "X", None, window, initiator=window)
    qtbot.mouseClick(popover_of(window).done_button, Qt.MouseButton.LeftButton)
    assert changes == [window]  # the add, announced once with its initiator; Done wrote nothing


def test_repeated_toggles_leave_at_most_one_popover(qtbot, data: UserData, window: QWidget):
    """The soak's leak: every other popover outlived its close, and a popup window made per Ctrl+D left
    memory behind: the window keeps one popover and shows it for each new bookmark."""
    for n in range(12):
        BookmarkPopover.toggle(data, f"nexus/page{n}", f"Page {n}", None, window)  # each adds: a popover
        popover = popover_of(window)
        assert popover.bookmark.entry_id == f"nexus/page{n}" and popover.title_edit.text() == f"Page {n}"
    qtbot.wait(50)  # anything deleted later is gone
    assert len(window.findChildren(BookmarkPopover)) == 1
    kept = BookmarkPopover.active
    BookmarkPopover.toggle(data, "nexus/page11", "Page 11", None, window)  # removes: its popover closes
    assert kept is not None and not kept.isVisible() and BookmarkPopover.active is None
