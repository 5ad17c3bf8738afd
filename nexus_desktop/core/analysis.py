"""Text analysis shared by indexing, querying and snippets: words, CJK bigrams, stems."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from whoosh.analysis import Analyzer, Token
from whoosh.lang.porter import stem as porter_stem

WORD_RE = re.compile(r"\w+(?:\.?\w+)*")
CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+")
_ASCII_WORD_RE = re.compile(r"[a-z]+")


def _split_cjk(word: str, start: int) -> Iterator[tuple[str, int, int]]:
    """A word with CJK characters: latin parts as they are, CJK runs as overlapping bigrams."""
    pos = 0
    for run in CJK_RE.finditer(word):
        if run.start() > pos:
            yield word[pos:run.start()], start + pos, start + run.start()
        text = run.group()
        if len(text) == 1:
            yield text, start + run.start(), start + run.end()
        for i in range(len(text) - 1):
            yield text[i:i + 2], start + run.start() + i, start + run.start() + i + 2
        pos = run.end()
    if pos < len(word):
        yield word[pos:], start + pos, start + len(word)


def words_with_offsets(text: str) -> Iterator[tuple[str, int, int]]:
    """(lowercased token, start, end) for every token of `text`."""
    for match in WORD_RE.finditer(text):
        word = match.group().lower()
        if CJK_RE.search(word):
            for part, start, end in _split_cjk(word, match.start()):
                part = part.strip("._")
                if part:
                    yield part, start, end
        else:
            yield word, match.start(), match.end()


def words(text: str) -> list[str]:
    """Lowercased tokens of `text` (unstemmed)."""
    return [word for word, _, _ in words_with_offsets(text)]


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """English Porter stem of an ASCII word; other words are kept as they are."""
    if len(word) < 3 or not _ASCII_WORD_RE.fullmatch(word):
        return word
    return porter_stem(word)


def is_cjk(text: str) -> bool:
    return bool(CJK_RE.search(text))


class _TokenCache:
    """Remembers the tokens of the last few texts, so a text fed to two fields is tokenized once."""

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self.items: list[tuple[str, list[str]]] = []

    def tokens(self, text: str) -> list[str]:
        for cached_text, tokens in self.items:
            if cached_text is text:
                return tokens
        tokens = words(text)
        self.items.insert(0, (text, tokens))
        del self.items[self.size:]
        return tokens


_CACHE = _TokenCache()


class NexusAnalyzer(Analyzer):
    """Whoosh analyzer over `words()`, yielding stemmed terms, unstemmed terms, or (`only_unstemmable`)
    just the words whose stem differs from them: the ones a stemmed field can't find by prefix."""

    def __init__(self, stemming: bool, only_unstemmable: bool = False) -> None:
        self.stemming = stemming
        self.only_unstemmable = only_unstemmable

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NexusAnalyzer) and (other.stemming, other.only_unstemmable) == (
            self.stemming, self.only_unstemmable)

    def __hash__(self) -> int:
        return hash((NexusAnalyzer, self.stemming, self.only_unstemmable))

    def __call__(self, value: str, positions: bool = False, chars: bool = False, keeporiginal: bool = False,
                 removestops: bool = True, start_pos: int = 0, start_char: int = 0, tokenize: bool = True,
                 mode: str = "", **kwargs: object) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = value.lower()
            token.boost, token.stopped = 1.0, False
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        if chars:
            items: Iterator[tuple[str, int, int]] = words_with_offsets(value)
        else:
            items = ((w, 0, 0) for w in _CACHE.tokens(value))
        for pos, (word, start, end) in enumerate(items, start_pos):
            if self.only_unstemmable and mode == "index" and stem(word) == word:
                continue
            token.text = stem(word) if self.stemming else word
            if keeporiginal:
                token.original = word
            token.boost, token.stopped = 1.0, False
            if positions:
                token.pos = pos
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


STEMMED = NexusAnalyzer(stemming=True)
UNSTEMMED = NexusAnalyzer(stemming=False)
UNSTEMMABLE = NexusAnalyzer(stemming=False, only_unstemmable=True)
