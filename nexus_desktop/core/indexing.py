"""The app's indexing job: a first searchable batch, the update, a merge; told as events (JSON-able dicts).

The desktop app runs this job in a child process (`nexus-desktop index --events`) so that the
indexing's CPU work never competes with the window for the interpreter lock; it reads the events
from the child's standard output, one JSON object per line.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nexus_desktop.core.index import IndexBusy, IndexReadOnly, IndexReport

if TYPE_CHECKING:
    from nexus_desktop.core.workspace import Workspace

SEED_BATCH = 600
WRITER_WAIT_S = 1800.0  # how long the app's indexing waits for another process's indexing to end
CANCELLED = "Indexing was cancelled."

Event = dict[str, Any]
Emit = Callable[[Event], None]

READING, WRITING, MERGING = "reading", "writing", "merging"


@dataclass(frozen=True)
class IndexingProgress:
    """Where an indexing run is, from its first file read to the end of the merge: the one figure the
    status bar, the search panel and the start page all show (from the job's `progress` events)."""

    done: int
    total: int
    phase: str = READING  # READING files, WRITING the index (all read), MERGING its segments

    @classmethod
    def from_event(cls, event: Event) -> IndexingProgress:
        total = max(0, int(event.get("total", 0)))
        done = min(max(0, int(event.get("done", 0))), total)
        phase = str(event.get("phase") or (WRITING if done >= total else READING))
        return cls(done, total, phase if phase in (READING, WRITING, MERGING) else READING)

    @property
    def text(self) -> str:
        """"Indexing: 1,234 of 7,425 entries read", then what is done with them until the end."""
        read = f"Indexing: {self.done:,} of {self.total:,} entries read"
        if self.phase == WRITING:
            return f"{read}; writing the index\u2026"
        if self.phase == MERGING:
            return f"{read}; merging the index\u2026"
        return f"{read}\u2026"


def run_job(workspace: Workspace, emit: Emit, *, seed: bool = True, merge: bool = True, rebuild: bool = False,
            cancel: Callable[[], bool] | None = None, wait_for_writer: float = WRITER_WAIT_S) -> None:
    """Bring the workspace's index up to date, emitting `notice`, `progress`, `partial`, then one of
    `indexed` / `busy` / `failed`, and `merged` after a merge (`log`: for the log file, not the user).
    `progress` (done, total, phase: IndexingProgress) runs from the first file read to the merge: a
    run that merges announces it (phase "merging") before `indexed`, and ends with `merged`.

    `seed`: on a first build of a big library, index a first batch at once and emit `partial`, so
    searching starts early. `rebuild`: index every file anew (under the write lock).
    When another process holds the write lock: `busy` (search the index as it is), then wait up to
    `wait_for_writer` seconds for it to finish, `partial` (its index is complete: search that), and
    update. Never raises: failures become events.
    """
    cancelled = cancel or (lambda: False)
    report = _update(workspace, emit, seed, rebuild, cancelled)
    if report == "busy":
        if not workspace.index.wait_until_free(wait_for_writer, cancelled) or cancelled():
            return
        emit({"event": "partial"})
        report = _update(workspace, emit, seed, rebuild, cancelled)
    if not isinstance(report, IndexReport):
        return
    for text in report.notices:
        if text != CANCELLED:
            emit({"event": "notice", "text": text})
    if cancelled():
        return
    merging = merge and report.changed
    if merging:  # announced before the report: the progress shown goes on until `merged`
        total = report.added + report.updated + report.unchanged
        emit({"event": "progress", "done": total, "total": total, "phase": MERGING})
    emit({"event": "indexed", "report": report.to_json()})
    if merging and not cancelled():
        _merge(workspace, emit)


def _update(workspace: Workspace, emit: Emit, seed: bool, rebuild: bool,
            cancelled: Callable[[], bool]) -> IndexReport | str:
    """One update of the index: its report, or "busy" / "failed" once that event is emitted."""
    def progress(done: int, total: int) -> None:
        emit({"event": "progress", "done": done, "total": total, "phase": WRITING if done >= total else READING})

    try:
        return workspace.update_index(rebuild=rebuild, progress=progress, cancel=cancelled,
                                      first_batch=SEED_BATCH if seed else 0,
                                      on_first_batch=lambda: emit({"event": "partial"}))
    except IndexReadOnly as exc:
        emit({"event": "busy", "text": str(exc)})
        return "read-only"
    except IndexBusy as exc:
        emit({"event": "busy", "text": str(exc)})
        return "busy"
    except Exception as exc:  # noqa: BLE001 - reported to the user, never a crash
        emit({"event": "failed", "text": f"Indexing failed: {exc}"})
        return "failed"


def _merge(workspace: Workspace, emit: Emit) -> None:
    """Merge the segments; `merged` ends the run's progress whether or not there was anything to merge."""
    try:
        workspace.index.merge()
    except Exception as exc:  # noqa: BLE001 - merging is an optimisation: searching works without it
        emit({"event": "log", "text": f"merging the index failed: {type(exc).__name__}: {exc}"})
    emit({"event": "merged"})


def report_from_json(data: dict[str, Any]) -> IndexReport:
    """An `indexed` event's report as an IndexReport (unknown keys from other versions are ignored)."""
    fields = {key: data[key] for key in ("roots", "added", "updated", "removed", "unchanged", "skipped", "seconds")
              if key in data}
    return IndexReport(**fields)


def event_line(event: Event) -> str:
    """One event as a line of the child's output (ASCII: any code page carries it)."""
    return json.dumps(event)


def parse_event(line: str) -> Event | None:
    """An event read back from a line; None for anything that is not one."""
    try:
        event = json.loads(line)
    except ValueError:
        return None
    return event if isinstance(event, dict) and isinstance(event.get("event"), str) else None


def child_command(data_dir: str | None, content: list[str] | None, merge: bool) -> list[str]:
    """The command line that runs this job in a child process (the frozen app is its own command line).

    `data_dir`: the app's `--data-dir` as given, or None: the child then finds the same folders the
    app found (from the environment it inherits, or platformdirs), index cache included.
    """
    if getattr(sys, "frozen", False):
        command = [sys.executable, "index", "--events"]
    else:  # -P: the user's current folder is not put on the child's module path
        command = [sys.executable, "-P", "-m", "nexus_desktop", "index", "--events"]
    if data_dir is not None:
        command += ["--data-dir", str(Path(data_dir).expanduser().resolve())]
    for folder in content or []:
        command += ["--content", str(Path(folder).expanduser().resolve())]
    return command + (["--merge"] if merge else [])


def child_environment() -> dict[str, str]:
    """The app's environment for the child: its output in UTF-8 whatever the platform's code page, and,
    when the app runs from a source checkout, this package importable."""
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    package_parent = Path(__file__).resolve().parents[2]
    if not getattr(sys, "frozen", False) and package_parent.name not in ("site-packages", "dist-packages"):
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(package_parent), env.get("PYTHONPATH", "")) if p)
    return env
