"""The command line on a real corpus: tldr-pages English (7,425 pages), extracted once per module."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tarfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.e2e.conftest import NET_GUARD

REPO = Path(__file__).resolve().parents[2]
# Point NEXUS_TLDR_ARCHIVE at tldr-pages.tar.gz to run these (see README, Development).
CORPUS = Path(os.environ.get("NEXUS_TLDR_ARCHIVE") or REPO.parent / "shared" / "corpora" / "tldr-pages.tar.gz")
ENGLISH_PAGES = 7425

pytestmark = pytest.mark.skipif(
    not CORPUS.is_file(), reason=f"corpus not found: {CORPUS} (set NEXUS_TLDR_ARCHIVE to tldr-pages.tar.gz)")


class Tldr:
    """The extracted English pages and a data folder with their index."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.pages = base / "tldr" / "pages"
        self.data = base / "data"
        self.first_index: dict[str, object] = {}
        self.second_index: dict[str, object] = {}
        self.searches: dict[str, dict] = {}
        self.malformed: dict[str, subprocess.CompletedProcess[str]] = {}

    def run(self, *argv: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(NET_GUARD)])}
        env.pop("NEXUS_DESKTOP_DATA_DIR", None)
        return subprocess.run([sys.executable, "-m", "nexus_desktop", *argv, "--data-dir", str(self.data),
                               "--content", str(self.pages)],
                              cwd=self.base, env=env, capture_output=True, text=True, timeout=timeout)

    def ok(self, *argv: str) -> subprocess.CompletedProcess[str]:
        proc = self.run(*argv)
        assert "Traceback" not in proc.stderr, proc.stderr
        assert proc.returncode == 0, (proc.returncode, proc.stderr)
        return proc

    def search(self, query: str) -> dict:
        return self.searches[query]


def _extract_english(archive: Path, target: Path) -> None:
    with tarfile.open(archive, "r:gz") as tar:
        members = [m for m in tar.getmembers() if m.name.startswith("tldr/pages/") and (m.isfile() or m.isdir())]
        tar.extractall(target, members=members, filter="data")


@pytest.fixture(scope="module")
def tldr(tmp_path_factory: pytest.TempPathFactory) -> Tldr:
    corpus = Tldr(tmp_path_factory.mktemp("tldr"))
    _extract_english(CORPUS, corpus.base)
    corpus.first_index = json.loads(corpus.ok("index", "--json").stdout)
    corpus.second_index = json.loads(corpus.ok("index", "--json").stdout)
    with ThreadPoolExecutor(2) as pool:  # each run is its own process: two at a time halves the wait
        searches = {q: pool.submit(corpus.ok, "search", q, "--json", "--limit", "200") for q in QUERIES}
        malformed = {q: pool.submit(corpus.run, "search", q) for q in MALFORMED}
        corpus.searches = {q: json.loads(f.result().stdout) for q, f in searches.items()}
        corpus.malformed = {q: f.result() for q, f in malformed.items()}
    return corpus


QUERIES = ("tar", "compressed archive", "title:git", "compr*", "docker -compose", '"list files"')
MALFORMED = ('"unclosed', "title:", "(((", "*", "-only", "OR", "tag:")


def test_index_adds_every_page_and_second_run_does_no_work(tldr: Tldr) -> None:
    on_disk = sum(1 for _ in tldr.pages.rglob("*.md"))
    assert on_disk == ENGLISH_PAGES
    first = tldr.first_index
    assert first["roots"] == ["pages"]
    assert first["added"] == on_disk and first["skipped"] == []
    second = tldr.second_index
    assert (second["added"], second["updated"], second["removed"], second["unchanged"]) == (0, 0, 0, on_disk)


def test_tar_page_first(tldr: Tldr) -> None:
    results = tldr.search("tar")["results"]
    assert results[0]["id"] == "pages/common/tar", [r["id"] for r in results[:5]]
    assert results[0]["title"] == "tar"


def test_compressed_archive_finds_tar(tldr: Tldr) -> None:
    data = tldr.search("compressed archive")
    assert any(r["id"].endswith("/tar") for r in data["results"]), [r["id"] for r in data["results"][:10]]


def test_title_field_returns_only_matching_titles(tldr: Tldr) -> None:
    data = tldr.search("title:git")
    assert data["total"] >= 100
    assert all("git" in r["title"].lower() for r in data["results"]), \
        [r["title"] for r in data["results"] if "git" not in r["title"].lower()]


def test_prefix(tldr: Tldr) -> None:
    data = tldr.search("compr*")
    assert data["total"] >= 20
    assert any("<b>compr" in r["snippet"].lower() for r in data["results"])


def test_exclude(tldr: Tldr) -> None:
    data = tldr.search("docker -compose")
    assert data["total"] >= 10
    assert not any("compose" in r["title"].lower() for r in data["results"])
    assert all("compose" not in r["snippet"].lower() for r in data["results"])


def _page_texts(tldr: Tldr, query: str) -> dict[str, str]:
    """Each result's text, as `show ID` prints it (the file itself), with whitespace collapsed."""
    return {r["id"]: " ".join((tldr.pages / r["path"]).read_text(encoding="utf-8").lower().split())
            for r in tldr.search(query)["results"]}


def test_phrase_words_are_in_every_result(tldr: Tldr) -> None:
    texts = _page_texts(tldr, '"list files"')
    assert len(texts) >= 5
    for entry_id, text in texts.items():
        assert re.search(r"\blist", text) and re.search(r"\bfile", text), entry_id


def test_phrase_words_are_adjacent_and_in_order_in_every_result(tldr: Tldr) -> None:
    """A phrase matches its words next to each other, in order; word forms and stop words aside (README)."""
    from nexus_desktop.core.analysis import is_noise, stem, words

    texts = _page_texts(tldr, '"list files"')
    assert len(texts) >= 5
    for entry_id, text in texts.items():
        stems = [stem(w) for w in words(text) if not is_noise(w)]
        pairs = set(zip(stems, stems[1:], strict=False))
        assert ("list", "file") in pairs, entry_id


def test_show_prints_the_page(tldr: Tldr) -> None:
    assert tldr.ok("show", "pages/common/tar").stdout == (tldr.pages / "common" / "tar.md").read_text("utf-8")


@pytest.mark.parametrize("query", MALFORMED)
def test_malformed_queries_exit_0_or_2_without_traceback(tldr: Tldr, query: str) -> None:
    proc = tldr.malformed[query]
    assert proc.returncode in (0, 2), (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    if proc.returncode == 2:
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
