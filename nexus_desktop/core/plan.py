"""From parsed clauses to what a search looks for: units an entry has or lacks, strict or soft, with the
Whoosh queries that match and boost them (prefixes, completions and typos expanded through the index)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from whoosh import query as wq

from nexus_desktop.core.analysis import identifier_parts, is_cjk, is_noise, query_words, stem
from nexus_desktop.core.query import BadQuery, Clause, plain_text, unparse

EXACT_BOOST = 60.0
PREFIX_TERMS_TYPING = 8
PREFIX_TERMS_SHORT = 4  # three letters complete to many frequent words: the likeliest few
PREFIX_TERMS_EXPLICIT = 128
MAX_FUZZY_CLAUSES = 4
COMPLETION_WEIGHT = 0.35  # a completion of the word being typed counts, below the word as typed

Expander = Callable[[str, str, int], list[str]]  # (field, word, limit or typos) -> indexed words
PrefixExpander = Expander  # the completions of a prefix, the likeliest first, at most `limit`
FuzzyExpander = Expander  # the words within `maxdist` typos

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
    narrows: bool = False  # a field restriction (`root:`, `tag:`, `category:`, `title:`): keeps what the words find


@dataclass
class Plan:
    """A parsed query as units. An entry matches when it has every strict unit, and at least one soft
    unit unless a strict one is there (`+celery retry`: every entry with celery, retry ranks them); the
    units that narrow (field restrictions) keep the entries that have them of those (all of them when the
    query is only restrictions); excluded units remove entries."""

    units: list[Unit]
    excluded: list[wq.Query]
    exact: str

    @property
    def soft(self) -> list[Unit]:
        return [u for u in self.units if not u.strict]

    def boosts(self) -> wq.Query | None:
        """Title, alias, heading and tag matches, and the common words' matches: they add to the score
        of an entry the match found, and find none themselves."""
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


class PlanBuilder:
    """Turns clauses into a Plan; expands prefixes and typos through the index (bounded)."""

    def __init__(self, expand: PrefixExpander | None, fuzzy: FuzzyExpander | None) -> None:
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
        found = self._unit(clause, typing)
        if found is not None and clause.field:
            found.narrows = True
        return found

    def _unit(self, clause: Clause, typing: bool) -> Unit | None:
        strict = clause.strict
        if clause.field == "root":
            if not clause.text:
                return None
            if clause.kind == "prefix":  # `root:proj*`: every root whose name starts so
                return self._prefix(clause, [clause.text.lower()], ("root",), PREFIX_TERMS_EXPLICIT, strict=True)
            return Unit(f"root:{clause.text}", wq.Term("root", clause.text.lower()), strict=True)
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
                first.boosts + second.boosts, first.highlight + second.highlight, strict=True,
                narrows=first.narrows and second.narrows)
