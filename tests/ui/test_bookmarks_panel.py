"""Tests for the bookmarks panel."""

from __future__ import annotations


import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QLineEdit

from nexus_desktop.core.bookmarks import BookmarkStore, EntryRef
from nexus_desktop.ui.bookmark_model import ID_ROLE, KIND_ROLE, MISSING_ROLE, NOTE_ROLE
from nexus_desktop.ui.bookmarks_panel import BookmarksPanel
from nexus_desktop.ui.user_data import UserData


@pytest.fixture
def filled(store: BookmarkStore) -> BookmarkStore:
    docker = store.create_folder("Docker")
    store.add("nexus/docker/compose", "Compose", folder_id=docker.id, note="volumes section")
    store.add("nexus/docker/volumes", "Volumes", folder_id=docker.id)
    store.add("nexus/async/celery", "Celery", anchor="retries")
    store.add_search("tag:python", "Python pages")
    return store


@pytest.fixture
def panel(qtbot, filled: BookmarkStore) -> BookmarksPanel:
    widget = BookmarksPanel(UserData(filled.db))
    qtbot.addWidget(widget)
    widget.resize(320, 480)
    widget.show()
    widget.activateWindow()
    widget.tree.setFocus()  # keys go to the tree, as when the user works in it
    qtbot.waitUntil(widget.tree.hasFocus)
    return widget


def rows(model, parent: QModelIndex = QModelIndex(), depth: int = 0) -> list[str]:
    out = []
    for r in range(model.rowCount(parent)):
        index = model.index(r, 0, parent)
        out.append("  " * depth + str(index.data()))
        out.extend(rows(model, index, depth + 1))
    return out


def select_title(panel: BookmarksPanel, title: str) -> QModelIndex:
    for b in panel.store.all_bookmarks():
        if b.title == title:
            assert panel.select("bookmark", b.id)
            return panel.tree.currentIndex()
    for f in panel.store.folders():
        if f.name == title:
            assert panel.select("folder", f.id)
            return panel.tree.currentIndex()
    raise AssertionError(title)


def test_tree_shows_folders_bookmarks_notes_and_searches(panel: BookmarksPanel):
    assert rows(panel.tree.model()) == ["Docker", "  Compose", "  Volumes", "Celery", "Python pages"]
    compose = select_title(panel, "Compose")
    assert compose.data(NOTE_ROLE) == "volumes section"
    assert "volumes section" in compose.data(Qt.ItemDataRole.ToolTipRole)
    assert select_title(panel, "Python pages").data(KIND_ROLE) == "search"


def test_empty_state(qtbot, store: BookmarkStore):
    widget = BookmarksPanel(UserData(store.db))
    qtbot.addWidget(widget)
    widget.show()
    assert widget.empty_label.isVisible() and not widget.tree.isVisible()


def test_open_with_enter_double_click_and_middle_click(qtbot, panel: BookmarksPanel):
    index = select_title(panel, "Celery")
    with qtbot.waitSignal(panel.open_requested) as blocker:
        qtbot.keyClick(panel.tree, Qt.Key.Key_Return)
    assert blocker.args == ["nexus/async/celery", "retries", False]
    with qtbot.waitSignal(panel.open_requested) as blocker:
        qtbot.keyClick(panel.tree, Qt.Key.Key_Return, Qt.KeyboardModifier.AltModifier)
    assert blocker.args == ["nexus/async/celery", "retries", True]
    center = panel.tree.visualRect(index).center()
    with qtbot.waitSignal(panel.open_requested) as blocker:
        qtbot.mouseClick(panel.tree.viewport(), Qt.MouseButton.MiddleButton, pos=center)
    assert blocker.args == ["nexus/async/celery", "retries", True]
    with qtbot.waitSignal(panel.open_requested) as blocker:
        qtbot.mouseDClick(panel.tree.viewport(), Qt.MouseButton.LeftButton, pos=center)
    assert blocker.args == ["nexus/async/celery", "retries", False]


def test_saved_search_emits_search_requested(qtbot, panel: BookmarksPanel):
    select_title(panel, "Python pages")
    with qtbot.assertNotEmitted(panel.open_requested):
        with qtbot.waitSignal(panel.search_requested) as blocker:
            qtbot.keyClick(panel.tree, Qt.Key.Key_Return)
    assert blocker.args == ["tag:python"]


def test_rename_with_f2(qtbot, panel: BookmarksPanel):
    select_title(panel, "Volumes")
    qtbot.keyClick(panel.tree, Qt.Key.Key_F2)
    editor = panel.tree.findChild(QLineEdit)
    assert editor is not None and editor.text() == "Volumes"
    editor.selectAll()
    with qtbot.waitSignal(panel.data.changed):
        qtbot.keyClicks(editor, "Named volumes")
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert [b.title for b in panel.store.bookmarks(panel.store.folders()[0].id)] == ["Compose", "Named volumes"]
    assert "  Named volumes" in rows(panel.tree.model())


def test_edit_note_with_keyboard(qtbot, panel: BookmarksPanel):
    select_title(panel, "Celery")
    qtbot.keyClick(panel.tree, Qt.Key.Key_F2, Qt.KeyboardModifier.ShiftModifier)
    assert panel.note_edit.isVisible()
    qtbot.keyClicks(panel.note_edit, "read before deploying")
    with qtbot.waitSignal(panel.data.changed):
        qtbot.keyClick(panel.note_edit, Qt.Key.Key_Return)
    assert not panel.note_edit.isVisible()
    (celery,) = [b for b in panel.store.all_bookmarks() if b.title == "Celery"]
    assert celery.note == "read before deploying"
    assert select_title(panel, "Celery").data(NOTE_ROLE) == "read before deploying"
    qtbot.keyClick(panel.tree, Qt.Key.Key_F2, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(panel.note_edit, " changed")
    qtbot.keyClick(panel.note_edit, Qt.Key.Key_Escape)
    assert panel.store.get(celery.id).note == "read before deploying"


def test_reorder_with_ctrl_up_down(qtbot, panel: BookmarksPanel):
    select_title(panel, "Volumes")
    with qtbot.waitSignal(panel.data.changed):
        qtbot.keyClick(panel.tree, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert rows(panel.tree.model())[:3] == ["Docker", "  Volumes", "  Compose"]
    assert panel.current_bookmark().title == "Volumes"
    qtbot.keyClick(panel.tree, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert rows(panel.tree.model())[:3] == ["Docker", "  Compose", "  Volumes"]
    select_title(panel, "Python pages")
    qtbot.keyClick(panel.tree, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert rows(panel.tree.model())[3:] == ["Python pages", "Celery"]


def test_move_to_folder(panel: BookmarksPanel):
    docker = panel.store.folders()[0]
    select_title(panel, "Celery")
    panel.move_to_folder(docker.id)
    assert rows(panel.tree.model()) == ["Docker", "  Compose", "  Volumes", "  Celery", "Python pages"]
    assert panel.current_bookmark().title == "Celery"
    panel.move_to_folder(None)
    assert rows(panel.tree.model())[-1] == "Celery"


def test_drag_and_drop_via_model(panel: BookmarksPanel):
    model = panel.tree.model()
    celery = select_title(panel, "Celery")
    docker = select_title(panel, "Docker")
    # Drop Celery between Compose and Volumes.
    assert model.canDropMimeData(model.mimeData([celery]), Qt.DropAction.MoveAction, 1, 0, docker)
    model.dropMimeData(model.mimeData([celery]), Qt.DropAction.MoveAction, 1, 0, docker)
    assert rows(model) == ["Docker", "  Compose", "  Celery", "  Volumes", "Python pages"]
    # Drop the saved search onto the folder (appended).
    search = select_title(panel, "Python pages")
    docker = select_title(panel, "Docker")
    model.dropMimeData(model.mimeData([search]), Qt.DropAction.MoveAction, -1, -1, docker)
    assert rows(model)[-1] == "  Python pages"
    # Drop a bookmark at the top level, first row (before the folder: bookmarks follow folders).
    volumes = select_title(panel, "Volumes")
    model.dropMimeData(model.mimeData([volumes]), Qt.DropAction.MoveAction, 0, 0, QModelIndex())
    assert rows(model) == ["Docker", "  Compose", "  Celery", "  Python pages", "Volumes"]
    # Nothing can be dropped onto a bookmark.
    volumes = select_title(panel, "Volumes")
    assert not model.canDropMimeData(model.mimeData([volumes]), Qt.DropAction.MoveAction, -1, -1, volumes)


def test_drag_folder_into_folder_and_not_into_itself(panel: BookmarksPanel):
    archive = panel.store.create_folder("Archive")
    panel.refresh()
    model = panel.tree.model()
    docker = select_title(panel, "Docker")
    archive_index = select_title(panel, "Archive")
    model.dropMimeData(model.mimeData([docker]), Qt.DropAction.MoveAction, -1, -1, archive_index)
    assert panel.store.get_folder(panel.store.folders()[0].id).name == "Archive"
    assert [f.name for f in panel.store.folders(archive.id)] == ["Docker"]
    archive_index = select_title(panel, "Archive")
    docker_id = panel.store.folders(archive.id)[0].id
    assert panel.select("folder", docker_id)
    model.dropMimeData(model.mimeData([archive_index]), Qt.DropAction.MoveAction, -1, -1,
                       panel.tree.currentIndex())
    assert panel.store.get_folder(archive.id).parent_id is None  # refused
    assert panel.info_bar.isVisible()


def test_new_folder_with_keyboard(qtbot, panel: BookmarksPanel):
    select_title(panel, "Docker")
    qtbot.keyClick(panel.tree, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    editor = panel.tree.findChild(QLineEdit)
    assert editor is not None and editor.text() == "New folder"
    editor.selectAll()
    qtbot.keyClicks(editor, "Compose files")
    with qtbot.waitSignal(panel.data.changed):
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    docker = panel.store.folders()[0]
    assert [f.name for f in panel.store.folders(docker.id)] == ["Compose files"]
    assert rows(panel.tree.model())[:2] == ["Docker", "  Compose files"]


def test_delete_and_undo(qtbot, panel: BookmarksPanel):
    before = rows(panel.tree.model())
    select_title(panel, "Docker")
    with qtbot.waitSignal(panel.data.changed):
        qtbot.keyClick(panel.tree, Qt.Key.Key_Delete)
    assert rows(panel.tree.model()) == ["Celery", "Python pages"]
    assert panel.undo_bar.isVisible() and "Docker" in panel.undo_label.text()
    select_title(panel, "Celery")
    qtbot.keyClick(panel.tree, Qt.Key.Key_Delete)
    assert rows(panel.tree.model()) == ["Python pages"]
    qtbot.keyClick(panel.tree, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert rows(panel.tree.model()) == ["Celery", "Python pages"]
    qtbot.mouseClick(panel.undo_button, Qt.MouseButton.LeftButton)
    assert rows(panel.tree.model()) == before
    assert not panel.can_undo() and not panel.undo_bar.isVisible()
    compose = [b for b in panel.store.all_bookmarks() if b.title == "Compose"][0]
    assert compose.note == "volumes section"


def test_sort_folder_by_title_and_date(panel: BookmarksPanel):
    docker = panel.store.folders()[0]
    panel.store.add("nexus/docker/build", "Build cache", folder_id=docker.id)
    panel.refresh()
    select_title(panel, "Volumes")
    panel.sort_title_action.trigger()
    assert rows(panel.tree.model())[:4] == ["Docker", "  Build cache", "  Compose", "  Volumes"]
    panel.sort_date_action.trigger()
    assert rows(panel.tree.model())[:4] == ["Docker", "  Compose", "  Volumes", "  Build cache"]


def test_filter_box(qtbot, panel: BookmarksPanel):
    qtbot.keyClicks(panel.filter_edit, "volume")
    assert rows(panel.tree.model()) == ["Docker", "  Compose", "  Volumes"]  # Compose's note matches
    panel.filter_edit.clear()
    qtbot.keyClicks(panel.filter_edit, "celery")
    assert rows(panel.tree.model()) == ["Celery"]
    panel.filter_edit.clear()
    assert len(rows(panel.tree.model())) == 5


def test_missing_entries_dimmed_and_repointed(qtbot, panel: BookmarksPanel):
    known = {
        "nexus/docker/compose": EntryRef("nexus/docker/compose", "Compose"),
        "nexus/docker/volumes-v2": EntryRef("nexus/docker/volumes-v2", "Volumes"),
    }
    report = panel.set_known(known)
    celery = [b for b in panel.store.all_bookmarks() if b.title == "Celery"][0]
    assert report.missing == [celery.id]
    assert panel.store.all_bookmarks()[1].entry_id == "nexus/docker/volumes-v2"  # re-pointed
    index = select_title(panel, "Celery")
    assert index.data(MISSING_ROLE) is True
    assert index.data() == "Celery"  # its old title; the delegate adds "(missing)"
    assert "no longer in the library" in index.data(Qt.ItemDataRole.ToolTipRole)
    with qtbot.assertNotEmitted(panel.open_requested):
        qtbot.keyClick(panel.tree, Qt.Key.Key_Return)
    assert panel.info_bar.isVisible()
    panel.set_known({**known, "nexus/async/celery": EntryRef("nexus/async/celery", "Celery")})
    assert select_title(panel, "Celery").data(MISSING_ROLE) is False


def test_ambiguous_entries_are_noted_and_picked(panel: BookmarksPanel):
    refs = [EntryRef("a/celery", "Celery"), EntryRef("b/celery", "Celery"),
            EntryRef("nexus/docker/compose", "Compose"), EntryRef("nexus/docker/volumes", "Volumes")]
    panel.set_known({ref.id: ref for ref in refs})
    celery = [b for b in panel.store.all_bookmarks() if b.title == "Celery"][0]
    assert panel.ambiguous() == {celery.id: ["a/celery", "b/celery"]}
    assert panel.info_bar.isVisible() and "Pick" in panel.info_button.text()
    panel.resolve_ambiguous(celery.id, "b/celery")
    fixed = [b for b in panel.store.all_bookmarks() if b.title == "Celery"]
    assert [(b.entry_id, b.anchor, b.missing) for b in fixed] == [("b/celery", "retries", False)]
    assert rows(panel.tree.model()) == ["Docker", "  Compose", "  Volumes", "Celery", "Python pages"]
    assert panel.ambiguous() == {} and not panel.info_bar.isVisible()


def test_each_edit_is_announced_once_as_the_panels(qtbot, panel: BookmarksPanel):
    select_title(panel, "Celery")
    with qtbot.waitSignal(panel.data.changed):
        panel.edit_note("x")
    with qtbot.waitSignal(panel.data.changed):
        panel.new_folder("Later")
    assert [f.name for f in panel.store.folders()] == ["Docker", "Later"]
    assert panel.current_key() == ("folder", panel.store.folders()[1].id)
    assert panel.tree.currentIndex().data(ID_ROLE) == panel.store.folders()[1].id


def test_refreshing_keeps_no_row_objects_of_earlier_trees(panel: BookmarksPanel):
    """The soak's leak: each refresh kept the Python object of every row of the tree it replaced."""
    import gc

    from PySide6.QtGui import QStandardItem

    def row_objects() -> int:
        gc.collect()
        return sum(1 for o in gc.get_objects() if isinstance(o, QStandardItem))

    panel.refresh()
    before = row_objects()
    for _ in range(10):
        panel.refresh()
    assert row_objects() <= before


def _many(store: BookmarkStore, count: int) -> None:
    with store.db.transaction():
        folders = [store.create_folder(f"Folder {n}") for n in range(20)]
        for n in range(count):
            store.add(f"kb/page{n}", f"Page {n}", folder_id=folders[n % 20].id)


def test_twenty_thousand_bookmarks_toggle_without_rebuilding_a_hidden_panel(qtbot, store: BookmarkStore):
    """With 20k bookmarks a rebuild takes about a second: a Ctrl+D while the panel is hidden costs none,
    and the panel is built once, when it is shown."""
    import time

    _many(store, 20_000)
    data = UserData(store.db)
    panel = BookmarksPanel(data)
    qtbot.addWidget(panel)
    data.changed.connect(panel.data_changed)
    assert panel.model.rowCount() == 0  # nothing built while hidden
    started = time.perf_counter()
    data.toggle_bookmark(None, "kb/new", "New")
    assert time.perf_counter() - started < 2.0 and panel.model.rowCount() == 0
    started = time.perf_counter()
    panel.show()
    assert time.perf_counter() - started < 10.0  # a generous bound for a loaded machine
    assert panel.model.rowCount() == 21  # 20 folders and the new bookmark, built once on showing
    data.toggle_bookmark(None, "kb/new", "New")  # shown: the panel follows at once
    assert panel.model.rowCount() == 20


def _import_file(path, folders: list, bookmarks: list) -> None:
    import json

    from nexus_desktop.core.bookmark_exchange import FORMAT_NAME, FORMAT_VERSION

    path.write_text(json.dumps({"format": FORMAT_NAME, "version": FORMAT_VERSION, "folders": folders,
                                "bookmarks": bookmarks}), encoding="utf-8")


def test_an_import_is_read_in_the_background_with_a_notice(qtbot, panel: BookmarksPanel, tmp_path):
    path = tmp_path / "bookmarks.json"
    _import_file(path, [], [{"kind": "entry", "id": "kb/tar", "title": "tar"}])
    panel.import_file(path)
    assert panel.info_bar.isVisible() and "Importing bookmarks.json" in panel.info_label.text()
    assert not panel.import_action.isEnabled()  # one import at a time
    qtbot.waitUntil(lambda: "Imported" in panel.info_label.text(), timeout=10_000)
    assert "1 added" in panel.info_label.text() and panel.import_action.isEnabled()
    assert any("tar" in row for row in rows(panel.proxy))


def test_a_refused_import_says_why_and_changes_nothing(qtbot, panel: BookmarksPanel, tmp_path):
    nested: dict = {"name": "x", "folders": [], "bookmarks": []}
    for _ in range(200):
        nested = {"name": "x", "folders": [nested], "bookmarks": []}
    path = tmp_path / "deep.json"
    _import_file(path, [nested], [])
    before = rows(panel.proxy)
    panel.import_file(path)
    qtbot.waitUntil(lambda: "was not imported" in panel.info_label.text(), timeout=10_000)
    assert "nested" in panel.info_label.text() and rows(panel.proxy) == before
