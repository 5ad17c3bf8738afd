"""Tests for the user database: creation, migrations, transactions, corruption recovery."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from nexus_desktop.core import userdb
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
        assert db.notice and "copied" in db.notice and ".corrupt-" in db.notice
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
