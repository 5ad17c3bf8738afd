"""Faster stand-ins for three stock Python-Markdown passes, same output: they lean on its private API.

The inline pass overrides the name-mangled `InlineProcessor.__handleInline` and calls `__applyPattern`;
pyproject.toml pins markdown to the 3.x series this was written against, and `fast_path_available()`
is the canary a test checks (an upgrade that renames them falls back to the stock, slower pass).
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree
from typing import TYPE_CHECKING

import markdown
from markdown import treeprocessors
from markdown.extensions.toc import (
    remove_fnrefs,
    render_inner_html,
    slugify_unicode,
    strip_tags,
    unique,
)
from markdown.inlinepatterns import DelimiterProcessor, ReferenceInlineProcessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import ETX, STX, AtomicString

from nexus_desktop.core.render.bounds import RenderBudget

if TYPE_CHECKING:
    from nexus_desktop.core.render.renderer import Renderer

_PRIVATE_API = ("_InlineProcessor__handleInline", "_InlineProcessor__applyPattern")


def fast_path_available() -> bool:
    """The canary: whether the installed Python-Markdown still has the private methods the fast inline
    pass overrides and calls (without them the stock pass runs: the same HTML, slower)."""
    return all(name in vars(treeprocessors.InlineProcessor) for name in _PRIVATE_API)


# Strings without which an inline pattern cannot match (its regex needs one of them): a pattern is
# skipped for text that holds none. Patterns not listed here (nor delimiter runs) are always tried.
_INLINE_TRIGGERS: dict[str, tuple[str, ...]] = {
    "backtick": ("`",), "escape": ("\\",), "footnote": ("[^",), "nexus_wikilinks": ("[[",), "nexus_embeds": ("![[",),
    "reference": ("[",), "link": ("[",), "short_reference": ("[",),
    "image_link": ("![",), "image_reference": ("![",), "short_image_ref": ("![",),
    "autolink": ("<",), "automail": ("<",), "linebreak": ("  \n",), "nexus_tags": ("#",),
}
_NEVER: frozenset[str] = frozenset()  # no text holds one of these: the pattern is always skipped


def _pattern_triggers(md: markdown.Markdown) -> list[frozenset[str] | None]:
    """For each inline pattern, in the order they run: the strings it needs, or None (always try it).
    Reference links (`[text][id]`, `[id]`) cannot match in a document that defines no references."""
    patterns = md.inlinePatterns
    triggers: list[frozenset[str] | None] = [None] * len(patterns)
    for name, needles in _INLINE_TRIGGERS.items():
        if name in patterns:
            triggers[patterns.get_index_for_name(name)] = frozenset(needles)
    for index, pattern in enumerate(patterns):
        if isinstance(pattern, DelimiterProcessor):  # emphasis: `*` and `_` runs
            triggers[index] = frozenset(pattern.tokens)
        elif isinstance(pattern, ReferenceInlineProcessor) and not md.references:
            triggers[index] = _NEVER
    return triggers


def _may_match(data: str, start: int, triggers: frozenset[str] | None) -> bool:
    """Whether a pattern with these triggers could still match `data` from `start` on."""
    return triggers is None or any(data.find(needle, start) >= 0 for needle in triggers)


_FAST_PATH = fast_path_available()


class SkippingInlineProcessor(treeprocessors.InlineProcessor):
    """Python-Markdown's inline pass without the pattern runs that cannot match.

    The stock pass runs every pattern's regex over every text node, and once more after each match.
    Here a pattern is skipped while none of its trigger strings is left in the text. That is exact: a
    match only replaces text with a placeholder (which holds no trigger), so triggers never appear.
    Each pattern run also checks the conversion's time budget.
    """

    def __init__(self, md: markdown.Markdown, budget: RenderBudget) -> None:
        super().__init__(md)
        self.budget = budget

    def run(self, tree: etree.Element, ancestors: list[str] | None = None) -> etree.Element:
        self._patterns = list(self.inlinePatterns)
        self._triggers = _pattern_triggers(self.md)
        self._needles = frozenset().union(*(t for t in self._triggers if t is not None))
        processed: etree.Element = super().run(tree, ancestors)
        return processed

    def _InlineProcessor__handleInline(self, data: str, pattern_index: int = 0) -> str:  # noqa: N802
        """The stock private `__handleInline` (so the stock code calls this one), with the skip."""
        if isinstance(data, AtomicString) or not _FAST_PATH:
            stock: str = data if isinstance(data, AtomicString) else super()._InlineProcessor__handleInline(  # type: ignore[misc]
                data, pattern_index)
            return stock
        present = {needle for needle in self._needles if needle in data}
        for index in range(pattern_index, len(self._patterns)):
            triggers = self._triggers[index]
            if triggers is not None and triggers.isdisjoint(present):
                continue
            matched, start = True, 0
            while matched:  # as the stock loop: after a match, try the pattern again from its end
                self.budget.check()
                data, matched, start = self._InlineProcessor__applyPattern(  # type: ignore[attr-defined]
                    self._patterns[index], data, index, start)
                matched = matched and _may_match(data, start, triggers)
        return data


HEADING_TAGS = frozenset(f"h{level}" for level in range(1, 7))
_MARKUP_CHARS = re.compile(f"[&<>{STX}{ETX}]")  # what serializing and postprocessors change


class HeadingIdTreeprocessor(Treeprocessor):
    """Heading ids exactly as the "toc" extension assigns them (slugify_unicode, `_1` suffixes), without
    the rest of its work (a table of contents we do not show, a [TOC] marker search over the tree)."""

    def __init__(self, renderer: Renderer, md: markdown.Markdown) -> None:
        super().__init__(md)
        self.renderer = renderer

    def run(self, root: etree.Element) -> None:
        used = set(self.renderer._ids_before) | {el.get("id", "") for el in root.iter() if "id" in el.attrib}
        counters: dict[str, int] = {}
        for el in root.iter():
            if el.tag in HEADING_TAGS and "id" not in el.attrib:
                el.set("id", unique(slugify_unicode(self._name(el), "-"), used, counters))
        self.renderer.ids_used = used

    def _name(self, heading: etree.Element) -> str:
        """The heading's text as toc computes it (rendered inner HTML, tags stripped, entities decoded);
        plain text, the common case, gives the same string directly."""
        text = heading.text or ""
        if not len(heading) and not _MARKUP_CHARS.search(text):
            return " ".join(text.split())
        return html.unescape(strip_tags(render_inner_html(remove_fnrefs(heading), self.md)))


class UnescapeTreeprocessor(treeprocessors.UnescapeTreeprocessor):
    """The stock backslash-escape restorer, skipping the regex for text without escapes (most of it)."""

    def unescape(self, text: str) -> str:
        return super().unescape(text) if STX in text else text

