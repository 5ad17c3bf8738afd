"""Tests for the quick-open fuzzy matcher."""

from __future__ import annotations

import random
import time

from nexus_desktop.core.fuzzy import FuzzyMatcher, score_match


def names(matches):
    return [m.name for m in matches]


def test_subsequence_required():
    assert score_match("dkr", "docker") is not None
    assert score_match("xyz", "docker") is None
    assert score_match("rd", "docker") is None  # order matters


def test_exact_beats_prefix_beats_word_start_beats_scattered():
    m = FuzzyMatcher([["Docker compose"], ["Docker"], ["Using docker"], ["d-o-c-k-e-r tips"],
                      ["Dockerfile best practices"]])
    ranked = names(m.search("docker"))
    assert ranked[0] == "Docker"
    assert ranked.index("Docker compose") < ranked.index("Using docker") < ranked.index("d-o-c-k-e-r tips")


def test_word_starts_rank_acronyms():
    m = FuzzyMatcher([["Idle disk checks"], ["Docker compose"], ["abdc"]])
    assert names(m.search("dc"))[0] == "Docker compose"


def test_consecutive_characters_rank_higher():
    m = FuzzyMatcher([["p-o-s-t-g-r-e-s"], ["postgres"]])
    assert names(m.search("post")) == ["postgres", "p-o-s-t-g-r-e-s"]


def test_aliases_match_and_report_the_item_once():
    m = FuzzyMatcher([["Celery retries", "task retry", "backoff"], ["Retry budget"]])
    res = m.search("backoff")
    assert [(r.index, r.name, r.is_alias) for r in res] == [(0, "backoff", True)]
    res = m.search("retr")
    assert sorted(r.index for r in res) == [0, 1]


def test_title_beats_equal_alias():
    m = FuzzyMatcher([["Other", "Queue"], ["Queue"]])
    assert [r.index for r in m.search("queue")] == [1, 0]


def test_spaces_and_case_are_ignored_for_matching():
    m = FuzzyMatcher([["Git Commit"], ["Gitk"]])
    assert names(m.search("  GIT  com "))[0] == "Git Commit"
    assert names(m.search("gitcom")) == ["Git Commit"]


def test_empty_query_and_no_match():
    m = FuzzyMatcher([["Alpha"]])
    assert m.search("") == []
    assert m.search("zzz") == []


def test_typing_on_and_backspacing_give_the_same_results_as_fresh():
    words = ["docker", "compose", "python", "django", "celery", "retry", "index", "search"]
    rnd = random.Random(3)
    items = [[" ".join(rnd.choice(words) for _ in range(rnd.randint(1, 3)))] for _ in range(500)]
    typed = FuzzyMatcher(items)
    for q in ["d", "dj", "dja", "djan", "dj", "p", "py", "pyc"]:
        fresh = FuzzyMatcher(items).search(q, limit=500)
        assert [r.index for r in typed.search(q, limit=500)] == [r.index for r in fresh]


def test_positions_point_at_matched_characters():
    m = FuzzyMatcher([["Docker Compose"]])
    (r,) = m.search("dcomp")
    assert "".join(r.name.lower()[p] for p in r.positions) == "dcomp"


def test_ranks_38k_titles_fast_per_keystroke():
    rnd = random.Random(7)
    syllables = ["do", "ck", "er", "py", "th", "on", "ce", "le", "ry", "gi", "t", "com", "pose", "su",
                 "ka", "mi", "zu", "ne", "bo", "xa", "rg", "vi", "fa", "lu", "ws", "qe", "ji", "ho"]
    items = [[" ".join("".join(rnd.choice(syllables) for _ in range(rnd.randint(1, 4)))
                       for _ in range(rnd.randint(1, 3)))] for _ in range(38_000)]
    m = FuzzyMatcher(items)
    best: dict[str, float] = {}
    for _ in range(3):  # best of three: CPU time of this process, robust to a busy machine
        m.search("zzzz")  # forget the previous query: the first keystroke scans everything
        for q in ["d", "do", "doc", "dock", "docke", "p", "py", "pyt", "g", "gi", "git", "git c"]:
            start = time.process_time()
            m.search(q)
            best[q] = min(best.get(q, 1.0), time.process_time() - start)
    times = sorted(best.values())
    # Generous for CI; bench/ measures the real budget (< 50 ms per keystroke).
    assert times[len(times) // 2] < 0.05
    assert times[-1] < 0.15


def test_acronyms_survive_a_flood_of_candidates():
    # 5000 names with "dc" inside a word: far more than are scored in full for a short query.
    items = [[f"a{'x' * (i % 7)}dc{i}"] for i in range(5_000)] + [["Docker Compose"]]
    m = FuzzyMatcher(items)
    assert m.search("dc", limit=10)[0].name == "Docker Compose"
