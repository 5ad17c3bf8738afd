"""The app's indexing job: its events (progress, a first searchable batch, the report, the merge, failures)."""

from __future__ import annotations

from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from nexus_desktop.core import index as index_module
from nexus_desktop.core import indexing
from nexus_desktop.core.indexing import event_line, parse_event, report_from_json, run_job
from nexus_desktop.core.workspace import Workspace
from nexus_desktop.paths import user_dirs


def _library(root: Path, count: int) -> Path:
    root.mkdir(parents=True)
    for n in range(count):
        (root / f"note{n:03}.md").write_text(f"# Note {n}\n\nText of note {n} about rivers.\n", encoding="utf-8")
    return root


def _events(workspace: Workspace, **kwargs: object) -> list[dict]:
    seen: list[dict] = []
    run_job(workspace, seen.append, **kwargs)
    return seen


def test_first_big_build_makes_a_batch_searchable_then_reports_and_merges(tmp_path, monkeypatch):
    monkeypatch.setattr(index_module, "BULK_THRESHOLD", 20)
    monkeypatch.setattr(indexing, "SEED_BATCH", 5)
    workspace = Workspace.create(user_dirs(str(tmp_path / "data")), [str(_library(tmp_path / "kb", 30))])
    seen: list[tuple[str, int]] = []

    def emit(event: dict) -> None:  # what the window could search when each event arrived
        seen.append((event["event"], workspace.index.doc_count()))

    run_job(workspace, emit)
    kinds = [kind for kind, _ in seen]
    assert kinds[:3] == ["progress", "progress", "partial"]
    assert dict(seen)["partial"] == 5  # the first batch is searchable before the rest is read
    assert kinds[-2:] == ["indexed", "merged"]
    assert workspace.index.doc_count() == 30 and workspace.index.segment_count() == 1


def test_report_counts_the_first_batch_and_progress_ends_at_the_total(tmp_path, monkeypatch):
    monkeypatch.setattr(index_module, "BULK_THRESHOLD", 20)
    monkeypatch.setattr(indexing, "SEED_BATCH", 5)
    workspace = Workspace.create(user_dirs(str(tmp_path / "data")), [str(_library(tmp_path / "kb", 30))])
    events = _events(workspace, merge=False)
    report = report_from_json(next(e for e in events if e["event"] == "indexed")["report"])
    assert (report.added, report.updated, report.removed, report.unchanged) == (30, 0, 0, 0)
    last = [e for e in events if e["event"] == "progress"][-1]
    assert last["done"] == last["total"] == 30
    assert "merged" not in [e["event"] for e in events]


def test_an_up_to_date_index_reports_nothing_changed_and_is_not_merged(tmp_path):
    workspace = Workspace.create(user_dirs(str(tmp_path / "data")), [str(_library(tmp_path / "kb", 3))])
    _events(workspace)
    events = _events(workspace)
    assert [e["event"] for e in events] == ["indexed"]
    assert report_from_json(events[0]["report"]).changed is False


def test_a_locked_index_is_reported_busy_not_raised(tmp_path):
    workspace = Workspace.create(user_dirs(str(tmp_path / "data")), [str(_library(tmp_path / "kb", 3))])
    _events(workspace)
    (tmp_path / "kb" / "new.md").write_text("# New\n", encoding="utf-8")
    writer = whoosh_index.open_dir(str(workspace.index_dir)).writer()  # another process's writer
    try:
        events = _events(workspace, wait_for_writer=0.3)
    finally:
        writer.cancel()
    assert events[-1]["event"] == "busy" and "another Nexus process" in events[-1]["text"]


def test_a_job_that_found_the_index_busy_picks_up_the_finished_index(tmp_path):
    import threading

    workspace = Workspace.create(user_dirs(str(tmp_path / "data")), [str(_library(tmp_path / "kb", 3))])
    _events(workspace)
    (tmp_path / "kb" / "new.md").write_text("# New\n\nzanzibar\n", encoding="utf-8")
    writer = whoosh_index.open_dir(str(workspace.index_dir)).writer()  # another process is indexing
    threading.Timer(2.5, writer.cancel).start()  # longer than a writer waits for the lock
    events = _events(workspace)
    kinds = [e["event"] for e in events]
    assert kinds.index("busy") < kinds.index("partial") and kinds[-2:] == ["indexed", "merged"]
    assert report_from_json(events[-2]["report"]).added == 1


def test_the_summary_of_a_seeded_build_equals_the_plain_update(tmp_path, monkeypatch):
    monkeypatch.setattr(index_module, "BULK_THRESHOLD", 20)
    monkeypatch.setattr(indexing, "SEED_BATCH", 5)
    seeded = Workspace.create(user_dirs(str(tmp_path / "a")), [str(_library(tmp_path / "kb", 30))])
    plain = Workspace.create(user_dirs(str(tmp_path / "b")), [str(tmp_path / "kb")])
    events = _events(seeded, merge=False)
    ours = next(e for e in events if e["event"] == "indexed")["report"]
    theirs = plain.update_index().to_json()
    assert {k: v for k, v in ours.items() if k != "seconds"} == {k: v for k, v in theirs.items() if k != "seconds"}


def test_a_failure_is_an_event_with_the_reason(tmp_path, monkeypatch):
    workspace = Workspace.create(user_dirs(str(tmp_path / "data")), [str(_library(tmp_path / "kb", 3))])

    def broken(*_args, **_kwargs):
        raise OSError("disk on fire")

    monkeypatch.setattr(workspace, "update_index", broken)
    events = _events(workspace)
    assert events == [{"event": "failed", "text": "Indexing failed: disk on fire"}]


def test_cancelling_stops_before_the_report(tmp_path):
    workspace = Workspace.create(user_dirs(str(tmp_path / "data")), [str(_library(tmp_path / "kb", 200))])
    events = _events(workspace, cancel=lambda: True)
    assert "indexed" not in [e["event"] for e in events]
    assert workspace.index.doc_count() == 0  # nothing half-written was committed


@pytest.mark.parametrize("line", ["", "not json", "[1, 2]", '{"no": "event"}', '{"event": 3}'])
def test_lines_that_are_not_events_are_ignored(line):
    assert parse_event(line) is None


def test_events_survive_a_line_round_trip_with_any_text():
    event = {"event": "notice", "text": "Índice \u00e9t\u00e9 — 索引\nsecond line"}
    line = event_line(event)
    assert "\n" not in line and parse_event(line) == event


def test_event_lines_are_ascii_so_any_code_page_carries_them():
    line = event_line({"event": "notice", "text": "笔记 — Ünïcode"})
    assert line.isascii() and parse_event(line)["text"] == "笔记 — Ünïcode"


def test_progress_runs_from_the_first_file_to_the_end_of_the_merge(tmp_path, monkeypatch):
    """One figure from start to end: reading, then writing at the total, then merging (announced before
    the report), then `merged`; every progress event reads back as an IndexingProgress with words."""
    from nexus_desktop.core.indexing import MERGING, READING, WRITING, IndexingProgress

    monkeypatch.setattr(index_module, "BULK_THRESHOLD", 20)
    monkeypatch.setattr(indexing, "SEED_BATCH", 5)
    workspace = Workspace.create(user_dirs(str(tmp_path / "data")), [str(_library(tmp_path / "kb", 30))])
    events = _events(workspace)
    progress = [IndexingProgress.from_event(e) for e in events if e["event"] == "progress"]
    assert progress[0].phase == READING and progress[0].total == 30
    assert [p.phase for p in progress[-2:]] == [WRITING, MERGING]
    assert all(p.total == 30 for p in progress) and progress[-1].done == 30
    assert [p.done for p in progress] == sorted(p.done for p in progress)  # never goes back
    assert [e["event"] for e in events][-3:] == ["progress", "indexed", "merged"]
    assert progress[-1].text == "Indexing: 30 of 30 entries read; merging the index\u2026"


def test_a_merge_with_nothing_to_merge_still_ends_the_progress(tmp_path):
    workspace = Workspace.create(user_dirs(str(tmp_path / "data")), [str(_library(tmp_path / "kb", 3))])
    kinds = [e["event"] for e in _events(workspace)]  # 3 files: one segment, nothing to merge
    assert kinds[-2:] == ["indexed", "merged"]
