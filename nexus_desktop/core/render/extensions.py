"""The Markdown extension of the viewer: callouts, wikilinks, #tags, task lists, link/image policy, Qt fixes."""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from typing import TYPE_CHECKING

import markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

from nexus_desktop.core.links import TAG_SCHEME
from nexus_desktop.core.render.bounds import register_bounds
from nexus_desktop.core.render.embeds import (
    BlockIdPreprocessor,
    EmbedPattern,
    NoteEmbedProcessor,
    link_parts,
)
from nexus_desktop.core.render.fast_path import (
    HEADING_TAGS,
    HeadingIdTreeprocessor,
    SkippingInlineProcessor,
    UnescapeTreeprocessor,
)
from nexus_desktop.core.render.highlighting import QtFixesPostprocessor
from nexus_desktop.core.render.marks import TermMarkTreeprocessor
from nexus_desktop.core.render.source import fenced_lines

if TYPE_CHECKING:
    from nexus_desktop.core.render.renderer import Renderer

class NexusExtension(Extension):
    """Callouts, wikilinks, #tags, task lists, heading ids, link/image policy and QTextBrowser fixes,
    plus faster stand-ins for three stock tree processors (same output)."""

    def __init__(self, renderer: Renderer) -> None:
        super().__init__()
        self.renderer = renderer

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802
        register_bounds(md, self.renderer.budget)
        md.treeprocessors.register(SkippingInlineProcessor(md, self.renderer.budget), "inline", 20)
        md.treeprocessors.register(HeadingIdTreeprocessor(self.renderer, md), "heading_ids", 6)  # before toc
        md.treeprocessors.register(UnescapeTreeprocessor(md), "unescape", 0)
        md.preprocessors.register(_CalloutPreprocessor(md), "nexus_callouts", 27)
        md.preprocessors.register(BlockIdPreprocessor(md), "nexus_block_ids", 26)
        md.parser.blockprocessors.register(NoteEmbedProcessor(self.renderer, md), "nexus_note_embeds", 95)
        md.inlinePatterns.register(EmbedPattern(self.renderer, md), "nexus_embeds", 176)
        md.inlinePatterns.register(_WikilinkPattern(self.renderer, md), "nexus_wikilinks", 175)
        md.inlinePatterns.register(_TagPattern(md), "nexus_tags", 5)
        md.treeprocessors.register(_PolicyTreeprocessor(self.renderer, md), "nexus_policy", 1)
        md.treeprocessors.register(TermMarkTreeprocessor(self.renderer, md), "nexus_marks", -1)  # after unescape
        md.postprocessors.register(QtFixesPostprocessor(self.renderer.palette, md), "nexus_qt", 5)


_CALLOUT_RE = re.compile(r"^>\s*\[!(\w+)\]([+-]?)\s*(.*)$")


class _CalloutPreprocessor(Preprocessor):
    """`> [!note] Title` blockquotes become admonitions (rendered as shaded boxes), nested ones too; lines in
    fenced code are never rewritten."""

    def run(self, lines: list[str]) -> list[str]:
        return callouts_as_admonitions(lines)


def callouts_as_admonitions(lines: list[str]) -> list[str]:
    """The lines with each callout (`> [!kind] Title` and its `>` lines) written as an admonition."""
    out: list[str] = []
    fenced = list(fenced_lines(lines))
    i = 0
    while i < len(lines):
        line = lines[i]
        if fenced[i] or not line.startswith(">"):
            out.append(line)
            i += 1
            continue
        end = i + 1
        while end < len(lines) and lines[end].startswith(">") and not _CALLOUT_RE.match(lines[end]):
            end += 1
        inner = [re.sub(r"^>\s?", "", quoted) for quoted in lines[i + 1 if _CALLOUT_RE.match(line) else i:end]]
        nested = callouts_as_admonitions(inner) if any("[!" in quoted for quoted in inner) else inner
        match = _CALLOUT_RE.match(line)
        if match:
            kind, title = match.group(1).lower(), match.group(3).strip() or match.group(1).capitalize()
            out.extend(["", f'!!! {kind} "{title.replace(chr(34), chr(39))}"', *("    " + n for n in nested), ""])
        else:  # a plain blockquote: kept, with any callout inside it converted
            out.extend(lines[i:end] if nested is inner else [f"> {n}" for n in nested])
        i = end
    return out


class _WikilinkPattern(InlineProcessor):
    """`[[Target]]`, `[[Target|label]]`, `[[Target#Heading]]` -> entry links (or marked broken)."""

    def __init__(self, renderer: Renderer, md: markdown.Markdown) -> None:
        super().__init__(r"\[\[([^\[\]|]+?)(?:\|([^\[\]]*))?\]\]", md)
        self.renderer = renderer

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[etree.Element, int, int]:  # type: ignore[override]  # noqa: N802
        target, label = link_parts(self, m)
        label = (label or "").strip()
        shown = label or target.replace("#", " › ").strip(" ›")
        url = self.renderer.resolve_wikilink(target)
        if url is None:
            el = etree.Element("span", {"class": "broken-link", "title": f"No entry named {target}"})
        else:
            el = etree.Element("a", {"href": url, "class": "wikilink"})
        el.text = AtomicString(shown)
        return el, m.start(0), m.end(0)


class _TagPattern(InlineProcessor):
    """`#tag` in prose -> a link that searches the tag."""

    def __init__(self, md: markdown.Markdown) -> None:
        super().__init__(r"(?<![\w&#/\\\]\[(])#([^\W\d_][\w/-]*)", md)

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[etree.Element, int, int]:  # type: ignore[override]  # noqa: N802
        tag = m.group(1).rstrip("/-")
        el = etree.Element("a", {"href": f"{TAG_SCHEME}:{tag.lower()}", "class": "tag"})
        el.text = AtomicString(f"#{tag}")
        return el, m.start(0), m.start(0) + 1 + len(tag)

class _PolicyTreeprocessor(Treeprocessor):
    """Rewrites links, drops remote images, adds heading anchors and table alignment for Qt."""

    def __init__(self, renderer: Renderer, md: markdown.Markdown) -> None:
        super().__init__(md)
        self.renderer = renderer

    def run(self, root: etree.Element) -> None:
        if next(root.iter("img"), None) is not None:  # the search for their parents walks every element
            self._images(root)
        for el in root.iter("a"):
            _unwrap_nested_tags(el)
        for el in root.iter():
            if el.tag == "a" and "href" in el.attrib:
                self._link(el)
            elif el.tag in ("th", "td"):
                _style_to_align(el)
            elif el.tag == "div" and "admonition" in el.get("class", ""):
                self._callout(el)
            elif el.tag == "li":
                _task_item(el)
        for el in root.iter():
            if el.tag in HEADING_TAGS and el.get("id"):
                anchor = etree.Element("a", {"name": el.get("id", "")})
                anchor.tail, el.text = el.text, None
                el.insert(0, anchor)

    def _images(self, root: etree.Element) -> None:
        for parent in root.iter():
            for index, el in enumerate(list(parent)):
                if el.tag == "img":
                    self._image(parent, index, el)

    def _link(self, el: etree.Element) -> None:
        original = el.get("href", "")
        href, problem = self.renderer.link_href(original)
        if href is not None:
            el.set("href", href)
            return
        el.tag = "span"  # not a link at all: nothing to click, in the viewer or in a browser
        del el.attrib["href"]
        el.attrib.pop("title", None)
        if problem:
            el.set("class", (el.get("class", "") + " broken-link").strip())
            el.set("title", f"{problem}: {_shortened(original)}")

    def _image(self, parent: etree.Element, index: int, el: etree.Element) -> None:
        if el.get("class") == "embed":
            return  # an `![[image]]`: found inside the library root by embeds.AttachmentIndex
        src = el.get("src", "")
        local = self.renderer.local_image(src)
        if local:
            el.set("src", local)
            return
        alt = el.get("alt") or el.get("title") or src.rsplit("/", 1)[-1]
        span = etree.Element("span", {"class": "image-alt", "title": src})
        span.text = f"[image: {alt}]"
        span.tail = el.tail
        parent.remove(el)
        parent.insert(index, span)

    def _callout(self, el: etree.Element) -> None:
        classes = el.get("class", "").split()
        kind = next((c for c in classes if c != "admonition"), "note")
        colour = self.renderer.palette.callout_backgrounds.get(kind, self.renderer.palette.callout_backgrounds["note"])
        children = list(el)
        el.clear()
        el.tag = "table"
        el.attrib.update({"class": f"callout callout-{kind}", "width": "100%", "cellpadding": "10",
                          "cellspacing": "0", "bgcolor": colour})
        cell = etree.SubElement(etree.SubElement(el, "tr"), "td")
        for child in children:
            if child.tag == "p" and "admonition-title" in child.get("class", ""):
                child.set("class", "callout-title")
                strong = etree.Element("b")
                strong.text, child.text = child.text, None
                strong.extend(list(child))
                for grandchild in list(child):
                    child.remove(grandchild)
                child.append(strong)
            cell.append(child)


def _shortened(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"


def _unwrap_nested_tags(link: etree.Element) -> None:
    """A `#tag` inside a link's text stays text: a link inside a link is not valid HTML."""
    for parent in list(link.iter()):
        previous: etree.Element | None = None
        for child in list(parent):
            if not (child.tag == "a" and "tag" in child.get("class", "").split()):
                previous = child
                continue
            text = (child.text or "") + (child.tail or "")
            parent.remove(child)
            if previous is None:
                parent.text = (parent.text or "") + text
            else:
                previous.tail = (previous.tail or "") + text


def _style_to_align(el: etree.Element) -> None:
    match = re.search(r"text-align:\s*(left|right|center)", el.get("style", ""))
    if match:
        del el.attrib["style"]
        el.set("align", match.group(1))


def _task_item(el: etree.Element) -> None:
    holder = el[0] if len(el) and el[0].tag == "p" and not (el.text or "").strip() else el
    text = holder.text or ""
    match = re.match(r"\s*\[([ xX])\]\s+", text)
    if match:
        box = "\u2611" if match.group(1).lower() == "x" else "\u2610"
        holder.text = f"{box} " + text[match.end():]
        el.set("class", "task")
