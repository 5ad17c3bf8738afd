"""The Whoosh index of the library: schema, full and incremental builds, merging, repair and locking."""

from __future__ import annotations

import ctypes
import errno
import json
import os
import re
import shutil
import signal
import sys
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from multiprocessing import SimpleQueue
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.codec.base import Segment
from whoosh.columns import VarBytesColumn
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC, LockError, clean_files
from whoosh import multiproc as whoosh_multiproc
from whoosh.codec.base import PerDocumentReader
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.writing import CLEAR, SegmentWriter

from nexus_desktop.core.analysis import BOTH_FORMS, PROSE_STEMMED, PROSE_UNSTEMMABLE, STEMMED, UNSTEMMED
from nexus_desktop.core.library import READ_WARNINGS, Entry, EntryError, FileStat, Root, Skipped, read_entry, \
    roots_below, scan, scan_folder
from nexus_desktop.core.links import EntryRef

SCHEMA_VERSION = 18  # 14: identifier parts, British spellings; 16: lead in body; 17: parts next to their word; 18: root
META_FILE = "nexus-index.json"
CHECKSUM_FILE = "nexus-checksums.json"  # segment file -> [size, crc32], written as each commit ends
INDEX_NAME = "MAIN"  # Whoosh's default index name: its files are MAIN_<segment>.<part>, MAIN.tmp, _MAIN_<n>.toc
BULK_THRESHOLD = 1500
WRITER_POOL_MB = 384
# Segments are written as separate files, not one compound file: Whoosh copies each part of a
# compound file into memory when a reader opens it (55 MB for all of tldr), plain files are read
# as needed. Writers may pool up to WRITER_POOL_MB of postings before spilling sorted runs to disk:
# with Whoosh's default (128) a 38k-file build spent a third of its time merging spilled runs;
# a build's workers peak at ~260 MB RSS with this.
SNIPPET_TEXT_CHARS = 24_000
LOCK_TIMEOUT_S = 1.0
LOCK_POLL_S = 0.25

ProgressCallback = Callable[[int, int], None]
CancelCheck = Callable[[], bool]


def build_schema() -> Schema:
    """Stemmed fields for matching, unstemmed `*_raw` copies for prefix and as-you-type matching.

    `title` holds the title and aliases, each word as written and stemmed (for words, prefixes and
    boosts alike); `body_raw` holds only the words that some typed prefix finds neither by a stemmed completion nor
    as a whole word (`configura*` matches no stem of `configuration`, which is `configur`); prefix
    queries search both fields. This keeps the postings close to a plain title + body index.
    """
    return Schema(
        id=ID(stored=True, unique=True),
        root=ID(),  # the library root's name: `root:` is one posting list, not a prefix over every id
        path=STORED,
        card=COLUMN(VarBytesColumn()),  # id, stamp and what the catalog shows: read without stored docs
        title=TEXT(analyzer=BOTH_FORMS, stored=True, phrase=False, field_boost=4.0),  # + aliases
        headings=TEXT(analyzer=STEMMED, phrase=False, field_boost=2.0),
        body=TEXT(analyzer=PROSE_STEMMED),
        body_raw=TEXT(analyzer=PROSE_UNSTEMMABLE, phrase=False, field_boost=0.7),
        tags=KEYWORD(stored=True, lowercase=True, commas=True, scorable=True, field_boost=2.0),
        category=TEXT(analyzer=UNSTEMMED, stored=True, phrase=False),
        exact=KEYWORD(lowercase=True, commas=True),
        summary=STORED,
        text=STORED,
        text_start=STORED,
    )


class IndexBusy(Exception):
    """Another process holds the index's write lock: the index can be searched as it is."""


class IndexReadOnly(IndexBusy):
    """The index folder cannot be written (permissions, a read-only disk): searched as it is, like a busy one."""


class IndexDamaged(Exception):
    """Reading the index failed: it was set aside and an empty one started; run an update to rebuild it."""


class IndexWriteError(Exception):
    """Writing the index failed (a full disk, a failed worker): nothing of that write was kept."""


@dataclass(frozen=True)
class CatalogItem:
    """What the index knows of an entry without reading its file (library tree, quick open)."""

    id: str
    root: str
    path: str
    title: str
    aliases: tuple[str, ...]
    category: str
    tags: tuple[str, ...]
    summary: str


@dataclass
class IndexReport:
    """What one indexing run did (the `index --json` shape)."""

    roots: list[str] = field(default_factory=list)
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    notices: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def to_json(self) -> dict[str, object]:
        """The `index --json` shape of DESIGN.md (notices go to the user separately)."""
        data = asdict(self)
        del data["notices"]
        data["seconds"] = round(self.seconds, 3)
        return data


def normalize_name(text: str) -> str:
    """How titles and aliases are compared for an exact match: lowercase, single spaces."""
    return " ".join(text.lower().split())


_FIELD_SEP, _ITEM_SEP = "\x1f", "\x1e"


def card_for(entry: Entry) -> bytes:
    """An entry's index card: id, stamp and catalog fields, packed for a column."""
    fields = [entry.id, entry.stamp, entry.rel_path, entry.title, _ITEM_SEP.join(entry.aliases), entry.category,
              _ITEM_SEP.join(entry.tags), entry.summary]
    return _FIELD_SEP.join(f.replace(_FIELD_SEP, " ") for f in fields).encode("utf-8")


def _read_card(raw: bytes) -> list[str]:
    return raw.decode("utf-8").split(_FIELD_SEP)


def document_for(entry: Entry) -> dict[str, object]:
    """The Whoosh document of an entry.

    `body` and `body_raw` (and, for most entries, the stored `text`) are one string object: it is
    pickled once for the worker processes and tokenized once for both fields (analysis._TokenCache).
    """
    title = entry.title
    aliases = "\n".join(entry.aliases)
    # what the entry says it is about counts twice in `body`: its summary, or else its first paragraph
    lead = entry.summary or lead_paragraph(entry.body)
    names = "\n".join(part for part in (title, aliases, " ".join(entry.tags), lead) if part)
    body = f"{names}\n{entry.body}"
    document = {
        "id": entry.id, "root": entry.root.lower(), "path": entry.rel_path, "card": card_for(entry),
        "title": f"{title}\n{aliases}" if aliases else title, "_stored_title": title,
        "headings": "\n".join(h.text for h in entry.headings if h.text != title),
        "body": body, "body_raw": body,
        "tags": ",".join(entry.tags), "category": entry.category,
        "exact": ",".join(normalize_name(n).replace(",", " ") for n in [title, *entry.aliases] if n.strip()),
        "summary": entry.summary, "text": body if len(body) <= SNIPPET_TEXT_CHARS else body[:SNIPPET_TEXT_CHARS],
        "text_start": len(names) + 1,
    }
    return {name: value for name, value in document.items() if value}  # an empty field still costs a write


_LEAD_SKIP_RE = re.compile(r"^\s*(?:#|```|~~~|\||!\[|<|---|\*\*\*|$)")
LEAD_CHARS = 400


def lead_paragraph(body: str) -> str:
    """The first paragraph of prose (a quoted description counts): what a page says it is about."""
    lines: list[str] = []
    for line in body[:8000].splitlines():
        if not lines and _LEAD_SKIP_RE.match(line):
            continue
        if not line.strip() or (lines and _LEAD_SKIP_RE.match(line)):
            break
        lines.append(line.strip().lstrip(">").strip())
    return " ".join(lines)[:LEAD_CHARS]


def die_with_parent() -> None:
    """Linux: have the kernel kill this process when its parent dies (a killed app leaves no lock holders)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except OSError:
            pass


class _QuickLengths:
    """A segment's per-document reader whose field lengths are read a column at a time.

    Writing a segment, Whoosh asks the length of every posting's document (for each block's shortest
    and longest): through the column reader that was ~4 µs a posting, a tenth of an index build."""

    def __init__(self, reader: PerDocumentReader) -> None:
        self._reader = reader
        self._columns: dict[str, list[int] | None] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int | None:
        if fieldname not in self._columns:
            from nexus_desktop.core.postings import column_lengths  # only writers need it (and Whoosh's query modules)

            self._columns[fieldname] = column_lengths(self._reader, fieldname)
        column = self._columns[fieldname]
        if column is None:
            found: int | None = self._reader.doc_field_length(docnum, fieldname, default)
            return found
        # as Whoosh's: a document past the column has the column's default, 0, which reads as None
        return (column[docnum] or None) if docnum < len(column) else None

    def __getattr__(self, name: str) -> object:
        return getattr(self._reader, name)


class _QuickLengthsWriter(SegmentWriter):
    """Whoosh's segment writer, writing its postings with the lengths read a column at a time."""

    def per_document_reader(self) -> PerDocumentReader:
        reader: PerDocumentReader = _QuickLengths(super().per_document_reader())
        return reader


class _ChecksummedWriter(_QuickLengthsWriter):
    """Whoosh's writer that records the size and CRC of every segment file of a commit (while it
    still holds the lock), so that damage to them is found at the next check, not by a failing search."""

    def _commit_toc(self, segments: list[Segment]) -> None:
        super()._commit_toc(segments)
        record_checksums(Path(self.storage.folder), segments)


class _OrphanSafeTask(SubWriterTask):
    """A worker of the multiprocess writer: dies with its parent, and reports a failure to it (one
    line on `failures`) instead of printing a traceback and leaving its share of the documents out."""

    def __init__(self, *args: object, failures: SimpleQueue[str]) -> None:
        super().__init__(*args)
        self.failures = failures

    def run(self) -> None:
        die_with_parent()
        whoosh_multiproc.SegmentWriter = _QuickLengthsWriter  # this worker process's segment writer
        try:
            super().run()
        except BaseException as exc:  # noqa: BLE001 - handed to the parent, which fails the whole write
            self.failures.put(f"{type(exc).__name__}: {exc}")
            sys.exit(1)


class _OrphanSafeMpWriter(_ChecksummedWriter, MpWriter):
    """Whoosh's multiprocess writer whose worker processes die with their parent, and whose commit
    fails (keeping the index as it was) when a worker failed."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        self.failures: SimpleQueue[str] = SimpleQueue()
        super().__init__(*args, **kwargs)

    def _new_task(self) -> SubWriterTask:
        task = _OrphanSafeTask(self.storage, self.indexname, self.jobqueue, self.resultqueue,
                               self.subargs, self.multisegment, failures=self.failures)
        task.daemon = True
        self.tasks.append(task)
        task.start()
        return task

    def _commit_toc(self, segments: list[Segment]) -> None:
        if any(task.exitcode for task in self.tasks) or not self.failures.empty():
            reason = self.failures.get() if not self.failures.empty() else "a worker process ended early"
            raise IndexWriteError(f"an indexing process failed ({reason})")
        super()._commit_toc(segments)


class SearchIndex:
    """One Whoosh index for the whole library, in a cache folder; anything wrong with it means rebuild.

    Damage is found at open (a file of the wrong size, an unreadable table of contents or segment),
    by `verify()` (every file against the checksums its commit recorded: `update` runs it), and by
    any read that fails (`reading()`). All three take one path: `_set_aside` moves the index aside,
    starts an empty one and leaves a notice; the next `update` rebuilds it.
    """

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        self.notices: list[str] = []
        self._ix: whoosh_index.Index | None = None
        self._verified = False

    # --- opening and repair ---------------------------------------------------------------
    def open(self) -> whoosh_index.Index:
        """The index, created when missing; a stale or damaged one is moved aside and started anew."""
        if self._ix is not None:
            return self._ix
        problem = self._problem()
        if problem == "missing":
            return self._create()
        if problem is None:
            try:
                ix = whoosh_index.open_dir(str(self.index_dir))
                _tidy(ix)
                problem = _damage(self.index_dir, ix, full=False)
                if problem is None:
                    _probe(ix)
                    self._ix = ix
                    return ix
            except Exception as exc:  # noqa: BLE001 - any damage to a cache means rebuild
                problem = f"the index could not be opened ({type(exc).__name__})"
        return self._set_aside(problem)

    def verify(self) -> None:
        """Check every file of the index against the checksums its commit recorded (once per object:
        ~40 ms for tldr English); damage is set aside like any other."""
        ix = self.open()
        if self._verified:
            return
        problem = _damage(self.index_dir, ix, full=True)
        if problem is not None:
            self._set_aside(problem)
        self._verified = True

    @contextmanager
    def reading(self, *expected: type[BaseException]) -> Iterator[None]:
        """Wrap reads from the index: an error other than `expected` ones means damage: the index is
        set aside (an empty one started) and IndexDamaged raised; the caller rebuilds and retries."""
        try:
            yield
        except expected:
            raise
        except (IndexBusy, IndexDamaged, IndexWriteError, MemoryError):
            raise
        except Exception as exc:
            self._set_aside(f"reading it failed ({type(exc).__name__}: {exc})")
            raise IndexDamaged(self.notices[-1]) from exc

    def _problem(self) -> str | None:
        if self.index_dir.exists() and not self.index_dir.is_dir():
            return "its folder was a file"
        meta_path = self.index_dir / META_FILE
        if not self.index_dir.exists() or not any(self.index_dir.iterdir()):
            return "missing"
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return "the index has no readable version stamp"
        if not isinstance(meta, dict) or meta.get("schema_version") != SCHEMA_VERSION:
            return "the index was built by another version of the app"
        try:
            if not whoosh_index.exists_in(str(self.index_dir)):
                return "the index has no table of contents"
        except Exception:  # noqa: BLE001 - a damaged table of contents is one more reason to rebuild
            return "the index's table of contents is damaged"
        return None

    def _set_aside(self, problem: str) -> whoosh_index.Index:
        """The one way out of damage: move the index aside (or delete it), start an empty one, say so.
        Not while another process writes it: that writer may be rebuilding it (IndexBusy)."""
        if _writer_at_work(self.index_dir):
            raise IndexBusy(f"The search index is damaged ({problem}) and another Nexus process is writing it.")
        self.close()
        aside = self.index_dir.with_name(f"{self.index_dir.name}.broken")
        _remove(aside)
        try:
            self.index_dir.rename(aside)
            where = f"; the old one is kept at {aside}"
        except OSError:
            _remove(self.index_dir)
            where = ""
        self.notices.append(f"The search index was rebuilt: {problem}{where}.")
        self._verified = True  # a new, empty index: nothing to check
        return self._create()

    def _create(self) -> whoosh_index.Index:
        self.index_dir.mkdir(parents=True, exist_ok=True)
        self._ix = whoosh_index.create_in(str(self.index_dir), build_schema())
        meta = {"schema_version": SCHEMA_VERSION, "created": time.time()}
        (self.index_dir / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
        return self._ix

    def close(self) -> None:
        if self._ix is not None:
            self._ix.close()
            self._ix = None

    # --- what the index holds -------------------------------------------------------------
    def stamps(self) -> dict[str, str]:
        """Entry id -> "mtime_ns:size" as indexed, read from one column (no stored documents loaded)."""
        ix = self.open()
        with self.reading(), ix.reader() as reader:
            if reader.doc_count() == 0:
                return {}
            column = reader.column_reader("card")
            cards = (column[n].split(_FIELD_SEP.encode(), 2) for n in reader.all_doc_ids())
            return {card[0].decode("utf-8"): card[1].decode("utf-8") for card in cards}

    def catalog(self) -> list[CatalogItem]:
        """Every indexed entry, sorted by id (from the card column: no stored documents are unpickled)."""
        ix = self.open()
        with self.reading():
            return _catalog_of(ix)

    def catalog_as_is(self) -> list[CatalogItem]:
        """The catalog read without writing anything (no repair, no tidying, nothing created): empty
        when the index is missing or can't be read. For commands that must not depend on indexing."""
        try:
            if self._ix is not None:
                return _catalog_of(self._ix)
            if self._problem() is not None:
                return []
            ix = whoosh_index.open_dir(str(self.index_dir))
            try:
                return _catalog_of(ix)
            finally:
                ix.close()
        except Exception:  # noqa: BLE001 - a damaged cache knows nothing
            return []

    def entry_refs(self) -> list[EntryRef]:
        """Every indexed entry's id, title and aliases (for resolving links)."""
        return [EntryRef(item.id, item.title, item.aliases) for item in self.catalog()]

    def doc_count(self) -> int:
        return int(self.open().doc_count())

    def segment_count(self) -> int:
        return len(self.open()._segments())

    # --- writing ----------------------------------------------------------------------------
    def update(self, roots: list[Root], *, rebuild: bool = False, progress: ProgressCallback | None = None,
               cancel: CancelCheck | None = None, procs: int | None = None, first_batch: int = 0,
               on_first_batch: Callable[[], None] | None = None) -> IndexReport:
        """Bring the index in line with the files: re-read only changed files, delete vanished ones.

        `procs`: None decides by the amount of work (Whoosh's multiprocess writer for big batches);
        1 writes in this process; 2 or more uses that many worker processes.
        `rebuild`: index every file anew; the old documents are dropped by the same commit that adds
        the new ones, under the write lock (readers keep the old index until then).
        `first_batch`: on a first build of a big library, commit this many files first and call
        `on_first_batch` (searching can start); the report counts every file once.
        """
        started = time.perf_counter()
        report = IndexReport(roots=[r.name for r in roots])
        self.verify()
        found = scan(roots)
        report.skipped.extend(_skipped_json(found.skipped))
        indexed = {} if rebuild else self._indexed_stamps()
        self._take_notices(report)
        to_add, to_update, to_remove = _compare(found.files, indexed)
        report.unchanged = len(found.files) - len(to_add) - len(to_update)
        total = len(to_add) + len(to_update)
        if progress is not None and total:
            progress(0, total)  # the user sees the work ahead before the first file is read
        if first_batch and not indexed and not rebuild and len(to_add) >= BULK_THRESHOLD:
            first, to_add = to_add[:first_batch], to_add[first_batch:]
            self._write(first, [], [], report, _shifted(progress, 0, total), cancel, 1)
            if on_first_batch is not None:
                on_first_batch()
            progress = _shifted(progress, len(first), total)
        if rebuild or to_add or to_update or to_remove:
            self._write(to_add, to_update, to_remove, report, progress, cancel, procs, clear=rebuild)
        report.seconds = time.perf_counter() - started
        return report

    def _indexed_stamps(self) -> dict[str, str]:
        """What the index holds; a damaged index is set aside, so that everything is indexed anew."""
        try:
            return self.stamps()
        except IndexDamaged:
            return self.stamps()

    def _take_notices(self, report: IndexReport) -> None:
        report.notices.extend(self.notices)
        self.notices.clear()

    def update_folders(self, roots: list[Root], folders: Iterable[Path]) -> IndexReport:
        """Re-index what changed in these folders and below them (a watcher saw them change): files
        added, changed or gone there, under every root that holds them. Only those folders are read."""
        started = time.perf_counter()
        report = IndexReport(roots=[r.name for r in roots])
        indexed = self._indexed_stamps()
        to_add: dict[str, FileStat] = {}
        to_update: dict[str, FileStat] = {}
        to_remove: set[str] = set()
        seen = 0
        for folder in _outermost(folders):
            for root, start in roots_below(roots, folder):
                scanned = scan_folder(root, start)
                report.skipped.extend(_skipped_json(scanned.skipped))
                rel = start.relative_to(root.path).as_posix()
                prefix = root.name + "/" + ("" if rel == "." else rel + "/")
                add, update, remove = _compare(scanned.files,
                                               {i: s for i, s in indexed.items() if i.startswith(prefix)})
                to_add.update((s.id, s) for s in add)
                to_update.update((s.id, s) for s in update)
                to_remove.update(remove)
                seen += len(scanned.files)
        self._take_notices(report)
        report.unchanged = seen - len(to_add) - len(to_update)
        if to_add or to_update or to_remove:
            self._write(list(to_add.values()), list(to_update.values()), sorted(to_remove), report, None, None, 1)
        report.seconds = time.perf_counter() - started
        return report

    def update_files(self, roots: list[Root], stats: Iterable[FileStat], gone: Iterable[str] = ()) -> IndexReport:
        """Re-index just these files (a watcher saw them change) and drop the `gone` ids."""
        started = time.perf_counter()
        report = IndexReport(roots=[r.name for r in roots])
        indexed = set(self._indexed_stamps())
        self._take_notices(report)
        stats = list(stats)
        self._write([s for s in stats if s.id not in indexed], [s for s in stats if s.id in indexed],
                    [g for g in gone if g in indexed], report, None, None, 1)
        report.seconds = time.perf_counter() - started
        return report

    def _writer(self, bulk: bool, procs: int | None) -> SegmentWriter:
        ix = self.open()
        procs = procs or min(2, os.cpu_count() or 1)
        try:
            if bulk and procs > 1:
                return _OrphanSafeMpWriter(ix, procs=procs, multisegment=True, batchsize=256,
                                           timeout=LOCK_TIMEOUT_S, delay=0.05, compound=False, limitmb=WRITER_POOL_MB)
            return _ChecksummedWriter(ix, timeout=LOCK_TIMEOUT_S, delay=0.05, compound=False, limitmb=WRITER_POOL_MB)
        except LockError as exc:
            raise IndexBusy("The search index is being updated by another Nexus process.") from exc
        except OSError as exc:  # the lock file can't be made: a read-only folder or disk
            raise IndexReadOnly(f"The search index in {self.index_dir} cannot be written "
                                f"({exc.strerror or exc}).") from exc

    def _write(self, to_add: list[FileStat], to_update: list[FileStat], to_remove: list[str], report: IndexReport,
               progress: ProgressCallback | None, cancel: CancelCheck | None, procs: int | None,
               clear: bool = False) -> None:
        """One commit: delete, (re)add, and with `clear` drop every document that was there before."""
        reading = to_add + to_update
        bulk = len(reading) >= BULK_THRESHOLD if procs is None else procs > 1
        writer = self._writer(bulk, procs)
        try:
            if not clear:
                for entry_id in [s.id for s in to_update] + to_remove:
                    writer.delete_by_term("id", entry_id)
            added = self._add_entries(writer, reading, report, progress, cancel)
            if added is not None:
                writer.commit(mergetype=CLEAR if clear else None)
        except BaseException as exc:
            _abandon(writer)
            if isinstance(exc, OSError) and exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
                raise IndexReadOnly(f"The search index in {self.index_dir} cannot be written "
                                    f"({exc.strerror}).") from exc
            if isinstance(exc, OSError):
                raise IndexWriteError(f"The search index could not be written in {self.index_dir} "
                                      f"({exc.strerror or exc}); it was left as it was.") from exc
            raise
        if added is None:
            _abandon(writer)
            report.notices.append("Indexing was cancelled.")
            return
        update_ids = {s.id for s in to_update}
        updated = sum(1 for i in added if i in update_ids)
        report.updated += updated
        report.added += len(added) - updated
        report.removed += len(to_remove) + sum(1 for s in to_update if s.id not in added)

    def _add_entries(self, writer: SegmentWriter, stats: list[FileStat], report: IndexReport,
                     progress: ProgressCallback | None, cancel: CancelCheck | None) -> set[str] | None:
        added: set[str] = set()
        total = len(stats)
        for done, stat in enumerate(stats, 1):
            if cancel is not None and done % 64 == 0 and cancel():
                return None
            try:
                entry = read_entry(stat)
            except EntryError as exc:
                report.skipped.append({"path": str(stat.path), "reason": str(exc)})
                continue
            report.notices.extend(f"{stat.path}: {warning}" for warning in entry.warnings if warning in READ_WARNINGS)
            writer.add_document(**document_for(entry))
            added.add(stat.id)
            if progress is not None and (done % 100 == 0 or done == total):
                progress(done, total)
        return added

    def wait_until_free(self, timeout: float, cancel: CancelCheck | None = None) -> bool:
        """Wait (polling, at most `timeout` seconds) until no process holds the write lock; True when free.
        A reader that found the index busy calls this, then opens the finished index."""
        deadline = time.monotonic() + timeout
        lock = self.open().lock("WRITELOCK")
        while True:
            try:
                if lock.acquire(blocking=False):
                    lock.release()
                    self.close()  # the next open sees what the writer committed
                    return True
            except OSError:
                return False
            if time.monotonic() >= deadline or (cancel is not None and cancel()):
                return False
            time.sleep(LOCK_POLL_S)

    def merge(self) -> bool:
        """Merge all segments into one (queries get faster); False when another writer is busy."""
        ix = self.open()
        if len(ix._segments()) <= 1:
            return True
        try:
            writer = _ChecksummedWriter(ix, timeout=LOCK_TIMEOUT_S, delay=0.05, compound=False,
                                        limitmb=WRITER_POOL_MB)
        except (LockError, OSError):
            return False
        try:
            writer.commit(optimize=True)
        except BaseException:
            _abandon(writer)
            raise
        return True


def _compare(found: dict[str, FileStat], indexed: dict[str, str]) -> tuple[list[FileStat], list[FileStat], list[str]]:
    """What to add, re-read and delete so that the index (`indexed`: id -> stamp) matches the files found."""
    to_add = [s for i, s in found.items() if i not in indexed]
    to_update = [s for i, s in found.items() if i in indexed and indexed[i] != s.stamp]
    to_remove = [i for i in indexed if i not in found]
    return to_add, to_update, to_remove


def _outermost(folders: Iterable[Path]) -> list[Path]:
    """The folders without those inside another one of them (reading a folder reads what is below it)."""
    unique = sorted(set(folders), key=lambda folder: len(folder.parts))
    kept: list[Path] = []
    for folder in unique:
        if not any(folder == outer or outer in folder.parents for outer in kept):
            kept.append(folder)
    return kept


def _shifted(progress: ProgressCallback | None, offset: int, total: int) -> ProgressCallback | None:
    """Progress of one part of a run, told as progress of the whole run."""
    if progress is None:
        return None
    return lambda done, _part: progress(offset + done, total)


def _remove(path: Path) -> None:
    """Delete a file or a folder tree, as far as possible."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass


def _segment_files(folder: Path, segments: Iterable[Segment]) -> list[str]:
    """The names of the files of these segments (MAIN_<id>.<part>)."""
    ids = {segment.segment_id() for segment in segments}
    pattern = TOC._segment_pattern(INDEX_NAME)
    names = []
    for name in os.listdir(folder):
        match = pattern.match(name)
        if match and match.group(1) in ids:
            names.append(name)
    return names


def _crc(path: Path) -> int:
    crc = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            crc = zlib.crc32(chunk, crc)
    return crc


def _read_checksums(folder: Path) -> dict[str, list[int]]:
    try:
        data = json.loads((folder / CHECKSUM_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def record_checksums(folder: Path, segments: Iterable[Segment]) -> None:
    """Record size and CRC of these segments' files (segment files never change once written); files of
    other segments are forgotten. Written atomically; a failure (full disk) only leaves files unchecked."""
    known = _read_checksums(folder)
    names = _segment_files(folder, segments)
    record = {name: known[name] if name in known else [(folder / name).stat().st_size, _crc(folder / name)]
              for name in names}
    temp = folder / f"{CHECKSUM_FILE}.tmp"
    try:
        temp.write_text(json.dumps(record), encoding="utf-8")
        os.replace(temp, folder / CHECKSUM_FILE)
    except OSError:
        _remove(temp)


def _damage(folder: Path, ix: whoosh_index.Index, full: bool) -> str | None:
    """What is wrong with the files of the current segments, by their recorded sizes (and, when `full`,
    CRCs); None when nothing is. Files without a record (an older build of the app) are not judged."""
    problem = None
    for _attempt in range(3):  # a commit by another process may replace the segments while we look
        generation = ix.latest_generation()
        try:
            problem = _damaged_file(folder, ix._segments(), full)
        except (OSError, ValueError, TypeError) as exc:  # a file gone, or a record that isn't one
            problem = f"its files could not be checked ({type(exc).__name__})"
        if problem is None or ix.latest_generation() == generation:
            return problem
    return problem


def _damaged_file(folder: Path, segments: list[Segment], full: bool) -> str | None:
    ids = {segment.segment_id() for segment in segments}
    present = set(_segment_files(folder, segments))
    for name, (size, crc) in _read_checksums(folder).items():
        if name.split(".", 1)[0] not in ids:
            continue
        if name not in present:
            return f"its file {name} is missing"
        if (folder / name).stat().st_size != size:
            return f"its file {name} has the wrong size"
        if full and _crc(folder / name) != crc:
            return f"its file {name} is damaged"
    return None


def _writer_at_work(folder: Path) -> bool:
    """Whether another process holds the write lock of the index in `folder`."""
    if not folder.is_dir():
        return False
    lock = FileStorage(str(folder)).lock(f"{INDEX_NAME}_WRITELOCK")  # what Index.lock("WRITELOCK") makes
    try:
        if lock.acquire(blocking=False):
            lock.release()
            return False
    except OSError:
        return False  # no lock can be taken here (read-only): no writer either
    return True


def _tidy(ix: whoosh_index.Index) -> None:
    """Remove what killed writers left (temporary folders, files of segments no table of contents
    names); only when no writer is at work, i.e. when the write lock is free."""
    lock = ix.lock("WRITELOCK")
    try:
        if not lock.acquire(blocking=False):
            return
    except OSError:
        return  # a read-only folder: nothing can be tidied, nothing needs to be
    try:
        toc = ix._read_toc()
        clean_files(ix.storage, INDEX_NAME, toc.generation, toc.segments)
        for name in os.listdir(ix.storage.folder):
            if name.endswith(".tmp"):
                _remove(Path(ix.storage.folder) / name)
    finally:
        lock.release()


def _abandon(writer: SegmentWriter) -> None:
    """Give up a writer whatever state it is in: its workers ended, its temporary files and the
    segment files it began removed, its lock released."""
    for task in getattr(writer, "tasks", []):
        if task.is_alive():
            task.terminate()
            task.join(5)
    if not writer.is_closed:
        try:
            writer.cancel()
        except Exception:  # noqa: BLE001 - half-written segments are removed below
            pass
    try:
        writer._tempstorage.destroy()
    except Exception:  # noqa: BLE001
        pass
    lock = writer.writelock
    if lock is not None and lock.fd is not None:
        lock.release()
    ix = whoosh_index.FileIndex(writer.storage, indexname=writer.indexname)
    try:
        _tidy(ix)
    except Exception:  # noqa: BLE001 - tidied at the next open
        pass


def _probe(ix: whoosh_index.Index) -> None:
    """Touch every kind of file a query reads (terms, postings, columns, stored fields); raises if any
    is damaged, so a broken index is rebuilt at open rather than failing a search later."""
    with ix.reader() as reader:
        if reader.doc_count() == 0:
            return
        first = next(iter(reader.all_doc_ids()))
        reader.column_reader("card")[first]
        reader.stored_fields(first)
        for name in ("body", "title"):
            term = next(iter(reader.lexicon(name)), None)
            if term is not None:
                list(reader.postings(name, term).all_ids())


def _catalog_of(ix: whoosh_index.Index) -> list[CatalogItem]:
    with ix.reader() as reader:
        if reader.doc_count() == 0:
            return []
        column = reader.column_reader("card")
        cards = [_read_card(column[n]) for n in reader.all_doc_ids()]
    items = [CatalogItem(entry_id, entry_id.partition("/")[0], path, title, _items(aliases), category, _items(tags),
                         summary)
             for entry_id, _stamp, path, title, aliases, category, tags, summary in cards]
    return sorted(items, key=lambda item: item.id)


def _items(packed: str) -> tuple[str, ...]:
    return tuple(item for item in packed.split(_ITEM_SEP) if item)


def _skipped_json(skipped: list[Skipped]) -> list[dict[str, str]]:
    return [{"path": s.path, "reason": s.reason} for s in skipped]
