"""Soak: one window session of as-you-type searches, tab opens and closes and bookmark toggles; errors and memory.

`python -m bench soak --corpus all` is the issue-10 figure (all of tldr indexed: 2,000 searches, 500 tab
opens/closes, 100 bookmark toggles); memory after the soak must stay within 10% of memory after the first
100 operations. `--corpus english` runs the same session over tldr English (quicker).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.corpus import REPO

SEARCHES, TAB_OPS, TOGGLES = 2000, 500, 100
WARM_OPS = 100
MEMORY_GROWTH_LIMIT = 0.10

# Runs in a child process (offscreen Qt) over an index built beforehand; prints one JSON line.
SESSION = r"""
import json, logging, os, sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
from nexus_desktop.ui.main_window import MainWindow
data_dir, content, plan = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
window = MainWindow(data_dir, content)
window.show()
errors, out, state = [], {}, {"step": 0, "waiting": None, "started": 0.0}

class Errors(logging.Handler):
    def emit(self, record):
        errors.append(record.getMessage()[:300])
logging.getLogger().addHandler(Errors(logging.ERROR))
sys.excepthook = lambda kind, exc, tb: errors.append(f"{kind.__name__}: {exc}"[:300])

def rss_mb():
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) for l in status if l.startswith("VmRSS")) / 1024

def finish():
    out.update(errors=errors, operations=state["step"], seconds=time.perf_counter() - state["started"],
               tabs_at_end=window.tab_count())
    print(json.dumps(out)); sys.stdout.flush(); os._exit(0)

def advance():
    if state["step"] == plan["warm"]:
        out["rss_warm_mb"] = rss_mb()
    if state["step"] % max(1, len(plan["ops"]) // 10) == 0:  # the curve: a leak climbs, a cache levels off
        out.setdefault("rss_curve_mb", []).append(round(rss_mb()))
    if state["step"] >= len(plan["ops"]):
        QTimer.singleShot(500, lambda: (out.update(rss_end_mb=rss_mb()), finish()))
        return
    kind, arg = plan["ops"][state["step"]]
    state["step"] += 1
    QTimer.singleShot(0, lambda: run(kind, arg))

def searched(query, _total):
    if state["waiting"] == query:
        state["waiting"] = None
        advance()

def run(kind, arg):
    try:
        run_one(kind, arg)
    except Exception as exc:  # an operation that fails is an error of the session, never a hang
        errors.append(f"{kind} {arg!r}: {type(exc).__name__}: {exc}"[:300])
        advance()

def run_one(kind, arg):
    if kind == "type":
        state["waiting"] = arg
        window.search_panel.set_query(arg)
        step = state["step"]
        QTimer.singleShot(3000, lambda: (errors.append(f"no results shown for {arg!r}"), searched(arg, 0))
                          if state["step"] == step and state["waiting"] == arg else None)
    elif kind == "open":
        tab = window.open_entry(arg, new_tab=True)
        if getattr(tab, "completing", False):
            tab.page_completed.connect(advance)
        else:
            advance()
    elif kind == "close":
        window.tab_owner.close_tab(window.tabs.currentIndex())
        advance()
    else:
        window.toggle_bookmark()
        advance()

def opened():
    window.search_panel.results_shown.connect(searched)
    state["started"] = time.perf_counter()
    advance()

window.library_opened.connect(opened)
QTimer.singleShot(3_600_000, finish)
app.exec()
"""


def session_plan(titles: list[str], entry_ids: list[str]) -> dict[str, object]:
    """The operations, interleaved as a user would: typing queries letter by letter, opening a result in a
    new tab (sometimes bookmarking it), closing it again."""
    keystrokes = [word[:n] for word in titles for n in range(1, len(word) + 1)]
    keystrokes = (keystrokes * (SEARCHES // max(1, len(keystrokes)) + 1))[:SEARCHES]
    ops: list[tuple[str, str]] = []
    opened = 0
    per_tab_op = SEARCHES // TAB_OPS
    for n, text in enumerate(keystrokes, 1):
        ops.append(("type", text))
        if n % per_tab_op == 0:
            if opened % 2 == 0:
                ops.append(("open", entry_ids[(opened // 2) % len(entry_ids)]))
                if len([op for op in ops if op[0] == "toggle"]) < TOGGLES and (opened // 2) % 2 == 0:
                    ops.append(("toggle", ""))
            else:
                ops.append(("close", ""))
            opened += 1
    return {"ops": ops, "warm": WARM_OPS}


def _words_and_ids(content: list[Path]) -> tuple[list[str], list[str]]:
    """Page names to type (spread over the library) and entry ids to open."""
    from nexus_desktop.core.library import entry_id, roots_from_dirs

    pages = [(root, p) for root in roots_from_dirs(content) for p in sorted(root.path.rglob("*.md"))]
    titles = [p.stem for _, p in pages if p.stem.isalpha()][::7][:400]
    ids = [entry_id(root.name, p.relative_to(root.path).as_posix()) for root, p in pages[::11][:300]]
    return titles, ids


def run_soak(content: list[Path]) -> dict[str, object]:
    work = Path(tempfile.mkdtemp(prefix="nexus-soak-"))
    try:
        args = sum((["--content", str(c)] for c in content), [])
        subprocess.run([sys.executable, "-m", "nexus_desktop", "index", "--merge", "--data-dir", str(work), *args],
                       cwd=REPO, check=True, capture_output=True)
        titles, ids = _words_and_ids(content)
        plan = session_plan(titles, ids)
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        done = subprocess.run([sys.executable, "-c", SESSION, str(work), json.dumps([str(c) for c in content]),
                               json.dumps(plan)], capture_output=True, text=True, cwd=REPO, env=env, timeout=3600)
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if not lines:
            raise RuntimeError(f"the soak session failed: {done.stderr[-2000:]}")
        result = json.loads(lines[-1])
        result["planned"] = len(plan["ops"])
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(corpora: dict[str, list[Path]], _runs: int) -> dict[str, object]:
    results: dict[str, object] = {}
    for name, content in corpora.items():
        result = run_soak(content)
        growth = result["rss_end_mb"] / result["rss_warm_mb"] - 1
        verdict = "ok" if growth <= MEMORY_GROWTH_LIMIT and not result["errors"] else "OVER"
        print(f"[soak] tldr {name}: {result['operations']}/{result['planned']} operations in {result['seconds']:.0f} s "
              f"({SEARCHES} keystrokes, {TAB_OPS} tab opens/closes, {TOGGLES} bookmark toggles); RSS after "
              f"{WARM_OPS} operations {result['rss_warm_mb']:.0f} MB, after all {result['rss_end_mb']:.0f} MB "
              f"({growth:+.1%}, limit +{MEMORY_GROWTH_LIMIT:.0%}); errors: {len(result['errors'])} [{verdict}]")
        print(f"  RSS every tenth of the session (MB): {result.get('rss_curve_mb')}")
        for error in result["errors"][:5]:
            print(f"  error: {error}")
        results[name] = {**result, "growth": growth}
    return results
