"""What the window watches: library folders (hidden ones and links left out) and file stamps."""

from __future__ import annotations

import os
from pathlib import Path

from nexus_desktop.core.disk import changed_folder, file_stamp, library_folders


def test_library_folders_skip_hidden_and_linked_folders(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / ".git" / "objects").mkdir(parents=True)
    os.symlink(tmp_path / "a", tmp_path / "link")
    expected = sorted(str(p) for p in (tmp_path, tmp_path / "a", tmp_path / "a" / "b"))
    assert sorted(library_folders([tmp_path])) == expected


def test_library_folders_are_bounded(tmp_path: Path) -> None:
    for n in range(10):
        (tmp_path / f"f{n}").mkdir()
    assert len(library_folders([tmp_path], limit=4)) == 4


def test_file_stamp_changes_with_the_file(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    path.write_text("one", encoding="utf-8")
    first = file_stamp(path)
    info = path.stat()
    assert first == f"{info.st_mtime_ns}:{info.st_size}"
    path.write_text("longer text", encoding="utf-8")
    assert file_stamp(path) != first
    assert file_stamp(tmp_path / "gone.md") == ""


def test_changed_folder(tmp_path: Path) -> None:
    (tmp_path / "x.md").write_text("x", encoding="utf-8")
    assert changed_folder(str(tmp_path / "x.md")) == str(tmp_path)
    assert changed_folder(str(tmp_path)) == str(tmp_path)
    assert changed_folder(str(tmp_path / "gone")) == str(tmp_path / "gone")
