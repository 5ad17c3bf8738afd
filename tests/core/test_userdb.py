"""Tests for the user database: creation, migrations, transactions, corruption recovery."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from nexus_desktop.core import userdb
from nexus_desktop.core.state import Preferences
from nexus_desktop.core.userdb import (
    DB_NAME, SCHEMA_VERSION, UserDataError, UserDBOpenError, open_user_db)


def test_fresh_db_has_schema_wal_and_foreign_keys(tmp_path: Path) -> None:
    db = open_user_db(tmp_path)
    try:
        assert db.path == tmp_path / DB_NAME and db.path.exists()
        assert db.notice is None
        assert db.user_version == SCHEMA_VERSION
        assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
        tables = {r[0] for r in db.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"bookmark", "bookmark_folder", "session", "session_tab", "session_history",
                "library_root", "preference", "recent_entry"} <= tables
    finally:
        db.close()


def test_creates_missing_data_dir(tmp_path: Path) -> None:
    with open_user_db(tmp_path / "a" / "b") as db:
        assert db.path.exists()


def test_reopen_keeps_data(tmp_path: Path) -> None:
    with open_user_db(tmp_path) as db:
        with db.transaction() as conn:
            conn.execute("INSERT INTO preference VALUES ('k', '1')")
    with open_user_db(tmp_path) as db:
        assert db.query("SELECT value FROM preference WHERE key='k'")[0][0] == "1"
        assert db.notice is None


def test_transaction_rolls_back_on_exception(tmp_path: Path) -> None:
    with open_user_db(tmp_path) as db:
        with pytest.raises(RuntimeError):
            with db.transaction() as conn:
                conn.execute("INSERT INTO preference VALUES ('k', '1')")
                raise RuntimeError("boom")
        assert db.query("SELECT count(*) FROM preference")[0][0] == 0
        assert not db.conn.in_transaction and not db.in_transaction


def test_nested_transaction_joins_outer(tmp_path: Path) -> None:
    with open_user_db(tmp_path) as db:
        with pytest.raises(RuntimeError):
            with db.transaction() as conn:
                with db.transaction():
                    conn.execute("INSERT INTO preference VALUES ('a', '1')")
                conn.execute("INSERT INTO preference VALUES ('b', '1')")
                raise RuntimeError("outer fails: inner is rolled back too")
        assert db.query("SELECT count(*) FROM preference")[0][0] == 0
        with db.transaction() as conn:
            with db.transaction():
                conn.execute("INSERT INTO preference VALUES ('a', '1')")
        assert db.query("SELECT count(*) FROM preference")[0][0] == 1


def test_migrations_run_in_order_and_only_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    open_user_db(tmp_path).close()
    calls: list[int] = []

    def v2(conn: sqlite3.Connection) -> None:
        if conn.execute("PRAGMA database_list").fetchone()[2]:  # the file (not the in-memory schema model)
            calls.append(2)
        conn.execute("CREATE TABLE extra (x)")

    monkeypatch.setattr(userdb, "MIGRATIONS", userdb.MIGRATIONS + (v2, ["ALTER TABLE extra ADD y"]))
    monkeypatch.setattr(userdb, "SCHEMA_VERSION", SCHEMA_VERSION + 2)
    with open_user_db(tmp_path) as db:
        assert db.user_version == SCHEMA_VERSION + 2
        assert [r[1] for r in db.conn.execute("PRAGMA table_info(extra)")] == ["x", "y"]
    with open_user_db(tmp_path) as db:
        assert db.notice is None
    assert calls == [2]


def test_failing_migration_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    open_user_db(tmp_path).close()
    monkeypatch.setattr(userdb, "MIGRATIONS", userdb.MIGRATIONS + (
        ["CREATE TABLE extra (x)", "THIS IS NOT SQL"],))
    monkeypatch.setattr(userdb, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(UserDataError):
        open_user_db(tmp_path)
    monkeypatch.undo()
    with open_user_db(tmp_path) as db:
        assert db.user_version == SCHEMA_VERSION
        assert db.query("SELECT count(*) FROM sqlite_master WHERE name='extra'")[0][0] == 0
    assert not list(tmp_path.glob("*.corrupt-*"))


def _asides(tmp_path: Path) -> list[Path]:
    return sorted(p for p in tmp_path.iterdir() if ".corrupt-" in p.name)


def test_garbage_file_is_copied_aside_and_fresh_store_started(tmp_path: Path) -> None:
    garbage = b"this is not a database at all \x00\xff" * 100
    (tmp_path / DB_NAME).write_bytes(garbage)
    (tmp_path / f"{DB_NAME}-wal").write_bytes(b"wal junk")
    (tmp_path / f"{DB_NAME}-shm").write_bytes(b"shm junk")
    with open_user_db(tmp_path) as db:
        assert db.notice and "moved" in db.notice and ".corrupt-" in db.notice
        assert db.user_version == SCHEMA_VERSION
        assert db.query("SELECT count(*) FROM bookmark")[0][0] == 0
    asides = _asides(tmp_path)
    main = [p for p in asides if not p.name.endswith(("-wal", "-shm"))]
    assert len(main) == 1 and main[0].read_bytes() == garbage
    assert main[0].name.startswith(f"{DB_NAME}.corrupt-")
    stamp = main[0].name.split(".corrupt-")[1]
    assert len(stamp) == 15 and stamp[8] == "-" and stamp.replace("-", "").isdigit()
    assert Path(f"{main[0]}-wal").read_bytes() == b"wal junk"
    assert Path(f"{main[0]}-shm").read_bytes() == b"shm junk"
    with open_user_db(tmp_path) as db:  # the fresh store is fine on the next run
        assert db.notice is None


def test_second_corruption_in_same_second_gets_its_own_name(tmp_path: Path) -> None:
    for _ in range(2):
        (tmp_path / DB_NAME).write_bytes(b"garbage" * 50)
        open_user_db(tmp_path).close()
    assert len(_asides(tmp_path)) == 2


def test_damaged_pages_are_detected(tmp_path: Path) -> None:
    with open_user_db(tmp_path) as db:
        with db.transaction() as conn:
            conn.executemany("INSERT INTO preference VALUES (?, ?)",
                             [(f"key{i}", "x" * 200) for i in range(500)])
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    path = tmp_path / DB_NAME
    data = bytearray(path.read_bytes())
    data[4096 * 2: 4096 * 6] = b"\xde\xad\xbe\xef" * 4096
    path.write_bytes(bytes(data))
    with open_user_db(tmp_path) as db:
        assert db.notice is not None
        assert db.query("SELECT count(*) FROM preference")[0][0] == 0
    assert _asides(tmp_path)


def test_future_schema_version_opens_read_only_and_hides_nothing(tmp_path: Path) -> None:
    with open_user_db(tmp_path) as db:
        db.execute("INSERT INTO preference (key, value) VALUES ('theme', 'dark')")
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")  # a newer app wrote it (a downgrade)
    with open_user_db(tmp_path) as db:
        assert db.read_only and db.notice and "newer version" in db.notice and "read-only" in db.notice
        assert db.query("SELECT value FROM preference WHERE key = 'theme'")[0][0] == "dark"
        with pytest.raises(UserDataError, match="read-only"):
            with db.transaction():
                db.execute("DELETE FROM preference")
    assert _asides(tmp_path) == []
    with open_user_db(tmp_path) as db:
        assert db.user_version == SCHEMA_VERSION + 5  # the newer app finds its file as it left it


def test_a_dropped_table_is_created_anew_and_the_rest_kept(tmp_path: Path) -> None:
    with open_user_db(tmp_path) as db:
        db.execute("INSERT INTO preference (key, value) VALUES ('theme', 'dark')")
        db.execute("DROP TABLE bookmark")
        db.execute("DROP INDEX recent_entry_seq")
    with open_user_db(tmp_path) as db:
        assert db.notice and "bookmark" in db.notice and not db.read_only
        assert db.query("SELECT count(*) FROM bookmark")[0][0] == 0
        assert db.query("SELECT value FROM preference")[0][0] == "dark"
        names = {row[0] for row in db.query("SELECT name FROM sqlite_master")}
        assert {"bookmark_entry", "bookmark_folder_pos", "recent_entry_seq"} <= names
    with open_user_db(tmp_path) as db:
        assert db.notice is None
    assert _asides(tmp_path) == []


def test_a_read_only_data_folder_opens_the_database_read_only(tmp_path: Path) -> None:
    from tests.conftest import read_only_folder

    with open_user_db(tmp_path) as db:
        db.execute("INSERT INTO preference (key, value) VALUES ('theme', 'dark')")
    with read_only_folder(tmp_path):
        with open_user_db(tmp_path) as db:
            assert db.read_only and db.notice and "read-only" in db.notice
            assert db.query("SELECT value FROM preference")[0][0] == "dark"


def test_empty_file_is_a_fresh_db_not_corruption(tmp_path: Path) -> None:
    (tmp_path / DB_NAME).write_bytes(b"")
    with open_user_db(tmp_path) as db:
        assert db.notice is None and db.user_version == SCHEMA_VERSION
    assert not _asides(tmp_path)


def test_unusable_data_dir_raises_user_data_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(UserDBOpenError):
        open_user_db(blocker)
    (tmp_path / "d" / DB_NAME).mkdir(parents=True)  # a folder where the file should be
    with pytest.raises(UserDataError):
        open_user_db(tmp_path / "d")
    assert (tmp_path / "d" / DB_NAME).is_dir()


def test_a_held_write_lock_is_not_mistaken_for_corruption(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    open_user_db(tmp_path).close()
    other = sqlite3.connect(tmp_path / DB_NAME, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO preference VALUES ('x', '1')")
    try:
        with open_user_db(tmp_path) as db:  # reading works while another writer is busy
            assert db.notice is None
            monkeypatch.setattr(userdb, "BUSY_TIMEOUT_S", 0.2)
            db.conn.execute("PRAGMA busy_timeout = 200")
            with pytest.raises(sqlite3.OperationalError):
                with db.transaction():
                    pass
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert not _asides(tmp_path)


def _in_child(data_dir: Path, code: str) -> str:
    """Run `code` in another Python process with `db` open on data_dir (like the indexing child or the CLI)."""
    script = ("import sys\nfrom nexus_desktop.core.userdb import open_user_db\n"
              "from nexus_desktop.core.state import Preferences\n"
              f"db = open_user_db(sys.argv[1])\n{code}\ndb.close()\n")
    proc = subprocess.run([sys.executable, "-c", script, str(data_dir)], capture_output=True, text=True,
                          timeout=60, check=True)
    return proc.stdout.strip()


def test_wal_survives_a_second_handle_and_another_process(tmp_path: Path) -> None:
    """The window's data loss: a second open in the window's process (the library worker) used to drop
    SQLite's locks, so the indexing child checkpointed and deleted the WAL the window kept writing to."""
    window = open_user_db(tmp_path)
    try:
        Preferences(window).set("before", 1)
        open_user_db(tmp_path).close()  # the library worker reads the user's folders
        _in_child(tmp_path, "")  # the indexing child opens and closes the database
        assert (tmp_path / f"{DB_NAME}-wal").exists(), "the window's WAL was deleted under it"
        Preferences(window).set("after", 2)  # e.g. Ctrl+D in the window
        seen = _in_child(tmp_path, "print(Preferences(db).get('before'), Preferences(db).get('after'))")
        assert seen == "1 2"  # what `nexus-desktop bookmarks list` would read
    finally:
        window.close()
    assert _in_child(tmp_path, "print(Preferences(db).get('after'))") == "2"  # and after the window quits


def test_handles_in_one_process_share_one_connection(tmp_path: Path) -> None:
    first, second = open_user_db(tmp_path), open_user_db(tmp_path / ".")
    try:
        assert first.conn is second.conn and second.notice is None
        first.close()
        assert second.query("SELECT count(*) FROM bookmark")[0][0] == 0  # still open for the other handle
    finally:
        first.close()
        second.close()


def test_handles_from_two_threads_do_not_interleave_transactions(tmp_path: Path) -> None:
    db = open_user_db(tmp_path)
    errors: list[BaseException] = []

    def writer(prefix: str) -> None:
        try:
            with open_user_db(tmp_path) as own:
                for i in range(50):
                    with own.transaction() as conn:
                        conn.execute("INSERT INTO preference VALUES (?, '1')", (f"{prefix}{i}",))
        except BaseException as exc:  # noqa: BLE001 - reported below: a thread's exception would be lost
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(p,)) for p in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert not errors
        assert db.query("SELECT count(*) FROM preference")[0][0] == 100
    finally:
        db.close()


def test_no_code_opens_the_database_file_except_through_sqlite() -> None:
    """Closing any descriptor of the file drops the process's SQLite locks: only userdb names the file,
    and userdb reads it with Python's open() only before the process's first connection."""
    package = Path(userdb.__file__).resolve().parent.parent
    naming = [p for p in package.rglob("*.py") if "DB_NAME" in p.read_text() or "nexus.sqlite3" in p.read_text()]
    assert [p.name for p in naming] == ["userdb.py"]
    source = Path(userdb.__file__).read_text()
    opens = re.findall(r"\b(?:open|read_bytes|read_text|copy2?|copyfile)\(", source)
    assert opens == ["open("] and source.count("_check_header(path)") == 1
    first_open = source.index("def _open_or_replace")
    assert source.index("_check_header(path)") > first_open  # called only when creating the connection


def test_no_code_uses_the_shared_connection_outside_a_read_or_a_transaction() -> None:
    """Statements on `db.conn` bypass the handle's lock, so another thread's half-done transaction shows
    through them: the package reads through query/query_one/read() and writes in transaction()."""
    package = Path(userdb.__file__).resolve().parent.parent
    raw = [f"{p.relative_to(package)}:{n}" for p in package.rglob("*.py") if p.name != "userdb.py"
           for n, line in enumerate(p.read_text().splitlines(), 1) if re.search(r"\.conn\b", line)]
    assert raw == []


def test_a_read_sees_one_committed_state_and_cannot_write(tmp_path: Path) -> None:
    with open_user_db(tmp_path) as db:
        with db.read() as conn:
            before = conn.execute("SELECT count(*) FROM preference").fetchone()[0]
            _in_child(tmp_path, "Preferences(db).set('from another process', 1)")
            assert conn.execute("SELECT count(*) FROM preference").fetchone()[0] == before  # one snapshot
            with pytest.raises(UserDataError, match="read"):
                with db.transaction():
                    pass
        assert db.query("SELECT count(*) FROM preference")[0][0] == before + 1  # the snapshot ended with it
        with db.transaction() as conn:
            conn.execute("INSERT INTO preference VALUES ('mine', '2')")
            with db.read() as joined:  # a read inside a transaction sees its changes
                assert joined.execute("SELECT value FROM preference WHERE key = 'mine'").fetchone()[0] == "2"
        assert not db.conn.in_transaction


def test_a_new_file_another_process_is_creating_is_waited_for(tmp_path: Path) -> None:
    """Two processes starting on a new data folder (the window and the CLI, two CLI commands): the second
    waits for the first to create the database instead of failing with "database is locked"."""
    creator = sqlite3.connect(tmp_path / DB_NAME, isolation_level=None, check_same_thread=False)
    creator.execute("BEGIN IMMEDIATE")  # as a process switching the new file to WAL or migrating it
    creator.execute("CREATE TABLE being_created (x)")
    done = threading.Timer(0.5, creator.execute, ("COMMIT",))
    done.start()
    try:
        with open_user_db(tmp_path) as db:
            assert db.notice is None and not db.read_only
            assert db.query("PRAGMA journal_mode")[0][0] == "wal"
            assert db.query("SELECT count(*) FROM bookmark")[0][0] == 0
    finally:
        done.join()
        creator.close()
