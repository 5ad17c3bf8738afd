"""Markdown to HTML for the viewer: QTextBrowser-friendly, offline, with entry links resolved."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import markdown
from markdown import treeprocessors
from markdown.extensions import Extension
from markdown.extensions.toc import (
    remove_fnrefs,
    render_inner_html,
    slugify_unicode,
    strip_tags,
    unique,
)
from markdown.inlinepatterns import (
    DelimiterProcessor,
    InlineProcessor,
    ReferenceInlineProcessor,
)
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AMP_SUBSTITUTE, ETX, STX, AtomicString
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.token import _TokenType
from pygments.util import ClassNotFound

from nexus_desktop.core.library import Entry
from nexus_desktop.core.links import TAG_SCHEME, LinkResolver

WEB_SCHEMES = ("http", "https", "mailto")


@dataclass(frozen=True)
class Palette:
    """Colours the rendered HTML needs inline (QTextBrowser ignores much of CSS)."""

    name: str
    pygments_style: str
    code_background: str
    callout_backgrounds: dict[str, str]
    muted: str


LIGHT = Palette(
    "light", "friendly", "#f3f4f6",
    {"note": "#e8f0fe", "info": "#e8f0fe", "tip": "#e6f4ea", "success": "#e6f4ea", "question": "#f3e8fd",
     "warning": "#fef7e0", "caution": "#fef7e0", "danger": "#fce8e6", "bug": "#fce8e6", "example": "#f3e8fd",
     "quote": "#f1f3f4", "abstract": "#e6f4f1", "todo": "#e8f0fe", "failure": "#fce8e6", "important": "#f3e8fd"},
    "#5f6368",
)
DARK = Palette(
    "dark", "github-dark", "#161b22",
    {"note": "#1c2b41", "info": "#1c2b41", "tip": "#1d3326", "success": "#1d3326", "question": "#2d2240",
     "warning": "#3b3018", "caution": "#3b3018", "danger": "#3f1f1f", "bug": "#3f1f1f", "example": "#2d2240",
     "quote": "#262a30", "abstract": "#1b3333", "todo": "#1c2b41", "failure": "#3f1f1f", "important": "#2d2240"},
    "#9aa0a6",
)
PALETTES = {p.name: p for p in (LIGHT, DARK)}


FIRST_PART_MIN_CHARS = 40_000  # a body this long can be shown in steps: its first screens, then the rest
FIRST_PART_CHARS = 12_000      # about the first screens: the rest starts at the next heading after this
TOC_MARKER = "[TOC]"             # Python-Markdown's table of contents marker
REST_PIECE_CHARS = 16_000      # the rest comes in pieces of about this much Markdown (~40 ms to add each)


@dataclass(frozen=True)
class RestOfEntry:
    """The part of a big entry after what was rendered so far, to render later (Renderer.render_rest)."""

    entry_id: str
    source: str                  # its Markdown
    definitions: str             # the entry's reference definitions: every part needs them
    ids_before: frozenset[str]   # heading ids used so far: the rest's ids stay unique


@dataclass(frozen=True)
class RenderedEntry:
    """HTML of an entry's body, ready for the viewer (only its first part when `rest` is set)."""

    entry_id: str
    title: str
    html: str
    rest: RestOfEntry | None = None


class Renderer:
    """Renders entries to HTML; one instance per palette, reused (Python-Markdown setup is costly)."""

    def __init__(self, resolver: LinkResolver | None = None, palette: str = "light",
                 root_paths: dict[str, Path] | None = None) -> None:
        self.resolver = resolver or LinkResolver()
        self.palette = PALETTES.get(palette, LIGHT)
        self.root_paths = root_paths or {}
        self._current_id = ""
        self._ids_before: frozenset[str] = frozenset()
        self.ids_used: set[str] = set()  # heading ids of the last conversion (set by _HeadingIdTreeprocessor)
        self._md = self._build_markdown()
        self._toc_md: markdown.Markdown | None = None

    def copy(self) -> "Renderer":
        """A renderer like this one, for another thread (a Markdown instance serves one conversion at a time)."""
        return Renderer(self.resolver, self.palette.name, self.root_paths)

    def _build_markdown(self, toc: bool = False) -> markdown.Markdown:
        md = markdown.Markdown(
            extensions=[
                "tables", "fenced_code", "footnotes", "def_list", "admonition", "sane_lists",
                *(["toc"] if toc else []), _NexusExtension(self),
            ],
            output_format="html",
        )
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.inlinePatterns.deregister("entity")
        return md

    def render(self, entry: Entry, first_part: bool = False) -> RenderedEntry:
        """The body of an entry as HTML; raw HTML in the source is shown as text, never run.

        `first_part`: for a big entry, only its first screens, with `rest` to render later (the two
        HTML parts joined are the whole entry's HTML); a small entry is rendered whole anyway.
        """
        parts = split_first_part(entry.body, FIRST_PART_CHARS, FIRST_PART_MIN_CHARS) if first_part else None
        body_html = self._convert(entry.body if parts is None else parts[0] + parts[2], entry.id)
        if not _starts_with_title(entry):
            body_html = f"<h1>{html.escape(entry.title)}</h1>\n{body_html}"
        rest = RestOfEntry(entry.id, parts[1], parts[2], frozenset(self.ids_used)) if parts else None
        return RenderedEntry(entry.id, entry.title, body_html, rest)

    def render_rest(self, rest: RestOfEntry) -> tuple[str, RestOfEntry | None]:
        """The HTML of the next piece of a big entry's rest (see render's `first_part`), and what remains."""
        parts = split_first_part(rest.source, REST_PIECE_CHARS, 0)
        if parts is None:
            return self._convert(rest.source + rest.definitions, rest.entry_id, rest.ids_before), None
        piece_html = self._convert(parts[0] + rest.definitions, rest.entry_id, rest.ids_before)
        return piece_html, RestOfEntry(rest.entry_id, parts[1], rest.definitions, frozenset(self.ids_used))

    def render_text(self, text: str, entry_id: str = "") -> str:
        """Markdown text (help pages, generated overviews) as HTML."""
        return self._convert(text, entry_id)

    def _convert(self, text: str, entry_id: str, ids_before: frozenset[str] = frozenset()) -> str:
        self._current_id = entry_id
        self._ids_before = ids_before
        md = self._md if TOC_MARKER not in text else self._toc_markdown()
        md.reset()
        return md.convert(text)

    def _toc_markdown(self) -> markdown.Markdown:
        """For the rare text with a `[TOC]` marker: the same, plus Python-Markdown's table of contents."""
        if self._toc_md is None:
            self._toc_md = self._build_markdown(toc=True)
        return self._toc_md

    # --- link policy, used by the tree processor -------------------------------------------
    def resolve_href(self, href: str) -> tuple[str, bool]:
        """(new href, resolved?) for a link in the current entry."""
        href = href.strip()
        if AMP_SUBSTITUTE in href:  # an <address@example.org> autolink: Python-Markdown hides it in entities
            href = html.unescape(href.replace(AMP_SUBSTITUTE, "&"))
        scheme = _scheme(href)
        if href.startswith("#"):
            return href, True
        if scheme in WEB_SCHEMES or scheme in ("entry", TAG_SCHEME):
            return href, True
        if scheme:
            return href, False
        target = self.resolver.relative(href, self._current_id)
        if target is None:
            return href, False
        return target.url, True

    def resolve_wikilink(self, target: str) -> str | None:
        found = self.resolver.wikilink(target, self._current_id)
        return found.url if found else None

    def local_image(self, src: str) -> str | None:
        """A file URL for an image inside the entry's root, or None (remote images are never fetched)."""
        if _scheme(src) or not self._current_id:
            return None
        root_name, _, rel = self._current_id.partition("/")
        root = self.root_paths.get(root_name)
        if root is None:
            return None
        base = (root / rel).parent
        path = (base / src).resolve()
        try:
            path.relative_to(root.resolve())
        except ValueError:
            return None
        return path.as_uri() if path.is_file() else None


_FENCE = re.compile(r"(`{3,}|~{3,})")
_ATX_HEADING = re.compile(r"#{1,6}[ \t]")
_REFERENCE_DEFINITION = re.compile(r" {0,3}\[[^\]\n]+\]:[ \t]*\S")


def split_first_part(body: str, first_chars: int = FIRST_PART_CHARS,
                     min_chars: int = FIRST_PART_MIN_CHARS) -> tuple[str, str, str] | None:
    """A big body's Markdown cut in two where rendering each part alone gives the whole's HTML: at the
    first heading after `first_chars` that starts a block (column 0, after a blank line, outside fenced
    code). Returns (first part, rest, reference definitions: render each part with them appended).
    None when the body is small, has footnotes (numbered across the whole entry), a [TOC] (of the
    whole entry) or no such heading."""
    if len(body) < min_chars or "[^" in body or TOC_MARKER in body:
        return None
    cut, fence, offset, blank_before = None, "", 0, True
    definitions: list[str] = []
    for line in body.splitlines(keepends=True):
        if fence:
            fence = "" if line.rstrip() == fence else fence  # Python-Markdown: the same fence closes it
        elif (opening := _FENCE.match(line)) is not None:
            fence = opening.group(1)
        elif cut is None and offset >= first_chars and blank_before and _ATX_HEADING.match(line):
            cut = offset
        elif _REFERENCE_DEFINITION.match(line):
            definitions.append(line if line.endswith("\n") else line + "\n")
        blank_before = not fence and not line.strip()
        offset += len(line)
    if cut is None:
        return None
    shared = "\n\n" + "".join(dict.fromkeys(definitions)) if definitions else ""
    return body[:cut], body[cut:], shared


_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")


def _scheme(url: str) -> str:
    """A URL's scheme, lowercase ("" for a relative link); never raises, whatever the link holds
    (urlsplit refuses e.g. `http://[x` as an invalid IPv6 address)."""
    match = _SCHEME.match(url)
    return match.group(1).lower() if match else ""


def _starts_with_title(entry: Entry) -> bool:
    first = entry.headings[0] if entry.headings else None
    if first is None or first.level != 1:
        return False
    return bool(re.match(r"\s*(#\s|[^\n]+\n=+)", entry.body))


class _NexusExtension(Extension):
    """Callouts, wikilinks, #tags, task lists, heading ids, link/image policy and QTextBrowser fixes,
    plus faster stand-ins for three stock tree processors (same output)."""

    def __init__(self, renderer: Renderer) -> None:
        super().__init__()
        self.renderer = renderer

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.treeprocessors.register(_SkippingInlineProcessor(md), "inline", 20)
        md.treeprocessors.register(_HeadingIdTreeprocessor(self.renderer, md), "heading_ids", 6)  # before toc
        md.treeprocessors.register(_UnescapeTreeprocessor(md), "unescape", 0)
        md.preprocessors.register(_CalloutPreprocessor(md), "nexus_callouts", 27)
        md.inlinePatterns.register(_WikilinkPattern(self.renderer, md), "nexus_wikilinks", 175)
        md.inlinePatterns.register(_TagPattern(md), "nexus_tags", 5)
        md.treeprocessors.register(_PolicyTreeprocessor(self.renderer, md), "nexus_policy", 1)
        md.postprocessors.register(_QtFixesPostprocessor(self.renderer.palette, md), "nexus_qt", 5)


_CALLOUT_RE = re.compile(r"^>\s*\[!(\w+)\]([+-]?)\s*(.*)$")


class _CalloutPreprocessor(Preprocessor):
    """`> [!note] Title` blockquotes become admonitions (rendered as shaded boxes)."""

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        i = 0
        while i < len(lines):
            match = _CALLOUT_RE.match(lines[i])
            if not match:
                out.append(lines[i])
                i += 1
                continue
            kind, title = match.group(1).lower(), match.group(3).strip() or match.group(1).capitalize()
            out.extend(["", f'!!! {kind} "{title.replace(chr(34), chr(39))}"'])
            i += 1
            while i < len(lines) and lines[i].startswith(">"):
                out.append("    " + re.sub(r"^>\s?", "", lines[i]))
                i += 1
            out.append("")
        return out


class _WikilinkPattern(InlineProcessor):
    """`[[Target]]`, `[[Target|label]]`, `[[Target#Heading]]` -> entry links (or marked broken)."""

    def __init__(self, renderer: Renderer, md: markdown.Markdown) -> None:
        super().__init__(r"!?\[\[([^\[\]|]+?)(?:\|([^\[\]]*))?\]\]", md)
        self.renderer = renderer

    def handleMatch(self, m: re.Match[str], data: str):
        target, label = m.group(1).strip(), (m.group(2) or "").strip()
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

    def handleMatch(self, m: re.Match[str], data: str):
        tag = m.group(1).rstrip("/-")
        el = etree.Element("a", {"href": f"{TAG_SCHEME}:{tag.lower()}", "class": "tag"})
        el.text = AtomicString(f"#{tag}")
        return el, m.start(0), m.start(0) + 1 + len(tag)


# Strings without which an inline pattern cannot match (its regex needs one of them): a pattern is
# skipped for text that holds none. Patterns not listed here (nor delimiter runs) are always tried.
_INLINE_TRIGGERS: dict[str, tuple[str, ...]] = {
    "backtick": ("`",), "escape": ("\\",), "footnote": ("[^",), "nexus_wikilinks": ("[[",),
    "reference": ("[",), "link": ("[",), "short_reference": ("[",),
    "image_link": ("![",), "image_reference": ("![",), "short_image_ref": ("![",),
    "autolink": ("<",), "automail": ("<",), "linebreak": ("  \n",), "nexus_tags": ("#",),
}
_NEVER: frozenset[str] = frozenset()  # no text holds one of these: the pattern is always skipped


def _pattern_triggers(md: markdown.Markdown) -> list[frozenset[str] | None]:
    """For each inline pattern, in the order they run: the strings it needs, or None (always try it).
    Reference links (`[text][id]`, `[id]`) cannot match in a document that defines no references."""
    patterns = md.inlinePatterns
    triggers: list[frozenset[str] | None] = [None] * len(patterns)
    for name, needles in _INLINE_TRIGGERS.items():
        if name in patterns:
            triggers[patterns.get_index_for_name(name)] = frozenset(needles)
    for index, pattern in enumerate(patterns):
        if isinstance(pattern, DelimiterProcessor):  # emphasis: `*` and `_` runs
            triggers[index] = frozenset(pattern.tokens)
        elif isinstance(pattern, ReferenceInlineProcessor) and not md.references:
            triggers[index] = _NEVER
    return triggers


def _may_match(data: str, start: int, triggers: frozenset[str] | None) -> bool:
    """Whether a pattern with these triggers could still match `data` from `start` on."""
    return triggers is None or any(data.find(needle, start) >= 0 for needle in triggers)


class _SkippingInlineProcessor(treeprocessors.InlineProcessor):
    """Python-Markdown's inline pass without the pattern runs that cannot match.

    The stock pass runs every pattern's regex over every text node, and once more after each match.
    Here a pattern is skipped while none of its trigger strings is left in the text. That is exact: a
    match only replaces text with a placeholder (which holds no trigger), so triggers never appear.
    """

    def run(self, tree: etree.Element, ancestors: list[str] | None = None) -> etree.Element:
        self._patterns = list(self.inlinePatterns)
        self._triggers = _pattern_triggers(self.md)
        self._needles = frozenset().union(*(t for t in self._triggers if t is not None))
        return super().run(tree, ancestors)

    def _InlineProcessor__handleInline(self, data: str, pattern_index: int = 0) -> str:
        """The stock private `__handleInline` (so the stock code calls this one), with the skip."""
        if isinstance(data, AtomicString):
            return data
        if not hasattr(self, "_InlineProcessor__applyPattern"):  # a Python-Markdown without that internal
            return super()._InlineProcessor__handleInline(data, pattern_index)
        present = {needle for needle in self._needles if needle in data}
        for index in range(pattern_index, len(self._patterns)):
            triggers = self._triggers[index]
            if triggers is not None and triggers.isdisjoint(present):
                continue
            matched, start = True, 0
            while matched:  # as the stock loop: after a match, try the pattern again from its end
                data, matched, start = self._InlineProcessor__applyPattern(self._patterns[index], data, index, start)
                matched = matched and _may_match(data, start, triggers)
        return data


_HEADING_TAGS = frozenset(f"h{level}" for level in range(1, 7))
_MARKUP_CHARS = re.compile(f"[&<>{STX}{ETX}]")  # what serializing and postprocessors change


class _HeadingIdTreeprocessor(Treeprocessor):
    """Heading ids exactly as the "toc" extension assigns them (slugify_unicode, `_1` suffixes), without
    the rest of its work (a table of contents we do not show, a [TOC] marker search over the tree)."""

    def __init__(self, renderer: Renderer, md: markdown.Markdown) -> None:
        super().__init__(md)
        self.renderer = renderer

    def run(self, root: etree.Element) -> None:
        used = set(self.renderer._ids_before) | {el.get("id", "") for el in root.iter() if "id" in el.attrib}
        counters: dict[str, int] = {}
        for el in root.iter():
            if el.tag in _HEADING_TAGS and "id" not in el.attrib:
                el.set("id", unique(slugify_unicode(self._name(el), "-"), used, counters))
        self.renderer.ids_used = used

    def _name(self, heading: etree.Element) -> str:
        """The heading's text as toc computes it (rendered inner HTML, tags stripped, entities decoded);
        plain text, the common case, gives the same string directly."""
        text = heading.text or ""
        if not len(heading) and not _MARKUP_CHARS.search(text):
            return " ".join(text.split())
        return html.unescape(strip_tags(render_inner_html(remove_fnrefs(heading), self.md)))


class _UnescapeTreeprocessor(treeprocessors.UnescapeTreeprocessor):
    """The stock backslash-escape restorer, skipping the regex for text without escapes (most of it)."""

    def unescape(self, text: str) -> str:
        return super().unescape(text) if STX in text else text


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
            if el.tag in _HEADING_TAGS and el.get("id"):
                anchor = etree.Element("a", {"name": el.get("id", "")})
                anchor.tail, el.text = el.text, None
                el.insert(0, anchor)

    def _images(self, root: etree.Element) -> None:
        for parent in root.iter():
            for index, el in enumerate(list(parent)):
                if el.tag == "img":
                    self._image(parent, index, el)

    def _link(self, el: etree.Element) -> None:
        href, ok = self.renderer.resolve_href(el.get("href", ""))
        el.set("href", href)
        if not ok:
            el.set("class", (el.get("class", "") + " broken-link").strip())
            el.set("title", "Not in the library")

    def _image(self, parent: etree.Element, index: int, el: etree.Element) -> None:
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


_CODE_RE = re.compile(r'<pre><code(?: class="language-([\w+#.-]+)")?>(.*?)</code></pre>', re.DOTALL)


@lru_cache(maxsize=64)
def _lexer(language: str) -> Lexer | None:
    try:
        return get_lexer_by_name(language, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


@lru_cache(maxsize=4)
def _formatter(style: str) -> HtmlFormatter:
    """Pygments' HTML formatter for a style, built once: the source of each token type's inline CSS."""
    return HtmlFormatter(style=style, noclasses=True, nowrap=True)


@lru_cache(maxsize=1024)
def _token_css(style: str, ttype: _TokenType) -> str:
    """The inline CSS Pygments' HtmlFormatter(noclasses=True) gives a token type ("" for none)."""
    formatter = _formatter(style)
    name = formatter._get_css_inline_styles(ttype)
    return formatter.class2style[name][0] if name else ""


_SHOWS_ON_BLANKS = re.compile(r"background|underline|border")


def _styled_runs(tokens: Iterable[tuple[_TokenType, str]], style: str) -> Iterator[tuple[str, str]]:
    """(css, text) runs of a token stream: neighbours that look alike are merged, and whitespace joins
    the run before it (its colour, bold or italic cannot be seen) unless either style would show."""
    css, parts = "", []
    for ttype, value in tokens:
        token_css = _token_css(style, ttype)
        joins = token_css == css or (value.isspace() and not _SHOWS_ON_BLANKS.search(css + token_css))
        if not joins:
            if parts:
                yield css, "".join(parts)
            css, parts = token_css, []
        parts.append(value)
    if parts:
        yield css, "".join(parts)


def _format_tokens(tokens: Iterable[tuple[_TokenType, str]], style: str) -> str:
    """Tokens as inline-styled HTML, one span per run of like-looking text (Pygments' own formatter
    also closes spans at line ends and colours whitespace): QTextBrowser's setHtml takes ~25 us per span.
    Inline styles rather than classes: QTextBrowser lays a code-heavy page out ~2.5x faster with them."""
    return "".join(f'<span style="{css}">{html.escape(text, quote=False)}</span>' if css
                   else html.escape(text, quote=False) for css, text in _styled_runs(tokens, style))


@lru_cache(maxsize=2048)
def highlight_code(code: str, language: str, style: str) -> str:
    """HTML of a code block's text, coloured by Pygments when the language is known (remembered:
    reloads and theme switches re-render pages whose blocks have not changed)."""
    lexer = _lexer(language.lower()) if language else None
    if lexer is None:
        return html.escape(code, quote=False)
    return _format_tokens(lexer.get_tokens(code), style)


class _QtFixesPostprocessor(Postprocessor):
    """Code blocks get their colours and go into a one-cell table: QTextBrowser shows backgrounds on
    table cells, not on divs."""

    def __init__(self, palette: Palette, md: markdown.Markdown) -> None:
        super().__init__(md)
        self.palette = palette

    def run(self, text: str) -> str:
        return _CODE_RE.sub(self._code_table, text)

    def _code_table(self, match: re.Match[str]) -> str:
        code = html.unescape(match.group(2)).removesuffix("\n")
        body = highlight_code(code, match.group(1) or "", self.palette.pygments_style).removesuffix("\n")
        return (f'<table class="code" width="100%" cellpadding="10" cellspacing="0" '
                f'bgcolor="{self.palette.code_background}"><tr><td><pre class="code"><code>{body}</code></pre>'
                "</td></tr></table>")


def html_document(body_html: str, css: str, title: str = "") -> str:
    """A standalone HTML page (for `show --html` and export)."""
    return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"<style>{css}</style></head><body>\n{body_html}\n</body></html>\n")
