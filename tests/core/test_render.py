"""Rendering rules: QTextBrowser-friendly HTML, entry links and wikilinks, and nothing unsafe let through."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pygments
import pytest
from markdown import treeprocessors
from markdown.extensions.toc import TocExtension, slugify_unicode
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.token import Token

from nexus_desktop.core.library import FileStat, entry_id, parse_entry
from nexus_desktop.core.links import EntryRef, LinkResolver, LinkTarget
from nexus_desktop.core.render import (
    DARK,
    LIGHT,
    Palette,
    Renderer,
    highlight_code,
    html_document,
    split_first_part,
)
from nexus_desktop.core.render import progressive as render_module
from nexus_desktop.core.render.brackets import STOCK_LINK_PATTERNS
from nexus_desktop.core.render.fast_path import fast_path_available
from nexus_desktop.core.render.highlighting import format_tokens

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
    assert '<span class="broken-link" title="Not in the library: ../docker/missing.md">gone</span>' in html
    assert '<span class="broken-link" title="Not in the library: ../../../escape.md">up</span>' in html


def test_web_links_are_kept_and_other_schemes_are_marked() -> None:
    html = render("[w](https://example.com/a) [m](mailto:a@b.c) [j](javascript:alert(1)) [f](file:///etc/passwd)\n")
    assert '<a href="https://example.com/a">w</a>' in html
    assert '<a href="mailto:a@b.c">m</a>' in html
    assert re.search(r'<span class="broken-link" title="Not followed[^"]*javascript:alert\(1\)">j</span>', html)
    assert re.search(r'<span class="broken-link" title="Not followed[^"]*file:///etc/passwd">f</span>', html)
    assert 'href="javascript' not in html and 'href="file' not in html


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


# --- the faster pipeline gives the stock pipeline's output -----------------------------------------
def stock_renderer() -> Renderer:
    """A renderer with Python-Markdown's own inline and unescape passes, link patterns and the "toc"
    extension for heading ids: the pipeline before the speed-ups, to compare with."""
    renderer = Renderer(LinkResolver.from_refs(REFS))
    md = renderer._md
    for name, stock, regex, priority in STOCK_LINK_PATTERNS:
        md.inlinePatterns.register(stock(regex, md), name, priority)
    md.treeprocessors.register(treeprocessors.InlineProcessor(md), "inline", 20)
    md.treeprocessors.register(treeprocessors.UnescapeTreeprocessor(md), "unescape", 0)
    md.treeprocessors.deregister("heading_ids")
    TocExtension(slugify=slugify_unicode).extendMarkdown(md)
    return renderer


TRICKY_INLINE = [
    "`code` ``a ` b`` \\`not code\\` and \\\\`code after escaped backslash`",
    "a \\*b\\* \\[c\\] \\#d \\<e\\>",
    "[l](http://x.org) [l2](<http://y.org> \"t\") [r][id] [id] ![i](https://x.org/p.png) ![i][id] ![id] [missing][]",
    "<http://x.org> <a@b.org> < not a link > a<b",
    "line  \nbreak and two spaces  at the end  ",
    "*em* **strong** ***both*** _u_ __uu__ snake_case_name 2*3*4 * star *",
    "#tag C# x#y [#in-link](http://z) `#code` **#bold**",
    "[[compose]] [[Missing|label *x*]] ![[embedded]] [[a]] [b]]",
    "x[^1] and [^nope]",
    "[a](http://x.org)[b](http://y.org)`c``d`*e*_f_<http://g.org>[[compose]][[compose]]",
    "plain words only, nothing to match at all",
    "# Heading with `code` & <b> and *em*\n\n## Same\n\n## Same\n\n## Same_1\n\n## \\<b\\> c &copy; &amp;lt;",
    "## Claim[^1]\n\n## [link](http://x) **bold** #tag\n\n## Ünïcode\n\n## <me@x.org>\n\n### fn:1",
    "> [!note] *Title* with `code`\n> body [link](../docker/compose.md) and #tag\n\n- [ ] task *em*\n- [x] done",
    "| a | *b* |\n|---|---|\n| `c` | [d](http://d) |\n\nTerm *t*\n: def **d**",
    "[p](http://x.org/a_(b)) [q]( http://y.org ) [t](http://x \"T\") [t2](http://x 'T') [u](<a b> 'c') "
    "[open](http://x [open2](x \"t [x](y\"z) [n](a(b(c) [e]() ![i](p.png \"t\") ![j](q.png",
    "[a [b] c](http://x) [a\\]b](http://y) [[x]](http://z) [a]](b) [a][b][c] ] [ ]] [[ [x] ",
    "[" * 40 + "a](" * 20 + "b)" * 10 + "]" * 5 + "(",
]
REFERENCES = "\n\n[id]: https://x.org/ref.png\n[^1]: A note with *em* and `code`.\n"


@pytest.mark.parametrize("source", TRICKY_INLINE)
@pytest.mark.parametrize("references", ["", REFERENCES])
def test_same_html_as_the_stock_pipeline(source: str, references: str) -> None:
    text = source + references
    assert all(type(stock_renderer()._md.inlinePatterns[name]) is stock for name, stock, _, _ in STOCK_LINK_PATTERNS)
    assert Renderer(LinkResolver.from_refs(REFS)).render(entry(text)).html == stock_renderer().render(entry(text)).html


def test_inline_patterns_are_skipped_when_their_trigger_is_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    # The speed-up hooks a name-mangled private method: a Python-Markdown upgrade that renames it
    # would silently bring the slow path back.
    assert fast_path_available()
    tried: list[str] = []
    stock_apply = treeprocessors.InlineProcessor._InlineProcessor__applyPattern

    def counting_apply(self: treeprocessors.InlineProcessor, pattern: object, data: str, index: int,
                       start: int = 0) -> tuple[str, bool, int]:
        tried.append(type(pattern).__name__)
        return stock_apply(self, pattern, data, index, start)

    monkeypatch.setattr(treeprocessors.InlineProcessor, "_InlineProcessor__applyPattern", counting_apply)
    renderer = Renderer(LinkResolver.from_refs(REFS))
    renderer.render(entry("# Title\n\nPlain words only.\n\n- a list item\n"))
    assert tried == []
    renderer.render(entry("Some `code` here.\n"))
    assert tried == ["BacktickInlineProcessor"]


def test_heading_ids_match_the_outline() -> None:
    text = "# Title\n\n## Getting started\n\n## Getting started\n\n### Ünïcode & more\n\n## Title\n"
    html = render(text)
    anchors = [h.anchor for h in entry(text).headings]
    assert anchors == ["title", "getting-started", "getting-started_1", "ünïcode-more", "title_1"]
    assert re.findall(r'<h\d id="([^"]+)"><a name="\1"></a>', html) == anchors


# --- code highlighting: Pygments' colours, fewer spans ----------------------------------------------
class _Look(HTMLParser):
    """Each character of an HTML fragment with the inline style it is shown in (for whitespace, only a
    style that shows on blank space: background, underline, border)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.styles = [""]
        self.chars: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.styles.append(dict(attrs).get("style") or self.styles[-1])

    def handle_endtag(self, tag: str) -> None:
        self.styles.pop()

    def handle_data(self, data: str) -> None:
        style = self.styles[-1]
        for char in data:
            shows = not char.isspace() or re.search("background|underline|border", style)
            self.chars.append((char, style if shows else ""))


def look(fragment: str) -> list[tuple[str, str]]:
    parser = _Look()
    parser.feed(fragment)
    parser.close()
    return parser.chars


CODE_SAMPLES = {
    "python": 'import os\n\n@cache\ndef f(x: int = 1) -> str:\n    """Doc."""\n    return f"{x!r}"  # note\n',
    "bash": 'for f in *.md; do\n  echo "$f" | grep -q x && rm -- "$f"  # gone\ndone\n',
    "yaml": "services:\n  web:\n    image: nginx:1.25  # pinned\n    ports: ['80:80']\n",
    "json": '{"a": [1, 2.5, true, null], "b": "s"}',
    "sql": "SELECT id, name FROM users WHERE age > 30 -- adults\nORDER BY name;",
    "html": '<div class="x">&amp; <b>bold</b><!-- c --></div>',
}


@pytest.mark.parametrize("palette", [LIGHT, DARK])
@pytest.mark.parametrize("language", sorted(CODE_SAMPLES))
def test_code_looks_as_pygments_colours_it(language: str, palette: Palette) -> None:
    code = CODE_SAMPLES[language]
    lexer = get_lexer_by_name(language, stripnl=False)  # ensurenl: the last line is lexed as a whole line
    stock = pygments.highlight(code, lexer, HtmlFormatter(style=palette.pygments_style, noclasses=True, nowrap=True))
    ours = highlight_code(code, language, palette.pygments_style)
    expected = stock if code.endswith("\n") else stock.removesuffix("\n")  # Pygments ends the last line
    assert look(ours) == look(expected)
    assert ours.count("<span") <= stock.count("<span")


@pytest.mark.parametrize(("language", "code", "comment"), [
    ("bash", "set -e\nmake test  # fail if the tests fail", "# fail if the tests fail"),
    ("python", "x = 1\n# done if x", "# done if x"),
    ("yaml", "a: 1 # in the end", "# in the end"),
])
def test_a_comment_on_the_last_line_of_a_block_is_coloured_as_a_comment(language: str, code: str,
                                                                         comment: str) -> None:
    html = render(f"```{language}\n{code}\n```\n")
    body = re.search(r"<code>(.*)</code>", html, re.DOTALL).group(1)
    comment_runs = [text for style, text in re.findall(r'<span style="([^"]*)">([^<]*)</span>', body)
                    if "italic" in style]  # friendly's comments are italic
    assert comment in comment_runs, body
    assert not body.endswith("\n")


def test_code_spans_are_merged_and_whitespace_gets_none() -> None:
    code = "def f():\n    return a  +  b\n\n\ndef g():\n    pass\n"
    stock = pygments.highlight(code, get_lexer_by_name("python"), HtmlFormatter(style="friendly", noclasses=True,
                                                                                   nowrap=True))
    ours = highlight_code(code, "python", "friendly")
    assert re.search(r"<span[^>]*>\s+</span>", stock) and not re.search(r"<span[^>]*>\s+</span>", ours)
    assert ours.count("<span") < stock.count("<span")
    assert '<span style="color: #007020; font-weight: bold">def </span>' in ours


def test_whitespace_keeps_a_style_that_shows_on_blank_space() -> None:
    tokens = [(Token.Keyword, "def"), (Token.Error, "  "), (Token.Keyword, "x"), (Token.Text, " "),
              (Token.Keyword, "y"),
              (Token.Error, "$"), (Token.Text, " "), (Token.Name, "z")]
    keyword, error = "color: #007020; font-weight: bold", "border: 1px solid #F00"  # friendly's
    assert format_tokens(tokens, "friendly") == (f'<span style="{keyword}">def</span><span style="{error}">  </span>'
                                                   f'<span style="{keyword}">x y</span>'
                                                   f'<span style="{error}">$</span> z')


def test_code_text_is_escaped_but_quotes_kept() -> None:
    html = highlight_code('x = "<b>" & \'c\'', "python", "friendly")
    assert "&lt;b&gt;" in html and "&amp;" in html and "<b>" not in html
    assert "&quot;" not in html and "&#39;" not in html


@pytest.mark.parametrize("link", ["[odd](http://[not-an-address)", "[odd](notes/a[1].md)", "![odd](http://[x/y.png)"])
def test_malformed_link_targets_render_as_broken_links_not_errors(link: str) -> None:
    html = render(f"# Page\n\nSee {link} here.\n")
    assert "odd" in html and "here." in html


def test_email_autolinks_are_mail_links_not_broken() -> None:
    html = render("# Page\n\nWrite to <someone@example.org>.\n")
    assert 'href="mailto:someone@example.org"' in html
    assert "broken-link" not in html



# --- big entries in two steps: the first screens, then the rest -------------------------------------
TRICKY_BIG = """\
# Big page

Intro with a [reference link][manual] and a [[Docker Compose]] wikilink.

```markdown
## Not a heading: inside a fence

[fake]: http://inside.a.fence/ "not a definition"
```

## Usage

{filler}

- a list item
## Glued to the list: no blank line before it

## Usage

Again a *Usage* heading (its id must stay unique), [the manual][manual] again and #tagged.

> [!warning] A callout
> across lines

| a | b |
| - | - |
| 1 | 2 |

[manual]: https://example.org/manual "The manual"
"""


def _big(filler_paragraphs: int) -> str:
    filler = "\n\n".join(f"Paragraph {n} with `code` and **bold** text." for n in range(filler_paragraphs))
    return TRICKY_BIG.replace("{filler}", filler)


@pytest.mark.parametrize("first_chars", [1, 150, 400, 2_000])
def test_a_big_entry_in_two_parts_renders_exactly_as_a_whole(monkeypatch, first_chars: int) -> None:
    monkeypatch.setattr(render_module, "FIRST_PART_MIN_CHARS", 0)
    monkeypatch.setattr(render_module, "FIRST_PART_CHARS", first_chars)
    page = entry(_big(40))
    renderer = Renderer(LinkResolver.from_refs(REFS))
    whole = renderer.render(page).html
    first = renderer.render(page, first_part=True)
    assert first.rest is not None
    pieces, rest, other = [first.html], first.rest, renderer.copy()
    while rest is not None:
        piece, rest = other.render_rest(rest)
        pieces.append(piece)
    assert "\n".join(pieces) == whole
    assert 'id="usage_1"' in whole and 'href="https://example.org/manual"' in pieces[-1]


def test_the_rest_comes_in_pieces_that_join_to_the_whole(monkeypatch) -> None:
    monkeypatch.setattr(render_module, "REST_PIECE_CHARS", 3_000)
    sections = "\n\n".join(f"## Part {n % 7}\n\n" + f"Words of part {n}, see [the manual][m]. " * 40
                             for n in range(40))
    page = entry(f"# Long\n\n{sections}\n\n[m]: https://example.org/m\n")
    renderer = Renderer(LinkResolver.from_refs(REFS))
    first = renderer.render(page, first_part=True)
    pieces, rest = [first.html], first.rest
    while rest is not None:
        piece, rest = renderer.render_rest(rest)
        pieces.append(piece)
    assert len(pieces) > 5
    assert "\n".join(pieces) == renderer.render(page).html
    assert all('href="https://example.org/m"' in piece for piece in pieces[1:])


def test_the_cut_is_never_inside_fenced_code_or_glued_to_a_list() -> None:
    body = _big(2)
    first, rest, _definitions = split_first_part(body, first_chars=1, min_chars=0)
    assert rest.startswith("## Usage\n")  # not the fenced '## Not a heading'
    first, rest, definitions = split_first_part(body, first_chars=body.index("- a list item"), min_chars=0)
    assert rest.startswith("## Usage\n\nAgain")  # not the heading glued to the list
    assert definitions.strip() == '[manual]: https://example.org/manual "The manual"'


def test_small_entries_and_entries_with_footnotes_are_rendered_whole() -> None:
    renderer = Renderer(LinkResolver.from_refs(REFS))
    assert renderer.render(entry(_big(5)), first_part=True).rest is None  # under the size for two steps
    with_footnote = _big(2000).replace("Intro with", "Intro[^1] with") + "\n[^1]: A footnote.\n"
    assert len(with_footnote) > render_module.FIRST_PART_MIN_CHARS
    assert renderer.render(entry(with_footnote), first_part=True).rest is None
    sections = "\n\n".join(f"## Section {n}\n\n" + "Some words of text. " * 50 for n in range(60))
    long_entry = entry(f"# Long\n\n{sections}\n")
    big = renderer.render(long_entry, first_part=True)
    assert big.rest is not None and len(big.html) < len(renderer.render(long_entry).html) / 3


def test_a_toc_marker_still_becomes_a_table_of_contents_with_the_heading_ids() -> None:
    html = render("# Page\n\n[TOC]\n\n## First part\n\ntext\n\n## Second part\n\nmore\n")
    assert 'class="toc"' in html and 'href="#first-part"' in html and 'id="first-part"' in html
    assert "[TOC]" not in html
