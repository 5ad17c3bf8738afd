"""Generated pages of the viewer as Markdown: the library overview (start page) and the help page."""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from markdown.extensions.toc import slugify_unicode, unique

BUNDLED_START = "nexus/index"
START_ID = "about:start"
HELP_ID = "about:help"
CATEGORIES_SHOWN = 40      # per folder in the table, 8 per folder inline (several folders)
ENTRIES_PER_CATEGORY = 30  # entries listed under a category's heading; the rest are counted


class RootInfo(NamedTuple):
    """A library root as the start page shows it."""

    name: str
    path: str


def start_entry(entry_ids: Iterable[str]) -> str | None:
    """The entry a new tab shows: the bundled `nexus/index` when it is in the library, else None."""
    return BUNDLED_START if BUNDLED_START in set(entry_ids) else None


def _md_escape(text: str) -> str:
    out = []
    for ch in text:
        out.append("\\" + ch if ch in "\\`*_[]<>#|" else ch)
    return "".join(out)


def _category_of(item: object) -> str:
    category = (getattr(item, "category", "") or "").strip()
    if category:
        return category
    folder, slash, _ = str(getattr(item, "path", "") or "").replace("\\", "/").partition("/")
    return folder if slash else "(top level)"


def start_page_markdown(roots: Sequence[RootInfo | tuple[str, str]], catalog: Sequence[object],
                        recent: Sequence[tuple[str, str]] = (),
                        bookmarks: Sequence[tuple[str, str]] = ()) -> str:
    """The overview of the library: its roots, categories with entry counts, recent entries, bookmarks.

    `catalog` items need `.root`, `.category` and `.path` (core.index.CatalogItem); `recent` and
    `bookmarks` are (entry id, title) pairs.
    """
    personal = personal_markdown(recent, bookmarks)
    return library_overview_markdown(roots, catalog).rstrip() + ("\n" + personal if personal else "\n")


def library_overview_markdown(roots: Sequence[RootInfo | tuple[str, str]], catalog: Sequence[object],
                              library_size: int | None = None) -> str:
    """The part of the start page that depends on the library only (worth preparing off the GUI thread).

    Each category links to its list of entries further down. `library_size`: how many entries the
    library has while a first index is still reading it (the catalog then holds those read so far)."""
    infos = [RootInfo(*r) for r in roots]
    per_root = Counter(getattr(item, "root", "") for item in catalog)
    lines = ["# Nexus", ""]
    lines.append(_summary(len(catalog), len(infos), library_size) +
                 " Press **Ctrl+K** to search, **Ctrl+P** to open an entry by title, **F1** for help.")
    lines += ["", "## Library", ""]
    if infos:
        for info in infos:
            count = per_root.get(info.name, 0)
            lines.append(f"- **{_md_escape(info.name)}** — {_entries(count)} in `{info.path}`")
    else:
        lines.append("No folders yet: use *File › Library folders…*")
    members: dict[str, dict[str, list[object]]] = {}
    for item in catalog:
        members.setdefault(getattr(item, "root", ""), {}).setdefault(_category_of(item), []).append(item)
    if members:
        shown = CATEGORIES_SHOWN if len(infos) <= 1 else 8
        headings = {(root, name): _category_heading(root, name, len(members) > 1)
                    for root, name in _listed_categories(infos, members, shown)}
        anchors = _anchors(["Nexus", "Library", "Categories", "Entries by category"], headings)
        lines += ["", "## Categories", ""]
        if len(infos) > 1:  # one line per folder: many tables make a slow page to lay out
            lines += _categories_inline(infos, members, anchors, shown)
        else:
            root = next(iter(members))
            lines += _categories_table(members[root], [anchors[(root, name)] for name, _ in
                                                       _ranked(members[root])], shown)
        lines += ["", "## Entries by category", ""]
        for (root, name), heading in headings.items():
            lines += _category_entries(heading, members[root][name])
    return "\n".join(lines).rstrip() + "\n"


def _entries(count: int) -> str:
    return f"{count:,} entr{'y' if count == 1 else 'ies'}"


def _summary(indexed: int, folders: int, library_size: int | None) -> str:
    """The first line: how big the library is; while a first index runs, how much of it is read."""
    where = f"**{folders}** folder{'' if folders == 1 else 's'}"
    if library_size is not None and library_size > indexed:
        return (f"Your offline library: **{library_size:,}** entries in {where}, being indexed: the counts "
                f"below are of the **{indexed:,}** read so far.")
    return f"Your offline library: **{_entries(indexed).replace(' ', '** ', 1)} in {where}."


def _ranked(counts: dict[str, list[object]]) -> list[tuple[str, int]]:
    return sorted(((name, len(items)) for name, items in counts.items()), key=lambda kv: (-kv[1], kv[0].lower()))


def _listed_categories(infos: Sequence[RootInfo], members: dict[str, dict[str, list[object]]],
                       shown: int) -> list[tuple[str, str]]:
    """(root, category) pairs the page shows, folder by folder, biggest category first."""
    order = [info.name for info in infos if info.name in members] + \
        [root for root in members if root not in {info.name for info in infos}]
    return [(root, name) for root in order for name, _ in _ranked(members[root])[:shown]]


def _category_heading(root: str, name: str, several_roots: bool) -> str:
    return f"{root} › {name}" if several_roots else name


def _anchors(before: Sequence[str], headings: dict[tuple[str, str], str]) -> dict[tuple[str, str], str]:
    """The id the renderer gives each category heading (the same slugs, unique in page order)."""
    used: set[str] = set()
    for text in before:
        unique(slugify_unicode(text, "-"), used)
    return {key: unique(slugify_unicode(heading, "-"), used) for key, heading in headings.items()}


def _category_link(name: str, anchor: str) -> str:
    return f"[{_md_escape(name)}](#{anchor})"


def _categories_table(counts: dict[str, list[object]], anchors: Sequence[str], shown: int) -> list[str]:
    lines = ["| Category | Entries |", "| :--- | ---: |"]
    lines += [f"| {_category_link(name, anchor)} | {count:,} |"
              for (name, count), anchor in zip(_ranked(counts)[:shown], anchors, strict=False)]
    if len(counts) > shown:
        lines.append(f"| … and {len(counts) - shown} more | |")
    return lines


def _categories_inline(infos: Sequence[RootInfo], members: dict[str, dict[str, list[object]]],
                       anchors: dict[tuple[str, str], str], shown: int) -> list[str]:
    lines = []
    for info in infos:
        counts = members.get(info.name)
        if not counts:
            continue
        ranked = ", ".join(f"{_category_link(name, anchors[(info.name, name)])} ({count:,})"
                           for name, count in _ranked(counts)[:shown])
        more = f", and {len(counts) - shown} more" if len(counts) > shown else ""
        lines.append(f"- **{_md_escape(info.name)}**: {ranked}{more}")
    return lines


def _category_entries(heading: str, items: Sequence[object]) -> list[str]:
    """A category's heading and its entries by title (the first ENTRIES_PER_CATEGORY, the rest counted)."""
    ordered = sorted(items, key=lambda item: (str(getattr(item, "title", "") or getattr(item, "id", "")).lower()))
    lines = [f"### {_md_escape(heading)}", ""]
    lines += [f"- [{_md_escape(getattr(item, 'title', '') or getattr(item, 'id', ''))}]"
              f"(entry:{getattr(item, 'id', '')})" for item in ordered[:ENTRIES_PER_CATEGORY]]
    if len(ordered) > ENTRIES_PER_CATEGORY:
        lines.append(f"- … and {len(ordered) - ENTRIES_PER_CATEGORY:,} more (the *Library* panel lists them all)")
    return lines + [""]


def personal_markdown(recent: Sequence[tuple[str, str]] = (), bookmarks: Sequence[tuple[str, str]] = ()) -> str:
    """The recently opened entries and the bookmarks of the start page (empty when there are none)."""
    lines: list[str] = []
    if recent:
        lines += ["", "## Recently opened", ""]
        lines += [f"- [{_md_escape(title or entry_id)}](entry:{entry_id})" for entry_id, title in recent]
    if bookmarks:
        lines += ["", "## Bookmarks", ""]
        lines += [f"- [{_md_escape(title or entry_id)}](entry:{entry_id})" for entry_id, title in bookmarks]
    return "\n".join(lines).strip() + "\n" if lines else ""


# The same rows as README's keyboard table (tests/ui/test_actions.py checks both against the action table).
KEYBOARD = [
    ("Ctrl+K, Ctrl+L", "focus the search field"),
    ("Enter / Down, Up in the search field", "open the selected result / move the selection"),
    ("Alt+Enter", "open the selected result in a new tab"),
    ("Ctrl+P", "quick open: recent entries, then a fuzzy match over titles and aliases"),
    ("Ctrl+T, Ctrl+W, Ctrl+Shift+T", "new tab, close tab, reopen closed tab"),
    ("Ctrl+Tab, Ctrl+Shift+Tab, Ctrl+PgDown, Ctrl+PgUp", "next / previous tab"),
    ("Alt+Left, Alt+Right", "back / forward"),
    ("Ctrl+D", "bookmark the current entry (again: remove)"),
    ("Ctrl+B", "show the bookmarks panel"),
    ("Ctrl+Shift+B", "show or hide the sidebar"),
    ("Ctrl+F, F3, Shift+F3, Esc", "find in page, next, previous, close the find bar"),
    ("Ctrl++, Ctrl+-, Ctrl+0", "zoom in, out, reset"),
    ("F1", "help"),
    ("Ctrl+Q", "quit (saves the session)"),
]

# The same rows as README's query table (tests/core/test_start_page.py checks it, and that each finds
# something in the bundled library): the queries of a row, and what they find.
QUERY_SYNTAX: list[tuple[tuple[str, ...], str]] = [
    (("celery retries",), "have the words (those with both rank higher; stemmed: `retries` also finds `retry`)"),
    (("+celery retries",), "must have `celery` (`+` makes a word required)"),
    (('"task queue"',), "must have the words next to each other, in this order (other word forms such as "
                        "`task queues` count too)"),
    (("migr*",), "have a word starting with `migr`"),
    (("docker -compose",), "have `docker` but not `compose`"),
    (("celery OR rabbitmq",), "must have either word"),
    (("title:docker",), "must have `docker` in the title (or an alias)"),
    (("tag:security", "category:database", "root:nexus"),
     "must have that tag, category or library root (`root:nexus celery`: those of its entries that have `celery`)"),
    (("retrys~",), "have a word within one typo of `retrys` (`~2`: within two)"),
]

SEARCHING = [
    "Type in the search field at the top (**Ctrl+K**); results appear as you type. Type a question the way "
    "you would ask it (`how do I retry a failed task`) or a few words (`celery retries`): words in the title, "
    "aliases, headings and first paragraph count most, and question and filler words never decide whether "
    "an entry is found.",
    "Every entry that has any of the words is listed, but each says what it lacks: the header tells how many "
    "entries have every word and how many have some, and a row that lacks a word shows it struck through "
    "after *Missing:*, so a partial match is never mistaken for a full one.",
    "A misspelt word the library does not know is respelled when that finds entries with every word: "
    "*Showing results for **celery retrys** — search instead for celry retrys*. When nothing is found, "
    "Nexus suggests a spelling (*Did you mean …*).",
    "The query language makes a search strict where you ask for it:",
]


def query_rows() -> list[tuple[str, str]]:
    """The query table's rows as Markdown cells (queries as code, joined by commas)."""
    return [(", ".join(f"`{query}`" for query in queries), finds) for queries, finds in QUERY_SYNTAX]


def help_markdown(version: str = "") -> str:
    """The help page: the query language and the keyboard shortcuts."""
    lines = ["# Nexus help", ""]
    if version:
        lines += [f"Nexus Desktop {version}. Everything works offline.", ""]
    lines += ["## Searching", ""]
    for paragraph in SEARCHING:
        lines += [paragraph, ""]
    lines += ["| you type | finds entries that |", "| :--- | :--- |"]
    lines += [f"| {queries} | {what} |" for queries, what in query_rows()]
    lines += ["", "## Keyboard", "", "| keys | action |", "| :--- | :--- |"]
    lines += [f"| {keys} | {action} |" for keys, action in KEYBOARD]
    lines += ["", "## Links", "",
              "Entry links open in the viewer; **Ctrl+click** or **middle-click** opens them in a new tab. "
              "Web links open in your browser only when you click them. Nothing is ever fetched "
              "from the network.", ""]
    return "\n".join(lines)


def _code(text: str) -> str:
    return f"<code>{html.escape(text)}</code>"


def _inline_html(markdown_text: str) -> str:
    """A table cell's Markdown (plain text with `code` spans) as HTML."""
    parts = markdown_text.split("`")
    return "".join(_code(part) if n % 2 else html.escape(part) for n, part in enumerate(parts))


def query_syntax_html() -> str:
    """The short query-language cheat sheet the empty search panel shows (HTML)."""
    rows = "".join(
        f"<tr><td>{'<br>'.join(_code(query) for query in queries)}</td><td>{_inline_html(finds)}</td></tr>"
        for queries, finds in QUERY_SYNTAX)
    return (f"<p><b>Search the library</b></p><p>Type to search; results appear as you type.</p>"
            f"<table cellspacing='0' cellpadding='3'>{rows}</table>"
            "<p>Enter opens the result, Alt+Enter opens it in a new tab.</p>")
