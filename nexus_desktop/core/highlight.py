"""The one search-term pattern, shared by result snippets, rendered pages and the viewer, and its colours."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from nexus_desktop.core.analysis import is_cjk


def terms_pattern(terms: Iterable[str]) -> str:
    """A regular expression for the search terms: a word term matches words starting with it
    (`\\bterm\\w*`, as stems and prefixes need), a CJK term its characters anywhere (CJK has no word
    boundaries); longest first. The same text serves Python's `re` and Qt's QRegularExpression (PCRE2,
    with the case-insensitive and Unicode-properties options)."""
    unique = sorted({term for term in terms if term}, key=lambda term: (-len(term), term))
    return "|".join(re.escape(term) if is_cjk(term) else rf"\b{re.escape(term)}\w*" for term in unique)


def terms_regex(terms: Iterable[str]) -> re.Pattern[str] | None:
    """terms_pattern compiled, case-insensitive; None when there is no term."""
    pattern = terms_pattern(terms)
    return re.compile(pattern, re.IGNORECASE) if pattern else None


@dataclass(frozen=True)
class HitColours:
    """How a search-term match looks in a theme: its background, and the text colour on it (links and
    code keep their own colour, so a highlighted link still reads as a link)."""

    background: str
    text: str


HIT_COLOURS = {"light": HitColours("#ffe97a", "#1f2328"), "dark": HitColours("#6b5512", "#fff6d0")}


def hit_colours(scheme: str) -> HitColours:
    """The match colours of a colour scheme ("light" or "dark"; anything else reads as light)."""
    return HIT_COLOURS.get(scheme, HIT_COLOURS["light"])
