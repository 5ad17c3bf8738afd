"""Searching the index: the query language, ranking, snippets and "did you mean" suggestions."""

from __future__ import annotations

import heapq
import html
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from whoosh import query as wq
from whoosh.collectors import TopCollector
from whoosh.searching import Searcher as WhooshSearcher

from nexus_desktop.core.analysis import is_cjk, is_noise, query_words, stem, words
from nexus_desktop.core.index import SearchIndex, normalize_name

FIELD_ALIASES = {"title": "title", "tag": "tags", "tags": "tags", "category": "category", "root": "root"}
EXACT_BOOST = 60.0
SNIPPET_CHARS = 180
SUGGEST_BELOW = 3
MAX_SUGGEST_WORD = 32
PREFIX_TERMS_TYPING = 8
PREFIX_TERMS_SHORT = 4  # three letters complete to many frequent words: the likeliest few
PREFIX_TERMS_EXPLICIT = 128

PrefixExpander = Callable[[str, str, int], list[str]]


class BadQuery(ValueError):
    """A query with nothing to search for; the message says why."""


@dataclass(frozen=True)
class Clause:
    """One part of a parsed query: `-tag:"some phrase"`, `compr*`, `word~`, ..."""

    text: str
    field: str = ""
    kind: str = "word"  # word | phrase | prefix | fuzzy
    negated: bool = False
    maxdist: int = 1
    or_with_previous: bool = False


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

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["score"] = round(self.score, 4)
        del data["category"], data["summary"]
        return data


@dataclass
class SearchResults:
    """Results of one query (the `search --json` shape, plus what the UI shows)."""

    query: str
    total: int = 0
    took_ms: float = 0.0
    suggestion: str | None = None
    results: list[Hit] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {"query": self.query, "total": self.total, "took_ms": round(self.took_ms, 2),
                "suggestion": self.suggestion, "results": [h.to_json() for h in self.results]}


# --- parsing ----------------------------------------------------------------------------------
_CLAUSE_RE = re.compile(
    r'(?P<neg>[-+]?)(?:(?P<field>[A-Za-z]+):)?(?:"(?P<phrase>[^"]*)"?|(?P<word>[^\s()"]+))?'
)


def parse(text: str) -> list[Clause]:
    """Split a query into clauses; malformed syntax is repaired (unclosed quotes, stray parens)."""
    clauses: list[Clause] = []
    pending_or = False
    pos = 0
    while pos < len(text):
        if text[pos].isspace() or text[pos] in "()":
            pos += 1
            continue
        match = _CLAUSE_RE.match(text, pos)
        if match is None or match.end() == pos:
            pos += 1
            continue
        pos = match.end()
        clause = _clause(match)
        if clause is None:
            continue
        if clause.text == "OR" and clause.kind == "word" and not clause.field and not clause.negated:
            pending_or = bool(clauses)
            continue
        if pending_or:
            clause = Clause(**{**asdict(clause), "or_with_previous": True})
            pending_or = False
        clauses.append(clause)
    return clauses


def _clause(match: re.Match[str]) -> Clause | None:
    field_name = (match.group("field") or "").lower()
    negated = match.group("neg") == "-"
    phrase, word = match.group("phrase"), match.group("word")
    if field_name and field_name not in FIELD_ALIASES:
        word = f"{match.group('field')}:{word or ''}" if phrase is None else word
        field_name = ""
        if phrase is not None:
            return Clause(phrase, "", "phrase", negated)
    target = FIELD_ALIASES.get(field_name, "")
    if phrase is not None:
        return Clause(phrase, target, "phrase", negated) if phrase.strip() else None
    if not word:
        return None
    fuzzy = re.fullmatch(r"(.+?)~([12]?)", word)
    if fuzzy:
        return Clause(fuzzy.group(1), target, "fuzzy", negated, int(fuzzy.group(2) or 1))
    if word.endswith("*"):
        return Clause(word.rstrip("*"), target, "prefix", negated)
    return Clause(word, target, "word", negated)


# --- building Whoosh queries ----------------------------------------------------------------
# Matching runs on one field, `body`, which also holds the title, aliases, headings and tags of an
# entry (see index.document_for); the title, alias, heading and tag fields only add to the score of
# documents that already match. One field to match keeps a query's work close to plain Whoosh's.
@dataclass
class Built:
    """A clause as Whoosh queries: what a document must match, and what only raises its score."""

    required: wq.Query
    boosts: list[wq.Query] = field(default_factory=list)


POSITIONAL_FIELDS = frozenset({"body"})


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


def _words(tokens: list[str], phrase: bool = False) -> Built:
    if all(is_noise(t) for t in tokens):  # "a", "the", "c": not in prose fields, but may be a title
        return Built(_term_query("title", tokens, True))
    return Built(_term_query("body", tokens, stemmed=True), _word_boosts(tokens, phrase))


def _prefix_terms(name: str, prefix: str, expand: PrefixExpander | None, limit: int) -> list[wq.Query]:
    if expand is None:
        return [wq.Prefix(name, prefix)]
    return [wq.Term(name, term) for term in expand(name, prefix, limit)]


def _prefix(tokens: list[str], fields: tuple[str, ...], expand: PrefixExpander | None,
            limit: int = PREFIX_TERMS_EXPLICIT) -> Built:
    """`head words last*`: the head words as words, the last one by its completions."""
    head, last = tokens[:-1], tokens[-1]
    parts = [q for name in fields for q in _prefix_terms(name, last, expand, limit)]
    whole = wq.Term("body", stem(last))  # the prefix as a word: `instance*` finds `instance` (`instanc`)
    if "body" in fields and whole not in parts:
        parts.insert(0, whole)
    completions: wq.Query = wq.Or(parts) if parts else wq.NullQuery
    if not head:
        return Built(completions, [wq.Or(_prefix_terms("title", last, expand, limit))])
    before = _words(head)
    return Built(wq.And([before.required, completions]), before.boosts)


def clause_query(clause: Clause, as_you_type: bool = False, expand: PrefixExpander | None = None) -> Built | None:
    """The Whoosh queries of one clause, or None when it holds nothing searchable."""
    if clause.field == "root":
        return Built(wq.Prefix("id", f"{clause.text.lower()}/")) if clause.text else None  # ids start with it
    if clause.field == "tags":
        tag = clause.text.lower().lstrip("#")
        if not tag:
            return None
        return _prefix([tag], ("tags",), expand) if clause.kind == "prefix" else Built(wq.Term("tags", tag))
    tokens = query_words(clause.text)
    if not tokens:
        return None
    if clause.field == "category":
        if clause.kind == "prefix":
            return _prefix(tokens, ("category",), expand)
        return Built(wq.And([wq.Term("category", t) for t in tokens]))
    if clause.field == "title":
        if clause.kind == "prefix":
            return _prefix(tokens, ("title",), expand)
        return Built(_term_query("title", tokens, stemmed=True))
    if clause.kind == "prefix" or as_you_type:
        return _as_prefix(tokens, clause.kind == "prefix", expand)
    if clause.kind == "fuzzy" and len(tokens) == 1:
        fuzzy = [wq.FuzzyTerm("body", stem(tokens[0]), maxdist=clause.maxdist, prefixlength=1),  # stems
                 wq.FuzzyTerm("body_raw", tokens[0], maxdist=clause.maxdist, prefixlength=1)]
        return Built(wq.Or(fuzzy), _word_boosts(tokens))
    return _words(tokens, phrase=clause.kind == "phrase")


def _as_prefix(tokens: list[str], explicit: bool, expand: PrefixExpander | None) -> Built:
    """A prefix clause (`compr*`) or the word being typed: its most frequent completions.

    While typing, one or two letters complete titles only: completing them over every body word
    would match most of the library and cost a full scan per keystroke.
    """
    last = tokens[-1]
    if is_cjk(last):
        return _words(tokens)
    if explicit:
        return _prefix(tokens, ("body", "body_raw"), expand, PREFIX_TERMS_EXPLICIT)
    fields = ("body", "body_raw") if len(last) >= 3 else ("title",)
    typed = _prefix(tokens, fields, expand, PREFIX_TERMS_TYPING if len(last) > 3 else PREFIX_TERMS_SHORT)
    whole = _words(tokens)
    if len(tokens) == 1 and len(last) >= 3:  # the completions include the word itself
        return Built(typed.required, whole.boosts + typed.boosts)
    return Built(wq.Or([whole.required, typed.required]), whole.boosts + typed.boosts)


def build_query(clauses: list[Clause], as_you_type: bool = False,
                expand: PrefixExpander | None = None) -> tuple[wq.Query, wq.Query | None]:
    """(what documents must match, what only adds to their score): all clauses must match, `OR` joins
    neighbours, `-` excludes; title, alias, heading and tag matches (and an exact title) rank."""
    groups: list[list[wq.Query]] = []
    boosts: list[wq.Query] = []
    excluded: list[wq.Query] = []
    last_positive = max((i for i, c in enumerate(clauses) if not c.negated), default=-1)
    for i, clause in enumerate(clauses):
        built = clause_query(clause, as_you_type and i == last_positive and clause.kind == "word", expand)
        if built is None:
            continue
        if clause.negated:
            excluded.append(built.required)
            continue
        boosts.extend(built.boosts)
        if clause.or_with_previous and groups:
            groups[-1].append(built.required)
        else:
            groups.append([built.required])
    if not groups:
        raise BadQuery("excluding words needs at least one word to look for" if excluded
                       else "nothing to search for: type a word, a \"phrase\", a prefix* or field:value")
    required = [g[0] if len(g) == 1 else wq.Or(g) for g in groups]
    query: wq.Query = required[0] if len(required) == 1 else wq.And(required)
    if excluded:
        query = wq.AndNot(query, wq.Or(excluded))
    exact = plain_text(clauses)
    if exact:
        boosts.append(wq.Term("exact", exact, boost=EXACT_BOOST))
    return query, (wq.Or(boosts) if boosts else None)


def plain_text(clauses: list[Clause]) -> str:
    """The words of a query without its syntax, for the exact-title boost."""
    if any(c.field or c.negated or c.kind not in ("word", "phrase") or c.or_with_previous for c in clauses):
        return ""
    return normalize_name(" ".join(c.text for c in clauses))


# --- snippets -----------------------------------------------------------------------------
def highlight_terms(clauses: list[Clause]) -> list[str]:
    """Word stems and prefixes the snippet and the viewer should highlight."""
    found: list[str] = []
    for clause in clauses:
        if clause.negated or clause.field == "root":
            continue
        for token in query_words(clause.text):
            for form in {token, stem(token)}:
                if form and form not in found:
                    found.append(form)
    return found


def _highlight_regex(terms: list[str]) -> re.Pattern[str] | None:
    if not terms:
        return None
    parts = sorted({re.escape(t) if is_cjk(t) else rf"\b{re.escape(t)}\w*" for t in terms}, key=len, reverse=True)
    return re.compile("|".join(parts), re.IGNORECASE)


_MARKUP_RE = re.compile(
    r"!?\[\[([^\]|]*\|)?([^\]]*)\]\]|!?\[([^\]]*)\]\([^)]*\)|^\s{0,3}(?:#{1,6}|>|[-*+]|\d+\.)\s+|\*{1,3}|`+|~~"
    r"|(?<![\w/.])_{1,3}(?=\w)|(?<=\w)_{1,3}(?![\w/.])|^\s*(?:```|~~~).*$|^---+$", re.M)


def readable(markdown_text: str) -> str:
    """Markdown as plain words for a snippet: link targets, emphasis and block markers dropped."""
    cleaned = _MARKUP_RE.sub(lambda m: m.group(2) or m.group(3) or "", markdown_text)
    return " ".join(cleaned.split())


def make_snippet(text: str, pattern: re.Pattern[str] | None, width: int = SNIPPET_CHARS) -> str:
    """HTML-escaped readable text around the densest cluster of matches, matches in <b>."""
    matches = list(pattern.finditer(text, 0, 200_000))[:300] if pattern else []
    raw_start = max(0, _best_window(matches, width) - width // 2) if matches else 0
    if raw_start:
        newline = text.rfind("\n", 0, raw_start + 1)
        raw_start = newline + 1 if newline != -1 and raw_start - newline < width // 2 else raw_start
    raw_end = raw_start + width * 3
    words_text = readable(text[raw_start:raw_end])
    found = list(pattern.finditer(words_text)) if pattern else []
    start = max(0, found[0].start() - width // 4) if found else 0
    if start:
        space = words_text.find(" ", start, found[0].start())
        start = space + 1 if space != -1 else start
    end = min(len(words_text), start + width)
    pieces = ["\u2026" if start or raw_start else ""]
    cursor = start
    for m in found:
        if m.start() < cursor or m.end() > end:
            continue
        pieces += [html.escape(words_text[cursor:m.start()]), f"<b>{html.escape(m.group())}</b>"]
        cursor = m.end()
    pieces.append(html.escape(words_text[cursor:end]))
    if end < len(words_text) or raw_end < len(text):
        pieces.append("\u2026")
    return "".join(pieces)


def _snippet(fields: dict[str, object], pattern: re.Pattern[str] | None) -> str:
    """From the entry's own text (the stored text starts with its title, aliases and tags); else its summary."""
    text = str(fields.get("text", ""))[int(fields.get("text_start", 0) or 0):]
    summary = str(fields.get("summary", ""))
    if summary and (not text.strip() or (pattern is not None and not pattern.search(text) and pattern.search(summary))):
        text = summary
    return make_snippet(text, pattern)


def _best_window(matches: list[re.Match[str]], width: int) -> int:
    """Where the most distinct matched words sit within one snippet's width (a sliding window)."""
    span = width * 3 // 4
    words_in = [m.group().lower() for m in matches]
    counts: dict[str, int] = {}
    best_start, best_score, left = matches[0].start(), 0, 0
    for right, match in enumerate(matches):
        counts[words_in[right]] = counts.get(words_in[right], 0) + 1
        while match.end() - matches[left].start() > span:
            counts[words_in[left]] -= 1
            if not counts[words_in[left]]:
                del counts[words_in[left]]
            left += 1
        if len(counts) > best_score:
            best_start, best_score = matches[left].start(), len(counts)
    return best_start


# --- the searcher -------------------------------------------------------------------------
class Searcher:
    """Runs queries against a SearchIndex; keep one per thread and call refresh() after updates."""

    def __init__(self, index: SearchIndex) -> None:
        self.index = index
        with index.reading():  # a read error means damage: IndexDamaged, the index set aside (see index.py)
            self._searcher: WhooshSearcher = index.open().searcher()
        self._completions: dict[tuple[str, str, int], list[str]] = {}

    def refresh(self) -> None:
        """See the index as it is now. A new Whoosh searcher, not `Searcher.refresh()`: after a merge
        that one reports every hit twice, and it fails on an index that started empty."""
        with self.index.reading():
            old, self._searcher = self._searcher, self.index.open().searcher()
        old.close()
        self._completions.clear()

    def close(self) -> None:
        self._searcher.close()

    def search(self, text: str, *, limit: int = 20, offset: int = 0, as_you_type: bool = False,
               suggest: bool = True) -> SearchResults:
        """Run a query; raises BadQuery when there is nothing searchable in it, IndexDamaged when the
        index could not be read (it was set aside: rebuild, refresh() and ask again)."""
        with self.index.reading(BadQuery):
            return self._search(text, limit=limit, offset=offset, as_you_type=as_you_type, suggest=suggest)

    def _search(self, text: str, *, limit: int, offset: int, as_you_type: bool, suggest: bool) -> SearchResults:
        started = time.perf_counter()
        clauses = parse(text)
        as_you_type = as_you_type and not text.endswith((" ", '"'))
        query, boost_query = build_query(clauses, as_you_type, self._expand_prefix)
        collector = _BoostedCollector(self._boost_scores(boost_query), limit=max(1, offset + limit))
        self._searcher.search_with_collector(query, collector)
        hits = collector.results()
        pattern = _highlight_regex(highlight_terms(clauses))
        results = SearchResults(query=text, terms=highlight_terms(clauses))
        results.total = collector.count()
        for hit in hits[offset:offset + limit]:
            fields = hit.fields()
            results.results.append(Hit(
                id=fields["id"], title=fields.get("title", ""), root=fields["id"].partition("/")[0],
                path=fields.get("path", ""), score=float(hit.score or 0.0),
                snippet=_snippet(fields, pattern),
                tags=[t for t in fields.get("tags", "").split(",") if t],
                category=fields.get("category", ""), summary=fields.get("summary", ""),
            ))
        if suggest and results.total < SUGGEST_BELOW:
            results.suggestion = self._suggest(text)
        results.took_ms = (time.perf_counter() - started) * 1000
        return results

    def _boost_scores(self, boost_query: wq.Query | None) -> dict[int, float]:
        """Document number -> score of its title, alias, heading, tag and exact-title matches.

        Scored apart (these fields are small) and added as matches are collected: Whoosh's AndMaybe
        would instead probe the boost terms at every matching document, which cost more than the match.
        """
        if boost_query is None:
            return {}
        found = self._searcher.search(boost_query, limit=None, terms=False)
        return {docnum: score for score, docnum in found.top_n}

    def _expand_prefix(self, field_name: str, prefix: str, limit: int) -> list[str]:
        """The `limit` most frequent indexed terms starting with `prefix` (bounded work per keystroke)."""
        key = (field_name, prefix, limit)
        if key not in self._completions:
            self._completions[key] = self._most_frequent(field_name, prefix, limit)
        return self._completions[key]

    def _most_frequent(self, field_name: str, prefix: str, limit: int) -> list[str]:
        found: list[tuple[int, str]] = []
        for raw, info in self._searcher.reader().iter_prefix(field_name, prefix):
            term = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            if any(c in term and c not in prefix for c in "._0123456789"):
                continue  # host names, versions, identifiers (docs.docker.com, file2, list_of): not typed words
            if field_name == "body_raw" and stem(term).startswith(prefix):
                continue  # the stemmed `body` finds this word by the same prefix
            found.append((-info.doc_frequency(), term))
        return [term for _, term in heapq.nsmallest(limit, found)]

    def suggest(self, text: str) -> str | None:
        """A corrected query from the index's own vocabulary, or None."""
        with self.index.reading():
            return self._suggest(text)

    def _suggest(self, text: str) -> str | None:
        clauses = parse(text)
        reader = self._searcher.reader()
        changed = False
        corrected: list[str] = []
        for clause in clauses:
            replacement = clause.text
            if clause.kind == "word" and not clause.field and not is_cjk(clause.text):
                tokens = words(clause.text)
                if len(tokens) == 1 and not _known_word(reader, tokens[0]):
                    better = self._closest(reader, tokens[0])
                    if better:
                        replacement, changed = better, True
            corrected.append(_unparse(clause, replacement))
        return " ".join(corrected) if changed else None

    def _closest(self, reader: object, word: str) -> str | None:
        """The most frequent indexed word within one (then two) typos of `word`, as written in the text."""
        if not 3 <= len(word) <= MAX_SUGGEST_WORD:
            return None
        for maxdist in (1, 2) if len(word) > 4 else (1,):
            best: tuple[int, str, str] | None = None
            for field_name, probe in (("body", stem(word)), ("body_raw", word)):
                for candidate in reader.terms_within(field_name, probe, maxdist, prefix=1):  # type: ignore[attr-defined]
                    freq = reader.doc_frequency(field_name, candidate)  # type: ignore[attr-defined]
                    if best is None or (-freq, candidate) < (best[0], best[1]):
                        best = (-freq, candidate, field_name)
            if best is not None:
                return self._written_form(best[1]) if best[2] == "body" else best[1]
        return None

    def _written_form(self, stemmed: str) -> str:
        """A word as the library writes it for a stem (`celeri` -> `celery`), from a page that has it."""
        found = self._searcher.search(wq.Term("body", stemmed), limit=1, terms=False)
        text = str(found[0].get("text", "")) if len(found) else ""
        for match in re.finditer(rf"\b{re.escape(stemmed[:3])}\w*", text, re.IGNORECASE):
            if stem(match.group().lower()) == stemmed:
                return match.group().lower()
        return stemmed


class _BoostedCollector(TopCollector):
    """Top hits by match score plus boost; scores and counts every match in one pass (no block skipping
    and no matcher pruning: either makes the count wrong, and a second counting pass costs as much)."""

    def __init__(self, boosts: dict[int, float], limit: int) -> None:
        super().__init__(limit=limit, usequality=False, replace=0)
        self.boosts = boosts

    def _collect(self, global_docnum: int, score: float) -> int:
        return super()._collect(global_docnum, score + self.boosts.get(global_docnum, 0.0))


def _known_word(reader: object, word: str) -> bool:
    """Whether the library has this word (as its stem in `body`, or as itself in `body_raw`)."""
    return bool(reader.doc_frequency("body", stem(word)) or reader.doc_frequency("body_raw", word))  # type: ignore[attr-defined]


def _unparse(clause: Clause, text: str) -> str:
    field_name = next((k for k, v in FIELD_ALIASES.items() if v == clause.field), "") if clause.field else ""
    body = f'"{text}"' if clause.kind == "phrase" else text
    if clause.kind == "prefix":
        body += "*"
    elif clause.kind == "fuzzy":
        body += "~"
    out = f"{field_name}:{body}" if field_name else body
    out = ("-" if clause.negated else "") + out
    return ("OR " if clause.or_with_previous else "") + out


