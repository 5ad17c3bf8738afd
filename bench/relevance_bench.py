"""Relevance benchmark: how well the app answers people's questions, beside bare Whoosh and SQLite FTS5.

Usage::

    python -m bench relevance [--corpus nexus|tldr|obsidian|all] [--json FILE]

Each question set in bench/relevance/*.toml is a list of questions in users' own words with the entries that
answer them. For every set whose corpus is present, the same files are indexed by three engines in the same
run, every question is asked once (top 10), and a table gives hit@1, hit@3 (a right entry in the first 1 or 3
results), MRR@10 (mean of 1/rank of the first right entry, 0 when none in the top 10) and the median and p95
latency per question:

- the app, indexed and searched with its own code as the `search` command does (Workspace.update_index, then
  Searcher.search(text, limit=10): Enter pressed, not as-you-type);
- bare Whoosh: title (StemmingAnalyzer, field_boost 2.0) and body (StemmingAnalyzer), the question parsed by
  MultifieldParser(["title", "body"], group=OrGroup), BM25F;
- SQLite FTS5, tokenize='porter unicode61', columns title and body, ranked by bm25(fts, 2.0, 1.0), the
  question's alphanumeric words each double-quoted and OR-ed.

The app's misses in the top 3 follow, each with what it returned instead. Corpora: `nexus` is the bundled
content/; `tldr` is the tldr English pages, from $NEXUS_TLDR (an extracted tldr folder, or its pages/ folder)
or else extracted by bench/corpus.py from ../shared/corpora; `obsidian` is the Obsidian help vault, never in
this repository, found through $NEXUS_OBSIDIAN_HELP (the path of its `en` folder). An absent corpus is
skipped with a note.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import statistics
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import yaml

from bench.corpus import REPO, tldr_root

if TYPE_CHECKING:
    from whoosh.qparser import MultifieldParser
    from whoosh.searching import Searcher as WhooshSearcher

    from nexus_desktop.core.search import Searcher

QUESTIONS_DIR = REPO / "bench" / "relevance"
TLDR_ENV = "NEXUS_TLDR"
OBSIDIAN_ENV = "NEXUS_OBSIDIAN_HELP"
TOP = 10
MISS_AFTER = 3  # the app's questions whose first right entry is below this rank are listed
KINDS = ("question", "keywords", "symptom")
MARKDOWN_SUFFIXES = (".md", ".markdown")


# --- question sets ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Question:
    """One question as a user would type it, and the ids of the entries that answer it."""

    text: str
    relevant: tuple[str, ...]
    kind: str


def load_questions(path: Path) -> list[Question]:
    """The questions of one TOML set; a malformed set raises ValueError naming the file and question."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    questions = []
    for number, raw in enumerate(data.get("question", []), start=1):
        text, relevant, kind = raw.get("text"), raw.get("relevant"), raw.get("kind")
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{path.name}: question {number} has no text")
        if not isinstance(relevant, list) or not relevant or not all(isinstance(r, str) for r in relevant):
            raise ValueError(f"{path.name}: question {number} ({text!r}) needs a non-empty `relevant` list")
        if kind not in KINDS:
            raise ValueError(f"{path.name}: question {number} ({text!r}): kind must be one of {KINDS}")
        questions.append(Question(text, tuple(relevant), kind))
    if not questions:
        raise ValueError(f"{path.name}: no [[question]] tables")
    return questions


def nexus_folder() -> Path:
    from nexus_desktop.paths import content_dir

    return content_dir()


def tldr_folder() -> Path | None:
    """The tldr English pages: $NEXUS_TLDR (the tldr folder or its pages/), else the bench's extracted copy."""
    chosen = os.environ.get(TLDR_ENV)
    if chosen:
        folder = Path(chosen).expanduser()
        return folder / "pages" if (folder / "pages").is_dir() else folder if folder.is_dir() else None
    root = tldr_root()
    return root / "pages" if root is not None else None


def obsidian_folder() -> Path | None:
    chosen = os.environ.get(OBSIDIAN_ENV)
    folder = Path(chosen).expanduser() if chosen else None
    return folder if folder is not None and folder.is_dir() else None


@dataclass(frozen=True)
class QuestionSet:
    """A named set of questions and how to find the folder of Markdown it is asked over."""

    name: str
    file: Path
    find_folder: Callable[[], Path | None]
    absent_hint: str


QUESTION_SETS = {
    "nexus": QuestionSet("nexus", QUESTIONS_DIR / "nexus.toml", nexus_folder, "the bundled content/ folder"),
    "tldr": QuestionSet("tldr", QUESTIONS_DIR / "tldr.toml", tldr_folder,
                        f"set {TLDR_ENV} to an extracted tldr folder, or put tldr-pages.tar.gz in ../shared/corpora"),
    "obsidian": QuestionSet("obsidian", QUESTIONS_DIR / "obsidian-help.toml", obsidian_folder,
                            f"set {OBSIDIAN_ENV} to the Obsidian help vault's `en` folder"),
}


# --- the documents as the baselines see them --------------------------------------------------------
@dataclass(frozen=True)
class Document:
    id: str
    title: str
    body: str


_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_H1 = re.compile(r"#[ \t]+(.+?)[ \t#]*")
_FENCE = re.compile(r"[ \t]{0,3}(```|~~~)")


def title_and_body(text: str, fallback: str) -> tuple[str, str]:
    """Front matter title, else the first `# ` heading, else `fallback`; the body is the text after the
    front matter."""
    match = _FRONT_MATTER.match(text)
    meta: object = None
    if match:
        try:
            meta = yaml.safe_load(match.group(1))
        except yaml.YAMLError:
            meta = None
        text = text[match.end():]
    title = meta.get("title") if isinstance(meta, dict) else None
    if not isinstance(title, str) or not title.strip():
        title = first_heading(text) or fallback
    return title.strip(), text


def first_heading(markdown: str) -> str | None:
    """The text of the first `# ` heading outside fenced code (a `# comment` in a code block is not one)."""
    fence: str | None = None
    for line in markdown.splitlines():
        opening = _FENCE.match(line)
        if opening:
            fence = None if fence == opening.group(1) else fence or opening.group(1)
        elif fence is None and (heading := _H1.fullmatch(line)):
            return heading.group(1)
    return None


def markdown_paths(folder: Path) -> Iterator[Path]:
    """Markdown files under `folder`, hidden folders and files left out (as the app's scan does)."""
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.suffix.lower() in MARKDOWN_SUFFIXES and not any(p.startswith(".") for p in rel.parts) \
                and path.is_file():
            yield path


def read_documents(folder: Path, root_name: str) -> list[Document]:
    """Every Markdown file under `folder` with the id the app gives it (`ROOT/relative/path`)."""
    documents = []
    for path in markdown_paths(folder):
        text = path.read_text(encoding="utf-8", errors="replace")
        title, body = title_and_body(text, path.stem)
        entry = f"{root_name}/{path.relative_to(folder).with_suffix('').as_posix()}"
        documents.append(Document(entry, title, body))
    return documents


# --- the engines ------------------------------------------------------------------------------------
class Engine(Protocol):
    name: str

    def build(self) -> float:
        """Index the corpus; returns the seconds it took."""

    def search(self, text: str) -> list[str]:
        """Ids of the top results for a question, best first."""

    def close(self) -> None: ...


class AppEngine:
    """Nexus Desktop, through the same calls as `nexus-desktop search QUERY --content DIR --limit 10`."""

    name = "Nexus Desktop"

    def __init__(self, folder: Path, data_dir: Path) -> None:
        from nexus_desktop.core.workspace import Workspace
        from nexus_desktop.paths import user_dirs

        self.workspace = Workspace.create(user_dirs(data_dir), [str(folder)])
        self.root_name = self.workspace.roots[0].name
        self._searcher: Searcher | None = None
        self.errors: list[str] = []

    def build(self) -> float:
        from nexus_desktop.core.search import Searcher

        started = time.perf_counter()
        self.workspace.update_index()
        seconds = time.perf_counter() - started
        self._searcher = Searcher(self.workspace.index)
        return seconds

    def search(self, text: str) -> list[str]:
        try:
            results = self._searcher.search(text, limit=TOP)
        except ValueError as exc:  # BadQuery: the app refuses the question; no results is what the user sees
            self.errors.append(f"{text!r}: {exc}")
            return []
        return [hit.id for hit in results.results]

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
        self.workspace.index.close()


class WhooshEngine:
    """Bare Whoosh as the tutorials show it: title^2 + body, stemming, OR of the question's words, BM25F."""

    name = "bare Whoosh (OrGroup)"

    def __init__(self, documents: Sequence[Document], index_dir: Path) -> None:
        self.documents = documents
        self.index_dir = index_dir
        self._searcher: WhooshSearcher | None = None
        self._parser: MultifieldParser | None = None

    def build(self) -> float:
        from whoosh import index as whoosh_index
        from whoosh.analysis import StemmingAnalyzer
        from whoosh.fields import ID, TEXT, Schema
        from whoosh.qparser import MultifieldParser, OrGroup

        schema = Schema(id=ID(stored=True, unique=True),
                        title=TEXT(analyzer=StemmingAnalyzer(), field_boost=2.0),
                        body=TEXT(analyzer=StemmingAnalyzer()))
        started = time.perf_counter()
        self.index_dir.mkdir(parents=True, exist_ok=True)
        ix = whoosh_index.create_in(str(self.index_dir), schema)
        writer = ix.writer(limitmb=256)
        for doc in self.documents:
            writer.add_document(id=doc.id, title=doc.title, body=doc.body)
        writer.commit()
        seconds = time.perf_counter() - started
        self._parser = MultifieldParser(["title", "body"], schema, group=OrGroup)
        self._searcher = ix.searcher()
        return seconds

    def search(self, text: str) -> list[str]:
        query = self._parser.parse(text)
        return [hit["id"] for hit in self._searcher.search(query, limit=TOP)]

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()


_FTS_WORD = re.compile(r"[^\W_]+")


def fts5_match(text: str) -> str:
    """The question's alphanumeric words, each double-quoted, OR-ed: `"how" OR "do" OR "i" ...`."""
    return " OR ".join(f'"{word}"' for word in _FTS_WORD.findall(text))


class Fts5Engine:
    """SQLite FTS5 with the porter stemmer, bm25 with title weighted 2 and body 1, words OR-ed."""

    name = "SQLite FTS5 (bm25, OR)"

    def __init__(self, documents: Sequence[Document]) -> None:
        self.documents = documents
        self._db = sqlite3.connect(":memory:")

    def build(self) -> float:
        started = time.perf_counter()
        self._db.execute("CREATE VIRTUAL TABLE fts USING fts5(title, body, tokenize='porter unicode61')")
        with self._db:
            self._db.executemany("INSERT INTO fts(rowid, title, body) VALUES (?, ?, ?)",
                                 ((n, d.title, d.body) for n, d in enumerate(self.documents)))
        return time.perf_counter() - started

    def search(self, text: str) -> list[str]:
        match = fts5_match(text)
        if not match:
            return []
        rows = self._db.execute("SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY bm25(fts, 2.0, 1.0) LIMIT ?",
                                (match, TOP))
        return [self.documents[rowid].id for (rowid,) in rows]

    def close(self) -> None:
        self._db.close()


# --- measuring -------------------------------------------------------------------------------------
@dataclass
class Answer:
    """What one engine returned for one question."""

    question: Question
    returned: list[str]
    ms: float

    @property
    def rank(self) -> int | None:
        """1-based rank of the first right entry in the top 10, None when there is none."""
        wanted = set(self.question.relevant)
        return next((n for n, entry in enumerate(self.returned[:TOP], start=1) if entry in wanted), None)


@dataclass
class Scores:
    """hit@1, hit@3, MRR@10 and latency over a list of answers."""

    count: int
    hit1: int
    hit3: int
    mrr10: float
    p50_ms: float
    p95_ms: float

    @classmethod
    def of(cls, answers: Sequence[Answer]) -> "Scores":
        ranks = [a.rank for a in answers]
        times = [a.ms for a in answers]
        return cls(count=len(answers),
                   hit1=sum(1 for r in ranks if r == 1),
                   hit3=sum(1 for r in ranks if r is not None and r <= 3),
                   mrr10=sum(1 / r for r in ranks if r is not None) / len(answers) if answers else 0.0,
                   p50_ms=statistics.median(times) if times else 0.0,
                   p95_ms=percentile(times, 0.95))

    def to_json(self) -> dict[str, float]:
        return {"questions": self.count, "hit1": self.hit1, "hit3": self.hit3,
                "hit_at_1": round(self.hit1 / self.count, 4) if self.count else 0.0,
                "hit_at_3": round(self.hit3 / self.count, 4) if self.count else 0.0,
                "mrr_at_10": round(self.mrr10, 4), "p50_ms": round(self.p50_ms, 2), "p95_ms": round(self.p95_ms, 2)}


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else 0.0


@dataclass
class EngineRun:
    """One engine over one question set."""

    name: str
    build_s: float
    answers: list[Answer] = field(default_factory=list)

    @property
    def scores(self) -> Scores:
        return Scores.of(self.answers)

    def scores_by_kind(self) -> dict[str, Scores]:
        return {kind: Scores.of([a for a in self.answers if a.question.kind == kind]) for kind in KINDS
                if any(a.question.kind == kind for a in self.answers)}


def ask_all(engine: Engine, questions: Sequence[Question]) -> EngineRun:
    """Build the engine's index, then ask every question once, timing each search."""
    run = EngineRun(engine.name, engine.build())
    engine.search(questions[0].text)  # warm-up, not counted: the first query loads the index's readers
    for question in questions:
        started = time.perf_counter()
        returned = engine.search(question.text)
        run.answers.append(Answer(question, returned, (time.perf_counter() - started) * 1000))
    return run


def evaluate(qset: QuestionSet, folder: Path, work: Path) -> dict[str, object]:
    """All three engines over one question set, printed as a table; the figures as a dict."""
    questions = load_questions(qset.file)
    app = AppEngine(folder, work / "app-data")
    documents = read_documents(folder, app.root_name)
    unknown = sorted({r for q in questions for r in q.relevant} - {d.id for d in documents})
    engines: list[Engine] = [app, WhooshEngine(documents, work / "whoosh"), Fts5Engine(documents)]
    runs = []
    for engine in engines:
        try:
            runs.append(ask_all(engine, questions))
        finally:
            engine.close()
    print_report(qset, folder, len(documents), questions, runs, unknown, app.errors)
    return {"folder": str(folder), "documents": len(documents), "questions": len(questions),
            "unknown_ids": unknown, "app_errors": app.errors,
            "engines": {run.name: engine_json(run) for run in runs}}


def engine_json(run: EngineRun) -> dict[str, object]:
    return {"build_s": round(run.build_s, 3), **run.scores.to_json(),
            "by_kind": {kind: s.to_json() for kind, s in run.scores_by_kind().items()},
            "answers": [{"text": a.question.text, "kind": a.question.kind, "relevant": list(a.question.relevant),
                         "rank": a.rank, "returned": a.returned, "ms": round(a.ms, 2)} for a in run.answers]}


# --- printing --------------------------------------------------------------------------------------
def _ratio(hits: int, count: int) -> str:
    return f"{hits:>3}/{count:<3} {hits / count if count else 0.0:4.2f}"


def print_report(qset: QuestionSet, folder: Path, documents: int, questions: Sequence[Question],
                 runs: Sequence[EngineRun], unknown: Sequence[str], app_errors: Sequence[str]) -> None:
    kinds = {kind: sum(1 for q in questions if q.kind == kind) for kind in KINDS}
    print(f"\n[{qset.name}] {len(questions)} questions ({', '.join(f'{n} {k}' for k, n in kinds.items() if n)}) "
          f"over {documents} entries in {folder}")
    print(f"  {'engine':<24} {'hit@1':>12} {'hit@3':>12} {'MRR@10':>7} {'p50 ms':>8} {'p95 ms':>8} {'build s':>8}")
    for run in runs:
        s = run.scores
        print(f"  {run.name:<24} {_ratio(s.hit1, s.count):>12} {_ratio(s.hit3, s.count):>12} {s.mrr10:>7.2f} "
              f"{s.p50_ms:>8.1f} {s.p95_ms:>8.1f} {run.build_s:>8.2f}")
    present = [kind for kind in KINDS if kinds[kind]]
    print(f"  {'hit@3 by kind':<24} " + " ".join(f"{f'{kind} ({kinds[kind]})':>16}" for kind in present))
    for run in runs:
        by_kind = run.scores_by_kind()
        print(f"  {run.name:<24} " + " ".join(f"{_ratio(by_kind[k].hit3, by_kind[k].count):>16}" for k in present))
    if unknown:
        print(f"  note: {len(unknown)} expected id(s) are not entries of this corpus: {', '.join(unknown)}")
    for error in app_errors:
        print(f"  note: the app refused {error}")
    print_misses(runs[0])


def print_misses(run: EngineRun) -> None:
    misses = [a for a in run.answers if a.rank is None or a.rank > MISS_AFTER]
    print(f"  {run.name} misses in the top {MISS_AFTER}: {len(misses)}")
    for answer in misses:
        where = f"rank {answer.rank}" if answer.rank else f"not in the top {TOP}"
        print(f"    - {answer.question.text!r} ({answer.question.kind}; expected {where})")
        print(f"        expected: {', '.join(answer.question.relevant)}")
        got = ", ".join(answer.returned[:MISS_AFTER]) if answer.returned else "no results"
        print(f"        returned: {got}")


# --- entry point -----------------------------------------------------------------------------------
def chosen_sets(which: str) -> list[QuestionSet]:
    return list(QUESTION_SETS.values()) if which == "all" else [QUESTION_SETS[which]]


def run(which: str = "all") -> dict[str, object]:
    """Evaluate the chosen question sets (`nexus`, `tldr`, `obsidian` or `all`); absent corpora are skipped."""
    figures: dict[str, object] = {}
    work = Path(tempfile.mkdtemp(prefix="nexus-relevance-"))
    try:
        for qset in chosen_sets(which):
            folder = qset.find_folder()
            if folder is None:
                print(f"\n[{qset.name}] skipped: corpus not found ({qset.absent_hint})")
                figures[qset.name] = {"skipped": qset.absent_hint}
                continue
            figures[qset.name] = evaluate(qset, folder, work / qset.name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return figures
