"""Search matches marked in a rendered page, in the theme's colours: links stay links, inline code is marked whole."""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from typing import TYPE_CHECKING, Protocol

from markdown.treeprocessors import Treeprocessor
from markdown.util import ETX, STX

if TYPE_CHECKING:
    import markdown

    from nexus_desktop.core.render.renderer import Renderer

MAX_MARKS = 1_000  # per conversion: a bound on the work for a word found everywhere
_PLACEHOLDER = re.compile(f"{STX}[^{ETX}]*{ETX}")  # stashed HTML (code blocks): never marked inside
_SKIPPED = frozenset({"pre", "script", "style"})


class TermMatcher(Protocol):
    """Which words of a text a search matched (core.highlight.WordMatcher: the rule the snippets use)."""

    def spans(self, text: str, limit: int = ...) -> list[tuple[int, int]]:
        """(start, end) of each matched word of `text`, in order, not overlapping."""
        ...


class TermMarkTreeprocessor(Treeprocessor):
    """Wraps the words the renderer's matcher finds in `<span class="hit">` (the last pass, after escapes
    are restored); a match inside inline code marks the whole code span instead of splitting it."""

    def __init__(self, renderer: Renderer, md: markdown.Markdown) -> None:
        super().__init__(md)
        self.renderer = renderer

    def run(self, root: etree.Element) -> None:
        matcher = self.renderer.matcher
        if matcher is None:
            return
        palette = self.renderer.palette
        self._plain = f"background-color: {palette.hit_background}; color: {palette.hit_text}"
        self._kept = f"background-color: {palette.hit_background}"  # links and code keep their text colour
        self._matcher, self._left = matcher, MAX_MARKS
        self._mark(root, in_link=False)

    def _mark(self, el: etree.Element, in_link: bool) -> None:
        if el.tag in _SKIPPED or self._left <= 0:
            return
        if el.tag == "code":
            if self._matcher.spans("".join(el.itertext()), 1):
                el.set("style", self._kept)
                el.set("class", (el.get("class", "") + " hit").strip())
                self._left -= 1
            return
        in_link = in_link or el.tag == "a"
        style = self._kept if in_link else self._plain
        children = list(el)  # before the marks are added: they are not looked into again
        if el.text:
            spans = self._split(el.text, style)
            if spans:
                el.text = spans.pop(0).tail
                for offset, span in enumerate(spans):
                    el.insert(offset, span)
        for child in children:
            self._mark(child, in_link)
            if child.tail:
                spans = self._split(child.tail, style)
                if spans:
                    child.tail = spans.pop(0).tail
                    position = list(el).index(child) + 1
                    for offset, span in enumerate(spans):
                        el.insert(position + offset, span)

    def _split(self, text: str, style: str) -> list[etree.Element]:
        """The text as a leading holder (its tail is the text before the first match) followed by one
        span per match (each with the text after it as tail); [] when nothing matches."""
        pieces: list[etree.Element] = []
        holder = etree.Element("span")
        last = 0
        for start, end in self._spans(text):
            (pieces[-1] if pieces else holder).tail = text[last:start]
            span = etree.Element("span", {"class": "hit", "style": style})
            span.text = text[start:end]
            pieces.append(span)
            last = end
            self._left -= 1
        if not pieces:
            return []
        pieces[-1].tail = text[last:]
        return [holder, *pieces]

    def _spans(self, text: str) -> list[tuple[int, int]]:
        found = self._matcher.spans(text, self._left)
        if STX not in text:
            return found
        stashed = [(m.start(), m.end()) for m in _PLACEHOLDER.finditer(text)]
        return [(s, e) for s, e in found if not any(start < e and s < end for start, end in stashed)]
