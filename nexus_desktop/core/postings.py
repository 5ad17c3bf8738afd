"""Scoring a query's terms over whole posting lists at once (BM25F, as Whoosh scores them), a block at a time.

Whoosh scores a document at a time through a tree of matchers: tens of microseconds of Python per
document, which made every question with a common word (`file`, `command`, `git` in tldr) cost more
than its budget. Here each term's posting list is read a block at a time and scored in one loop, so a
query costs about a microsecond per posting, and every query's document sets come for free (what
each entry has and lacks).

The block reader leans on Whoosh's on-disk format (`whoosh.codec.whoosh3.W3LeafMatcher` and the
length column of `W3PerDocReader`): `tests/core/test_postings.py` holds it to Whoosh's own scores, and
any posting list or column of another shape is read through Whoosh's public per-document API instead.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Protocol

from whoosh import query as wq
from whoosh.matching import Matcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import IndexReader
from whoosh.scoring import BM25F
from whoosh.searching import Searcher as WhooshSearcher
from whoosh.util.numeric import byte_to_length

Scores = dict[int, float]  # global document number -> score

_DEADLINE_EVERY = 256  # documents matched a document at a time between two looks at the clock
_LENGTH_OF_BYTE = [0] + [byte_to_length(b) for b in range(1, 256)]


class _StoredFile(Protocol):
    def get(self, position: int, length: int) -> bytes: ...


class _LengthColumn(Protocol):
    """Whoosh 3's reader of a one-byte-per-document length column."""

    _dbfile: _StoredFile
    _basepos: int
    _count: int


class Lengths:
    """Every document's length in each field, read once per field and kept while the searcher is."""

    def __init__(self) -> None:
        self._found: dict[tuple[int, str], Sequence[int]] = {}

    def of(self, reader: IndexReader, field_name: str) -> Sequence[int]:
        key = (id(reader), field_name)
        if key not in self._found:
            self._found[key] = _lengths(reader, field_name)
        return self._found[key]


class BulkScorer:
    """Scores the queries of one search over one Whoosh searcher, each term's postings read once.

    `scores(query)` gives every matching document's score, equal to what Whoosh's matchers give for
    Term, Or, And and NullQuery trees (any other query is scored through Whoosh's matchers)."""

    def __init__(self, searcher: WhooshSearcher, lengths: Lengths) -> None:
        self.searcher = searcher
        # the searcher's own BM25F parameters: terms scored here and phrases scored by Whoosh agree
        weighting = searcher.weighting
        assert isinstance(weighting, BM25F) and not weighting._field_B, "one B for every field"
        self.b: float = weighting.B
        self.k1: float = weighting.K1
        self.lengths = lengths
        self._terms: dict[tuple[str, str], Scores] = {}
        self.deadline: Callable[[], bool] = lambda: False
        self.timed_out = False

    def scores(self, query: wq.Query, whole: bool = False) -> Mapping[int, float]:
        """Document number -> score for every document matching `query` (kept for the search's other
        queries: read it, do not change it).

        Past the deadline, what is not read yet is left out (fewer matches), unless `whole`: what
        removes or restricts results must be read whole, or results it excludes would show."""
        return self._scores(query, whole)

    def _scores(self, query: wq.Query, whole: bool) -> Scores:
        if isinstance(query, wq.Term):
            found = self._term(query.fieldname, query.text, whole)
            return _boosted(found, query.boost)
        if isinstance(query, wq.Or):
            return _boosted(summed([self._scores(sub, whole) for sub in query.subqueries]), query.boost)
        if isinstance(query, wq.And):
            return _boosted(intersected([self._scores(sub, whole) for sub in query.subqueries]), query.boost)
        if query is wq.NullQuery or isinstance(query, type(wq.NullQuery)):
            return {}
        return self._matched(query, whole)

    def _term(self, field_name: str, text: str, whole: bool) -> Scores:
        key = (field_name, text)
        if key not in self._terms:
            if not whole and self.deadline():
                self.timed_out = True
                return {}
            self._terms[key] = self._score_term(field_name, text)
        return self._terms[key]

    def _score_term(self, field_name: str, text: str) -> Scores:
        searcher = self.searcher
        if field_name not in searcher.schema or (field_name, text) not in searcher.reader():
            return {}
        scorable = searcher.schema[field_name].scorable  # else (an id, a keyword list) the weight, as Whoosh
        idf = searcher.idf(field_name, text) if scorable else 0.0
        avgfl = searcher.avg_field_length(field_name) or 1
        b, k1 = self.b, self.k1
        k1_1, b_1 = k1 + 1, 1 - b
        found: Scores = {}
        for sub, offset in searcher.leaf_searchers():
            reader = sub.reader()
            if (field_name, text) not in reader:
                continue
            if not scorable:
                for ids, weights in _posting_blocks(reader, field_name, text):
                    found.update({docnum + offset: tf for docnum, tf in zip(ids, weights, strict=True)})
                continue
            # a document past the end of the lengths read means a column cut short: IndexError, damage
            lengths = self.lengths.of(reader, field_name)
            for ids, weights in _posting_blocks(reader, field_name, text):
                # Whoosh's scoring.bm25, term for term, so the scores are Whoosh's to the last bit
                found.update({docnum + offset: idf * ((tf * k1_1) / (tf + k1 * (b_1 + b * lengths[docnum] / avgfl)))
                              for docnum, tf in zip(ids, weights, strict=True)})
        return found

    def _matched(self, query: wq.Query, whole: bool) -> Scores:
        """Any other query (a phrase, an unexpanded prefix): through Whoosh's matchers, a document at a time."""
        found: Scores = {}
        context = self.searcher.context()
        for sub, offset in self.searcher.leaf_searchers():
            matcher = query.matcher(sub, context)
            while matcher.is_active():
                found[matcher.id() + offset] = matcher.score()
                matcher.next()
                if not whole and len(found) % _DEADLINE_EVERY == 0 and self.deadline():
                    self.timed_out = True
                    return found
        return found


def _boosted(found: Scores, boost: float) -> Scores:
    return found if boost == 1.0 else {docnum: score * boost for docnum, score in found.items()}


def summed(parts: Sequence[Mapping[int, float]]) -> Scores:
    """An OR: every document of any part, its scores added."""
    ordered = sorted((p for p in parts if p), key=len, reverse=True)
    if not ordered:
        return {}
    total = dict(ordered[0])
    for part in ordered[1:]:
        for docnum, score in part.items():
            total[docnum] = total.get(docnum, 0.0) + score
    return total


def intersected(parts: Sequence[Mapping[int, float]]) -> Scores:
    """An AND: the documents every part has, their scores added."""
    if not parts or not all(parts):
        return {}
    smallest = min(parts, key=len)
    shared = set(smallest).intersection(*parts)
    return {docnum: sum(part[docnum] for part in parts) for docnum in shared}


def _posting_blocks(reader: IndexReader, field_name: str,
                    text: str) -> Iterator[tuple[Sequence[int], Sequence[float]]]:
    """(segment document numbers, term frequencies) of the live documents with this term, a block at a time."""
    matcher: Matcher = reader.postings(field_name, text)
    deleted: frozenset[int] = frozenset()
    if isinstance(matcher, FilterMatcher):  # the segment has deleted documents
        deleted = frozenset(reader.deleted_docs_set)
        matcher = matcher.child
    blocks = _blocks(matcher) if _reads_blocks(matcher) else _one_by_one(matcher)
    for ids, weights in blocks:
        if deleted:
            live = [i for i, docnum in enumerate(ids) if docnum not in deleted]
            yield [ids[i] for i in live], [weights[i] for i in live]
        else:
            yield ids, weights


def positions(reader: IndexReader, field_name: str, text: str, docnums: Sequence[int]) -> dict[int, list[int]]:
    """The positions of a term in each of these (sorted, segment-local) documents that has it: blocks
    without any of them are passed by their last id, the others searched by bisection."""
    found: dict[int, list[int]] = {}
    if not docnums or (field_name, text) not in reader:
        return found
    matcher: Matcher = reader.postings(field_name, text)
    matcher = matcher.child if isinstance(matcher, FilterMatcher) else matcher  # deleted: never candidates
    if not _reads_blocks(matcher):
        return _positions_one_by_one(matcher, docnums)
    decode = matcher.format.decoder("positions")
    wanted = 0
    while matcher.is_active() and wanted < len(docnums):
        if matcher.block_max_id() >= docnums[wanted]:
            matcher._read_ids()
            ids = matcher._ids
            matcher._read_values()
            values = matcher._values
            while wanted < len(docnums) and docnums[wanted] <= ids[-1]:
                i = bisect_left(ids, docnums[wanted])
                if i < len(ids) and ids[i] == docnums[wanted]:
                    found[docnums[wanted]] = decode(values[i])
                wanted += 1
        matcher._next_block()
    return found


def _positions_one_by_one(matcher: Matcher, docnums: Sequence[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for docnum in docnums:
        if not matcher.is_active():
            break
        if matcher.id() < docnum:
            matcher.skip_to(docnum)
        if matcher.is_active() and matcher.id() == docnum:
            found[docnum] = matcher.value_as("positions")
    return found


_BLOCK_ATTRIBUTES = ("_read_ids", "_read_weights", "_read_values", "_next_block", "_ids", "_weights", "_values", "_i")


def _reads_blocks(matcher: Matcher) -> bool:
    return all(hasattr(matcher, name) for name in _BLOCK_ATTRIBUTES)


def _blocks(matcher: Matcher) -> Iterator[tuple[Sequence[int], Sequence[float]]]:
    """Whoosh 3 posting blocks, whole: the ids and weights arrays of each block."""
    block = matcher
    while block.is_active():
        if block._i != 0:  # only whole blocks: a block begun is read one by one
            yield from _one_by_one(block)
            return
        block._read_ids()
        block._read_weights()
        yield block._ids, block._weights
        block._next_block()


def _one_by_one(matcher: Matcher) -> Iterator[tuple[Sequence[int], Sequence[float]]]:
    ids: list[int] = []
    weights: list[float] = []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    yield ids, weights


def _lengths(reader: IndexReader, field_name: str) -> Sequence[int]:
    """Every document's length in a field (what Whoosh's BM25F reads per document), read at once."""
    found = column_lengths(getattr(reader, "_perdoc", None), field_name)
    if found is not None:
        # documents after the last one with a length are left out (Whoosh does not store defaults): they
        # have no words in this field, so no posting asks for them
        return found
    return [reader.doc_field_length(d, field_name, 0) or 0 for d in range(reader.doc_count_all())]


def column_lengths(perdoc: object, field_name: str) -> list[int] | None:
    """The lengths in Whoosh 3's one-byte length column of a field, read at once (None: not that format).

    Raises ValueError when the column file is shorter than its header says (damage)."""
    column = _length_column(perdoc, field_name)
    if column is None:
        return None
    data = column._dbfile.get(column._basepos, column._count)  # one byte per document
    if len(data) != column._count:  # the file was cut short: damage (the caller sets the index aside)
        raise ValueError(f"the {field_name} length column holds {len(data)} of {column._count} documents")
    return [_LENGTH_OF_BYTE[byte] for byte in data]


def _length_column(perdoc: object, field_name: str) -> _LengthColumn | None:
    """Whoosh 3's one-byte length column of a field, when `perdoc` is a Whoosh 3 per-document reader."""
    cached = getattr(perdoc, "_cached_reader", None)
    if cached is None:
        return None
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

    column = cached(_lenfield(field_name), LENGTHS_COLUMN)
    if column is None or not all(hasattr(column, a) for a in ("_dbfile", "_basepos", "_count")):
        return None
    if getattr(column, "_fixedlen", 1) != 1:
        return None
    found: _LengthColumn = column
    return found
