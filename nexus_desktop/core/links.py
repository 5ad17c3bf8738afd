"""Resolving links between entries: relative Markdown paths and Obsidian-style wikilinks."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import unquote

from nexus_desktop.core.library import MARKDOWN_SUFFIXES

ENTRY_SCHEME = "entry"
TAG_SCHEME = "tag"


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
    def from_refs(cls, refs: Iterable[EntryRef]) -> "LinkResolver":
        return cls({ref.id: ref for ref in refs})

    def add(self, ref: EntryRef) -> None:
        self.refs[ref.id] = ref
        self._index(ref)

    def _index(self, ref: EntryRef) -> None:
        names = [ref.id.rsplit("/", 1)[-1], ref.title, *ref.aliases]
        for name in {_key(n) for n in names if n}:
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
        candidates = self._by_name.get(_key(name.rsplit("/", 1)[-1] if "/" in name else name), [])
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


def _key(name: str) -> str:
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
