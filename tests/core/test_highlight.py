"""One search-term pattern for snippets, rendered pages and the viewer."""

from __future__ import annotations

import re

import pytest

from nexus_desktop.core.highlight import hit_colours, terms_pattern, terms_regex


def found(terms: list[str], text: str) -> list[str]:
    regex = terms_regex(terms)
    return [m.group() for m in regex.finditer(text)] if regex else []


def test_word_terms_match_word_starts_case_insensitively() -> None:
    assert found(["dock"], "Docker, docked; undock") == ["Docker", "docked"]


def test_cjk_terms_match_anywhere_in_a_run() -> None:
    assert found(["数据"], "数据库设计与数据结构") == ["数据", "数据"]
    assert found(["データ"], "ビッグデータ分析") == ["データ"]
    assert found(["한국"], "대한민국한국어") == ["한국"]  # Hangul: as CJK, no word start needed


def test_longest_term_first_and_duplicates_merged() -> None:
    assert terms_pattern(["a", "abc", "abc", ""]) == r"\babc\w*|\ba\w*"
    assert found(["a", "abc"], "abcd") == ["abcd"]


def test_special_characters_are_literal() -> None:
    assert found(["c++"], "c++ and c") == ["c++"]
    assert terms_regex([]) is None


def test_the_pattern_is_valid_pcre_for_the_viewer() -> None:
    pattern = terms_pattern(["c++", "数据", "what's"])
    assert re.compile(pattern)  # Python; QRegularExpression is checked in the UI tests with the same text
    assert "(?" not in pattern  # no Python-only syntax


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_hit_colours_differ_by_theme(scheme: str) -> None:
    assert hit_colours(scheme) != hit_colours("dark" if scheme == "light" else "light")
    assert hit_colours("unknown") == hit_colours("light")
