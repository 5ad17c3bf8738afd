"""Obsidian embeds: `![[image.png|300]]` found by file name in the library root, `![[Note#Heading]]` inlined."""

from __future__ import annotations

import os
import posixpath
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import markdown
from markdown.blockprocessors import BlockProcessor
from markdown.extensions.toc import slugify_unicode
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.util import ETX, STX, AtomicString

from nexus_desktop.core.library import (
    MARKDOWN_SUFFIXES,
    EntryError,
    Root,
    find_file,
    heading_plain_text,
    read_entry,
)
from nexus_desktop.core.links import entry_url
from nexus_desktop.core.render.source import fenced_lines

if TYPE_CHECKING:
    from nexus_desktop.core.render.renderer import Renderer

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".svg", ".webp")
FILE_SUFFIXES = (*IMAGE_SUFFIXES, ".pdf", ".mp3", ".wav", ".ogg", ".m4a", ".flac", ".webm", ".mp4", ".mov",
                 ".mkv", ".canvas", ".avif", ".tif", ".tiff", ".zip", ".csv", ".json", ".txt", ".base")
MAX_ATTACHMENTS = 200_000  # files looked at per root when finding embeds by name: a bound, not a limit reached
EMBED_RE = r"!\[\[([^\[\]|]+?)(?:\|([^\[\]]*))?\]\]"
_ALONE = re.compile(EMBED_RE + r"[ \t]*")
_SIZE = re.compile(r"\s*(\d{1,5})(?:\s*x\s*(\d{1,5}))?\s*")
_ATX = re.compile(r" {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$")
_ESCAPED_CHAR = re.compile(f"{STX}(\\d+){ETX}")  # a backslash-escaped character, as Python-Markdown keeps it
_BLOCK_ID = re.compile(r"(?:^|[ \t])\^([\w-]+)[ \t]*$")  # ends a line of the block, or is a line after it


@dataclass(frozen=True)
class Embed:
    """One `![[target|option]]`: the name, the part after `#`, and the option (a size or a label)."""

    name: str
    fragment: str
    option: str

    @classmethod
    def parse(cls, target: str, option: str | None) -> Embed:
        name, _, fragment = target.strip().partition("#")
        return cls(name.strip(), fragment.strip(), (option or "").strip())

    @property
    def is_file(self) -> bool:
        """Whether it names a file (an image, a PDF...) rather than a note."""
        return Path(self.name).suffix.lower() in FILE_SUFFIXES

    @property
    def shown(self) -> str:
        """How it is named to the reader: a note with its heading or block; a file by its name alone
        (`#outline`, `#page=3` are display hints)."""
        if self.is_file or not self.fragment:
            return self.name
        return f"{self.name} › {self.fragment.lstrip('^')}"


class AttachmentIndex:
    """The files of each library root by lower-cased name, built on first use, for Obsidian's rule:
    an embed names a file anywhere in the root; the shortest path wins."""

    def __init__(self, root_paths: dict[str, Path]) -> None:
        self._root_paths = root_paths
        self._by_name: dict[str, dict[str, list[str]]] = {}

    def find(self, root_name: str, name: str) -> Path | None:
        root = self._root_paths.get(root_name)
        if root is None or not name:
            return None
        direct = root / name.lstrip("/")
        if "/" in name and _inside(direct, root) and direct.is_file():
            return direct
        candidates = self._names(root_name, root).get(posixpath.basename(name).lower(), [])
        if "/" in name:  # a partial path: Obsidian matches it against the end of the file's path
            candidates = [path for path in candidates if path.lower().endswith(name.lower().lstrip("/"))]
        for rel in sorted(candidates, key=lambda path: (path.count("/"), len(path), path)):
            if _inside(root / rel, root):
                return root / rel
        return None

    def _names(self, root_name: str, root: Path) -> dict[str, list[str]]:
        if root_name not in self._by_name:
            self._by_name[root_name] = _files_by_name(root)
        return self._by_name[root_name]


def _files_by_name(root: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    count = 0
    for folder, subfolders, files in os.walk(root, onerror=lambda _error: None):
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        rel_folder = os.path.relpath(folder, root).replace(os.sep, "/")
        for name in files:
            if name.startswith(".") or name.lower().endswith(MARKDOWN_SUFFIXES):
                continue
            found.setdefault(name.lower(), []).append(name if rel_folder == "." else f"{rel_folder}/{name}")
            count += 1
        if count >= MAX_ATTACHMENTS:
            break
    return found


def _inside(path: Path, folder: Path) -> bool:
    """Whether the path, links followed, is in the folder (an attachment never comes from outside its root)."""
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except OSError:
        return False


# --- what an embed becomes ------------------------------------------------------------------------
def missing(embed: Embed, why: str = "not in the library") -> etree.Element:
    """A calm, grey note in place of an embed that does not resolve."""
    el = etree.Element("span", {"class": "embed-missing", "title": f"Embed of {embed.shown}: {why}"})
    el.text = AtomicString(f"\u201c{embed.shown}\u201d {why}")
    return el


def file_element(renderer: Renderer, embed: Embed) -> etree.Element:
    """An image (at its width, when the option is a size), or the file's name for other files."""
    root_name = renderer.current_id.partition("/")[0]
    path = renderer.attachments.find(root_name, embed.name)
    if path is None:
        return missing(embed)
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        el = etree.Element("span", {"class": "embed-file", "title": str(path.name)})
        el.text = AtomicString(f"[{path.name}]")
        return el
    el = etree.Element("img", {"src": path.resolve().as_uri(), "alt": embed.name, "class": "embed"})
    size = _SIZE.fullmatch(embed.option)
    if size:
        el.set("width", size.group(1))
        if size.group(2):
            el.set("height", size.group(2))
    elif embed.option:
        el.set("alt", embed.option)
    return el


def note_text(renderer: Renderer, embed: Embed) -> tuple[str, str, str] | None:
    """(entry id, anchor, Markdown) of the part of a note an embed names, or None if it does not resolve."""
    target = renderer.resolver.wikilink(embed.name + (f"#{embed.fragment}" if embed.fragment else ""),
                                        renderer.current_id)
    if target is None or target.entry_id == renderer.current_id and not embed.fragment:
        return None
    roots = [Root(name, path) for name, path in renderer.root_paths.items()]
    stat = find_file(roots, target.entry_id)
    if stat is None:
        return None
    try:
        body = read_entry(stat).body
    except EntryError:
        return None
    if embed.fragment.startswith("^"):
        part = block_text(body, embed.fragment[1:])
    elif embed.fragment:
        part = section_text(body, target.anchor)
    else:
        part = body
    return None if part is None else (target.entry_id, target.anchor, part)


def section_text(body: str, anchor: str) -> str | None:
    """The heading with this anchor and what follows it, up to the next heading of its level or higher."""
    lines = body.split("\n")
    start = level = None
    for number, (line, fenced) in enumerate(zip(lines, fenced_lines(lines), strict=True)):
        heading = None if fenced else _ATX.match(line)
        if heading is None:
            continue
        if start is None:
            if slugify_unicode(heading_plain_text(heading.group(2)), "-") == anchor:
                start, level = number, len(heading.group(1))
        elif len(heading.group(1)) <= (level or 0):
            return "\n".join(lines[start:number])
    return None if start is None else "\n".join(lines[start:])


def block_text(body: str, block_id: str) -> str | None:
    """The paragraph (list item, callout...) a `^block-id` marks, at the end of one of its lines or on the
    line after it; without the id."""
    lines = body.split("\n")
    for number, (line, fenced) in enumerate(zip(lines, fenced_lines(lines), strict=True)):
        marker = None if fenced else _BLOCK_ID.search(line)
        if marker is None or marker.group(1) != block_id:
            continue
        if re.match(r"\s*([-*+]|\d+[.)])\s", line):
            return line[:marker.start()]
        own_line = not line[:marker.start()].strip()  # then it marks the block just before it
        last = number - 1 if own_line else number
        while not own_line and last + 1 < len(lines) and lines[last + 1].strip():
            last += 1
        first = last
        while first > 0 and lines[first - 1].strip():
            first -= 1
        return "\n".join(lines[first:last + 1])
    return None


def strip_block_ids(lines: list[str]) -> list[str]:
    """Lines without Obsidian's `^block-id` markers (outside fenced and inline code), as Obsidian shows them."""
    return [_without_block_id(line) if not fenced and "^" in line else line
            for line, fenced in zip(lines, fenced_lines(lines), strict=True)]


def _without_block_id(line: str) -> str:
    marker = _BLOCK_ID.search(line)
    if marker is None or line[:marker.start()].count("`") % 2:
        return line
    return line[:marker.start()]


class BlockIdPreprocessor(Preprocessor):
    """Hides `^block-id` markers, which Obsidian shows as nothing."""

    def run(self, lines: list[str]) -> list[str]:
        return strip_block_ids(lines)


# --- the Markdown side ----------------------------------------------------------------------------
def link_parts(pattern: InlineProcessor, match: re.Match[str]) -> tuple[str, str | None]:
    """(target, label or None) of a `[[target|label]]` match; an escaped `\\|` (needed inside tables)
    separates them too."""
    target = _ESCAPED_CHAR.sub(lambda escaped: chr(int(escaped.group(1))), pattern.unescape(match.group(1)))
    label = match.group(2)
    if label is None and "|" in target:
        target, _, label = target.partition("|")
    return target.strip(), label


class EmbedPattern(InlineProcessor):
    """`![[...]]` within text: images in place; a note becomes a link to it (embedded only on a line of its own)."""

    def __init__(self, renderer: Renderer, md: markdown.Markdown) -> None:
        super().__init__(EMBED_RE, md)
        self.renderer = renderer

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[etree.Element, int, int]:  # type: ignore[override]  # noqa: N802
        target, label = link_parts(self, m)
        embed = Embed.parse(target, label)
        if embed.is_file:
            return file_element(self.renderer, embed), m.start(0), m.end(0)
        url = self.renderer.resolve_wikilink(target)
        if url is None:
            return missing(embed), m.start(0), m.end(0)
        el = etree.Element("a", {"href": url, "class": "wikilink"})
        el.text = AtomicString(embed.option or embed.shown)
        return el, m.start(0), m.end(0)


class NoteEmbedProcessor(BlockProcessor):
    """A block that is one `![[Note]]` / `![[Note#Heading]]` / `![[Note#^block]]`: the note's text in a box,
    headed by a link to it. Embedded notes show their own embeds as links (one level deep)."""

    def __init__(self, renderer: Renderer, md: markdown.Markdown) -> None:
        super().__init__(md.parser)
        self.renderer = renderer

    def test(self, parent: etree.Element, block: str) -> bool:
        match = _ALONE.fullmatch(block.strip())
        return match is not None and self.renderer.embeds_notes and not Embed.parse(match.group(1), None).is_file

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        match = _ALONE.fullmatch(blocks.pop(0).strip())
        assert match is not None  # test() said so
        embed = Embed.parse(match.group(1), match.group(2))
        found = note_text(self.renderer, embed)
        if found is None:
            etree.SubElement(parent, "p").append(missing(embed))
            return
        entry_id, anchor, text = found
        inner = self.renderer.embedded_html(text, entry_id)
        box = etree.SubElement(parent, "table", {
            "class": "embed", "width": "100%", "cellpadding": "10", "cellspacing": "0",
            "bgcolor": self.renderer.palette.callout_backgrounds["quote"]})
        cell = etree.SubElement(etree.SubElement(box, "tr"), "td")
        source = etree.SubElement(cell, "p", {"class": "embed-source"})
        link = etree.SubElement(source, "a", {"href": entry_url(entry_id, anchor), "class": "wikilink"})
        link.text = AtomicString(embed.option or embed.shown)
        holder = etree.SubElement(cell, "div")
        holder.text = self.parser.md.htmlStash.store(inner)


_HEADING_ID = re.compile(r'(<h[1-6]) id="[^"]*"')
_NAME_ANCHOR = re.compile(r'<a name="[^"]*"></a>')


def without_anchors(html: str) -> str:
    """Embedded HTML without heading ids and anchors: jumps to a heading land in the page's own."""
    return _NAME_ANCHOR.sub("", _HEADING_ID.sub(r"\1", html))
