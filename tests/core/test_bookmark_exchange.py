"""Tests for bookmark export/import: JSON and XBEL round trips, merging, malformed files, atomicity."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nexus_desktop.core.bookmark_exchange import (
    BookmarkFileError, export_bookmarks, import_bookmarks, parse_json, parse_xbel)
from nexus_desktop.core.bookmarks import BookmarkStore
from nexus_desktop.core.userdb import DB_NAME, UserDataError, open_user_db

REPO = Path(__file__).resolve().parents[2]


def fill(store: BookmarkStore) -> None:
    """5 bookmarks with folders, notes and anchors, plus an empty folder and a saved search."""
    docker = store.folder_by_path("Backend/Docker", create=True)
    assert docker is not None
    py = store.create_folder("Python")
    store.create_folder("Empty")
    store.add("nexus/docker/compose", "Compose <files> & \"volumes\"", note="see 'volumes'\nline 2",
              folder_id=docker.id, anchor="named-volumes")
    store.add("nexus/docker/images", "Images", folder_id=docker.id)
    store.add("nexus/python/async", "Async — asyncio", note="日本語のノート", folder_id=py.id)
    store.add("nexus/index", "Start", anchor="categories")
    store.add("notes/my file#1", "Odd id", note="a]]>b")
    store.add_search("tag:docker volume*", "Docker volumes")


def picture(store: BookmarkStore) -> list[tuple[object, ...]]:
    """Every bookmark as (folder path, kind, entry id or query, anchor, title, note, created)."""
    return sorted((store.folder_path(b.folder_id), b.kind, b.entry_id or b.query, b.anchor or "", b.title,
                   b.note, b.created) for b in store.all_bookmarks())


def folder_paths(store: BookmarkStore) -> set[tuple[str, ...]]:
    out: set[tuple[str, ...]] = set()
    todo: list[int | None] = [None]
    while todo:
        for f in store.folders(todo.pop()):
            out.add(store.folder_path(f.id))
            todo.append(f.id)
    return out


@pytest.mark.parametrize("suffix", [".json", ".xbel"])
def test_round_trip_into_fresh_data_dir(store: BookmarkStore, tmp_path: Path, suffix: str) -> None:
    fill(store)
    out = tmp_path / f"bookmarks{suffix}"
    assert export_bookmarks(store, out) == 6
    with open_user_db(tmp_path / f"fresh{suffix}") as db:
        fresh = BookmarkStore(db)
        result = import_bookmarks(fresh, out)
        assert (result.added, result.duplicates) == (6, 0)
        assert result.folders_created == 4
        assert picture(fresh) == picture(store)
        assert folder_paths(fresh) == folder_paths(store)
        assert [b.title for b in fresh.bookmarks(fresh.folder_by_path("Backend/Docker").id)] == [
            "Compose <files> & \"volumes\"", "Images"]  # order kept
        again = import_bookmarks(fresh, out)
        assert (again.added, again.duplicates, again.folders_created) == (0, 6, 0)
        assert fresh.count() == 6 and folder_paths(fresh) == folder_paths(store)


def test_xbel_document_shape(store: BookmarkStore, tmp_path: Path) -> None:
    fill(store)
    out = tmp_path / "b.xbel"
    export_bookmarks(store, out)
    root = ET.parse(out).getroot()
    assert root.tag == "xbel" and root.get("version") == "1.0"
    assert out.read_text(encoding="utf-8").startswith('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE xbel')
    folder = root.find("folder")
    assert folder is not None and folder.findtext("title") == "Backend"
    compose = root.find("folder/folder/bookmark")
    assert compose is not None
    assert compose.get("href") == "nexus:nexus/docker/compose#named-volumes"
    assert compose.findtext("title") == "Compose <files> & \"volumes\""
    assert compose.findtext("desc") == "see 'volumes'\nline 2"
    hrefs = [b.get("href") for b in root.iter("bookmark")]
    assert "nexus:notes/my%20file%231" in hrefs and "nexus-search:tag%3Adocker%20volume%2A" in hrefs


def test_json_document_shape(store: BookmarkStore, tmp_path: Path) -> None:
    fill(store)
    out = tmp_path / "b.json"
    export_bookmarks(store, out)
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["format"] == "nexus-bookmarks" and doc["version"] == 1
    assert [f["name"] for f in doc["folders"]] == ["Backend", "Python", "Empty"]
    compose = doc["folders"][0]["folders"][0]["bookmarks"][0]
    assert compose["id"] == "nexus/docker/compose" and compose["anchor"] == "named-volumes"
    assert {"title", "note", "created"} <= set(compose)


def test_import_merges_into_existing_folders(store: BookmarkStore, tmp_path: Path) -> None:
    docker = store.folder_by_path("Backend/Docker", create=True)
    store.add("nexus/docker/images", "Images (mine)", folder_id=docker.id)
    store.add("nexus/docker/compose", "Compose elsewhere", anchor="named-volumes")  # other folder
    doc = {"format": "nexus-bookmarks", "version": 1, "folders": [
        {"name": "Backend", "folders": [{"name": "Docker", "bookmarks": [
            {"id": "nexus/docker/images", "title": "Images"},
            {"id": "nexus/docker/compose", "title": "C", "anchor": "named-volumes"},
            {"id": "nexus/docker/compose", "title": "C dup in file", "anchor": "named-volumes"}]}]}],
        "bookmarks": []}
    f = tmp_path / "in.json"
    f.write_text(json.dumps(doc))
    result = import_bookmarks(store, f)
    assert (result.added, result.duplicates, result.folders_created) == (1, 2, 0)
    assert [b.title for b in store.bookmarks(docker.id)] == ["Images (mine)", "C"]


def test_xbel_from_another_app(store: BookmarkStore, tmp_path: Path) -> None:
    f = tmp_path / "other.xbel"
    f.write_text("""<?xml version="1.0"?>
<xbel version="1.0"><title>Qt Assistant</title>
  <folder folded="no"><title>Docs</title>
    <bookmark href="https://example.org/"><title>Web</title></bookmark>
    <separator/>
    <bookmark href="nexus:nexus/a#h%C3%A9"><title>A</title><desc>note</desc></bookmark>
    <bookmark href="nexus:nexus/b" added="not a date"></bookmark>
  </folder>
  <folder><bookmark href="nexus:nexus/c"><title>C</title></bookmark></folder>
</xbel>""", encoding="utf-8")
    result = import_bookmarks(store, f)
    assert result.added == 3 and result.skipped == ("https://example.org/",)
    a = store.find("nexus/a", "hé")
    assert a is not None and a.note == "note" and store.folder_path(a.folder_id) == ("Docs",)
    b = store.find("nexus/b")
    assert b is not None and b.title == "nexus/b"
    c = store.find("nexus/c")
    assert c is not None and store.folder_path(c.folder_id) == ("Untitled folder",)


BAD_JSON = {
    "not json": (b"{nope", "invalid JSON at line 1"),
    "not utf8": (b'{"format": "\xff"}', "not UTF-8"),
    "a list": (b"[]", "JSON object"),
    "wrong format": (b'{"format": "chrome", "version": 1}', "'format'"),
    "wrong version": (b'{"format": "nexus-bookmarks", "version": 2}', "unsupported version 2"),
    "bookmarks not a list": (b'{"format": "nexus-bookmarks", "version": 1, "bookmarks": {}}',
                             "bookmarks: expected a list"),
    "missing id": (b'{"format": "nexus-bookmarks", "version": 1, "bookmarks": [{"title": "t"}]}',
                   "bookmarks[0]: 'id' is missing"),
    "bad title type": (b'{"format": "nexus-bookmarks", "version": 1, "folders": [{"name": "F", '
                       b'"bookmarks": [{"id": "a", "title": "ok"}, {"id": "b", "title": 3}]}]}',
                       "folders[0].bookmarks[1].title: expected a string"),
    "bad date": (b'{"format": "nexus-bookmarks", "version": 1, "bookmarks": '
                 b'[{"id": "a", "title": "t", "created": "yesterday"}]}', "ISO 8601"),
    "bad kind": (b'{"format": "nexus-bookmarks", "version": 1, "bookmarks": '
                 b'[{"kind": "tab", "id": "a", "title": "t"}]}', "'tab'"),
    "folder without name": (b'{"format": "nexus-bookmarks", "version": 1, "folders": [{}]}',
                            "folders[0]: 'name' is missing"),
}
BAD_XBEL = {
    "not xml": (b"<xbel><folder></xbel>", "invalid XML at line 1"),
    "wrong root": (b"<html/>", "expected <xbel>"),
    "wrong version": (b'<xbel version="2.0"/>', "unsupported XBEL version"),
    "no href": (b'<xbel version="1.0"><folder><title>F</title><bookmark href="nexus:a"/>'
                b"<bookmark><title>t</title></bookmark></folder></xbel>",
                "xbel/folder[1]/bookmark[2]: the 'href' attribute is missing"),
    "empty id": (b'<xbel version="1.0"><bookmark href="nexus:#x"/></xbel>', "no entry id"),
}


@pytest.mark.parametrize("case", sorted(BAD_JSON))
def test_malformed_json_changes_nothing(store: BookmarkStore, tmp_path: Path, case: str) -> None:
    fill(store)
    before = picture(store), folder_paths(store)
    data, message = BAD_JSON[case]
    f = tmp_path / "bad.json"
    f.write_bytes(data)
    with pytest.raises(BookmarkFileError) as info:
        import_bookmarks(store, f)
    assert message in str(info.value) and "bad.json" in str(info.value)
    assert "\n" not in str(info.value)
    assert (picture(store), folder_paths(store)) == before


@pytest.mark.parametrize("case", sorted(BAD_XBEL))
def test_malformed_xbel_changes_nothing(store: BookmarkStore, tmp_path: Path, case: str) -> None:
    fill(store)
    before = picture(store), folder_paths(store)
    data, message = BAD_XBEL[case]
    f = tmp_path / "bad.xbel"
    f.write_bytes(data)
    with pytest.raises(BookmarkFileError) as info:
        import_bookmarks(store, f)
    assert message in str(info.value) and "bad.xbel" in str(info.value)
    assert (picture(store), folder_paths(store)) == before


def test_unknown_suffix_and_missing_file(store: BookmarkStore, tmp_path: Path) -> None:
    with pytest.raises(BookmarkFileError, match="use .json or .xbel"):
        export_bookmarks(store, tmp_path / "b.html")
    with pytest.raises(BookmarkFileError, match="no suffix"):
        import_bookmarks(store, tmp_path / "bookmarks")
    with pytest.raises(BookmarkFileError, match="cannot read"):
        import_bookmarks(store, tmp_path / "absent.json")
    assert not (tmp_path / "b.html").exists()


def test_export_to_unwritable_place_is_a_user_data_error(store: BookmarkStore, tmp_path: Path) -> None:
    with pytest.raises(UserDataError, match="cannot write"):
        export_bookmarks(store, tmp_path / "no" / "such" / "dir" / "b.json")


def test_failure_during_insert_rolls_back_everything(store: BookmarkStore, tmp_path: Path) -> None:
    doc = {"format": "nexus-bookmarks", "version": 1, "folders": [{"name": "New", "bookmarks": [
        {"id": f"nexus/{i}", "title": str(i)} for i in range(50)]}]}
    f = tmp_path / "in.json"
    f.write_text(json.dumps(doc))

    def fail(done: int, total: int) -> None:
        if done == 30:
            raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        import_bookmarks(store, f, progress=fail)
    assert store.count() == 0 and store.folders() == []


def test_parsers_accept_text_without_a_file() -> None:
    assert parse_json('{"format": "nexus-bookmarks", "version": 1}').items == []
    assert parse_xbel(b'<xbel version="1.0"/>').items == []


text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
xml_text = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff")
                   | st.sampled_from("\n\r\t<>&\"']]>"), max_size=30)
ident = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20).filter(str.strip)


def _gen_store(store: BookmarkStore, marks: list[tuple[str, str, str | None, str, str | None]]) -> None:
    for entry_id, title, anchor, note, folder in marks:
        fid = store.folder_by_path([folder], create=True).id if folder and folder.strip() else None
        store.add(entry_id, title, anchor=anchor or None, note=note, folder_id=fid)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(ident, text, st.none() | text, text, st.none() | ident), max_size=8),
       st.sampled_from([".json"]))
def test_json_round_trip_of_random_text(tmp_path_factory: pytest.TempPathFactory,
                                        marks: list[tuple[str, str, str | None, str, str | None]],
                                        suffix: str) -> None:
    _round_trip(tmp_path_factory, marks, suffix)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(ident, xml_text, st.none() | xml_text, xml_text, st.none() | ident),
                max_size=8))
def test_xbel_round_trip_of_random_text(tmp_path_factory: pytest.TempPathFactory,
                                        marks: list[tuple[str, str, str | None, str, str | None]]) -> None:
    _round_trip(tmp_path_factory, marks, ".xbel")


def _round_trip(tmp_path_factory: pytest.TempPathFactory,
                marks: list[tuple[str, str, str | None, str, str | None]], suffix: str) -> None:
    base = tmp_path_factory.mktemp("rt")
    with open_user_db(base / "a") as db_a, open_user_db(base / "b") as db_b:
        a, b = BookmarkStore(db_a), BookmarkStore(db_b)
        _gen_store(a, marks)
        export_bookmarks(a, base / f"x{suffix}")
        result = import_bookmarks(b, base / f"x{suffix}")
        assert result.added == a.count()
        got = picture(b)
        if suffix == ".xbel":  # XBEL has no empty title: the entry id stands in for it
            want = sorted((p, k, i, an, t or i, n, c) for p, k, i, an, t, n, c in picture(a))
        else:
            want = picture(a)
        assert got == want
        assert import_bookmarks(b, base / f"x{suffix}").added == 0


IMPORTER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    sys.path.insert(0, {repo!r})
    from nexus_desktop.core.userdb import open_user_db
    from nexus_desktop.core.bookmarks import BookmarkStore
    from nexus_desktop.core.bookmark_exchange import import_bookmarks
    data, src, pause = Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3])
    store = BookmarkStore(open_user_db(data))

    def progress(done, total):
        if done == 1:
            print("begun", flush=True)
            time.sleep(pause)

    print("starting", flush=True)
    import_bookmarks(store, src, progress=progress)
    print("committed", flush=True)
""")


def _big_file(path: Path, n: int = 20_000) -> None:
    doc = {"format": "nexus-bookmarks", "version": 1, "folders": [
        {"name": f"F{k}", "bookmarks": [{"id": f"nexus/e{k}-{i}", "title": f"Entry {i}", "note": "n" * 20}
                                        for i in range(n // 10)]} for k in range(10)]}
    path.write_text(json.dumps(doc))


def _count(data: Path) -> int:
    with open_user_db(data) as db:
        assert db.notice is None  # never corrupt after a kill
        return BookmarkStore(db).count()


@pytest.mark.parametrize("pause,extra_wait", [(5.0, 0.0), (0.0, 0.02), (0.0, 0.2)])
def test_sigkill_during_import_leaves_all_or_nothing(tmp_path: Path, pause: float,
                                                     extra_wait: float) -> None:
    src = tmp_path / "big.json"
    _big_file(src)
    script = tmp_path / "importer.py"
    script.write_text(IMPORTER.format(repo=str(REPO)))
    data = tmp_path / "data"
    proc = subprocess.Popen([sys.executable, str(script), str(data), str(src), str(pause)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "starting"
        if pause:  # inside the transaction for sure
            assert proc.stdout.readline().strip() == "begun"
            deadline = time.monotonic() + 5
            while not Path(f"{data / DB_NAME}-wal").exists() and time.monotonic() < deadline:
                time.sleep(0.01)
        time.sleep(extra_wait)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        proc.stdout.close() if proc.stdout else None
        proc.stderr.close() if proc.stderr else None
    count = _count(data)
    assert count in (0, 20_000)
    if pause:
        assert count == 0
    with open_user_db(data) as db:  # and the store still works afterwards
        result = import_bookmarks(BookmarkStore(db), src)
        assert BookmarkStore(db).count() == 20_000 and result.added == 20_000 - count


# --- hostile files: bounded, refused with a clear message, nothing written --------------------------------
def _nested_json(depth: int) -> bytes:
    return ('{"format": "nexus-bookmarks", "version": 1, "folders": ['
            + '{"name": "f", "folders": [' * depth + "]}" * depth + "]}").encode()


def _nested_xbel(depth: int) -> bytes:
    return ('<xbel version="1.0">' + "<folder><title>f</title>" * depth
            + '<bookmark href="nexus:kb/x"><title>x</title></bookmark>' + "</folder>" * depth + "</xbel>").encode()


@pytest.mark.parametrize("depth", [100, 900, 5000])
@pytest.mark.parametrize("suffix", [".json", ".xbel"])
def test_deep_nesting_is_refused_with_a_message_and_changes_nothing(store: BookmarkStore, tmp_path: Path,
                                                                    suffix: str, depth: int) -> None:
    fill(store)
    before = picture(store)
    f = tmp_path / f"deep{suffix}"
    f.write_bytes(_nested_json(depth) if suffix == ".json" else _nested_xbel(depth))
    with pytest.raises(BookmarkFileError, match="nested") as info:
        import_bookmarks(store, f)
    assert len(str(info.value)) < 200
    assert picture(store) == before
    export_bookmarks(store, tmp_path / "after.xbel")  # the store stays listable and exportable


def test_nesting_within_the_limit_round_trips(store: BookmarkStore, tmp_path: Path) -> None:
    f = tmp_path / "ok.xbel"
    f.write_bytes(_nested_xbel(60))
    assert import_bookmarks(store, f).added == 1
    export_bookmarks(store, tmp_path / "out.json")
    export_bookmarks(store, tmp_path / "out.xbel")


def test_too_many_bookmarks_are_refused(store: BookmarkStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nexus_desktop.core import bookmark_exchange

    monkeypatch.setattr(bookmark_exchange, "MAX_IMPORT_ITEMS", 50)
    f = tmp_path / "many.json"
    f.write_text(json.dumps({"format": "nexus-bookmarks", "version": 1,
                             "bookmarks": [{"id": f"kb/p{n}", "title": "t"} for n in range(51)]}))
    with pytest.raises(BookmarkFileError, match="more than 50 bookmarks"):
        import_bookmarks(store, f)
    assert store.count() == 0


def test_a_file_over_the_size_limit_is_refused_unread(store: BookmarkStore, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from nexus_desktop.core import bookmark_exchange

    monkeypatch.setattr(bookmark_exchange, "MAX_IMPORT_BYTES", 1024)
    f = tmp_path / "big.xbel"
    f.write_bytes(b'<xbel version="1.0">' + b" " * 2000 + b"</xbel>")
    with pytest.raises(BookmarkFileError, match="larger than"):
        import_bookmarks(store, f)


BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "lol">'
                  + b"".join(b'<!ENTITY %s "%s">' % (chr(98 + n).encode(), ("&%s;" % chr(97 + n)).encode() * 10)
                             for n in range(8))
                  + b']><xbel version="1.0"><bookmark href="nexus:kb/a"><title>&i;</title></bookmark></xbel>')
XXE = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
       b'<xbel version="1.0"><bookmark href="nexus:kb/a"><title>&xxe;</title></bookmark></xbel>')


@pytest.mark.parametrize("data", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_entity_attacks_are_refused(store: BookmarkStore, tmp_path: Path, data: bytes) -> None:
    f = tmp_path / "attack.xbel"
    f.write_bytes(data)
    with pytest.raises(BookmarkFileError, match="invalid XML"):
        import_bookmarks(store, f)
    assert store.count() == 0


@pytest.mark.parametrize("spelling", ["kb/./notes/x", "kb/notes/../notes/x", "kb//notes/x", "kb/notes/x/"])
def test_an_entry_imported_under_another_spelling_is_the_same_bookmark(store: BookmarkStore, tmp_path: Path,
                                                                       spelling: str) -> None:
    store.add("kb/notes/x", "X")
    f = tmp_path / "in.json"
    f.write_text(json.dumps({"format": "nexus-bookmarks", "version": 1,
                             "bookmarks": [{"id": spelling, "title": "X"}]}))
    assert import_bookmarks(store, f).duplicates == 1
    assert [b.entry_id for b in store.all_bookmarks()] == ["kb/notes/x"]
