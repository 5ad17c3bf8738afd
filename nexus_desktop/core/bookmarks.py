"""Bookmarks, bookmark folders and saved searches, stored in the user database."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Literal

from nexus_desktop.core.entry_ids import canonical_entry_id
from nexus_desktop.core.links import EntryRef, name_key
from nexus_desktop.core.userdb import UserDataError, UserDB

# EntryRef(id, title, aliases=()) is shared with link resolution (core.links) and re-exported
# here: reconcile() takes the same refs the index hands out (Index.entry_refs()).
__all__ = ["Bookmark", "BookmarkError", "BookmarkStore", "EntryRef", "Folder", "FolderNode",
           "MergeResult", "NewBookmark", "NotFoundError", "ReconcileReport", "Removed"]

Kind = Literal["entry", "search"]
SortKey = Literal["title", "created"]
ProgressFn = Callable[[int, int], None]

_BOOKMARK_COLS = ("id, kind, entry_id, query, title, anchor, note, folder_id, position, "
                  "created, updated, missing")
_FOLDER_COLS = "id, name, parent_id, position, created"


class BookmarkError(UserDataError):
    """A bookmark operation could not be done (unknown id, a folder cycle, bad argument)."""


class NotFoundError(BookmarkError):
    """No bookmark or folder with that id."""


@dataclass(frozen=True)
class Bookmark:
    """One bookmark: an entry (optionally a heading anchor in it) or a saved search."""

    id: int
    kind: Kind
    entry_id: str | None
    query: str | None
    title: str
    anchor: str | None
    note: str
    folder_id: int | None
    position: int
    created: str
    updated: str
    missing: bool = False

    @property
    def is_search(self) -> bool:
        """True for a saved search."""
        return self.kind == "search"


@dataclass(frozen=True)
class Folder:
    """A bookmark folder; parent_id None means top level."""

    id: int
    name: str
    parent_id: int | None
    position: int
    created: str


@dataclass
class FolderNode:
    """A folder with its sub-folders and bookmarks in order; the root node has folder None."""

    folder: Folder | None
    folders: list[FolderNode] = field(default_factory=list)
    bookmarks: list[Bookmark] = field(default_factory=list)

    def walk(self) -> Iterable[Bookmark]:
        """Every bookmark under this node, depth first (sub-folders before own bookmarks)."""
        for sub in self.folders:
            yield from sub.walk()
        yield from self.bookmarks


@dataclass(frozen=True)
class Removed:
    """What delete() removed, enough for restore() to put it back exactly."""

    folders: tuple[Folder, ...] = ()
    bookmarks: tuple[Bookmark, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.folders or self.bookmarks)


@dataclass
class ReconcileReport:
    """Result of reconcile(): still missing, re-pointed (id -> new entry id), ambiguous candidates."""

    missing: list[int] = field(default_factory=list)
    repointed: dict[int, str] = field(default_factory=dict)
    ambiguous: dict[int, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class NewBookmark:
    """A bookmark to insert in bulk (import): its folder is given as a path of names."""

    kind: Kind
    title: str
    entry_id: str | None = None
    query: str | None = None
    anchor: str | None = None
    note: str = ""
    folder_path: tuple[str, ...] = ()
    created: str | None = None
    updated: str | None = None

    def __post_init__(self) -> None:  # every insert goes through here: ids are stored in one spelling
        if self.entry_id is not None:
            object.__setattr__(self, "entry_id", canonical_entry_id(self.entry_id))


@dataclass(frozen=True)
class MergeResult:
    """Counts from merge(): bookmarks added, duplicates skipped, folders created."""

    added: int
    duplicates: int
    folders_created: int


def now_iso() -> str:
    """The current UTC time as ISO 8601 with seconds."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def split_folder_path(path: str | Sequence[str]) -> tuple[str, ...]:
    """'A/B' or ['A', 'B'] -> ('A', 'B'); empty segments dropped."""
    parts = path.split("/") if isinstance(path, str) else list(path)
    return tuple(p.strip() for p in parts if p and p.strip())


def _bookmark(row: sqlite3.Row) -> Bookmark:
    return Bookmark(id=row["id"], kind=row["kind"], entry_id=row["entry_id"], query=row["query"],
                    title=row["title"], anchor=row["anchor"], note=row["note"],
                    folder_id=row["folder_id"], position=row["position"],
                    created=row["created"], updated=row["updated"], missing=bool(row["missing"]))


def _folder(row: sqlite3.Row) -> Folder:
    return Folder(id=row["id"], name=row["name"], parent_id=row["parent_id"],
                  position=row["position"], created=row["created"])


def _file_name(entry_id: str) -> str:
    return name_key(entry_id.rstrip("/").rsplit("/", 1)[-1])


class BookmarkStore:
    """Bookmarks and folders; every public mutating method is one transaction."""

    def __init__(self, db: UserDB) -> None:
        self.db = db

    # ----- reading -------------------------------------------------------------------------

    def get(self, bookmark_id: int) -> Bookmark:
        """The bookmark with this id (NotFoundError if none)."""
        row = self.db.query_one(f"SELECT {_BOOKMARK_COLS} FROM bookmark WHERE id = ?", (bookmark_id,))
        if row is None:
            raise NotFoundError(f"no bookmark with id {bookmark_id}")
        return _bookmark(row)

    def get_folder(self, folder_id: int) -> Folder:
        """The folder with this id (NotFoundError if none)."""
        row = self.db.query_one(f"SELECT {_FOLDER_COLS} FROM bookmark_folder WHERE id = ?", (folder_id,))
        if row is None:
            raise NotFoundError(f"no bookmark folder with id {folder_id}")
        return _folder(row)

    def bookmarks(self, folder_id: int | None = None) -> list[Bookmark]:
        """Bookmarks directly in a folder (None = top level), in order."""
        rows = self.db.query(
            f"SELECT {_BOOKMARK_COLS} FROM bookmark WHERE folder_id IS ? ORDER BY position, id", (folder_id,))
        return [_bookmark(r) for r in rows]

    def all_bookmarks(self) -> list[Bookmark]:
        """Every bookmark, in tree order."""
        return list(self.tree().walk())

    def count(self) -> int:
        """Number of bookmarks (entries and saved searches)."""
        return int(self.db.query("SELECT count(*) FROM bookmark")[0][0])

    def folders(self, parent_id: int | None = None) -> list[Folder]:
        """Sub-folders directly in a folder (None = top level), in order."""
        rows = self.db.query(
            f"SELECT {_FOLDER_COLS} FROM bookmark_folder WHERE parent_id IS ? ORDER BY position, id", (parent_id,))
        return [_folder(r) for r in rows]

    def tree(self) -> FolderNode:
        """The whole tree: root node (folder None) with nested folders and bookmarks in order."""
        with self.db.read() as conn:  # folders and bookmarks of one committed state
            folders = [_folder(r) for r in conn.execute(
                f"SELECT {_FOLDER_COLS} FROM bookmark_folder ORDER BY position, id")]
            marks = [_bookmark(r) for r in conn.execute(
                f"SELECT {_BOOKMARK_COLS} FROM bookmark ORDER BY position, id")]
        root = FolderNode(None)
        nodes: dict[int | None, FolderNode] = {None: root}
        for f in folders:
            nodes[f.id] = FolderNode(f)
        for f in folders:
            nodes.get(f.parent_id, root).folders.append(nodes[f.id])
        for b in marks:
            nodes.get(b.folder_id, root).bookmarks.append(b)
        return root

    def find(self, entry_id: str, anchor: str | None = None) -> Bookmark | None:
        """The first bookmark of this entry with exactly this anchor, or None."""
        row = self.db.query_one(
            f"SELECT {_BOOKMARK_COLS} FROM bookmark WHERE kind = 'entry' AND entry_id = ? "
            "AND anchor IS ? ORDER BY id LIMIT 1", (canonical_entry_id(entry_id), anchor))
        return _bookmark(row) if row else None

    def find_all(self, entry_id: str) -> list[Bookmark]:
        """Every bookmark of this entry (any anchor, any folder)."""
        rows = self.db.query(
            f"SELECT {_BOOKMARK_COLS} FROM bookmark WHERE kind = 'entry' AND entry_id = ? "
            "ORDER BY id", (canonical_entry_id(entry_id),))
        return [_bookmark(r) for r in rows]

    def is_bookmarked(self, entry_id: str) -> bool:
        """True when at least one bookmark points at this entry."""
        return self.db.query_one(
            "SELECT 1 FROM bookmark WHERE kind = 'entry' AND entry_id = ? LIMIT 1",
            (canonical_entry_id(entry_id),)) is not None

    def folder_path(self, folder_id: int | None) -> tuple[str, ...]:
        """Names from the top level down to this folder (() for top level)."""
        names: list[str] = []
        seen: set[int] = set()
        with self.db.read():  # every step up the same tree, even while another thread moves folders
            while folder_id is not None and folder_id not in seen:
                seen.add(folder_id)
                f = self.get_folder(folder_id)
                names.append(f.name)
                folder_id = f.parent_id
        return tuple(reversed(names))

    # ----- bookmarks -----------------------------------------------------------------------

    def add(self, entry_id: str, title: str, *, anchor: str | None = None, note: str = "",
            folder_id: int | None = None) -> Bookmark:
        """Bookmark an entry at the end of a folder; an existing (entry_id, anchor) is returned."""
        if not entry_id:
            raise BookmarkError("a bookmark needs an entry id")
        with self.db.transaction() as conn:
            existing = self.find(entry_id, anchor or None)
            if existing is not None:
                return existing
            new_id = self._insert(conn, NewBookmark("entry", title or entry_id, entry_id=entry_id,
                                              anchor=anchor or None, note=note), folder_id)
            return self.get(new_id)

    def add_search(self, query: str, title: str = "", folder_id: int | None = None, *,
                   note: str = "") -> Bookmark:
        """Save a search query as a bookmark; an identical query in the same folder is returned."""
        if not query.strip():
            raise BookmarkError("a saved search needs a query")
        with self.db.transaction() as conn:
            row = conn.execute(
                f"SELECT {_BOOKMARK_COLS} FROM bookmark WHERE kind = 'search' AND query = ? "
                "AND folder_id IS ? LIMIT 1", (query, folder_id)).fetchone()
            if row is not None:
                return _bookmark(row)
            new_id = self._insert(conn, NewBookmark("search", title or query, query=query, note=note),
                                  folder_id)
            return self.get(new_id)

    def toggle(self, entry_id: str, title: str, *, anchor: str | None = None,
               folder_id: int | None = None) -> Bookmark | None:
        """The one toggle rule (Ctrl+D, the star, the popover): add the bookmark, or remove what is
        there; returns the new bookmark or None when it removed.

        Without an anchor it acts on the entry as the star shows it: an entry with any bookmark (a
        heading's too) is bookmarked, and toggling removes every bookmark of it. With an anchor it
        acts on that heading's bookmark only. A new bookmark goes to the end of `folder_id` (when that
        folder still exists; else the top level).
        """
        with self.db.transaction():
            if anchor is None and self.is_bookmarked(entry_id):
                self.remove_entry(entry_id)
                return None
            existing = self.find(entry_id, anchor) if anchor is not None else None
            if existing is not None:
                self.remove(existing.id)
                return None
            if folder_id is not None and not self._folder_exists(folder_id):
                folder_id = None
            return self.add(entry_id, title, anchor=anchor, folder_id=folder_id)

    def bookmarked_ids(self) -> frozenset[str]:
        """Every entry id with at least one bookmark (what stars are drawn from, in one query)."""
        rows = self.db.query("SELECT DISTINCT entry_id FROM bookmark WHERE kind = 'entry' AND entry_id IS NOT NULL")
        return frozenset(str(r[0]) for r in rows)

    def repoint(self, bookmark_id: int, entry_id: str) -> Bookmark:
        """Point a bookmark at another entry (a moved file), keeping its title, note, anchor and place;
        when that entry already has this bookmark, the duplicate goes and the existing one takes its place."""
        with self.db.transaction() as conn:
            old = self.get(bookmark_id)
            twin = self.find(entry_id, old.anchor)
            if twin is None or twin.id == old.id:
                conn.execute("UPDATE bookmark SET entry_id = ?, missing = 0, updated = ? WHERE id = ?",
                             (entry_id, now_iso(), bookmark_id))
                return self.get(bookmark_id)
            self.delete(bookmark_ids=[old.id])
            return self.move(twin.id, old.folder_id, old.position)

    def remove(self, bookmark_id: int) -> Removed:
        """Delete one bookmark; returns what it removed, for restore()."""
        return self.delete(bookmark_ids=[bookmark_id])

    def remove_entry(self, entry_id: str) -> Removed:
        """Delete every bookmark of this entry; returns what it removed, for restore()."""
        with self.db.transaction():
            return self.delete(bookmark_ids=[b.id for b in self.find_all(entry_id)])

    def rename(self, bookmark_id: int, title: str) -> Bookmark:
        """Change a bookmark's title."""
        return self._update(bookmark_id, "title", title)

    def set_note(self, bookmark_id: int, note: str) -> Bookmark:
        """Change a bookmark's note."""
        return self._update(bookmark_id, "note", note)

    def set_anchor(self, bookmark_id: int, anchor: str | None) -> Bookmark:
        """Change a bookmark's heading anchor."""
        return self._update(bookmark_id, "anchor", anchor or None)

    def move(self, bookmark_id: int, folder_id: int | None, position: int | None = None) -> Bookmark:
        """Move a bookmark into a folder (None = top level) at a position (None = at the end)."""
        with self.db.transaction() as conn:
            b = self.get(bookmark_id)
            if folder_id is not None:
                self.get_folder(folder_id)
            conn.execute("UPDATE bookmark SET position = -1 WHERE id = ?", (bookmark_id,))
            _close_gap(conn, "bookmark", "folder_id", b.folder_id, b.position)
            pos = _clamp_pos(conn, "bookmark", "folder_id", folder_id, position)
            _open_gap(conn, "bookmark", "folder_id", folder_id, pos)
            conn.execute("UPDATE bookmark SET folder_id = ?, position = ?, updated = ? WHERE id = ?",
                         (folder_id, pos, now_iso(), bookmark_id))
            return self.get(bookmark_id)

    # ----- folders -------------------------------------------------------------------------

    def create_folder(self, name: str, parent_id: int | None = None) -> Folder:
        """Create a folder at the end of its parent (None = top level)."""
        name = _check_name(name)
        with self.db.transaction() as conn:
            if parent_id is not None:
                self.get_folder(parent_id)
            pos = _append_pos(conn, "bookmark_folder", "parent_id", parent_id)
            cur = conn.execute(
                "INSERT INTO bookmark_folder (parent_id, name, position, created) VALUES (?,?,?,?)",
                (parent_id, name, pos, now_iso()))
            return self.get_folder(int(cur.lastrowid or 0))

    def rename_folder(self, folder_id: int, name: str) -> Folder:
        """Rename a folder."""
        name = _check_name(name)
        with self.db.transaction() as conn:
            self.get_folder(folder_id)
            conn.execute("UPDATE bookmark_folder SET name = ? WHERE id = ?", (name, folder_id))
            return self.get_folder(folder_id)

    def move_folder(self, folder_id: int, parent_id: int | None,
                    position: int | None = None) -> Folder:
        """Move a folder under another (None = top level); moving it into itself is refused."""
        with self.db.transaction() as conn:
            f = self.get_folder(folder_id)
            if parent_id is not None and folder_id in self._ancestors(parent_id):
                raise BookmarkError(f"cannot move folder {f.name!r} into itself or a sub-folder")
            conn.execute("UPDATE bookmark_folder SET position = -1 WHERE id = ?", (folder_id,))
            _close_gap(conn, "bookmark_folder", "parent_id", f.parent_id, f.position)
            pos = _clamp_pos(conn, "bookmark_folder", "parent_id", parent_id, position)
            _open_gap(conn, "bookmark_folder", "parent_id", parent_id, pos)
            conn.execute("UPDATE bookmark_folder SET parent_id = ?, position = ? WHERE id = ?",
                         (parent_id, pos, folder_id))
            return self.get_folder(folder_id)

    def delete_folder(self, folder_id: int) -> Removed:
        """Delete a folder with everything in it; returns what it removed, for restore()."""
        return self.delete(folder_ids=[folder_id])

    def folder_by_path(self, path: str | Sequence[str], create: bool = False) -> Folder | None:
        """The folder at 'A/B' (first of equal names); created when missing if create is True."""
        names = split_folder_path(path)
        if not names:
            raise BookmarkError("empty folder path")
        with self.db.transaction():
            parent: Folder | None = None
            for name in names:
                match = next((f for f in self.folders(parent.id if parent else None)
                              if f.name == name), None)
                if match is None:
                    if not create:
                        return None
                    match = self.create_folder(name, parent.id if parent else None)
                parent = match
            return parent

    def sort_folder(self, folder_id: int | None, by: SortKey = "title") -> None:
        """Re-order a folder's bookmarks (and, by title, its sub-folders) by title or by created."""
        if by not in ("title", "created"):
            raise BookmarkError(f"cannot sort by {by!r} (use 'title' or 'created')")
        with self.db.transaction() as conn:
            marks = self.bookmarks(folder_id)
            if by == "title":
                marks.sort(key=lambda b: (b.title.casefold(), b.id))
                subs = sorted(self.folders(folder_id), key=lambda f: (f.name.casefold(), f.id))
            else:
                marks.sort(key=lambda b: (b.created, b.id))
                subs = sorted(self.folders(folder_id), key=lambda f: (f.created, f.id))
            conn.executemany("UPDATE bookmark SET position = ? WHERE id = ?",
                             [(i, b.id) for i, b in enumerate(marks)])
            conn.executemany("UPDATE bookmark_folder SET position = ? WHERE id = ?",
                             [(i, f.id) for i, f in enumerate(subs)])

    # ----- delete and undo -----------------------------------------------------------------

    def delete(self, bookmark_ids: Iterable[int] = (), folder_ids: Iterable[int] = ()) -> Removed:
        """Delete bookmarks and folders (with their contents) in one transaction; see restore()."""
        with self.db.transaction() as conn:
            folders = self._collect_folders(folder_ids)
            fids = {f.id for f in folders}
            marks = {b.id: b for b in self._bookmarks_in(fids)}
            for bid in bookmark_ids:
                marks.setdefault(bid, self.get(bid))
            removed = Removed(tuple(sorted(folders, key=lambda f: (self._depth(f, folders), f.position))),
                              tuple(sorted(marks.values(), key=lambda b: b.position)))
            for b in sorted(removed.bookmarks, key=lambda b: -b.position):
                if b.folder_id not in fids:
                    conn.execute("DELETE FROM bookmark WHERE id = ?", (b.id,))
                    _close_gap(conn, "bookmark", "folder_id", b.folder_id, b.position)
            for f in sorted(folders, key=lambda f: -f.position):
                if f.parent_id not in fids:
                    conn.execute("DELETE FROM bookmark_folder WHERE id = ?", (f.id,))
                    _close_gap(conn, "bookmark_folder", "parent_id", f.parent_id, f.position)
            return removed

    def restore(self, removed: Removed) -> None:
        """Undo delete(): put every folder and bookmark back with the same ids, places and dates."""
        try:
            self._restore(removed)
        except sqlite3.IntegrityError as exc:
            raise BookmarkError(f"cannot restore: already restored or ids reused ({exc})") from exc

    def _restore(self, removed: Removed) -> None:
        with self.db.transaction() as conn:
            restored: set[int] = set()
            for f in removed.folders:
                parent = f.parent_id if f.parent_id is None or f.parent_id in restored \
                    or self._folder_exists(f.parent_id) else None
                pos = _clamp_pos(conn, "bookmark_folder", "parent_id", parent, f.position)
                _open_gap(conn, "bookmark_folder", "parent_id", parent, pos)
                conn.execute("INSERT INTO bookmark_folder (id, parent_id, name, position, created) "
                             "VALUES (?,?,?,?,?)", (f.id, parent, f.name, pos, f.created))
                restored.add(f.id)
            for b in removed.bookmarks:
                folder = b.folder_id if b.folder_id is None or self._folder_exists(b.folder_id) \
                    else None
                pos = _clamp_pos(conn, "bookmark", "folder_id", folder, b.position)
                _open_gap(conn, "bookmark", "folder_id", folder, pos)
                conn.execute(
                    "INSERT INTO bookmark (id, kind, entry_id, query, title, anchor, note, "
                    "folder_id, position, created, updated, missing) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    (b.id, b.kind, b.entry_id, b.query, b.title, b.anchor, b.note, folder, pos,
                     b.created, b.updated, int(b.missing)))

    # ----- reconcile with the library ------------------------------------------------------

    def reconcile(self, known: Mapping[str, EntryRef]) -> ReconcileReport:
        """Mark bookmarks of unknown entries missing; re-point those with exactly one match: an entry
        whose title, alias or file name is the bookmark's title or file name (compared by name_key, as
        links resolve names)."""
        report = ReconcileReport()
        by_name: dict[str, set[str]] = {}
        with self.db.transaction() as conn:
            rows = conn.execute(
                "SELECT id, entry_id, title, missing FROM bookmark WHERE kind = 'entry'").fetchall()
            if any(row["entry_id"] not in known for row in rows):  # the name indexes only when needed
                for ref in known.values():
                    for key in {name_key(n) for n in (ref.title, *ref.aliases) if n} | {_file_name(ref.id)}:
                        by_name.setdefault(key, set()).add(ref.id)
            for row in rows:
                self._reconcile_one(conn, row, known, by_name, report)
        return report

    def _reconcile_one(self, conn: sqlite3.Connection, row: sqlite3.Row, known: Mapping[str, EntryRef],
                       by_name: dict[str, set[str]], report: ReconcileReport) -> None:
        bid, entry_id = row["id"], row["entry_id"]
        if entry_id in known:
            if row["missing"]:
                conn.execute("UPDATE bookmark SET missing = 0 WHERE id = ?", (bid,))
            return
        candidates = by_name.get(name_key(row["title"]), set()) | by_name.get(_file_name(entry_id), set())
        if len(candidates) == 1:
            new_id = next(iter(candidates))
            conn.execute("UPDATE bookmark SET entry_id = ?, missing = 0, updated = ? WHERE id = ?",
                         (new_id, now_iso(), bid))
            report.repointed[bid] = new_id
            return
        if candidates:
            report.ambiguous[bid] = sorted(candidates)
        report.missing.append(bid)
        if not row["missing"]:
            conn.execute("UPDATE bookmark SET missing = 1 WHERE id = ?", (bid,))

    # ----- bulk insert (import) ------------------------------------------------------------

    def merge(self, items: Sequence[NewBookmark], folders: Sequence[tuple[str, ...]] = (),
              folder_created: Mapping[tuple[str, ...], str] | None = None,
              progress: ProgressFn | None = None) -> MergeResult:
        """Insert many bookmarks in ONE transaction, skipping duplicates (same key, same folder).

        A duplicate is the same entry_id + anchor (or the same saved query) in the same folder
        path, either already stored or earlier in `items`. `folders` lists folder paths to
        create even when empty; `folder_created` gives creation dates for new folders.
        """
        created_dates = dict(folder_created or {})
        with self.db.transaction() as conn:
            paths = self._folder_paths()
            n_folders_before = len(paths)
            ids: dict[tuple[str, ...], int | None] = {(): None}
            for path, known_id in paths.items():
                ids.setdefault(path, known_id)

            def folder_id(path: tuple[str, ...]) -> int | None:
                if path not in ids:
                    parent = folder_id(path[:-1])
                    pos = _append_pos(conn, "bookmark_folder", "parent_id", parent)
                    cur = conn.execute(
                        "INSERT INTO bookmark_folder (parent_id, name, position, created) "
                        "VALUES (?,?,?,?)", (parent, path[-1], pos, created_dates.get(path) or now_iso()))
                    ids[path] = int(cur.lastrowid or 0)
                return ids[path]

            for path in folders:
                folder_id(tuple(path))
            seen = self._existing_keys()
            next_pos: dict[int | None, int] = {}
            added = dups = 0
            for i, item in enumerate(items):
                fid = folder_id(item.folder_path)
                key = (fid, item.kind, item.entry_id if item.kind == "entry" else item.query,
                       item.anchor or None)
                if key in seen:
                    dups += 1
                else:
                    seen.add(key)
                    if fid not in next_pos:
                        next_pos[fid] = _append_pos(conn, "bookmark", "folder_id", fid)
                    self._insert_row(conn, item, fid, next_pos[fid])
                    next_pos[fid] += 1
                    added += 1
                if progress is not None:
                    progress(i + 1, len(items))
            return MergeResult(added, dups, len(ids) - 1 - n_folders_before)

    # ----- internals -----------------------------------------------------------------------

    def _insert(self, conn: sqlite3.Connection, item: NewBookmark, folder_id: int | None) -> int:
        if folder_id is not None:
            self.get_folder(folder_id)
        return self._insert_row(conn, item, folder_id,
                                _append_pos(conn, "bookmark", "folder_id", folder_id))

    @staticmethod
    def _insert_row(conn: sqlite3.Connection, item: NewBookmark, folder_id: int | None,
                    position: int) -> int:
        stamp = now_iso()
        created = item.created or stamp
        cur = conn.execute(
            "INSERT INTO bookmark (kind, entry_id, query, title, anchor, note, folder_id, "
            "position, created, updated) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (item.kind, item.entry_id if item.kind == "entry" else None,
             item.query if item.kind == "search" else None, item.title,
             item.anchor or None, item.note or "", folder_id, position, created,
             item.updated or created))
        return int(cur.lastrowid or 0)

    def _update(self, bookmark_id: int, column: str, value: object) -> Bookmark:
        with self.db.transaction() as conn:
            self.get(bookmark_id)
            conn.execute(f"UPDATE bookmark SET {column} = ?, updated = ? WHERE id = ?",
                         (value, now_iso(), bookmark_id))
            return self.get(bookmark_id)

    def _folder_exists(self, folder_id: int) -> bool:
        return self.db.query_one("SELECT 1 FROM bookmark_folder WHERE id = ?", (folder_id,)) is not None

    def _ancestors(self, folder_id: int) -> set[int]:
        """This folder and every folder above it."""
        out: set[int] = set()
        current: int | None = folder_id
        while current is not None and current not in out:
            out.add(current)
            current = self.get_folder(current).parent_id
        return out

    def _collect_folders(self, folder_ids: Iterable[int]) -> list[Folder]:
        """The given folders and all their descendants."""
        found: dict[int, Folder] = {}
        todo = [self.get_folder(fid) for fid in folder_ids]
        while todo:
            f = todo.pop()
            if f.id not in found:
                found[f.id] = f
                todo.extend(self.folders(f.id))
        return list(found.values())

    def _bookmarks_in(self, folder_ids: set[int]) -> list[Bookmark]:
        out: list[Bookmark] = []
        for fid in folder_ids:
            out.extend(self.bookmarks(fid))
        return out

    @staticmethod
    def _depth(folder: Folder, among: list[Folder]) -> int:
        parents = {f.id: f.parent_id for f in among}
        depth, current = 0, folder.parent_id
        while current in parents:
            depth, current = depth + 1, parents[current]
        return depth

    def _folder_paths(self) -> dict[tuple[str, ...], int]:
        """Every folder's path of names -> id (first folder wins for equal paths)."""
        rows = self.db.query("SELECT id, parent_id, name FROM bookmark_folder ORDER BY position, id")
        parent = {r["id"]: r["parent_id"] for r in rows}
        name = {r["id"]: r["name"] for r in rows}
        out: dict[tuple[str, ...], int] = {}
        for r in rows:
            names, cur, seen = [], r["id"], set()
            while cur is not None and cur in name and cur not in seen:
                seen.add(cur)
                names.append(name[cur])
                cur = parent[cur]
            out.setdefault(tuple(reversed(names)), r["id"])
        return out

    def _existing_keys(self) -> set[tuple[int | None, str, str | None, str | None]]:
        rows = self.db.query("SELECT folder_id, kind, coalesce(entry_id, query), anchor FROM bookmark")
        return {(r[0], r[1], r[2], r[3]) for r in rows}


def heading_title(entry_title: str, heading: str) -> str:
    """The title a heading's bookmark gets: `Entry › Heading`."""
    return f"{entry_title} \u203a {heading}" if heading else entry_title


def drop_position(row: int, folders_in_target: int, *, is_folder: bool, same_parent: bool,
                  position: int) -> int | None:
    """Where an item dropped before view row `row` of a folder goes among items of its kind (a folder
    lists its sub-folders first, then its bookmarks); None means at the end. An item moved down within
    its own folder lands one place higher: its old place closes first."""
    if row < 0:
        return None
    new = min(row, folders_in_target) if is_folder else max(0, row - folders_in_target)
    if same_parent and position < new:
        new -= 1
    return new


def step_position(position: int, step: int, siblings: int) -> int | None:
    """The place an item moved `step` places (Ctrl+Up/Down) takes among `siblings`; None when it can't move."""
    new = position + step
    return new if 0 <= new < siblings and step else None


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise BookmarkError("a folder needs a name")
    return name


def _append_pos(conn: sqlite3.Connection, table: str, parent_col: str, parent: int | None) -> int:
    row = conn.execute(f"SELECT coalesce(max(position) + 1, 0) FROM {table} "
                       f"WHERE {parent_col} IS ?", (parent,)).fetchone()
    return int(row[0])


def _clamp_pos(conn: sqlite3.Connection, table: str, parent_col: str, parent: int | None,
               position: int | None) -> int:
    end = _append_pos(conn, table, parent_col, parent)
    return end if position is None else max(0, min(position, end))


def _open_gap(conn: sqlite3.Connection, table: str, parent_col: str, parent: int | None,
              position: int) -> None:
    conn.execute(f"UPDATE {table} SET position = position + 1 "
                 f"WHERE {parent_col} IS ? AND position >= ?", (parent, position))


def _close_gap(conn: sqlite3.Connection, table: str, parent_col: str, parent: int | None,
               position: int) -> None:
    conn.execute(f"UPDATE {table} SET position = position - 1 "
                 f"WHERE {parent_col} IS ? AND position > ?", (parent, position))
