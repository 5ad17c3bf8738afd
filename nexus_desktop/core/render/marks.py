"""Search terms marked in a rendered page, in the theme's colours: links stay links, inline code is marked whole."""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from typing import TYPE_CHECKING

from markdown.treeprocessors import Treeprocessor
from markdown.util import ETX, STX

from nexus_desktop.core.highlight import hit_colours

if TYPE_CHECKING:
    from nexus_desktop.core.render.renderer import Renderer

MAX_MARKS = 1_000  # per conversion: a bound on the work for a term found everywhere
_PLACEHOLDER = re.compile(f"{STX}[^{ETX}]*{ETX}")  # stashed HTML (code blocks): never marked inside
_SKIPPED = frozenset({"pre", "script", "style"})


class TermMarkTreeprocessor(Treeprocessor):
    """Wraps the renderer's current search terms in `<span class="hit">` (last pass, after escapes are
    restored); a match inside inline code marks the whole code span instead of splitting it."""

    def __init__(self, renderer: Renderer, md: object) -> None:
        super().__init__(md)
        self.renderer = renderer

    def run(self, root: etree.Element) -> None:
        pattern = self.renderer.terms_regex
        if pattern is None:
            return
        colours = hit_colours(self.renderer.palette.name)
        self._plain = f"background-color: {colours.background}; color: {colours.text}"
        self._kept = f"background-color: {colours.background}"  # links and code keep their text colour
        self._pattern, self._left = pattern, MAX_MARKS
        self._mark(root, in_link=False)

    def _mark(self, el: etree.Element, in_link: bool) -> None:
        if el.tag in _SKIPPED or self._left <= 0:
            return
        if el.tag == "code":
            if self._pattern.search("".join(el.itertext())):
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
        for match in self._matches(text):
            if self._left <= 0:
                break
            (pieces[-1] if pieces else holder).tail = text[last:match.start()]
            span = etree.Element("span", {"class": "hit", "style": style})
            span.text = match.group()
            pieces.append(span)
            last = match.end()
            self._left -= 1
        if not pieces:
            return []
        pieces[-1].tail = text[last:]
        return [holder, *pieces]

    def _matches(self, text: str) -> list[re.Match[str]]:
        if STX not in text:
            return list(self._pattern.finditer(text))
        stashed = [(m.start(), m.end()) for m in _PLACEHOLDER.finditer(text)]
        return [m for m in self._pattern.finditer(text)
                if not any(start < m.end() and m.start() < end for start, end in stashed)]
