"""The library's words by how they start, with how many entries have each: what completes a word being typed."""

from __future__ import annotations

import heapq
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

from whoosh.searching import Searcher as WhooshSearcher

from nexus_desktop.core.analysis import stem

BUCKET_LETTERS = 3  # a prefix this long or longer is answered from the words sharing its first letters
MAX_BUCKETS = 256
MAX_REMEMBERED_COMPLETIONS = 1024

K = TypeVar("K")
V = TypeVar("V")


class Vocabulary:
    """The terms of a searcher's fields by prefix, each with its document frequency (summed over segments).

    A word being typed grows a letter at a time: the terms of its first BUCKET_LETTERS letters are read
    once (the cost of a short prefix), and each longer prefix is then a bisection in them."""

    def __init__(self, searcher: WhooshSearcher) -> None:
        self.searcher = searcher
        self._buckets: OrderedDict[tuple[str, str], tuple[list[str], list[int]]] = OrderedDict()
        self._completions: OrderedDict[tuple[str, str, int], list[str]] = OrderedDict()

    def completions(self, field_name: str, prefix: str, limit: int) -> list[str]:
        """The `limit` most frequent terms of the field starting with `prefix` that a person types: not
        host names, versions or identifiers (docs.docker.com, file2, list_of), and in `body_raw` only
        the words the stemmed `body` does not find by the same prefix. Remembered (bounded)."""
        return _remembered(self._completions, (field_name, prefix, limit), MAX_REMEMBERED_COMPLETIONS,
                           lambda: self._most_frequent(field_name, prefix, limit))

    def _most_frequent(self, field_name: str, prefix: str, limit: int) -> list[str]:
        found: list[tuple[int, str]] = []
        for term, count in self.starting_with(field_name, prefix):
            if any(c in term and c not in prefix for c in "._0123456789"):
                continue
            if field_name == "body_raw" and stem(term).startswith(prefix):
                continue
            found.append((-count, term))
        return [term for _, term in heapq.nsmallest(limit, found)]

    def starting_with(self, field_name: str, prefix: str) -> list[tuple[str, int]]:
        """(term, document frequency) of every term of the field that starts with `prefix`, in term order."""
        if len(prefix) < BUCKET_LETTERS:
            return self._read(field_name, prefix)
        terms, counts = self._bucket(field_name, prefix[:BUCKET_LETTERS])
        found: list[tuple[str, int]] = []
        for i in range(bisect_left(terms, prefix), len(terms)):
            if not terms[i].startswith(prefix):
                break
            found.append((terms[i], counts[i]))
        return found

    def _bucket(self, field_name: str, head: str) -> tuple[list[str], list[int]]:
        def read() -> tuple[list[str], list[int]]:
            found = self._read(field_name, head)
            return [term for term, _ in found], [count for _, count in found]

        return _remembered(self._buckets, (field_name, head), MAX_BUCKETS, read)

    def _read(self, field_name: str, prefix: str) -> list[tuple[str, int]]:
        """From the index: each segment's terms in order (a MultiReader would look each one up again)."""
        frequency: dict[str, int] = {}
        for sub, _ in self.searcher.leaf_searchers():
            for raw, info in sub.reader().iter_prefix(field_name, prefix):
                term = raw.decode("utf-8") if isinstance(raw, bytes) else raw
                frequency[term] = frequency.get(term, 0) + info.doc_frequency()
        return sorted(frequency.items())


def _remembered(cache: OrderedDict[K, V], key: K, bound: int, make: Callable[[], V]) -> V:
    """`cache[key]`, made on first use; the least recently used entry goes past `bound` entries."""
    if key in cache:
        cache.move_to_end(key)
    else:
        cache[key] = make()
        if len(cache) > bound:
            cache.popitem(last=False)
    return cache[key]
