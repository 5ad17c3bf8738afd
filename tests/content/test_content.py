"""Checks over the bundled knowledge base in ``content/``.

These tests need no Qt: they read the Markdown files directly and verify
front matter, prose length, code blocks, links and cross-linking. A last
class runs learner questions through the CLI search, if the CLI exists.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import unicodedata
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "content"
INDEX = CONTENT / "index.md"
MIN_ENTRIES = 45
MIN_WORDS = 300

FENCE_RE = re.compile(r"^(?P<fence>```+|~~~+)[ \t]*(?P<info>[^\n`]*)$")
LINK_RE = re.compile(r"(?<!!)\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
WIKILINK_RE = re.compile(r"\[\[([^\]\n]+)\]\]")
HEADING_RE = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
TAG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
WORD_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’_-]*")


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def all_files() -> list[Path]:
    return sorted(CONTENT.rglob("*.md"))


def entry_files() -> list[Path]:
    return [p for p in all_files() if p != INDEX]


def rel(path: Path) -> str:
    return path.relative_to(CONTENT).as_posix()


def entry_id(path: Path) -> str:
    return "nexus/" + rel(path)[: -len(".md")]


@lru_cache(maxsize=None)
def split_front_matter(path: Path) -> tuple[dict | None, str]:
    """Return (front matter dict or None, body)."""
    text = path.read_text(encoding="utf-8")
    match = re.match(r"^---[ \t]*\n(.*?)\n---[ \t]*\n(.*)$", text, re.S)
    if not match:
        return None, text
    meta = yaml.safe_load(match.group(1))
    return (meta if isinstance(meta, dict) else None), match.group(2)


def meta(path: Path) -> dict:
    data, _ = split_front_matter(path)
    return data or {}


def body(path: Path) -> str:
    return split_front_matter(path)[1]


@lru_cache(maxsize=None)
def parse_blocks(path: Path) -> tuple[str, tuple[tuple[str, str], ...]]:
    """Split the body into prose (code removed) and fenced (lang, code) blocks."""
    prose: list[str] = []
    blocks: list[tuple[str, str]] = []
    fence = None
    lang = ""
    code: list[str] = []
    for line in body(path).splitlines():
        stripped = line.strip()
        if fence is None:
            match = FENCE_RE.match(stripped)
            if match:
                fence, lang, code = match.group("fence"), match.group("info").strip(), []
            else:
                prose.append(line)
        elif stripped.startswith(fence[0] * len(fence)) and not stripped.strip(fence[0]):
            blocks.append((lang.split()[0] if lang else "", "\n".join(code)))
            fence = None
        else:
            code.append(line)
    assert fence is None, f"{rel(path)}: unclosed code fence"
    return "\n".join(prose), tuple(blocks)


def prose(path: Path) -> str:
    return parse_blocks(path)[0]


def code_blocks(path: Path) -> tuple[tuple[str, str], ...]:
    return parse_blocks(path)[1]


def slugify(text: str) -> str:
    """Heading slug as produced by Python-Markdown's toc extension."""
    text = re.sub(r"`([^`]*)`", r"\1", text)  # inline code
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links
    text = re.sub(r"[*_]{1,3}([^*_]+)[*_]{1,3}", r"\1", text)  # emphasis
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


@lru_cache(maxsize=None)
def heading_slugs(path: Path) -> frozenset[str]:
    slugs: set[str] = set()
    for line in prose(path).splitlines():
        match = HEADING_RE.match(line)
        if match:
            base = slugify(match.group(2))
            slug, n = base, 1
            while slug in slugs:
                slug, n = f"{base}_{n}", n + 1
            slugs.add(slug)
    return frozenset(slugs)


def links_text(path: Path) -> str:
    """Prose with inline code spans removed, so `[[x]]` in code is not a link."""
    return re.sub(r"`[^`\n]*`", "", prose(path))


@lru_cache(maxsize=None)
def wikilink_targets() -> dict[str, Path]:
    """Map lowercase stem, title and alias to the file they name."""
    names: dict[str, Path] = {}
    for path in all_files():
        data = meta(path)
        keys = [path.stem, str(data.get("title", ""))]
        keys += [str(a) for a in data.get("aliases") or []]
        for key in keys:
            if key:
                names.setdefault(key.strip().lower(), path)
    return names


def resolve_links(path: Path) -> list[tuple[str, Path | None, str]]:
    """Return (raw link, target file or None, fragment) for internal links."""
    found: list[tuple[str, Path | None, str]] = []
    text = links_text(path)
    for raw in LINK_RE.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", raw, re.I):  # http:, mailto: ...
            continue
        target, _, fragment = raw.partition("#")
        if not target:
            found.append((raw, path, fragment))
        elif target.endswith(".md"):
            resolved = (path.parent / target).resolve()
            found.append((raw, resolved if resolved.is_file() else None, fragment))
    for inner in WIKILINK_RE.findall(text):
        target = inner.split("|", 1)[0]
        name, _, fragment = target.partition("#")
        found.append((f"[[{inner}]]", wikilink_targets().get(name.strip().lower()), fragment.strip()))
    return found


def ids(files) -> list[str]:
    return [rel(p) for p in files]


ENTRIES = entry_files()
FILES = all_files()


# --------------------------------------------------------------------------
# Tree-wide checks
# --------------------------------------------------------------------------


def test_index_exists():
    assert INDEX.is_file(), "content/index.md is missing"


def test_enough_entries():
    assert len(ENTRIES) >= MIN_ENTRIES, f"only {len(ENTRIES)} entries, need {MIN_ENTRIES}"


def test_titles_are_unique():
    titles = [str(meta(p).get("title", "")).lower() for p in FILES]
    dupes = sorted({t for t in titles if titles.count(t) > 1})
    assert not dupes, f"duplicate titles: {dupes}"


def test_no_orphans():
    """Every entry is linked from another entry (the start page does not count)."""
    linked: set[Path] = set()
    for path in ENTRIES:
        for _, target, _ in resolve_links(path):
            if target is not None and target != path:
                linked.add(target.resolve())
    orphans = [rel(p) for p in ENTRIES if p.resolve() not in linked]
    assert not orphans, f"entries not linked from any other entry: {orphans}"


def test_index_links_every_entry():
    linked = {t.resolve() for _, t, _ in resolve_links(INDEX) if t is not None}
    missing = [rel(p) for p in ENTRIES if p.resolve() not in linked]
    assert not missing, f"index.md does not link to: {missing}"


# --------------------------------------------------------------------------
# Per-file checks
# --------------------------------------------------------------------------


@pytest.mark.parametrize("path", FILES, ids=ids(FILES))
def test_front_matter(path):
    data, _ = split_front_matter(path)
    assert data is not None, "missing YAML front matter between --- lines"
    for key in ("title", "tags", "category", "summary"):
        assert key in data, f"front matter lacks {key!r}"
    assert isinstance(data["title"], str) and data["title"].strip()
    assert isinstance(data["category"], str) and data["category"].strip()
    tags = data["tags"]
    assert isinstance(tags, list) and tags, "tags must be a non-empty list"
    bad = [t for t in tags if not isinstance(t, str) or not TAG_RE.match(t)]
    assert not bad, f"tags must be lowercase words or hyphenated: {bad}"
    summary = data["summary"]
    assert isinstance(summary, str) and summary.strip(), "summary must be a string"
    assert summary.rstrip().endswith((".", "?", "!")), "summary must be a sentence"
    assert not re.search(r"[.!?]\s+[A-Z]", summary), "summary must be one sentence"
    for key in ("aliases", "related"):
        if key in data:
            assert isinstance(data[key], list), f"{key} must be a list"
            assert all(isinstance(v, str) and v for v in data[key])


@pytest.mark.parametrize("path", FILES, ids=ids(FILES))
def test_related_ids_exist(path):
    known = {entry_id(p) for p in FILES}
    missing = [r for r in meta(path).get("related") or [] if r not in known]
    assert not missing, f"unknown related ids: {missing}"


@pytest.mark.parametrize("path", ENTRIES, ids=ids(ENTRIES))
def test_enough_prose(path):
    words = len(WORD_RE.findall(prose(path)))
    assert words >= MIN_WORDS, f"only {words} words of prose, need {MIN_WORDS}"


@pytest.mark.parametrize("path", ENTRIES, ids=ids(ENTRIES))
def test_has_see_also(path):
    assert re.search(r"^##\s+See also\s*$", prose(path), re.M), "missing '## See also'"


@pytest.mark.parametrize("path", FILES, ids=ids(FILES))
def test_code_blocks(path):
    for number, (lang, code) in enumerate(code_blocks(path), 1):
        where = f"code block {number} ({lang or 'no language'})"
        assert lang, f"{where}: fenced code block must name its language"
        lang = lang.lower()
        try:
            if lang in ("python", "py"):
                ast.parse(code)
            elif lang in ("yaml", "yml"):
                list(yaml.safe_load_all(code))
            elif lang == "json":
                json.loads(code)
        except Exception as exc:  # noqa: BLE001 - report any parse failure
            pytest.fail(f"{where} does not parse: {exc}")


@pytest.mark.parametrize("path", FILES, ids=ids(FILES))
def test_links_resolve(path):
    problems = []
    for raw, target, fragment in resolve_links(path):
        if target is None:
            problems.append(f"{raw}: no such entry")
        elif fragment and fragment not in heading_slugs(target):
            problems.append(f"{raw}: no heading #{fragment} in {rel(target)}")
    assert not problems, "broken links:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", ENTRIES, ids=ids(ENTRIES))
def test_links_to_other_entries(path):
    others = {t for _, t, _ in resolve_links(path) if t is not None and t != path}
    assert len(others) >= 3, f"links to only {len(others)} other entries, need 3"


# --------------------------------------------------------------------------
# Search: learner questions find the right entry (needs the CLI)
# --------------------------------------------------------------------------

QUESTIONS = [
    ("why does my API hang while sending emails", {"nexus/challenges/long-running-tasks"}),
    ("works on my machine", {"nexus/challenges/environment-inconsistencies"}),
    (
        "slow database query",
        {
            "nexus/challenges/database-performance",
            "nexus/database/query-optimization",
            "nexus/database/indexing",
        },
    ),
    ("retry failed task", {"nexus/async/celery-retries"}),
    ("jwt token expired", {"nexus/api/jwt"}),
    ("n+1 queries graphql", {"nexus/api/graphql-data-fetching"}),
    (
        "share api contract with frontend",
        {"nexus/about/frontend-collaboration", "nexus/practices/collaborate-early-with-frontend"},
    ),
    ("docker compose postgres", {"nexus/devops/docker-compose"}),
]


@pytest.fixture(scope="module")
def search_data_dir(tmp_path_factory):
    """Build the search index once for this module, with the CLI."""
    pytest.importorskip("nexus_desktop.cli")
    data_dir = tmp_path_factory.mktemp("nexus-data")
    run_cli("index", "--content", str(CONTENT), "--data-dir", str(data_dir))
    return data_dir


def run_cli(*args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "nexus_desktop", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, f"nexus_desktop {args[0]} failed:\n{proc.stderr}"
    return proc.stdout


def without_root(entry: str) -> str:
    """`nexus/api/jwt` -> `api/jwt`: with --content the root is named after the folder."""
    return entry.partition("/")[2]


class TestLearnerQuestions:
    @pytest.mark.parametrize("query,expected", QUESTIONS, ids=[q for q, _ in QUESTIONS])
    def test_question_finds_entry(self, search_data_dir, query, expected):
        out = run_cli("search", query, "--content", str(CONTENT),
                      "--data-dir", str(search_data_dir), "--json", "--limit", "3")
        data = json.loads(out)
        results = data["results"] if isinstance(data, dict) else data
        found = [r["id"] for r in results]
        wanted = {without_root(e) for e in expected}
        assert wanted & {without_root(f) for f in found}, (
            f"{query!r}: expected one of {sorted(expected)} in the top 3, got {found}"
        )
