"""Fuzzy matching of titles and aliases for quick open: subsequence match with word-start bonuses."""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass

MATCH = 16          # every matched character
WORD_START = 24     # the first matched character at the start of a word
LATER_WORD_START = 12  # a later matched character at the start of a word
FIRST_CHAR = 16     # extra for matching the very first character of the name
CONSECUTIVE = 16    # matched character right after the previous one
GAP = 3             # per skipped character between two matches (capped per gap)
GAP_CAP = 4
PREFIX = 60         # the name starts with the query
EXACT = 200         # the name is the query
ALIAS_PENALTY = 5   # a title beats an alias that matches equally well
MAX_SCORED = 600    # beyond this many candidates, only the best-placed ones are scored in full


@dataclass(frozen=True)
class FuzzyMatch:
    """One ranked item: its index in the list given to FuzzyMatcher, score, the name that matched."""

    index: int
    score: float
    name: str
    positions: tuple[int, ...]
    is_alias: bool = False


def _is_word_start(text: str, pos: int) -> bool:
    return pos == 0 or not text[pos - 1].isalnum()


def _positions_score(text: str, positions: Sequence[int]) -> float:
    score = 0.0
    prev = -2
    for p in positions:
        score += MATCH
        if _is_word_start(text, p):
            score += (LATER_WORD_START if prev >= 0 else WORD_START) + (FIRST_CHAR if p == 0 else 0)
        if p == prev + 1:
            score += CONSECUTIVE
        elif prev >= 0:
            score -= GAP * min(p - prev - 1, GAP_CAP)
        prev = p
    return score


def _greedy(query: str, text: str) -> list[int] | None:
    """Leftmost subsequence match, then tightened backwards from its end (fzf v1)."""
    pos = -1
    for ch in query:
        pos = text.find(ch, pos + 1)
        if pos < 0:
            return None
    end = pos
    out = [end]
    for ch in reversed(query[:-1]):
        end = text.rfind(ch, 0, end)
        out.append(end)
    out.reverse()
    return out


def _acronym(query: str, text: str) -> list[int] | None:
    """Match every query character at a word start ("dc" -> "docker compose"), or None."""
    out: list[int] = []
    pos = 0
    for ch in query:
        while True:
            pos = text.find(ch, pos)
            if pos < 0:
                return None
            if _is_word_start(text, pos):
                break
            pos += 1
        out.append(pos)
        pos += 1
    return out


def _substring(query: str, text: str) -> list[int] | None:
    """The query as one run, preferring an occurrence at a word start."""
    first = pos = text.find(query)
    if pos < 0:
        return None
    while pos >= 0 and not _is_word_start(text, pos):
        pos = text.find(query, pos + 1)
    start = pos if pos >= 0 else first
    return list(range(start, start + len(query)))


def score_match(query: str, text: str, phrase: str = "") -> tuple[float, tuple[int, ...]] | None:
    """Score a lowercased query (no spaces) against a lowercased name; None if not a subsequence.

    `phrase` is the query as typed (spaces kept), for the prefix and exact-name bonuses.
    """
    if not query:
        return 0.0, ()
    greedy = _greedy(query, text)
    if greedy is None:
        return None
    best, best_pos = _positions_score(text, greedy), greedy
    for candidate in (_substring(query, text), _acronym(query, text)):
        if candidate is not None:
            s = _positions_score(text, candidate)
            if s > best:
                best, best_pos = s, candidate
    phrase = phrase or query
    if text.startswith(phrase):
        best += PREFIX
        if len(text) == len(phrase):
            best += EXACT
    best -= len(text) * 0.1  # shorter names first among equals
    return best, tuple(best_pos)


class FuzzyMatcher:
    """Ranks items by their names (a title and its aliases); lowercased names are precomputed.

    Equal lowercased names are scored once; typing on narrows the previous keystroke's
    candidates; a very short query scores only the shortest names where it starts a word.
    """

    def __init__(self, names: Sequence[Sequence[str]]) -> None:
        self._names: list[str] = []
        self._owner: list[int] = []
        self._alias: list[bool] = []
        self._lines_of: list[list[int]] = []
        keys: dict[str, int] = {}
        for index, item_names in enumerate(names):
            for n, name in enumerate(item_names):
                if not name:
                    continue
                low = name.lower()
                key = keys.get(low)
                if key is None:
                    key = keys[low] = len(self._lines_of)
                    self._lines_of.append([])
                self._lines_of[key].append(len(self._names))
                self._names.append(name)
                self._owner.append(index)
                self._alias.append(n > 0)
        self._keys: list[str] = list(keys)
        self._by_len: list[int] = sorted(range(len(self._keys)), key=lambda k: len(self._keys[k]))
        self._last_query = ""
        self._last_keys: list[int] = []
        self._last_ends: list[int] = []

    def __len__(self) -> int:
        return len(self._names)

    def search(self, query: str, limit: int = 50) -> list[FuzzyMatch]:
        """The best `limit` items for the query (one per item, best name wins), best first."""
        phrase = " ".join(query.lower().split())
        q = phrase.replace(" ", "")
        if not q:
            return []
        keys = self._candidates(q)
        if len(keys) > MAX_SCORED:
            keys = self._narrow(q, keys)
        scored: list[tuple[float, int, tuple[int, ...]]] = []
        for key in keys:
            res = score_match(q, self._keys[key], phrase)
            if res is not None:
                scored.append((res[0], key, res[1]))
        scored.sort(key=lambda s: -s[0])
        best: dict[int, tuple[float, int, tuple[int, ...]]] = {}
        floor = None  # once `limit` items are in, a name scoring below this can't make the list
        for key_score, key, positions in scored:
            if floor is not None and key_score < floor:
                break
            for line in self._lines_of[key]:
                score = key_score - (ALIAS_PENALTY if self._alias[line] else 0)
                owner = self._owner[line]
                current = best.get(owner)
                if current is None or score > current[0]:
                    best[owner] = (score, line, positions)
            if floor is None and len(best) >= limit:
                floor = key_score - ALIAS_PENALTY
        top = heapq.nsmallest(limit, best.items(),
                              key=lambda kv: (-kv[1][0], self._names[kv[1][1]].lower(), kv[0]))
        return [FuzzyMatch(owner, score, self._names[line], pos, self._alias[line])
                for owner, (score, line, pos) in top]

    def _candidates(self, q: str) -> list[int]:
        """Names containing q as a subsequence, shortest first; typing on narrows the last result.

        Keeps, per candidate, where the leftmost match of the query ends: one more character
        is then a single str.find from there (leftmost matching decides subsequence exactly).
        """
        texts = self._keys
        if self._last_query and q.startswith(self._last_query):
            keys, ends, rest = self._last_keys, self._last_ends, q[len(self._last_query):]
        else:
            keys, ends, rest = self._by_len, [-1] * len(self._by_len), q
        for ch in rest:
            found = [(k, p) for k, e in zip(keys, ends, strict=False) if (p := texts[k].find(ch, e + 1)) >= 0]
            keys = [k for k, _ in found]
            ends = [p for _, p in found]
        self._last_query, self._last_keys, self._last_ends = q, keys, ends
        return keys

    def _narrow(self, q: str, keys: list[int]) -> list[int]:
        """Too many candidates (a short query): the shortest names that start with q, then those
        where q starts a word, spells word starts ("dc" -> "docker compose") or occurs as a run;
        a fixed budget of each."""
        texts = self._keys
        need = MAX_SCORED // 4
        prefix: list[int] = []
        word: list[int] = []
        acronym: list[int] = []
        run: list[int] = []
        acronym_need = need if len(q) > 1 else 0  # one character: a word start already covers it
        for k in keys:
            t = texts[k]
            if t.startswith(q):
                if len(prefix) < need:
                    prefix.append(k)
            else:
                at = t.find(q)
                if at > 0 and (not t[at - 1].isalnum() or (" " + q) in t or ("-" + q) in t):
                    if len(word) < need:
                        word.append(k)
                elif len(acronym) < acronym_need and _acronym(q, t) is not None:
                    acronym.append(k)
                elif at > 0 and len(run) < need:
                    run.append(k)
            if min(len(prefix), len(word), len(run)) >= need and len(acronym) >= acronym_need:
                break
        return (prefix + word + acronym + run) or keys[:MAX_SCORED]
