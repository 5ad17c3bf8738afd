"""Markdown to HTML for the viewer: QTextBrowser-friendly, offline, with entry links resolved."""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import markdown
from markdown.util import AMP_SUBSTITUTE

from nexus_desktop.core.library import Entry
from nexus_desktop.core.links import (
    LinkAction,
    LinkKind,
    LinkResolver,
    entry_url,
    exported_url,
    link_action,
    url_scheme,
)
from nexus_desktop.core.render import progressive
from nexus_desktop.core.render.bounds import RenderBudget, failure_reason, fallback_html
from nexus_desktop.core.render.embeds import AttachmentIndex, without_anchors
from nexus_desktop.core.render.extensions import NexusExtension
from nexus_desktop.core.render.marks import TermMatcher
from nexus_desktop.core.render.palette import LIGHT, PALETTES
from nexus_desktop.core.render.progressive import TOC_MARKER, split_first_part

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class RestOfEntry:
    """The part of a big entry after what was rendered so far, to render later (Renderer.render_rest)."""

    entry_id: str
    source: str                  # its Markdown
    definitions: str             # the entry's reference definitions: every part needs them
    ids_before: frozenset[str]   # heading ids used so far: the rest's ids stay unique
    matcher: TermMatcher | None = None  # the search matches marked in it


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
                 root_paths: dict[str, Path] | None = None, export: bool = False) -> None:
        """`export`: links for pages read outside the app (`show --html`): entry links become relative
        `.html` paths (core.links.exported_url), tags plain text."""
        self.resolver = resolver or LinkResolver()
        self.export = export
        self.embeds_notes = True  # `![[Note]]` shows the note's text (not in text that is itself embedded)
        self.attachments = AttachmentIndex(root_paths or {})
        self._embedded: Renderer | None = None
        self.matcher: TermMatcher | None = None  # the search matches to mark in the current conversion
        self.palette = PALETTES.get(palette, LIGHT)
        self.root_paths = root_paths or {}
        self._current_id = ""
        self._ids_before: frozenset[str] = frozenset()
        self.ids_used: set[str] = set()  # heading ids of the last conversion (set by HeadingIdTreeprocessor)
        self.budget = RenderBudget()
        self._md = self._build_markdown()
        self._toc_md: markdown.Markdown | None = None

    def copy(self) -> Renderer:
        """A renderer like this one, for another thread (a Markdown instance serves one conversion at a time);
        it shares the attachment index (built once, then only read)."""
        other = Renderer(self.resolver, self.palette.name, self.root_paths, self.export)
        other.attachments = self.attachments
        return other

    def _build_markdown(self, toc: bool = False) -> markdown.Markdown:
        md = markdown.Markdown(
            extensions=[
                "tables", "fenced_code", "footnotes", "def_list", "admonition", "sane_lists",
                *(["toc"] if toc else []), NexusExtension(self),
            ],
            output_format="html",
        )
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.inlinePatterns.deregister("entity")
        return md

    def render(self, entry: Entry, first_part: bool = False, matcher: TermMatcher | None = None) -> RenderedEntry:
        """The body of an entry as HTML; raw HTML in the source is shown as text, never run. An entry that
        cannot be formatted (too slow, too deep, a formatter error) is shown as text under a notice.

        `first_part`: for a big entry, only its first screens, with `rest` to render later (the two
        HTML parts joined are the whole entry's HTML); a small entry is rendered whole anyway.
        `matcher`: the words a search matched, marked in the theme's colours (core.highlight.WordMatcher,
        the rule the result snippets use).
        """
        self.matcher = matcher
        parts = (split_first_part(entry.body, progressive.FIRST_PART_CHARS, progressive.FIRST_PART_MIN_CHARS)
                 if first_part else None)
        try:
            body_html = self._convert(entry.body if parts is None else parts[0] + parts[2], entry.id)
            rest = (RestOfEntry(entry.id, parts[1], parts[2], frozenset(self.ids_used), matcher)
                    if parts else None)
        except Exception as error:  # noqa: BLE001 (any failure is shown for this entry only)
            body_html, rest = self._fallback(entry.body, entry.id, error), None
        if not _starts_with_title(entry):
            body_html = f"<h1>{html.escape(entry.title)}</h1>\n{body_html}"
        return RenderedEntry(entry.id, entry.title, body_html, rest)

    def render_rest(self, rest: RestOfEntry) -> tuple[str, RestOfEntry | None]:
        """The HTML of the next piece of a big entry's rest (see render's `first_part`), and what remains."""
        parts = split_first_part(rest.source, progressive.REST_PIECE_CHARS, 0)
        self.matcher = rest.matcher
        piece, remains = (rest.source, None) if parts is None else (parts[0], parts[1])
        try:
            piece_html = self._convert(piece + rest.definitions, rest.entry_id, rest.ids_before)
        except Exception as error:  # noqa: BLE001 (shown for this piece only)
            piece_html = self._fallback(piece, rest.entry_id, error)
            self.ids_used = set(rest.ids_before)
        if remains is None:
            return piece_html, None
        return piece_html, RestOfEntry(rest.entry_id, remains, rest.definitions, frozenset(self.ids_used), rest.matcher)

    def render_text(self, text: str, entry_id: str = "", matcher: TermMatcher | None = None) -> str:
        """Markdown text (help pages, generated overviews) as HTML, `matcher`'s matches marked."""
        self.matcher = matcher
        try:
            return self._convert(text, entry_id)
        except Exception as error:  # noqa: BLE001 (shown, not raised)
            return self._fallback(text, entry_id, error)

    def _convert(self, text: str, entry_id: str, ids_before: frozenset[str] = frozenset()) -> str:
        self._current_id = entry_id
        self._ids_before = ids_before
        md = self._md if TOC_MARKER not in text else self._toc_markdown()
        md.reset()
        self.budget.start()
        html_text: str = md.convert(text)
        return html_text

    def _fallback(self, text: str, entry_id: str, error: Exception) -> str:
        log.warning("could not format %s: %s", entry_id or "a page", failure_reason(error),
                    exc_info=not isinstance(error, RecursionError))
        return fallback_html(text, failure_reason(error), self.palette.callout_backgrounds["warning"])

    def embedded_html(self, text: str, entry_id: str) -> str:
        """Another entry's Markdown as HTML to embed in the page being rendered: its own embeds become links
        (one level deep), its heading anchors are left out (they belong to the other page)."""
        if self._embedded is None:
            self._embedded = self.copy()
            self._embedded.embeds_notes = False
        return without_anchors(self._embedded.render_text(text, entry_id, self.matcher))

    @property
    def current_id(self) -> str:
        """The id of the entry being rendered ("" for other text)."""
        return self._current_id

    def _toc_markdown(self) -> markdown.Markdown:
        """For the rare text with a `[TOC]` marker: the same, plus Python-Markdown's table of contents."""
        if self._toc_md is None:
            self._toc_md = self._build_markdown(toc=True)
        return self._toc_md

    # --- link policy, used by the tree processor -------------------------------------------
    def link_href(self, href: str) -> tuple[str | None, str]:
        """For a link in the current entry: (the href to write, or None when it must not be a link; why
        not, or "" when it is fine as text). Only what core.links.link_action follows is written:
        anchors, entries (relative paths resolved), tags, web links."""
        href = href.strip()
        if AMP_SUBSTITUTE in href:  # an <address@example.org> autolink: Python-Markdown hides it in entities
            href = html.unescape(href.replace(AMP_SUBSTITUTE, "&"))
        action = link_action(href)
        if action.kind is LinkKind.REFUSED and not url_scheme(href):
            target = self.resolver.relative(href, self._current_id)
            if target is None:
                return None, "Not in the library"
            action = LinkAction(LinkKind.ENTRY, target.entry_id, target.anchor)
        if action.kind is LinkKind.REFUSED:
            return None, "Not followed: only web, mail and library links are"
        if action.kind is LinkKind.ENTRY:
            if self.export:
                return exported_url(action.target, action.anchor, self._current_id), ""
            return entry_url(action.target, action.anchor), ""
        if action.kind is LinkKind.TAG and self.export:
            return None, ""  # a tag search has no page to go to outside the app
        return (action.target if action.kind is LinkKind.WEB else href), ""

    def resolve_wikilink(self, target: str) -> str | None:
        found = self.resolver.wikilink(target, self._current_id)
        return found.url if found else None

    def local_image(self, src: str) -> str | None:
        """A file URL for an image inside the entry's root, or None (remote images are never fetched)."""
        if url_scheme(src) or not self._current_id:
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


def _starts_with_title(entry: Entry) -> bool:
    first = entry.headings[0] if entry.headings else None
    if first is None or first.level != 1:
        return False
    return bool(re.match(r"\s*(#\s|[^\n]+\n=+)", entry.body))


def html_document(body_html: str, css: str, title: str = "") -> str:
    """A standalone HTML page (for `show --html` and export)."""
    return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"<style>{css}</style></head><body>\n{body_html}\n</body></html>\n")
