"""The analyzer's lean path (`_terms`: indexing and queries) gives the terms and positions its general
loop gives, for every analyzer the index uses: the two are separate code and must not drift apart."""

from __future__ import annotations

import random

import pytest

from nexus_desktop.core.analysis import PROSE_STEMMED, PROSE_UNSTEMMABLE, STEMMED, UNSTEMMED, NexusAnalyzer

WORDS = ["the", "a", "how", "do", "I", "retry", "retries", "Retrying", "failed", "tasks", "select_related",
         "JWTAuthentication", "rest_framework.authentication", "tar.gz", "optimise", "colour", "Docker",
         "HTTP2", "ipv6", "42", "café", "naïve", "日本語の文書", "ドッカー", "e.g.", "don't", "x86_64",
         "running", "ran", "is", "was", "being", "CamelCaseWord", "{{path/to/file}}", "<https://example.com>"]


def _texts(count: int) -> list[str]:
    rng = random.Random(7)
    return [" ".join(rng.choice(WORDS) + rng.choice(["", ",", ".", ";", " -", "\n"])
                     for _ in range(rng.randint(0, 30))) for _ in range(count)]


@pytest.mark.parametrize("analyzer", [STEMMED, UNSTEMMED, PROSE_STEMMED, PROSE_UNSTEMMABLE],
                         ids=["stemmed", "unstemmed", "prose", "prose-unstemmable"])
@pytest.mark.parametrize("mode", ["index", "query"])
def test_the_lean_path_gives_what_the_general_loop_gives(analyzer: NexusAnalyzer, mode: str) -> None:
    for text in _texts(1000):
        for positions in (False, True):
            lean = [(t.text, t.pos if positions else None)
                    for t in analyzer(text, positions=positions, mode=mode)]
            general = [(t.text, t.pos if positions else None)  # keeporiginal takes the general loop
                       for t in analyzer(text, positions=positions, mode=mode, keeporiginal=True)]
            assert lean == general, (text, positions)
