"""The library controller: indexed libraries and reports in order, files watched, one shutdown that cuts it all."""

from __future__ import annotations

from nexus_desktop.ui.library_controller import LibraryController
from nexus_desktop.ui.main_window import MainWindow

TIMEOUT_MS = 30_000


def test_opened_then_indexed_each_with_the_library(qtbot, data_dir, content_dir):
    library = LibraryController(str(data_dir), [str(content_dir)])
    order: list[str] = []
    library.library_ready.connect(lambda _library: order.append("library"))
    library.opened.connect(lambda _library: order.append("opened"))
    try:
        with qtbot.waitSignal(library.indexed, timeout=TIMEOUT_MS) as got:
            library.start()
        report, library_updated = got.args
        assert report.added == 3 and library_updated
        assert order[:2] == ["library", "opened"] and order[-1] == "library"
        assert str(content_dir / "notes") in library.watcher.directories()
    finally:
        library.shutdown()


def test_a_changed_folder_is_reindexed(qtbot, data_dir, content_dir):
    library = LibraryController(str(data_dir), [str(content_dir)])
    try:
        with qtbot.waitSignal(library.indexed, timeout=TIMEOUT_MS):
            library.start()
        with qtbot.waitSignal(library.indexed, timeout=TIMEOUT_MS) as got:
            (content_dir / "notes" / "new.md").write_text("# New\n", encoding="utf-8")
        assert got.args[0].added == 1
    finally:
        library.shutdown()


def test_open_files_are_watched_and_nothing_comes_after_shutdown(qtbot, data_dir, content_dir):
    library = LibraryController(str(data_dir), [str(content_dir)])
    received: list[object] = []
    library.indexed.connect(lambda *args: received.append(args))
    with qtbot.waitSignal(library.indexed, timeout=TIMEOUT_MS):
        library.start()
    tar = str(content_dir / "tar.md")
    library.watch_files({tar})
    assert library.watcher.files() == [tar]
    library.watch_files(set())
    assert library.watcher.files() == []
    library.shutdown()
    count = len(received)
    (content_dir / "late.md").write_text("# Late\n", encoding="utf-8")
    qtbot.wait(600)
    assert len(received) == count


def test_a_window_started_while_another_process_indexes_picks_up_its_index(qtbot, data_dir, content_dir,
                                                                            make_window):
    """Read-only while the other writer holds the lock; then the finished index is searched, the entry
    added meanwhile is found, and the "Read-only index" indicator is gone."""
    import threading

    from whoosh import index as whoosh_index

    from nexus_desktop.core.workspace import Workspace
    from nexus_desktop.paths import user_dirs
    from tests.ui.conftest import search_and_wait

    workspace = Workspace.create(user_dirs(str(data_dir)), [str(content_dir)])
    workspace.update_index()
    workspace.index.close()
    (content_dir / "zanzibar.md").write_text("# Zanzibar\n\nAn island of spices.\n", encoding="utf-8")
    writer = whoosh_index.open_dir(str(workspace.index_dir)).writer()  # another process is indexing
    threading.Timer(3.0, writer.cancel).start()
    window = make_window(wait=False)
    qtbot.waitUntil(lambda: hasattr(window, "status") and window.status.read_only_label.isVisible(),
                    timeout=TIMEOUT_MS)
    assert window.library.read_only
    qtbot.waitUntil(lambda: not window.status.read_only_label.isVisible(), timeout=TIMEOUT_MS)
    assert not window.library.read_only
    search_and_wait(qtbot, window, "zanzibar")
    assert [hit.id for hit in window.search_panel.model.hits] == ["kb/zanzibar"]


def test_one_indexing_figure_in_the_status_bar_and_the_search_panel_until_the_merge_ends(
        qtbot, tmp_path, make_window):
    """The controller's `indexing` is the one figure: the status bar and the search panel's note say the
    same words at every step, the total never changes, and it is shown until the run (merge included) ends."""
    from nexus_desktop.core.indexing import MERGING

    content = tmp_path / "big"
    content.mkdir()
    for n in range(1200):
        (content / f"page{n:04}.md").write_text(f"# Page {n}\n\nRivers and lakes, page {n}.\n", encoding="utf-8")
    window = MainWindow(str(tmp_path / "big-data"), [str(content)])
    qtbot.addWidget(window)
    seen: list[tuple[object, str, str, bool]] = []

    def record(progress) -> None:
        seen.append((progress, window.status.progress.format(), window.search_panel.index_note,
                     window.status.progress.isVisible()))

    window.show()
    qtbot.waitUntil(lambda: hasattr(window, "library"), timeout=TIMEOUT_MS)
    window.library.indexing_changed.connect(record)
    with qtbot.waitSignal(window.library.merged, timeout=120_000):
        pass
    shown = [s for s in seen if s[0] is not None]
    assert shown and all(fmt == note == progress.text and visible for progress, fmt, note, visible in shown)
    assert {progress.total for progress, *_ in shown} == {1200}
    assert shown[-1][0].phase == MERGING and shown[-1][0].done == 1200
    assert seen[-1][0] is None and window.library.indexing is None
    assert not window.status.progress.isVisible() and window.search_panel.index_note == ""
