"""The library's words by how they start, with how many entries have each: what completes a word being typed."""

from __future__ import annotations

from bisect import bisect_left
from collections import OrderedDict

from whoosh.searching import Searcher as WhooshSearcher

BUCKET_LETTERS = 3  # a prefix this long or longer is answered from the words sharing its first letters
MAX_BUCKETS = 256


class Vocabulary:
    """The terms of a searcher's fields by prefix, each with its document frequency (summed over segments).

    A word being typed grows a letter at a time: the terms of its first BUCKET_LETTERS letters are read
    once (the cost of a short prefix), and each longer prefix is then a bisection in them."""

    def __init__(self, searcher: WhooshSearcher) -> None:
        self.searcher = searcher
        self._buckets: OrderedDict[tuple[str, str], tuple[list[str], list[int]]] = OrderedDict()

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
        key = (field_name, head)
        if key in self._buckets:
            self._buckets.move_to_end(key)
        else:
            read = self._read(field_name, head)
            self._buckets[key] = ([term for term, _ in read], [count for _, count in read])
            if len(self._buckets) > MAX_BUCKETS:
                self._buckets.popitem(last=False)
        return self._buckets[key]

    def _read(self, field_name: str, prefix: str) -> list[tuple[str, int]]:
        """From the index: each segment's terms in order (a MultiReader would look each one up again)."""
        frequency: dict[str, int] = {}
        for sub, _ in self.searcher.leaf_searchers():
            for raw, info in sub.reader().iter_prefix(field_name, prefix):
                term = raw.decode("utf-8") if isinstance(raw, bytes) else raw
                frequency[term] = frequency.get(term, 0) + info.doc_frequency()
        return sorted(frequency.items())
