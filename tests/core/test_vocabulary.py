"""Completing a word being typed: the library's terms by prefix, with their counts, over every segment."""

from __future__ import annotations

from pathlib import Path

import pytest

from nexus_desktop.core import vocabulary
from nexus_desktop.core.index import SearchIndex
from nexus_desktop.core.library import Root
from nexus_desktop.core.search import Searcher
from nexus_desktop.core.vocabulary import Vocabulary


@pytest.fixture
def searcher(tmp_path: Path) -> Searcher:
    """Two segments: `compress` is in both, so its count is their sum."""
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    (tmp_path / "one" / "a.md").write_text("# A\n\ncompress compression compute command\n", encoding="utf-8")
    (tmp_path / "one" / "b.md").write_text("# B\n\ncompress commit\n", encoding="utf-8")
    (tmp_path / "two" / "c.md").write_text("# C\n\ncompress community comma\n", encoding="utf-8")
    index = SearchIndex(tmp_path / "index")
    index.update([Root("one", tmp_path / "one")])
    index.update([Root("one", tmp_path / "one"), Root("two", tmp_path / "two")])
    found = Searcher(index)
    assert len(found._searcher.leaf_searchers()) == 2
    yield found
    found.close()


def _direct(searcher: Searcher, prefix: str) -> list[tuple[str, int]]:
    reader = searcher._searcher.reader()
    return [(t.decode() if isinstance(t, bytes) else t, reader.doc_frequency("body", t))
            for t in reader.expand_prefix("body", prefix)]


@pytest.mark.parametrize("prefix", ["co", "com", "comp", "compr", "comm", "commu", "zzz", "compress"])
def test_terms_by_prefix_are_the_index_terms_with_their_counts(searcher: Searcher, prefix: str) -> None:
    words = Vocabulary(searcher._searcher)
    assert words.starting_with("body", prefix) == _direct(searcher, prefix)
    assert dict(words.starting_with("body", "compress"))["compress"] == 3


def test_remembered_prefixes_are_bounded(searcher: Searcher, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vocabulary, "MAX_BUCKETS", 2)
    words = Vocabulary(searcher._searcher)
    for prefix in ("com", "abc", "xyz", "zzz"):
        words.starting_with("body", prefix)
    assert len(words._buckets) == 2
