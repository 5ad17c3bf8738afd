"""Searching the index: questions and the query language, ranked by how much of the query an entry
has and how well, with snippets, what each result lacks, and spelling correction."""

from __future__ import annotations

import heapq
import re
import time
from collections.abc import Callable, Iterator
from typing import TypeVar
from dataclasses import asdict, dataclass, field, replace
from difflib import SequenceMatcher

from whoosh import query as wq
from whoosh import scoring
from whoosh.reading import IndexReader
from whoosh.searching import Searcher as WhooshSearcher

from nexus_desktop.core import postings
from nexus_desktop.core.analysis import is_cjk, is_filler, is_noise, stem, words
from nexus_desktop.core.coverage import Coverage, idf
from nexus_desktop.core.highlight import WordMatcher
from nexus_desktop.core.index import IndexDamaged, SearchIndex
from nexus_desktop.core.plan import Expander, Plan, PlanBuilder
from nexus_desktop.core.postings import BulkScorer, Lengths, Scores, intersected, summed
from nexus_desktop.core.query import BadQuery, Clause, parse, unparse
from nexus_desktop.core.snippets import make_snippet
from nexus_desktop.core.vocabulary import Vocabulary

__all__ = ["BadQuery", "Clause", "Hit", "SearchResults", "Searcher", "parse"]

T = TypeVar("T")

SUGGEST_BELOW = 3
MAX_SUGGEST_WORD = 32
MAX_CORRECTED_WORDS = 6
FUZZY_TERMS = 32  # a misspelt word stands for at most this many of its most frequent neighbours
# Among the best RERANKED_CANDIDATES, neighbouring words of the query that stand within PROXIMITY_SLOP
# positions of each other add their rarity (read from the index's positions: a phrase query over the
# whole index cost ~100 ms on 7.4k pages). BM25F's K1 is raised from 1.2 to 2.0, so repeated words
# saturate later.
RERANKED_CANDIDATES = 200
PROXIMITY_SLOP = 3
PROXIMITY_WEIGHT = 1.0  # times the summed rarity (idf) of a pair that stands close
BM25_B = 0.75
BM25_K1 = 2.0
TIME_LIMIT_S = 0.6  # from a search's start: what is not read by then is left out, with a notice (the rest of a
# search, ranking what was read and 20 snippets, fits in the 0.4 s left of the 1 s budget)

@dataclass
class Hit:
    """One search result, shown without opening its file."""

    id: str
    title: str
    root: str
    path: str
    score: float
    snippet: str
    tags: list[str]
    category: str = ""
    summary: str = ""
    matched: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["score"] = round(self.score, 4)
        del data["category"], data["summary"]
        return data


@dataclass
class SearchResults:
    """Results of one query (the `search --json` shape, plus what the UI shows).

    `total` counts every entry that matches; `complete` those that have every word of the query.
    `corrected` is the respelled query whose results these are, when the typed words were unknown.
    """

    query: str
    total: int = 0
    complete: int = 0
    took_ms: float = 0.0
    suggestion: str | None = None
    corrected: str | None = None
    results: list[Hit] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    timed_out: bool = False

    @property
    def partial(self) -> int:
        """Entries that have only some of the query's words."""
        return self.total - self.complete

    def headline(self) -> str:
        """"23 results", or "3 with every word, 20 with some" when some entries lack words."""
        if not self.partial:
            return f"{self.total} result{'s' if self.total != 1 else ''}"
        return f"{self.complete} with every word, {self.partial} with some"

    def to_json(self) -> dict[str, object]:
        return {"query": self.query, "total": self.total, "complete": self.complete,
                "took_ms": round(self.took_ms, 2), "suggestion": self.suggestion, "corrected": self.corrected,
                "words": self.words, "timed_out": self.timed_out,
                "results": [h.to_json() for h in self.results]}


# --- the searcher -------------------------------------------------------------------------------
class Searcher:
    """Runs queries against a SearchIndex; keep one per thread and call refresh() after updates."""

    def __init__(self, index: SearchIndex) -> None:
        self.index = index
        with index.reading():  # a read error means damage: IndexDamaged, the index set aside (see index.py)
            self._use(index.open().searcher(weighting=_weighting()))

    def refresh(self) -> None:
        """See the index as it is now. A new Whoosh searcher, not `Searcher.refresh()`: after a merge
        that one reports every hit twice, and it fails on an index that started empty."""
        old = self._searcher
        with self.index.reading():
            self._use(self.index.open().searcher(weighting=_weighting()))
        old.close()

    def _use(self, searcher: WhooshSearcher) -> None:
        """Search with this Whoosh searcher, and start the caches that hold for it alone."""
        self._searcher = searcher
        self._lengths = Lengths()
        self._vocabulary = Vocabulary(searcher)

    def close(self) -> None:
        self._searcher.close()

    @property
    def _reader(self) -> IndexReader:
        return self._searcher.reader()

    def search(self, text: str, *, limit: int = 20, offset: int = 0, as_you_type: bool = False,
               suggest: bool = True, correct: bool = True) -> SearchResults:
        """Run a query; raises BadQuery when there is nothing searchable in it.

        When no entry has every word of the query, some words are unknown to the library and their
        respelling (one typo away: `celry` -> `celery`) finds entries with every word, the results are
        those of the respelled query (`corrected`), unless `correct` is False.

        Raises IndexDamaged when the index could not be read (it was set aside: rebuild, refresh() and
        ask again)."""
        return self._read(lambda: self._search(text, limit, offset, as_you_type, suggest, correct))

    def _read(self, read: Callable[[], T]) -> T:
        """Run a read of the index; a read that fails because this searcher is out of date (an update
        merged segments and removed files it had not opened yet) is run again on the index as it is
        now, not taken for damage. Any other failure is damage (see SearchIndex.reading)."""
        try:
            with self.index.reading(BadQuery, _OutOfDate):
                try:
                    return read()
                except (BadQuery, IndexDamaged):
                    raise
                except Exception as exc:
                    if self._out_of_date():
                        raise _OutOfDate from exc
                    raise
        except _OutOfDate:
            self.refresh()
            with self.index.reading(BadQuery):
                return read()

    def _out_of_date(self) -> bool:
        try:
            return not self._searcher.up_to_date()
        except Exception:  # noqa: BLE001 - an index that cannot say is treated as damage by the caller
            return False

    def _search(self, text: str, limit: int, offset: int, as_you_type: bool, suggest: bool,
                correct: bool) -> SearchResults:
        started = time.perf_counter()
        clock = _Clock(started + TIME_LIMIT_S)
        clauses = parse(text)
        as_you_type = as_you_type and not text.endswith((" ", '"'))
        results = self._run(clauses, text, limit, offset, as_you_type, clock)
        typing = max((i for i, c in enumerate(clauses) if not c.negated), default=-1) if as_you_type else -1
        corrected = self._respelled(clauses, skip=typing) if correct and not results.complete and not clock.over() \
            else None
        if corrected is not None:
            respelled = self._run(corrected, text, limit, offset, as_you_type, clock)
            if respelled.complete:
                results = respelled
                results.corrected = " ".join(unparse(c) for c in corrected)
        if results.corrected is None and suggest and results.complete < SUGGEST_BELOW and not clock.over():
            results.suggestion = self._suggest(text)
        results.took_ms = (time.perf_counter() - started) * 1000
        return results

    def _run(self, clauses: list[Clause], text: str, limit: int, offset: int, as_you_type: bool,
             clock: _Clock) -> SearchResults:
        builder = PlanBuilder(clock.unless_over(self._vocabulary.completions), clock.unless_over(self._fuzzy_terms))
        plan = builder.plan(clauses, as_you_type)
        scorer = BulkScorer(self._searcher, self._lengths)
        scorer.deadline = clock.over
        results = SearchResults(query=text, terms=plan.highlight(), words=[u.label for u in plan.soft])
        matched, coverage = self._matches(plan, scorer)
        ranked = self._ranked(plan, matched, coverage, max(offset + limit, RERANKED_CANDIDATES), results)
        ranked = self._reranked(plan, ranked)
        results.timed_out = clock.passed
        matcher = WordMatcher(results.terms)
        labels = [u.label for u in plan.soft]
        for score, docnum in ranked[offset:offset + limit]:
            fields = self._searcher.stored_fields(docnum)
            missing = coverage.missing(docnum, labels) if coverage is not None else []
            results.results.append(Hit(
                id=fields["id"], title=fields.get("title", ""), root=fields["id"].partition("/")[0],
                path=fields.get("path", ""), score=score, snippet=_snippet(fields, matcher),
                tags=[t for t in fields.get("tags", "").split(",") if t],
                category=fields.get("category", ""), summary=fields.get("summary", ""),
                matched=[label for label in labels if label not in missing], missing=missing,
            ))
        return results

    def _matches(self, plan: Plan, scorer: BulkScorer) -> tuple[Scores, Coverage | None]:
        """Every entry the plan matches (see Plan), with its match score: the scores of the strict units
        and of the soft units it has (a common word's only add to entries that rarer words found; see
        COMMON_SHARE), plus its exact-title, title, alias, heading and tag scores."""
        soft = plan.soft
        # restrictions and exclusions first, and whole: past the time limit fewer entries may match,
        # never one the query excludes
        narrowing = [scorer.scores(u.matching, whole=True) for u in plan.units if u.narrows]
        excluded = scorer.scores(wq.Or(plan.excluded), whole=True) if plan.excluded else {}
        soft_scores = [scorer.scores(u.matching) for u in soft]
        strict = [scorer.scores(u.matching) for u in plan.units if u.strict and not u.narrows]
        coverage = None
        if len(soft) > 1 or (soft and len(plan.units) > len(soft)):
            doc_count = max(1, self._searcher.doc_count())
            coverage = Coverage([found.keys() for found in soft_scores],
                                [idf(doc_count, len(found)) for found in soft_scores],
                                sum(idf(doc_count, len(found)) for found in strict))
            coverage.mark_common(soft, self._searcher.doc_count())
        found_by = [found for unit, found in zip(soft, soft_scores, strict=True) if not unit.common] or soft_scores
        matched = summed(found_by)
        if strict:
            matched = {docnum: score + matched.get(docnum, 0.0) for docnum, score in intersected(strict).items()}
        if narrowing:
            within = intersected(narrowing)
            if strict or soft:
                matched = {docnum: score + within[docnum] for docnum, score in matched.items() if docnum in within}
            else:
                matched = within
        for docnum in excluded:
            matched.pop(docnum, None)
        for boost in (plan.exact_title(), plan.boosts()):
            for docnum, score in (scorer.scores(boost) if boost is not None else {}).items():
                if docnum in matched:
                    matched[docnum] += score
        return matched, coverage

    @staticmethod
    def _ranked(plan: Plan, matched: Scores, coverage: Coverage | None, count: int,
                results: SearchResults) -> list[tuple[float, int]]:
        """The best `count` matches, each score weighted by the share of the query the entry has; counts
        the matches (all, and those with every word) into `results`."""
        results.total = results.complete = len(matched)
        if coverage is None:
            best = heapq.nlargest(count, matched.items(), key=lambda item: (item[1], -item[0]))
            return [(score, docnum) for docnum, score in best]
        results.complete = coverage.complete_among(matched.keys())
        if len(plan.soft) == len(plan.units) and not plan.excluded:
            results.total = coverage.union_size()  # entries found only by common words count too
        return coverage.best(matched, count)

    def _reranked(self, plan: Plan, ranked: list[tuple[float, int]]) -> list[tuple[float, int]]:
        """The best candidates re-ranked with what costs too much to read for every match: a bonus for
        each pair of neighbouring query words that stand within PROXIMITY_SLOP words of each other in
        the entry (read from the index's positions)."""
        pairs = plan.neighbours()
        near = self._near_pairs({docnum for _, docnum in ranked}, pairs) if pairs else {}
        rescored = [(score + PROXIMITY_WEIGHT * near.get(docnum, 0.0), docnum) for score, docnum in ranked]
        return sorted(rescored, key=lambda item: (-item[0], item[1]))

    def _near_pairs(self, docnums: set[int], pairs: list[tuple[str, str]]) -> dict[int, float]:
        """Document number -> the summed weight (rarity) of the word pairs that stand close together in it."""
        found: dict[int, float] = {}
        terms = sorted({t for pair in pairs for t in pair})
        doc_count = max(1, self._searcher.doc_count())
        weight = {t: idf(doc_count, self._searcher.doc_frequency("body", t)) for t in terms}
        for sub, offset in self._searcher.leaf_searchers():
            reader = sub.reader()
            local = sorted(d - offset for d in docnums if offset <= d < offset + reader.doc_count_all())
            if not local:
                continue
            positions = {term: postings.positions(reader, "body", term, local) for term in terms}
            for docnum in local:
                count = sum(weight[a] + weight[b] for a, b in pairs
                            if _within(positions[a].get(docnum), positions[b].get(docnum), PROXIMITY_SLOP))
                if count:
                    found[docnum + offset] = count
        return found

    def _fuzzy_terms(self, field_name: str, word: str, maxdist: int) -> list[str]:
        """The FUZZY_TERMS most frequent indexed words within `maxdist` typos of `word` (first letter kept)."""
        candidates = _bounded(self._reader.terms_within(field_name, word, maxdist, prefix=1), 2000)
        ranked = heapq.nsmallest(FUZZY_TERMS, ((-self._reader.doc_frequency(field_name, t), t) for t in candidates))
        return [term for _, term in ranked]

    # --- spelling -------------------------------------------------------------------------------
    def _respelled(self, clauses: list[Clause], max_typos: int = 1, skip: int = -1) -> list[Clause] | None:
        """The clauses with each unknown plain word respelled as the library writes it (within
        `max_typos`; not clause `skip`, the word being typed), or None when every word is known (or
        no respelling is)."""
        changed = 0
        out: list[Clause] = []
        for i, clause in enumerate(clauses):
            better = None
            if i != skip and changed < MAX_CORRECTED_WORDS and self._correctable(clause):
                better = self._closest(words(clause.text)[0], max_typos)
            if better is not None:
                changed += 1
                out.append(replace(clause, text=better))
            else:
                out.append(clause)
        return out if changed else None

    def _correctable(self, clause: Clause) -> bool:
        if clause.kind != "word" or clause.field or clause.negated or is_cjk(clause.text):
            return False
        tokens = words(clause.text)
        return len(tokens) == 1 and not is_noise(tokens[0]) and not _known_word(self._reader, tokens[0])

    def suggest(self, text: str) -> str | None:
        """A corrected query from the index's own vocabulary, or None."""
        return self._read(lambda: self._suggest(text))

    def _suggest(self, text: str) -> str | None:
        clauses = parse(text)
        corrected = self._respelled(clauses, max_typos=2)
        return " ".join(unparse(c) for c in corrected) if corrected else None

    def _closest(self, word: str, max_typos: int = 2) -> str | None:
        """The most frequent indexed word within one (then two) typos of `word`, as written in the text;
        never a stop or question word (`spammed` is not a typo of `same`)."""
        if not 3 <= len(word) <= MAX_SUGGEST_WORD:
            return None
        reader = self._reader
        for maxdist in (1, 2)[:max_typos] if len(word) > 4 else (1,):
            best: tuple[int, str, str] | None = None
            # the stems of `body` near the typed word's stem and near the word itself (`compres` stems to
            # `compr`, three letters from `compress`), and the unstemmable words of `body_raw`
            for field_name, probe in dict.fromkeys((("body", stem(word)), ("body", word), ("body_raw", word))):
                for candidate in _bounded(reader.terms_within(field_name, probe, maxdist, prefix=1), 2000):
                    if is_filler(candidate):
                        continue
                    freq = reader.doc_frequency(field_name, candidate)
                    if best is None or (-freq, candidate) < (best[0], best[1]):
                        best = (-freq, candidate, field_name)
            if best is not None:
                return self._written_form(best[1], word) if best[2] == "body" else best[1]
        return None

    def _written_form(self, stemmed: str, typed: str) -> str:
        """The word as the library writes it for a stem (`celeri` -> `celery`), from a page that has it:
        of its forms there, the one closest to what was typed (`compres` -> `compress`, not `compression`)."""
        found = self._searcher.search(wq.Term("body", stemmed), limit=1, terms=False)
        text = str(found[0].get("text", "")) if len(found) else ""
        forms = {m.group().lower() for m in re.finditer(rf"\b{re.escape(stemmed[:3])}\w*", text, re.IGNORECASE)}
        forms = {f for f in forms if stem(f) == stemmed}
        if not forms:
            return stemmed
        return max(sorted(forms), key=lambda form: SequenceMatcher(None, typed, form).ratio())


class _OutOfDate(Exception):
    """A read failed on a searcher that an update has left behind: refresh and read again."""


class _Clock:
    """The time limit of one search: once it has passed, no more completions, spellings or postings are
    read, no respelling or "did you mean" is looked for (each read is bounded on its own), and the
    results say so."""

    def __init__(self, end: float) -> None:
        self.end = end
        self.passed = False

    def over(self) -> bool:
        if not self.passed and time.perf_counter() > self.end:
            self.passed = True
        return self.passed

    def unless_over(self, expand: Expander) -> Expander:
        """`expand`, or nothing once the time is over."""
        return lambda field_name, text, limit: [] if self.over() else expand(field_name, text, limit)


def _within(first: list[int] | None, second: list[int] | None, slop: int) -> bool:
    """Whether some position of one list is within `slop` of some position of the other (both sorted)."""
    if not first or not second:
        return False
    i = j = 0
    while i < len(first) and j < len(second):
        if abs(first[i] - second[j]) <= slop:
            return True
        if first[i] < second[j]:
            i += 1
        else:
            j += 1
    return False


def _weighting() -> scoring.BM25F:
    """BM25F with the parameters chosen above."""
    return scoring.BM25F(B=BM25_B, K1=BM25_K1)


def _bounded(items: Iterator[str], limit: int) -> list[str]:
    """At most `limit` items of an expansion (a two-letter word within two typos is most of a vocabulary)."""
    out: list[str] = []
    for item in items:
        out.append(item.decode("utf-8") if isinstance(item, bytes) else item)
        if len(out) >= limit:
            break
    return out


def _snippet(fields: dict[str, object], matcher: WordMatcher) -> str:
    """From the entry's own text (the stored text starts with its title, aliases and tags); else its summary."""
    text = str(fields.get("text", ""))[int(str(fields.get("text_start", 0) or 0)):]
    summary = str(fields.get("summary", ""))
    if summary and (not text.strip() or (matcher and not matcher.spans(text, 1) and matcher.spans(summary, 1))):
        text = summary
    return make_snippet(text, matcher if matcher else None)


def _known_word(reader: IndexReader, word: str) -> bool:
    """Whether the library has this word (as its stem in `body`, or as itself in `body_raw`)."""
    return bool(reader.doc_frequency("body", stem(word)) or reader.doc_frequency("body_raw", word))

