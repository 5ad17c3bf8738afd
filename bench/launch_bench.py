"""Launches: the real window started again and again; any start that dies is reported with its stack.

`python -m bench launches --runs N` does N rounds. Each round starts the window on a fresh data folder,
waits until it saved its session, kills it with SIGKILL, starts it again on the same folder and ends it
with SIGTERM: 2N starts. A crash at start-up is rare and depends on timing, so run it long and under load
(two of these side by side on two cores found a SIGSEGV about once in 300 starts before background.py
moved off QThreads). Core dumps are allowed in the children; a crash keeps its folder under the system's
temp directory and prints where it is. POSIX only.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

START_TIMEOUT_S = 60
ENTRY = "---\ntitle: {name}\ntags: [launch]\n---\n\n# {name}\n\n{body}\n"


def _allow_core_dumps() -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def _saved_at(data: Path) -> str | None:
    """When the window last saved its session (None: not yet)."""
    path = data / "nexus.sqlite3"
    if not path.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            if conn.execute("SELECT count(*) FROM session_history").fetchone()[0]:
                return str(conn.execute("SELECT saved FROM session WHERE id = 1").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        pass  # the tables are being created
    return None


def _library(folder: Path) -> Path:
    root = folder / "kb"
    root.mkdir(parents=True)
    for name in ("tar", "gzip", "rsync", "ssh"):
        body = "\n\n".join(f"## Part {n}\n\nHow {name} handles files, part {n}." for n in range(30))
        (root / f"{name}.md").write_text(ENTRY.format(name=name, body=body), encoding="utf-8")
    return root


def _start(data: Path, content: Path, cwd: Path, stop: signal.Signals) -> tuple[int, float, str]:
    """One start: (exit code, seconds until the session was saved, stderr)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    before, started = _saved_at(data), time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "nexus_desktop", "--data-dir", str(data),
                                "--content", str(content)], cwd=str(cwd), env=env, text=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=_allow_core_dumps)
    saved_after = float("nan")
    while time.monotonic() - started < START_TIMEOUT_S and process.poll() is None:
        saved = _saved_at(data)
        if saved is not None and saved != before:
            saved_after = time.monotonic() - started
            break
        time.sleep(0.05)
    if process.poll() is None:
        process.send_signal(stop)
    _out, err = process.communicate(timeout=60)
    return process.returncode, saved_after, err


def run(runs: int) -> dict[str, object]:
    crashes: list[str] = []
    times: list[float] = []
    for _round in range(runs):
        folder = Path(tempfile.mkdtemp(prefix="nexus-launch-"))
        data, content = folder / "data", _library(folder)
        data.mkdir()
        kept = False
        for stop, expected in ((signal.SIGKILL, -signal.SIGKILL), (signal.SIGTERM, 0)):
            code, seconds, err = _start(data, content, folder, stop)
            if code != expected:
                (folder / "stderr.txt").write_text(err, encoding="utf-8")
                crashes.append(f"exit {code}: {folder} (stderr.txt, core)")
                kept = True
            elif seconds == seconds:  # not NaN
                times.append(seconds)
        if not kept:
            shutil.rmtree(folder, ignore_errors=True)
    starts = 2 * runs
    print(f"{starts} starts, {len(crashes)} ended wrongly; session saved after a median "
          f"{statistics.median(times) if times else float('nan'):.2f} s")
    for crash in crashes:
        print(f"  {crash}")
    return {"starts": starts, "crashes": crashes, "session_saved_median_s": statistics.median(times) if times else None}
