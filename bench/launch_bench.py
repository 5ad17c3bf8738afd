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


def session_saved_at(database: Path) -> str | None:
    """When the window last saved a session with tabs into this user database (None: not yet), read
    without disturbing it (read-only; the tests of the real process use it too)."""
    if not database.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)
        try:
            if conn.execute("SELECT count(*) FROM session_history").fetchone()[0]:
                return str(conn.execute("SELECT saved FROM session WHERE id = 1").fetchone()[0])
        finally:
            conn.close()
    except (sqlite3.Error, TypeError):
        pass  # the tables are being created, or the session row is not written yet
    return None


def _library(folder: Path) -> Path:
    root = folder / "kb"
    root.mkdir(parents=True)
    for name in ("tar", "gzip", "rsync", "ssh"):
        body = "\n\n".join(f"## Part {n}\n\nHow {name} handles files, part {n}." for n in range(30))
        (root / f"{name}.md").write_text(ENTRY.format(name=name, body=body), encoding="utf-8")
    return root


def _start(data: Path, content: Path, cwd: Path, stop: signal.Signals) -> tuple[int, float | None, str]:
    """One start: (exit code, seconds until the session was saved or None, stderr)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    database = data / "nexus.sqlite3"
    before, started = session_saved_at(database), time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "nexus_desktop", "--data-dir", str(data),
                                "--content", str(content)], cwd=str(cwd), env=env, text=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=_allow_core_dumps)
    saved_after: float | None = None
    while time.monotonic() - started < START_TIMEOUT_S and process.poll() is None:
        saved = session_saved_at(database)
        if saved is not None and saved != before:
            saved_after = time.monotonic() - started
            break
        time.sleep(0.05)
    if process.poll() is None:
        process.send_signal(stop)
    _out, err = process.communicate(timeout=60)
    return process.returncode, saved_after, err


def run(runs: int) -> dict[str, object]:
    failures: list[str] = []
    times: list[float] = []
    for _round in range(runs):
        folder = Path(tempfile.mkdtemp(prefix="nexus-launch-"))
        data, content = folder / "data", _library(folder)
        data.mkdir()
        for stop, expected in ((signal.SIGKILL, -signal.SIGKILL), (signal.SIGTERM, 0)):
            code, seconds, err = _start(data, content, folder, stop)
            if code == expected and seconds is not None:
                times.append(seconds)
                continue
            (folder / "stderr.txt").write_text(err, encoding="utf-8")
            why = f"exit {code}" if code != expected else f"no session saved in {START_TIMEOUT_S} s"
            failures.append(f"{why}: {folder} (stderr.txt, core)")
        if not (folder / "stderr.txt").exists():
            shutil.rmtree(folder, ignore_errors=True)
    starts, median = 2 * runs, statistics.median(times) if times else None
    print(f"{starts} starts, {len(failures)} ended wrongly; session saved after a median "
          f"{median if median is not None else float('nan'):.2f} s")
    for failure in failures:
        print(f"  {failure}")
    return {"starts": starts, "failures": failures, "session_saved_median_s": median}
