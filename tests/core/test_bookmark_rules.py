"""The bookmark rules the window and the CLI share: one toggle, stars in one query, repoint, positions."""

from __future__ import annotations

import pytest

from nexus_desktop.core.bookmarks import BookmarkStore, drop_position, heading_title, step_position


def test_toggle_without_anchor_acts_on_the_entry_as_the_star_shows_it(store: BookmarkStore) -> None:
    store.add("kb/tar", "tar \u203a Options", anchor="options")
    assert store.is_bookmarked("kb/tar")
    assert store.toggle("kb/tar", "tar") is None  # the star showed it bookmarked: toggling removes
    assert not store.is_bookmarked("kb/tar") and store.count() == 0
    added = store.toggle("kb/tar", "tar")
    assert added is not None and added.anchor is None and store.is_bookmarked("kb/tar")


def test_toggle_with_an_anchor_acts_on_that_heading_only(store: BookmarkStore) -> None:
    store.add("kb/tar", "tar")
    mark = store.toggle("kb/tar", "tar \u203a Options", anchor="options")
    assert mark is not None and mark.anchor == "options" and store.count() == 2
    assert store.toggle("kb/tar", "tar \u203a Options", anchor="options") is None
    assert [b.anchor for b in store.find_all("kb/tar")] == [None]


def test_toggle_adds_to_the_folder_asked_unless_it_is_gone(store: BookmarkStore) -> None:
    folder = store.create_folder("Reading")
    assert store.toggle("kb/a", "A", folder_id=folder.id).folder_id == folder.id
    assert store.toggle("kb/b", "B", folder_id=folder.id + 99).folder_id is None


def test_bookmarked_ids_in_one_query(store: BookmarkStore) -> None:
    store.add("kb/a", "A")
    store.add("kb/b", "B", anchor="x")
    store.add_search("tar", "tar")
    assert store.bookmarked_ids() == {"kb/a", "kb/b"}


def test_repoint_keeps_title_note_anchor_and_place(store: BookmarkStore) -> None:
    first = store.add("kb/first", "First")
    moved = store.add("kb/old-name", "Moved", anchor="h", note="n")
    store.add("kb/last", "Last")
    new = store.repoint(moved.id, "kb/new-name")
    assert (new.id, new.entry_id, new.title, new.anchor, new.note, new.position) == \
        (moved.id, "kb/new-name", "Moved", "h", "n", moved.position)
    assert first.position == 0


def test_repoint_onto_an_existing_bookmark_keeps_one(store: BookmarkStore) -> None:
    store.add("kb/new-name", "Already", anchor=None)
    moved = store.add("kb/old-name", "Moved")
    new = store.repoint(moved.id, "kb/new-name")
    assert store.count() == 1 and new.entry_id == "kb/new-name" and new.position == 0


def test_heading_title() -> None:
    assert heading_title("tar", "Options") == "tar \u203a Options"
    assert heading_title("tar", "") == "tar"


@pytest.mark.parametrize(("row", "folders", "is_folder", "same", "position", "expected"), [
    (-1, 2, False, False, 0, None),   # dropped on the folder itself: at the end
    (0, 2, True, False, 5, 0),        # a folder before the first sub-folder
    (5, 2, True, False, 0, 2),        # a folder dropped among bookmarks: after the last folder
    (3, 2, False, False, 0, 1),       # a bookmark before the second bookmark
    (1, 2, False, False, 0, 0),       # a bookmark dropped among folders: first bookmark
    (4, 2, False, True, 0, 1),        # moved down in its own folder: its old place closes first
    (2, 2, False, True, 3, 0),        # moved up in its own folder
])
def test_drop_position(row, folders, is_folder, same, position, expected) -> None:
    assert drop_position(row, folders, is_folder=is_folder, same_parent=same, position=position) == expected


def test_step_position() -> None:
    assert step_position(0, -1, 3) is None
    assert step_position(0, 1, 3) == 1
    assert step_position(2, 1, 3) is None
