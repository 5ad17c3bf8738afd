"""End-to-end tests of `nexus-desktop bookmarks ...` run as a separate process."""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.e2e.conftest import run_cli


@pytest.fixture
def content(tmp_path: Path) -> Path:
    notes = tmp_path / "notes"
    (notes / "docker").mkdir(parents=True)
    (notes / "docker" / "compose.md").write_text(
        "---\ntitle: Docker Compose\naliases: [compose]\n---\n# Docker Compose\n\n## Volumes\n\ntext\n",
        encoding="utf-8")
    (notes / "celery.md").write_text("# Celery retries\n\nbody\n", encoding="utf-8")
    (notes / "python.md").write_text("---\ntitle: Python <async> & \"await\"\n---\nbody\n",
                                     encoding="utf-8")
    return notes


def run(tmp_path: Path, content: Path, *argv: str, code: int = 0) -> subprocess.CompletedProcess[str]:
    return run_cli(tmp_path, "bookmarks", *argv, "--content", str(content), code=code)


def listing(tmp_path: Path, content: Path) -> dict:
    return json.loads(run(tmp_path, content, "list", "--json").stdout)


def all_marks(node: dict) -> list[dict]:
    out = list(node["bookmarks"])
    for folder in node["folders"]:
        out.extend(all_marks(folder))
    return out


def test_add_list_remove(tmp_path: Path, content: Path) -> None:
    out = run(tmp_path, content, "add", "notes/docker/compose", "--folder", "Backend/Docker",
              "--note", "volumes & networks").stdout
    assert "Docker Compose" in out and "Backend/Docker" in out
    run(tmp_path, content, "add", "notes/celery#retrying")
    added = json.loads(run(tmp_path, content, "add", "notes/python", "--json").stdout)
    assert added["added"] is True and added["id"] == "notes/python"
    again = json.loads(run(tmp_path, content, "add", "notes/python", "--json").stdout)
    assert again["added"] is False and again["bookmark_id"] == added["bookmark_id"]

    text = run(tmp_path, content, "list").stdout
    assert "Backend/" in text and "  Docker/" in text and "volumes & networks" in text
    assert "[notes/celery#retrying]" in text and "(missing)" not in text

    data = listing(tmp_path, content)
    assert data["count"] == 3 and data["missing"] == 0
    docker = data["folders"][0]["folders"][0]
    assert docker["path"] == "Backend/Docker"
    assert docker["bookmarks"][0]["id"] == "notes/docker/compose"
    assert docker["bookmarks"][0]["note"] == "volumes & networks"

    assert "Removed 1" in run(tmp_path, content, "remove", "notes/docker/compose").stdout
    run(tmp_path, content, "remove", "notes/docker/compose", code=2)
    assert listing(tmp_path, content)["count"] == 2


def test_missing_entries_are_marked_and_moved_ones_repointed(tmp_path: Path, content: Path) -> None:
    run(tmp_path, content, "add", "notes/celery")
    run(tmp_path, content, "add", "notes/python")
    (content / "celery.md").rename(content / "celery-retries.md")  # same title: re-pointed
    (content / "python.md").unlink()  # gone: kept, marked missing
    data = listing(tmp_path, content)
    marks = {m["title"]: m for m in all_marks(data)}
    assert marks["Celery retries"]["id"] == "notes/celery-retries"
    assert not marks["Celery retries"]["missing"]
    assert marks['Python <async> & "await"']["missing"] is True
    assert data["count"] == 2 and data["missing"] == 1
    assert "(missing)" in run(tmp_path, content, "list").stdout


def test_add_unknown_id_is_exit_2(tmp_path: Path, content: Path) -> None:
    proc = run(tmp_path, content, "add", "notes/no-such-entry", code=2)
    assert "notes/no-such-entry" in proc.stderr
    assert listing(tmp_path, content)["count"] == 0


def test_bad_usage_is_exit_2(tmp_path: Path, content: Path) -> None:
    run(tmp_path, content, "add", code=2)
    run(tmp_path, content, "list", "extra", code=2)
    run(tmp_path, content, "export", "x.json", "--folder", "A", code=2)
    run(tmp_path, content, "frobnicate", code=2)
    run(tmp_path, content, "add", "notes/celery", "--folder", "//", code=2)


@pytest.mark.parametrize("suffix", [".json", ".xbel"])
def test_export_import_round_trip(tmp_path: Path, content: Path, suffix: str) -> None:
    run(tmp_path, content, "add", "notes/docker/compose#volumes", "--folder", "Backend/Docker",
        "--note", "n1 <&>")
    run(tmp_path, content, "add", "notes/python", "--folder", "Lang", "--note", "n2")
    run(tmp_path, content, "add", "notes/celery")
    before = listing(tmp_path, content)
    out = tmp_path / f"out{suffix}"
    assert "Exported 3" in run(tmp_path, content, "export", str(out)).stdout
    if suffix == ".xbel":
        assert ET.parse(out).getroot().tag == "xbel"
    other = tmp_path / "other"
    other.mkdir()
    result = json.loads(run(other, content, "import", str(out), "--json").stdout)
    assert result["added"] == 3 and result["duplicates"] == 0
    twice = json.loads(run(other, content, "import", str(out), "--json").stdout)
    assert twice["added"] == 0 and twice["duplicates"] == 3
    after = listing(other, content)

    def key(data: dict) -> list[tuple]:
        return sorted((m["folder"], m["id"], m["anchor"], m["title"], m["note"]) for m in all_marks(data))

    assert key(after) == key(before)


@pytest.mark.parametrize("name,data", [
    ("bad.json", b"{not json"),
    ("bad.json", b'{"format": "nexus-bookmarks", "version": 99}'),
    ("bad.xbel", b"<xbel><bookmark></xbel>"),
    ("bad.xbel", b'<xbel version="1.0"><bookmark><title>no href</title></bookmark></xbel>'),
    ("bad.html", b"<html/>"),
    ("absent.json", None),
])
def test_malformed_import_is_exit_2_and_changes_nothing(tmp_path: Path, content: Path, name: str,
                                                        data: bytes | None) -> None:
    run(tmp_path, content, "add", "notes/celery")
    before = listing(tmp_path, content)
    f = tmp_path / name
    if data is not None:
        f.write_bytes(data)
    proc = run(tmp_path, content, "import", str(f), code=2)
    assert name in proc.stderr
    assert listing(tmp_path, content) == before


def test_export_unknown_suffix_is_exit_2(tmp_path: Path, content: Path) -> None:
    proc = run(tmp_path, content, "export", str(tmp_path / "b.html"), code=2)
    assert ".json or .xbel" in proc.stderr
    assert not (tmp_path / "b.html").exists()


def test_export_to_unwritable_place_is_exit_1(tmp_path: Path, content: Path) -> None:
    proc = run(tmp_path, content, "export", str(tmp_path / "no" / "dir" / "b.json"), code=1)
    assert "cannot write" in proc.stderr


def test_garbage_db_is_copied_aside_and_the_command_still_works(tmp_path: Path, content: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "nexus.sqlite3").write_bytes(b"\x00garbage, definitely not SQLite" * 64)
    proc = run(tmp_path, content, "add", "notes/celery")
    assert "Bookmarked" in proc.stdout
    assert "moved" in proc.stderr and ".corrupt-" in proc.stderr
    assert list(data.glob("nexus.sqlite3.corrupt-*"))
    proc = run(tmp_path, content, "list")
    assert "Celery retries" in proc.stdout and "corrupt" not in proc.stderr


def test_unusable_data_dir_is_exit_1(tmp_path: Path, content: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "nexus.sqlite3").mkdir()  # a folder where the database should be
    proc = run(tmp_path, content, "list", code=1)
    assert "nexus.sqlite3" in proc.stderr
