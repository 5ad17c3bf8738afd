"""Search rules: the query language, ranking, snippets, suggestions, paging, bad input, and CJK text."""

from __future__ import annotations

import html
import random
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nexus_desktop.core.index import SearchIndex
from nexus_desktop.core.library import Root, parse_entry, scan, read_entry
from nexus_desktop.core.links import LinkResolver
from nexus_desktop.core.render import Renderer
from nexus_desktop.core.search import BadQuery, Clause, Searcher, parse

PAGES = {
    "docker/docker.md": "---\ntitle: Docker\ntags: [containers]\ncategory: DevOps\n---\n"
                        "Docker runs containers. Install the docker engine first.\n",
    "docker/compose.md": "---\ntitle: Docker Compose\ntags: [containers, yaml]\ncategory: DevOps\n"
                         "aliases: [compose file]\n---\nDefine multi-container apps with compose files. "
                         "Docker is needed.\n",
    "python/asyncio.md": "---\ntitle: Asyncio basics\ntags: [python, async]\ncategory: Python\n---\n"
                         "The event loop runs coroutines. Use await in async functions.\n",
    "python/celery.md": "---\ntitle: Celery\ntags: [python, async]\ncategory: Python\n---\n"
                        "Task queue.\n",
    "python/celery-retries.md": "---\ntitle: Retrying Celery tasks\ntags: [python]\ncategory: Python\n---\n"
                                "Celery retries: celery tasks retry with backoff. Celery celery celery "
                                "workers and celery beat. The loop event is not a phrase here.\n",
    "db/postgres.md": "---\ntitle: PostgreSQL indexes\ntags: [database]\ncategory: Databases\n---\n"
                      "A B-tree index speeds lookups. Vacuum reclaims space.\n",
    "misc/escape.md": "# Escaping\n\nNever paste <script>alert('x')</script> & trust user input in templates.\n",
    "misc/notes.md": "# Random notes\n\nThis page mentions docker once, among install instructions and "
                     "installation steps for an instance.\n",
    "misc/settings.md": "# Editor\n\nOpen **Settings** and choose `*Preferences*`.\n",
}


def build(folder: Path, pages: dict[str, str], name: str = "kb") -> Root:
    for rel, text in pages.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return Root(name, folder)


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("search")
    kb = build(base / "kb", PAGES)
    other = build(base / "other", {"guide.md": "# Guide\n\nA docker guide in another root.\n"}, "other")
    index = SearchIndex(base / "index")
    report = index.update([kb, other])
    assert report.added == len(PAGES) + 1
    s = Searcher(index)
    yield s
    s.close()
    index.close()


def ids(searcher: Searcher, query: str, **kwargs: object) -> list[str]:
    return [h.id for h in searcher.search(query, limit=50, **kwargs).results]


# --- the query language ---------------------------------------------------------------------
def test_partial_matches_are_found_and_say_what_they_lack(searcher: Searcher) -> None:
    assert set(ids(searcher, "docker")) == {"kb/docker/docker", "kb/docker/compose", "kb/misc/notes",
                                            "other/guide"}
    results = searcher.search("docker compose", limit=50)
    assert results.complete == 1 and results.total == 4
    assert results.results[0].id == "kb/docker/compose" and results.results[0].missing == []
    assert all(h.missing == ["compose"] and h.matched == ["docker"] for h in results.results[1:])
    results = searcher.search("docker vacuum", limit=50)
    assert results.complete == 0 and results.total == 5
    assert {tuple(h.missing) for h in results.results} == {("vacuum",), ("docker",)}


def test_plus_makes_a_word_required(searcher: Searcher) -> None:
    assert ids(searcher, "docker +vacuum") == ["kb/db/postgres"]
    assert ids(searcher, "+docker +vacuum") == []


def test_stop_and_question_words_never_decide_a_match(searcher: Searcher) -> None:
    first = searcher.search("how do I retry a failed celery task").results[0]
    assert first.id == "kb/python/celery-retries"
    assert searcher.search("retry the celery tasks").results[0].id == "kb/python/celery-retries"
    assert "how" not in searcher.search("how do I retry tasks").words


def test_stemming_matches_word_forms(searcher: Searcher) -> None:
    assert "kb/python/celery-retries" in ids(searcher, "retrying")
    assert "kb/db/postgres" in ids(searcher, "index")


def test_phrases(searcher: Searcher) -> None:
    assert ids(searcher, '"event loop"') == ["kb/python/asyncio"]
    assert set(ids(searcher, "event loop")) == {"kb/python/asyncio", "kb/python/celery-retries"}


def test_prefix(searcher: Searcher) -> None:
    assert set(ids(searcher, "vacu*")) == {"kb/db/postgres"}
    found = set(ids(searcher, "instal*"))
    assert {"kb/docker/docker", "kb/misc/notes"} <= found


def test_prefix_does_not_overmatch_through_stems(searcher: Searcher) -> None:
    results = searcher.search("instance*", limit=50)
    assert [h.id for h in results.results] == ["kb/misc/notes"]


def test_exclude(searcher: Searcher) -> None:
    found = ids(searcher, "docker -compose")
    assert "kb/docker/compose" not in found
    assert {"kb/docker/docker", "kb/misc/notes"} <= set(found)


def test_or(searcher: Searcher) -> None:
    assert set(ids(searcher, "vacuum OR coroutines")) == {"kb/db/postgres", "kb/python/asyncio"}
    assert set(ids(searcher, "vacuum OR coroutines -lookups")) == {"kb/python/asyncio"}
    grouped = searcher.search("docker vacuum OR coroutines")  # the OR group is required, docker is not
    assert {h.id for h in grouped.results} == {"kb/db/postgres", "kb/python/asyncio"}
    assert all(h.missing == ["docker"] for h in grouped.results)
    lowercase = searcher.search("vacuum or coroutines")  # lowercase `or` is a word (a stop word)
    assert lowercase.complete == 0 and lowercase.words == ["vacuum", "coroutines"]


def test_field_title(searcher: Searcher) -> None:
    found = searcher.search("title:docker", limit=50).results
    assert {h.id for h in found} == {"kb/docker/docker", "kb/docker/compose"}
    assert all("docker" in h.title.lower() for h in found)


def test_field_tag_category_root(searcher: Searcher) -> None:
    assert set(ids(searcher, "tag:async")) == {"kb/python/asyncio", "kb/python/celery"}
    assert set(ids(searcher, "tag:#yaml")) == {"kb/docker/compose"}
    assert set(ids(searcher, "category:python")) == {"kb/python/asyncio", "kb/python/celery",
                                                     "kb/python/celery-retries"}
    assert ids(searcher, "root:other") == ["other/guide"]
    assert ids(searcher, "docker root:other") == ["other/guide"]
    assert ids(searcher, "tag:python -tag:async") == ["kb/python/celery-retries"]


def test_unknown_field_is_searched_as_text(searcher: Searcher) -> None:
    results = searcher.search("nosuchfield:docker")
    assert isinstance(results.total, int)


def test_typo_tolerance(searcher: Searcher) -> None:
    assert "kb/python/asyncio" in ids(searcher, "corutines~")
    assert "kb/python/asyncio" in ids(searcher, "coroutine~")
    assert ids(searcher, "corutines", correct=False) == []


def test_typo_tolerance_for_words_whose_stem_is_themselves(searcher: Searcher) -> None:
    assert "kb/db/postgres" in ids(searcher, "vacuun~")
    assert ids(searcher, "vacuun", correct=False) == []


def test_as_you_type_last_word_is_a_prefix(searcher: Searcher) -> None:
    assert ids(searcher, "dock", correct=False) == []
    assert {"kb/docker/docker", "kb/docker/compose"} <= set(ids(searcher, "dock", as_you_type=True))
    typing = searcher.search("docker comp", as_you_type=True)
    assert typing.results[0].id == "kb/docker/compose" and typing.complete == 1
    assert ids(searcher, "dock ", as_you_type=True) == []


def test_exact_title_first(searcher: Searcher) -> None:
    assert ids(searcher, "celery")[0] == "kb/python/celery"
    assert ids(searcher, "Docker")[0] == "kb/docker/docker"
    assert ids(searcher, "docker compose")[0] == "kb/docker/compose"


def test_exact_alias_first(searcher: Searcher) -> None:
    assert ids(searcher, "compose file")[0] == "kb/docker/compose"


def test_markdown_emphasis_does_not_hide_words(searcher: Searcher) -> None:
    assert ids(searcher, "settings") == ["kb/misc/settings"]
    assert ids(searcher, "preferences") == ["kb/misc/settings"]


# --- results: snippets, suggestions, paging -----------------------------------------------------
def test_snippet_highlights_matches(searcher: Searcher) -> None:
    hit = searcher.search("vacuum").results[0]
    assert "<b>Vacuum</b>" in hit.snippet
    assert hit.title == "PostgreSQL indexes" and hit.root == "kb" and hit.path == "db/postgres.md"
    assert hit.tags == ["database"] and hit.score > 0


def test_snippet_escapes_html_of_the_text(searcher: Searcher) -> None:
    hit = searcher.search("trust").results[0]
    assert hit.id == "kb/misc/escape"
    assert "<b>trust</b>" in hit.snippet
    assert "&amp;" in hit.snippet
    assert re.sub(r"</?b>", "", hit.snippet) == html.escape(html.unescape(re.sub(r"</?b>", "", hit.snippet)))


def test_snippet_shows_raw_html_of_the_page_escaped(searcher: Searcher) -> None:
    hit = searcher.search("script").results[0]
    assert hit.id == "kb/misc/escape"
    assert "&lt;<b>script</b>&gt;" in hit.snippet
    assert "<script" not in hit.snippet


def test_did_you_mean_for_a_typo(searcher: Searcher) -> None:
    assert searcher.search("dokcer", correct=False).total == 0
    assert searcher.search("dokcer", correct=False).suggestion == "docker"
    assert searcher.search("corutines -compose", correct=False).suggestion == "coroutines -compose"
    assert searcher.search("docker").suggestion is None
    assert searcher.search("vacuum").suggestion is None


def test_did_you_mean_for_a_body_word_whose_stem_is_itself(searcher: Searcher) -> None:
    assert searcher.search("vacuun", correct=False).suggestion == "vacuum"


def test_unknown_words_are_respelled_and_their_results_shown(searcher: Searcher) -> None:
    results = searcher.search("celry retrys")
    assert results.corrected == "celery retrys" and results.query == "celry retrys"
    assert results.results[0].id == "kb/python/celery-retries" and results.results[0].missing == []
    assert searcher.search("celery retries").corrected is None
    assert searcher.search("docker", as_you_type=True).corrected is None


def test_very_long_query_is_fast(searcher: Searcher) -> None:
    import time

    started = time.perf_counter()
    results = searcher.search("x" * 5000)
    assert results.total == 0
    assert time.perf_counter() - started < 1.0


def test_no_suggestion_without_a_close_word(searcher: Searcher) -> None:
    assert searcher.search("qqqqzzzz").suggestion is None


def test_limit_and_offset(searcher: Searcher) -> None:
    everything = [h.id for h in searcher.search("root:kb", limit=100).results]
    assert len(everything) == len(PAGES)
    first = searcher.search("root:kb", limit=3)
    assert first.total == len(PAGES) and [h.id for h in first.results] == everything[:3]
    second = searcher.search("root:kb", limit=3, offset=3)
    assert [h.id for h in second.results] == everything[3:6]
    assert searcher.search("root:kb", limit=3, offset=100).results == []


def test_results_json_shape(searcher: Searcher) -> None:
    data = searcher.search("docker").to_json()
    assert set(data) == {"query", "total", "complete", "took_ms", "suggestion", "corrected", "words",
                         "timed_out", "results"}
    assert set(data["results"][0]) == {"id", "title", "root", "path", "score", "snippet", "tags", "matched",
                                       "missing"}


# --- malformed queries ------------------------------------------------------------------------
@pytest.mark.parametrize("query", [
    '"unclosed', "title:", "(((", "*", "-only", "OR", "tag:", "\u200b\ufffd\u0000", "x" * 400,
    ":", "-", '"', "~", '"', "title:\"", "root:", "category:", "-\"x\"", "OR OR OR", "docker OR",
    ")))docker(((", "~~~", "**", "a~9", "tag:*", "title:*", "-*", "\U0001F600", "\u0301\u0301",
    "word " * 300, "title:\"docker", "docker -", "\"\"\"", "é~", "\\", "foo:bar:baz", "+docker",
])
def test_malformed_queries_raise_only_bad_query(searcher: Searcher, query: str) -> None:
    try:
        results = searcher.search(query)
    except BadQuery as exc:
        assert str(exc)
    else:
        assert results.total >= 0
    try:
        searcher.search(query, as_you_type=True)
    except BadQuery:
        pass


def test_unclosed_quote_is_repaired(searcher: Searcher) -> None:
    assert ids(searcher, '"event loop') == ["kb/python/asyncio"]


def test_nothing_to_search_is_a_bad_query(searcher: Searcher) -> None:
    for query in ("", "   ", "title:", "(((", "*", "-only", "OR"):
        with pytest.raises(BadQuery):
            searcher.search(query)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_fuzz_parse_never_raises(text: str) -> None:
    clauses = parse(text)
    assert all(isinstance(c, Clause) for c in clauses)


_QUERY_ALPHABET = st.sampled_from(list('abcdoker -"*~():OR tag title root category 数据库\u00e9\u200b#+\\'))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(max_size=40), st.text(_QUERY_ALPHABET, max_size=40)), st.booleans())
def test_fuzz_search_raises_only_bad_query(searcher: Searcher, text: str, as_you_type: bool) -> None:
    try:
        searcher.search(text, limit=5, as_you_type=as_you_type)
    except BadQuery:
        pass


# --- an Obsidian-style vault with Chinese pages -------------------------------------------------
_HAN = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研质"  # noqa: E501 - a block of real Chinese text
_WORD = "数据"


def _chinese_pages(count: int = 30) -> dict[str, str]:
    rng = random.Random(7)
    han = [c for c in _HAN if c not in _WORD]
    pages: dict[str, str] = {}
    for n in range(count):
        left = "".join(rng.choice(han) for _ in range(rng.randint(0, 6)))
        right = "".join(rng.choice(han) for _ in range(rng.randint(1, 6)))
        filler = "".join(rng.choice(han) for _ in range(rng.randint(20, 80)))
        run = f"{left}{_WORD}{right}"
        pages[f"中文/笔记{n:02d}.md"] = (
            f"---\ntags: [中文]\ncreated: 2024-01-{n % 28 + 1:02d}\n---\n{filler}，{run}。{filler[::-1]}\n"
        )
    pages["中文/数据库设计与数据结构.md"] = "---\naliases: [DB设计]\n---\n数据库设计与数据结构是两门课。\n"
    for n in range(10):  # 数 and 据 apart: these must not match
        pages[f"中文/无关{n}.md"] = f"数字{n}据说是真的，数学很好，根据计划。\n"
    return pages


VAULT_EN = {
    "Welcome.md": "---\ntags: [home]\n---\nStart with [[Docker Compose|compose notes]] and [[数据库设计与数据结构]].\n"
                  "Also [[Deploy Guide#Rolling updates|rolling]] and [[missing page]].\n",
    "Docker Compose.md": "---\naliases: [compose]\n---\nUse volumes. See [[Welcome]].\n",
    "guides/Deploy Guide.md": "---\ntags: [ops]\n---\n## Rolling updates\nSlowly.\n",
}


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("vault")
    root = build(base / "vault", {**VAULT_EN, **_chinese_pages()}, "vault")
    (root.path / ".obsidian").mkdir()
    (root.path / ".obsidian" / "workspace.md").write_text("# hidden\n", encoding="utf-8")
    index = SearchIndex(base / "index")
    index.update([root])
    s = Searcher(index)
    yield root, index, s
    s.close()
    index.close()


def test_vault_titles_come_from_file_names(vault) -> None:
    root, index, _ = vault
    titles = {item.id: item.title for item in index.catalog()}
    assert titles["vault/Welcome"] == "Welcome"
    assert titles["vault/Docker Compose"] == "Docker Compose"
    assert titles["vault/guides/Deploy Guide"] == "Deploy Guide"
    assert titles["vault/中文/笔记03"] == "笔记03"
    assert "vault/.obsidian/workspace" not in titles


def test_vault_wikilinks_render_as_entry_links(vault) -> None:
    root, index, _ = vault
    renderer = Renderer(LinkResolver.from_refs(index.entry_refs()), root_paths={"vault": root.path})
    stat = scan([root]).files["vault/Welcome"]
    out = renderer.render(read_entry(stat)).html
    assert '<a class="wikilink" href="entry:vault/Docker Compose">compose notes</a>' in out
    assert '<a class="wikilink" href="entry:vault/中文/数据库设计与数据结构">数据库设计与数据结构</a>' in out
    assert '<a class="wikilink" href="entry:vault/guides/Deploy Guide#rolling-updates">rolling</a>' in out
    assert 'class="broken-link"' in out and "missing page" in out


def test_vault_alias_and_title_search(vault) -> None:
    _, _, s = vault
    assert [h.id for h in s.search("compose").results][0] == "vault/Docker Compose"
    assert [h.id for h in s.search("Deploy Guide").results][0] == "vault/guides/Deploy Guide"


def test_two_character_chinese_word_found_in_at_least_90_percent(vault) -> None:
    _, index, s = vault
    containing = {item.id for item in index.catalog() if item.id.startswith("vault/中文/")
                  and _WORD in (read_entry(scan([vault[0]]).files[item.id]).body + item.title)}
    assert len(containing) >= 30
    results = s.search(_WORD, limit=200)
    found = {h.id for h in results.results}
    assert len(found & containing) >= 0.9 * len(containing), (len(found & containing), len(containing))
    assert not any(i.startswith("vault/中文/无关") for i in found)
    assert any(f"<b>{_WORD}</b>" in h.snippet for h in results.results)


def test_chinese_word_inside_a_run_as_you_type_and_phrase(vault) -> None:
    _, _, s = vault
    assert "vault/中文/数据库设计与数据结构" in {h.id for h in s.search("数据结构", limit=200).results}
    assert len(s.search(_WORD, limit=200, as_you_type=True).results) >= 27
    assert [h.id for h in s.search("数据库设计与数据结构", limit=5).results][0] == \
        "vault/中文/数据库设计与数据结构"


def test_parse_entry_keeps_chinese_file_name_title(tmp_path: Path) -> None:
    root = build(tmp_path / "v", {"数据/设计.md": "---\ntags: [x]\n---\n正文\n"}, "v")
    entry = read_entry(scan([root]).files["v/数据/设计"])
    assert entry.title == "设计" and entry.id == "v/数据/设计"
    assert parse_entry is not None


def test_words_before_the_one_being_typed_are_respelled(searcher: Searcher) -> None:
    results = searcher.search("celry retr", as_you_type=True)
    assert results.corrected == "celery retr" and results.results[0].id == "kb/python/celery-retries"
    assert searcher.search("celery dokc", as_you_type=True).corrected is None  # the last word is unfinished


def test_a_completion_ranks_below_the_word_as_typed(tmp_path: Path) -> None:
    pages = {"tar.md": "# tar\n\nArchive files with tar.\n",
             **{f"target{i}.md": f"# target {i}\n\nSet the target target target.\n" for i in range(5)}}
    index = SearchIndex(tmp_path / "index")
    index.update([build(tmp_path / "kb", pages)])
    s = Searcher(index)
    try:
        typed = s.search("tar", as_you_type=True)
        assert [h.id for h in typed.results][0] == "kb/tar"
        snippet = typed.results[0].snippet
        assert "target" not in typed.terms or snippet.count("<b>") == snippet.count("<b>tar")
        assert "<b>target" not in s.search("tar").results[0].snippet
    finally:
        s.close()
        index.close()


def test_identifier_parts_and_british_spellings_are_found(tmp_path: Path) -> None:
    pages = {"drf.md": "# DRF auth\n\nUse `rest_framework_simplejwt.authentication.JWTAuthentication` "
                       "and `django_filters.rest_framework.DjangoFilterBackend`, with select_related().\n",
             "perf.md": "# Speed\n\nOptimize the colour of queries; analyze them.\n"}
    index = SearchIndex(tmp_path / "index")
    index.update([build(tmp_path / "kb", pages)])
    s = Searcher(index)
    try:
        for query in ("JWTAuthentication", "jwt authentication", "DjangoFilterBackend", "select related",
                      "select_related", "simplejwt"):
            assert [h.id for h in s.search(query).results][:1] == ["kb/drf"], query
            assert s.search(query).results[0].missing == []
        for query in ("optimise", "optimisation", "color", "analyse"):
            assert [h.id for h in s.search(query).results] == ["kb/perf"], query
    finally:
        s.close()
        index.close()


def test_snippets_read_as_text() -> None:
    from nexus_desktop.core.highlight import WordMatcher
    from nexus_desktop.core.snippets import make_snippet

    text = ("## Options\nMore information: <https://www.gnu.org/software/tar>.\n\n> [!warning] Careful\n"
            "| flag | meaning |\n|---|---|\n| `-x` | extract |\n\n- Extract an archive:\n\n`tar xf {{path/to/file}}`\n")
    snippet = make_snippet(text, WordMatcher(["extract"]))
    assert "[!warning]" not in snippet and "|" not in snippet and "{{" not in snippet and "https" not in snippet
    assert "path/to/file" in snippet and "<b>extract</b>" in snippet.lower()
    from nexus_desktop.core.snippets import readable

    assert readable("## Manual retries\nCall self.retry()") == "Manual retries. Call self.retry()"


def test_pathological_queries_stay_under_a_second(searcher: Searcher) -> None:
    import time

    for query in ["a* " * 400, "tar~2 " * 300, " ".join(f"w{i}~2" for i in range(200)), "x " * 2000,
                  "(" * 500 + "docker" + ")" * 500, '"' * 300]:
        started = time.perf_counter()
        try:
            searcher.search(query)
        except BadQuery:
            pass
        assert time.perf_counter() - started < 1.0, query[:30]


def test_a_search_past_its_time_limit_shows_what_it_found_and_says_so(searcher: Searcher,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from nexus_desktop.core import search as search_module

    monkeypatch.setattr(search_module, "TIME_LIMIT_S", -1.0)  # every read is past the limit
    results = searcher.search("docker containers")
    assert results.timed_out and results.total == 0
    assert searcher.search("dock* insta*").timed_out  # completions are reads too
    monkeypatch.undo()
    assert not searcher.search("docker containers").timed_out


def test_a_field_restriction_narrows_what_the_words_find(searcher: Searcher) -> None:
    """`root:kb docker` is the kb entries with docker, not every kb entry ranked by docker."""
    assert set(ids(searcher, "root:kb docker")) == {"kb/docker/docker", "kb/docker/compose", "kb/misc/notes"}
    assert set(ids(searcher, "category:python celery")) == {"kb/python/celery", "kb/python/celery-retries"}
    assert ids(searcher, "root:kb nosuchword") == []
    assert len(ids(searcher, "root:kb")) == len(PAGES)  # a restriction alone keeps all it names


def test_a_required_word_keeps_every_entry_with_it_the_others_rank(searcher: Searcher) -> None:
    found = ids(searcher, "+celery retries")
    assert set(found) == {"kb/python/celery", "kb/python/celery-retries"}
    assert found[0] == "kb/python/celery-retries"


def test_past_the_time_limit_an_excluded_word_still_excludes(searcher: Searcher,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The limit passes after the first posting list: fewer entries may match, never an excluded one."""
    from nexus_desktop.core import search as search_module

    looks: list[bool] = []

    def over(clock: object) -> bool:
        looks.append(True)
        return len(looks) > 1

    monkeypatch.setattr(search_module._Clock, "over", over)
    found = ids(searcher, "docker -compose", correct=False, suggest=False)
    assert found and "kb/docker/compose" not in found
    assert set(ids(searcher, "root:other docker", correct=False, suggest=False)) <= {"other/guide"}


def test_a_required_word_ranks_the_entries_without_the_other_words_by_how_well_they_match(
        searcher: Searcher) -> None:
    """`+docker compose`: the entries without `compose` are ordered by their docker score (the page
    titled Docker before a page mentioning docker once), not all scored 0."""
    found = ids(searcher, "+docker compose")
    assert found[:2] == ["kb/docker/compose", "kb/docker/docker"]
    assert all(h.score > 0 for h in searcher.search("+docker compose").results)


def test_a_root_prefix_restricts_to_the_roots_whose_name_starts_so(searcher: Searcher) -> None:
    assert set(ids(searcher, "root:oth* docker")) == {"other/guide"}
    assert len(ids(searcher, "root:k*")) == len(PAGES)
    assert ids(searcher, "root:zz* docker") == []


def test_past_the_time_limit_no_spelling_is_looked_for(searcher: Searcher, monkeypatch: pytest.MonkeyPatch) -> None:
    """Respelling and "did you mean" read the vocabulary too: a search already over its time answers at once."""
    from nexus_desktop.core import search as search_module

    monkeypatch.setattr(search_module, "TIME_LIMIT_S", -1.0)
    results = searcher.search("dokcer containrs")
    assert results.timed_out and results.corrected is None and results.suggestion is None
