"""File > Library folders…: list the folders, add one, remove one, with the index following."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from nexus_desktop.core.state import RootsStore
from nexus_desktop.core.userdb import open_user_db
from nexus_desktop.paths import content_dir
from nexus_desktop.ui.library_folders import LibraryFoldersDialog
from nexus_desktop.ui.main_window import MainWindow

INDEX_TIMEOUT_MS = 60_000


def _notes(tmp_path: Path, name: str = "Field Notes") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "todo.md").write_text("# Todo\n\nWater the zanzibarian plants.\n", encoding="utf-8")
    return folder


def test_dialog_lists_adds_and_removes_folders(qtbot, data_dir, tmp_path):
    db = open_user_db(data_dir)
    roots = RootsStore(db)
    roots.add(_notes(tmp_path, "Old Notes"))
    picked = _notes(tmp_path)
    dialog = LibraryFoldersDialog(roots, content_dir(), None, chooser=lambda _parent: str(picked))
    qtbot.addWidget(dialog)
    dialog.show()
    assert [row.split(" \u2014 ")[0] for row in dialog.folders()] == ["nexus", "old-notes"]
    dialog.list.setCurrentRow(0)
    assert not dialog.remove_button.isEnabled()  # the bundled knowledge base stays
    with qtbot.waitSignal(dialog.reindex_requested), qtbot.waitSignal(dialog.message) as said:
        qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert "field-notes" in said.args[0] and [n for n, _ in roots.list()] == ["old-notes", "field-notes"]
    assert dialog.list.currentItem().text() == f"field-notes \u2014 {picked}"
    with qtbot.waitSignal(dialog.reindex_requested):
        qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert [n for n, _ in roots.list()] == ["old-notes"]
    assert len(dialog.folders()) == 2 and picked.is_dir()  # the files stay
    db.close()


def test_a_content_run_changes_the_folders_for_the_next_launch_only(qtbot, data_dir, tmp_path):
    db = open_user_db(data_dir)
    picked = _notes(tmp_path)
    dialog = LibraryFoldersDialog(RootsStore(db), content_dir(), [str(tmp_path)], chooser=lambda _p: str(picked))
    qtbot.addWidget(dialog)
    reindexed = []
    dialog.reindex_requested.connect(lambda: reindexed.append(True))
    with qtbot.waitSignal(dialog.message) as said:
        dialog.add_folder()
    assert reindexed == [] and "next normal launch" in said.args[0]
    assert "--content" in dialog.note.text()
    db.close()


def test_removing_a_folder_takes_its_entries_out_of_the_index(qtbot, data_dir, tmp_path):
    picked = _notes(tmp_path)
    window = MainWindow(str(data_dir), None)  # a normal launch: the bundled library and the user's folders
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.index_updated, timeout=INDEX_TIMEOUT_MS):
        window.show()
    window.actions_by_name["library_folders"].trigger()
    dialog = window.folders_dialog
    assert dialog.isVisible()
    dialog.chooser = lambda _parent: str(picked)
    with qtbot.waitSignal(window.index_updated, timeout=INDEX_TIMEOUT_MS):
        dialog.add_folder()
    assert "field-notes/todo" in {item.id for item in window.pages.library.catalog}
    with qtbot.waitSignal(window.index_updated, timeout=INDEX_TIMEOUT_MS):
        assert dialog.remove_selected()
    ids = {item.id for item in window.pages.library.catalog}
    assert "field-notes/todo" not in ids and "nexus/index" in ids


def test_a_folder_the_database_cannot_take_is_refused_visibly(qtbot, data_dir, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from nexus_desktop.core.userdb import UserDataError

    db = open_user_db(data_dir)
    roots = RootsStore(db)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: shown.append(text))
    monkeypatch.setattr(roots, "add", lambda _folder: (_ for _ in ()).throw(UserDataError("the database is read-only")))
    dialog = LibraryFoldersDialog(roots, content_dir(), None, chooser=lambda _p: str(_notes(tmp_path)))
    qtbot.addWidget(dialog)
    assert dialog.add_folder() is None
    assert shown == ["the database is read-only"] and len(dialog.folders()) == 1
    dialog.chooser = lambda _p: str(tmp_path / "not-there")
    assert dialog.add_folder() is None and "is not a folder" in shown[-1]
    db.close()
