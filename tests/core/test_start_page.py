"""The generated start page and help page (Qt-free)."""

from __future__ import annotations

import re

import pytest

from nexus_desktop.core.index import CatalogItem
from nexus_desktop.core.links import LinkResolver
from nexus_desktop.core.render import Renderer
from nexus_desktop.core.start_page import BUNDLED_START, ENTRIES_PER_CATEGORY, KEYBOARD, RootInfo, help_markdown, \
    library_overview_markdown, query_syntax_html, start_entry, start_page_markdown


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
    assert "- **notes**: [Work](#notes-work) (2), [Home](#notes-home) (1)" in text  # one line a folder
    assert "- **tldr**: [linux](#tldr-linux) (2), [common](#tldr-common) (1)" in text  # no category: the folder
    assert "## Recently opened" in text and "[Alpha](entry:notes/a)" in text
    assert "[Charlie \\*star\\*](entry:notes/c)" in text  # Markdown in titles is escaped


def test_a_single_folder_gets_a_table_of_categories() -> None:
    catalog = [item("notes/a", "Work"), item("notes/b", "Work"), item("notes/c", "Home")]
    text = start_page_markdown([RootInfo("notes", "/home/me/notes")], catalog)
    assert "| [Work](#work) | 2 |" in text and "| [Home](#home) | 1 |" in text


def test_empty_library_says_how_to_add_a_folder() -> None:
    text = start_page_markdown([], [])
    assert "**0** entries" in text
    assert "Library folders" in text
    assert "Recently opened" not in text


def test_help_documents_query_language_and_every_shortcut() -> None:
    text = help_markdown("1.2.3")
    assert "1.2.3" in text
    for needle in ("tag:", "title:", "category:", "root:", "migr*", "OR", "-compose", '"task queue"', "+celery",
                   "~2", "Missing:", "Showing results for"):
        assert needle in text
    for keys, _action in KEYBOARD:
        assert keys in text
    assert "Ctrl+Shift+T" in text and "Alt+Enter" in text


def test_query_syntax_cheat_sheet_is_html() -> None:
    html = query_syntax_html()
    assert "<table" in html and "<code>tag:security</code><br><code>category:database</code>" in html
    assert "`" not in html



def _ids_and_links(html_text: str) -> tuple[set[str], list[str]]:
    ids = set(re.findall(r'\bid="([^"]+)"', html_text)) | set(re.findall(r'<a name="([^"]+)"', html_text))
    return ids, re.findall(r'href="#([^"]+)"', html_text)


@pytest.mark.parametrize("roots", [[RootInfo("notes", "/n")], [RootInfo("notes", "/n"), RootInfo("tldr", "/t")]])
def test_each_category_links_to_the_list_of_its_entries(roots: list[RootInfo]) -> None:
    catalog = [item("notes/a", "Work"), item("notes/b", "Work"), item("notes/c", "Library"),
               item("notes/d", "C++ & Rust"), item("tldr/linux/ls", path="linux/ls.md")]
    catalog = [entry for entry in catalog if entry.root in {r.name for r in roots}]
    text = start_page_markdown(roots, catalog)
    html_text = Renderer(LinkResolver.from_refs({})).render_text(text)
    ids, links = _ids_and_links(html_text)
    assert len(links) == len({(e.root, e.category or "linux") for e in catalog})  # one link a category
    assert set(links) <= ids  # every category link lands on its heading (a "Library" category too)
    work = text.split("Work", 3)[-1]
    assert "[a](entry:notes/a)" in work and "[b](entry:notes/b)" in work


def test_a_big_category_lists_its_first_entries_and_counts_the_rest() -> None:
    catalog = [item(f"notes/n{n:03}", "Big") for n in range(ENTRIES_PER_CATEGORY + 7)]
    text = start_page_markdown([RootInfo("notes", "/n")], catalog)
    assert text.count("](entry:notes/") == ENTRIES_PER_CATEGORY
    assert "and 7 more" in text


def test_counts_say_they_are_partial_while_a_first_index_runs() -> None:
    catalog = [item("notes/a", "Work"), item("notes/b", "Work")]
    text = library_overview_markdown([RootInfo("notes", "/n")], catalog, library_size=5000)
    assert "**5,000** entries in **1** folder, being indexed" in text
    assert "**2** read so far" in text
    done = library_overview_markdown([RootInfo("notes", "/n")], catalog, library_size=2)
    assert "**2** entries in **1** folder." in done and "being indexed" not in done
