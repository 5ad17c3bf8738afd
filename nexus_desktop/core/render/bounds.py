"""Rendering bounded in time and depth: nesting capped, a time budget, and what is shown when formatting fails."""

from __future__ import annotations

import html
import re
import time
import xml.etree.ElementTree as etree

import markdown
from markdown.blockprocessors import BlockProcessor
from markdown.preprocessors import Preprocessor

from nexus_desktop.core.render.brackets import register_matched_link_patterns
from nexus_desktop.core.render.source import fenced_lines

MAX_NESTING = 32        # lists and blockquotes deeper than this are shown at this depth (Python-Markdown
                        # recurses per level: ~300 levels raise RecursionError)
RENDER_SECONDS = 2.0    # CPU time one conversion may take before the text is shown unformatted
_CHECK_EVERY = 32       # the clock is read on the first and every 32nd check (a read costs ~0.7 us)


class RenderTooSlow(Exception):
    """A conversion ran over its time budget."""


class RenderBudget:
    """The time one conversion may take, checked from inside Python-Markdown's block and inline passes."""

    def __init__(self) -> None:
        self._deadline = 0.0
        self._checks = 0

    def start(self) -> None:
        self._deadline = time.thread_time() + RENDER_SECONDS
        self._checks = 0

    def check(self) -> None:
        self._checks += 1
        if self._checks % _CHECK_EVERY == 1 and time.thread_time() > self._deadline:
            raise RenderTooSlow(f"formatting took over {RENDER_SECONDS:g} s")


class BudgetBlockProcessor(BlockProcessor):
    """Runs first for every block: checks the budget, handles nothing."""

    def __init__(self, budget: RenderBudget, md: markdown.Markdown) -> None:
        super().__init__(md.parser)
        self.budget = budget

    def test(self, parent: etree.Element, block: str) -> bool:
        self.budget.check()
        return False

    def run(self, parent: etree.Element, blocks: list[str]) -> bool | None:
        return False


# --- depth ----------------------------------------------------------------------------------------
_CONTAINER_PREFIX = re.compile(r"[ >*+\-\d.)]*")           # what a deep line starts with
_CONTAINER_MARKER = re.compile(r">|(?:[-*+]|\d{1,9}[.)])(?= |$)")


def cap_nesting(line: str, max_depth: int = MAX_NESTING) -> str:
    """The line with its container prefix (indentation, 4 spaces a level; `>` and list markers) cut to
    `max_depth` levels: the outer levels are kept, then its innermost list marker, so deeper items become
    siblings at the deepest level; the text after the prefix is kept."""
    if _CONTAINER_PREFIX.match(line).end() <= max_depth:  # type: ignore[union-attr]  # matches empty
        return line  # too short a prefix to be too deep: nearly every line
    units, pos = _container_units(line)
    levels = [index for index, (_, level) in enumerate(units) if level]
    if len(levels) <= max_depth:
        return line
    last = levels[-1]
    keep_innermost = units[last][0] != "    "  # a list marker or `>`, not indentation
    cut = levels[max_depth - 1] if keep_innermost else levels[max_depth]
    kept = units[:cut] + (units[last:] if keep_innermost else [])
    return "".join(text for text, _ in kept) + line[pos:]


def _container_units(line: str) -> tuple[list[tuple[str, bool]], int]:
    """The line's container prefix as (text, whether it is a nesting level) pieces, and where it ends."""
    units: list[tuple[str, bool]] = []
    pos = 0
    while True:
        end = len(line) - len(line[pos:].lstrip(" "))
        spaces = end - pos
        units.extend([("    ", True)] * (spaces // 4))
        if spaces % 4:
            units.append((" " * (spaces % 4), False))
        marker = _CONTAINER_MARKER.match(line, end)
        if marker is None:
            return units, end
        units.append((marker.group(), True))
        pos = marker.end()


class NestingCapPreprocessor(Preprocessor):
    """Caps the nesting of lists and blockquotes outside fenced code (runs after tabs are expanded)."""

    def run(self, lines: list[str]) -> list[str]:
        return [line if fenced else cap_nesting(line) for line, fenced in zip(lines, fenced_lines(lines), strict=True)]


def register_bounds(md: markdown.Markdown, budget: RenderBudget) -> None:
    """Depth cap, one-pass bracket matching and the time budget, on a Markdown instance."""
    md.preprocessors.register(NestingCapPreprocessor(md), "nexus_nesting_cap", 29)  # after tabs are expanded
    md.parser.blockprocessors.register(BudgetBlockProcessor(budget, md), "nexus_budget", 1000)
    register_matched_link_patterns(md)


# --- what is shown instead ------------------------------------------------------------------------
def failure_reason(error: BaseException) -> str:
    """Why a conversion failed, in words for the reader."""
    if isinstance(error, RenderTooSlow):
        return str(error)
    if isinstance(error, RecursionError):
        return "it is nested too deeply"
    return f"the formatter failed: {type(error).__name__}"


def fallback_html(text: str, reason: str, background: str) -> str:
    """A notice box, then the Markdown text as it is (escaped, wrapped): shown when formatting fails."""
    return (f'<table class="render-notice" width="100%" cellpadding="10" cellspacing="0" bgcolor="{background}">'
            f"<tr><td><p><b>This part of the entry could not be formatted</b> ({html.escape(reason)}): "
            "its text is shown as written.</p></td></tr></table>\n"
            f'<pre class="render-raw">{html.escape(text, quote=False)}</pre>')
