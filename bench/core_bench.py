"""Core benchmarks: index build vs bare Whoosh, incremental updates, query latency, snippets, cold start, memory."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.corpus import REPO, markdown_files

QUERIES = {
    "word": ["tar", "archive", "network", "permission", "process", "docker", "compress", "branch", "user", "image"],
    "two words": ["list files", "git commit", "compressed archive", "network interface", "docker container",
                  "user group", "disk usage", "process id", "remote branch", "file permissions"],
    "phrase": ['"list files"', '"current directory"', '"specific file"', '"remote repository"', '"all files"'],
    "prefix": ["compr*", "netw*", "perm*", "arch*", "direc*"],
    "field": ["title:git", "title:docker", "title:tar", "title:npm", "title:apt"],
    "exclude/or": ["docker -compose", "git -commit", "zip OR tar", "pdf OR image", "ssh -key"],
    # 6-10 words, as people type a question and press Enter (budget: p95 60 ms English, 200 ms all of tldr)
    "question": ["how do I extract a tar archive into another folder", "how can I see which process uses a port",
                 "show the disk usage of every folder in this directory", "how do I undo my last git commit",
                 "how to copy files to a remote server over ssh", "find all files larger than one gigabyte",
                 "how do I list the running docker containers", "change the owner of a file and its folder",
                 "how can I compress a folder into a zip file", "follow a log file while new lines are written"],
    # the broadest queries the query language allows (budget: none over 1 s; the search stops reading at 0.6 s)
    "broad": [" ".join(f"{c}*" for c in "abcdefghijklmnopqrstuvwxyz"),
              " ".join(f"{c}{v}*" for c in "cdefmprst" for v in "aeiou"), "tar~2 " * 300,
              "the of and to in a is file command use with from for on by"],
}
TYPED = ["git commit", "docker container", "compressed archive", "list files", "network interface",
         "permission", "tar", "kubernetes pod", "python package", "disk usage"]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def bare_whoosh_build(dirs: list[Path], index_dir: Path) -> float:
    """The baseline: Whoosh with procs=2, multisegment, title + body with one stemming analyzer."""
    from whoosh import index as whoosh_index
    from whoosh.analysis import StemmingAnalyzer
    from whoosh.fields import ID, TEXT, Schema

    analyzer = StemmingAnalyzer()
    schema = Schema(path=ID(stored=True, unique=True), title=TEXT(analyzer=analyzer, stored=True),
                    body=TEXT(analyzer=analyzer))
    started = time.perf_counter()
    ix = whoosh_index.create_in(str(index_dir), schema)
    writer = ix.writer(procs=2, multisegment=True)
    for path in markdown_files(dirs):  # finding the files counts, as our build's scan does
        text = path.read_text(encoding="utf-8", errors="replace")
        title = text.split("\n", 1)[0].lstrip("# ")
        writer.add_document(path=str(path), title=title, body=text)
    writer.commit()
    return time.perf_counter() - started


def our_build(dirs: list[Path], index_dir: Path) -> float:
    from nexus_desktop.core.index import SearchIndex
    from nexus_desktop.core.library import roots_from_dirs

    started = time.perf_counter()
    SearchIndex(index_dir).update(roots_from_dirs(dirs), procs=2)
    return time.perf_counter() - started


def bench_build(name: str, dirs: list[Path], runs: int, work: Path) -> dict[str, float]:
    files = markdown_files(dirs)
    ours, bare = [], []
    for run in range(runs):
        for label, fn, sink in (("ours", lambda d: our_build(dirs, d), ours),
                                ("bare", lambda d: bare_whoosh_build(dirs, d), bare)):
            target = work / f"{label}-{run}"
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            sink.append(fn(target))
            if run < runs - 1 or label == "bare":
                shutil.rmtree(target, ignore_errors=True)
    result = {"files": len(files), "ours_s": statistics.median(ours), "bare_s": statistics.median(bare)}
    result["ratio"] = result["ours_s"] / result["bare_s"]
    print(f"[{name}] full build, {len(files)} files, median of {runs}: ours {result['ours_s']:.2f} s, "
          f"bare Whoosh procs=2 {result['bare_s']:.2f} s, ratio {result['ratio']:.2f} (budget <= 1.5)")
    return result


def bench_incremental(name: str, dirs: list[Path], index_dir: Path) -> dict[str, float]:
    from nexus_desktop.core.index import SearchIndex
    from nexus_desktop.core.library import find_file, roots_from_dirs
    from nexus_desktop.core.search import Searcher

    roots = roots_from_dirs(dirs)
    index = SearchIndex(index_dir)
    started = time.perf_counter()
    index.update(roots)
    noop = time.perf_counter() - started
    target = markdown_files(dirs)[100]
    original = target.read_bytes()
    rel = target.relative_to(dirs[0]).with_suffix("").as_posix()
    searcher = Searcher(index)
    try:
        target.write_bytes(original + b"\nzqxjkbench marker\n")
        started = time.perf_counter()
        stat = find_file(roots, f"{roots[0].name}/{rel}")
        index.update_files(roots, [stat])
        searcher.refresh()
        found = searcher.search("zqxjkbench").total
        targeted = time.perf_counter() - started
        target.write_bytes(original + b"\nzqxjkbench2 marker\n")
        started = time.perf_counter()
        index.update(roots)
        searcher.refresh()
        found2 = searcher.search("zqxjkbench2").total
        rescan = time.perf_counter() - started
    finally:
        target.write_bytes(original)
        index.update(roots)
        searcher.close()
    print(f"[{name}] incremental: no-op update {noop * 1000:.0f} ms; one changed file searchable: "
          f"{targeted * 1000:.0f} ms via update_files (found={found}), {rescan * 1000:.0f} ms via full rescan "
          f"(found={found2}) (budget <= 300 ms)")
    return {"noop_ms": noop * 1000, "one_file_ms": targeted * 1000, "one_file_rescan_ms": rescan * 1000}


def bench_queries(name: str, index_dir: Path, merged: bool) -> dict[str, dict[str, float]]:
    from nexus_desktop.core.index import SearchIndex
    from nexus_desktop.core.search import Searcher

    index = SearchIndex(index_dir)
    if merged:
        started = time.perf_counter()
        index.merge()
        print(f"[{name}] merge into one segment: {time.perf_counter() - started:.1f} s")
    searcher = Searcher(index)
    label = f"{name}, {index.segment_count()} segment(s)"
    out: dict[str, dict[str, float]] = {}
    for kind, queries in list(QUERIES.items()) + [("as-you-type", _typed_prefixes())]:
        times = []
        for _ in range(3):
            searcher.refresh()  # each round starts cold: no completions remembered from the last one
            for q in queries:
                started = time.perf_counter()
                searcher.search(q, limit=20, as_you_type=kind == "as-you-type", suggest=False)
                times.append((time.perf_counter() - started) * 1000)
        out[kind] = {"p50": statistics.median(times), "p95": pct(times, 0.95), "n": len(times)}
    snippet_cost = _snippet_cost(searcher)
    searcher.close()
    print(f"[{label}] query latency with snippets for 20 hits (ms):")
    for kind, row in out.items():
        print(f"    {kind:<12} p50 {row['p50']:6.1f}   p95 {row['p95']:6.1f}   (n={row['n']})")
    print(f"    snippets: {snippet_cost:.2f} ms for 20 hits (median)")
    out["snippets_ms"] = {"p50": snippet_cost}
    return out


def _typed_prefixes() -> list[str]:
    return [q[:i] for q in TYPED for i in range(1, len(q) + 1) if not q[:i].endswith(" ")]


def _snippet_cost(searcher) -> float:
    from nexus_desktop.core.highlight import WordMatcher
    from nexus_desktop.core.snippets import make_snippet

    costs = []
    for q in QUERIES["two words"]:
        results = searcher.search(q, limit=20, suggest=False)
        texts = [searcher._searcher.document(id=h.id)["text"] for h in results.results]
        matcher = WordMatcher(results.terms)
        started = time.perf_counter()
        for text in texts:
            make_snippet(text, matcher)
        costs.append((time.perf_counter() - started) * 1000)
    return statistics.median(costs)


_COLD_SCRIPT = """
import time, sys, resource
t0 = time.perf_counter()
from nexus_desktop.core.index import SearchIndex
from nexus_desktop.core.search import Searcher
t1 = time.perf_counter()
index = SearchIndex(sys.argv[1]); s = Searcher(index)
t2 = time.perf_counter()
s.search("git commit", limit=20)
t3 = time.perf_counter()
for q in ["tar", "list files", "compr*", "docker -compose", "title:git", "network interface", "zip OR tar"] * 5:
    s.search(q, limit=20)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{(t1-t0)*1000:.0f} {(t2-t1)*1000:.0f} {(t3-t2)*1000:.0f} {rss:.0f}")
"""


def bench_cold(name: str, index_dir: Path, runs: int = 3) -> dict[str, float]:
    rows = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", _COLD_SCRIPT, str(index_dir)], capture_output=True, text=True,
                             cwd=REPO, check=True).stdout.split()
        rows.append([float(v) for v in out])
    med = [statistics.median(col) for col in zip(*rows, strict=False)]
    print(f"[{name}] cold start (median of {runs}): import {med[0]:.0f} ms, open {med[1]:.0f} ms, "
          f"first query {med[2]:.0f} ms; peak RSS with the index open after 36 queries: {med[3]:.0f} MB "
          f"(budget <= 300 MB)")
    return {"import_ms": med[0], "open_ms": med[1], "first_query_ms": med[2], "rss_mb": med[3]}


def run(corpora: dict[str, list[Path]], runs: int) -> dict[str, object]:
    results: dict[str, object] = {}
    work = Path(tempfile.mkdtemp(prefix="nexus-bench-"))
    try:
        for name, dirs in corpora.items():
            build = bench_build(name, dirs, runs, work)
            index_dir = work / f"ours-{runs - 1}"
            queries_multi = bench_queries(name, index_dir, merged=False)
            queries_merged = bench_queries(name, index_dir, merged=True)
            results[name] = {"build": build, "queries_multisegment": queries_multi,
                             "queries_merged": queries_merged,
                             "incremental": bench_incremental(name, dirs, index_dir),
                             "cold": bench_cold(name, index_dir)}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return results


if __name__ == "__main__":
    print(json.dumps(run({"english": [Path(sys.argv[1])]}, 1), indent=2))
    os._exit(0)
