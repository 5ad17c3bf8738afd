"""Background workers: the search service over a real index, refreshed after the index changes."""

from __future__ import annotations

from nexus_desktop.core.library import find_file
from nexus_desktop.core.workspace import Workspace
from nexus_desktop.paths import user_dirs
from nexus_desktop.ui.workers import LibraryWorker, SearchService


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
    worker.indexed.connect(lambda report, snapshot: indexed.append((report, snapshot)))
    worker.start()  # run here, synchronously
    assert opened and opened[0].catalog == []
    report, snapshot = indexed[0]
    assert report.added == 3
    assert sorted(i.id for i in snapshot.catalog) == ["kb/gzip", "kb/notes/callouts", "kb/tar"]
    assert str(content_dir / "notes") in snapshot.folders
    assert set(snapshot.renderers) == {"light", "dark"}


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
