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
_DOT_PART_RE = re.compile(r"[^.]+")
_SNAKE_PART_RE = re.compile(r"[^_]+")
_CAMEL_PART_RE = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z0-9]+|[A-Z0-9]+")
# British spellings folded into American ones before stemming, on both sides (index and query), so
# `optimise` finds `optimize`. Three letters must come first, so short words (`rise`, `hour`) stay.
_SPELLING_RULES = (
    (re.compile(r"(?<=[a-z]{3})is(e|es|ed|er|ers|ing|ation|ations|able)$"), r"iz\1"),
    (re.compile(r"(?<=[a-z]{2})ys(e|es|ed|er|ers|ing)$"), r"yz\1"),
    (re.compile(r"(?<=[a-z]{3})our(s|ed|ing|ite|ites|able|ful|less)?$"), r"or\1"),
    (re.compile(r"(?<=[a-z]{3})tre(s)?$"), r"ter\1"),
    (re.compile(r"(?<=[a-z]{3})logue(s)?$"), r"log\1"),
    (re.compile(r"(?<=[a-z]{3})ell(ed|ing|er|ers)$"), r"el\1"),
)


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
    """(lowercased token, start, end) for every token of `text`; a compound token (`select_related`,
    `rest_framework.JWTAuthentication`) is followed by its parts, each with its own offsets."""
    for match in WORD_RE.finditer(text):
        raw = match.group()
        word = raw.lower()
        if CJK_RE.search(word):
            for part, start, end in _split_cjk(word, match.start()):
                part = part.strip("._")
                if part:
                    yield part, start, end
            continue
        yield word, match.start(), match.end()
        if maybe_compound(raw):
            for part, start, end in _identifier_parts(raw):
                yield part, match.start() + start, match.start() + end


def maybe_compound(raw: str) -> bool:
    """Cheap test first: most tokens are plain lowercase, Capitalised or UPPER words."""
    if "." in raw or "_" in raw:
        return True
    return not (raw.islower() or raw.isupper() or raw.istitle() or raw.isdigit())


def identifier_parts(raw: str) -> list[str]:
    """The lowercased parts of a compound token as typed (empty for a plain word)."""
    return [part for part, _, _ in _identifier_parts(raw)] if maybe_compound(raw) else []


def _identifier_parts(raw: str) -> list[tuple[str, int, int]]:
    """The parts of a dotted, snake_case or CamelCase token, lowercased, without the whole token:
    `rest_framework.JWTAuthentication` -> rest_framework, jwtauthentication, rest, framework, jwt,
    authentication. Digits-only and single-letter parts are left out (versions, `x` in `x.y`)."""
    found: list[tuple[str, int, int]] = []
    seen = {raw.lower()}

    def add(piece: str, start: int) -> None:
        lowered = piece.lower()
        if lowered not in seen and len(lowered) > 1 and not lowered.isdigit():
            seen.add(lowered)
            found.append((lowered, start, start + len(piece)))

    components = [(m.group(), m.start()) for m in _DOT_PART_RE.finditer(raw)]
    for component, start in components:
        add(component, start)
    for component, start in components:
        for piece in _SNAKE_PART_RE.finditer(component):
            add(piece.group(), start + piece.start())
            for camel in _CAMEL_PART_RE.finditer(piece.group()):
                add(camel.group(), start + piece.start() + camel.start())
    return found


def words(text: str) -> list[str]:
    """Lowercased tokens of `text` (unstemmed); a compound token (`select_related`) is followed by its parts
    (`select`, `related`), as words_with_offsets gives them. The fast path of indexing: one regular-expression
    pass, compounds told by string tests, their parts remembered."""
    if CJK_RE.search(text):
        return [word for word, _, _ in words_with_offsets(text)]
    tokens: list[str] = []
    for raw in WORD_RE.findall(text):
        tokens.append(raw.lower())
        if "." in raw or "_" in raw or not (raw.islower() or raw.isupper() or raw.istitle() or raw.isdigit()):
            tokens += _parts_of(raw)  # maybe_compound, inlined: the hottest loop of indexing
    return tokens


@lru_cache(maxsize=100_000)
def _parts_of(raw: str) -> tuple[str, ...]:
    """identifier_parts, remembered: the same names recur across a library's pages."""
    return tuple(identifier_parts(raw))


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """English Porter stem of an ASCII word, British spellings folded into American; other words as they are."""
    if len(word) < 3 or not _ASCII_WORD_RE.fullmatch(word):
        return word
    stemmed: str = porter_stem(american(word))
    return stemmed


def american(word: str) -> str:
    """`optimise` -> `optimize`, `colour` -> `color`, `analyse` -> `analyze`, `centre` -> `center`."""
    for pattern, replacement in _SPELLING_RULES:
        folded = pattern.sub(replacement, word)
        if folded != word:
            return folded
    return word


@lru_cache(maxsize=200_000)
def needs_unstemmed(word: str) -> bool:
    """Whether some typed prefix of `word` finds neither its stem nor, as a whole word, its stem's
    forms: `configura` (stem `configur`) does; `files` (stem `file`) and `instance` (`instanc`) don't,
    as every shorter prefix is a prefix of the stem and the whole word is found by its stem."""
    stemmed = stem(word)
    shared = 0
    for a, b in zip(word, stemmed, strict=False):
        if a != b:
            break
        shared += 1
    return len(word) - shared >= 2


def is_cjk(text: str) -> bool:
    return bool(CJK_RE.search(text))


# Words too common to find anything by: not indexed in prose fields (titles keep every word).
STOP_WORDS = frozenset("a an and are as at be by for from in is it of on or that the this to with you your".split())


def is_noise(word: str) -> bool:
    """A stop word, or a single ASCII letter or digit (CJK single characters are real words)."""
    return word in STOP_WORDS or (len(word) == 1 and word.isascii())


# Words a question is made of that say nothing of its subject ("how do I ...", "what is my ...").
QUESTION_WORDS = frozenset(
    "how what whats why when where which who whom whose do does did doing done i im ive me my mine myself we "
    "our ours us can cant could should would will wont shall may might must there their they them he she his "
    "her its am was were been being have has had having dont doesnt didnt isnt arent not way ways "
    "anyone someone something anything thing things please".split())


def is_filler(word: str) -> bool:
    """A noise word or a question word: never what makes an entry fail to match a free-text query."""
    return is_noise(word) or word in QUESTION_WORDS


def query_words(text: str) -> list[str]:
    """The words of a query clause worth matching in prose; all of them if every one is noise."""
    tokens = words(text)
    kept = [t for t in tokens if not is_noise(t)]
    return kept or tokens


class _TokenCache:
    """Remembers the tokens of the last few texts, so a text fed to two fields is tokenized once."""

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self.items: list[tuple[str, bool, list[str]]] = []

    def tokens(self, text: str, prose: bool) -> list[str]:
        for cached_text, cached_prose, tokens in self.items:
            if cached_text is text and cached_prose == prose:
                return tokens
        tokens = words(text)
        if prose:
            tokens = [t for t in tokens if not is_noise(t)]
        self.items.insert(0, (text, prose, tokens))
        del self.items[self.size:]
        return tokens


_CACHE = _TokenCache()


class NexusAnalyzer(Analyzer):
    """Whoosh analyzer over `words()`.

    `stemming`: stemmed or unstemmed terms; `prose`: leave out stop words and single ASCII
    characters (positions are renumbered, so a phrase query without them still matches);
    `only_unstemmable`: just the words some typed prefix of which a stemmed field can't find
    (see needs_unstemmed); `both_forms`: when indexing, each word as written and its stem (short
    fields such as titles, where one field then serves word and prefix matching).
    """

    def __init__(self, stemming: bool, only_unstemmable: bool = False, prose: bool = False,
                 both_forms: bool = False) -> None:
        self.stemming = stemming
        self.only_unstemmable = only_unstemmable
        self.prose = prose
        self.both_forms = both_forms

    def _key(self) -> tuple[bool, bool, bool, bool]:
        return self.stemming, self.only_unstemmable, self.prose, self.both_forms

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NexusAnalyzer) and other._key() == self._key()

    def __hash__(self) -> int:
        return hash((NexusAnalyzer, *self._key()))

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
        if not chars and not keeporiginal and not (self.both_forms and mode == "index"):
            yield from self._terms(token, value, positions, start_pos, mode)  # indexing and queries
            return
        if chars:
            items: Iterator[tuple[str, int, int]] = (
                item for item in words_with_offsets(value) if not (self.prose and is_noise(item[0])))
        else:
            items = ((w, 0, 0) for w in _CACHE.tokens(value, self.prose))
        for pos, (word, start, end) in enumerate(items, start_pos):
            if self.only_unstemmable and mode == "index" and not needs_unstemmed(word):
                continue
            if self.both_forms and mode == "index" and stem(word) != word:
                token.text = word  # the word as written too, for prefix matching in the same field
                token.boost, token.stopped = 1.0, False
                if positions:
                    token.pos = pos
                yield token
            token.text = stem(word) if self.stemming else word
            if keeporiginal:
                token.original = word
            token.boost, token.stopped = 1.0, False
            if positions:
                token.pos = pos
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token

    def _terms(self, token: Token, value: str, positions: bool, start_pos: int, mode: str) -> Iterator[Token]:
        """The common case, lean: one token object re-used, the terms of the text computed in one pass."""
        words_of = _CACHE.tokens(value, self.prose)
        kept: list[str | None] = list(words_of)
        if self.only_unstemmable and mode == "index":
            if positions:  # the words left out still take their positions
                kept = [w if needs_unstemmed(w) else None for w in words_of]
            else:
                kept = [w for w in words_of if needs_unstemmed(w)]
        terms = [stem(w) if w is not None else None for w in kept] if self.stemming else kept
        token.boost, token.stopped = 1.0, False
        for pos, term in enumerate(terms, start_pos):
            if term is None:
                continue
            token.text = term
            if positions:
                token.pos = pos
            yield token


STEMMED = NexusAnalyzer(stemming=True)
UNSTEMMED = NexusAnalyzer(stemming=False)
BOTH_FORMS = NexusAnalyzer(stemming=True, both_forms=True)
PROSE_STEMMED = NexusAnalyzer(stemming=True, prose=True)
PROSE_UNSTEMMABLE = NexusAnalyzer(stemming=False, only_unstemmable=True, prose=True)
