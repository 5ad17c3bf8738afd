"""Links in rendered pages follow core.links' policy: nothing else is clickable, in the viewer or a browser."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from nexus_desktop.core.library import FileStat, entry_id, parse_entry
from nexus_desktop.core.links import EntryRef, LinkKind, LinkResolver, link_action
from nexus_desktop.core.render import Renderer

REFS = [EntryRef("kb/docker/compose", "Docker Compose"), EntryRef("kb/notes/page", "Page"),
        EntryRef("kb/Getting started/Create a vault", "Create a vault")]


def render(text: str, export: bool = False, rel: str = "notes/page.md") -> str:
    page = parse_entry(FileStat(entry_id("kb", rel), "kb", Path("/nowhere") / rel, rel, 0, len(text)), text)
    return Renderer(LinkResolver.from_refs(REFS), export=export).render(page).html


class _Urls(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value or "" for name, value in attrs if name in ("href", "src", "action", "background")]


def urls(html: str) -> list[str]:
    parser = _Urls()
    parser.feed(html)
    return parser.urls


HOSTILE = [
    "[a](javascript:alert(1))", "[a](JaVaScRiPt:alert(1))", "[a]( javascript:alert(1) )", "[a](vbscript:msgbox)",
    "[a](data:text/html,<script>alert(1)</script>)", "[a](data:text/html;base64,PHNjcmlwdD4=)",
    "[a](file:///etc/passwd)", "[a](<file:///etc/passwd>)", "<ftp://example.org/x>", "[a][r]\n\n[r]: javascript:x",
    "![i](javascript:alert(1))", "![i](data:image/svg+xml,<svg onload=alert(1)>)", "![i](file:///etc/passwd)",
    "[a](../../../../etc/passwd)", "[a](/etc/passwd)", "[a](//evil.example/x)", "[a](entry:kb/../../etc/passwd)",
]


@pytest.mark.parametrize("source", HOSTILE)
@pytest.mark.parametrize("export", [False, True])
def test_hostile_links_are_not_links(source: str, export: bool) -> None:
    html = render(source + "\n", export)
    assert all(link_action(url).kind is not LinkKind.REFUSED or url.startswith("file://")
               for url in urls(html) if not url.startswith("../")), html
    assert not [url for url in urls(html) if re.match(r"\s*(javascript|vbscript|data|ftp):", url, re.IGNORECASE)], html
    assert "<a " not in html.replace("<a name=", ""), html


def test_refused_links_keep_their_text_and_say_why() -> None:
    html = render("Click [here](javascript:alert(1)) or [there](../missing.md).\n")
    assert "Click <span" in html and ">here</span>" in html and ">there</span>" in html
    assert 'title="Not followed: only web, mail and library links are: javascript:alert(1)"' in html
    assert 'title="Not in the library: ../missing.md"' in html


def test_every_href_in_the_viewer_is_one_the_policy_follows() -> None:
    html = render("[w](https://x.org) [m](mailto:a@b.org) <a@b.org> [e](../docker/compose.md#v) [[Docker Compose]] "
                  "[[#Local]] [s](#top) #tag [j](javascript:x) [f](file:///x)\n\n## Top\n")
    hrefs = urls(html)
    assert len(hrefs) == 8
    assert all(link_action(href).kind is not LinkKind.REFUSED for href in hrefs)


def test_exported_pages_link_to_relative_html_files_and_anchors() -> None:
    html = render("[e](../docker/compose.md#volumes) [[Docker Compose]] [[Create a vault]] [[#Local Heading]] "
                  "[s](#top) [w](https://x.org) #tag\n", export=True)
    assert '<a href="../docker/compose.html#volumes">e</a>' in html
    assert '<a class="wikilink" href="../docker/compose.html">Docker Compose</a>' in html
    assert 'href="../Getting%20started/Create%20a%20vault.html"' in html
    assert '<a class="wikilink" href="#local-heading">Local Heading</a>' in html
    assert 'href="#top"' in html and 'href="https://x.org"' in html
    assert '<span class="tag">#tag</span>' in html
    assert "entry:" not in html and "tag:" not in html


def test_the_viewer_keeps_entry_and_tag_urls() -> None:
    html = render("[e](../docker/compose.md#volumes) #tag\n")
    assert 'href="entry:kb/docker/compose#volumes"' in html and 'href="tag:tag"' in html
