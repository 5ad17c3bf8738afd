"""End-to-end faults of the command line: a damaged or busy index, a read-only or missing data folder,
a full disk, hostile text for the terminal, queries that look like options, and no network."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import read_only_folder, small_disk
from tests.e2e.conftest import REPO
from tests.e2e.conftest import run_cli as run

DAMAGED_FILES = ["*._stored.col", "*._body_len.col", "*._title_len.col", "*.card.col", "*.trm"]


@pytest.fixture
def content(tmp_path: Path) -> Path:
    notes = tmp_path / "notes"
    notes.mkdir()
    for n in range(8):
        (notes / f"page{n}.md").write_text(f"# Page {n}\n\nword{n} about docker and tar archives\n", encoding="utf-8")
    (notes / "tar.md").write_text("# tar\n\nArchiving utility: tar -czf archive.tar.gz folder\n", encoding="utf-8")
    return notes


def index_dir(tmp_path: Path) -> Path:
    return next(p for p in (tmp_path / "data").rglob("nexus-index.json")).parent


def search_ids(tmp_path: Path, content: Path, query: str, **kwargs: object) -> tuple[list[str], str]:
    proc = run(tmp_path, "search", query, "--json", "--limit", "50", "--content", str(content), **kwargs)
    return sorted(h["id"] for h in json.loads(proc.stdout)["results"]), proc.stderr


def damage(path: Path, how: str) -> None:
    data = bytearray(path.read_bytes())
    if how == "truncated":
        data = data[:len(data) // 2]
    else:
        middle = len(data) // 2
        data[middle:middle + 64] = bytes(b ^ 0x5A for b in data[middle:middle + 64])
    path.write_bytes(bytes(data))


# --- a damaged index: set aside and rebuilt, with a notice ------------------------------------------------
@pytest.mark.parametrize("how", ["truncated", "garbled"])
@pytest.mark.parametrize("pattern", DAMAGED_FILES)
def test_search_over_a_damaged_index_rebuilds_it_and_answers(tmp_path: Path, content: Path, pattern: str,
                                                             how: str) -> None:
    run(tmp_path, "index", "--content", str(content))
    for target in index_dir(tmp_path).glob(pattern):
        damage(target, how)
    ids, stderr = search_ids(tmp_path, content, "docker")
    assert ids == [f"notes/page{n}" for n in range(8)]
    assert "rebuilt" in stderr and len(stderr.strip().splitlines()) == 1


def test_index_over_a_damaged_index_never_reports_unchanged(tmp_path: Path, content: Path) -> None:
    run(tmp_path, "index", "--content", str(content))
    for target in index_dir(tmp_path).glob("*.card.col"):
        damage(target, "garbled")
    proc = run(tmp_path, "index", "--json", "--content", str(content))
    report = json.loads(proc.stdout)
    assert (report["added"], report["unchanged"]) == (9, 0) and "rebuilt" in proc.stderr


def test_an_index_folder_replaced_by_a_file_is_rebuilt(tmp_path: Path, content: Path) -> None:
    run(tmp_path, "index", "--content", str(content))
    folder = index_dir(tmp_path)
    shutil.rmtree(folder)
    folder.write_text("not an index")
    ids, stderr = search_ids(tmp_path, content, "tar")
    assert "notes/tar" in ids and "rebuilt" in stderr


def test_leftovers_of_a_killed_merge_are_removed_by_the_next_run(tmp_path: Path, content: Path) -> None:
    run(tmp_path, "index", "--content", str(content))
    folder = index_dir(tmp_path)
    kept = sorted(p.name for p in folder.iterdir())
    (folder / "MAIN.tmp").mkdir()
    (folder / "MAIN.tmp" / "job.pickle").write_bytes(b"x" * 4096)
    (folder / "MAIN_0123456789abcdef.trm").write_bytes(b"")
    (folder / "MAIN_0123456789abcdef.pst").write_bytes(b"")
    run(tmp_path, "index", "--content", str(content))  # nothing changed: no commit, yet tidied
    assert sorted(p.name for p in folder.iterdir()) == kept


@pytest.mark.parametrize("moment", ["partial", "indexed"])  # during the build / during the merge
def test_a_kill_mid_run_leaves_nothing_behind_and_loses_no_file(tmp_path: Path, moment: str) -> None:
    import os
    import signal

    from tests.e2e.conftest import NET_GUARD

    content = tmp_path / "many"
    for n in range(1600):  # over the bulk threshold: worker processes and a first batch
        folder = content / f"group{n % 16}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"page{n}.md").write_text(f"# Page {n}\n\nunique{n} shared words\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(NET_GUARD)])}
    child = subprocess.Popen([sys.executable, "-m", "nexus_desktop", "index", "--events", "--merge", "--data-dir",
                              str(tmp_path / "data"), "--content", str(content)], stdout=subprocess.PIPE, text=True,
                             env=env, cwd=tmp_path)
    assert child.stdout is not None
    for line in child.stdout:
        if json.loads(line)["event"] == moment:
            child.send_signal(signal.SIGKILL)
            break
    child.wait(60)
    report = json.loads(run(tmp_path, "index", "--json", "--content", str(content)).stdout)
    assert report["added"] + report["unchanged"] == 1600 and report["skipped"] == []
    folder = index_dir(tmp_path)
    assert not (folder / "MAIN.tmp").exists()
    assert not [p for p in folder.iterdir() if p.name.startswith("MAIN_") and p.stat().st_size == 0
                and p.name != "MAIN_WRITELOCK"]
    found = json.loads(run(tmp_path, "search", "unique1599", "--json", "--content", str(content)).stdout)
    assert [h["id"] for h in found["results"]] == ["many/group15/page1599"]


# --- concurrency ------------------------------------------------------------------------------------------
def test_rebuild_during_another_indexing_run_leaves_its_index_alone(tmp_path: Path, content: Path) -> None:
    from whoosh import index as whoosh_index

    run(tmp_path, "index", "--content", str(content))
    writer = whoosh_index.open_dir(str(index_dir(tmp_path))).writer()  # another `index` is running
    try:
        proc = run(tmp_path, "index", "--rebuild", "--content", str(content), code=1)
        assert "being updated by another Nexus process" in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1
        ids, _ = search_ids(tmp_path, content, "tar")
        assert "notes/tar" in ids
    finally:
        writer.cancel()


def test_two_cli_bookmark_writers_at_once_lose_nothing(tmp_path: Path, content: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    ids = [f"notes/page{n}" for n in range(8)]
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda entry: run(tmp_path, "bookmarks", "add", entry, "--content", str(content)), ids))
    listing = json.loads(run(tmp_path, "bookmarks", "list", "--json", "--content", str(content)).stdout)
    assert sorted(b["id"] for b in listing["bookmarks"]) == ids


# --- read-only data folder, a data folder that is a file --------------------------------------------------
def test_a_read_only_data_folder_searches_shows_and_lists_as_it_is(tmp_path: Path, content: Path) -> None:
    run(tmp_path, "index", "--content", str(content))
    run(tmp_path, "bookmarks", "add", "notes/tar", "--content", str(content))
    (content / "page1.md").write_text("# Page 1\n\nzanzibar\n", encoding="utf-8")  # the index is now stale
    with read_only_folder(tmp_path / "data"):
        ids, stderr = search_ids(tmp_path, content, "word1")
        assert ids == ["notes/page1"] and "cannot be written" in stderr and "as it is" in stderr
        assert "zanzibar" in run(tmp_path, "show", "notes/page1", "--content", str(content)).stdout
        assert "<h1" in run(tmp_path, "show", "notes/page1", "--html", "--content", str(content)).stdout
        proc = run(tmp_path, "index", "--content", str(content), code=1)
        assert "cannot be written" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
        listing = run(tmp_path, "bookmarks", "list", "--content", str(content))
        assert "tar  [notes/tar]" in listing.stdout and "read-only" in listing.stderr
        run(tmp_path, "bookmarks", "export", str(tmp_path / "out.json"), "--content", str(content))
        assert json.loads((tmp_path / "out.json").read_text())["bookmarks"][0]["id"] == "notes/tar"
        proc = run(tmp_path, "bookmarks", "add", "notes/page2", "--content", str(content), code=1)
        assert "read-only" in proc.stderr


@pytest.mark.parametrize("argv", [["index"], ["search", "tar"], ["show", "notes/tar"], ["bookmarks", "list"],
                                  ["bookmarks", "add", "notes/tar"], ["bookmarks", "export", "x.json"]])
def test_a_data_folder_that_is_a_file_is_one_message_and_exit_2(tmp_path: Path, content: Path,
                                                                 argv: list[str]) -> None:
    (tmp_path / "data").write_text("I am a file")
    proc = run(tmp_path, *argv, "--content", str(content), code=2)
    assert proc.stderr.strip() == (f"nexus-desktop: cannot use the data folder {tmp_path / 'data'}: "
                                   "it is a file, not a folder")


# --- a full disk ------------------------------------------------------------------------------------------
def test_a_full_disk_is_one_line_no_temp_files_and_bookmarks_still_work(tmp_path: Path) -> None:
    content = tmp_path / "big"
    content.mkdir()
    for n in range(400):
        words = " ".join(f"w{n}x{k}" for k in range(500))
        (content / f"page{n}.md").write_text(f"# Page {n}\n\n{words}\n", encoding="utf-8")
    with small_disk(tmp_path / "data", "2m"):
        run(tmp_path, "bookmarks", "add", "big/page1", "--content", str(content))
        proc = run(tmp_path, "index", "--content", str(content), code=1)
        assert "No space left on device" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
        folder = index_dir(tmp_path)
        assert not [p for p in folder.iterdir() if p.name.startswith("MAIN_") and p.name != "MAIN_WRITELOCK"]
        assert not (folder / "MAIN.tmp").exists()
        listing = run(tmp_path, "bookmarks", "list", "--content", str(content))
        assert "Page 1  [big/page1]" in listing.stdout and "(missing)" not in listing.stdout


# --- terminal safety, queries that look like options ------------------------------------------------------
def test_control_characters_never_reach_the_terminal(tmp_path: Path, content: Path) -> None:
    (content / "evil.md").write_text("---\ntitle: \"\\e]0;pwned\\a Evil \\e[2J\"\n---\n\n"
                                     "body \x1b[31mred\x1b[0m zanzibar\n",
                                     encoding="utf-8")
    run(tmp_path, "bookmarks", "add", "notes/evil", "--content", str(content))
    outputs = [run(tmp_path, "search", "zanzibar", "--content", str(content)),
               run(tmp_path, "bookmarks", "list", "--content", str(content)),
               run(tmp_path, "show", "notes/evil", "--content", str(content))]
    for proc in outputs:
        assert "\x1b" not in proc.stdout + proc.stderr and "\x07" not in proc.stdout
        assert "\\x1b" in proc.stdout
    as_json = json.loads(run(tmp_path, "search", "zanzibar", "--json", "--content", str(content)).stdout)
    assert as_json["results"][0]["title"].startswith("\x1b]0;pwned")  # JSON carries the text exactly


@pytest.mark.parametrize("argv", [["search", "-tar"], ["search", "--", "-tar"], ["search", "-tar", "--json"],
                                  ["search", "--json", "docker", "-word1"], ["search", "-w", "--limit", "3"]])
def test_a_query_starting_with_a_dash_is_a_query_not_an_option(tmp_path: Path, content: Path,
                                                               argv: list[str]) -> None:
    proc = subprocess.run([sys.executable, "-m", "nexus_desktop", *argv, "--content", str(content), "--data-dir",
                           str(tmp_path / "data")], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert "unrecognized arguments" not in proc.stderr and "expected one argument" not in proc.stderr
    assert "Traceback" not in proc.stderr
    if proc.returncode == 2:  # the search itself judged it: a query of exclusions only
        assert "bad query '-" in proc.stderr and len(proc.stderr.splitlines()) == 1
        return
    assert proc.returncode == 0, proc.stderr
    if "--json" in argv:
        data = json.loads(proc.stdout)
        assert data["query"] == "docker -word1"
        assert sorted(h["id"] for h in data["results"]) == [f"notes/page{n}" for n in range(8) if n != 1]


# --- offline ----------------------------------------------------------------------------------------------
def test_the_suite_refuses_internet_sockets_in_process_and_in_children(tmp_path: Path) -> None:
    import socket

    with pytest.raises(OSError, match="no Internet socket"):
        socket.create_connection(("127.0.0.1", 9), timeout=1)
    child = subprocess.run([sys.executable, "-c", "import socket; socket.socket()"], capture_output=True,
                           text=True, timeout=60)
    assert child.returncode != 0 and "no Internet socket" in child.stderr
    with socket.socket(socket.AF_UNIX) as local:  # local sockets (single instance, pipes) are fine
        assert local.family == socket.AF_UNIX


def test_every_command_runs_without_an_internet_socket(tmp_path: Path, content: Path) -> None:
    log = tmp_path / "net.log"
    env = {"NEXUS_NET_LOG": str(log)}
    for argv in (["index", "--merge"], ["index", "--events"], ["search", "docker"], ["show", "notes/tar", "--html"],
                 ["bookmarks", "add", "notes/tar"], ["bookmarks", "list"], ["bookmarks", "export", "b.xbel"],
                 ["selftest"]):
        run(tmp_path, *argv, "--content", str(content), env_extra=env)
    assert not log.exists(), log.read_text()


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare")
def test_the_cli_works_with_no_network_at_all(tmp_path: Path, content: Path) -> None:
    probe = subprocess.run(["unshare", "-rn", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("cannot make a network namespace here")
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen"}
    for argv in (["index"], ["search", "docker", "--json"], ["bookmarks", "add", "notes/tar"]):
        proc = subprocess.run(["unshare", "-rn", sys.executable, "-m", "nexus_desktop", *argv, "--data-dir",
                               str(tmp_path / "data"), "--content", str(content)], env=env, capture_output=True,
                              text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
