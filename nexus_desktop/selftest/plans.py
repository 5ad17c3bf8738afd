"""The queries the selftest asks: words taken from one entry, of every kind the query language has."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

BUNDLED_TARGET = "nexus/async/celery-retries"


@dataclass(frozen=True)
class QueryPlan:
    """Words taken from one entry (the target) that every kind of query is built from."""

    target: str
    title: str
    first: str  # two consecutive words of the target's title
    second: str
    tag: str | None
    other: str  # a word from another entry's title, for OR
    known_top: dict[str, str] = field(default_factory=dict)  # query -> id expected first


def bundled_plan() -> QueryPlan:
    """Fixed queries for the bundled Project Nexus library ("Retrying failed Celery tasks")."""
    return QueryPlan(target=BUNDLED_TARGET, title="Retrying failed Celery tasks", first="celery",
                     second="tasks", tag="retries", other="swagger",
                     known_top={"celery retries": BUNDLED_TARGET, "docker compose": "nexus/devops/docker-compose"})


_WORD = re.compile(r"^[^\W\d_]{4,}$")


def derived_plan(refs: list[tuple[str, str, list[str]]]) -> QueryPlan | None:
    """Queries for any library: from the first entry whose title has two consecutive plain words."""
    for entry_id, title, tags in sorted(refs):
        words = [w.strip(".,:;!?()[]'\"") for w in title.split()]
        for a, b in zip(words, words[1:], strict=False):
            if _WORD.match(a) and _WORD.match(b) and a.lower() != b.lower():
                other = next((w for oid, otitle, _ in sorted(refs) if oid != entry_id
                              for w in otitle.split() if _WORD.match(w) and w.lower() not in title.lower()), None)
                tag = next((t for t in tags if _WORD.match(t)), None)
                if other:
                    return QueryPlan(entry_id, title, a.lower(), b.lower(), tag.lower() if tag else None,
                                     other.lower())
    return None


def misspell(word: str) -> str:
    """Drop one inner letter (edit distance 1): 'celery' -> 'celry'."""
    middle = len(word) // 2
    return word[:middle] + word[middle + 1:]
