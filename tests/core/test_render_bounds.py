"""Hostile Markdown renders in bounded time and depth; an entry that cannot be rendered shows a notice, never raises."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from nexus_desktop.core.library import FileStat, entry_id, parse_entry
from nexus_desktop.core.links import LinkResolver
from nexus_desktop.core.render import Renderer, bounds
from nexus_desktop.core.render import progressive as progressive_module


def entry(text: str, rel: str = "notes/page.md"):
    return parse_entry(FileStat(entry_id("kb", rel), "kb", Path("/nowhere") / rel, rel, 0, len(text)), text)


def render(text: str) -> str:
    return Renderer(LinkResolver()).render(entry(text)).html


def timed_render(text: str) -> tuple[str, float]:
    start = time.perf_counter()
    html = render(text)
    return html, time.perf_counter() - start


def depth(html: str, tag: str) -> int:
    """The deepest nesting of `tag` elements in the HTML."""
    level = deepest = 0
    for match in re.finditer(rf"<(/?){tag}\b", html):
        level += -1 if match.group(1) else 1
        deepest = max(deepest, level)
    return deepest


# --- time: nothing is quadratic -----------------------------------------------------------------
@pytest.mark.parametrize("source", [
    "[" * 20_000,                      # every `[` used to scan to the end of the paragraph
    "[a" * 10_000,
    "![" * 10_000,
    "x [" + "[a](" * 5_000,
    "[" * 10_000 + "]" + "[" * 10_000,
])
def test_runs_of_brackets_render_quickly_as_text(source: str) -> None:
    html, seconds = timed_render(source + "\n")
    assert seconds < 2.0, f"{seconds:.1f} s"
    assert "render-notice" not in html             # really rendered, not the fallback
    assert html.count("[") == source.count("[")


def test_brackets_that_do_match_still_make_links() -> None:
    html = render("[" * 3_000 + " [text](https://example.org) [[a]] [b] \n")
    assert '<a href="https://example.org">text</a>' in html


# --- depth: no RecursionError, nesting capped -----------------------------------------------------
@pytest.mark.parametrize("source", [
    "".join("  " * level + "- x\n" for level in range(1_000)),     # 2-space indents
    "".join("    " * level + "- x\n" for level in range(1_000)),   # 4-space indents
    "".join("\t" * level + "1. x\n" for level in range(1_000)),    # tabs
    "- " * 1_000 + "x\n",                                           # markers on one line
    "1. " * 1_000 + "x\n",
    "> - " * 600 + "x\n",
    "".join(">" * level + " x\n" for level in range(1, 1_000)),     # blockquotes deeper each line
    "".join("    " * level + "!!! note\n" for level in range(500)),  # admonitions
    "".join("> " * level + "[!note] x\n" for level in range(1, 500)),  # callouts
])
def test_deep_nesting_renders_capped_without_recursion_error(source: str) -> None:
    html, seconds = timed_render(source)
    assert "render-notice" not in html
    assert depth(html, "ul") + depth(html, "ol") + depth(html, "blockquote") <= bounds.MAX_NESTING + 1
    assert seconds < 5.0, f"{seconds:.1f} s"


def test_nesting_up_to_the_cap_is_untouched() -> None:
    source = "".join("    " * level + f"- level {level}\n" for level in range(bounds.MAX_NESTING))
    html = render(source)
    assert depth(html, "ul") == bounds.MAX_NESTING
    assert all(f"level {level}" in html for level in range(bounds.MAX_NESTING))


def test_deep_nesting_keeps_every_line_of_text() -> None:
    source = "".join("    " * level + f"- item{level}\n" for level in range(300))
    html = render(source)
    assert all(f"item{level}<" in html for level in range(300))


def test_indented_lines_inside_fenced_code_are_kept() -> None:
    deep = " " * 400 + "deeply indented code"
    html = render(f"```\n{deep}\n```\n")
    assert deep in html


# --- what cannot be rendered shows a notice and the text ------------------------------------------
def test_a_render_over_its_time_budget_shows_a_notice_and_the_escaped_text(monkeypatch) -> None:
    monkeypatch.setattr(bounds, "RENDER_SECONDS", 0.0)
    html = render("# Title\n\nSome *text* with <script>alert(1)</script> & more.\n\n- a\n- b\n")
    assert 'class="render-notice"' in html
    assert "could not be formatted" in html
    assert "Some *text* with &lt;script&gt;alert(1)&lt;/script&gt; &amp; more." in html
    assert "<script>" not in html and "<em>" not in html


def test_a_renderer_error_shows_a_notice_for_that_entry_only(monkeypatch) -> None:
    renderer = Renderer(LinkResolver())
    original = renderer._md.convert
    calls = {"n": 0}

    def failing(text: str) -> str:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RecursionError("maximum recursion depth exceeded")
        return original(text)

    monkeypatch.setattr(renderer._md, "convert", failing)
    broken = renderer.render(entry("# Broken\n\nwords\n")).html
    assert 'class="render-notice"' in broken and "words" in broken
    fine = renderer.render(entry("# Fine\n\n*words*\n")).html
    assert "render-notice" not in fine and "<em>words</em>" in fine


def test_a_big_entry_that_cannot_be_rendered_is_shown_whole_as_text(monkeypatch) -> None:
    monkeypatch.setattr(progressive_module, "FIRST_PART_MIN_CHARS", 0)
    monkeypatch.setattr(progressive_module, "FIRST_PART_CHARS", 10)
    monkeypatch.setattr(bounds, "RENDER_SECONDS", 0.0)
    body = "# Big\n\nfirst part\n\n## Later\n\nlast words\n"
    rendered = Renderer(LinkResolver()).render(entry(body), first_part=True)
    assert rendered.rest is None
    assert "render-notice" in rendered.html and "last words" in rendered.html


def test_the_time_budget_is_per_conversion_and_leaves_normal_pages_alone() -> None:
    renderer = Renderer(LinkResolver())
    for _ in range(3):
        html = renderer.render(entry("# Page\n\n" + "A paragraph with *emphasis*. " * 2_000 + "\n")).html
        assert "render-notice" not in html
