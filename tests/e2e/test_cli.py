"""End-to-end tests of `nexus-desktop index|search|show|--version`, run as a separate process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from nexus_desktop import __version__
from tests.e2e.conftest import NET_GUARD, REPO
from tests.e2e.conftest import run_cli as run


@pytest.fixture
def content(tmp_path: Path) -> Path:
    notes = tmp_path / "notes"
    (notes / "docker").mkdir(parents=True)
    (notes / "docker" / "compose.md").write_text(
        "---\ntitle: Docker Compose\ntags: [containers]\naliases: [compose]\n---\n# Docker Compose\n\n"
        "See [[Celery retries]] and [the retries page](../celery.md#backoff).\n\n## Volumes\n\nvolume text\n",
        encoding="utf-8")
    (notes / "celery.md").write_text("# Celery retries\n\n## Backoff\n\nbody <script>x</script> & stuff\n",
                                     encoding="utf-8")
    (notes / "latin1.markdown").write_bytes("# Caf\xe9\n\ncr\xe8me br\xfbl\xe9e\n".encode("latin-1"))
    (notes / "binary.md").write_bytes(b"\x00\x01\x02" * 10)
    return notes




def test_version(tmp_path: Path) -> None:
    proc = run(tmp_path, "--version", data=False)
    assert proc.stdout.strip() == f"nexus-desktop {__version__}"


def test_index_json_shape_and_second_run_does_no_work(tmp_path: Path, content: Path) -> None:
    first = json.loads(run(tmp_path, "index", "--json", "--content", str(content)).stdout)
    assert {"roots", "added", "updated", "removed", "unchanged", "skipped", "seconds"} <= set(first)
    assert first["roots"] == ["notes"]
    assert (first["added"], first["updated"], first["removed"], first["unchanged"]) == (3, 0, 0, 0)
    assert [Path(s["path"]).name for s in first["skipped"]] == ["binary.md"]
    assert all(set(s) == {"path", "reason"} and s["reason"] for s in first["skipped"])
    assert isinstance(first["seconds"], (int, float))
    second = json.loads(run(tmp_path, "index", "--json", "--content", str(content)).stdout)
    assert (second["added"], second["updated"], second["removed"], second["unchanged"]) == (0, 0, 0, 3)
    (content / "celery.md").unlink()
    third = json.loads(run(tmp_path, "index", "--json", "--content", str(content)).stdout)
    assert (third["added"], third["removed"], third["unchanged"]) == (0, 1, 2)


def test_index_text_summary_and_rebuild(tmp_path: Path, content: Path) -> None:
    run(tmp_path, "index", "--content", str(content))
    proc = run(tmp_path, "index", "--rebuild", "--content", str(content))
    assert "3 added" in proc.stdout and "binary.md" in proc.stdout


def test_index_events_are_json_lines_ending_with_the_report(tmp_path: Path, content: Path) -> None:
    proc = run(tmp_path, "index", "--events", "--merge", "--content", str(content))
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    kinds = [e["event"] for e in events]
    assert kinds[-2:] == ["indexed", "merged"] and set(kinds) <= {"progress", "notice", "indexed", "merged"}
    assert [e["text"] for e in events if e["event"] == "notice"] == [
        f"{content / 'latin1.markdown'}: not UTF-8: read as Windows-1252 (Latin-1)"]
    assert events[-2]["report"]["added"] == 3
    assert [Path(s["path"]).name for s in events[-2]["report"]["skipped"]] == ["binary.md"]
    again = run(tmp_path, "index", "--events", "--rebuild", "--content", str(content))
    assert json.loads(again.stdout.splitlines()[-1])["report"]["added"] == 3  # --rebuild starts from empty


def test_index_events_wait_for_another_writer_then_pick_up_its_index(tmp_path: Path, content: Path) -> None:
    import threading

    from whoosh import index as whoosh_index

    run(tmp_path, "index", "--content", str(content))
    (content / "new.md").write_text("# New\n\nzanzibar\n", encoding="utf-8")
    index_dir = next(p for p in (tmp_path / "data").rglob("nexus-index.json")).parent
    writer = whoosh_index.open_dir(str(index_dir)).writer()  # another process is indexing
    threading.Timer(4.0, writer.cancel).start()
    proc = run(tmp_path, "index", "--events", "--content", str(content))
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    kinds = [e["event"] for e in events]
    assert kinds.index("busy") < kinds.index("partial") < kinds.index("indexed")  # searched as is, then reopened
    assert events[kinds.index("indexed")]["report"]["added"] == 1


def test_search_json_shape(tmp_path: Path, content: Path) -> None:
    data = json.loads(run(tmp_path, "search", "docker", "--json", "--content", str(content)).stdout)
    assert set(data) == {"query", "total", "complete", "took_ms", "suggestion", "corrected", "words",
                         "timed_out", "results"}
    assert data["query"] == "docker" and data["total"] == 1 and data["suggestion"] is None
    hit = data["results"][0]
    assert set(hit) == {"id", "title", "root", "path", "score", "snippet", "tags", "matched", "missing"}
    assert hit["id"] == "notes/docker/compose" and hit["title"] == "Docker Compose"
    assert hit["root"] == "notes" and hit["path"] == "docker/compose.md"
    assert hit["tags"] == ["containers"] and "<b>Docker</b>" in hit["snippet"]
    assert isinstance(hit["score"], (int, float))


def test_search_text_output_and_limit(tmp_path: Path, content: Path) -> None:
    proc = run(tmp_path, "search", "retries", "--content", str(content))
    assert "Celery retries  [notes/celery]" in proc.stdout
    data = json.loads(run(tmp_path, "search", "retries", "--limit", "1", "--json", "--content", str(content)).stdout)
    assert data["total"] == 2 and len(data["results"]) == 1


def test_search_nothing_matched_is_ok_with_suggestion(tmp_path: Path, content: Path) -> None:
    data = json.loads(run(tmp_path, "search", "dockr", "--as-typed", "--json", "--content", str(content)).stdout)
    assert data["total"] == 0 and data["results"] == []
    assert data["suggestion"] == "docker"
    proc = run(tmp_path, "search", "zzzzqqq", "--content", str(content))
    assert proc.stdout.startswith("0 results")


def test_search_respells_unknown_words_and_says_so(tmp_path: Path, content: Path) -> None:
    proc = run(tmp_path, "search", "dockr volumes", "--content", str(content))
    assert proc.stdout.startswith("Showing results for: docker volumes")
    assert "Docker Compose  [notes/docker/compose]" in proc.stdout
    data = json.loads(run(tmp_path, "search", "dockr", "--json", "--content", str(content)).stdout)
    assert data["corrected"] == "docker" and data["results"][0]["id"] == "notes/docker/compose"


def test_search_text_output_says_what_a_partial_match_lacks(tmp_path: Path, content: Path) -> None:
    proc = run(tmp_path, "search", "how do I set the backoff for payment retries", "--content", str(content))
    assert proc.stdout.startswith("0 with every word, 2 with some")
    assert "Missing: set, payment" in proc.stdout
    data = json.loads(run(tmp_path, "search", "backoff payment retries", "--json", "--content", str(content)).stdout)
    assert data["words"] == ["backoff", "payment", "retries"]
    first = data["results"][0]
    assert first["id"] == "notes/celery" and first["missing"] == ["payment"]
    assert first["matched"] == ["backoff", "retries"]


def test_search_unclosed_quote_is_repaired(tmp_path: Path, content: Path) -> None:
    data = json.loads(run(tmp_path, "search", '"volume text', "--json", "--content", str(content)).stdout)
    assert [h["id"] for h in data["results"]] == ["notes/docker/compose"]


def test_show_prints_markdown(tmp_path: Path, content: Path) -> None:
    proc = run(tmp_path, "show", "notes/celery", "--content", str(content))
    assert proc.stdout == (content / "celery.md").read_text(encoding="utf-8")


def test_show_latin1_prints_it_decoded_as_search_reads_it(tmp_path: Path, content: Path) -> None:
    proc = run(tmp_path, "show", "notes/latin1", "--content", str(content))
    assert "Caf\xe9" in proc.stdout and "cr\xe8me br\xfbl\xe9e" in proc.stdout
    assert "Windows-1252" in proc.stderr
    found = json.loads(run(tmp_path, "search", "cr\xe8me", "--json", "--content", str(content)).stdout)
    assert [h["id"] for h in found["results"]] == ["notes/latin1"]


def test_show_html_with_resolved_links(tmp_path: Path, content: Path) -> None:
    proc = run(tmp_path, "show", "notes/docker/compose", "--html", "--content", str(content))
    page = proc.stdout
    assert page.startswith("<!DOCTYPE html>") and "<title>Docker Compose</title>" in page
    assert '<a class="wikilink" href="../celery.html">Celery retries</a>' in page
    assert 'href="../celery.html#backoff"' in page and "entry:" not in page
    assert '<a name="volumes"></a>' in page
    escaped = run(tmp_path, "show", "notes/celery", "--html", "--content", str(content)).stdout
    assert "<script>" not in escaped and "&lt;script&gt;" in escaped


BAD_INPUT = [
    ("show", "notes/nope"),
    ("show", "../etc/passwd"),
    ("show", "notes/binary"),
    ("search", "((("),
    ("search", "title:"),
    ("search", "-only"),
    ("search", "x", "--limit", "0"),
    ("search", "x", "--limit", "abc"),
    ("search", "x", "--limit", "-3"),
    ("search", "x", "--offset", "-1"),
    ("search",),
    ("nosuchcommand",),
]


def test_bad_input_exits_2_with_one_line(tmp_path: Path, content: Path) -> None:
    run(tmp_path, "index", "--content", str(content))
    with ThreadPoolExecutor(2) as pool:  # one process per case: two at a time
        futures = {argv: pool.submit(run, tmp_path, *argv, "--content", str(content), code=2)
                   for argv in BAD_INPUT}
    failures = {argv: repr(f.exception()) for argv, f in futures.items() if f.exception() is not None}
    assert failures == {}


def test_missing_content_folder_exits_2(tmp_path: Path) -> None:
    run(tmp_path, "search", "x", "--content", str(tmp_path / "missing"), code=2)
    run(tmp_path, "index", "--content", str(tmp_path / "missing"), code=2)
    (tmp_path / "a-file").write_text("x")
    run(tmp_path, "show", "x/y", "--content", str(tmp_path / "a-file"), code=2)


def test_window_with_a_missing_content_folder_exits_2_without_a_window(tmp_path: Path) -> None:
    proc = run(tmp_path, "--content", str(tmp_path / "missing"), code=2)
    assert proc.stderr.strip() == f"nexus-desktop: --content {tmp_path / 'missing'}: no such folder"
    (tmp_path / "a-file").write_text("x")
    run(tmp_path, "nexus/python/decorators", "--content", str(tmp_path / "a-file"), code=2)


MALFORMED = ['"unclosed', "(((", "*", "OR", "tag:", "\u00e9~~", "x" * 300]


def test_malformed_queries_exit_0_or_2_without_traceback(tmp_path: Path, content: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(NET_GUARD)])}
    env.pop("NEXUS_DESKTOP_DATA_DIR", None)
    run(tmp_path, "index", "--content", str(content))

    def search(query: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "nexus_desktop", "search", query, "--data-dir",
                               str(tmp_path / "data"), "--content", str(content)],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)

    with ThreadPoolExecutor(2) as pool:
        procs = dict(zip(MALFORMED, pool.map(search, MALFORMED), strict=False))
    for query, proc in procs.items():
        assert proc.returncode in (0, 2), (query, proc.stderr)
        assert "Traceback" not in proc.stderr, (query, proc.stderr)


def test_data_dir_env_is_honoured(tmp_path: Path, content: Path) -> None:
    env_dir = tmp_path / "from-env"
    proc = run(tmp_path, "index", "--json", "--content", str(content), data=False,
               env_extra={"NEXUS_DESKTOP_DATA_DIR": str(env_dir)})
    assert json.loads(proc.stdout)["added"] == 3
    assert (env_dir / "cache" / "index").is_dir()
    again = run(tmp_path, "index", "--json", "--content", str(content), data=False,
                env_extra={"NEXUS_DESKTOP_DATA_DIR": str(env_dir)})
    assert json.loads(again.stdout)["unchanged"] == 3
    assert not (tmp_path / "data").exists()


def test_data_dir_flag_beats_env(tmp_path: Path, content: Path) -> None:
    env_dir = tmp_path / "from-env"
    run(tmp_path, "index", "--content", str(content), env_extra={"NEXUS_DESKTOP_DATA_DIR": str(env_dir)})
    assert (tmp_path / "data" / "cache" / "index").is_dir()
    assert not env_dir.exists()


def test_corrupt_index_is_rebuilt_with_a_notice(tmp_path: Path, content: Path) -> None:
    run(tmp_path, "index", "--content", str(content))
    index_dirs = [p for p in (tmp_path / "data" / "cache" / "index").iterdir() if p.is_dir()]
    assert len(index_dirs) == 1
    (index_dirs[0] / "nexus-index.json").write_text("{broken")
    proc = run(tmp_path, "search", "docker", "--json", "--content", str(content))
    assert json.loads(proc.stdout)["total"] == 1
    assert "rebuilt" in proc.stderr


@pytest.mark.parametrize("argv", [[], ["--data-dir", "d"], ["--content", "a", "--content=b", "--data-dir=d"],
                                  ["--content", "index"]])
def test_opening_the_window_parses_like_the_full_command_line(argv: list[str]) -> None:
    from nexus_desktop.cli import _opens_the_window, _window_parser, build_parser

    assert _opens_the_window(argv)
    assert vars(_window_parser().parse_args(argv)) == vars(build_parser().parse_args(argv))


@pytest.mark.parametrize("argv", [["index"], ["-h"], ["--version"], ["--data-dir"], ["--content", "a", "search", "x"]])
def test_anything_else_goes_to_the_full_command_line(argv: list[str]) -> None:
    from nexus_desktop.cli import _opens_the_window

    assert not _opens_the_window(argv)
