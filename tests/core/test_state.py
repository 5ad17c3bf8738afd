"""Tests for persisted desktop state: session, preferences, library roots, recent entries."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nexus_desktop.core.state import (
    MAX_SCROLL, ZOOM_RANGE, HistoryItem, Preferences, RecentEntries, RootsStore, Session, SessionStore, TabState,
    session_library, unique_root_name)
from nexus_desktop.core.userdb import UserDataError, UserDB, open_user_db
from tests.core.concurrency import reads_during_writes


@pytest.fixture
def db(tmp_path: Path) -> Iterator[UserDB]:
    conn = open_user_db(tmp_path / "data")
    yield conn
    conn.close()


def test_empty_session_when_none_saved(db: UserDB) -> None:
    assert SessionStore(db).load() == Session(tabs=[], current=0, zoom=0)


def test_session_round_trip_survives_reopen(tmp_path: Path) -> None:
    session = Session(tabs=[
        TabState([HistoryItem("nexus/index"), HistoryItem("nexus/docker/compose", 1200, "volumes"),
                  HistoryItem("nexus/python/async", 40)], index=1),
        TabState([HistoryItem("notes/日本語", 7, None)], index=0),
    ], current=1, zoom=3)
    with open_user_db(tmp_path) as db:
        SessionStore(db).save(session)
    with open_user_db(tmp_path) as db:
        assert SessionStore(db).load() == session


def test_a_session_is_restored_only_in_the_library_it_was_saved_for(db: UserDB, tmp_path: Path) -> None:
    store = SessionStore(db)
    session = Session([TabState([HistoryItem("notes/todo")])])
    notes = session_library([str(tmp_path / "notes")])
    store.save(session, notes)
    assert store.load(notes) == session
    assert store.load(session_library([str(tmp_path / "notes" / ".." / "notes")])) == session  # same folder
    assert store.load() == Session()  # the user's library: none of these entries
    assert store.load(session_library([str(tmp_path / "other")])) == Session()
    store.save(session)
    assert store.load() == session and store.load(notes) == Session()


def test_a_content_run_keeps_the_users_session_for_the_next_normal_launch(db: UserDB, tmp_path: Path) -> None:
    store = SessionStore(db)
    mine = Session([TabState([HistoryItem("nexus/index"), HistoryItem("nexus/api/jwt", 120, "refresh")], 1),
                    TabState([HistoryItem("nexus/async/celery-retries")])], 1, 2)
    store.save(mine)
    notes = session_library([str(tmp_path / "notes")])
    store.save(Session([TabState([HistoryItem("notes/todo")])]), notes)
    store.save(Session([TabState([HistoryItem("notes/done")])]), notes)  # its later saves keep it too
    assert store.load() == mine
    assert store.load(notes).tabs[0].history[0].entry_id == "notes/done"
    store.save(Session([TabState([HistoryItem("nexus/index")])]))  # the normal launch saves: nothing kept aside
    store.save(Session([TabState([HistoryItem("notes/todo")])]), notes)
    assert store.load().tabs == [TabState([HistoryItem("nexus/index")])]


def test_a_damaged_kept_session_gives_an_empty_one(db: UserDB, tmp_path: Path) -> None:
    store = SessionStore(db)
    store.save(Session([TabState([HistoryItem("nexus/index")])]))
    store.save(Session([TabState([HistoryItem("notes/todo")])]), session_library([str(tmp_path)]))
    with db.transaction() as conn:
        conn.execute("UPDATE preference SET value = ? WHERE key = 'session.user'",
                     ('{"tabs": [{"index": 9, "history": [["nexus/a", "x"], [7], "junk"]}, 3], "zoom": 99}',))
    assert store.load() == Session([TabState([HistoryItem("nexus/a")])], 0, ZOOM_RANGE[1])
    with db.transaction() as conn:
        conn.execute("UPDATE preference SET value = '{' WHERE key = 'session.user'")
    assert store.load() == Session()


def test_save_replaces_the_old_session(db: UserDB) -> None:
    store = SessionStore(db)
    store.save(Session([TabState([HistoryItem("a"), HistoryItem("b")], 1)] * 3, 2, 1))
    store.save(Session([TabState([HistoryItem("c")], 0)], 0, -2))
    assert store.load() == Session([TabState([HistoryItem("c")], 0)], 0, -2)
    store.clear()
    assert store.load() == Session()


def test_session_indexes_are_clamped_and_empty_tabs_dropped(db: UserDB) -> None:
    store = SessionStore(db)
    store.save(Session([TabState([], 0), TabState([HistoryItem("a")], 9)], current=7))
    assert store.load() == Session([TabState([HistoryItem("a")], 0)], current=0)


def _saved_session(n: int) -> Session:
    """The n-th of a series of sessions of different shapes, each entry id naming its n."""
    tabs = [TabState([HistoryItem(f"nexus/s{n}/tab{t}/page{p}", p) for p in range(n % 3 + 1)], n % 3)
            for t in range(n % 4 + 1)]
    return Session(tabs, len(tabs) - 1, n % 5)


def test_a_session_loaded_while_another_thread_saves_is_never_half_saved(db: UserDB) -> None:
    """The window saves its session on the GUI thread while workers read from the same connection."""
    store = SessionStore(db)
    store.save(_saved_session(0))

    def load_whole() -> None:
        session = store.load()
        assert session.tabs, "a session with no tabs was read mid-save"
        n = int(session.tabs[0].history[0].entry_id.split("/")[1][1:])
        assert session == _saved_session(n)

    assert reads_during_writes(load_whole, lambda n: store.save(_saved_session(n + 1)), writes=300) == []


history = st.lists(st.builds(HistoryItem, st.text(min_size=1, max_size=20), st.integers(0, MAX_SCROLL),
                             st.none() | st.text(min_size=1, max_size=10)),
    min_size=1, max_size=5)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(history, st.integers(0, 10)), max_size=5), st.integers(0, 10),
       st.integers(*ZOOM_RANGE))
def test_session_round_trip_property(db: UserDB, tabs: list[tuple[list[HistoryItem], int]],
                                     current: int, zoom: int) -> None:
    tab_states = [TabState(h, min(i, len(h) - 1)) for h, i in tabs]
    session = Session(tab_states, min(current, max(len(tab_states) - 1, 0)), zoom)
    SessionStore(db).save(session)
    assert SessionStore(db).load() == session


def test_preferences_json_values(db: UserDB) -> None:
    prefs = Preferences(db)
    assert prefs.get("theme") is None and prefs.get("theme", "system") == "system"
    values = {"theme": "dark", "zoom": 2, "ratio": 0.25, "flag": False, "none": None,
              "list": [1, "two", {"x": "ü"}], "dict": {"a": [True]}}
    for k, v in values.items():
        prefs.set(k, v)
    assert {k: prefs.get(k, "default") for k in values} == values
    prefs.set("zoom", 5)
    assert prefs.get("zoom") == 5
    assert prefs.all() == {**values, "zoom": 5}
    prefs.remove("zoom")
    assert prefs.get("zoom", 0) == 0
    with pytest.raises(UserDataError):
        prefs.set("bad", object())
    with pytest.raises(UserDataError):
        prefs.set("nan", float("nan"))


def test_unreadable_preference_value_gives_default(db: UserDB) -> None:
    db.execute("INSERT INTO preference VALUES ('broken', '{not json')")
    assert Preferences(db).get("broken", 42) == 42


def test_roots_add_unique_names_and_remove(db: UserDB, tmp_path: Path) -> None:
    roots = RootsStore(db)
    a = tmp_path / "one" / "notes"
    b = tmp_path / "two" / "notes"
    c = tmp_path / "three" / "Notes"
    n = tmp_path / "nexus"
    for p in (a, b, c, n):
        p.mkdir(parents=True)
    assert roots.add(a) == "notes"
    assert roots.add(b) == "notes-2"
    assert roots.add(c) == "notes-3"  # named like --content names it
    assert roots.add(n) == "nexus-2"  # never the bundled root's name
    assert roots.add(a) == "notes"  # same folder again: same root
    assert roots.list() == [("notes", a.resolve()), ("notes-2", b.resolve()),
                            ("notes-3", c.resolve()), ("nexus-2", n.resolve())]
    assert roots.remove("notes-2") and not roots.remove("notes-2")
    assert roots.add(tmp_path / "four" / "notes") == "notes-2"
    assert [name for name, _ in roots.list()] == ["notes", "notes-3", "nexus-2", "notes-2"]


def test_unique_root_name() -> None:
    assert unique_root_name("nexus", set()) == "nexus-2"
    assert unique_root_name("", set()) == "root"
    assert unique_root_name("a/b", set()) == "a-b"
    assert unique_root_name("My Notes", set()) == "my-notes"
    assert unique_root_name("docs", {"DOCS", "docs-2"}) == "docs-3"


def test_recent_entries_most_recent_first(db: UserDB) -> None:
    recent = RecentEntries(db, keep=5)
    for i in range(8):
        recent.touch(f"nexus/{i}", f"Entry {i}")
    recent.touch("nexus/5", "Entry five")
    got = recent.list()
    assert [r.entry_id for r in got] == ["nexus/5", "nexus/7", "nexus/6", "nexus/4", "nexus/3"]
    assert got[0].title == "Entry five" and got[0].visited
    assert [r.entry_id for r in recent.list(limit=2)] == ["nexus/5", "nexus/7"]
    recent.remove("nexus/7")
    assert "nexus/7" not in [r.entry_id for r in recent.list()]
    recent.clear()
    assert recent.list() == []


def test_state_shares_the_db_with_bookmarks(tmp_path: Path) -> None:
    from nexus_desktop.core.bookmarks import BookmarkStore
    with open_user_db(tmp_path) as db:
        BookmarkStore(db).add("nexus/a", "A")
        Preferences(db).set("k", 1)
    with open_user_db(tmp_path) as db:
        assert BookmarkStore(db).count() == 1 and Preferences(db).get("k") == 1


def test_damaged_session_rows_are_clamped_or_dropped(db: UserDB) -> None:
    """scroll = 2**62, a zoom of 10**9, ids that are not text: the session still loads, usable."""
    SessionStore(db).save(Session([TabState([HistoryItem("kb/a"), HistoryItem("kb/b", 5)], 1)], 0, 0))
    with db.transaction() as conn:
        conn.execute("UPDATE session_history SET scroll = ? WHERE entry_id = 'kb/b'", (2**62,))
        conn.execute("INSERT INTO session_history (tab, position, entry_id, scroll, anchor) VALUES (0, 2, ?, 'x', 7)",
                     (b"\xff\xfe",))
        conn.execute("UPDATE session SET zoom = ?, current = 'garbage'", (10**9,))
    session = SessionStore(db).load()
    assert session.zoom == ZOOM_RANGE[1] and session.current == 0
    assert session.tabs[0].history == [HistoryItem("kb/a"), HistoryItem("kb/b", MAX_SCROLL)]
