"""Desktop benchmarks: launch vs a bare PySide6 window, first result, GUI stalls while indexing, memory, rendering."""

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

from bench.corpus import REPO

BARE_WINDOW = """
import sys
from PySide6.QtWidgets import QApplication, QLineEdit, QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow(); window.setWindowTitle("Bare PySide6"); window.resize(1280, 820)
field = QLineEdit(window); window.setCentralWidget(field); window.show(); field.setFocus()
app.exec()
"""

# Runs in a child process (offscreen Qt): one scenario, prints one JSON line.
SCENARIO = r"""
import json, os, sys, time, resource
t0 = time.perf_counter()
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
from nexus_desktop.ui.main_window import MainWindow
scenario, data_dir, content = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
window = MainWindow(data_dir, content)
window.show()
out = {}

def rss_mb():
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) for l in status if l.startswith("VmRSS")) / 1024

def finish():
    print(json.dumps(out)); sys.stdout.flush(); os._exit(0)

if scenario == "first-result":
    def shown(query, total):
        if query == "tar":
            out["first_result_s"] = time.perf_counter() - t0; out["total"] = total; finish()
    def opened():
        out["library_open_s"] = time.perf_counter() - t0
        window.search_panel.results_shown.connect(shown)  # the panel exists once the window is up
        window.search_panel.set_query("tar")
    window.library_opened.connect(opened)

if scenario == "index-stall":
    # From the library's opening until the background merge has finished: every gap between ticks
    # of a 10 ms GUI timer is a time the window could not react.
    gaps, last, long_gaps, marks = [], [time.perf_counter()], [], {}
    def tick():
        now = time.perf_counter(); gaps.append((now - last[0], now - t0))
        if gaps[-1][0] > 0.1:
            long_gaps.append((round(gaps[-1][0] * 1000), round(now - t0, 2)))
        last[0] = now
    probe = QTimer(); probe.setInterval(10); probe.timeout.connect(tick)
    def opened():
        last[0] = time.perf_counter()  # gaps count from here: the time before is startup, not indexing
        probe.start()
    def summary(until):
        upto = [g for g, at in gaps if at <= until]
        ordered = sorted(upto)
        return max(upto) * 1000, ordered[int(len(ordered) * 0.99)] * 1000
    def merged():
        tick()
        probe.stop()
        marks["merged_s"] = time.perf_counter() - t0
        max_gap, p99 = summary(marks["index_s"])
        max_all, p99_all = summary(marks["merged_s"])
        out.update(index_s=marks["index_s"], merged_s=marks["merged_s"], ticks=len(gaps), max_gap_ms=max_gap,
                   p99_gap_ms=p99, max_gap_to_merged_ms=max_all, p99_gap_to_merged_ms=p99_all,
                   gaps_over_100ms=len(long_gaps), long_gaps=long_gaps, added=marks["added"])
        finish()
    def indexed(report):
        if report is None or not getattr(report, "changed", False):
            return
        tick()  # the gap up to now: showing the final indexed library happens just before this signal
        marks.update(index_s=time.perf_counter() - t0, added=report.added)
        # emitted on the worker's thread: hop to the GUI thread to finish there
        window.library.merged.connect(lambda: QTimer.singleShot(0, window, merged))
    window.library_opened.connect(opened)
    window.index_updated.connect(indexed)

if scenario == "memory":
    ids = json.loads(sys.argv[4])
    def opened():
        for entry_id in ids:
            window.open_entry(entry_id, new_tab=True)
        QTimer.singleShot(500, lambda: (out.update(rss_mb=rss_mb(), tabs=window.tab_count()), finish()))
    window.library_opened.connect(opened)

if scenario == "render":
    import statistics
    from nexus_desktop.core.render import highlight_code
    entry_id, runs = sys.argv[4], int(sys.argv[5])
    first, whole, worst_gap, last_tick = [], [], [], [0.0]
    def tick():  # a 10 ms GUI timer: how long the window was unable to react while the rest came in
        now = time.perf_counter()
        worst_gap[-1] = max(worst_gap[-1], now - last_tick[0])
        last_tick[0] = now
    probe = QTimer(); probe.setInterval(10); probe.timeout.connect(tick)
    def run_once():
        highlight_code.cache_clear()  # cold: no code block highlighted before
        started = time.perf_counter()
        tab = window.open_entry(entry_id, new_tab=True)
        tab.browser.viewport().repaint()  # synchronous paint of what the tab shows
        first.append(time.perf_counter() - started)
        worst_gap.append(0.0); last_tick[0] = time.perf_counter(); probe.start()
        def done():
            tick(); probe.stop()
            whole.append(time.perf_counter() - started)
            if len(whole) < runs:
                QTimer.singleShot(200, run_once)
            else:
                out.update(first_paint_ms=statistics.median(first) * 1000, whole_ms=statistics.median(whole) * 1000,
                           max_gap_ms=max(worst_gap) * 1000, first_paint_all_ms=[round(t * 1000) for t in first])
                finish()
        if tab.completing:
            tab.page_completed.connect(done)
        else:
            done()
    def opened():  # after the first indexing: its library would re-render the open tabs mid-measurement
        window.index_updated.connect(lambda _report: QTimer.singleShot(500, run_once) if not first else None)
    window.library_opened.connect(opened)

QTimer.singleShot(600_000, finish)
app.exec()
"""


def _run_scenario(name: str, data_dir: Path, content: list[Path], *extra: str) -> dict[str, float]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", SCENARIO, name, str(data_dir), json.dumps([str(c) for c in content]),
                           *extra], capture_output=True, text=True, cwd=REPO, env=env, timeout=900)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"scenario {name} failed: {done.stderr[-2000:]}")
    return json.loads(lines[-1])


def _wait_for_window(display: str, pattern: str, started: float, timeout: float = 20.0) -> float:
    env = {**os.environ, "DISPLAY": display}
    while time.perf_counter() - started < timeout:
        found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", pattern], capture_output=True,
                               env=env).stdout.strip()
        if found:
            return time.perf_counter() - started
        time.sleep(0.005)
    raise RuntimeError(f"no window matching {pattern!r} within {timeout} s")


def bench_launch(runs: int, data_dir: Path) -> dict[str, float]:
    """Launch to window shown, ours vs a bare PySide6 window, alternating, on a virtual X display."""
    if not (shutil.which("Xvfb") and shutil.which("xdotool")):
        print("[launch] skipped: needs Xvfb and xdotool (apt-get install xvfb xdotool)")
        return {}
    read_end, write_end = os.pipe()  # Xvfb picks a free display and writes its number here
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-noreset", "-screen", "0", "1280x860x24",
                             "-nolisten",
                             "tcp"],
                            pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        display = f":{pipe.readline().strip()}"
    # As installed: with bytecode (PySide6's is precompiled; ours is compiled here, as pip or the first
    # run would do, even where the environment says PYTHONDONTWRITEBYTECODE).
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "PYTHONDONTWRITEBYTECODE")}
    env["DISPLAY"] = display
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "nexus_desktop")], env=env, check=True)
    ours, bare = [], []
    try:
        for _ in range(runs):
            for sink, cmd, pattern in (
                    (bare, [sys.executable, "-c", BARE_WINDOW], "Bare PySide6"),
                    (ours, [sys.executable, "-m", "nexus_desktop", "--data-dir", str(data_dir)], "Nexus")):
                started = time.perf_counter()
                proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                try:
                    sink.append(_wait_for_window(display, pattern, started))
                except RuntimeError as exc:
                    proc.kill()
                    raise RuntimeError(f"{exc}; its stderr: {proc.communicate()[1].decode()[-1500:]}") from None
                finally:
                    proc.kill()
                    proc.wait()
    finally:
        xvfb.kill()
        xvfb.wait()
    result = {"ours_s": statistics.median(ours), "bare_s": statistics.median(bare)}
    result["ratio"] = result["ours_s"] / result["bare_s"]
    print(f"[launch] window shown, median of {runs}: Nexus {result['ours_s']:.3f} s, bare PySide6 window "
          f"{result['bare_s']:.3f} s, ratio {result['ratio']:.2f} (budget <= 1.3)")
    return result


def big_entry_text(size_kb: int = 150) -> str:
    """A ~150 KB entry made of the bundled KB's entries (tables, code in many languages, callouts)."""
    from nexus_desktop.paths import content_dir

    parts, size = [], 0
    for path in sorted(content_dir().rglob("*.md")):
        text = path.read_text(encoding="utf-8").split("---", 2)[-1]
        parts.append(text)
        size += len(text.encode())
        if size >= size_kb * 1024:
            break
    return "\n\n".join(parts)


def bench_render_window(work: Path, runs: int = 7) -> dict[str, float]:
    """Open the ~150 KB entry in a new tab of the real window, cold each run: time to its first paint
    (a big entry shows its first screens at once) and until the whole page is in."""
    library = work / "render-lib"
    library.mkdir(parents=True, exist_ok=True)
    (library / "big.md").write_text(big_entry_text(), encoding="utf-8")
    result = _run_scenario("render", work / "render-data", [library], "render-lib/big", str(runs))
    print(f"[render, window] ~150 KB entry opened in a new tab, cold, median of {runs}: first screens painted "
          f"after {result['first_paint_ms']:.0f} ms (budget <= 300 ms), "
          f"whole page in after {result['whole_ms']:.0f} ms; "
          f"longest GUI stall meanwhile {result['max_gap_ms']:.0f} ms")
    return result


def bench_render(sizes_kb: int = 150, runs: int = 7) -> dict[str, float]:
    """Render a ~150 KB entry built from the bundled KB (tables, code, callouts), cold each run (the code
    highlighting cache is cleared): Markdown -> HTML, then setHtml and the first paint of a shown 900x700
    QTextBrowser (what the user waits for: the browser lays the rest out lazily), then the full layout."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication, QTextBrowser

    from nexus_desktop.core.library import FileStat, parse_entry
    from nexus_desktop.core.render import Renderer, highlight_code

    app = QApplication.instance() or QApplication([])
    text = big_entry_text(sizes_kb)
    entry = parse_entry(FileStat("bench/big", "bench", Path("big.md"), "big.md", 0, len(text)), text)
    renderer = Renderer()
    browser = QTextBrowser()
    browser.resize(900, 700)
    browser.show()
    app.processEvents()
    to_html, to_paint, to_layout = [], [], []
    for _ in range(runs):
        highlight_code.cache_clear()  # a cold render: no code block highlighted before
        browser.clear()  # a fresh page, as when an entry opens in a new tab
        app.processEvents()
        started = time.perf_counter()
        html = renderer.render(entry).html
        converted = time.perf_counter()
        browser.setHtml(html)
        browser.viewport().repaint()  # synchronous paint: lays out what the viewport shows
        painted = time.perf_counter()
        browser.document().size()  # forces the rest of the layout
        laid_out = time.perf_counter()
        app.processEvents()
        to_html.append(converted - started)
        to_paint.append(painted - converted)
        to_layout.append(laid_out - painted)
    first_paint = [a + b for a, b in zip(to_html, to_paint, strict=True)]
    full = [a + b for a, b in zip(first_paint, to_layout, strict=True)]
    result = {"kb": len(text.encode()) / 1024, "markdown_ms": statistics.median(to_html) * 1000,
              "qt_ms": statistics.median(to_paint) * 1000, "total_ms": statistics.median(first_paint) * 1000,
              "full_layout_ms": statistics.median(to_layout) * 1000}
    print(f"[render, one step] {result['kb']:.0f} KB entry rendered whole into a bare QTextBrowser, cold, median of "
          f"{runs}: Markdown->HTML {result['markdown_ms']:.0f} ms + setHtml & first paint {result['qt_ms']:.0f} ms = "
          f"{result['total_ms']:.0f} ms; full layout +{result['full_layout_ms']:.0f} ms = "
          f"{statistics.median(full) * 1000:.0f} ms (the window shows big entries in steps: see [render, window])")
    return result


def run(corpora: dict[str, list[Path]], runs: int) -> dict[str, object]:
    results: dict[str, object] = {}
    work = Path(tempfile.mkdtemp(prefix="nexus-uibench-"))
    try:
        launch_dir = work / "launch"
        subprocess.run([sys.executable, "-m", "nexus_desktop", "index", "--data-dir", str(launch_dir)], cwd=REPO,
                       check=True, capture_output=True)
        # A launch takes under a second but varies by +-20% here: many runs, or one unlucky one decides.
        results["launch"] = bench_launch(max(runs * 3, 11), launch_dir)
        english = corpora.get("english")
        if english:
            data = work / "english"
            subprocess.run([sys.executable, "-m", "nexus_desktop", "index", "--data-dir", str(data),
                            *sum((["--content", str(c)] for c in english), [])], cwd=REPO, check=True,
                           capture_output=True)
            firsts = [_run_scenario("first-result", data, english) for _ in range(runs)]
            first = {k: statistics.median(r[k] for r in firsts) for k in ("library_open_s", "first_result_s")}
            print(f"[first result] tldr English, median of {runs}: library open {first['library_open_s']:.2f} s, "
                  f"first results for 'tar' {first['first_result_s']:.2f} s after launch")
            results["first_result"] = first
        everything = corpora.get("all")
        if everything:
            data = work / "all"
            stall = _run_scenario("index-stall", data, everything)
            print(f"[index stall] indexing {stall['added']} files in the background: searchable after "
                  f"{stall['index_s']:.1f} s, merged after {stall['merged_s']:.1f} s; GUI timer probe (10 ms): longest "
                  f"gap {stall['max_gap_ms']:.0f} ms while indexing, "
                  f"{stall['max_gap_to_merged_ms']:.0f} ms until merged, "
                  f"p99 {stall['p99_gap_ms']:.0f} ms (budget <= 100 ms)")
            ids = [f"{everything[0].name}/common/{name}" for name in
                   ("tar", "git", "ls", "docker", "ssh", "curl", "find", "grep", "awk", "sed")]
            memory = _run_scenario("memory", data, everything, json.dumps(ids))
            print(f"[memory] {stall['added']} files indexed, {memory['tabs']} tabs open: RSS {memory['rss_mb']:.0f} MB "
                  f"(budget <= 300 MB)")
            results["index_stall"], results["memory"] = stall, memory
        results["render"] = bench_render()
        results["render_window"] = bench_render_window(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return results
