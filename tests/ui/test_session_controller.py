"""The session is saved about a second after each change and survives kill -9; SIGTERM quits cleanly."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.launch_bench import session_saved_at
from nexus_desktop.core.state import HistoryItem, Session, SessionStore, TabState, session_library
from nexus_desktop.core.userdb import open_user_db
from nexus_desktop.ui.session_controller import SAVE_DELAY_MS

REPO = Path(__file__).resolve().parents[2]


def _stored_session(data_dir: Path) -> Session:
    """The session as a new process would read it (a fresh connection to the database), whichever
    library it was saved for."""
    db = open_user_db(data_dir)
    try:
        store = SessionStore(db)
        return store.load(store.library())
    finally:
        db.close()


def _tab_ids(session: Session) -> list[str]:
    return [tab.history[tab.index].entry_id for tab in session.tabs]


def test_opened_tabs_are_saved_within_a_second(qtbot, make_window, data_dir):
    window = make_window()
    started = time.monotonic()
    with qtbot.waitSignal(window.session_keeper.saved, timeout=SAVE_DELAY_MS + 2000):
        window.open_entry("kb/tar")
        window.new_tab("kb/gzip")
    assert time.monotonic() - started < 2.0  # the design's budget: a crash loses nothing the user saw
    assert _tab_ids(_stored_session(data_dir)) == ["kb/tar", "kb/gzip"]


def test_closing_moving_navigating_and_scrolling_are_saved(qtbot, make_window, data_dir):
    window = make_window()
    tab = window.open_entry("kb/tar")
    window.new_tab("kb/gzip")
    window.new_tab("kb/notes/callouts")
    with qtbot.waitSignal(window.session_keeper.saved, timeout=5000):
        window.tab_owner.close_tab(1)
    assert _tab_ids(_stored_session(data_dir)) == ["kb/tar", "kb/notes/callouts"]
    with qtbot.waitSignal(window.session_keeper.saved, timeout=5000):
        window.tabs.tabBar().moveTab(0, 1)
    assert _tab_ids(_stored_session(data_dir)) == ["kb/notes/callouts", "kb/tar"]
    with qtbot.waitSignal(window.session_keeper.saved, timeout=5000):
        tab.open("kb/gzip")
    assert _tab_ids(_stored_session(data_dir))[1] == "kb/gzip"
    tab.back()
    bar = tab.browser.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 300)
    qtbot.waitUntil(lambda: not window.session_keeper.pending, timeout=5000)
    with qtbot.waitSignal(window.session_keeper.saved, timeout=5000):
        bar.setValue(300)
    saved = _stored_session(data_dir).tabs[1]
    assert saved.history[saved.index] == HistoryItem("kb/tar", 300)


def test_a_session_that_fails_to_load_is_reported(qtbot, make_window, monkeypatch):
    def broken(_self, _library=""):
        raise sqlite3.DatabaseError("database disk image is malformed")

    monkeypatch.setattr(SessionStore, "load", broken)
    window = make_window()
    qtbot.waitUntil(lambda: window.banner.isVisible())
    assert "could not be restored" in window.banner.label.text()
    assert window.tab_count() == 1  # a fresh tab instead


def test_a_damaged_session_never_blocks_startup_or_the_library(qtbot, make_window, data_dir, content_dir):
    db = open_user_db(data_dir)
    SessionStore(db).save(Session([TabState([HistoryItem("kb/tar", 5)]), TabState([HistoryItem("kb/no-such")]),
                                   TabState([HistoryItem("kb/gzip")])], 0, 0), session_library([str(content_dir)]))
    with db.transaction() as conn:
        conn.execute("UPDATE session_history SET scroll = ? WHERE entry_id = 'kb/tar'", (2**62,))
        conn.execute("INSERT INTO session_history (tab, position, entry_id) VALUES (2, 1, ?)", (b"\x00garbage",))
    db.close()
    window = make_window()  # waits for the library to be indexed
    assert window.tab_count() == 3
    assert window.current_tab().entry_id == "kb/tar"
    window.tabs.setCurrentIndex(1)
    assert "Entry not found" in window.current_tab().browser.toPlainText()


def test_a_session_of_another_library_is_not_restored(qtbot, make_window, data_dir, tmp_path):
    db = open_user_db(data_dir)
    SessionStore(db).save(Session([TabState([HistoryItem("other/page")]), TabState([HistoryItem("kb/tar")])], 1),
                          session_library([str(tmp_path / "another-library")]))
    db.close()
    window = make_window()
    assert window.tab_count() == 1  # a fresh tab, not tabs of entries this library does not have
    assert "Entry not found" not in window.current_tab().browser.toPlainText()
    with qtbot.waitSignal(window.session_keeper.saved, timeout=5000):
        window.open_entry("kb/gzip")
    assert _tab_ids(_stored_session(data_dir)) == ["kb/gzip"]  # now this library's session


# --- the real program, as a process ---------------------------------------------------------------
def _launch(data_dir: Path, content_dir: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.Popen([sys.executable, "-m", "nexus_desktop", "--data-dir", str(data_dir),
                             "--content", str(content_dir)], cwd=str(REPO), env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for_session_row(data_dir: Path, process: subprocess.Popen[str], timeout: float = 60.0) -> None:
    """Until the window has saved a session (a new one: the rows of an earlier run don't count)."""
    path = data_dir / "nexus.sqlite3"
    before = session_saved_at(path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _out, err = process.communicate()
            pytest.fail(f"the window ended with code {process.returncode} while starting:\n{err}", pytrace=False)
        saved = session_saved_at(path)
        if saved is not None and saved != before:
            return
        time.sleep(0.1)
    raise AssertionError("the window saved no session")


def launch_and_crash(data_dir: Path, content_dir: Path) -> None:
    """Launch the window, wait until it saved its session, then kill -9 it."""
    process = _launch(data_dir, content_dir)
    try:
        _wait_for_session_row(data_dir, process)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_session_survives_kill_9(data_dir, content_dir):
    launch_and_crash(data_dir, content_dir)
    assert len(_stored_session(data_dir).tabs) == 1  # the tab the window showed


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_quits_like_ctrl_q(data_dir, content_dir):
    db = open_user_db(data_dir)
    SessionStore(db).save(Session([TabState([HistoryItem("kb/tar")]), TabState([HistoryItem("kb/gzip")])], 1, 2),
                          session_library([str(content_dir)]))
    with db.transaction() as conn:
        conn.execute("UPDATE session SET saved = '2000-01-01T00:00:00+00:00'")
    db.close()
    process = _launch(data_dir, content_dir)
    try:
        _wait_for_session_row(data_dir, process)  # the window is up and has restored the tabs
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "Traceback" not in err
    session = _stored_session(data_dir)
    assert _tab_ids(session) == ["kb/tar", "kb/gzip"] and session.current == 1 and session.zoom == 2
    conn = sqlite3.connect(data_dir / "nexus.sqlite3")
    try:
        assert conn.execute("SELECT value FROM preference WHERE key = 'window.geometry'").fetchone()  # Ctrl+Q path
    finally:
        conn.close()
