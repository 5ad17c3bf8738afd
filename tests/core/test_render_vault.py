"""Obsidian vault fidelity: embeds of images and notes, callouts next to code, block ids; on a small vault
shaped like Obsidian's help vault."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nexus_desktop.core.library import Root, scan
from nexus_desktop.core.links import EntryRef, LinkResolver
from nexus_desktop.core.render import Renderer
from nexus_desktop.core.render.embeds import AttachmentIndex

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16

INTERNAL_LINKS = """\
# Internal links

Obsidian supports internal links.

## Link to a heading in a note

You can link to specific headings.

### A sub-heading

Still part of the heading's section.

## Link to a block in a note

A block is a paragraph or a list item.
This one has an id. ^b15695

- an item ^item-1
- another item

> [!tip] Tip
> A callout with an id after it.
^callout-tip

See also ![[Home]] here.

![[Home]]
"""

CALLOUTS = """\
# Callouts

To add a callout, add `[!info]` to the first line of a blockquote:

```md
> [!info]
> Here's a callout block.
> It supports **Markdown**, [[Internal links|Wikilinks]] and ![[Engelbart.jpg]].
```

> [!info]
> Here's a callout block.

> [!question] Can callouts be nested?
> > [!todo] Yes!, they can.
> > > [!example]  You can even use multiple layers of nesting.

Inline: `> [!tip] not a callout` stays code.

> A plain quote
> > [!warning] with a callout inside
"""


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "en"
    files = {
        "Home.md": "# Home\n\nWelcome to the help vault.\n",
        "Linking notes and files/Internal links.md": INTERNAL_LINKS,
        "Linking notes and files/Embed files.md": "# Embed files\n\n",
        "Editing and formatting/Callouts.md": CALLOUTS,
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    for rel in ("Attachments/Engelbart.jpg", "Attachments/logo.png", "Attachments/icons/deep/logo.png",
                "Attachments/icons/only-here.png", "Attachments/Document.pdf", ".obsidian/hidden.png"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(PNG)
    return root


def renderer_for(vault: Path, export: bool = False) -> Renderer:
    ids = scan([Root("en", vault)]).files
    refs = [EntryRef(entry, entry.rsplit("/", 1)[-1]) for entry in ids]
    return Renderer(LinkResolver.from_refs(refs), "light", {"en": vault}, export=export)


def render_in(vault: Path, text: str, rel: str = "Linking notes and files/Embed files.md", export: bool = False) -> str:
    from nexus_desktop.core.library import FileStat, entry_id, parse_entry

    page = parse_entry(FileStat(entry_id("en", rel), "en", vault / rel, rel, 0, len(text)), text)
    return renderer_for(vault, export).render(page).html


# --- images: by file name anywhere in the root -------------------------------------------------------
def test_image_embeds_resolve_by_name_anywhere_in_the_root(vault: Path) -> None:
    html = render_in(vault, "![[Engelbart.jpg]]\n\n![[only-here.png]]\n")
    assert f'src="{(vault / "Attachments/Engelbart.jpg").resolve().as_uri()}"' in html
    assert f'src="{(vault / "Attachments/icons/only-here.png").resolve().as_uri()}"' in html
    assert "broken-link" not in html and "embed-missing" not in html


def test_the_shortest_path_wins_and_a_partial_path_narrows(vault: Path) -> None:
    assert AttachmentIndex({"en": vault}).find("en", "logo.png") == vault / "Attachments/logo.png"
    assert AttachmentIndex({"en": vault}).find("en", "deep/logo.png") == vault / "Attachments/icons/deep/logo.png"
    assert AttachmentIndex({"en": vault}).find("en", "hidden.png") is None  # hidden folders are not the vault's


@pytest.mark.parametrize(("embed", "attributes"), [
    ("![[Engelbart.jpg|100]]", {"width": "100"}),
    ("![[Engelbart.jpg|100x145]]", {"width": "100", "height": "145"}),
    ("![[Engelbart.jpg#outline|100]]", {"width": "100"}),
    ("![[Engelbart.jpg|A portrait]]", {"alt": "A portrait"}),
])
def test_image_size_and_alt_text(vault: Path, embed: str, attributes: dict[str, str]) -> None:
    img = re.search(r"<img [^>]*>", render_in(vault, embed + "\n")).group(0)
    for name, value in attributes.items():
        assert f'{name}="{value}"' in img


def test_embeds_that_do_not_resolve_say_so_calmly(vault: Path) -> None:
    html = render_in(vault, "![[Nowhere.png]] and ![[No such note]]\n\n![[No such note#Part]]\n")
    assert html.count('class="embed-missing"') == 3
    assert "\u201cNowhere.png\u201d not in the library" in html
    assert "broken-link" not in html and "<img" not in html


def test_an_attachment_through_a_symlink_out_of_the_root_is_not_embedded(vault: Path, tmp_path: Path) -> None:
    (tmp_path / "secret.png").write_bytes(PNG)
    (vault / "Attachments" / "leak.png").symlink_to(tmp_path / "secret.png")
    html = render_in(vault, "![[leak.png]]\n")
    assert "<img" not in html and "embed-missing" in html


def test_other_files_are_named_not_fetched(vault: Path) -> None:
    html = render_in(vault, "![[Document.pdf#page=3]]\n")
    assert "[Document.pdf]" in html and "<img" not in html and "href=" not in html


# --- notes: their text, one level deep, with a link ----------------------------------------------------
def test_a_note_embed_shows_its_text_with_a_link_to_it(vault: Path) -> None:
    html = render_in(vault, "Before.\n\n![[Internal links]]\n\nAfter.\n")
    assert 'class="embed"' in html
    assert 'href="entry:en/Linking notes and files/Internal links"' in html
    assert "Obsidian supports internal links." in html and "Still part of the heading" in html
    assert html.index("Before.") < html.index("Obsidian supports") < html.index("After.")


def test_a_heading_embed_shows_that_section_only(vault: Path) -> None:
    html = render_in(vault, "![[Internal links#Link to a heading in a note]]\n")
    assert "You can link to specific headings." in html and "Still part of the heading" in html
    assert "Obsidian supports internal links." not in html and "A block is a paragraph" not in html
    assert 'href="entry:en/Linking notes and files/Internal links#link-to-a-heading-in-a-note"' in html


def test_a_block_embed_shows_that_block_without_its_id(vault: Path) -> None:
    callout = render_in(vault, "![[Internal links#^callout-tip]]\n")
    assert 'class="callout callout-tip"' in callout and "A callout with an id after it." in callout
    assert "^callout-tip" not in callout and "A block is a paragraph" not in callout
    html = render_in(vault, "![[Internal links#^b15695]]\n\n![[Internal links#^item-1]]\n")
    assert "A block is a paragraph or a list item.\nThis one has an id." in html
    assert "an item" in html and "another item" not in html
    assert "^b15695" not in html and "^item-1" not in html
    assert "You can link" not in html


def test_embeds_go_one_level_deep(vault: Path) -> None:
    html = render_in(vault, "![[Internal links]]\n")
    assert html.count('class="embed"') == 1
    assert "Welcome to the help vault." not in html  # Home is embedded in Internal links: only linked
    assert 'href="entry:en/Home"' in html


def test_embedded_headings_do_not_take_the_page_anchors(vault: Path) -> None:
    html = render_in(vault, "## Link to a heading in a note\n\n![[Internal links]]\n")
    assert html.count('name="link-to-a-heading-in-a-note"') == 1


def test_block_ids_are_hidden_outside_code(vault: Path) -> None:
    html = render_in(vault, "A paragraph. ^abc-1\n\n`code ^keep`\n\n```\nx ^kept\n```\n")
    assert "^abc-1" not in html and "A paragraph." in html
    assert "code ^keep" in html and "x ^kept" in html


def test_exported_embeds_link_to_html_files(vault: Path) -> None:
    html = render_in(vault, "![[Internal links#^b15695]]\n", export=True)
    assert 'href="Internal%20links.html#b15695"' in html and "entry:" not in html


# --- callouts: never inside code -------------------------------------------------------------------
def test_the_callouts_page_keeps_its_code_sample_and_nests_callouts(vault: Path) -> None:
    html = render_in(vault, CALLOUTS, rel="Editing and formatting/Callouts.md")
    code = re.sub(r"<[^>]+>", "", re.search(r'<pre class="code">.*?</pre>', html, re.DOTALL).group(0))
    assert "&gt; [!info]\n&gt; Here's a callout block." in code and "!!!" not in code
    assert "[[Internal links|Wikilinks]]" in code and "![[Engelbart.jpg]]" in code
    assert "<code>&gt; [!tip] not a callout</code>" in html
    assert "!!!" not in html
    for kind in ("info", "question", "todo", "example", "warning"):
        assert f'class="callout callout-{kind}"' in html
    question = html.index("callout-question")
    assert question < html.index("callout-todo") < html.index("callout-example")
    assert "<blockquote>" in html  # the plain quote stays a quote, with its callout inside


def test_an_escaped_pipe_in_a_table_separates_target_and_label(vault: Path) -> None:
    html = render_in(vault, "| view | note |\n|---|---|\n| [[Home\\|the home page]] | ![[Engelbart.jpg\\|50]] |\n")
    assert '<a class="wikilink" href="entry:en/Home">the home page</a>' in html
    assert 'width="50"' in html
