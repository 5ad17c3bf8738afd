"""Rendering rules: QTextBrowser-friendly HTML, entry links and wikilinks, and nothing unsafe let through."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nexus_desktop.core.library import FileStat, entry_id, parse_entry
from nexus_desktop.core.links import EntryRef, LinkResolver, LinkTarget
from nexus_desktop.core.render import DARK, LIGHT, Renderer, html_document

REFS = [
    EntryRef("kb/docker/compose", "Docker Compose", ("compose-file",)),
    EntryRef("kb/async/celery-retries", "Celery retries", ("Retrying tasks",)),
    EntryRef("kb/notes/page", "Page"),
    EntryRef("other/docker/compose", "Compose elsewhere"),
]


def entry(text: str, rel: str = "notes/page.md", root: str = "kb", base: Path = Path("/nowhere")):
    return parse_entry(FileStat(entry_id(root, rel), root, base / rel, rel, 0, len(text)), text)


def render(text: str, palette: str = "light", rel: str = "notes/page.md",
           root_paths: dict[str, Path] | None = None) -> str:
    base = root_paths["kb"] if root_paths else Path("/nowhere")
    renderer = Renderer(LinkResolver.from_refs(REFS), palette, root_paths)
    return renderer.render(entry(text, rel, base=base)).html


# --- Markdown extensions, shaped for QTextBrowser -----------------------------------------------
def test_table_alignment_uses_align_not_style() -> None:
    html = render("| a | b | c | d |\n|:--|:-:|--:|---|\n| 1 | 2 | 3 | 4 |\n")
    assert "style=" not in html
    assert '<th align="left">a</th>' in html
    assert '<th align="center">b</th>' in html
    assert '<td align="right">3</td>' in html
    assert "<td>4</td>" in html


def test_fenced_code_highlighted_inline_in_a_one_cell_table() -> None:
    source = '```python\ndef f(x):\n    return "s"\n```\n'
    light, dark = render(source, "light"), render(source, "dark")
    for html, palette in ((light, LIGHT), (dark, DARK)):
        assert re.search(r'<table class="code"[^>]*bgcolor="' + re.escape(palette.code_background), html)
        assert html.count("<td>") == 1
        assert "<pre" in html and 'style="color:' in html
        assert "class=\"codehilite\"" not in html and "<div" not in html
        assert "&quot;s&quot;" in html or '"s"' in html
    assert light != dark
    assert set(re.findall(r"color: (#\w+)", light)) != set(re.findall(r"color: (#\w+)", dark))


def test_plain_and_indented_code_also_in_a_table_and_escaped() -> None:
    html = render("```\n<script>alert(1)</script> & more\n```\n\n    indented <b>\n")
    assert html.count('<table class="code"') == 2
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "indented &lt;b&gt;" in html


def test_footnotes() -> None:
    html = render("Claim[^1].\n\n[^1]: The source.\n")
    assert 'href="#fn:1"' in html
    assert 'id="fn:1"' in html and "The source." in html
    assert 'href="#fnref:1"' in html


def test_definition_lists() -> None:
    html = render("Term\n: The definition\n")
    assert "<dl>" in html and "<dt>Term</dt>" in html and "<dd>The definition</dd>" in html


def test_heading_anchors_as_a_name() -> None:
    html = render("# Title\n\n## Getting started\n\n## Getting started\n\n### Ünïcode\n")
    for anchor in ("title", "getting-started", "getting-started_1", "ünïcode"):
        assert f'<a name="{anchor}"></a>' in html


def test_title_added_when_entry_has_no_h1() -> None:
    html = render("---\ntitle: From <Front> Matter\n---\nBody text.\n")
    assert html.startswith("<h1>From &lt;Front&gt; Matter</h1>")
    assert render("# Own Title\n\nBody\n").count("<h1") == 1


@pytest.mark.parametrize("palette", ["light", "dark"])
def test_admonitions_render_as_shaded_tables(palette: str) -> None:
    html = render('!!! warning "Careful now"\n    Body of it.\n', palette)
    colour = (LIGHT if palette == "light" else DARK).callout_backgrounds["warning"]
    assert re.search(rf'<table[^>]*bgcolor="{colour}"[^>]*class="callout callout-warning"', html)
    assert "<b>Careful now</b>" in html and "Body of it." in html
    assert "<div" not in html


def test_obsidian_callouts_render_as_shaded_tables() -> None:
    html = render("> [!note] My Title\n> body with **bold**\n>\n> second para\n\n> plain quote\n")
    assert re.search(r'<table[^>]*bgcolor="#e8f0fe"[^>]*class="callout callout-note"', html)
    assert "<b>My Title</b>" in html
    assert "<strong>bold</strong>" in html and "second para" in html
    assert "[!note]" not in html
    assert "<blockquote>\n<p>plain quote</p>" in html


def test_callout_without_title_and_unknown_kind() -> None:
    html = render("> [!tip]\n> no title\n\n> [!whatever] Custom\n> text\n")
    assert "<b>Tip</b>" in html
    assert "callout-whatever" in html and LIGHT.callout_backgrounds["note"] in html


def test_callout_title_is_escaped() -> None:
    html = render('> [!warning] <script>x</script> "q"\n> body\n')
    assert "<script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html


def test_task_lists() -> None:
    html = render("- [ ] todo\n- [x] done\n- plain\n")
    assert '<li class="task">\u2610 todo</li>' in html
    assert '<li class="task">\u2611 done</li>' in html
    assert "<li>plain</li>" in html
    assert "[ ]" not in html and "[x]" not in html


def test_tags_become_tag_links() -> None:
    html = render("About #docker and #Python/async, not #123 or `#code` or C# or x#y.\n")
    assert '<a class="tag" href="tag:docker">#docker</a>' in html
    assert '<a class="tag" href="tag:python/async">#Python/async</a>' in html
    assert "tag:123" not in html and "tag:code" not in html and "tag:y" not in html


def test_tags_inside_emphasis_are_linked_once() -> None:
    html = render("**#bold** and *#em*\n")
    assert html.count('href="tag:bold"') == 1 and html.count('href="tag:em"') == 1
    assert "<a class=\"tag\" href=\"tag:bold\"><a" not in html


def test_tags_inside_link_text_do_not_nest_links() -> None:
    html = render("[see #docker docs](https://docs.docker.com) and [[Docker Compose|#compose]]\n")
    assert "tag:" not in html
    assert '<a href="https://docs.docker.com">see #docker docs</a>' in html
    assert re.search(r"<a [^>]*>[^<]*<a ", html) is None


# --- links ----------------------------------------------------------------------------------
def test_relative_md_links_become_entry_links() -> None:
    html = render("[c](../docker/compose.md#volumes) [c2](../docker/compose.md) [self](#top) "
                  "[gone](../docker/missing.md) [up](../../../escape.md)\n")
    assert 'href="entry:kb/docker/compose#volumes"' in html
    assert 'href="entry:kb/docker/compose"' in html
    assert 'href="#top"' in html
    assert re.search(r'<a class="broken-link" href="../docker/missing.md"', html)
    assert re.search(r'<a class="broken-link" href="../../../escape.md"', html)


def test_web_links_are_kept_and_other_schemes_are_marked() -> None:
    html = render("[w](https://example.com/a) [m](mailto:a@b.c) [j](javascript:alert(1)) [f](file:///etc/passwd)\n")
    assert '<a href="https://example.com/a">w</a>' in html
    assert '<a href="mailto:a@b.c">m</a>' in html
    assert re.search(r'class="broken-link" href="javascript:', html)
    assert re.search(r'class="broken-link" href="file:', html)


@pytest.mark.parametrize(("source", "href", "label"), [
    ("[[compose]]", "entry:kb/docker/compose", "compose"),                          # file name
    ("[[Docker Compose]]", "entry:kb/docker/compose", "Docker Compose"),            # title
    ("[[docker compose]]", "entry:kb/docker/compose", "docker compose"),            # case-insensitive
    ("[[compose-file]]", "entry:kb/docker/compose", "compose-file"),                # alias
    ("[[Retrying tasks|retries]]", "entry:kb/async/celery-retries", "retries"),     # alias + label
    ("[[Celery retries#Backoff and jitter]]", "entry:kb/async/celery-retries#backoff-and-jitter",
     "Celery retries › Backoff and jitter"),                                         # heading
    ("[[docker/compose.md]]", "entry:kb/docker/compose", "docker/compose.md"),      # path
    ("[[#Local Heading]]", "entry:kb/notes/page#local-heading", "Local Heading"),    # same page
])
def test_wikilinks_resolve_by_name_title_alias(source: str, href: str, label: str) -> None:
    html = render(f"See {source} here.\n")
    assert f'<a class="wikilink" href="{href}">{label}</a>' in html


def test_wikilink_prefers_the_same_root() -> None:
    resolver = LinkResolver.from_refs(REFS)
    assert resolver.wikilink("compose", "kb/notes/page") == LinkTarget("kb/docker/compose")
    assert resolver.wikilink("compose", "other/x") == LinkTarget("other/docker/compose")


def test_unresolved_wikilinks_are_marked_broken_and_escaped() -> None:
    html = render("[[Nowhere]] [[Missing|<b>label</b>]]\n")
    assert '<span class="broken-link" title="No entry named Nowhere">Nowhere</span>' in html
    assert "&lt;b&gt;label&lt;/b&gt;" in html and "<b>label</b>" not in html
    assert "entry:" not in html


def test_wikilinks_in_code_stay_code() -> None:
    html = render("`[[Docker Compose]]`\n\n```\n[[Docker Compose]]\n```\n")
    assert "wikilink" not in html and html.count("[[Docker Compose]]") == 2


# --- raw HTML and images ----------------------------------------------------------------------
@pytest.mark.parametrize("raw", [
    "<script>alert(1)</script>",
    '<img src="http://evil.example/x.png">',
    '<iframe src="https://evil.example"></iframe>',
    '<div onclick="x()">block</div>',
    '<a href="javascript:alert(1)">x</a>',
])
def test_raw_html_is_escaped(raw: str) -> None:
    for source in (f"{raw}\n", f"inline {raw} text\n", f"> quoted {raw}\n", f"- item {raw}\n"):
        html = render(source)
        tag = raw[1:raw.index(" ") if " " in raw[:8] else raw.index(">")]
        assert f"<{tag}" not in html.replace("<a name", "").replace('<a class', ""), (source, html)
        assert f"&lt;{tag}" in html


def test_remote_images_become_alt_text_never_fetched() -> None:
    html = render("![A diagram](https://example.com/d.png) ![](http://example.com/path/pic.gif)\n")
    assert "<img" not in html
    assert "[image: A diagram]" in html
    assert "[image: pic.gif]" in html


def test_local_image_inside_the_root_is_a_file_url(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    (root / "notes" / "img").mkdir(parents=True)
    (root / "notes" / "img" / "pic.png").write_bytes(b"\x89PNG")
    (tmp_path / "secret.png").write_bytes(b"\x89PNG")
    html = render("![pic](img/pic.png) ![out](../../secret.png) ![abs](/etc/passwd) "
                  "![file](file:///etc/passwd) ![missing](img/none.png)\n", root_paths={"kb": root})
    expected = (root / "notes" / "img" / "pic.png").resolve().as_uri()
    assert f'<img alt="pic" src="{expected}">' in html
    assert html.count("<img") == 1
    for alt in ("out", "abs", "file", "missing"):
        assert f"[image: {alt}]" in html
    assert (tmp_path / "secret.png").as_uri() not in html


def test_local_image_through_symlink_out_of_root_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    (root / "notes").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "pic.png").write_bytes(b"\x89PNG")
    (root / "notes" / "link").symlink_to(tmp_path / "outside")
    html = render("![sneaky](link/pic.png)\n", root_paths={"kb": root})
    assert "<img" not in html and "[image: sneaky]" in html


def test_renderer_is_reusable_without_state_leaking() -> None:
    renderer = Renderer(LinkResolver.from_refs(REFS))
    first = renderer.render(entry("# A\n\nNote[^1].\n\n[^1]: one\n\n## Same\n")).html
    second = renderer.render(entry("# B\n\n## Same\n")).html
    assert "footnote" not in second and 'name="same"' in second and "same_1" not in second
    assert renderer.render(entry("# A\n\nNote[^1].\n\n[^1]: one\n\n## Same\n")).html == first


def test_html_document_escapes_title() -> None:
    page = html_document("<p>x</p>", "body{}", "A <b> & c")
    assert "<title>A &lt;b&gt; &amp; c</title>" in page
    assert page.startswith("<!DOCTYPE html>") and "<p>x</p>" in page
