"""Links between entries: resolving relative paths and Obsidian-style wikilinks, and the one link policy."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from urllib.parse import quote, unquote

from nexus_desktop.core.entry_ids import canonical_entry_id
from nexus_desktop.core.library import MARKDOWN_SUFFIXES

ENTRY_SCHEME = "entry"
TAG_SCHEME = "tag"
WEB_SCHEMES = ("http", "https", "mailto")  # the only links that leave the app (to the system browser)


class LinkKind(Enum):
    """What following a link does."""

    ANCHOR = "anchor"    # a heading of the page shown
    ENTRY = "entry"      # open an entry of the library
    TAG = "tag"          # search a tag
    WEB = "web"          # http, https, mailto: the system's browser or mail program
    REFUSED = "refused"  # anything else (javascript:, file:, data:, a path outside the library...)


@dataclass(frozen=True)
class LinkAction:
    """A link as the policy reads it: its kind, then the entry id, tag or URL, and a heading anchor."""

    kind: LinkKind
    target: str = ""
    anchor: str = ""


_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")


def url_scheme(url: str) -> str:
    """A URL's scheme, lowercase ("" for a relative link); never raises, whatever the link holds
    (urlsplit refuses e.g. `http://[x` as an invalid IPv6 address)."""
    match = _SCHEME.match(url.strip())
    return match.group(1).lower() if match else ""


def link_action(url: str) -> LinkAction:
    """The link policy, one for the viewer and for exported pages: anchors, entries of the library (by a
    canonical id that stays inside its root), tags and web links are followed; everything else is refused."""
    url = url.strip()
    if url.startswith("#"):
        return LinkAction(LinkKind.ANCHOR, anchor=unquote(url[1:]))
    scheme = url_scheme(url)
    rest = url[len(scheme) + 1:] if scheme else ""
    if scheme == ENTRY_SCHEME:
        path, _, anchor = rest.partition("#")
        entry_id = canonical_id(unquote(path))
        if entry_id:
            return LinkAction(LinkKind.ENTRY, entry_id, unquote(anchor))
    elif scheme == TAG_SCHEME and rest.strip():
        return LinkAction(LinkKind.TAG, unquote(rest).strip())
    elif scheme in WEB_SCHEMES and rest.strip("/ "):
        return LinkAction(LinkKind.WEB, url)
    return LinkAction(LinkKind.REFUSED, url)


def canonical_id(entry_id: str) -> str:
    """An entry id in its one spelling (entry_ids.canonical_entry_id: `kb/a/../x` is `kb/x`); "" when it
    is empty, absolute or leaves its root."""
    if not entry_id or entry_id.startswith("/") or "\x00" in entry_id:
        return ""
    root, _, rel = entry_id.partition("/")
    if not rel.strip("/") or root in (".", ".."):
        return ""
    canonical = canonical_entry_id(entry_id)
    parts = canonical.split("/")[1:]
    return "" if ".." in parts else canonical


def exported_url(entry_id: str, anchor: str, from_id: str) -> str:
    """Where a link to an entry points in exported pages, each entry at `ROOT/path.html`: a relative URL
    a browser follows (just `#anchor` within the same page)."""
    fragment = f"#{quote(anchor)}" if anchor else ""
    if entry_id == from_id and fragment:
        return fragment
    path = posixpath.relpath(f"{entry_id}.html", posixpath.dirname(from_id) or ".")
    return quote(path) + fragment


@dataclass(frozen=True)
class EntryRef:
    """Just enough of an entry to resolve a link to it: its id, title and aliases."""

    id: str
    title: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class LinkTarget:
    """A resolved link: the entry id and an optional heading anchor."""

    entry_id: str
    anchor: str = ""

    @property
    def url(self) -> str:
        return entry_url(self.entry_id, self.anchor)


def entry_url(entry_id: str, anchor: str = "") -> str:
    """The URL the viewer uses for an entry: `entry:ROOT/path#anchor`."""
    return f"{ENTRY_SCHEME}:{entry_id}" + (f"#{anchor}" if anchor else "")


@dataclass
class LinkResolver:
    """Resolves link targets against the entries of a library."""

    refs: dict[str, EntryRef] = field(default_factory=dict)
    exists: Callable[[str], bool] | None = None  # asked about ids the refs don't know (files on disk)
    _by_name: dict[str, list[str]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        for ref in self.refs.values():
            self._index(ref)

    @classmethod
    def from_refs(cls, refs: Iterable[EntryRef]) -> LinkResolver:
        return cls({ref.id: ref for ref in refs})

    def add(self, ref: EntryRef) -> None:
        self.refs[ref.id] = ref
        self._index(ref)

    def _index(self, ref: EntryRef) -> None:
        names = [ref.id.rsplit("/", 1)[-1], ref.title, *ref.aliases]
        for name in {name_key(n) for n in names if n}:
            bucket = self._by_name.setdefault(name, [])
            if ref.id not in bucket:
                bucket.append(ref.id)

    def __contains__(self, entry_id: str) -> bool:
        return entry_id in self.refs

    def wikilink(self, target: str, from_id: str = "") -> LinkTarget | None:
        """`[[Target#Heading]]`: by path, file name, title or alias (Obsidian-style), nearest first."""
        name, _, heading = target.partition("#")
        name = name.strip()
        anchor = _heading_anchor(heading)
        if not name:
            return LinkTarget(from_id, anchor) if from_id and anchor else None
        by_path = self._by_path(name, from_id)
        if by_path:
            return LinkTarget(by_path, anchor)
        candidates = self._by_name.get(name_key(name.rsplit("/", 1)[-1] if "/" in name else name), [])
        if not candidates:
            return None
        return LinkTarget(_nearest(candidates, from_id), anchor)

    def _by_path(self, name: str, from_id: str) -> str | None:
        stem = _strip_suffix(name)
        root = from_id.partition("/")[0]
        for candidate in (f"{root}/{stem}", stem):
            if candidate in self.refs:
                return candidate
        return None

    def relative(self, href: str, from_id: str) -> LinkTarget | None:
        """A relative Markdown link (`../docker/compose.md#volumes`) from an entry; None if outside."""
        path, _, fragment = href.partition("#")
        path = unquote(path)
        if not path:
            return LinkTarget(from_id, fragment) if fragment else None
        root, _, rel = from_id.partition("/")
        base = posixpath.dirname(rel)
        joined = posixpath.normpath(posixpath.join(base, path)) if not path.startswith("/") else path.lstrip("/")
        if joined.startswith("../") or joined == "..":
            return None
        candidate = f"{root}/{_strip_suffix(joined)}"
        if candidate in self.refs or (self.exists is not None and self.exists(candidate)):
            return LinkTarget(candidate, fragment)
        return None


def name_key(name: str) -> str:
    """How an entry's names are compared, Obsidian-style (links and bookmark reconciliation alike): case,
    `-`, `_`, spacing and a Markdown suffix aside, so `docker-compose` names "Docker Compose"."""
    return " ".join(_strip_suffix(name).replace("_", " ").replace("-", " ").lower().split())


def _strip_suffix(name: str) -> str:
    lower = name.lower()
    for suffix in MARKDOWN_SUFFIXES:
        if lower.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _heading_anchor(heading: str) -> str:
    from markdown.extensions.toc import slugify_unicode

    heading = heading.strip().lstrip("^")
    return slugify_unicode(heading, "-") if heading else ""


def _nearest(candidates: list[str], from_id: str) -> str:
    """Among entries sharing a name, prefer the same root, then the shortest path."""
    root = from_id.partition("/")[0]
    return min(candidates, key=lambda c: (c.partition("/")[0] != root, c.count("/"), c))
