"""How much of a query each entry has: which soft units it holds, each weighted by its rarity, and the
best entries by match score weighted by that share."""

from __future__ import annotations

import heapq
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from operator import itemgetter

from nexus_desktop.core.plan import Unit

# Chosen on bench/relevance (three corpora, one written by nobody here) by hit@3 and MRR@10:
# - an entry that has only part of the query scores (share of the query's weight it has) ** COVERAGE_POWER
#   times its BM25F score: a missing rare word costs more than a missing common one. A hard tier for
#   entries with every word measured worse (long pages that hold every word of a question pushed the
#   answer down: 36/56 in the top 3 on a third-party vault against 43/56), so completeness is shown to
#   the user ("Missing: ...") rather than imposed on the order (search.py adds title, heading and
#   tag scores, and re-ranks the best by proximity);
# - in a big library, a word in more than COMMON_SHARE of the entries only adds to the score of the
#   entries that rarer words of the query found: a speed rule (weighing and ranking every entry with
#   `file` or `using` was most of a question's time on tldr; its top 3 are the same without it). Not in a
#   small library: there its subject's words (`celery` in a Celery knowledge base) are in many entries
#   and still find answers (hit@3 fell from 0.92 to 0.84 on ours).
COVERAGE_POWER = 0.5
COMMON_SHARE = 0.05
COMMON_MIN_ENTRIES = 2000


@dataclass
class Coverage:
    """Which entries have which soft units of a query, and how much each unit weighs (its rarity).

    `required` is the weight of the required words (`+word`, a phrase) every match has: they count in
    its share, so `+docker compose` still ranks the entries without `compose` by how well they match."""

    docsets: list[Collection[int]]
    weights: list[float]
    required: float = 0.0

    @property
    def total_weight(self) -> float:
        return sum(self.weights) + self.required

    def share(self, docnum: int) -> float:
        """The share of the query's weight this entry has (complete matches: `complete_among`)."""
        have = self.required + sum(weight for docs, weight in zip(self.docsets, self.weights, strict=False)
                                   if docnum in docs)
        total = self.total_weight
        return have / total if total else 1.0

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
            item = (score * self.share(docnum) ** COVERAGE_POWER, -docnum)
            if len(kept) < count:
                heapq.heappush(kept, item)
            elif item > kept[0]:
                heapq.heapreplace(kept, item)
        return [(score, -negated) for score, negated in sorted(kept, reverse=True)]

    def missing(self, docnum: int, labels: list[str]) -> list[str]:
        return [label for label, docs in zip(labels, self.docsets, strict=False) if docnum not in docs]


def idf(doc_count: int, found: int) -> float:
    """BM25's inverse document frequency: rare words weigh more than common ones."""
    return math.log(1.0 + (doc_count - found + 0.5) / (found + 0.5))
