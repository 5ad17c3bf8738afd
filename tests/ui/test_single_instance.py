"""One window per data folder: a second launch hands over its entries and ends; stale sockets go."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nexus_desktop.cli import _opens_the_window
from nexus_desktop.core.instance import instance_name
from nexus_desktop.ui.single_instance import socket_address
from tests.ui.test_session_controller import REPO, _launch, _stored_session, _wait_for_session_row, launch_and_crash

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and socket files")


def _run(data_dir: Path, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "nexus_desktop", "--data-dir", str(data_dir), *args],
                          cwd=str(REPO), env=env, text=True, capture_output=True, timeout=timeout)


def _open_ids(data_dir: Path) -> list[str]:
    session = _stored_session(data_dir)
    return [tab.history[tab.index].entry_id for tab in session.tabs]


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def test_a_second_launch_hands_its_entries_to_the_running_window(data_dir, content_dir):
    first = _launch(data_dir, content_dir)
    try:
        _wait_for_session_row(data_dir, first)
        started = time.monotonic()
        second = _run(data_dir, "--content", str(content_dir), "nexus://open?id=kb/gzip", "kb/tar#options")
        assert second.returncode == 0, second.stderr
        assert time.monotonic() - started < 20  # it did not open a window of its own (that would time out)
        deadline = time.monotonic() + 30  # the window saves its session about a second after the change
        while time.monotonic() < deadline and not {"kb/gzip", "kb/tar"} <= set(_open_ids(data_dir)):
            time.sleep(0.2)
        assert {"kb/gzip", "kb/tar"} <= set(_open_ids(data_dir))
        tar = next(t for t in _stored_session(data_dir).tabs if t.history[t.index].entry_id == "kb/tar")
        assert tar.history[tar.index].anchor == "options"
        listing = _run(data_dir, "bookmarks", "list", "--content", str(content_dir))  # the CLI works beside it
        assert listing.returncode == 0, listing.stderr
    finally:
        _stop(first)
    assert first.returncode == 0


def test_a_socket_left_by_a_crashed_window_is_cleaned_up(data_dir, content_dir):
    address = Path(socket_address(instance_name(data_dir, str(os.getuid()))))
    launch_and_crash(data_dir, content_dir)
    assert address.exists()  # what the crash left
    second = _launch(data_dir, content_dir)
    try:
        _wait_for_session_row(data_dir, second)
        third = _run(data_dir, "--content", str(content_dir), "kb/gzip")
        assert third.returncode == 0, third.stderr
        deadline = time.monotonic() + 30  # the window saves its session about a second after the change
        while time.monotonic() < deadline and "kb/gzip" not in _open_ids(data_dir):
            time.sleep(0.2)
        assert "kb/gzip" in _open_ids(data_dir)
    finally:
        _stop(second)
    assert not address.exists()  # a clean exit takes its socket along


def test_a_bad_entry_argument_is_a_usage_error(data_dir):
    done = _run(data_dir, "kb/../../etc/passwd")
    assert done.returncode == 2
    assert "not an entry id" in done.stderr and "Traceback" not in done.stderr


def test_entries_to_open_are_window_arguments_and_sub_commands_are_not():
    assert _opens_the_window(["--data-dir", "d", "kb/tar", "nexus://open?id=kb/tar"])
    assert _opens_the_window([])
    assert not _opens_the_window(["search", "tar"])
    assert not _opens_the_window(["--version"])
    assert not _opens_the_window(["--data-dir", "d", "bookmarks", "list"])
