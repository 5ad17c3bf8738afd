"""The query language: parsing what the user typed into clauses, bounded and without repeats."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from nexus_desktop.core.analysis import is_filler, words
from nexus_desktop.core.index import normalize_name

FIELD_ALIASES = {"title": "title", "tag": "tags", "tags": "tags", "category": "category", "root": "root"}
# Bounds on what one query may ask for: a pasted page is cut, not run for minutes.
MAX_QUERY_CHARS = 1000
MAX_CLAUSES = 32


class BadQuery(ValueError):
    """A query with nothing to search for; the message says why."""


@dataclass(frozen=True)
class Clause:
    """One part of a parsed query: `-tag:"some phrase"`, `+word`, `compr*`, `word~`, ...

    `required` (`+word`) and the kinds and fields of explicit syntax are strict: an entry must match
    them. A plain word is not: entries with every word come first, then those with most of them."""

    text: str
    field: str = ""
    kind: str = "word"  # word | phrase | prefix | fuzzy
    negated: bool = False
    maxdist: int = 1
    or_with_previous: bool = False
    required: bool = False

    @property
    def strict(self) -> bool:
        """Whether an entry must match this clause to be a result at all."""
        return self.required or bool(self.field) or self.kind == "phrase" or self.or_with_previous

    @property
    def filler(self) -> bool:
        """A plain word made only of stop or question words (`how`, `do`, `I`, `a`)."""
        return (self.kind == "word" and not self.field and not self.required
                and all(is_filler(w) for w in words(self.text)))


_CLAUSE_RE = re.compile(
    r'(?P<neg>[-+]?)(?:(?P<field>[A-Za-z]+):)?(?:"(?P<phrase>[^"]*)"?|(?P<word>[^\s()"]+))?'
)


def parse(text: str) -> list[Clause]:
    """Split a query into clauses; malformed syntax is repaired (unclosed quotes, stray parens),
    repeated clauses are merged and the length is bounded (MAX_QUERY_CHARS, MAX_CLAUSES)."""
    clauses: list[Clause] = []
    pending_or = False
    pos = 0
    text = text[:MAX_QUERY_CHARS]
    while pos < len(text) and len(clauses) < MAX_CLAUSES:
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
            clause = replace(clause, or_with_previous=True)
            pending_or = False
        if clause not in clauses:
            clauses.append(clause)
    return clauses


def _clause(match: re.Match[str]) -> Clause | None:
    field_name = (match.group("field") or "").lower()
    negated = match.group("neg") == "-"
    required = match.group("neg") == "+"
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
        return Clause(fuzzy.group(1), target, "fuzzy", negated, int(fuzzy.group(2) or 1), required=required)
    if word.endswith("*"):
        return Clause(word.rstrip("*"), target, "prefix", negated, required=required)
    return Clause(word, target, "word", negated, required=required)


def unparse(clause: Clause, text: str | None = None) -> str:
    """The clause as the user would type it (with `text` in place of its own)."""
    text = clause.text if text is None else text
    field_name = next((k for k, v in FIELD_ALIASES.items() if v == clause.field), "") if clause.field else ""
    body = f'"{text}"' if clause.kind == "phrase" else text
    if clause.kind == "prefix":
        body += "*"
    elif clause.kind == "fuzzy":
        body += "~" if clause.maxdist == 1 else f"~{clause.maxdist}"
    out = f"{field_name}:{body}" if field_name else body
    out = ("-" if clause.negated else "+" if clause.required else "") + out
    return ("OR " if clause.or_with_previous else "") + out


def plain_text(clauses: list[Clause]) -> str:
    """The words of a query without its syntax, for the exact-title boost."""
    if any(c.field or c.negated or c.required or c.kind not in ("word", "phrase") or c.or_with_previous
           for c in clauses):
        return ""
    return normalize_name(" ".join(c.text for c in clauses))
