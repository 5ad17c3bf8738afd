"""Background workers: the search service over a real index, refreshed after the index changes."""

from __future__ import annotations

import os
from pathlib import Path

from nexus_desktop.core.library import find_file
from nexus_desktop.core.workspace import Workspace
from nexus_desktop.paths import user_dirs
from nexus_desktop.ui.search_service import SearchService
from nexus_desktop.ui.workers import LibraryService, LibraryWorker


def _search(qtbot, service: SearchService, text: str):
    with qtbot.waitSignal(service.results, timeout=10_000) as got:
        service.request(text)
    return got.args[1]


def test_search_after_new_segments_and_merge_has_no_duplicates(qtbot, data_dir, content_dir):
    workspace = Workspace.create(user_dirs(str(data_dir)), [str(content_dir)])
    workspace.update_index()
    service = SearchService()
    try:
        service.set_index(workspace.index)
        assert [h.id for h in _search(qtbot, service, "gzip").results][:1] == ["kb/gzip"]
        for n in range(3):  # one segment per write, then merge them
            (content_dir / f"more{n}.md").write_text(f"# More {n}\n\ngzip again\n", encoding="utf-8")
            workspace.index.update_files(workspace.roots, [find_file(workspace.roots, f"kb/more{n}")])
        service.refresh()
        ids = [h.id for h in _search(qtbot, service, "gzip").results]
        assert len(ids) == len(set(ids)) == 5  # gzip, tar (links to gzip), more0-2
        assert workspace.index.merge()
        service.refresh()
        ids = [h.id for h in _search(qtbot, service, "gzip").results]
        assert len(ids) == len(set(ids)) == 5  # gzip, tar (links to gzip), more0-2
    finally:
        service.shutdown()


def test_newer_query_drops_older_ones(qtbot, data_dir, content_dir):
    workspace = Workspace.create(user_dirs(str(data_dir)), [str(content_dir)])
    workspace.update_index()
    service = SearchService()
    seen: list[int] = []
    service.results.connect(lambda seq, _results: seen.append(seq))
    try:
        first = service.request("tar")  # queued before the index is there: waits
        service.set_index(workspace.index)
        last = service.request("gzip")
        qtbot.waitUntil(lambda: last in seen)
        assert first not in seen and seen == [last]
    finally:
        service.shutdown()


def test_library_worker_reports_progress_and_index(qtbot, data_dir, content_dir):
    worker = LibraryWorker(str(data_dir), [str(content_dir)])
    opened, indexed = [], []
    worker.opened.connect(opened.append)
    worker.indexed.connect(lambda report, library: indexed.append((report, library)))
    worker.start()  # run here, synchronously
    assert opened and opened[0].catalog == []
    report, library = indexed[0]
    assert report.added == 3
    assert sorted(i.id for i in library.catalog) == ["kb/gzip", "kb/notes/callouts", "kb/tar"]
    assert str(content_dir / "notes") in library.folders
    assert set(library.renderers) == {"light", "dark"}


def test_a_searcher_that_cannot_open_is_reported_not_silent(qtbot, data_dir, content_dir):
    def broken(_index):
        raise OSError("index files unreadable")

    service = SearchService(searcher_factory=broken)
    try:
        seq = service.request("tar")
        with qtbot.waitSignal(service.failed, timeout=10_000) as got:
            service.set_index(object())
        assert got.args[0] == seq and "index files unreadable" in got.args[1]
    finally:
        service.shutdown()


def _processes_mentioning(text: str) -> list[int]:
    """Live processes whose command line contains `text` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and text in (entry / "cmdline").read_bytes().decode(errors="replace"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _state(pid: int) -> str:
    try:
        return next(line.split()[1] for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                    if line.startswith("State:"))
    except (OSError, StopIteration):
        return "gone"


def test_indexing_runs_in_a_child_process_that_ends_with_the_window(qtbot, tmp_path):
    library = tmp_path / "big"
    library.mkdir()
    for n in range(3000):
        (library / f"page{n:04}.md").write_text(f"# Page {n}\n\nRivers and lakes, page {n}.\n", encoding="utf-8")
    data = tmp_path / "indexing-child-data"
    service = LibraryService(str(data), [str(library)])
    progressed: list[int] = []
    service.worker.progress.connect(lambda progress: progressed.append(progress.done))
    service.start()
    qtbot.waitUntil(lambda: bool(progressed and _processes_mentioning(str(data))), timeout=30_000)
    assert os.getpid() not in _processes_mentioning(str(data))  # the work is not in the app's process
    try:
        assert not progressed or progressed[-1] < 3000  # still indexing when the window goes
    finally:
        service.shutdown()
    qtbot.waitUntil(lambda: all(_state(pid) in ("gone", "Z") for pid in _processes_mentioning(str(data))),
                    timeout=10_000)
    workspace = Workspace.create(user_dirs(str(data)), [str(library)])
    assert workspace.update_index().changed  # the lock was let go: the next launch indexes normally


def test_a_crashed_indexing_process_is_reported_with_its_reason(qtbot, data_dir, content_dir, monkeypatch):
    import sys

    from nexus_desktop.core import indexing

    message = "nexus-desktop: the disk is full"
    monkeypatch.setattr(indexing, "child_command",
                        lambda *_args: [sys.executable, "-c", f"import sys; sys.exit({message!r})"])
    worker = LibraryWorker(str(data_dir), [str(content_dir)])
    failures: list[str] = []
    worker.failed.connect(failures.append)
    worker.start()  # run here, synchronously
    assert failures == ["Indexing failed: the disk is full"]


def test_without_child_processes_indexing_happens_in_the_worker_thread(qtbot, data_dir, content_dir, monkeypatch):
    from nexus_desktop.ui import workers

    def refuse(*_args, **_kwargs):
        raise PermissionError("process creation is not allowed here")

    monkeypatch.setattr(workers.subprocess, "Popen", refuse)
    worker = LibraryWorker(str(data_dir), [str(content_dir)])
    indexed = []
    worker.indexed.connect(lambda report, library: indexed.append((report, library)))
    worker.start()
    report, library = indexed[0]
    assert report.added == 3 and len(library.catalog) == 3


def test_indexed_libraries_leave_the_garbage_collector_as_they_found_it(qtbot, data_dir, content_dir):
    import gc

    worker = LibraryWorker(str(data_dir), [str(content_dir)])
    libraries = []
    worker.indexed.connect(lambda _report, library: libraries.append(library))
    worker.start()
    assert gc.isenabled() and libraries[0].catalog
    gc.disable()
    try:
        worker.reload_roots()
        assert not gc.isenabled()  # a caller's choice is kept
    finally:
        gc.enable()


def test_an_indexed_library_that_cannot_be_built_is_reported(qtbot, data_dir, content_dir, monkeypatch):
    import sys

    from nexus_desktop.core import indexing

    event = '{"event": "indexed", "report": {"added": 1}}'
    monkeypatch.setattr(indexing, "child_command", lambda *_args: [sys.executable, "-c", f"print({event!r})"])
    worker = LibraryWorker(str(data_dir), [str(content_dir)])
    real_build, calls = worker._indexed_library, []

    def build(read_only: bool = False):
        calls.append(read_only)
        if len(calls) > 1:  # the library opens; building it after indexing fails
            raise OSError("index segment unreadable")
        return real_build(read_only)

    monkeypatch.setattr(worker, "_indexed_library", build)
    failures: list[str] = []
    worker.failed.connect(failures.append)
    worker.start()
    assert failures == ["The library could not be updated: index segment unreadable"]


def test_changes_in_a_few_folders_are_indexed_at_once_and_many_by_a_full_update(qtbot, data_dir, content_dir):
    worker = LibraryWorker(str(data_dir), [str(content_dir)])
    reports = []
    worker.indexed.connect(lambda report, _library: reports.append(report))
    worker.start()
    (content_dir / "notes" / "zebra.md").write_text("# Zebra\n\nStriped.\n", encoding="utf-8")
    worker.reindex([str(content_dir / "notes")])
    assert (reports[-1].added, reports[-1].unchanged) == (1, 1)  # only the notes folder was read
    (content_dir / "yak.md").write_text("# Yak\n\nWoolly.\n", encoding="utf-8")
    many = [str(content_dir / "notes")] * 40
    worker.reindex(many)
    assert (reports[-1].added, reports[-1].unchanged) == (1, 4)  # the whole library was compared


def test_without_a_data_dir_the_indexing_process_writes_the_index_the_window_reads(qtbot, tmp_path, content_dir,
                                                                                   monkeypatch):
    monkeypatch.delenv("NEXUS_DESKTOP_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))   # platformdirs' folders (Linux)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    worker = LibraryWorker(None, [str(content_dir)])
    indexed = []
    worker.indexed.connect(lambda report, library: indexed.append((report, library)))
    worker.start()
    report, library = indexed[0]
    assert report.added == 3 and len(library.catalog) == 3
    assert not (tmp_path / "xdg-data" / "nexus-desktop" / "cache").exists()  # no second index elsewhere


def test_a_partial_library_says_its_start_page_counts_are_of_the_entries_read_so_far(qtbot, data_dir, content_dir):
    worker = LibraryWorker(str(data_dir), [str(content_dir)])
    worker.start()  # run here, synchronously (3 entries indexed)
    partial = []
    worker.partial.connect(partial.append)
    worker._apply_event({"event": "progress", "done": 3, "total": 4000})  # as the indexing child reports it
    worker._apply_event({"event": "partial"})
    assert "<strong>4,000</strong> entries in <strong>1</strong> folder, being indexed" in partial[0].overview_html
    assert "<strong>3</strong> read so far" in partial[0].overview_html
