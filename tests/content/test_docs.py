"""README and the help page: the same query language and keys, examples that find something in the
bundled library, and no link out of the repository."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from nexus_desktop.core.search import Searcher
from nexus_desktop.core.start_page import KEYBOARD, SEARCHING, help_markdown, query_rows
from nexus_desktop.core.workspace import Workspace
from nexus_desktop.paths import user_dirs

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")


def _table(text: str, header: str) -> list[tuple[str, str]]:
    """The rows of the Markdown table starting with `header`, as (first cell, second cell)."""
    lines = text[text.index(header):].split("\n\n", 1)[0].splitlines()[2:]
    rows = []
    for line in lines:
        cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        rows.append((cells[0], cells[1]))
    return rows


def _queries(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def test_readme_and_help_have_the_same_query_table() -> None:
    assert _table(README, "| you type | finds entries that |") == query_rows()
    assert _table(help_markdown(), "| you type | finds entries that |") == query_rows()


def test_readme_and_help_have_the_same_keyboard_table() -> None:
    assert _table(README, "| keys | action |") == KEYBOARD
    assert _table(help_markdown(), "| keys | action |") == KEYBOARD


def test_help_says_what_readme_says_about_partial_matches_respelling_and_typos() -> None:
    help_text = help_markdown()
    for needle in ("struck through", "*Missing:", "`+` makes a word required", "Showing results for **celery retrys**",
                   "within one typo of `retrys` (`~2`: within two)"):
        assert needle in README and needle in help_text, needle


def test_readme_points_at_no_file_outside_the_repository() -> None:
    assert "../" not in README and "/shared/" not in README
    for target in re.findall(r"\]\(([^)#]+)\)", README):
        if not re.match(r"[a-z]+:", target):
            assert (REPO / target).exists(), target


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Searcher]:
    workspace = Workspace.create(user_dirs(str(tmp_path_factory.mktemp("data"))))
    workspace.update_index()
    yield Searcher(workspace.index)
    workspace.index.close()


def _examples() -> list[str]:
    """Every query the query table, README's Searching section and the help page's text show."""
    searching = README[README.index("### Searching"):README.index("## Command line")]
    spans = {query for _cell, _finds in query_rows() for query in _queries(_cell)}
    spans |= {"retrys~2"}
    spans |= {q for q in _queries(searching.split("The query language")[0]) if " " in q or q.isalpha()}
    spans |= {q for paragraph in SEARCHING for q in _queries(paragraph)}
    return sorted(spans)


@pytest.mark.parametrize("query", _examples())
def test_every_documented_query_finds_something_in_the_bundled_library(bundled: Searcher, query: str) -> None:
    results = bundled.search(query, as_you_type=False)
    assert results.results, f"{query!r} finds nothing in the bundled library"


def test_the_respelling_example_is_what_the_library_does(bundled: Searcher) -> None:
    results = bundled.search("celry retrys")
    assert results.corrected == "celery retrys" and results.results
