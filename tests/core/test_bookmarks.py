"""Tests for BookmarkStore: bookmarks, folders, ordering, undo, reconcile and concurrent writers."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nexus_desktop.core.bookmarks import (
    BookmarkError, BookmarkStore, EntryRef, FolderNode, NotFoundError)
from nexus_desktop.core.userdb import open_user_db
from tests.core.concurrency import reads_during_writes

REPO = Path(__file__).resolve().parents[2]


def shape(node: FolderNode) -> list[object]:
    """A comparable picture of the tree: names, order and every bookmark field."""
    return [[(f.folder.id, f.folder.name, f.folder.position, f.folder.created) if f.folder else None,
             shape(f)] for f in node.folders] + [
        (b.id, b.entry_id, b.title, b.anchor, b.note, b.folder_id, b.position, b.created)
        for b in node.bookmarks]


def positions_dense(store: BookmarkStore) -> bool:
    conn = store.db.conn
    for table, col in (("bookmark", "folder_id"), ("bookmark_folder", "parent_id")):
        groups: dict[object, list[int]] = {}
        for parent, pos in conn.execute(f"SELECT {col}, position FROM {table}"):
            groups.setdefault(parent, []).append(pos)
        if any(sorted(p) != list(range(len(p))) for p in groups.values()):
            return False
    return True


def test_add_and_find(store: BookmarkStore) -> None:
    b = store.add("nexus/docker/compose", "Compose", note="volumes!")
    assert (b.entry_id, b.title, b.note, b.anchor, b.folder_id, b.kind) == (
        "nexus/docker/compose", "Compose", "volumes!", None, None, "entry")
    assert b.created and b.updated and not b.missing
    assert store.is_bookmarked("nexus/docker/compose")
    assert not store.is_bookmarked("nexus/other")
    assert store.find("nexus/docker/compose") == b
    assert store.find("nexus/docker/compose", "volumes") is None
    assert store.get(b.id) == b


def test_adding_existing_entry_and_anchor_returns_existing(store: BookmarkStore) -> None:
    a = store.add("nexus/a", "A")
    assert store.add("nexus/a", "A again", note="x") == a
    with_anchor = store.add("nexus/a", "A#h", anchor="h")
    assert with_anchor.id != a.id
    assert store.add("nexus/a", "A#h", anchor="h") == with_anchor
    assert store.count() == 2


def test_toggle_for_ctrl_d(store: BookmarkStore) -> None:
    b = store.toggle("nexus/a", "A")
    assert b is not None and store.is_bookmarked("nexus/a")
    store.add("nexus/a", "A sec", anchor="sec")
    assert store.toggle("nexus/a", "A") is None
    assert not store.is_bookmarked("nexus/a")
    assert store.count() == 0


def test_remove_rename_note(store: BookmarkStore) -> None:
    a = store.add("nexus/a", "A")
    b = store.add("nexus/b", "B")
    store.add("nexus/b", "B2", anchor="x")
    assert store.rename(a.id, "Alpha").title == "Alpha"
    assert store.set_note(a.id, "my note").note == "my note"
    assert store.set_anchor(a.id, "top").anchor == "top"
    store.remove(a.id)
    with pytest.raises(NotFoundError):
        store.get(a.id)
    assert store.bookmarks(None)[0].id == b.id and store.bookmarks(None)[0].position == 0
    snap = store.remove_entry("nexus/b")
    assert len(snap.bookmarks) == 2 and store.count() == 0
    with pytest.raises(NotFoundError):
        store.remove(12345)


def test_move_bookmarks_between_and_within_folders(store: BookmarkStore) -> None:
    f = store.create_folder("F")
    a, b, c = (store.add(f"nexus/{x}", x) for x in "abc")
    store.move(c.id, None, 0)
    assert [x.title for x in store.bookmarks(None)] == ["c", "a", "b"]
    store.move(c.id, None)  # to the end
    assert [x.title for x in store.bookmarks(None)] == ["a", "b", "c"]
    store.move(a.id, f.id)
    store.move(b.id, f.id, 0)
    assert [x.title for x in store.bookmarks(f.id)] == ["b", "a"]
    assert [x.title for x in store.bookmarks(None)] == ["c"]
    store.move(c.id, f.id, 99)
    assert [x.title for x in store.bookmarks(f.id)] == ["b", "a", "c"]
    assert positions_dense(store)
    with pytest.raises(NotFoundError):
        store.move(a.id, 999)


def test_folders_create_rename_move_delete(store: BookmarkStore) -> None:
    a = store.create_folder("A")
    b = store.create_folder("B", a.id)
    c = store.create_folder("C", b.id)
    store.add("nexus/x", "X", folder_id=c.id)
    assert store.rename_folder(a.id, "Alpha").name == "Alpha"
    assert store.folder_path(c.id) == ("Alpha", "B", "C")
    with pytest.raises(BookmarkError):
        store.move_folder(a.id, c.id)  # into its own descendant
    with pytest.raises(BookmarkError):
        store.move_folder(a.id, a.id)
    with pytest.raises(BookmarkError):
        store.create_folder("   ")
    moved = store.move_folder(c.id, None, 0)
    assert moved.parent_id is None and [f.name for f in store.folders()] == ["C", "Alpha"]
    store.delete_folder(a.id)
    assert [f.name for f in store.folders()] == ["C"] and store.count() == 1
    store.delete_folder(c.id)
    assert store.count() == 0 and store.folders() == []
    assert positions_dense(store)


def test_folder_by_path(store: BookmarkStore) -> None:
    assert store.folder_by_path("A/B") is None
    b = store.folder_by_path("A/B", create=True)
    assert b is not None and store.folder_path(b.id) == ("A", "B")
    assert store.folder_by_path("/A//B/", create=True) == b
    assert store.folder_by_path(["A", "B"]) == b
    assert len(store.folders()) == 1
    with pytest.raises(BookmarkError):
        store.folder_by_path("")


def test_sort_folder(store: BookmarkStore) -> None:
    f = store.create_folder("F")
    store.create_folder("zeta", f.id)
    store.create_folder("Alpha", f.id)
    ids = [store.add(f"nexus/{t}", t, folder_id=f.id).id for t in ("banana", "Apple", "cherry")]
    store.sort_folder(f.id, by="title")
    assert [b.title for b in store.bookmarks(f.id)] == ["Apple", "banana", "cherry"]
    assert [x.name for x in store.folders(f.id)] == ["Alpha", "zeta"]
    store.sort_folder(f.id, by="created")  # same second: creation order via id
    assert [b.id for b in store.bookmarks(f.id)] == ids
    with pytest.raises(BookmarkError):
        store.sort_folder(f.id, by="colour")  # type: ignore[arg-type]


def test_saved_searches(store: BookmarkStore) -> None:
    f = store.create_folder("Searches")
    s = store.add_search("tag:docker volume*", "Docker volumes", f.id)
    assert s.is_search and s.query == "tag:docker volume*" and s.entry_id is None
    assert store.add_search("tag:docker volume*", "again", f.id) == s
    assert store.add_search("celery", folder_id=None).title == "celery"
    with pytest.raises(BookmarkError):
        store.add_search("  ")
    assert not store.is_bookmarked("tag:docker volume*")


def test_tree_order(store: BookmarkStore) -> None:
    top = store.add("nexus/top", "Top")
    a = store.create_folder("A")
    b = store.create_folder("B")
    sub = store.create_folder("Sub", a.id)
    x = store.add("nexus/x", "X", folder_id=sub.id)
    y = store.add("nexus/y", "Y", folder_id=a.id)
    tree = store.tree()
    assert tree.folder is None and [n.folder.name for n in tree.folders if n.folder] == ["A", "B"]
    assert [b.id for b in tree.bookmarks] == [top.id]
    assert tree.folders[0].folders[0].bookmarks == [x]
    assert tree.folders[0].bookmarks == [y]
    assert [m.id for m in store.all_bookmarks()] == [x.id, y.id, top.id]
    assert tree.folders[1].folder == b


def test_delete_and_undo_restores_everything_exactly(store: BookmarkStore) -> None:
    a = store.create_folder("A")
    sub = store.create_folder("Sub", a.id)
    store.create_folder("B")
    for i in range(3):
        store.add(f"nexus/a{i}", f"A{i}", note=f"note {i}", folder_id=a.id, anchor="h" if i else None)
        store.add(f"nexus/s{i}", f"S{i}", folder_id=sub.id)
        store.add(f"nexus/t{i}", f"T{i}")
    store.add_search("q", "Q", sub.id)
    before = shape(store.tree())
    top = store.bookmarks(None)
    snap = store.delete(bookmark_ids=[top[0].id, top[2].id], folder_ids=[a.id])
    assert snap and len(snap.folders) == 2 and len(snap.bookmarks) == 2 + 3 + 4
    assert [b.title for b in store.bookmarks(None)] == ["T1"]
    assert positions_dense(store)
    store.restore(snap)
    assert shape(store.tree()) == before
    assert positions_dense(store)
    with pytest.raises(BookmarkError):
        store.restore(snap)  # twice: refused, nothing changed
    assert shape(store.tree()) == before


def test_undo_single_remove_and_folder_delete(store: BookmarkStore) -> None:
    f = store.create_folder("F")
    marks = [store.add(f"nexus/{i}", str(i), folder_id=f.id, note="n") for i in range(4)]
    before = shape(store.tree())
    snap = store.remove(marks[1].id)
    store.restore(snap)
    assert shape(store.tree()) == before
    snap = store.delete_folder(f.id)
    assert store.count() == 0
    store.restore(snap)
    assert shape(store.tree()) == before
    new = store.add("nexus/new", "new")
    assert new.id not in {m.id for m in marks}  # ids are never reused


def test_restore_into_a_vanished_folder_goes_to_top_level(store: BookmarkStore) -> None:
    f = store.create_folder("F")
    b = store.add("nexus/a", "A", folder_id=f.id)
    snap = store.remove(b.id)
    store.delete_folder(f.id)
    store.restore(snap)
    assert store.get(b.id).folder_id is None


def test_reconcile_missing_repoint_and_ambiguous(store: BookmarkStore) -> None:
    ok = store.add("notes/ok", "Fine")
    by_title = store.add("notes/old/compose", "Docker Compose")
    by_alias = store.add("notes/gone", "celery retries")
    by_file = store.add("notes/old/volumes", "Whatever title")
    ambiguous = store.add("notes/old/setup", "Setup")
    lost = store.add("notes/lost", "Nothing like it")
    search = store.add_search("nothing", "S")
    known = {r.id: r for r in [
        EntryRef("notes/ok", "Fine"),
        EntryRef("notes/docker/compose-file", "docker compose"),
        EntryRef("notes/celery/retry", "Retrying tasks", ("Celery Retries",)),
        EntryRef("notes/docker/volumes", "Volumes in Docker"),
        EntryRef("notes/python/setup", "Python setup"),
        EntryRef("notes/django/setup", "Django setup"),
    ]}
    report = store.reconcile(known)
    assert report.repointed == {by_title.id: "notes/docker/compose-file",
                                by_alias.id: "notes/celery/retry",
                                by_file.id: "notes/docker/volumes"}
    assert report.ambiguous == {ambiguous.id: ["notes/django/setup", "notes/python/setup"]}
    assert sorted(report.missing) == sorted([ambiguous.id, lost.id])
    assert store.get(by_title.id).entry_id == "notes/docker/compose-file"
    assert store.get(by_title.id).title == "Docker Compose"  # the title it had is kept
    assert store.get(lost.id).missing and store.get(ambiguous.id).missing
    assert not store.get(ok.id).missing and not store.get(search.id).missing
    assert store.count() == 7  # never dropped
    # the entry comes back: no longer missing
    known["notes/lost"] = EntryRef("notes/lost", "Back")
    report = store.reconcile(known)
    assert not store.get(lost.id).missing and lost.id not in report.missing
    assert report.repointed == {}


def test_each_action_is_atomic(store: BookmarkStore) -> None:
    f = store.create_folder("F")
    store.add("nexus/a", "A", folder_id=f.id)
    with pytest.raises(NotFoundError):
        store.delete(bookmark_ids=[999], folder_ids=[f.id])  # fails half way: nothing deleted
    assert store.count() == 1 and store.folders() != []


WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    sys.path.insert(0, {repo!r})
    from nexus_desktop.core.userdb import open_user_db
    from nexus_desktop.core.bookmarks import BookmarkStore
    data, tag, go = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    while not go.exists():
        time.sleep(0.005)
    store = BookmarkStore(open_user_db(data))
    folder = store.folder_by_path("Shared/Folder", create=True)
    for i in range(40):
        store.add(f"nexus/{{tag}}/{{i}}", f"{{tag}} {{i}}", note="n", folder_id=folder.id if i % 2 else None)
    print("done")
""")


def test_two_processes_adding_at_once_keep_all(tmp_path: Path) -> None:
    script = tmp_path / "writer.py"
    script.write_text(WRITER.format(repo=str(REPO)))
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, str(script), str(tmp_path / "data"), tag, str(go)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for tag in ("p1", "p2")]
    go.touch()
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert out.strip() == "done"
    db = open_user_db(tmp_path / "data")
    try:
        store = BookmarkStore(db)
        assert store.count() == 80
        assert len(store.folders()) == 1  # both found or created the same folder path once
        assert positions_dense(store)
        assert db.notice is None
    finally:
        db.close()


def assert_whole(tree: FolderNode, bookmarks: int | None = None) -> None:
    """Every bookmark sits in the folder it names, at dense positions: no half-done move or import shows."""
    nodes = [tree]
    while nodes:
        node = nodes.pop()
        nodes.extend(node.folders)
        assert [b.folder_id for b in node.bookmarks] == [node.folder.id if node.folder else None] * len(node.bookmarks)
        assert [b.position for b in node.bookmarks] == list(range(len(node.bookmarks)))
    if bookmarks is not None:
        assert len(list(tree.walk())) == bookmarks


def test_the_tree_read_while_another_thread_moves_bookmarks_is_always_whole(store: BookmarkStore) -> None:
    """The bookmarks panel reads the tree while a drag and drop or Ctrl+D writes from another thread."""
    places = [None, store.create_folder("A").id, store.create_folder("B").id]
    marks = [store.add(f"nexus/e{i}", f"E{i}", folder_id=places[i % 3]).id for i in range(12)]

    def move(n: int) -> None:
        store.move(marks[n % len(marks)], places[n % 3], n % 5)

    assert reads_during_writes(lambda: assert_whole(store.tree(), len(marks)), move, writes=300) == []


MOVER = textwrap.dedent("""
    import sys
    from pathlib import Path
    sys.path.insert(0, {repo!r})
    from nexus_desktop.core.userdb import open_user_db
    from nexus_desktop.core.bookmarks import BookmarkStore, NewBookmark
    store = BookmarkStore(open_user_db(Path(sys.argv[1])))
    for n in range(150):  # an import into a new folder, then the previous folder deleted
        store.merge([NewBookmark("entry", f"E{{n}}.{{i}}", entry_id=f"nexus/{{n}}/{{i}}", folder_path=(f"F{{n}}",))
                     for i in range(3)])
        if n:
            store.delete_folder(store.folder_by_path(f"F{{n - 1}}").id)
    print("done")
""")


def test_the_tree_read_while_another_process_imports_is_one_committed_state(tmp_path: Path) -> None:
    """The window reads the tree while `nexus-desktop bookmarks import` commits: it shows the tree before
    or after an import, never an imported bookmark without its folder (shown at the top level)."""
    script = tmp_path / "mover.py"
    script.write_text(MOVER.format(repo=str(REPO)))
    db = open_user_db(tmp_path / "data")
    child = subprocess.Popen([sys.executable, str(script), str(tmp_path / "data")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        store = BookmarkStore(db)
        reads = 0
        while child.poll() is None:
            tree = store.tree()
            assert_whole(tree)
            assert [len(f.bookmarks) for f in tree.folders] in ([], [3], [3, 3]) and not tree.bookmarks
            reads += 1
        out, err = child.communicate()
        assert child.returncode == 0 and out.strip() == "done", err
        assert reads > 0 and store.count() == 3
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
        db.close()


ops = st.lists(st.tuples(st.sampled_from(["add", "folder", "move", "delete", "undo", "movef"]),
                         st.integers(0, 30), st.integers(0, 30)), max_size=40)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops)
def test_random_edits_keep_positions_dense_and_undo_exact(tmp_path_factory: pytest.TempPathFactory,
                                                          steps: list[tuple[str, int, int]]) -> None:
    db = open_user_db(tmp_path_factory.mktemp("data"))
    store = BookmarkStore(db)
    try:
        undo: list[tuple[list[object], object]] = []
        for op, x, y in steps:
            folders = [None] + [f.id for f in _all_folders(store)]
            marks = [b.id for b in store.all_bookmarks()]
            if op not in ("delete", "undo"):
                undo.clear()  # undo is exact right after the delete (the UI's undo stack)
            if op == "add":
                store.add(f"nexus/{x}", f"t{x}", anchor=str(y % 3) if y % 2 else None,
                          folder_id=folders[y % len(folders)])
            elif op == "folder":
                store.create_folder(f"f{x}", folders[y % len(folders)])
            elif op == "move" and marks:
                store.move(marks[x % len(marks)], folders[y % len(folders)], y)
            elif op == "movef" and len(folders) > 1:
                try:
                    store.move_folder(folders[1 + x % (len(folders) - 1)], folders[y % len(folders)], x)
                except BookmarkError:
                    pass
            elif op == "delete" and (marks or len(folders) > 1):
                before = shape(store.tree())
                if x % 2 and len(folders) > 1:
                    snap = store.delete(folder_ids=[folders[1 + y % (len(folders) - 1)]])
                else:
                    snap = store.delete(bookmark_ids=[marks[y % len(marks)]] if marks else [])
                undo.append((before, snap))
            elif op == "undo" and undo:
                before, snap = undo.pop()
                store.restore(snap)  # type: ignore[arg-type]
                assert shape(store.tree()) == before
            assert positions_dense(store)
    finally:
        db.close()


def _all_folders(store: BookmarkStore) -> list:
    out, todo = [], [None]
    while todo:
        parent = todo.pop()
        subs = store.folders(parent)
        out.extend(subs)
        todo.extend(f.id for f in subs)
    return out


@pytest.mark.parametrize("spelling", ["kb/./notes/x", "kb/notes/../notes/x", "kb//notes/x", "kb/notes/./x/"])
def test_non_canonical_ids_are_one_bookmark(store: BookmarkStore, spelling: str) -> None:
    first = store.add("kb/notes/x", "X")
    again = store.add(spelling, "X")
    assert again.id == first.id and again.entry_id == "kb/notes/x"
    assert store.is_bookmarked(spelling) and store.find(spelling) is not None
    assert store.toggle(spelling, "X") is None  # the second Ctrl+D removes it, whatever the spelling
    assert store.count() == 0


def test_an_id_climbing_out_of_its_root_is_kept_as_written(store: BookmarkStore) -> None:
    assert store.add("kb/../etc/passwd", "odd").entry_id == "kb/../etc/passwd"


def test_reconcile_matches_names_as_links_do(store: BookmarkStore) -> None:
    """`docker-compose` names the entry titled "Docker Compose" for a bookmark as it does for a link."""
    from nexus_desktop.core.links import LinkResolver

    moved = store.add("kb/old/docker-compose", "Compose notes")
    refs = {"kb/devops/compose": EntryRef("kb/devops/compose", "Docker Compose", ())}
    report = store.reconcile(refs)
    assert report.repointed == {moved.id: "kb/devops/compose"}
    resolver = LinkResolver.from_refs(refs.values())
    target = resolver.wikilink("docker-compose", "kb/x")
    assert target is not None and target.entry_id == "kb/devops/compose"
