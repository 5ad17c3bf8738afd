"""The generated start page and help page (Qt-free)."""

from __future__ import annotations

from nexus_desktop.core.index import CatalogItem
from nexus_desktop.core.start_page import BUNDLED_START, KEYBOARD, RootInfo, help_markdown, query_syntax_html, \
    start_entry, start_page_markdown


def item(entry_id: str, category: str = "", path: str = "") -> CatalogItem:
    root = entry_id.split("/", 1)[0]
    return CatalogItem(entry_id, root, path or entry_id.split("/", 1)[1] + ".md", entry_id.rsplit("/", 1)[-1],
                       (), category, (), "")


def test_bundled_start_entry_is_used_when_present() -> None:
    assert start_entry(["nexus/index", "nexus/api/jwt"]) == BUNDLED_START
    assert start_entry(["notes/todo"]) is None
    assert start_entry([]) is None


def test_overview_lists_roots_categories_with_counts_and_recent() -> None:
    catalog = [item("notes/a", "Work"), item("notes/b", "Work"), item("notes/c", "Home"),
               item("tldr/common/tar", path="common/tar.md"), item("tldr/linux/ls", path="linux/ls.md"),
               item("tldr/linux/ps", path="linux/ps.md")]
    text = start_page_markdown([RootInfo("notes", "/home/me/notes"), ("tldr", "/data/tldr")], catalog,
                               recent=[("notes/a", "Alpha")], bookmarks=[("notes/c", "Charlie *star*")])
    assert text.startswith("# Nexus")
    assert "**6** entries in **2** folders" in text
    assert "**notes** — 3 entries in `/home/me/notes`" in text
    assert "- **notes**: Work (2), Home (1)" in text  # several folders: one line each, biggest first
    assert "- **tldr**: linux (2), common (1)" in text  # no category: the first folder
    assert "## Recently opened" in text and "[Alpha](entry:notes/a)" in text
    assert "[Charlie \\*star\\*](entry:notes/c)" in text  # Markdown in titles is escaped


def test_a_single_folder_gets_a_table_of_categories() -> None:
    catalog = [item("notes/a", "Work"), item("notes/b", "Work"), item("notes/c", "Home")]
    text = start_page_markdown([RootInfo("notes", "/home/me/notes")], catalog)
    assert "| Work | 2 |" in text and "| Home | 1 |" in text


def test_empty_library_says_how_to_add_a_folder() -> None:
    text = start_page_markdown([], [])
    assert "**0** entries" in text
    assert "Add folder" in text
    assert "Recently opened" not in text


def test_help_documents_query_language_and_every_shortcut() -> None:
    text = help_markdown("1.2.3")
    assert "1.2.3" in text
    for needle in ("tag:", "title:", "category:", "root:", "prefix", "OR", "-compose", '"message queue"', "~"):
        assert needle in text
    for keys, _action in KEYBOARD:
        assert keys in text
    assert "Ctrl+Shift+T" in text and "Alt+Enter" in text


def test_query_syntax_cheat_sheet_is_html() -> None:
    html = query_syntax_html()
    assert "<table" in html and "tag:security" in html

