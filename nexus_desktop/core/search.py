"""Searching the index: questions and the query language, ranked by how much of the query an entry
has and how well, with snippets, what each result lacks, and spelling correction."""

from __future__ import annotations

import heapq
from collections import OrderedDict
from operator import itemgetter
from difflib import SequenceMatcher
import math
import re
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace

from whoosh import query as wq
from whoosh import scoring
from whoosh.reading import IndexReader
from whoosh.searching import Searcher as WhooshSearcher

from nexus_desktop.core.analysis import identifier_parts, is_cjk, is_filler, is_noise, query_words, stem, words
from nexus_desktop.core.highlight import WordMatcher
from nexus_desktop.core.index import SearchIndex
from nexus_desktop.core import postings
from nexus_desktop.core.postings import BulkScorer, Lengths, Scores, intersected, summed
from nexus_desktop.core.query import BadQuery, Clause, parse, plain_text, unparse
from nexus_desktop.core.snippets import make_snippet
from nexus_desktop.core.vocabulary import Vocabulary

__all__ = ["BadQuery", "Clause", "Hit", "SearchResults", "Searcher", "parse"]

EXACT_BOOST = 60.0
SUGGEST_BELOW = 3
MAX_SUGGEST_WORD = 32
MAX_CORRECTED_WORDS = 6
PREFIX_TERMS_TYPING = 8
PREFIX_TERMS_SHORT = 4  # three letters complete to many frequent words: the likeliest few
PREFIX_TERMS_EXPLICIT = 128
MAX_REMEMBERED_COMPLETIONS = 1024
FUZZY_TERMS = 32
MAX_FUZZY_CLAUSES = 4
COMPLETION_WEIGHT = 0.35  # a completion of the word being typed counts, below the word as typed
# Ranking, chosen on bench/relevance (three corpora, one written by nobody here) by hit@3 and MRR@10:
# - an entry that has only part of the query scores (share of the query's weight it has) ** COVERAGE_POWER
#   times its BM25F score: a missing rare word costs more than a missing common one. A hard tier for
#   entries with every word measured worse (long pages that hold every word of a question pushed the
#   answer down: 36/56 in the top 3 on a third-party vault against 43/56), so completeness is shown to
#   the user ("Missing: ...") rather than imposed on the order;
# - among the best RERANKED_CANDIDATES, neighbouring words of the query that stand within PROXIMITY_SLOP
#   positions of each other add their rarity (read from the index's positions: a phrase query over the
#   whole index cost ~100 ms on 7.4k pages); BM25F's K1 is raised from 1.2 to 2.0, so repeated words
#   saturate later.
COVERAGE_POWER = 0.5
PROXIMITY_SLOP = 3
PROXIMITY_WEIGHT = 1.0  # times the summed rarity (idf) of a pair that stands close
# In a big library, a word in more than COMMON_SHARE of the entries only adds to the score of the entries
# that rarer words of the query found (scoring every entry with `file` or `using` was most of a
# question's time on tldr). Not in a small library: there its subject's words (`celery` in a Celery
# knowledge base) are in many entries and still find answers (hit@3 fell from 0.92 to 0.84 on ours).
COMMON_SHARE = 0.05
COMMON_MIN_ENTRIES = 2000
RERANKED_CANDIDATES = 200  # field boosts and proximity re-rank this many of the best matches
BM25_B = 0.75
BM25_K1 = 2.0
TIME_LIMIT_S = 0.8  # what is collected by then is shown, with a notice

PrefixExpander = Callable[[str, str, int], list[str]]


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


# --- from clauses to Whoosh queries -------------------------------------------------------------
# Matching runs on one field, `body`, which also holds the title, aliases, headings and tags of an
# entry (see index.document_for); the title, alias, heading and tag fields only add to the score of
# documents that already match. One field to match keeps a query's work close to plain Whoosh's.
POSITIONAL_FIELDS = frozenset({"body"})


@dataclass
class Unit:
    """One thing a query asks for, that an entry has or lacks: a word, a phrase, an OR group, a field.

    `label` is how the user wrote it (shown as "Missing: label"); `highlight` the words to mark."""

    label: str
    matching: wq.Query
    boosts: list[wq.Query] = field(default_factory=list)
    highlight: list[str] = field(default_factory=list)
    strict: bool = False
    common: bool = False  # in so many entries that it only adds to the score of entries found by rarer words


@dataclass
class Plan:
    """A parsed query as units: strict ones filter, soft ones rank; excluded ones remove entries."""

    units: list[Unit]
    excluded: list[wq.Query]
    exact: str

    @property
    def soft(self) -> list[Unit]:
        return [u for u in self.units if not u.strict]

    def matching(self) -> wq.Query:
        """What an entry must match: every strict unit, and at least one soft unit when there is no strict one."""
        strict = [u.matching for u in self.units if u.strict]
        soft = [u.matching for u in self.soft if not u.common] or [u.matching for u in self.soft]
        query: wq.Query
        if strict:
            query = strict[0] if len(strict) == 1 else wq.And(strict)
            if soft:
                query = wq.AndMaybe(query, soft[0] if len(soft) == 1 else wq.Or(soft))
        else:
            query = soft[0] if len(soft) == 1 else wq.Or(soft)
        if self.excluded:
            query = wq.AndNot(query, wq.Or(self.excluded))
        return query

    def boosts(self) -> wq.Query | None:
        """Title, alias, heading and tag matches, and the common words' matches, scored apart
        from the match."""
        boosts = [b for u in self.units for b in u.boosts] + [u.matching for u in self.soft if u.common]
        return wq.Or(boosts) if boosts else None

    def exact_title(self) -> wq.Query | None:
        """The query is an entry's title or alias, word for word."""
        return wq.Term("exact", self.exact, boost=EXACT_BOOST) if self.exact else None

    def neighbours(self) -> list[tuple[str, str]]:
        """Pairs of neighbouring single-word units of the query (their `body` terms)."""
        terms = [u.matching.text if isinstance(u.matching, wq.Term) and u.matching.fieldname == "body" else None
                 for u in self.soft]
        return [(a, b) for a, b in zip(terms, terms[1:], strict=False) if a and b and a != b]

    def highlight(self) -> list[str]:
        found: list[str] = []
        for unit in self.units:
            found += [t for t in unit.highlight if t not in found]
        return found


def _term_query(field_name: str, tokens: list[str], stemmed: bool) -> wq.Query:
    """One word, or several: a phrase in `body` (the only field with positions), all of them elsewhere."""
    terms = [stem(t) if stemmed else t for t in tokens]
    if len(terms) == 1:
        return wq.Term(field_name, terms[0])
    if field_name in POSITIONAL_FIELDS:
        return wq.Phrase(field_name, terms)
    return wq.And([wq.Term(field_name, t) for t in terms])


def _word_boosts(tokens: list[str], phrase: bool = False) -> list[wq.Query]:
    boosts = [_term_query("title", tokens, True)]
    if not phrase:
        boosts += [_term_query("headings", tokens, True), wq.Term("tags", "-".join(tokens))]
    return boosts


_PUNCTUATION = ",.;:!?'\"()[]{}"


def _word_matching(text: str, tokens: list[str]) -> wq.Query:
    """A typed word in `body`: itself, or for an identifier (`select_related`, `JWTAuthentication`) the
    whole token or all of its parts; a hyphenated or CJK run is a phrase."""
    if len(tokens) == 1:
        return wq.Term("body", stem(tokens[0]))
    parts = identifier_parts(text)
    if parts and tokens[0] == text.lower() and tokens[1:] == parts:
        return wq.Or([wq.Term("body", stem(tokens[0])), wq.And([wq.Term("body", stem(p)) for p in parts])])
    return _term_query("body", tokens, stemmed=True)


def _words_unit(clause: Clause, tokens: list[str], strict: bool) -> Unit:
    if all(is_noise(t) for t in tokens):  # "a", "the", "c": not in prose fields, but may be a title
        return Unit(clause.text, _term_query("title", tokens, True), highlight=tokens, strict=strict)
    phrase = clause.kind == "phrase"
    matching = _term_query("body", tokens, True) if phrase else _word_matching(clause.text, tokens)
    label = f'"{clause.text}"' if phrase else clause.text.strip(_PUNCTUATION) or clause.text
    return Unit(label, matching, _word_boosts(tokens if phrase else tokens[:1], phrase), tokens, strict)


class _Builder:
    """Turns clauses into a Plan; expands prefixes and typos through the index (bounded)."""

    def __init__(self, expand: PrefixExpander | None, fuzzy: Callable[[str, str, int], list[str]] | None) -> None:
        self.expand = expand
        self.fuzzy = fuzzy
        self.fuzzy_left = MAX_FUZZY_CLAUSES

    def plan(self, clauses: list[Clause], as_you_type: bool = False) -> Plan:
        positive = [c for c in clauses if not c.negated]
        if any(not c.filler for c in positive):
            positive_ids = {id(c) for c in positive if not c.filler}
        else:  # a query of only "how", "the", "it": its words are what there is to look for
            positive_ids = {id(c) for c in positive}
        typing = max((i for i, c in enumerate(clauses) if not c.negated and c.kind == "word"), default=-1)
        units: list[Unit] = []
        excluded: list[wq.Query] = []
        for i, clause in enumerate(clauses):
            if not clause.negated and id(clause) not in positive_ids:
                continue
            unit = self.unit(clause, as_you_type and i == typing and not clause.field)
            if unit is None:
                continue
            if clause.negated:
                excluded.append(unit.matching)
            elif clause.or_with_previous and units:
                units[-1] = _either(units[-1], unit)
            else:
                units.append(unit)
        if not units:
            raise BadQuery("excluding words needs at least one word to look for" if excluded
                           else "nothing to search for: type a word, a \"phrase\", a prefix* or field:value")
        return Plan(units, excluded, plain_text(clauses))

    def unit(self, clause: Clause, typing: bool = False) -> Unit | None:
        """The unit of one clause, or None when it holds nothing searchable."""
        strict = clause.strict
        if clause.field == "root":
            if not clause.text:
                return None
            return Unit(f"root:{clause.text}", wq.Prefix("id", f"{clause.text.lower()}/"), strict=True)
        if clause.field == "tags":
            tag = clause.text.lower().lstrip("#")
            if not tag:
                return None
            if clause.kind == "prefix":
                return self._prefix(clause, [tag], ("tags",), PREFIX_TERMS_EXPLICIT, strict=True)
            return Unit(unparse(clause), wq.Term("tags", tag), strict=True)
        tokens = query_words(clause.text)
        if not tokens:
            return None
        if clause.field == "category":
            if clause.kind == "prefix":
                return self._prefix(clause, tokens, ("category",), PREFIX_TERMS_EXPLICIT, strict=True)
            return Unit(unparse(clause), wq.And([wq.Term("category", t) for t in tokens]), strict=True)
        if clause.field == "title":
            if clause.kind == "prefix":
                return self._prefix(clause, tokens, ("title",), PREFIX_TERMS_EXPLICIT, strict=True)
            return Unit(unparse(clause), _term_query("title", tokens, stemmed=True), highlight=tokens, strict=True)
        if clause.kind == "prefix":
            if is_cjk(tokens[-1]):
                return _words_unit(clause, tokens, strict)
            return self._prefix(clause, tokens, ("body", "body_raw"), PREFIX_TERMS_EXPLICIT, strict)
        if typing and clause.kind == "word":
            return self._typing(clause, tokens)
        if clause.kind == "fuzzy" and len(tokens) == 1:
            return self._fuzzy(clause, tokens[0])
        return _words_unit(clause, tokens, strict)

    def _prefix_terms(self, name: str, prefix: str, limit: int, boost: float = 1.0) -> list[wq.Query]:
        if self.expand is None:
            return [wq.Prefix(name, prefix, boost=boost)]
        return [wq.Term(name, term, boost=boost) for term in self.expand(name, prefix, limit)]

    def _prefix(self, clause: Clause, tokens: list[str], fields: tuple[str, ...], limit: int,
                strict: bool) -> Unit:
        """`head words last*`: the head words as a phrase or words, the last one by its completions."""
        head, last = tokens[:-1], tokens[-1]
        parts = [q for name in fields for q in self._prefix_terms(name, last, limit)]
        whole = wq.Term("body", stem(last))  # the prefix as a word: `instance*` finds `instance` (`instanc`)
        if "body" in fields and whole not in parts:
            parts.insert(0, whole)
        completions: wq.Query = wq.Or(parts) if parts else wq.NullQuery
        matching = wq.And([_term_query("body", head, True), completions]) if head else completions
        boosts = [wq.Or(self._prefix_terms("title", last, limit))] if "body" in fields else []
        return Unit(unparse(clause), matching, boosts, [*head, f"{last}*"], strict)

    def _typing(self, clause: Clause, tokens: list[str]) -> Unit:
        """The word being typed: the word itself, and below it its most frequent completions.

        One or two letters complete titles only: completing them over every body word would match
        most of the library and cost a full scan per keystroke."""
        last = tokens[-1]
        word = _words_unit(clause, tokens, strict=False)
        if is_cjk(last) or is_noise(last):
            return word
        fields = ("body", "body_raw") if len(last) >= 3 else ("title",)
        limit = PREFIX_TERMS_TYPING if len(last) > 3 else PREFIX_TERMS_SHORT
        completed: list[wq.Query] = []
        shown: list[str] = []
        for name in fields:
            for term in self._prefix_terms(name, last, limit, COMPLETION_WEIGHT):
                if isinstance(term, wq.Term) and term.text != stem(last):
                    completed.append(term)
                    shown.append(term.text)
        if not completed:
            return word
        head = _term_query("body", tokens[:-1], True) if len(tokens) > 1 else None
        typed = wq.Or(completed)
        matching = wq.Or([word.matching, wq.And([head, typed]) if head is not None else typed])
        title_completions = self._prefix_terms("title", last, limit, COMPLETION_WEIGHT)
        highlight = word.highlight + [t for t in shown if t not in word.highlight and not t.endswith("*")]
        return Unit(clause.text, matching, word.boosts + [wq.Or(title_completions)], highlight)

    def _fuzzy(self, clause: Clause, token: str) -> Unit:
        """`word~`: the word and its most frequent spellings within the typos allowed (bounded)."""
        maxdist = min(clause.maxdist, 1 if len(token) < 6 else 2)
        if self.fuzzy is None or self.fuzzy_left <= 0 or len(token) < 3:
            return _words_unit(replace(clause, kind="word"), [token], clause.strict)
        self.fuzzy_left -= 1
        variants = [wq.Term("body", stem(token))]
        variants += [wq.Term("body", t) for t in self.fuzzy("body", stem(token), maxdist) if t != stem(token)]
        variants += [wq.Term("body_raw", t) for t in self.fuzzy("body_raw", token, maxdist)]
        shown = [token] + [v.text for v in variants[1:]]
        return Unit(unparse(clause), wq.Or(variants), _word_boosts([token]), shown, clause.strict)


def _either(first: Unit, second: Unit) -> Unit:
    """`a OR b`: one strict unit that either side satisfies."""
    return Unit(f"{first.label} OR {second.label}", wq.Or([first.matching, second.matching]),
                first.boosts + second.boosts, first.highlight + second.highlight, strict=True)


# --- ranking ------------------------------------------------------------------------------------
@dataclass
class Coverage:
    """Which entries have which soft units of a query, and how much each unit weighs (its rarity)."""

    docsets: list[Collection[int]]
    weights: list[float]

    @property
    def total_weight(self) -> float:
        return sum(self.weights)

    def share(self, docnum: int) -> tuple[float, bool]:
        """(share of the query's weight this entry has, whether it has every unit)."""
        have = 0.0
        complete = True
        for docs, weight in zip(self.docsets, self.weights, strict=False):
            if docnum in docs:
                have += weight
            else:
                complete = False
        total = self.total_weight
        return (have / total if total else 1.0), complete

    def mark_common(self, units: list[Unit], doc_count: int) -> None:
        """Mark the units found in more than COMMON_SHARE of a big library (see COMMON_SHARE), unless
        every unit of the query is that common."""
        for unit, docs in zip(units, self.docsets, strict=False):
            unit.common = doc_count >= COMMON_MIN_ENTRIES and len(docs) > COMMON_SHARE * doc_count
        if all(u.common for u in units):
            for unit in units:
                unit.common = False

    def union_size(self) -> int:
        return len(set[int]().union(*self.docsets))

    def complete_among(self, docnums: Collection[int]) -> int:
        """How many of these entries have every unit."""
        return len(set(docnums).intersection(*self.docsets))

    def best(self, matched: Mapping[int, float], count: int) -> list[tuple[float, int]]:
        """The `count` best (score weighted by share, docnum), best first: taken in order of the match
        score, which the weighting only lowers, so the entries after the first whose match score is
        below the worst weighted score kept are never weighed."""
        kept: list[tuple[float, int]] = []  # (weighted score, -docnum): a min-heap of the best
        for docnum, score in sorted(matched.items(), key=itemgetter(1), reverse=True):
            if len(kept) >= count and score < kept[0][0]:
                break
            item = (score * self.share(docnum)[0] ** COVERAGE_POWER, -docnum)
            if len(kept) < count:
                heapq.heappush(kept, item)
            elif item > kept[0]:
                heapq.heapreplace(kept, item)
        return [(score, -negated) for score, negated in sorted(kept, reverse=True)]

    def missing(self, docnum: int, labels: list[str]) -> list[str]:
        return [label for label, docs in zip(labels, self.docsets, strict=False) if docnum not in docs]


def _idf(doc_count: int, found: int) -> float:
    """BM25's inverse document frequency: rare words weigh more than common ones."""
    return math.log(1.0 + (doc_count - found + 0.5) / (found + 0.5))


# --- the searcher -------------------------------------------------------------------------------
class Searcher:
    """Runs queries against a SearchIndex; keep one per thread and call refresh() after updates."""

    def __init__(self, index: SearchIndex) -> None:
        self.index = index
        with index.reading():  # a read error means damage: IndexDamaged, the index set aside (see index.py)
            self._searcher: WhooshSearcher = index.open().searcher(weighting=_weighting())
        self._completions: OrderedDict[tuple[str, str, int], list[str]] = OrderedDict()
        self._lengths = Lengths()
        self._vocabulary = Vocabulary(self._searcher)

    def refresh(self) -> None:
        """See the index as it is now. A new Whoosh searcher, not `Searcher.refresh()`: after a merge
        that one reports every hit twice, and it fails on an index that started empty."""
        with self.index.reading():
            old, self._searcher = self._searcher, self.index.open().searcher(weighting=_weighting())
        old.close()
        self._completions.clear()
        self._lengths = Lengths()
        self._vocabulary = Vocabulary(self._searcher)

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
        with self.index.reading(BadQuery):
            return self._search(text, limit, offset, as_you_type, suggest, correct)

    def _search(self, text: str, limit: int, offset: int, as_you_type: bool, suggest: bool,
                correct: bool) -> SearchResults:
        started = time.perf_counter()
        clauses = parse(text)
        as_you_type = as_you_type and not text.endswith((" ", '"'))
        results = self._run(clauses, text, limit, offset, as_you_type)
        typing = max((i for i, c in enumerate(clauses) if not c.negated), default=-1) if as_you_type else -1
        corrected = self._respelled(clauses, skip=typing) if correct and not results.complete else None
        if corrected is not None:
            respelled = self._run(corrected, text, limit, offset, as_you_type)
            if respelled.complete:
                results = respelled
                results.corrected = " ".join(unparse(c) for c in corrected)
        if results.corrected is None and suggest and results.complete < SUGGEST_BELOW:
            results.suggestion = self._suggest(text)
        results.took_ms = (time.perf_counter() - started) * 1000
        return results

    def _run(self, clauses: list[Clause], text: str, limit: int, offset: int, as_you_type: bool) -> SearchResults:
        builder = _Builder(self._expand_prefix, self._fuzzy_terms)
        plan = builder.plan(clauses, as_you_type)
        scorer = self._scorer()
        results = SearchResults(query=text, terms=plan.highlight(), words=[u.label for u in plan.soft])
        matched, coverage = self._matches(plan, scorer)
        ranked = self._ranked(plan, matched, coverage, max(offset + limit, RERANKED_CANDIDATES), results)
        ranked = self._reranked(plan, coverage, scorer, ranked)
        results.timed_out = scorer.timed_out
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

    def _scorer(self) -> BulkScorer:
        """A scorer for one query, that stops reading postings after TIME_LIMIT_S (`timed_out`)."""
        scorer = BulkScorer(self._searcher, BM25_B, BM25_K1, self._lengths)
        deadline = time.perf_counter() + TIME_LIMIT_S
        scorer.deadline = lambda: time.perf_counter() > deadline
        return scorer

    def _matches(self, plan: Plan, scorer: BulkScorer) -> tuple[Scores, Coverage | None]:
        """Every entry the plan matches, with its match score: the strict units' scores and those of
        the soft units it has (a common word's only add to entries that rarer words found; see
        COMMON_SHARE), less the excluded entries."""
        soft = plan.soft
        soft_scores = [scorer.scores(u.matching) for u in soft]
        coverage = None
        if len(soft) > 1 or (soft and len(plan.units) > len(soft)):
            doc_count = max(1, self._searcher.doc_count())
            coverage = Coverage([found.keys() for found in soft_scores],
                                [_idf(doc_count, len(found)) for found in soft_scores])
            coverage.mark_common(soft, self._searcher.doc_count())
        found_by = [found for unit, found in zip(soft, soft_scores, strict=True) if not unit.common] or soft_scores
        strict = [scorer.scores(u.matching) for u in plan.units if u.strict]
        matched = summed(found_by)
        if strict:
            matched = {docnum: score + matched.get(docnum, 0.0) for docnum, score in intersected(strict).items()}
        if plan.excluded:
            for docnum in scorer.scores(wq.Or(plan.excluded)):
                matched.pop(docnum, None)
        exact = plan.exact_title()
        for docnum, score in (scorer.scores(exact) if exact is not None else {}).items():
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

    def _reranked(self, plan: Plan, coverage: Coverage | None, scorer: BulkScorer,
                  ranked: list[tuple[float, int]]) -> list[tuple[float, int]]:
        """The best candidates by their match re-ranked with what costs too much to score over every
        match: title, alias, heading and tag scores (weighted like the match by the share of the
        query the entry has) and a bonus for each pair of neighbouring query words that stand within
        PROXIMITY_SLOP words of each other in the entry (read from the index's positions)."""
        docnums = {docnum for _, docnum in ranked}
        boost_query = plan.boosts()
        boosts = scorer.scores(boost_query) if boost_query is not None and docnums else {}
        pairs = plan.neighbours()
        near = self._near_pairs(docnums, pairs) if pairs else {}
        rescored = []
        for score, docnum in ranked:
            weight = coverage.share(docnum)[0] ** COVERAGE_POWER if coverage is not None else 1.0
            bonus = boosts.get(docnum, 0.0) * weight + PROXIMITY_WEIGHT * near.get(docnum, 0.0)
            rescored.append((score + bonus, docnum))
        return sorted(rescored, key=lambda item: (-item[0], item[1]))

    def _near_pairs(self, docnums: set[int], pairs: list[tuple[str, str]]) -> dict[int, float]:
        """Document number -> the summed weight (rarity) of the word pairs that stand close together in it."""
        found: dict[int, float] = {}
        terms = sorted({t for pair in pairs for t in pair})
        doc_count = max(1, self._searcher.doc_count())
        weight = {t: _idf(doc_count, self._searcher.doc_frequency("body", t)) for t in terms}
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

    def _expand_prefix(self, field_name: str, prefix: str, limit: int) -> list[str]:
        """The `limit` most frequent indexed terms starting with `prefix` (bounded work per keystroke)."""
        key = (field_name, prefix, limit)
        if key in self._completions:
            self._completions.move_to_end(key)
        else:
            self._completions[key] = self._most_frequent(field_name, prefix, limit)
            if len(self._completions) > MAX_REMEMBERED_COMPLETIONS:
                self._completions.popitem(last=False)
        return self._completions[key]

    def _most_frequent(self, field_name: str, prefix: str, limit: int) -> list[str]:
        found: list[tuple[int, str]] = []
        for term, count in self._vocabulary.starting_with(field_name, prefix):
            if any(c in term and c not in prefix for c in "._0123456789"):
                continue  # host names, versions, identifiers (docs.docker.com, file2, list_of): not typed words
            if field_name == "body_raw" and stem(term).startswith(prefix):
                continue  # the stemmed `body` finds this word by the same prefix
            found.append((-count, term))
        return [term for _, term in heapq.nsmallest(limit, found)]

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
        with self.index.reading():
            return self._suggest(text)

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

