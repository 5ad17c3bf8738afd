"""The per-user SQLite store: opening, schema migrations, transactions and corruption recovery."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

DB_NAME = "nexus.sqlite3"
BUSY_TIMEOUT_S = 10.0
_SIDE_FILES = ("-wal", "-shm", "-journal")
_SQLITE_HEADER = b"SQLite format 3\x00"
_CORRUPT_CODES = frozenset({11, 26})  # SQLITE_CORRUPT, SQLITE_NOTADB
_BUSY_CODE = 5  # SQLITE_BUSY (extended codes keep it in their low byte)
_BUSY_RETRY_S = 0.02


class UserDataError(Exception):
    """Base class of every error raised by the user-data layer."""


class UserDBOpenError(UserDataError):
    """The user database could not be opened or created at all."""


class FutureSchemaError(UserDataError):
    """The database was written by a newer version of the application."""


Migration = Callable[[sqlite3.Connection], None] | Sequence[str]

_V1: tuple[str, ...] = (
    """CREATE TABLE bookmark_folder (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        parent_id INTEGER REFERENCES bookmark_folder(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        position INTEGER NOT NULL DEFAULT 0,
        created TEXT NOT NULL
    )""",
    "CREATE INDEX bookmark_folder_parent ON bookmark_folder(parent_id, position)",
    """CREATE TABLE bookmark (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL DEFAULT 'entry' CHECK (kind IN ('entry', 'search')),
        entry_id TEXT,
        query TEXT,
        title TEXT NOT NULL,
        anchor TEXT,
        note TEXT NOT NULL DEFAULT '',
        folder_id INTEGER REFERENCES bookmark_folder(id) ON DELETE CASCADE,
        position INTEGER NOT NULL DEFAULT 0,
        created TEXT NOT NULL,
        updated TEXT NOT NULL,
        missing INTEGER NOT NULL DEFAULT 0,
        CHECK ((kind = 'entry' AND entry_id IS NOT NULL)
            OR (kind = 'search' AND query IS NOT NULL))
    )""",
    "CREATE INDEX bookmark_entry ON bookmark(entry_id, anchor)",
    "CREATE INDEX bookmark_folder_pos ON bookmark(folder_id, position)",
    """CREATE TABLE session (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        current INTEGER NOT NULL DEFAULT 0,
        zoom INTEGER NOT NULL DEFAULT 0,
        saved TEXT NOT NULL
    )""",
    """CREATE TABLE session_tab (
        tab INTEGER PRIMARY KEY,
        history_index INTEGER NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE session_history (
        tab INTEGER NOT NULL REFERENCES session_tab(tab) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        entry_id TEXT NOT NULL,
        scroll INTEGER NOT NULL DEFAULT 0,
        anchor TEXT,
        PRIMARY KEY (tab, position)
    )""",
    """CREATE TABLE library_root (
        name TEXT PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        added TEXT NOT NULL
    )""",
    """CREATE TABLE preference (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    """CREATE TABLE recent_entry (
        entry_id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        visited TEXT NOT NULL,
        seq INTEGER NOT NULL
    )""",
    "CREATE INDEX recent_entry_seq ON recent_entry(seq)",
)

# Ordered forward migrations: MIGRATIONS[i] takes the schema from version i to version i + 1.
MIGRATIONS: tuple[Migration, ...] = (_V1,)
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass
class _SharedConnection:
    """The one connection this process keeps to a user database, shared by every UserDB handle."""

    conn: sqlite3.Connection
    pid: int
    lock: threading.RLock = field(default_factory=threading.RLock)
    users: int = 0
    depth: int = 0
    read_only: bool = False


# One connection per database file per process. SQLite's POSIX locks belong to the process, so a second
# descriptor of the file opened and closed behind SQLite's back would drop them all (see "How To Corrupt
# An SQLite Database File", 2.2): every handle in the process goes through this one connection instead.
_SHARED: dict[Path, _SharedConnection] = {}
_SHARED_LOCK = threading.Lock()


class UserDB:
    """A handle on the process's shared connection to the user database, with explicit transactions.

    Every `open_user_db` in one process returns a handle on the same connection; the handles may be
    used from any thread: statements and transactions are serialised by the connection's lock, and a
    transaction holds it until COMMIT. Code outside this module reads through `query`/`query_one`, or
    `read()` for reads that must agree, and writes inside `transaction()`: the raw connection is used
    only inside those blocks. `close()` releases the handle; the last one closes the connection.
    """

    def __init__(self, shared: _SharedConnection, path: Path, notice: str | None = None) -> None:
        self._shared = shared
        self.path = path
        self.notice = notice
        self._closed = False

    @property
    def read_only(self) -> bool:
        """True when the file could only be opened for reading (a newer app's file, a read-only folder)."""
        return self._shared.read_only

    @property
    def conn(self) -> sqlite3.Connection:
        """The underlying connection, for tests and PRAGMAs: statements on it bypass the handle's lock
        (another thread's transaction may be half done on it), so the package reads through query,
        query_one and read() instead."""
        return self._shared.conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, ROLLBACK on exception; nested calls join the outer one."""
        shared = self._shared
        with shared.lock:
            if shared.depth:
                shared.depth += 1
                try:
                    yield shared.conn
                finally:
                    shared.depth -= 1
                return
            if shared.read_only:
                raise UserDataError(f"{self.path} is open read-only: the change was not saved")
            if shared.conn.in_transaction:  # only read() leaves one open outside transaction()
                raise UserDataError("a change was started inside read(): a read snapshot cannot write")
            shared.conn.execute("BEGIN IMMEDIATE")
            shared.depth = 1
            try:
                yield shared.conn
            except BaseException:
                shared.depth = 0
                shared.conn.execute("ROLLBACK")
                raise
            shared.depth = 0
            try:
                shared.conn.execute("COMMIT")
            except BaseException:
                if shared.conn.in_transaction:
                    shared.conn.execute("ROLLBACK")
                raise

    @property
    def in_transaction(self) -> bool:
        """True inside a transaction() block."""
        return self._shared.depth > 0

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """Hold the connection for reads that must agree with each other (a session's tabs and their
        history, the bookmark tree's folders and bookmarks): they run under the lock, in one read
        transaction, so they see one committed state whatever other threads and processes write
        meanwhile. Inside transaction() (or another read()) they join it and see its changes."""
        shared = self._shared
        with shared.lock:
            if shared.depth or shared.conn.in_transaction:
                yield shared.conn
                return
            shared.conn.execute("BEGIN DEFERRED")
            try:
                yield shared.conn
            finally:
                if shared.conn.in_transaction:  # nothing was written: ending it only releases the snapshot
                    shared.conn.execute("COMMIT")

    def execute(self, sql: str, params: Sequence[object] = ()) -> None:
        """Run one statement that returns no rows (autocommit unless inside transaction())."""
        with self._shared.lock:
            self._shared.conn.execute(sql, params)

    def query(self, sql: str, params: Sequence[object] = ()) -> list[sqlite3.Row]:
        """Run a SELECT and return all rows."""
        with self._shared.lock:
            return self._shared.conn.execute(sql, params).fetchall()

    def query_one(self, sql: str, params: Sequence[object] = ()) -> sqlite3.Row | None:
        """Run a SELECT and return its first row (None when there is none)."""
        with self._shared.lock:
            row: sqlite3.Row | None = self._shared.conn.execute(sql, params).fetchone()
            return row

    @property
    def user_version(self) -> int:
        """The schema version stored in the file."""
        with self._shared.lock:
            return _user_version(self._shared.conn)

    def close(self) -> None:
        """Release this handle (safe to call twice); the process's last handle closes the connection."""
        if self._closed:
            return
        self._closed = True
        with _SHARED_LOCK:
            shared = self._shared
            shared.users -= 1
            if shared.users > 0:
                return
            if _SHARED.get(self.path) is shared:
                del _SHARED[self.path]
        shared.conn.close()

    def __enter__(self) -> UserDB:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_user_db(data_dir: Path) -> UserDB:
    """A handle on `<data_dir>/nexus.sqlite3` (created or migrated on the process's first open);
    a corrupt file is moved aside first, never deleted."""
    data_dir = Path(data_dir)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserDBOpenError(f"cannot create data folder {data_dir}: {exc.strerror or exc}") from exc
    path = (data_dir / DB_NAME).resolve()
    with _SHARED_LOCK:
        shared = _SHARED.get(path)
        notice = None
        if shared is None or shared.pid != os.getpid():  # a forked child never uses its parent's connection
            conn, notice, read_only = _open_or_replace(path)
            shared = _SHARED[path] = _SharedConnection(conn, os.getpid(), read_only=read_only)
        shared.users += 1
    return UserDB(shared, path, notice)


def _open_or_replace(path: Path) -> tuple[sqlite3.Connection, str | None, bool]:
    """(connection, notice for the user, read-only): the checked connection (lost tables created anew);
    a newer app's file or a read-only folder opened read-only; or a fresh file after a corrupt one was
    moved aside."""
    try:
        _check_header(path)
        conn = _open_checked(path)
        try:
            restored = _restore_missing_tables(conn)
        except BaseException:
            conn.close()
            raise
        return conn, (f"The user database {path} had lost its tables {', '.join(restored)}; "
                      "they were created anew (empty)." if restored else None), False
    except FutureSchemaError as exc:  # a newer app wrote it: show what is there, change nothing
        return _connect_read_only(path), (f"The user database {path} was written by a newer version of Nexus "
                                          f"({exc}): it is opened read-only and changes are not saved."), True
    except (sqlite3.DatabaseError, UserDBOpenError) as exc:
        if _is_read_only_folder(path):
            return _connect_read_only(path), (f"The data folder {path.parent} is read-only: bookmarks and "
                                              "settings are shown but changes are not saved."), True
        if isinstance(exc, UserDBOpenError):
            raise
        if not _is_corruption(exc):
            raise UserDBOpenError(f"cannot open {path}: {exc}") from exc
        reason = str(exc)
    aside = _move_aside(path)
    try:
        conn = _open_checked(path)
    except (sqlite3.DatabaseError, FutureSchemaError) as exc:
        raise UserDBOpenError(f"cannot create a fresh {path}: {exc}") from exc
    return conn, (f"The user database {path} could not be used ({reason}); it was moved to "
                  f"{aside.name} and a fresh one was started."), False


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """The database opened for reading only (where its folder can't hold the WAL's side files, as an
    immutable file)."""
    for options in ("mode=ro", "immutable=1"):
        try:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?{options}", uri=True, timeout=BUSY_TIMEOUT_S,
                                   isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.Error as exc:
            error = exc
    raise UserDBOpenError(f"cannot open {path} even read-only: {error}")


def _is_read_only_folder(path: Path) -> bool:
    """An existing database in a folder this process can't write to (permissions, a read-only disk)."""
    return path.is_file() and not os.access(path.parent, os.W_OK)


def _restore_missing_tables(conn: sqlite3.Connection) -> list[str]:
    """Create the tables (and indexes) of the current schema that the file lacks (dropped by hand or
    by a tool); returns the tables created."""
    present = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    missing = [(kind, name, sql) for kind, name, sql in _schema() if name not in present]
    if not missing:
        return []
    conn.execute("BEGIN IMMEDIATE")
    try:
        for _kind, _name, sql in missing:
            conn.execute(sql)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return [name for kind, name, _sql in missing if kind == "table"]


def _schema() -> list[tuple[str, str, str]]:
    """(type, name, sql) of every table, then every index, of the current schema (from an empty
    in-memory database the migrations are run on)."""
    model = sqlite3.connect(":memory:", isolation_level=None)
    try:
        for migration in MIGRATIONS:
            _apply(model, migration)
        return model.execute("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL "
                             "ORDER BY type = 'index'").fetchall()
    finally:
        model.close()


def _is_corruption(exc: BaseException) -> bool:
    """True for errors that mean the file's content is unusable (not for locks or permissions)."""
    if isinstance(exc, FutureSchemaError):
        return True
    return getattr(exc, "sqlite_errorcode", None) in _CORRUPT_CODES


def _check_header(path: Path) -> None:
    """Refuse a non-empty file without the SQLite header before SQLite touches its side files.

    Only called before the process's first connection to the file (under _SHARED_LOCK): closing this
    descriptor while a connection is open would drop SQLite's locks."""
    try:
        with path.open("rb") as fh:
            head = fh.read(len(_SQLITE_HEADER))
    except FileNotFoundError:
        return
    except IsADirectoryError as exc:
        raise UserDBOpenError(f"cannot open {path}: it is a folder") from exc
    except OSError as exc:
        raise UserDBOpenError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if head and head != _SQLITE_HEADER:
        not_a_database = sqlite3.DatabaseError("file is not a database")
        not_a_database.sqlite_errorcode = 26
        raise not_a_database


def _connect(path: Path) -> sqlite3.Connection:
    """A raw connection in autocommit mode with the pragmas every connection needs."""
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                               check_same_thread=False)
    except sqlite3.Error as exc:
        raise UserDBOpenError(f"cannot open {path}: {exc}") from exc
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _open_checked(path: Path) -> sqlite3.Connection:
    """Connect, verify the file is a sound database of a known version, and migrate it."""
    conn = _connect(path)
    try:
        _check_integrity(conn)
        _enable_wal(conn)
        conn.execute("PRAGMA synchronous = NORMAL")
        migrate(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def _enable_wal(conn: sqlite3.Connection) -> None:
    """Switch the file to WAL, waiting up to BUSY_TIMEOUT_S for another process that is writing it.

    The switch is the one statement SQLite answers "database is locked" at once, without its busy
    timeout: it upgrades a read to a write, so a file another process is creating or migrating (the
    window and the CLI started together on a new data folder) refuses it until that process commits."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            busy = (getattr(exc, "sqlite_errorcode", 0) & 0xFF) == _BUSY_CODE
            if not busy or time.monotonic() >= deadline:
                raise
        time.sleep(_BUSY_RETRY_S)


def _check_integrity(conn: sqlite3.Connection) -> None:
    """Raise sqlite3.DatabaseError (code CORRUPT) if quick_check finds damage."""
    rows = conn.execute("PRAGMA quick_check").fetchall()
    if rows and rows[0][0] != "ok":
        exc = sqlite3.DatabaseError(f"integrity check failed: {rows[0][0]}")
        exc.sqlite_errorcode = 11
        raise exc


def migrate(conn: sqlite3.Connection) -> int:
    """Apply pending migrations, each in its own IMMEDIATE transaction; return the final version."""
    version = _user_version(conn)
    if version > SCHEMA_VERSION:
        raise FutureSchemaError(
            f"schema version {version} is newer than this application's {SCHEMA_VERSION}")
    while version < SCHEMA_VERSION:
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = _user_version(conn)  # another process may have migrated meanwhile
            if version < SCHEMA_VERSION:
                _apply(conn, MIGRATIONS[version])
                version += 1
                conn.execute(f"PRAGMA user_version = {version}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    return version


def _user_version(conn: sqlite3.Connection) -> int:
    """PRAGMA user_version as an int."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _apply(conn: sqlite3.Connection, migration: Migration) -> None:
    """Run one migration: a callable, or a list of SQL statements."""
    if callable(migration):
        migration(conn)
        return
    for statement in migration:
        conn.execute(statement)


def _move_aside(path: Path) -> Path:
    """Rename the database (and its -wal/-shm) to a timestamped name beside it.

    Renaming opens no descriptor of the file, so no lock SQLite holds in this process is dropped."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 2
    while aside.exists():
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        n += 1
    pairs = [(path, aside)] + [(Path(f"{path}{s}"), Path(f"{aside}{s}")) for s in _SIDE_FILES]
    try:
        for src, dst in pairs:
            if src.exists():
                os.replace(src, dst)
    except OSError as exc:
        raise UserDBOpenError(
            f"{path} is unusable and could not be moved aside: {exc.strerror or exc}") from exc
    return aside
