"""What tabs show: entries rendered from the library as last indexed, the start page, help, "not found" pages.

Rendering records nothing (a theme switch re-renders every tab): visits are recorded by the tabs."""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from nexus_desktop import __version__
from nexus_desktop.core.start_page import BUNDLED_START, HELP_ID, START_ID, help_markdown, personal_markdown, \
    start_entry
from nexus_desktop.ui import theme
from nexus_desktop.ui.viewer import Page

if TYPE_CHECKING:
    from nexus_desktop.core.highlight import WordMatcher
    from nexus_desktop.core.render import Renderer, RestOfEntry
    from nexus_desktop.ui.user_data import UserData
    from nexus_desktop.ui.workers import IndexedLibrary

START_RECENT = 10
START_BOOKMARKS = 15


class Pages:
    """The tabs' page source; the window pushes it the indexed library, the scheme and the user data."""

    def __init__(self, content: list[str] | None) -> None:
        self.content = content
        self.library: IndexedLibrary | None = None
        self.scheme = "light"
        self.user_data: UserData | None = None
        self._titles: dict[str, str] = {}

    def show_library(self, library: IndexedLibrary) -> None:
        """Render from the library as indexed now (its link resolver, its titles)."""
        library.use_resolver()
        self.library = library
        self._titles = {item.id: item.title for item in library.catalog}

    def css(self) -> str:
        return theme.content_css(self.scheme)

    def image_allowed(self, path: Path) -> bool:
        """Only images inside the library's folders are shown."""
        if self.library is None:
            return False
        try:
            resolved = path.resolve()
        except OSError:
            return False
        return any(resolved.is_relative_to(Path(root.path).resolve()) for root in self.library.workspace.roots)

    def title_of(self, entry_id: str) -> str:
        if entry_id == START_ID:
            return "Start"
        if entry_id == HELP_ID:
            return "Help"
        return self._titles.get(entry_id) or entry_id.rsplit("/", 1)[-1]

    def start_id(self) -> str:
        """What a new tab shows: the bundled start page `nexus/index` when it is in the library."""
        if self.library is not None:
            return start_entry(item.id for item in self.library.catalog) or START_ID
        if self.content is None:
            return BUNDLED_START
        from nexus_desktop.paths import content_dir

        bundled = content_dir().resolve()
        return BUNDLED_START if any(Path(c).expanduser().resolve() == bundled for c in self.content) else START_ID

    def renderer(self) -> Renderer:
        assert self.library is not None
        return self.library.renderers[self.scheme]

    def page(self, entry_id: str, first_part: bool = False, terms: Sequence[str] = ()) -> Page:
        """The page for an id, the search's `terms` marked in it (as the search matched them)."""
        if self.library is None:
            return Page(entry_id, self.title_of(entry_id),
                        "<p style='color:gray'>Opening the library\u2026</p>", loading=True)
        matcher = _matcher(terms)
        renderer = self.renderer()
        mark_colour = renderer.palette.hit_background
        if entry_id == START_ID:
            return Page(entry_id, "Start", self.library.overview_html + renderer.render_text(self._personal()))
        if entry_id == HELP_ID:
            from nexus_desktop.core.library import extract_headings

            text = help_markdown(__version__)
            return Page(entry_id, "Help", renderer.render_text(text, matcher=matcher), extract_headings(text),
                        mark_colour=mark_colour)
        from nexus_desktop.core.library import EntryError

        try:
            entry = self.library.workspace.load_entry(entry_id)
        except (EntryError, OSError) as exc:
            return self._problem(entry_id, "Entry could not be read",
                                 f"The file of <code>{html.escape(entry_id)}</code> could not be read: "
                                 f"{html.escape(str(exc))}")
        if entry is None:
            return self._problem(entry_id, "Entry not found",
                                 f"There is no entry <code>{html.escape(entry_id)}</code> in the library any "
                                 "more: it may have been moved, renamed or deleted, or its folder removed "
                                 "from the library.")
        rendered = renderer.render(entry, first_part=first_part, matcher=matcher)
        rest = rendered.rest
        return Page(entry.id, rendered.title, rendered.html, list(entry.headings), entry.path, entry.stamp,
                    rest=(lambda: _rest_pieces(renderer.copy(), rest)) if rest is not None else None,
                    mark_colour=mark_colour)

    def _personal(self) -> str:
        """The start page's recently opened entries and bookmarks (the library overview comes ready-made)."""
        if self.user_data is None:
            return ""
        recent = [(r.entry_id, r.title) for r in self.user_data.recent.list(START_RECENT)]
        marks = [(b.entry_id, b.title) for b in self.user_data.bookmarks.all_bookmarks()[:START_BOOKMARKS]
                 if b.entry_id]
        return personal_markdown(recent, marks)

    def _problem(self, entry_id: str, title: str, text: str) -> Page:
        body = (f"<h1>{html.escape(title)}</h1><p>{text}</p>"
                "<p>Search for it with <b>Ctrl+K</b>, or go back with <b>Alt+Left</b>.</p>")
        return Page(entry_id, title, body, found=False)


def _matcher(terms: Sequence[str]) -> WordMatcher | None:
    """The search's word rule for these terms (None without terms)."""
    if not terms:
        return None
    from nexus_desktop.core.highlight import WordMatcher

    matcher = WordMatcher(terms)
    return matcher if matcher else None


def _rest_pieces(renderer: Renderer, rest: RestOfEntry | None) -> Iterator[str]:
    """The HTML of the rest of a big entry, piece by piece (on whichever thread iterates)."""
    while rest is not None:
        piece, rest = renderer.render_rest(rest)
        yield piece
