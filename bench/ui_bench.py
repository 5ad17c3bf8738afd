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
    gaps, last, worst, long_gaps = [], [time.perf_counter()], [0.0, 0.0], []
    def tick():
        now = time.perf_counter(); gaps.append(now - last[0])
        if gaps[-1] > worst[0]:
            worst[:] = [gaps[-1], now - t0]
        if gaps[-1] > 0.1:
            long_gaps.append((gaps[-1], now - t0))
        last[0] = now
    probe = QTimer(); probe.setInterval(10); probe.timeout.connect(tick)
    def opened():
        probe.start()
    def indexed(report):
        if report is None or not getattr(report, "changed", False):
            return
        tick()  # the gap up to now: applying the final snapshot happens just before this signal
        probe.stop()
        ordered = sorted(gaps)
        out.update(index_s=time.perf_counter() - t0, ticks=len(gaps), max_gap_ms=max(gaps) * 1000,
                   max_gap_ended_s=worst[1], gaps_over_100ms=sum(1 for g in gaps if g > 0.1),
                   long_gaps=[(round(g * 1000), round(at, 2)) for g, at in long_gaps],
                   p99_gap_ms=ordered[int(len(ordered) * 0.99)] * 1000, added=report.added)
        finish()
    window.library_opened.connect(opened)
    window.index_updated.connect(indexed)

if scenario == "memory":
    ids = json.loads(sys.argv[4])
    def opened():
        for entry_id in ids:
            window.open_entry(entry_id, new_tab=True)
        QTimer.singleShot(500, lambda: (out.update(rss_mb=rss_mb(), tabs=window.tab_count()), finish()))
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
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-noreset", "-screen", "0", "1280x860x24", "-nolisten",
                             "tcp"],
                            pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        display = f":{pipe.readline().strip()}"
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"} | {"DISPLAY": display}
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


def bench_render(sizes_kb: int = 150) -> dict[str, float]:
    """Render a ~150 KB entry built from the bundled KB (tables, code, callouts): Markdown -> HTML -> Qt layout."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication, QTextBrowser

    from nexus_desktop.core.library import FileStat, parse_entry
    from nexus_desktop.core.render import Renderer
    from nexus_desktop.paths import content_dir

    app = QApplication.instance() or QApplication([])
    parts, size = [], 0
    for path in sorted(content_dir().rglob("*.md")):
        text = path.read_text(encoding="utf-8").split("---", 2)[-1]
        parts.append(text)
        size += len(text.encode())
        if size >= sizes_kb * 1024:
            break
    text = "\n\n".join(parts)
    entry = parse_entry(FileStat("bench/big", "bench", Path("big.md"), "big.md", 0, len(text)), text)
    renderer = Renderer()
    browser = QTextBrowser()
    browser.resize(900, 700)
    to_html, to_qt = [], []
    for _ in range(5):
        started = time.perf_counter()
        html = renderer.render(entry).html
        middle = time.perf_counter()
        browser.setHtml(html)
        browser.document().size()  # forces layout
        app.processEvents()
        to_html.append(middle - started)
        to_qt.append(time.perf_counter() - middle)
    total = [a + b for a, b in zip(to_html, to_qt)]
    result = {"kb": len(text.encode()) / 1024, "markdown_ms": statistics.median(to_html) * 1000,
              "qt_ms": statistics.median(to_qt) * 1000, "total_ms": statistics.median(total) * 1000}
    print(f"[render] {result['kb']:.0f} KB entry, median of 5: Markdown->HTML {result['markdown_ms']:.0f} ms + "
          f"QTextBrowser layout {result['qt_ms']:.0f} ms = {result['total_ms']:.0f} ms (budget <= 300 ms)")
    return result


def run(corpora: dict[str, list[Path]], runs: int) -> dict[str, object]:
    results: dict[str, object] = {}
    work = Path(tempfile.mkdtemp(prefix="nexus-uibench-"))
    try:
        launch_dir = work / "launch"
        subprocess.run([sys.executable, "-m", "nexus_desktop", "index", "--data-dir", str(launch_dir)], cwd=REPO,
                       check=True, capture_output=True)
        results["launch"] = bench_launch(runs, launch_dir)
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
            print(f"[index stall] indexing {stall['added']} files in the background took {stall['index_s']:.1f} s; "
                  f"GUI timer probe (10 ms): longest gap {stall['max_gap_ms']:.0f} ms, p99 {stall['p99_gap_ms']:.0f} ms "
                  f"(budget <= 100 ms)")
            ids = [f"{everything[0].name}/common/{name}" for name in
                   ("tar", "git", "ls", "docker", "ssh", "curl", "find", "grep", "awk", "sed")]
            memory = _run_scenario("memory", data, everything, json.dumps(ids))
            print(f"[memory] {stall['added']} files indexed, {memory['tabs']} tabs open: RSS {memory['rss_mb']:.0f} MB "
                  f"(budget <= 300 MB)")
            results["index_stall"], results["memory"] = stall, memory
        results["render"] = bench_render()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return results
