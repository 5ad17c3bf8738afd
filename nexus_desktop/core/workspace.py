"""One run's library, index and data folders wired together (used by the CLI and the UI)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nexus_desktop.core.index import CatalogItem, IndexReport, SearchIndex
from nexus_desktop.core.library import BUNDLED_ROOT, Entry, EntryError, FileStat, Root, find_file, read_entry, \
    roots_from_dirs, scan
from nexus_desktop.core.links import EntryRef, LinkResolver
from nexus_desktop.core.render import Renderer
from nexus_desktop.paths import UserDirs, content_dir, user_dirs


@dataclass
class Workspace:
    """The roots that make the library for this run, where its index lives, and its data folder."""

    dirs: UserDirs
    roots: list[Root]
    index_name: str = "library"
    _index: SearchIndex | None = field(default=None, init=False, repr=False)

    @classmethod
    def create(cls, dirs: UserDirs, content: Sequence[str] | None = None,
               user_roots: Sequence[tuple[str, Path]] = ()) -> "Workspace":
        """`--content DIR ...` means exactly those folders; otherwise the bundled KB plus the user's roots."""
        dirs.ensure()
        if content:
            bundled = content_dir().resolve()
            roots = [Root(BUNDLED_ROOT, r.path) if r.path == bundled else r for r in roots_from_dirs(content)]
            digest = hashlib.sha1("\n".join(f"{r.name}={r.path}" for r in roots).encode()).hexdigest()[:12]
            return cls(dirs, roots, f"content-{digest}")
        roots = [Root(BUNDLED_ROOT, content_dir())]
        roots += [Root(name, Path(path)) for name, path in user_roots if name != BUNDLED_ROOT]
        return cls(dirs, roots)

    @classmethod
    def for_run(cls, data_dir: str | Path | None = None,
                content: Sequence[str] | None = None) -> tuple["Workspace", list[str]]:
        """This run's workspace (data folder from `--data-dir`, the environment or platformdirs) and
        notices for the user, e.g. that a damaged user database was set aside."""
        dirs = user_dirs(data_dir).ensure()
        user_roots, notices = ([], []) if content else _user_roots(dirs)
        return cls.create(dirs, content, user_roots), notices

    @property
    def data_dir(self) -> Path:
        return self.dirs.data

    @property
    def index_dir(self) -> Path:
        return self.dirs.indexes / self.index_name

    @property
    def index(self) -> SearchIndex:
        if self._index is None:
            self._index = SearchIndex(self.index_dir)
        return self._index

    def update_index(self, rebuild: bool = False, **kwargs: object) -> IndexReport:
        return self.index.update(self.roots, rebuild=rebuild, **kwargs)  # type: ignore[arg-type]

    def root_paths(self) -> dict[str, Path]:
        return {r.name: r.path for r in self.roots}

    def entry_refs(self) -> list[EntryRef]:
        """Id, title and aliases of every indexed entry."""
        return self.index.entry_refs()

    def known_entries(self) -> "KnownEntries":
        """Every entry of the library as its files are now, with the title and aliases the index has
        for it; nothing is indexed or written (bookmark commands use this)."""
        return KnownEntries(scan(self.roots).files, self.index.catalog_as_is())

    def resolver(self, catalog: Sequence[CatalogItem] | None = None) -> LinkResolver:
        """Resolves links by the index's titles and aliases; relative links also by the files on disk,
        so they work before the first indexing has finished."""
        items = self.index.catalog() if catalog is None else catalog
        resolver = LinkResolver.from_refs(EntryRef(i.id, i.title, i.aliases) for i in items)
        resolver.exists = lambda entry_id: find_file(self.roots, entry_id) is not None
        return resolver

    def renderer(self, palette: str = "light", resolver: LinkResolver | None = None) -> Renderer:
        return Renderer(resolver or self.resolver(), palette, self.root_paths())

    def load_entry(self, entry_id: str) -> Entry | None:
        """The entry with this id, read from disk; None when it is not in the library."""
        stat = find_file(self.roots, entry_id)
        return read_entry(stat) if stat is not None else None


class KnownEntries(Mapping[str, EntryRef]):
    """Entry id -> EntryRef for the files found now: titles from the index as it is; a file the index
    doesn't have yet is read for its title only when its ref is asked for."""

    def __init__(self, files: dict[str, FileStat], catalog: Sequence[CatalogItem]) -> None:
        self._files = files
        self._refs = {item.id: EntryRef(item.id, item.title, item.aliases) for item in catalog if item.id in files}

    def __getitem__(self, entry_id: str) -> EntryRef:
        if entry_id not in self._refs:
            stat = self._files[entry_id]
            try:
                entry = read_entry(stat)
                self._refs[entry_id] = EntryRef(entry_id, entry.title, tuple(entry.aliases))
            except EntryError:
                self._refs[entry_id] = EntryRef(entry_id, "")
        return self._refs[entry_id]

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._files

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)


def _user_roots(dirs: UserDirs) -> tuple[list[tuple[str, Path]], list[str]]:
    """Folders the user added to the library; a damaged user database is reported, not fatal."""
    from nexus_desktop.core.state import RootsStore
    from nexus_desktop.core.userdb import UserDataError, open_user_db

    try:
        db = open_user_db(dirs.data)
    except UserDataError as exc:
        return [], [str(exc)]
    try:
        return list(RootsStore(db).list()), [db.notice] if db.notice else []
    finally:
        db.close()
