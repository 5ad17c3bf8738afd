"""Link patterns that find their closing `]` and `)` in one pass over a text, not one scan per `[` or `(`.

Python-Markdown's link and image patterns scan from every `[` to its `]`, and from every `(` to its `)`,
or to the end of the text when there is none: quadratic in a run of `[` (a 20 KB paragraph took 19 s).
Where an opener closes depends only on the text after it, so the tables here count positions from the
end of the text and stay right while a pattern replaces text before the place it looks at. The HTML is
the stock patterns' (tests compare them).
"""

from __future__ import annotations

import re
from bisect import bisect_right

import markdown
from markdown.inlinepatterns import (
    IMAGE_LINK_RE,
    IMAGE_REFERENCE_RE,
    LINK_RE,
    REFERENCE_RE,
    ImageInlineProcessor,
    ImageReferenceInlineProcessor,
    LinkInlineProcessor,
    ReferenceInlineProcessor,
    ShortImageReferenceInlineProcessor,
    ShortReferenceInlineProcessor,
)

_QUOTES = re.compile(r"[\"']")


class PairTable:
    """Where each opener of a text is closed (`[`/`]` or `(`/`)`), and where its quotes are."""

    def __init__(self, opener: str, closer: str) -> None:
        self._opener = opener
        self._pairs = re.compile(f"[{re.escape(opener + closer)}]")
        self._data = ""
        self._valid = 0                     # the tables hold for positions this close to the end
        self._closes: dict[int, int] = {}   # after an opener -> after its closer, both counted from the end
        self._quotes: list[int] = []        # quotes, counted from the end, ascending

    def closed(self, data: str, index: int) -> int | None:
        """The index after the closer of the opener just before `index`, or None if it is never closed."""
        close = self._table(data, index).get(len(data) - index)
        return None if close is None else len(data) - close

    def first_quote(self, data: str, index: int) -> int | None:
        """The position of the first quote character at or after `index`, or None."""
        self._table(data, index)
        before = bisect_right(self._quotes, len(data) - index)
        return len(data) - self._quotes[before - 1] if before else None

    def _table(self, data: str, index: int) -> dict[int, int]:
        tail = len(data) - index
        if data is self._data and tail <= self._valid:
            return self._closes
        if tail <= self._valid and self._data.endswith(data[index:]):
            self._data, self._valid = data, tail  # text before `index` was replaced: the tail's table holds
        else:
            self._learn(data)
        return self._closes

    def _learn(self, data: str) -> None:
        size, opened, closes = len(data), [], {}
        for mark in self._pairs.finditer(data):
            after = size - mark.end()
            if mark.group() == self._opener:
                opened.append(after)
            elif opened:
                closes[opened.pop()] = after
        self._quotes = sorted(size - quote.start() for quote in _QUOTES.finditer(data))
        self._data, self._valid, self._closes = data, size, closes


class _MatchedPairs(LinkInlineProcessor):
    """A link pattern whose `[text]` and `(target)` ends come from shared PairTables."""

    brackets: PairTable
    parens: PairTable

    def getText(self, data: str, index: int) -> tuple[str, int, bool]:  # noqa: N802
        end = self.brackets.closed(data, index)
        if end is None:
            return "", len(data), False  # callers use only the flag when there is no `]`
        return data[index:end - 1], end, True

    def getLink(self, data: str, index: int) -> tuple[str, str | None, int, bool]:  # noqa: N802
        """The stock getLink, without its scan when no quote (a possible title) comes before the `)`."""
        match = self.RE_LINK.match(data, pos=index)
        if match is None or match.group(1):
            return self._stock_link(data, index)
        start = match.end()
        end = self.parens.closed(data, match.start() + 1)
        quote = self.parens.first_quote(data, start)
        if quote is not None and (end is None or quote < end):
            return self._stock_link(data, index)  # a title: the stock rules for quotes
        if end is None:
            return "", None, len(data), False
        href: str = self.unescape(data[start:end - 1])
        return href.strip(), None, end, True

    def _stock_link(self, data: str, index: int) -> tuple[str, str | None, int, bool]:
        link: tuple[str, str | None, int, bool] = super().getLink(data, index)
        return link


STOCK_LINK_PATTERNS: tuple[tuple[str, type[LinkInlineProcessor], str, int], ...] = (
    # name, class, regex, priority: as markdown.inlinepatterns.build_inlinepatterns registers them
    ("reference", ReferenceInlineProcessor, REFERENCE_RE, 170),
    ("link", LinkInlineProcessor, LINK_RE, 160),
    ("image_link", ImageInlineProcessor, IMAGE_LINK_RE, 150),
    ("image_reference", ImageReferenceInlineProcessor, IMAGE_REFERENCE_RE, 140),
    ("short_reference", ShortReferenceInlineProcessor, REFERENCE_RE, 130),
    ("short_image_ref", ShortImageReferenceInlineProcessor, IMAGE_REFERENCE_RE, 125),
)


def register_matched_link_patterns(md: markdown.Markdown) -> None:
    """Replaces the stock link and image patterns by the same ones sharing one pair of PairTables."""
    shared = {"brackets": PairTable("[", "]"), "parens": PairTable("(", ")")}
    for name, stock, regex, priority in STOCK_LINK_PATTERNS:
        matched = type(f"Matched{stock.__name__}", (_MatchedPairs, stock), shared)
        md.inlinePatterns.register(matched(regex, md), name, priority)
