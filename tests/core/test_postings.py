"""Bulk scoring gives Whoosh's own scores, over several segments, deleted documents and posting blocks."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from whoosh import query as wq

from nexus_desktop.core import postings
from nexus_desktop.core.index import SearchIndex
from nexus_desktop.core.library import Root
from nexus_desktop.core.postings import BulkScorer, Lengths
from nexus_desktop.core.search import Searcher

WORDS = ["tar", "archive", "file", "folder", "extract", "compress", "network", "port", "process", "retry",
         "task", "queue", "docker", "container", "image", "list", "remote", "server", "copy", "owner"]


def _write_pages(folder: Path, count: int, seed: int) -> None:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        body = " ".join(rng.choice(WORDS[: rng.randint(3, len(WORDS))]) for _ in range(rng.randint(5, 120)))
        (folder / f"page{n:04d}.md").write_text(f"# {rng.choice(WORDS)} {n}\n\n{body}.\n", encoding="utf-8")


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    """Three segments (two roots added apart, then a changed root) with deleted documents in them."""
    base = tmp_path_factory.mktemp("postings")
    _write_pages(base / "one", 700, seed=1)  # `file` is in hundreds of pages: several posting blocks
    _write_pages(base / "two", 300, seed=2)
    index = SearchIndex(base / "index")
    index.update([Root("one", base / "one")])
    index.update([Root("one", base / "one"), Root("two", base / "two")])
    for n in range(0, 300, 7):
        (base / "two" / f"page{n:04d}.md").unlink()
    _write_pages(base / "two", 30, seed=3)  # rewrites the first 30 pages: the old versions are deleted
    index.update([Root("one", base / "one"), Root("two", base / "two")])
    found = Searcher(index)
    yield found
    found.close()


def _whoosh_scores(searcher: Searcher, query: wq.Query) -> dict[int, float]:
    found = searcher._searcher.search(query, limit=None, terms=False)
    return {docnum: score for score, docnum in found.top_n}


QUERIES = [
    wq.Term("body", "file"),
    wq.Term("body", "extract", boost=0.35),
    wq.Term("title", "tar"),
    wq.Term("body", "nosuchword"),
    wq.Or([wq.Term("body", "file"), wq.Term("body", "port"), wq.Term("title", "docker", boost=2.0)]),
    wq.And([wq.Term("body", "tar"), wq.Term("body", "archiv")]),
    wq.Or([wq.Term("body", "retri"), wq.And([wq.Term("body", "task"), wq.Term("body", "queue")])], boost=0.5),
    wq.Phrase("body", ["tar", "archiv"]),  # not a term tree: scored through Whoosh's matchers
    wq.NullQuery,
]


def test_the_index_has_what_the_test_needs(searcher: Searcher) -> None:
    reader = searcher._searcher.reader()
    assert len(searcher._searcher.leaf_searchers()) > 1
    assert any(sub.reader().has_deletions() for sub, _ in searcher._searcher.leaf_searchers())
    assert reader.doc_frequency("body", "file") > 300


@pytest.mark.parametrize("query", QUERIES, ids=str)
def test_bulk_scores_are_whooshs_scores(searcher: Searcher, query: wq.Query) -> None:
    ours = BulkScorer(searcher._searcher, Lengths()).scores(query)
    theirs = _whoosh_scores(searcher, query)
    assert ours.keys() == theirs.keys()
    assert all(ours[d] == pytest.approx(theirs[d], rel=1e-9) for d in ours)


def test_posting_lists_are_read_a_block_at_a_time_with_this_whoosh(searcher: Searcher) -> None:
    """The canary of the fast path: if a Whoosh release changes its posting or length format, this fails
    (search stays right, through Whoosh's per-document API, but slow)."""
    for sub, _ in searcher._searcher.leaf_searchers():
        reader = sub.reader()
        if reader.doc_frequency("body", "file") > 150:
            matcher = reader.postings("body", "file")
            assert postings._reads_blocks(getattr(matcher, "child", matcher))
            assert postings.column_lengths(reader._perdoc, "body") is not None
            return
    pytest.fail("no segment with a long posting list")


def test_reading_stops_at_the_deadline(searcher: Searcher) -> None:
    scorer = BulkScorer(searcher._searcher, Lengths())
    scorer.deadline = lambda: True
    assert scorer.scores(wq.Term("body", "file")) == {}
    assert scorer.timed_out


def test_positions_are_whooshs_positions(searcher: Searcher) -> None:
    for sub, _ in searcher._searcher.leaf_searchers():
        reader = sub.reader()
        live = [d for d in range(reader.doc_count_all()) if not reader.is_deleted(d)]
        wanted = sorted(random.Random(4).sample(live, min(60, len(live))))
        expected: dict[int, list[int]] = {}
        matcher = reader.postings("body", "file")
        while matcher.is_active():
            if matcher.id() in wanted:
                expected[matcher.id()] = matcher.value_as("positions")
            matcher.next()
        assert postings.positions(reader, "body", "file", wanted) == expected
        assert postings.positions(reader, "body", "nosuchword", wanted) == {}


def test_a_phrase_matched_a_document_at_a_time_stops_at_the_deadline(searcher: Searcher) -> None:
    scorer = BulkScorer(searcher._searcher, Lengths())
    everywhere = wq.Phrase("body", ["file", "file"], slop=100)
    assert len(scorer.scores(everywhere)) > 256
    late = BulkScorer(searcher._searcher, Lengths())
    late.deadline = lambda: True
    assert len(late.scores(everywhere)) <= 256 and late.timed_out
