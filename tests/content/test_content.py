"""Checks over the bundled knowledge base in ``content/``.

Entries are read and links resolved with the app's own core modules
(``nexus_desktop.core.library`` and ``links``), so a link that passes here is a
link the reader follows. The checks cover front matter, prose, code blocks,
links, the outline of Project Nexus, the names of the reference project, and
learner questions run through the CLI search.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import tomllib
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest
import yaml

from nexus_desktop.core.library import Entry, Root, read_entry, scan
from nexus_desktop.core.links import EntryRef, LinkResolver, LinkTarget

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "content"
SEED = ROOT.parent / "shared" / "seed" / "000_c2684fad7b0865f6.txt"
ROOT_NAME = "nexus"
INDEX_ID = f"{ROOT_NAME}/index"
MIN_ENTRIES = 60
MIN_WORDS = 300
MAX_SUMMARY = 200

FENCE_RE = re.compile(r"^(?P<fence>```+|~~~+)[ \t]*(?P<info>[^\n`]*)$")
FRAGMENT_RE = re.compile(r"^<!--\s*nexus:\s*fragment\b(?P<reason>[^>]*)-->\s*$")
TAG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
WORD_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’_-]*")


# --------------------------------------------------------------------------
# Reading the library with the app's core
# --------------------------------------------------------------------------


@cache
def library() -> dict[str, Entry]:
    """Every file of content/, read and parsed as the app reads it, by entry id."""
    result = scan([Root(ROOT_NAME, CONTENT)])
    assert not result.skipped, f"files the library skips: {result.skipped}"
    return {entry_id: read_entry(stat) for entry_id, stat in sorted(result.files.items())}


@cache
def resolver() -> LinkResolver:
    return LinkResolver.from_refs(
        EntryRef(e.id, e.title, tuple(e.aliases)) for e in library().values()
    )


def entry(entry_id: str) -> Entry:
    return library()[entry_id]


ALL_IDS = list(library())
ENTRY_IDS = [i for i in ALL_IDS if i != INDEX_ID]


def short(entry_id: str) -> str:
    return entry_id.partition("/")[2]


def resolve(raw: str, from_id: str) -> LinkTarget | None:
    """A link as `Entry.links` lists it, resolved as the reader resolves it."""
    if raw.startswith("[[") and raw.endswith("]]"):
        return resolver().wikilink(raw[2:-2], from_id)
    return resolver().relative(raw, from_id)


def linked_entries(entry_id: str) -> set[str]:
    """Other entries this entry links to."""
    targets = {resolve(raw, entry_id) for raw in entry(entry_id).links}
    return {t.entry_id for t in targets if t is not None and t.entry_id != entry_id}


@cache
def split_body(entry_id: str) -> tuple[str, tuple[tuple[str, str, str], ...]]:
    """(prose without code, ((language, code, fragment reason or ""), ...)) of an entry's body."""
    prose: list[str] = []
    blocks: list[tuple[str, str, str]] = []
    fence, lang, code, reason = None, "", [], ""
    previous = ""
    for line in entry(entry_id).body.splitlines():
        stripped = line.strip()
        if fence is None:
            match = FENCE_RE.match(stripped)
            if match:
                fence, lang, code = match.group("fence"), match.group("info").strip(), []
                marker = FRAGMENT_RE.match(previous.strip())
                reason = marker.group("reason").strip(" :,-") if marker else ""
            else:
                prose.append(line)
                if stripped:
                    previous = line
        elif stripped.startswith(fence[0] * len(fence)) and not stripped.strip(fence[0]):
            blocks.append((lang.split()[0].lower() if lang else "", "\n".join(code), reason))
            fence, previous = None, ""
        else:
            code.append(line)
    assert fence is None, f"{entry_id}: unclosed code fence"
    return "\n".join(prose), tuple(blocks)


def prose(entry_id: str) -> str:
    return split_body(entry_id)[0]


def code_blocks(entry_id: str) -> tuple[tuple[str, str, str], ...]:
    return split_body(entry_id)[1]


def name_key(name: str) -> str:
    """How quick open and wikilinks compare names: case, hyphens and underscores don't count."""
    return " ".join(name.replace("_", " ").replace("-", " ").lower().split())


# --------------------------------------------------------------------------
# Tree-wide checks
# --------------------------------------------------------------------------


def test_index_exists():
    assert INDEX_ID in library(), "content/index.md is missing"


def test_enough_entries():
    assert len(ENTRY_IDS) >= MIN_ENTRIES, f"only {len(ENTRY_IDS)} entries, need {MIN_ENTRIES}"


def test_titles_are_unique():
    titles = [e.title.lower() for e in library().values()]
    dupes = sorted({t for t in titles if titles.count(t) > 1})
    assert not dupes, f"duplicate titles: {dupes}"


def test_each_name_points_to_one_entry():
    """Quick open and wikilinks match file names, titles and aliases: each may name one entry only."""
    owners: dict[str, set[str]] = defaultdict(set)
    for e in library().values():
        for name in (e.id.rsplit("/", 1)[-1], e.title, *e.aliases):
            owners[name_key(name)].add(e.id)
    shared = {name: sorted(ids) for name, ids in owners.items() if len(ids) > 1}
    assert not shared, f"names shared by several entries: {shared}"


def test_no_orphans():
    """Every entry is linked from another entry (the start page does not count)."""
    linked = set().union(*(linked_entries(i) for i in ENTRY_IDS))
    orphans = [i for i in ENTRY_IDS if i not in linked]
    assert not orphans, f"entries not linked from any other entry: {orphans}"


def test_index_links_every_entry():
    missing = [i for i in ENTRY_IDS if i not in linked_entries(INDEX_ID)]
    assert not missing, f"index.md does not link to: {missing}"


def test_categories_are_start_page_headings():
    """Each entry's category is one of the start page's section headings."""
    headings = {h.text for h in entry(INDEX_ID).headings if h.level == 2}
    wrong = {i: entry(i).category for i in ENTRY_IDS if entry(i).category not in headings}
    assert not wrong, f"categories that are not headings of index.md {sorted(headings)}: {wrong}"


# --------------------------------------------------------------------------
# Per-entry checks
# --------------------------------------------------------------------------


@pytest.mark.parametrize("entry_id", ALL_IDS, ids=short)
def test_front_matter(entry_id):
    e = entry(entry_id)
    assert not e.warnings, f"the library warns: {e.warnings}"
    data = e.front_matter
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


@pytest.mark.parametrize("entry_id", ALL_IDS, ids=short)
def test_summary_is_short(entry_id):
    summary = entry(entry_id).summary
    assert len(summary) <= MAX_SUMMARY, f"summary has {len(summary)} characters, at most {MAX_SUMMARY}"


@pytest.mark.parametrize("entry_id", ALL_IDS, ids=short)
def test_related_ids_exist(entry_id):
    missing = [r for r in entry(entry_id).related if r not in library()]
    assert not missing, f"unknown related ids: {missing}"


@pytest.mark.parametrize("entry_id", ENTRY_IDS, ids=short)
def test_enough_prose(entry_id):
    words = len(WORD_RE.findall(prose(entry_id)))
    assert words >= MIN_WORDS, f"only {words} words of prose, need {MIN_WORDS}"


@pytest.mark.parametrize("entry_id", ENTRY_IDS, ids=short)
def test_has_see_also(entry_id):
    assert any(h.text == "See also" and h.level == 2 for h in entry(entry_id).headings), (
        "missing '## See also'"
    )


def parse_block(lang: str, code: str) -> None:
    """Parse a code block in its language; raises when it doesn't parse."""
    if lang in ("python", "py"):
        ast.parse(code)
    elif lang in ("yaml", "yml"):
        list(yaml.safe_load_all(code))
    elif lang == "json":
        json.loads(code)
    elif lang == "toml":
        tomllib.loads(code)


@pytest.mark.parametrize("entry_id", ALL_IDS, ids=short)
def test_code_blocks(entry_id):
    """Python, YAML, JSON and TOML blocks parse, unless marked as a fragment with a reason.

    A fragment marker is an HTML comment on the line before the fence, e.g.
    `<!-- nexus: fragment, the body of a function shown on its own -->`.
    """
    for number, (lang, code, reason) in enumerate(code_blocks(entry_id), 1):
        where = f"code block {number} ({lang or 'no language'})"
        assert lang, f"{where}: fenced code block must name its language"
        if reason:
            continue
        try:
            parse_block(lang, code)
        except Exception as exc:  # noqa: BLE001 - report any parse failure
            pytest.fail(f"{where} does not parse: {exc}")


@pytest.mark.parametrize("entry_id", ALL_IDS, ids=short)
def test_fragment_markers_say_why(entry_id):
    text = entry(entry_id).body
    for match in re.finditer(r"<!--\s*nexus:\s*fragment\b([^>]*)-->", text):
        assert len(match.group(1).strip(" :,-")) >= 10, f"fragment marker without a reason: {match.group(0)}"


@pytest.mark.parametrize("entry_id", ALL_IDS, ids=short)
def test_links_resolve(entry_id):
    problems = []
    for raw in entry(entry_id).links:
        target = resolve(raw, entry_id)
        if target is None:
            problems.append(f"{raw}: no such entry")
        elif target.anchor and target.anchor not in {h.anchor for h in entry(target.entry_id).headings}:
            problems.append(f"{raw}: no heading #{target.anchor} in {target.entry_id}")
    assert not problems, "broken links:\n" + "\n".join(problems)


@pytest.mark.parametrize("entry_id", ALL_IDS, ids=short)
def test_same_page_anchors_resolve(entry_id):
    anchors = {h.anchor for h in entry(entry_id).headings}
    text = re.sub(r"`[^`\n]*`", "", prose(entry_id))
    missing = [a for a in re.findall(r"\]\(#([^)\s]+)\)", text) if a not in anchors]
    assert not missing, f"links to headings that don't exist on this page: {missing}"


@pytest.mark.parametrize("entry_id", ENTRY_IDS, ids=short)
def test_links_to_other_entries(entry_id):
    others = linked_entries(entry_id)
    assert len(others) >= 3, f"links to only {len(others)} other entries, need 3"


NEW_IN_ISSUE_14 = [
    "nexus/about/reference-project",
    "nexus/api/cors-and-csrf",
    "nexus/api/custom-user-model",
    "nexus/api/throttling",
    "nexus/api/versioning",
    "nexus/challenges/common-errors",
    "nexus/cicd/production-checklist",
    "nexus/devops/logging-and-monitoring",
    "nexus/devops/redis",
    "nexus/system-design/performance-optimization",
]


@pytest.mark.parametrize("entry_id", NEW_IN_ISSUE_14, ids=short)
def test_related_entries_link_both_ways(entry_id):
    """An entry links to each entry in its `related` list, and each of them links back."""
    related = entry(entry_id).related
    assert related, "a new entry names its related entries"
    not_linked = [r for r in related if r not in linked_entries(entry_id)]
    no_link_back = [r for r in related if entry_id not in linked_entries(r)]
    assert not not_linked, f"related but not linked from the body: {not_linked}"
    assert not no_link_back, f"related entries that don't link back: {no_link_back}"


GLOSSARY_TERMS = ("CORS", "CSRF", "ASGI / WSGI", "Ack", "Exchange", "Routing key", "Throttling", "Beat")


def test_glossary_links_every_term():
    """Each glossary definition links to the entry that explains it, and the glossary has the terms learners ask for."""
    definitions = re.findall(r"^\*\*(.+?)\*\*(.*)$", entry(f"{ROOT_NAME}/about/glossary").body, re.M)
    unlinked = [term for term, rest in definitions if "](" not in rest and "[[" not in rest]
    assert not unlinked, f"glossary terms without a link: {unlinked}"
    terms = {term for term, _ in definitions}
    missing = [t for t in GLOSSARY_TERMS if not any(d.startswith(t) for d in terms)]
    assert not missing, f"glossary lacks: {missing}"


# --------------------------------------------------------------------------
# The outline of Project Nexus: every item has an entry
# --------------------------------------------------------------------------

# outline item (as the seed writes it) -> (entries that cover it, a phrase each of them contains)
OUTLINE: dict[str, tuple[tuple[str, ...], str]] = {
    "Consolidate key learnings from the ProDev Backend Engineering program":
        (("about/overview", "practices/key-takeaways"), "ProDev"),
    "Document backend technologies, concepts, challenges, and solutions": (("about/overview",), "challenges"),
    "Serve as a reference guide for current and future learners":
        (("about/overview", "about/using-this-knowledge-base"), "reference"),
    "Encourage collaboration between frontend and backend engineers":
        (("about/frontend-collaboration", "practices/collaborate-early-with-frontend"), "frontend"),
    "Python": (("backend/python",), "Python"),
    "Django": (("backend/django",), "Django"),
    "Django REST Framework": (("backend/django-rest-framework",), "Django REST Framework"),
    "GraphQL": (("backend/graphql",), "GraphQL"),
    "PostgreSQL": (("backend/postgresql",), "PostgreSQL"),
    "Docker & Docker Compose": (("devops/docker", "devops/docker-compose"), "Docker"),
    "CI/CD Pipelines (GitHub Actions)": (("devops/github-actions", "cicd/continuous-deployment"), "GitHub Actions"),
    "Celery & RabbitMQ": (("devops/celery", "devops/rabbitmq"), "RabbitMQ"),
    "Postman": (("tools/postman",), "Postman"),
    "Swagger / OpenAPI": (("tools/openapi-swagger",), "OpenAPI"),
    "RESTful API design principles": (("api/rest-design",), "REST"),
    "CRUD operations": (("api/crud",), "CRUD"),
    "Authentication and authorization": (("api/authentication", "api/permissions"), "authorization"),
    "GraphQL for efficient data fetching": (("api/graphql-data-fetching",), "over-fetching"),
    "Relational database modeling": (("database/relational-modelling",), "relationship"),
    "Normalization and constraints": (("database/normalization-and-constraints",), "constraint"),
    "Indexing for performance": (("database/indexing",), "index"),
    "ACID-compliant transactions": (("database/transactions",), "ACID"),
    "Background task processing with Celery": (("async/background-tasks",), "Celery"),
    "Message queues using RabbitMQ": (("async/message-queues",), "RabbitMQ"),
    "Task retries and error handling": (("async/celery-retries",), "retry"),
    "Scalable backend architecture": (("system-design/scalable-architecture",), "scal"),
    "Separation of concerns": (("system-design/separation-of-concerns",), "separation of concerns"),
    "Performance optimization": (("system-design/performance-optimization",), "performance optimization"),
    "Automated testing": (("cicd/automated-testing",), "pytest"),
    "Continuous deployment": (("cicd/continuous-deployment",), "continuous deployment"),
    "Environment variable management": (("cicd/environment-variables",), "environment variable"),
    "Challenge 1: Long-running tasks blocking API requests": (("challenges/long-running-tasks",), "Celery"),
    "Challenge 2: Environment inconsistencies": (("challenges/environment-inconsistencies",), "Docker Compose"),
    "Challenge 3: Database performance issues": (("challenges/database-performance",), "index"),
    "Write clean, readable, and modular code": (("practices/clean-modular-code",), "modular"),
    "Document APIs using Swagger/OpenAPI": (("practices/documenting-apis", "tools/openapi-swagger"), "OpenAPI"),
    "Use Docker for environment consistency": (("practices/docker-for-consistency",), "Docker"),
    "Implement background tasks for scalability": (("practices/background-tasks-for-scalability",), "background task"),
    "Collaborate early with frontend developers": (("practices/collaborate-early-with-frontend",), "frontend"),
    "Follow security best practices": (("practices/security",), "OWASP"),
    "ProDev Backend Engineering learners": (("about/frontend-collaboration", "about/overview"), "backend"),
    "ProDev Frontend Engineering learners": (("about/frontend-collaboration",), "frontend learners"),
    "Discord Channel: #ProDevProjectNexus": (("about/frontend-collaboration", "about/overview"), "Discord"),
}


@pytest.mark.parametrize("item", list(OUTLINE), ids=list(OUTLINE))
def test_outline_item_has_an_entry(item):
    entry_ids, phrase = OUTLINE[item]
    for rel in entry_ids:
        e = library().get(f"{ROOT_NAME}/{rel}")
        assert e is not None, f"{item!r}: no entry {rel}"
        text = f"{e.title}\n{e.summary}\n{e.body}".lower()
        assert phrase.lower() in text, f"{item!r}: {rel} never mentions {phrase!r}"


def seed_items(text: str) -> list[str]:
    """Bullet items and challenge headings of the outline, as written."""
    items = [m.group(1).strip() for m in re.finditer(r"^- (.+)$", text, re.M)]
    items += [m.group(1).strip() for m in re.finditer(r"^### (Challenge \d+: .+)$", text, re.M)]
    return items


def test_outline_table_covers_the_seed():
    """Every item of the original outline is in the table above (skipped where the seed isn't checked out)."""
    if not SEED.is_file():
        pytest.skip(f"outline not found at {SEED}")
    missing = [item for item in seed_items(SEED.read_text(encoding="utf-8")) if item not in OUTLINE]
    assert not missing, f"outline items with no entry in OUTLINE: {missing}"


# --------------------------------------------------------------------------
# One set of names: the reference project (content/about/reference-project.md)
# --------------------------------------------------------------------------

SETTINGS_MODULES = {"config.settings.dev", "config.settings.test", "config.settings.prod"}

# (pattern, why it is rejected), searched in the whole body of every entry
REJECTED_ANYWHERE = [
    (r"POSTGRES_(?:HOST|PORT)\b", "Django reads the database from DATABASE_URL; there is no POSTGRES_HOST/PORT"),
    (r"(?:environ(?:\.get)?\s*[\[(]|env(?:\.\w+)?\()\s*[\"']POSTGRES_", "Django reads DATABASE_URL, not POSTGRES_*"),
    (r"(?<![\w.])SECRET_KEY=", "the environment variable is DJANGO_SECRET_KEY"),
    (r"^\s*SECRET_KEY:", "the environment variable is DJANGO_SECRET_KEY"),
    (r"[\"']SECRET_KEY[\"']", "the environment variable is DJANGO_SECRET_KEY"),
    (r"guest:guest", "the broker user is nexus, never the default guest"),
    (r"RABBITMQ_DEFAULT_USER\W+guest", "the broker user is nexus, never the default guest"),
    (r"@broker:", "the broker's Compose service is called rabbitmq"),
    (r"config\.settings(?![.\w])", "settings modules are config.settings.dev, .test or .prod"),
    (r"(?<!config/)\bsettings/(?:dev|test|prod|base)\.py", "settings modules live in config/settings/"),
]

# the same, searched in code blocks only (prose may name them to warn against them)
REJECTED_IN_CODE = [
    (r"CheckConstraint\(\s*check=", "Django 6.0 removed check=; use condition="),
    (r"check --deploy(?! --fail-level)", "check --deploy exits 0 on warnings without --fail-level WARNING"),
    (r"/var/lib/postgresql/data\b", "PostgreSQL 18 images keep data under /var/lib/postgresql"),
    (r"(?<![\d.:])15672:15672", "publish the management UI on 127.0.0.1 only"),
    (r"\bruff check\b[^\n]*--fix", "CI checks code, it doesn't change it"),
]

URL_FORMS = {
    "amqp": re.compile(r"amqp://nexus:(?:nexus|\*\*)@(?:rabbitmq|localhost):5672//"),
    "postgres": re.compile(r"postgres://(?:nexus:nexus@(?:db|localhost):5432/nexus|build:build@localhost:5432/build)"),
    "redis": re.compile(r"redis://(?:redis:6379/[0-2]|localhost:6379/0)"),
}

VERSIONS = {
    "postgres": "18",
    "rabbitmq": "4",
    "redis": "8",
    "python": "3.12",
    "actions/checkout": "6",
    "actions/setup-python": "6",
    "docker/setup-buildx-action": "4",
    "docker/login-action": "4",
    "docker/build-push-action": "7",
}

IMAGE_RE = re.compile(r"(?:^|[\s`\"])(postgres|rabbitmq|redis|python):(\d{1,2}(?:\.\d{1,2})?)(?![\d/:])", re.M)
ACTION_RE = re.compile(r"\b(actions/checkout|actions/setup-python|docker/[\w-]+-action)@v(\d+)")
CREDENTIAL_RE = re.compile(r"\b(POSTGRES_USER|POSTGRES_DB|RABBITMQ_DEFAULT_USER)\s*[:=]\s*[\"']?([\w$-]+)")
SETTINGS_MODULE_RE = re.compile(r"DJANGO_SETTINGS_MODULE[\"']?\s*[:=,]\s*[\"']?([\w.]+)")


def code_text(entry_id: str) -> str:
    return "\n".join(code for _, code, _ in code_blocks(entry_id))


@pytest.mark.parametrize("entry_id", ALL_IDS, ids=short)
def test_uses_the_reference_names(entry_id):
    body, code = entry(entry_id).body, code_text(entry_id)
    problems = [
        f"{m.group(0)!r}: {why}"
        for pattern, why in REJECTED_ANYWHERE
        for m in re.finditer(pattern, body, re.M)
    ]
    problems += [
        f"{m.group(0)!r} in code: {why}"
        for pattern, why in REJECTED_IN_CODE
        for m in re.finditer(pattern, code, re.M)
    ]
    assert not problems, "names that disagree with the reference project:\n" + "\n".join(problems)


@pytest.mark.parametrize("entry_id", ALL_IDS, ids=short)
def test_urls_credentials_and_settings_modules_agree(entry_id):
    body = entry(entry_id).body
    problems = []
    for scheme, form in URL_FORMS.items():
        for url in re.findall(rf"{scheme}://[^\s`\"')]+", body):
            url = url.rstrip(".,:;")
            if not form.fullmatch(url):
                problems.append(f"{url}: expected {form.pattern}")
    for name, value in CREDENTIAL_RE.findall(body):
        if value not in ("nexus", "$"):
            problems.append(f"{name}={value}: development credentials are nexus")
    for module in SETTINGS_MODULE_RE.findall(body):
        if module not in SETTINGS_MODULES:
            problems.append(f"DJANGO_SETTINGS_MODULE={module}: expected one of {sorted(SETTINGS_MODULES)}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("entry_id", ALL_IDS, ids=short)
def test_versions_are_current(entry_id):
    body = entry(entry_id).body
    found = [(name, version) for name, version in IMAGE_RE.findall(body)]
    found += [(name, version) for name, version in ACTION_RE.findall(body) if name in VERSIONS]
    stale = [f"{name}:{version} (use {VERSIONS[name]})" for name, version in found if version != VERSIONS[name]]
    assert not stale, f"outdated versions: {stale}"


def test_reference_project_defines_the_names():
    """The conventions page itself names every agreed value the checks above enforce."""
    text = entry(f"{ROOT_NAME}/about/reference-project").body
    for required in (
        "DATABASE_URL=postgres://nexus:nexus@db:5432/nexus",
        "CELERY_BROKER_URL=amqp://nexus:nexus@rabbitmq:5672//",
        "REDIS_URL=redis://redis:6379/0",
        "DJANGO_SECRET_KEY",
        *SETTINGS_MODULES,
    ):
        assert required in text, f"reference-project.md does not define {required}"


# --------------------------------------------------------------------------
# Search: learner questions find the right entry (needs the CLI)
# --------------------------------------------------------------------------

QUESTIONS = [
    ("why does my API hang while sending emails", {"challenges/long-running-tasks"}),
    ("works on my machine", {"challenges/environment-inconsistencies"}),
    ("slow database query", {"challenges/database-performance", "database/query-optimization", "database/indexing"}),
    ("retry failed task", {"async/celery-retries"}),
    ("jwt token expired", {"api/jwt"}),
    ("n+1 queries graphql", {"api/graphql-data-fetching"}),
    ("share api contract with frontend", {"about/frontend-collaboration", "practices/collaborate-early-with-frontend"}),
    ("docker compose postgres", {"devops/docker-compose"}),
    ("discord", {"about/frontend-collaboration"}),
    ("cors error", {"api/cors-and-csrf"}),
    ("csrf token missing", {"api/cors-and-csrf", "challenges/common-errors"}),
    ("rate limit login", {"api/throttling"}),
    ("received unregistered task", {"challenges/common-errors"}),
    ("custom user model", {"api/custom-user-model"}),
    ("redis vs rabbitmq", {"devops/redis"}),
    ("deploy django to production", {"cicd/production-checklist", "cicd/continuous-deployment"}),
    ("performance optimization", {"system-design/performance-optimization"}),
    ("api versioning", {"api/versioning"}),
    ("sentry", {"devops/logging-and-monitoring"}),
]


@pytest.fixture(scope="module")
def search_data_dir(tmp_path_factory):
    """Build the search index once for this module, with the CLI."""
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


class TestLearnerQuestions:
    @pytest.mark.parametrize("query,expected", QUESTIONS, ids=[q for q, _ in QUESTIONS])
    def test_question_finds_entry(self, search_data_dir, query, expected):
        found = self._ids(search_data_dir, query, limit=3)
        assert expected & set(found), f"{query!r}: expected one of {sorted(expected)} in the top 3, got {found}"

    def test_selftest_queries_still_hold(self, search_data_dir):
        """`selftest` checks the bundled library with fixed queries; the content must keep them true."""
        from nexus_desktop.selftest import bundled_plan

        plan = bundled_plan()
        for query, expected in plan.known_top.items():
            top = self._ids(search_data_dir, query, limit=1)
            assert top == [short(expected)], f"{query!r}: selftest expects {expected} first, got {top}"
        wrong = [i for i in self._ids(search_data_dir, f"title:{plan.first}", limit=100)
                 if plan.first[:4] not in entry(f"{ROOT_NAME}/{i}").title.lower()]
        assert not wrong, f"title:{plan.first} finds entries whose title lacks it (an alias?): {wrong}"

    @staticmethod
    def _ids(data_dir, query: str, limit: int) -> list[str]:
        out = run_cli("search", query, "--content", str(CONTENT), "--data-dir", str(data_dir),
                      "--json", "--limit", str(limit))
        data = json.loads(out)
        return [short(r["id"]) for r in (data["results"] if isinstance(data, dict) else data)]
