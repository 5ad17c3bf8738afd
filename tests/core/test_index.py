"""Index rules: full and incremental builds, repair of a damaged index, locking, the multiprocess path."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from nexus_desktop.core import index as index_module
from nexus_desktop.core.index import CHECKSUM_FILE, META_FILE, IndexBusy, IndexDamaged, IndexReadOnly, \
    IndexWriteError, SearchIndex
from nexus_desktop.core.library import Root, scan
from nexus_desktop.core.search import Searcher
from tests.conftest import read_only_folder, small_disk


def make_library(folder: Path, count: int = 12) -> Root:
    for n in range(count):
        sub = folder / f"topic{n % 3}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"page{n}.md").write_text(
            f"---\ntitle: Page {n}\ntags: [t{n % 4}]\n---\n# Page {n}\n\nword{n} shared text about docker\n",
            encoding="utf-8")
    return Root("kb", folder)


def search_ids(index: SearchIndex, query: str, limit: int = 100) -> list[str]:
    searcher = Searcher(index)
    try:
        return [h.id for h in searcher.search(query, limit=limit).results]
    finally:
        searcher.close()


def bump(path: Path, text: str | None = None) -> None:
    """Change a file so its (mtime_ns, size) differ from what was indexed."""
    old = path.stat()
    if text is not None:
        path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(old.st_atime_ns, old.st_mtime_ns + 1_000_000_000))


@pytest.fixture
def root(tmp_path: Path) -> Root:
    return make_library(tmp_path / "kb")


@pytest.fixture
def index(tmp_path: Path):
    ix = SearchIndex(tmp_path / "data" / "index")
    yield ix
    ix.close()


def test_full_build_then_nothing_to_do(root: Root, index: SearchIndex) -> None:
    report = index.update([root])
    assert (report.added, report.updated, report.removed, report.unchanged) == (12, 0, 0, 0)
    assert report.roots == ["kb"] and report.skipped == [] and report.notices == []
    assert index.doc_count() == 12
    again = index.update([root])
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 12)
    assert not again.changed
    shape = again.to_json()
    assert set(shape) >= {"roots", "added", "updated", "removed", "unchanged", "skipped", "seconds"}


def test_second_run_in_a_new_process_object_does_no_work(root: Root, tmp_path: Path) -> None:
    first = SearchIndex(tmp_path / "ix")
    first.update([root])
    first.close()
    second = SearchIndex(tmp_path / "ix")
    report = second.update([root])
    second.close()
    assert (report.added, report.updated, report.removed, report.unchanged) == (0, 0, 0, 12)
    assert report.notices == []


def test_touched_file_is_updated(root: Root, index: SearchIndex) -> None:
    index.update([root])
    bump(root.path / "topic1" / "page1.md")
    report = index.update([root])
    assert (report.added, report.updated, report.removed, report.unchanged) == (0, 1, 0, 11)
    assert index.doc_count() == 12


def test_changed_content_is_searchable_and_old_content_gone(root: Root, index: SearchIndex) -> None:
    index.update([root])
    bump(root.path / "topic1" / "page1.md", "# Page 1\n\nzanzibar now\n")
    report = index.update([root])
    assert report.updated == 1
    assert search_ids(index, "zanzibar") == ["kb/topic1/page1"]
    assert search_ids(index, "word1") == []


def test_deleted_file_is_removed(root: Root, index: SearchIndex) -> None:
    index.update([root])
    (root.path / "topic2" / "page2.md").unlink()
    report = index.update([root])
    assert (report.added, report.updated, report.removed, report.unchanged) == (0, 0, 1, 11)
    assert index.doc_count() == 11
    assert search_ids(index, "word2") == []


def test_new_file_is_added(root: Root, index: SearchIndex) -> None:
    index.update([root])
    (root.path / "topic0" / "fresh.md").write_text("# Fresh\n\nquokka\n", encoding="utf-8")
    report = index.update([root])
    assert (report.added, report.updated, report.removed, report.unchanged) == (1, 0, 0, 12)
    assert search_ids(index, "quokka") == ["kb/topic0/fresh"]


def test_rebuild_starts_over(root: Root, index: SearchIndex) -> None:
    index.update([root])
    report = index.update([root], rebuild=True)
    assert (report.added, report.unchanged) == (12, 0)
    assert index.doc_count() == 12


def test_unreadable_entries_are_reported_as_skipped(root: Root, index: SearchIndex) -> None:
    (root.path / "binary.md").write_bytes(b"\x00\x01\x02" * 50)
    report = index.update([root])
    assert report.added == 12
    assert [Path(s["path"]).name for s in report.skipped] == ["binary.md"]
    assert "binary" in report.skipped[0]["reason"]


def test_catalog_and_refs(root: Root, index: SearchIndex) -> None:
    index.update([root])
    items = index.catalog()
    assert [i.id for i in items] == sorted(i.id for i in items)
    page = next(i for i in items if i.id == "kb/topic0/page3")
    assert page.title == "Page 3" and page.tags == ("t3",) and page.path == "topic0/page3.md"
    assert {r.id for r in index.entry_refs()} == set(scan([root]).files)


# --- damaged indexes ------------------------------------------------------------------------
def _built(root: Root, path: Path) -> Path:
    ix = SearchIndex(path)
    ix.update([root])
    ix.close()
    return path


def _assert_rebuilt(root: Root, path: Path) -> None:
    ix = SearchIndex(path)
    try:
        report = ix.update([root])
        assert report.added == 12, report
        assert report.notices and "rebuilt" in report.notices[0]
        assert ix.doc_count() == 12
        assert search_ids(ix, "word5") == ["kb/topic2/page5"]
    finally:
        ix.close()
    assert path.with_name(path.name + ".broken").is_dir()


@pytest.mark.parametrize("pattern", ["*.trm", "*.pst", "*.card.col", "*._stored.col", "_MAIN_*.toc"])
def test_garbage_in_index_files_is_moved_aside_and_rebuilt(root: Root, tmp_path: Path, pattern: str) -> None:
    path = _built(root, tmp_path / "ix")
    targets = list(path.glob(pattern))
    assert targets, list(path.iterdir())
    for target in targets:
        target.write_bytes(b"garbage" * 100)
    _assert_rebuilt(root, path)


def test_truncated_segment_is_moved_aside_and_rebuilt(root: Root, tmp_path: Path) -> None:
    path = _built(root, tmp_path / "ix")
    targets = list(path.glob("*.pst")) + list(path.glob("*.trm"))
    assert targets
    for target in targets:
        target.write_bytes(target.read_bytes()[:40])
    _assert_rebuilt(root, path)


def test_missing_segment_is_moved_aside_and_rebuilt(root: Root, tmp_path: Path) -> None:
    path = _built(root, tmp_path / "ix")
    for target in path.glob("*.pst"):
        target.unlink()
    _assert_rebuilt(root, path)


def test_wrong_schema_version_is_moved_aside_and_rebuilt(root: Root, tmp_path: Path) -> None:
    path = _built(root, tmp_path / "ix")
    meta = json.loads((path / META_FILE).read_text())
    (path / META_FILE).write_text(json.dumps({**meta, "schema_version": -1}))
    _assert_rebuilt(root, path)


@pytest.mark.parametrize("content", ["not json", "[1, 2]", ""])
def test_unreadable_version_stamp_is_moved_aside_and_rebuilt(root: Root, tmp_path: Path, content: str) -> None:
    path = _built(root, tmp_path / "ix")
    (path / META_FILE).write_text(content)
    _assert_rebuilt(root, path)


def test_missing_toc_is_moved_aside_and_rebuilt(root: Root, tmp_path: Path) -> None:
    path = _built(root, tmp_path / "ix")
    for target in path.glob("*.toc"):
        target.unlink()
    _assert_rebuilt(root, path)


def test_index_folder_that_is_a_file_is_set_aside_and_rebuilt(root: Root, tmp_path: Path) -> None:
    path = tmp_path / "ix"
    path.write_text("not a folder")
    ix = SearchIndex(path)
    try:
        report = ix.update([root])
    finally:
        ix.close()
    assert report.added == 12 and "its folder was a file" in report.notices[0]
    assert path.is_dir() and path.with_name("ix.broken").read_text() == "not a folder"


def _damage_file(target: Path, how: str) -> None:
    data = bytearray(target.read_bytes())
    if how == "truncated":
        data = data[:len(data) // 2]
    else:  # garbled: bytes changed in the middle, the size kept
        middle = len(data) // 2
        for n in range(middle, min(len(data), middle + 64)):
            data[n] ^= 0x5A
    target.write_bytes(bytes(data))


DAMAGED_FILES = ["*._stored.col", "*._body_len.col", "*._title_len.col", "*.card.col", "*.trm", "*.pst"]


@pytest.mark.parametrize("how", ["truncated", "garbled"])
@pytest.mark.parametrize("pattern", DAMAGED_FILES)
def test_any_damaged_index_file_means_rebuild_never_unchanged(root: Root, tmp_path: Path, pattern: str,
                                                              how: str) -> None:
    path = _built(root, tmp_path / "ix")
    targets = list(path.glob(pattern))
    assert targets
    for target in targets:
        _damage_file(target, how)
    _assert_rebuilt(root, path)


@pytest.mark.parametrize("pattern", DAMAGED_FILES)
def test_damage_found_only_by_a_search_is_set_aside_then_rebuilt(root: Root, tmp_path: Path, pattern: str) -> None:
    """An index without checksums (an older build wrote it): a read error during a search is damage too."""
    path = _built(root, tmp_path / "ix")
    (path / CHECKSUM_FILE).unlink()
    for target in path.glob(pattern):
        _damage_file(target, "truncated")
    ix = SearchIndex(path)
    try:
        try:  # found at open (the index is then empty) or by the search itself
            {q: search_ids(ix, q) for q in ("docker", "word7", "page*", "shared text")}
        except IndexDamaged as exc:
            assert "rebuilt" in str(exc)
        report = ix.update([root])
        assert report.added == 12 and "rebuilt" in report.notices[0]
        found = {q: search_ids(ix, q) for q in ("docker", "word7", "page*", "shared text")}
        assert found["word7"] == ["kb/topic1/page7"] and len(found["docker"]) == 12
    finally:
        ix.close()


def test_damage_seen_while_another_process_writes_is_left_to_that_writer(root: Root, tmp_path: Path) -> None:
    """The writer may be rebuilding this very index: moving it aside would throw its work away."""
    path = _built(root, tmp_path / "ix")
    for target in path.glob("*.card.col"):
        _damage_file(target, "truncated")
    writer = index_module.whoosh_index.open_dir(str(path)).writer()  # another process holds the lock
    try:
        with pytest.raises(IndexBusy, match="damaged"):
            SearchIndex(path).open()
        assert not path.with_name("ix.broken").exists()
    finally:
        writer.cancel()
    _assert_rebuilt(root, path)


def test_leftovers_of_a_killed_writer_are_removed_at_open(root: Root, tmp_path: Path) -> None:
    path = _built(root, tmp_path / "ix")
    kept = sorted(p.name for p in path.iterdir())
    (path / "MAIN.tmp").mkdir()
    (path / "MAIN.tmp" / "run.tmp").write_bytes(b"x" * 1000)
    for part in ("trm", "pst", "_stored.col"):
        (path / f"MAIN_deadbeef0000abcd.{part}").write_bytes(b"")
    ix = SearchIndex(path)
    try:
        assert ix.doc_count() == 12
    finally:
        ix.close()
    assert sorted(p.name for p in path.iterdir()) == kept


def test_a_running_writers_files_are_not_tidied_away(root: Root, tmp_path: Path) -> None:
    path = _built(root, tmp_path / "ix")
    writer = SearchIndex(path).open().writer()
    (path / "MAIN.tmp").mkdir(exist_ok=True)
    try:
        ix = SearchIndex(path)
        assert ix.doc_count() == 12
        ix.close()
        assert (path / "MAIN.tmp").is_dir()
    finally:
        writer.cancel()


def test_rebuild_waits_for_no_one_and_never_deletes_an_index_in_use(root: Root, tmp_path: Path) -> None:
    path = _built(root, tmp_path / "ix")
    writer = SearchIndex(path).open().writer()  # another process is indexing
    try:
        other = SearchIndex(path)
        with pytest.raises(IndexBusy):
            other.update([root], rebuild=True)
        assert search_ids(other, "word7") == ["kb/topic1/page7"]  # the index is still there, whole
        other.close()
    finally:
        writer.cancel()
    again = SearchIndex(path)
    report = again.update([root], rebuild=True)
    assert (report.added, report.unchanged) == (12, 0) and again.doc_count() == 12
    again.close()


def test_a_rebuild_keeps_the_old_index_searchable_until_it_commits(root: Root, tmp_path: Path) -> None:
    path = _built(root, tmp_path / "ix")
    reader = SearchIndex(path)
    seen: list[list[str]] = []

    def progress(_done: int, _total: int) -> None:
        seen.append(search_ids(SearchIndex(path), "word7"))

    writer_side = SearchIndex(path)
    writer_side.update([root], rebuild=True, progress=progress, procs=1)
    assert seen and all(ids == ["kb/topic1/page7"] for ids in seen)
    assert search_ids(reader, "word7") == ["kb/topic1/page7"] and reader.doc_count() == 12
    reader.close()
    writer_side.close()


def test_read_only_index_folder_searches_the_index_as_it_is(root: Root, tmp_path: Path) -> None:
    path = _built(root, tmp_path / "ix")
    bump(root.path / "topic1" / "page1.md", "# Page 1\n\nzanzibar now\n")
    with read_only_folder(path):
        ix = SearchIndex(path)
        with pytest.raises(IndexReadOnly, match="cannot be written"):
            ix.update([root])
        assert search_ids(ix, "word1") == ["kb/topic1/page1"]  # as it was indexed
        ix.close()


def _big_library(folder: Path, count: int = 300) -> Root:
    for n in range(count):
        words = " ".join(f"w{n}x{k}" for k in range(600))  # unique words: a few MB of postings
        (folder / f"page{n}.md").parent.mkdir(parents=True, exist_ok=True)
        (folder / f"page{n}.md").write_text(f"# Page {n}\n\n{words}\n", encoding="utf-8")
    return Root("big", folder)


@pytest.mark.parametrize("procs", [1, 2])
def test_a_full_disk_fails_the_write_cleanly_and_leaves_no_temp_files(tmp_path: Path, procs: int,
                                                                      capfd: pytest.CaptureFixture[str]) -> None:
    root = _big_library(tmp_path / "big")
    with small_disk(tmp_path / "disk") as disk:
        ix = SearchIndex(disk / "ix")
        ix.open()
        before = sorted(p.name for p in (disk / "ix").iterdir()) + ["MAIN_WRITELOCK"]  # the lock file stays
        with pytest.raises(IndexWriteError, match="could not be written.*No space left"):
            ix.update([root], procs=procs)
        ix.close()
        assert sorted(p.name for p in (disk / "ix").iterdir()) == sorted(before)
        assert SearchIndex(disk / "ix").doc_count() == 0
    assert "Traceback" not in capfd.readouterr().err  # worker processes report to the parent, never print


def test_files_read_partly_or_decoded_are_named_in_the_report(root: Root, index: SearchIndex) -> None:
    (root.path / "latin1.md").write_bytes("# Caf\xe9\n".encode("cp1252"))
    (root.path / "nul.md").write_bytes(b"# Nul\n\nsome\x00quokkas\n")
    (root.path / "huge.md").write_text("# Huge\n\n" + "word " * (1_100_000), encoding="utf-8")
    report = index.update([root])
    assert report.added == 15
    assert sorted(report.notices) == sorted([
        f"{root.path / 'huge.md'}: larger than 5 MB: only the first 5 MB are indexed",
        f"{root.path / 'latin1.md'}: not UTF-8: read as Windows-1252 (Latin-1)",
        f"{root.path / 'nul.md'}: contains NUL bytes: only its readable text is indexed"])
    assert search_ids(index, "caf\xe9") == ["kb/latin1"] and search_ids(index, "quokkas") == ["kb/nul"]


def test_a_front_matter_bomb_fails_one_file_not_the_library(root: Root, index: SearchIndex) -> None:
    from tests.core.test_library import ALIAS_BOMB

    (root.path / "bomb.md").write_text(ALIAS_BOMB, encoding="utf-8")
    started = time.perf_counter()
    report = index.update([root])
    assert time.perf_counter() - started < 10
    assert report.added == 13 and search_ids(index, "bomb") == ["kb/bomb"]


def test_a_symlink_out_of_the_library_is_never_indexed(root: Root, index: SearchIndex, tmp_path: Path) -> None:
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0:zanzibar secret\n")
    os.symlink(secret, root.path / "passwd.md")
    report = index.update([root])
    assert search_ids(index, "zanzibar") == []
    assert {"path": str(root.path / "passwd.md"), "reason": "symlink to outside the library folder"} in report.skipped


def test_a_failing_write_keeps_the_index_as_it_was(root: Root, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    path = _built(root, tmp_path / "ix")
    before = sorted(p.name for p in path.iterdir())
    bump(root.path / "topic1" / "page1.md", "# Page 1\n\nzanzibar now\n")

    def full(*_args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(index_module.SegmentWriter, "_commit_toc", full)
    ix = SearchIndex(path)
    with pytest.raises(IndexWriteError, match="No space left"):
        ix.update([root])
    monkeypatch.undo()
    assert sorted(p.name for p in path.iterdir()) == before
    assert search_ids(ix, "word1") == ["kb/topic1/page1"]
    ix.close()


# --- locking ---------------------------------------------------------------------------------
def test_second_writer_gets_index_busy_quickly(root: Root, tmp_path: Path) -> None:
    path = tmp_path / "ix"
    holder = SearchIndex(path)
    holder.update([root])
    writer = SearchIndex(path).open().writer()
    try:
        (root.path / "topic0" / "new.md").write_text("# New\n", encoding="utf-8")
        other = SearchIndex(path)
        started = time.perf_counter()
        with pytest.raises(IndexBusy):
            other.update([root])
        assert time.perf_counter() - started < 5
        other.close()
    finally:
        writer.cancel()
        holder.close()
    again = SearchIndex(path)
    try:
        report = again.update([root])
        assert report.added == 1
    finally:
        again.close()


def test_busy_index_can_still_be_searched(root: Root, tmp_path: Path) -> None:
    path = tmp_path / "ix"
    SearchIndex(path).update([root])
    writer = SearchIndex(path).open().writer()
    try:
        reader = SearchIndex(path)
        assert search_ids(reader, "word7") == ["kb/topic1/page7"]
        assert reader.merge() in (True, False)
        reader.close()
    finally:
        writer.cancel()


# --- bulk (multiprocess) path ---------------------------------------------------------------
def _everything(index: SearchIndex) -> dict[str, tuple[str, str, tuple[str, ...]]]:
    return {i.id: (i.title, i.path, i.tags) for i in index.catalog()}


def test_bulk_multiprocess_path_matches_single_process(tmp_path: Path) -> None:
    root = make_library(tmp_path / "kb", 40)
    single = SearchIndex(tmp_path / "single")
    single_report = single.update([root], procs=1)
    bulk = SearchIndex(tmp_path / "bulk")
    bulk_report = bulk.update([root], procs=2)
    try:
        assert bulk_report.added == single_report.added == 40
        assert bulk.doc_count() == single.doc_count() == 40
        assert _everything(bulk) == _everything(single)
        for query in ("docker", "word17", "title:page", "tag:t2", "shared text", "word3*"):
            assert sorted(search_ids(bulk, query)) == sorted(search_ids(single, query)), query
        assert bulk.merge()
        assert bulk.segment_count() == 1
        assert sorted(search_ids(bulk, "docker")) == sorted(search_ids(single, "docker"))
        again = bulk.update([root], procs=2)
        assert (again.added, again.unchanged) == (0, 40)
    finally:
        bulk.close()
        single.close()


def test_bulk_update_of_many_changed_files(tmp_path: Path) -> None:
    root = make_library(tmp_path / "kb", 20)
    ix = SearchIndex(tmp_path / "ix")
    try:
        ix.update([root], procs=1)
        for n in range(10):
            path = next(root.path.glob(f"topic*/page{n}.md"))
            bump(path, f"# Page {n}\n\nchanged{n} content\n")
        report = ix.update([root], procs=2)
        assert (report.added, report.updated, report.unchanged) == (0, 10, 10)
        assert ix.doc_count() == 20
        assert search_ids(ix, "changed4") == ["kb/topic1/page4"]
        assert search_ids(ix, "word4") == []
    finally:
        ix.close()


# --- one file at a time ----------------------------------------------------------------------
def test_update_files_makes_one_changed_file_searchable(root: Root, index: SearchIndex) -> None:
    index.update([root])
    path = root.path / "topic0" / "page0.md"
    bump(path, "# Page 0\n\nplatypus appears\n")
    stat = scan([root]).files["kb/topic0/page0"]
    started = time.perf_counter()
    report = index.update_files([root], [stat])
    assert (report.added, report.updated) == (0, 1)
    assert search_ids(index, "platypus") == ["kb/topic0/page0"]
    assert time.perf_counter() - started < 5
    assert index.doc_count() == 12
    assert index.update([root]).unchanged == 12


def test_update_folders_indexes_what_changed_there_and_below(root: Root, index: SearchIndex) -> None:
    index.update([root])
    bump(root.path / "topic0" / "page0.md", "# Page 0\n\nplatypus appears\n")
    (root.path / "topic0" / "new").mkdir()
    (root.path / "topic0" / "new" / "n.md").write_text("# N\n\nnarwhal\n", encoding="utf-8")
    (root.path / "topic0" / "page3.md").unlink()
    bump(root.path / "topic1" / "page4.md", "# Page 4\n\nwombat\n")  # a folder nobody said changed
    report = index.update_folders([root], [root.path / "topic0"])
    assert (report.added, report.updated, report.removed) == (1, 1, 1)
    assert search_ids(index, "platypus") == ["kb/topic0/page0"]
    assert search_ids(index, "narwhal") == ["kb/topic0/new/n"]
    assert search_ids(index, "wombat") == []  # left for a later pass: only the named folders are read
    assert index.update_folders([root], [root.path / "topic0"]).changed is False


def test_update_folders_of_a_deleted_folder_or_outside_the_library(root: Root, index: SearchIndex,
                                                                     tmp_path: Path) -> None:
    index.update([root])
    for path in (root.path / "topic1").glob("*.md"):
        path.unlink()
    (root.path / "topic1").rmdir()
    report = index.update_folders([root], [root.path / "topic1", tmp_path / "elsewhere"])
    assert report.removed == 4 and index.doc_count() == 8
    assert index.update([root]).unchanged == 8


def test_update_files_adds_new_and_drops_gone(root: Root, index: SearchIndex) -> None:
    index.update([root])
    (root.path / "topic0" / "n.md").write_text("# N\n\nnarwhal\n", encoding="utf-8")
    (root.path / "topic1" / "page1.md").unlink()
    stats = scan([root]).files
    report = index.update_files([root], [stats["kb/topic0/n"]], gone=["kb/topic1/page1", "kb/not/indexed"])
    assert (report.added, report.removed) == (1, 1)
    assert search_ids(index, "narwhal") == ["kb/topic0/n"]
    assert index.doc_count() == 12


def test_update_folders_with_nested_roots_and_overlapping_folders(tmp_path: Path, index: SearchIndex) -> None:
    notes = make_library(tmp_path / "notes", count=3)
    work = Root("work", notes.path / "topic1")  # a root inside another one
    index.update([notes, work])
    bump(notes.path / "topic1" / "page1.md", "# Page 1\n\nquokka\n")
    for path in (notes.path / "topic2").glob("*.md"):
        path.unlink()
    (notes.path / "topic2").rmdir()
    report = index.update_folders([notes, work], [notes.path / "topic1", notes.path, notes.path / "topic2"])
    assert (report.updated, report.removed) == (2, 1)  # kb/topic1/page1 and work/page1; topic2's one page
    assert sorted(search_ids(index, "quokka")) == ["kb/topic1/page1", "work/page1"]


def test_a_searcher_left_behind_by_merging_updates_reads_the_index_as_it_is_now(tmp_path: Path) -> None:
    """The window's search thread keeps its searcher while the watcher re-indexes: when an update
    merged segments and removed files that searcher had not read yet, its next search reads the index
    as it is now, instead of taking the missing files for damage and rebuilding everything."""
    folder = tmp_path / "kb"
    folder.mkdir()
    root = Root("kb", folder)
    ix = SearchIndex(tmp_path / "ix")
    for n in range(4):
        (folder / f"n{n}.md").write_text(f"# Note {n}\n\ndocker note {n}\n", encoding="utf-8")
        ix.update([root])
    searcher = Searcher(ix)
    for n in range(4, 12):  # small segments are merged along the way
        (folder / f"n{n}.md").write_text(f"# Note {n}\n\nother {n}\n", encoding="utf-8")
        ix.update([root])
    try:
        assert searcher.search("docker").total == 4
        assert searcher.search("other").total == 8
    finally:
        searcher.close()
        ix.close()
    assert not (tmp_path / "ix.broken").exists()
