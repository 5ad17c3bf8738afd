"""The checks of `nexus-desktop selftest`: index, search, render, bookmarks, session and the window."""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from nexus_desktop.paths import bundle_dir, content_dir, icon_path, resources_dir, user_dirs
from nexus_desktop.selftest.plans import BUNDLED_TARGET, QueryPlan, bundled_plan, derived_plan, misspell
from nexus_desktop.selftest.report import CheckFailed, Report, expect
from nexus_desktop.selftest.window import WindowCheck

if TYPE_CHECKING:
    from nexus_desktop.core.search import Hit, Searcher
    from nexus_desktop.core.workspace import Workspace

BIG_LIMIT = 10_000


def run_selftest(args: argparse.Namespace) -> int:
    """Run every check in a temporary data folder; 0 when all passed, 1 otherwise."""
    report = Report(verbose=bool(os.environ.get("NEXUS_SELFTEST_VERBOSE")))
    content = list(getattr(args, "content", None) or [])
    for folder in content:
        if not Path(folder).expanduser().is_dir():
            print(f"nexus-desktop: --content {folder}: no such folder", file=sys.stderr)
            return 2
    # The selftest must not read or change the user's own data: everything happens in a temp folder.
    temp = Path(tempfile.mkdtemp(prefix="nexus-selftest-"))
    frozen = bool(getattr(sys, "frozen", False))
    library = ", ".join(content) if content else f"bundled library at {content_dir()}"
    print(f"nexus-desktop selftest ({'frozen' if frozen else 'source'}; {library}; data in {temp})", flush=True)
    try:
        SelfTest(report, temp, content).run_all()
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    total = report.passed + len(report.failed)
    if report.failed:
        print(f"{len(report.failed)} of {total} checks FAILED: {', '.join(report.failed)}", flush=True)
        return 1
    print(f"all {total} checks passed", flush=True)
    return 0


class SelfTest:
    """The checks, in order; later checks use what earlier ones built (the workspace, the index)."""

    def __init__(self, report: Report, temp: Path, content: list[str]) -> None:
        self.report = report
        self.temp = temp
        self.content = content
        self._workspace: Workspace | None = None
        self._searcher: Searcher | None = None
        self.plan: QueryPlan | None = None
        self.entry_ids: list[str] = []
        self.bundle_stamps: dict[str, str] = {}

    @property
    def workspace(self) -> Workspace:
        """The workspace the index check built (the checks after it need it)."""
        if self._workspace is None:
            raise CheckFailed("skipped: no workspace (the index check did not build one)")
        return self._workspace

    @property
    def searcher(self) -> Searcher:
        """The searcher the search checks share."""
        if self._searcher is None:
            raise CheckFailed("skipped: no searcher (it could not be opened)")
        return self._searcher

    def run_all(self) -> None:
        r = self.report.run
        r("bundle: content and resources found", self.check_bundle)
        if not r("index: full build", self.check_index):
            self.report.run("search", lambda: _raise("skipped: the index could not be built"))
        else:
            r("index: incremental update finds nothing to do", self.check_incremental)
            r("index: multiprocess writer (procs=2)", self.check_multiprocess_index)
            r("index: the window's indexing process (index --events --merge)", self.check_indexing_process)
            self.search_checks()
            r("render: every entry, light and dark", self.check_render_all)
        r("bookmarks: add, export JSON, import elsewhere, remove", self.check_bookmarks)
        r("bookmarks: XBEL round trip", self.check_xbel)
        r("session: save and restore", self.check_session)
        r("window: opens offscreen with tabs, session restored", self.check_window)
        if self.searcher is not None:
            self.searcher.close()
        if self.workspace is not None and self.workspace._index is not None:
            self.workspace.index.close()
        r("bundle: nothing written into it", self.check_bundle_untouched)

    # --- bundle ---------------------------------------------------------------------------------
    def check_bundle(self) -> str:
        root = bundle_dir()
        expect((root / "content").is_dir(), f"no content/ in {root}")
        expect((root / "resources").is_dir(), f"no resources/ in {root}")
        if getattr(sys, "frozen", False):
            expect(Path(getattr(sys, "_MEIPASS", "")) == root, f"bundle_dir {root} is not sys._MEIPASS")
        expect(any(content_dir().rglob("*.md")), f"no Markdown in {content_dir()}")
        expect(icon_path().is_file(), f"no icon {icon_path()}")
        for size in (16, 32, 48, 64, 128, 256):
            expect(icon_path(size).is_file(), f"no icon {icon_path(size)}")
        expect((resources_dir() / "nexus-desktop.desktop").is_file(), "no nexus-desktop.desktop")
        self.bundle_stamps = _file_stamps(root)
        return f"{root} ({len(self.bundle_stamps)} files)"

    def check_bundle_untouched(self) -> str:
        after = _file_stamps(bundle_dir())
        changed = sorted(p for p in set(after) | set(self.bundle_stamps)
                         if after.get(p) != self.bundle_stamps.get(p))
        expect(not changed, f"files changed under the bundle: {', '.join(changed[:5])}")
        return f"{len(after)} files unchanged"

    # --- index ----------------------------------------------------------------------------------
    def check_index(self) -> str:
        from nexus_desktop.core.library import scan
        from nexus_desktop.core.workspace import Workspace

        workspace = self._workspace = Workspace.create(user_dirs(self.temp / "data"), self.content or None)
        found = scan(workspace.roots)
        expect(found.files, "the library has no Markdown files")
        report = workspace.update_index(procs=1)
        expected = len(found.files)
        expect(report.added == expected, f"{report.added} entries indexed, {expected} files found")
        expect(workspace.index.doc_count() == expected,
               f"index holds {workspace.index.doc_count()} documents, expected {expected}")
        self.entry_ids = sorted(found.files)
        note = f"{report.added} entries in {report.seconds:.2f} s"
        if report.skipped:
            note += f", {len(report.skipped)} files skipped"
        return note

    def check_incremental(self) -> str:
        report = self.workspace.update_index()
        expect(not report.changed, f"second run changed the index: +{report.added} ~{report.updated} "
                                   f"-{report.removed}")
        expect(report.unchanged == len(self.entry_ids), f"{report.unchanged} unchanged, "
                                                         f"expected {len(self.entry_ids)}")
        return f"{report.unchanged} unchanged"

    def check_multiprocess_index(self) -> str:
        """Whoosh's multiprocess writer (used for big libraries) must work frozen too (freeze_support)."""
        from nexus_desktop.core.index import SearchIndex

        ix = SearchIndex(self.temp / "mp-index")
        try:
            report = ix.update(self.workspace.roots, procs=2)  # the small bundled library, with workers
            expect(report.added == len(self.entry_ids), f"{report.added} of {len(self.entry_ids)} indexed")
            expect(ix.doc_count() == len(self.entry_ids), f"{ix.doc_count()} documents in the index")
            merged = ix.merge()
            segments = ix.segment_count()
        finally:
            ix.close()
        return f"{report.added} entries in {report.seconds:.2f} s, {segments} segment(s) after merge={merged}"

    def check_indexing_process(self) -> str:
        """The window indexes in a child process running this same program: it must start (frozen too),
        report as JSON lines, and build the index."""
        import subprocess

        from nexus_desktop.core.indexing import child_command, child_environment, parse_event, report_from_json

        command = child_command(str(self.temp / "child-data"), self.content or None, merge=True)
        done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, encoding="utf-8",
                              env=child_environment(), timeout=300)
        events = [e for e in map(parse_event, done.stdout.splitlines()) if e is not None]
        tail = done.stderr.strip().splitlines()[-1:] or [f"exit code {done.returncode}"]
        expect(done.returncode == 0, f"the indexing process failed: {tail[0]}")
        kinds = [e["event"] for e in events]
        expect(kinds[-2:] == ["indexed", "merged"], f"events {kinds[-4:]}, expected ... indexed, merged")
        report = report_from_json(events[-2]["report"])
        expect(report.added == len(self.entry_ids), f"{report.added} of {len(self.entry_ids)} indexed")
        return f"{len(events)} events, {report.added} entries in {report.seconds:.2f} s"

    # --- search ---------------------------------------------------------------------------------
    def search_checks(self) -> None:
        from nexus_desktop.core.search import Searcher

        r = self.report.run
        if not r("search: open a searcher", lambda: self._open_searcher(Searcher)):
            return
        if self.plan is None:
            r("search: queries of each kind", lambda: "skipped: no title with two plain words to build "
                                                      "queries from")
            return
        p = self.plan
        mis = misspell(p.first)
        r(f"search: word ({p.first})", lambda: self._word(p))
        r(f"search: two words ({p.first} {p.second})", lambda: self._two_words(p))
        r(f'search: phrase ("{p.first} {p.second}")', lambda: self._phrase(p))
        r(f"search: prefix ({p.first[:4]}*)", lambda: self._prefix(p))
        r(f"search: exclude ({p.first} -{p.second})", lambda: self._exclude(p))
        r(f"search: OR ({p.first} OR {p.other})", lambda: self._or(p))
        r(f"search: title: (title:{p.first})", lambda: self._title(p))
        if p.tag:
            r(f"search: tag: (tag:{p.tag})", lambda: self._tag(p))
        r(f"search: fuzzy ({mis}~)", lambda: self._fuzzy(p, mis))
        r(f"search: respelled ({mis})", lambda: self._suggest(p, mis))
        typed = f"{p.first} {p.second[:3]}"
        r(f"search: as-you-type ({typed})", lambda: self._as_you_type(p, typed))
        r(f"search: exact title first ({p.title})", lambda: self._exact_title(p))
        for query, top in p.known_top.items():
            r(f"search: top hit ({query})", partial(self._top, query, top))
        r("search: bad query is refused cleanly", self._bad_query)

    def _open_searcher(self, searcher_cls: type[Searcher]) -> str:
        self._searcher = searcher_cls(self.workspace.index)
        bundled = not self.content and BUNDLED_TARGET in self.entry_ids
        if bundled:
            self.plan = bundled_plan()
        else:
            refs = [(ref.id, ref.title) for ref in self.workspace.entry_refs()]
            tags = self._tags_by_id()
            self.plan = derived_plan([(i, t, tags.get(i, [])) for i, t in refs])
        if self.plan is None:
            return "no query plan"
        return f"queries built from {self.plan.target} ({'bundled' if bundled else 'derived'})"

    def _tags_by_id(self) -> dict[str, list[str]]:
        from nexus_desktop.core.library import read_entry, scan

        return {i: list(read_entry(s).tags) for i, s in list(scan(self.workspace.roots).files.items())[:200]}

    def _ids(self, query: str) -> list[str]:
        results = self.searcher.search(query, limit=BIG_LIMIT)
        expect(results.total == len(results.results) or results.total > BIG_LIMIT,
               f"{query!r}: total {results.total} but {len(results.results)} results")
        for hit in results.results:
            expect(hit.id and hit.title, f"{query!r}: a hit without id or title")
        return [hit.id for hit in results.results]

    def _hits(self, query: str) -> list[Hit]:
        return list(self.searcher.search(query, limit=BIG_LIMIT).results)

    def _word(self, p: QueryPlan) -> str:
        results = self.searcher.search(p.first, limit=20)
        ids = [h.id for h in results.results]
        expect(p.target in ids, f"{p.target} not among {results.total} results")
        expect(all(h.snippet for h in results.results[:5]), "a top hit has no snippet")
        expect(any("<b>" in h.snippet for h in results.results[:5]), "no highlighted word in the snippets")
        return f"{results.total} hits in {results.took_ms:.0f} ms"

    def _two_words(self, p: QueryPlan) -> str:
        hits = self._hits(f"{p.first} {p.second}")
        complete = {h.id for h in hits if not h.missing}
        expect(p.target in complete, f"{p.target} not found with both words")
        both = set(self._ids(p.first)) & set(self._ids(p.second))
        expect(complete == both, f"entries with both words told apart wrongly: {sorted(complete ^ both)[:3]}")
        partial = [h for h in hits if h.missing]
        expect(all(set(h.missing) < {p.first, p.second} for h in partial), "a partial hit lacks every word")
        return f"{len(complete)} with both words, {len(partial)} with one"

    def _phrase(self, p: QueryPlan) -> str:
        phrase = set(self._ids(f'"{p.first} {p.second}"'))
        expect(p.target in phrase, f"{p.target} not found")
        extra = phrase - set(self._ids(f"{p.first} {p.second}"))
        expect(not extra, f"phrase hits that lack the words: {sorted(extra)[:3]}")
        return f"{len(phrase)} hits"

    def _prefix(self, p: QueryPlan) -> str:
        ids = self._ids(f"{p.first[:4]}*")
        expect(p.target in ids, f"{p.target} not found")
        return f"{len(ids)} hits"

    def _exclude(self, p: QueryPlan) -> str:
        ids = set(self._ids(f"{p.first} -{p.second}"))
        expect(p.target not in ids, f"{p.target} has {p.second!r} but was not excluded")
        expect(ids <= set(self._ids(p.first)), "hits without the first word")
        overlap = ids & {h.id for h in self._hits(f"{p.first} {p.second}") if not h.missing}
        expect(not overlap, f"excluded word found in {sorted(overlap)[:3]}")
        return f"{len(ids)} hits"

    def _or(self, p: QueryPlan) -> str:
        either = set(self._ids(f"{p.first} OR {p.other}"))
        a, b = set(self._ids(p.first)), set(self._ids(p.other))
        expect(b, f"no hits for {p.other!r}")
        missing = (a | b) - either
        expect(not missing, f"OR misses {sorted(missing)[:3]}")
        return f"{len(either)} hits ({len(a)} + {len(b)})"

    def _title(self, p: QueryPlan) -> str:
        hits = self._hits(f"title:{p.first}")
        expect(p.target in [h.id for h in hits], f"{p.target} not found")
        stem = p.first[:4]
        names = {item.id: " ".join([item.title, *item.aliases]).lower() for item in self.workspace.index.catalog()}
        wrong = [h.id for h in hits if stem not in names.get(h.id, h.title.lower())]
        expect(not wrong, f"hits whose title and aliases lack {p.first!r}: {wrong[:3]}")
        return f"{len(hits)} hits"

    def _tag(self, p: QueryPlan) -> str:
        assert p.tag
        hits = self._hits(f"tag:{p.tag}")
        expect(p.target in [h.id for h in hits], f"{p.target} not found")
        wrong = [h.id for h in hits if p.tag not in [t.lower() for t in h.tags]]
        expect(not wrong, f"hits without the tag: {wrong[:3]}")
        return f"{len(hits)} hits"

    def _fuzzy(self, p: QueryPlan, mis: str) -> str:
        ids = self._ids(f"{mis}~")
        expect(p.target in ids, f"{p.target} not among {len(ids)} hits")
        return f"{len(ids)} hits"

    def _suggest(self, p: QueryPlan, mis: str) -> str:
        results = self.searcher.search(mis, limit=20)
        corrected = results.corrected or ""
        expect(corrected, f"{mis!r} was not respelled ({results.total} hits)")
        expect(p.first in corrected.lower(), f"respelled as {corrected!r}, wanted {p.first!r}")
        expect(p.target in [h.id for h in results.results], f"{p.target} not among the respelled results")
        as_typed = self.searcher.search(mis, limit=20, correct=False)
        expect(as_typed.suggestion and p.first in as_typed.suggestion.lower(),
               f"no 'did you mean' for {mis!r} as typed")
        return f"-> {results.corrected}"

    def _as_you_type(self, p: QueryPlan, typed: str) -> str:
        results = self.searcher.search(typed, limit=20, as_you_type=True, suggest=False)
        ids = [h.id for h in results.results]
        expect(p.target in ids[:5], f"{p.target} not in the top 5 of {ids[:5]}")
        expect(results.took_ms < 1000, f"took {results.took_ms:.0f} ms")
        return f"rank {ids.index(p.target) + 1} of {results.total}, {results.took_ms:.0f} ms"

    def _exact_title(self, p: QueryPlan) -> str:
        ids = self._ids(p.title)
        expect(ids and ids[0] == p.target, f"first hit is {ids[:1]}, wanted {p.target}")
        return f"{len(ids)} hits"

    def _top(self, query: str, top: str) -> str:
        ids = self._ids(query)
        expect(ids and ids[0] == top, f"first hit is {ids[:1]}, wanted {top}")
        return f"{len(ids)} hits"

    def _bad_query(self) -> str:
        from nexus_desktop.core.search import BadQuery

        try:
            self.searcher.search("-- ()", limit=5)
        except BadQuery as exc:
            return f"BadQuery: {exc}"
        return "accepted as an empty search"

    # --- render ---------------------------------------------------------------------------------
    def check_render_all(self) -> str:
        from nexus_desktop.core.library import scan
        from nexus_desktop.core.render import html_document

        rendered = 0
        failures: list[str] = []
        slowest = (0.0, "")
        languages: set[str] = set()
        for palette in ("light", "dark"):
            renderer = self.workspace.renderer(palette)
            css_file = resources_dir() / f"content-{palette}.css"
            css = css_file.read_text(encoding="utf-8") if css_file.is_file() else ""
            for entry_id, _stat in sorted(scan(self.workspace.roots).files.items()):
                started = time.perf_counter()
                try:
                    entry = self.workspace.load_entry(entry_id)
                    if entry is None:
                        raise CheckFailed("not found by id")
                    out = renderer.render(entry)
                    expect(out.html.strip(), "empty HTML")
                    expect("<h1" in out.html, "no title heading")
                    page = html_document(out.html, css, out.title)
                    expect(page.startswith("<!DOCTYPE html>") or "<html" in page[:200], "no HTML document")
                    fenced = _highlightable(entry.body)
                    if fenced:  # Pygments lexers and styles are loaded by name: are they in the bundle?
                        expect('<span style="' in out.html, f"```{fenced[0]} code is not highlighted")
                        languages.update(fenced)
                except Exception as exc:  # noqa: BLE001 - collect them all, report a few
                    failures.append(f"{entry_id} ({palette}): {type(exc).__name__}: {exc}")
                    continue
                took = time.perf_counter() - started
                slowest = max(slowest, (took, entry_id))
                rendered += 1
        expect(not failures, f"{len(failures)} failed: {'; '.join(failures[:3])}")
        return (f"{rendered} renders, code highlighted in {len(languages)} languages, "
                f"slowest {slowest[1]} {slowest[0] * 1000:.0f} ms")

    # --- bookmarks ------------------------------------------------------------------------------
    def _sample_entries(self, count: int = 3) -> list[tuple[str, str]]:
        refs = {ref.id: ref.title for ref in self.workspace.entry_refs()} if self.workspace else {}
        ids = sorted(refs)
        preferred = [i for i in (BUNDLED_TARGET, "nexus/devops/docker", "nexus/backend/django") if i in refs]
        rest = [i for i in ids if i not in preferred]
        random.Random(7).shuffle(rest)
        chosen = (preferred + rest)[:count]
        expect(len(chosen) == count, f"the library has fewer than {count} entries")
        return [(i, refs[i]) for i in chosen]

    def check_bookmarks(self) -> str:
        from nexus_desktop.core import bookmark_exchange as exchange
        from nexus_desktop.core.bookmarks import BookmarkStore
        from nexus_desktop.core.userdb import open_user_db

        entries = self._sample_entries()
        export = self.temp / "bookmarks.json"
        with closing(open_user_db(self.temp / "bm-a")) as db:
            store = BookmarkStore(db)
            folder = store.create_folder("Selftest")
            for n, (entry_id, title) in enumerate(entries):
                store.add(entry_id, title, folder_id=folder.id if n else None, note="selftest" if n == 2 else "")
            store.add(entries[0][0], entries[0][1], anchor="intro")
            expect(store.count() == 4, f"{store.count()} bookmarks after adding 4")
            expect(all(store.is_bookmarked(i) for i, _ in entries), "an added entry is not bookmarked")
            count = exchange.export_bookmarks(store, export)
            expect(count == 4, f"exported {count} of 4")
        expect(export.is_file() and export.stat().st_size > 0, "no export file")
        with closing(open_user_db(self.temp / "bm-b")) as db:
            store = BookmarkStore(db)
            result = exchange.import_bookmarks(store, export)
            expect(result.added == 4, f"imported {result.added} of 4")
            expect(result.folders_created == 1, f"{result.folders_created} folders created, expected 1")
            again = exchange.import_bookmarks(store, export)
            expect(again.added == 0 and again.duplicates == 4, f"re-import added {again.added}")
            got = sorted((b.entry_id, b.anchor or "") for b in store.all_bookmarks())
            want = sorted([(i, "") for i, _ in entries] + [(entries[0][0], "intro")])
            expect(got == want, f"imported {got}, expected {want}")
            bookmark = store.find(entries[1][0])
            expect(bookmark is not None and store.folder_path(bookmark.folder_id) == ("Selftest",),
                   "folder lost in the round trip")
            snap = store.remove_entry(entries[0][0])
            expect(len(snap.bookmarks) == 2, f"removed {len(snap.bookmarks)} bookmarks of {entries[0][0]}")
            expect(not store.is_bookmarked(entries[0][0]), "still bookmarked after remove")
            expect(store.count() == 2, f"{store.count()} left, expected 2")
        return f"{len(entries)} entries + 1 heading, JSON {export.stat().st_size} bytes"

    def check_xbel(self) -> str:
        from nexus_desktop.core import bookmark_exchange as exchange
        from nexus_desktop.core.bookmarks import BookmarkStore
        from nexus_desktop.core.userdb import open_user_db

        entries = self._sample_entries()
        export = self.temp / "bookmarks.xbel"
        with closing(open_user_db(self.temp / "xbel-a")) as db:
            store = BookmarkStore(db)
            folder = store.create_folder("Reading list")
            for entry_id, title in entries:
                store.add(entry_id, title, folder_id=folder.id)
            expect(exchange.export_bookmarks(store, export) == len(entries), "export count")
        with closing(open_user_db(self.temp / "xbel-b")) as db:
            store = BookmarkStore(db)
            result = exchange.import_bookmarks(store, export)
            expect(result.added == len(entries), f"imported {result.added} of {len(entries)}")
            got = sorted(b.entry_id or "" for b in store.all_bookmarks())
            expect(got == sorted(i for i, _ in entries), f"imported {got}")
        return f"{len(entries)} bookmarks"

    # --- session --------------------------------------------------------------------------------
    def check_session(self) -> str:
        from nexus_desktop.core.state import HistoryItem, Session, SessionStore, TabState
        from nexus_desktop.core.userdb import open_user_db

        ids = [i for i, _ in self._sample_entries()]
        session = Session(tabs=[
            TabState([HistoryItem(ids[0], 120), HistoryItem(ids[1], 0, "intro")], index=1),
            TabState([HistoryItem(ids[2])], index=0),
            TabState([HistoryItem(ids[1], 40), HistoryItem(ids[2]), HistoryItem(ids[0], 7)], index=0),
        ], current=2, zoom=2)
        with closing(open_user_db(self.temp / "session")) as db:
            SessionStore(db).save(session)
        with closing(open_user_db(self.temp / "session")) as db:
            loaded = SessionStore(db).load()
        expect(loaded == session, f"restored {loaded}, saved {session}")
        return f"{len(session.tabs)} tabs, {sum(len(t.history) for t in session.tabs)} history items"

    # --- window ---------------------------------------------------------------------------------
    def check_window(self) -> str:
        return WindowCheck(self).run()


_FENCE = re.compile(r"^(?:```|~~~)[ \t]*([A-Za-z0-9_+#.-]+)", re.MULTILINE)


def _highlightable(body: str) -> list[str]:
    """Languages of fenced code blocks in `body` that Pygments has a lexer for (not plain text)."""
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    found = []
    for name in sorted(set(m.group(1).lower() for m in _FENCE.finditer(body))):
        if name in ("text", "txt", "plain", "plaintext", "none", "output", "console"):
            continue
        try:
            get_lexer_by_name(name)
        except ClassNotFound:
            continue
        found.append(name)
    return found


def _file_stamps(root: Path) -> dict[str, str]:
    """The stamp (core.disk.file_stamp: mtime and size) of every file under the bundle's content/ and resources/."""
    from nexus_desktop.core.disk import file_stamp

    return {str(path.relative_to(root)): file_stamp(path)
            for folder in ("content", "resources") for path in _files(root / folder)}


def _files(folder: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        for name in filenames:
            yield Path(dirpath) / name


def _raise(message: str) -> str:
    raise CheckFailed(message)
