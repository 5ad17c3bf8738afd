"""Which words of a text a query matched: one rule for snippets and for the page the viewer shows."""

from __future__ import annotations

import re
from collections.abc import Iterable

from nexus_desktop.core.analysis import WORD_RE, is_cjk, maybe_compound, stem, words_with_offsets

MAX_SPANS = 2000


class WordMatcher:
    """Matches words as search matched them: `retries` matches retry, retried, retrying (same stem) but
    `tar` does not match `target`; a term ending in `*` matches words that start with it; a CJK term
    matches its characters.

    Terms come from SearchResults.terms: words as typed (or the completions the search used) and
    `prefix*` for explicit prefix clauses.
    """

    def __init__(self, terms: Iterable[str]) -> None:
        self.exact: set[str] = set()
        self.stems: set[str] = set()
        prefixes: list[str] = []
        for term in terms:
            term = term.lower()
            if not term:
                continue
            if term.endswith("*"):
                if term.rstrip("*"):
                    prefixes.append(term.rstrip("*"))
            elif is_cjk(term):
                self.exact.add(term)
            else:
                self.exact.add(term)
                self.stems.add(stem(term))
        self.prefixes = tuple(prefixes)
        self._candidates = _candidate_regex(self.exact, self.stems, self.prefixes)

    def __bool__(self) -> bool:
        return bool(self.exact or self.stems or self.prefixes)

    def matches(self, word: str) -> bool:
        """Whether a lowercased word of the text is one the query matched."""
        return (word in self.exact or stem(word) in self.stems
                or (bool(self.prefixes) and word.startswith(self.prefixes)))

    def spans(self, text: str, limit: int = MAX_SPANS) -> list[tuple[int, int]]:
        """(start, end) of every matched word of `text`, in order, overlaps merged (at most `limit`)."""
        found: list[tuple[int, int]] = []
        if self._candidates is None:
            return found
        covered = 0  # the end of the last token read: a candidate inside it was read with it
        for candidate in self._candidates.finditer(text):  # a fast pass finds the places worth tokenizing
            if candidate.start() < covered:
                continue
            token = WORD_RE.match(text, _token_start(text, candidate.start()))
            if token is None:
                continue
            covered = token.end()
            raw = token.group()
            if not maybe_compound(raw) and not is_cjk(raw):
                if self.matches(raw.lower()) and not (found and token.start() < found[-1][1]):
                    found.append((token.start(), token.end()))  # a plain word, the common case
                    if len(found) >= limit:
                        return found
                continue
            for word, start, end in words_with_offsets(raw):
                if not self.matches(word):
                    continue
                start, end = start + token.start(), end + token.start()
                if found and start < found[-1][1]:  # a part inside a compound that matched as a whole
                    found[-1] = (found[-1][0], max(end, found[-1][1]))
                    continue
                found.append((start, end))
                if len(found) >= limit:
                    return found
        return found


def _token_start(text: str, pos: int) -> int:
    """Where the word-run around `pos` starts (a candidate may sit inside `rest_framework.JWTAuth`)."""
    while pos > 0 and (text[pos - 1].isalnum() or text[pos - 1] in "._"):
        pos -= 1
    return pos


def _candidate_regex(exact: set[str], stems: set[str], prefixes: tuple[str, ...]) -> re.Pattern[str] | None:
    """Where a matched word may start: the first letters of every form (verified by stem afterwards);
    a stem's last letters may differ from the text's (`retri` for retry, `color` for colour)."""
    starts = {t for t in exact if is_cjk(t)}
    starts |= {t[:4] for t in (*exact, *stems, *prefixes) if not is_cjk(t)}
    starts.discard("")
    if not starts:
        return None
    alternatives = "|".join(re.escape(s) for s in sorted(starts, key=len, reverse=True))
    return re.compile(f"(?:{alternatives})", re.IGNORECASE)
