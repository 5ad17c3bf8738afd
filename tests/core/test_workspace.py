"""A run's workspace: which folders make the library, and links that work before indexing ends."""

from pathlib import Path

from nexus_desktop.core.workspace import Workspace


def _library(tmp_path: Path) -> Path:
    notes = tmp_path / "notes"
    (notes / "a").mkdir(parents=True)
    (notes / "a" / "one.md").write_text("# One\n\nSee [two](../b/two.md#usage).\n", encoding="utf-8")
    (notes / "b").mkdir()
    (notes / "b" / "two.md").write_text("# Two\n\n## Usage\n", encoding="utf-8")
    return notes


def test_relative_links_resolve_from_the_files_before_anything_is_indexed(tmp_path: Path) -> None:
    workspace, notices = Workspace.for_run(tmp_path / "data", [str(_library(tmp_path))])
    assert notices == []
    assert workspace.index.doc_count() == 0
    entry = workspace.load_entry("notes/a/one")
    html = workspace.renderer().render(entry).html
    assert 'href="entry:notes/b/two#usage"' in html
    assert "broken-link" not in html


def test_a_damaged_user_database_is_set_aside_and_reported(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "nexus.sqlite3").write_bytes(b"this is not a database" * 100)
    workspace, notices = Workspace.for_run(data)
    assert len(notices) == 1 and "moved" in notices[0]
    assert [r.name for r in workspace.roots] == ["nexus"]
    assert any(p.name.startswith("nexus.sqlite3.corrupt-") for p in data.iterdir())
