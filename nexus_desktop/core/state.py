"""Persisted desktop state in the user database: session, preferences, library roots, recent entries."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nexus_desktop.core.bookmarks import now_iso
from nexus_desktop.core.library import root_name_for
from nexus_desktop.core.userdb import UserDataError, UserDB

BUNDLED_ROOT = "nexus"
USER_LIBRARY = ""          # the library of a normal launch: the bundled one plus the folders the user added
SESSION_LIBRARY_KEY = "session.library"  # the preference naming the library the stored session belongs to
USER_SESSION_KEY = "session.user"        # the user's own session, kept while a --content run saves its own
RECENT_KEEP = 200
MAX_SCROLL = 2**31 - 1     # a scroll position Qt can take (a 32-bit int)
ZOOM_RANGE = (-6, 12)      # zoom steps the window offers


@dataclass(frozen=True)
class HistoryItem:
    """One page in a tab's history."""

    entry_id: str
    scroll: int = 0
    anchor: str | None = None


@dataclass
class TabState:
    """One tab: its back/forward history and the index of the page shown."""

    history: list[HistoryItem] = field(default_factory=list)
    index: int = 0


@dataclass
class Session:
    """Open tabs, the current tab and the zoom level."""

    tabs: list[TabState] = field(default_factory=list)
    current: int = 0
    zoom: int = 0


@dataclass(frozen=True)
class RecentEntry:
    """An entry opened recently."""

    entry_id: str
    title: str
    visited: str


def _clamp(value: int, count: int) -> int:
    return max(0, min(int(value), count - 1)) if count else 0


def _int_or(value: object, default: int) -> int:
    """`value` as an int when it is one (SQLite may hand back any type), else `default`."""
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def history_item(entry_id: object, scroll: object, anchor: object) -> HistoryItem | None:
    """A history item from stored values, clamped into range; None when the entry id is unusable."""
    if not isinstance(entry_id, str) or not entry_id:
        return None
    position = max(0, min(_int_or(scroll, 0), MAX_SCROLL))
    return HistoryItem(entry_id, position, anchor if isinstance(anchor, str) and anchor else None)


def session_library(content: Sequence[str] | None) -> str:
    """The library a session belongs to: USER_LIBRARY for a normal launch, else the `--content` folders
    of the run (resolved, in a stable order), so a session made in one library is never shown in another."""
    if not content:
        return USER_LIBRARY
    folders = sorted({str(Path(folder).expanduser().resolve()) for folder in content})
    return "content:" + "\n".join(folders)


def _session(tabs: list[tuple[object, list[tuple[object, object, object]]]], current: object, zoom: object) -> Session:
    """A session from stored values (history index, (entry id, scroll, anchor) rows per tab), damaged
    values dropped or clamped: a bad session entry never stops the window from opening."""
    states: list[TabState] = []
    for index, rows in tabs:
        history = [item for item in (history_item(*row) for row in rows) if item is not None]
        if history:
            states.append(TabState(history, _clamp(_int_or(index, 0), len(history))))
    return Session(states, _clamp(_int_or(current, 0), len(states)),
                   max(ZOOM_RANGE[0], min(ZOOM_RANGE[1], _int_or(zoom, 0))))


def _session_json(session: Session) -> str:
    tabs = [{"index": t.index, "history": [[h.entry_id, h.scroll, h.anchor] for h in t.history]}
            for t in session.tabs]
    return json.dumps({"tabs": tabs, "current": session.current, "zoom": session.zoom})


def _session_from_json(text: str) -> Session:
    """A session kept as JSON (USER_SESSION_KEY); an empty one when the text is damaged."""
    try:
        data = json.loads(text)
        tabs = [(tab.get("index"), [(*row, None, None)[:3] for row in tab.get("history", []) if isinstance(row, list)])
                for tab in data.get("tabs", []) if isinstance(tab, dict)]
        return _session(tabs, data.get("current"), data.get("zoom"))
    except (ValueError, TypeError, AttributeError):
        return Session()


class SessionStore:
    """Saves and loads the session (replaced as a whole on each save), with the library it belongs to.

    A run on other folders (`--content`) keeps the user's own session aside (USER_SESSION_KEY) while it
    saves its own, so the next normal launch gets its tabs back."""

    def __init__(self, db: UserDB) -> None:
        self.db = db

    def save(self, session: Session, library: str = USER_LIBRARY) -> None:
        """Replace the stored session in one transaction (tabs with an empty history are dropped);
        `library` (session_library) says which library its entry ids belong to."""
        tabs = [t for t in session.tabs if t.history]
        with self.db.transaction() as conn:
            stored = self._read(conn)
            if library == USER_LIBRARY:
                conn.execute("DELETE FROM preference WHERE key = ?", (USER_SESSION_KEY,))
            elif stored is not None and stored.tabs and self.library() == USER_LIBRARY:
                _set_preference(conn, USER_SESSION_KEY, _session_json(stored))
            _set_preference(conn, SESSION_LIBRARY_KEY, json.dumps(library))
            conn.execute("DELETE FROM session_history")
            conn.execute("DELETE FROM session_tab")
            conn.execute("DELETE FROM session")
            conn.execute("INSERT INTO session (id, current, zoom, saved) VALUES (1, ?, ?, ?)",
                         (_clamp(session.current, len(tabs)), int(session.zoom), now_iso()))
            for n, tab in enumerate(tabs):
                conn.execute("INSERT INTO session_tab (tab, history_index) VALUES (?, ?)",
                             (n, _clamp(tab.index, len(tab.history))))
                conn.executemany(
                    "INSERT INTO session_history (tab, position, entry_id, scroll, anchor) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [(n, i, h.entry_id, int(h.scroll), h.anchor or None)
                     for i, h in enumerate(tab.history)])

    def load(self, library: str = USER_LIBRARY) -> Session:
        """The session saved for `library`: the stored one when it is that library's, the user's kept
        one after a `--content` run, else an empty Session (another library's entries would all be
        "not found" here). Damaged rows are dropped or clamped."""
        with self.db.read() as conn:  # the library's name, the tabs and their history as one save left them
            if self.library() == library:
                return self._read(conn) or Session()
            if library == USER_LIBRARY:
                row = conn.execute("SELECT value FROM preference WHERE key = ?", (USER_SESSION_KEY,)).fetchone()
                if row is not None:
                    return _session_from_json(str(row[0]))
            return Session()

    @staticmethod
    def _read(conn: sqlite3.Connection) -> Session | None:
        """The session in the session tables; None when none was saved."""
        head = conn.execute("SELECT current, zoom FROM session WHERE id = 1").fetchone()
        if head is None:
            return None
        tabs = [(tab["history_index"],
                 [(r["entry_id"], r["scroll"], r["anchor"]) for r in conn.execute(
                     "SELECT entry_id, scroll, anchor FROM session_history WHERE tab = ? ORDER BY position",
                     (tab["tab"],)).fetchall()])
                for tab in conn.execute("SELECT tab, history_index FROM session_tab ORDER BY tab").fetchall()]
        return _session(tabs, head["current"], head["zoom"])

    def library(self) -> str:
        """The library the stored session belongs to (a session saved before this was recorded: the user's)."""
        row = self.db.query_one("SELECT value FROM preference WHERE key = ?", (SESSION_LIBRARY_KEY,))
        try:
            saved = json.loads(row[0]) if row is not None else USER_LIBRARY
        except ValueError:
            return USER_LIBRARY
        return saved if isinstance(saved, str) else USER_LIBRARY

    def clear(self) -> None:
        """Forget the stored session."""
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM session_history")
            conn.execute("DELETE FROM session_tab")
            conn.execute("DELETE FROM session")


def _set_preference(conn: sqlite3.Connection, key: str, text: str) -> None:
    conn.execute("INSERT INTO preference (key, value) VALUES (?, ?) "
                 "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, text))


class Preferences:
    """Key/value settings; values are anything JSON can store."""

    def __init__(self, db: UserDB) -> None:
        self.db = db

    def get(self, key: str, default: Any = None) -> Any:
        """The stored value, or `default` when unset (or unreadable)."""
        row = self.db.query_one("SELECT value FROM preference WHERE key = ?", (key,))
        if row is None:
            return default
        try:
            return json.loads(row[0])
        except ValueError:
            return default

    def set(self, key: str, value: Any) -> None:
        """Store a JSON-serialisable value (UserDataError otherwise)."""
        try:
            text = json.dumps(value, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise UserDataError(f"preference {key!r} cannot be stored: {exc}") from exc
        with self.db.transaction() as conn:
            conn.execute("INSERT INTO preference (key, value) VALUES (?, ?) "
                         "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, text))

    def remove(self, key: str) -> None:
        """Unset a key."""
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM preference WHERE key = ?", (key,))

    def all(self) -> dict[str, Any]:
        """Every stored preference."""
        out: dict[str, Any] = {}
        for key, text in self.db.query("SELECT key, value FROM preference ORDER BY key"):
            try:
                out[key] = json.loads(text)
            except ValueError:
                continue
        return out


class RootsStore:
    """Library roots the user added (the bundled root `nexus` is never stored here)."""

    def __init__(self, db: UserDB) -> None:
        self.db = db

    def list(self) -> list[tuple[str, Path]]:
        """(name, folder) pairs in the order they were added."""
        rows = self.db.query("SELECT name, path FROM library_root ORDER BY rowid")
        return [(r["name"], Path(r["path"])) for r in rows]

    def add(self, path: Path | str) -> str:
        """Add a folder; returns its root name (from the folder name, made unique; same folder: same name)."""
        folder = Path(path).expanduser().resolve()
        with self.db.transaction() as conn:
            row = conn.execute("SELECT name FROM library_root WHERE path = ?",
                               (str(folder),)).fetchone()
            if row is not None:
                return str(row[0])
            taken = {str(r[0]).casefold() for r in conn.execute("SELECT name FROM library_root")}
            taken.add(BUNDLED_ROOT)
            name = unique_root_name(folder.name, taken)
            conn.execute("INSERT INTO library_root (name, path, added) VALUES (?, ?, ?)",
                         (name, str(folder), now_iso()))
            return name

    def remove(self, name: str) -> bool:
        """Remove a root by name; False when there was none."""
        with self.db.transaction() as conn:
            return conn.execute("DELETE FROM library_root WHERE name = ?", (name,)).rowcount > 0


def unique_root_name(base: str, taken: set[str]) -> str:
    """The root name for a folder called `base`, as `--content` would name it, not in `taken`.

    Same rule as library.root_name_for (lower case, `My Notes` -> `my-notes`), so a folder added
    in the UI gives the same entry ids as `--content` of that folder; never the bundled `nexus`.
    """
    folded = {t.casefold() for t in taken} | {BUNDLED_ROOT}
    return root_name_for(Path(base.replace("/", "-").replace("\\", "-")), folded)


class RecentEntries:
    """Entries opened recently, most recent first."""

    def __init__(self, db: UserDB, keep: int = RECENT_KEEP) -> None:
        self.db = db
        self.keep = keep

    def touch(self, entry_id: str, title: str) -> None:
        """Record that an entry was opened now."""
        with self.db.transaction() as conn:
            seq = conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM recent_entry").fetchone()[0]
            conn.execute("INSERT INTO recent_entry (entry_id, title, visited, seq) VALUES (?,?,?,?) "
                         "ON CONFLICT(entry_id) DO UPDATE SET title = excluded.title, "
                         "visited = excluded.visited, seq = excluded.seq",
                         (entry_id, title, now_iso(), seq))
            conn.execute("DELETE FROM recent_entry WHERE seq NOT IN "
                         "(SELECT seq FROM recent_entry ORDER BY seq DESC LIMIT ?)", (self.keep,))

    def list(self, limit: int = 10) -> list[RecentEntry]:
        """The `limit` most recent entries, most recent first."""
        rows = self.db.query("SELECT entry_id, title, visited FROM recent_entry ORDER BY seq DESC LIMIT ?",
                             (max(0, limit),))
        return [RecentEntry(r["entry_id"], r["title"], r["visited"]) for r in rows]

    def remove(self, entry_id: str) -> None:
        """Forget one entry."""
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM recent_entry WHERE entry_id = ?", (entry_id,))

    def clear(self) -> None:
        """Forget all recent entries."""
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM recent_entry")
