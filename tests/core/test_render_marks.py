"""Search terms marked in rendered pages: the theme's colours, links still links, inline code never split."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nexus_desktop.core.library import FileStat, entry_id, parse_entry
from nexus_desktop.core.links import EntryRef, LinkResolver
from nexus_desktop.core.render import PALETTES, Renderer
from nexus_desktop.core.render import progressive as progressive_module

TEXT = """\
# Docker compose

Use [docker compose](https://docs.docker.com) and `docker compose up -d` to start Docker.

```bash
docker run hello  # docker in a code block
```

A [[Compose file|compose file]] names the services.
"""


class Words:
    """The matcher interface of core.highlight.WordMatcher (the snippets' rule), as a stand-in: words that
    start with a term."""

    def __init__(self, *terms: str) -> None:
        self.regex = re.compile("|".join(rf"\b{re.escape(term)}\w*" for term in terms), re.IGNORECASE)

    def spans(self, text: str, limit: int = 2000) -> list[tuple[int, int]]:
        return [match.span() for match in self.regex.finditer(text)][:limit]


def hit_colours(palette: str) -> tuple[str, str]:
    return PALETTES[palette].hit_background, PALETTES[palette].hit_text


def entry(text: str):
    rel = "notes/page.md"
    return parse_entry(FileStat(entry_id("kb", rel), "kb", Path("/nowhere") / rel, rel, 0, len(text)), text)


def render(text: str, terms: list[str], palette: str = "light") -> str:
    resolver = LinkResolver.from_refs([EntryRef("kb/compose-file", "Compose file")])
    return Renderer(resolver, palette).render(entry(text), matcher=Words(*terms) if terms else None).html


@pytest.mark.parametrize("palette", ["light", "dark"])
def test_marks_use_the_theme_colours(palette: str) -> None:
    html = render(TEXT, ["docker"], palette)
    background, text = hit_colours(palette)
    assert f'<span class="hit" style="background-color: {background}; color: {text}">Docker</span>' in html
    other_background, _ = hit_colours("dark" if palette == "light" else "light")
    assert other_background not in html


def test_a_marked_link_keeps_its_link_colour() -> None:
    html = render(TEXT, ["docker", "compose"], "light")
    link = re.search(r'<a href="https://docs.docker.com">(.*?)</a>', html).group(1)
    assert 'class="hit"' in link and "color: #" not in link.replace("background-color: #", "")
    wikilink = re.search(r'<a class="wikilink"[^>]*>(.*?)</a>', html).group(1)
    assert 'class="hit"' in wikilink and "; color:" not in wikilink


def test_inline_code_is_marked_whole_never_split() -> None:
    html = render(TEXT, ["compose"])
    assert re.search(r'<code class="hit" style="background-color: #[0-9a-f]+">docker compose up -d</code>', html)
    assert "<code><span" not in html


def test_headings_keep_their_ids_and_code_blocks_are_untouched() -> None:
    html = render(TEXT, ["docker"])
    assert 'id="docker-compose"' in html
    code = re.search(r"<pre.*?</pre>", html, re.DOTALL).group(0)
    assert 'class="hit"' not in code


def test_no_terms_no_marks_and_the_same_html() -> None:
    assert render(TEXT, []) == Renderer(LinkResolver.from_refs([EntryRef("kb/compose-file", "Compose file")])
                                        ).render(entry(TEXT)).html
    assert 'class="hit"' not in render(TEXT, ["nothinglikethis"])


def test_a_big_entry_in_pieces_marks_exactly_as_a_whole(monkeypatch) -> None:
    monkeypatch.setattr(progressive_module, "FIRST_PART_MIN_CHARS", 0)
    monkeypatch.setattr(progressive_module, "FIRST_PART_CHARS", 200)
    monkeypatch.setattr(progressive_module, "REST_PIECE_CHARS", 300)
    text = "# Big\n\n" + "\n\n".join(f"## Part {n}\n\nDocker words `docker` [docker](https://x.org)."
                                      for n in range(30))
    renderer = Renderer(LinkResolver())
    whole = renderer.render(entry(text), matcher=Words("docker")).html
    first = renderer.render(entry(text), first_part=True, matcher=Words("docker"))
    pieces, rest = [first.html], first.rest
    while rest is not None:
        piece, rest = renderer.copy().render_rest(rest)
        pieces.append(piece)
    assert len(pieces) > 3 and "\n".join(pieces) == whole and whole.count('class="hit"') == 90
