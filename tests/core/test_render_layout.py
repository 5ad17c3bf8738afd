"""The readable line length: margins that keep about 80 characters a line, centred."""

from __future__ import annotations

import pytest

from nexus_desktop.core.render.layout import MIN_MARGIN, READABLE_CHARS, readable_margin, table_column_widths


@pytest.mark.parametrize(("viewport", "char_width"), [(1600, 8.0), (1200, 7.0), (2560, 9.5)])
def test_a_wide_viewport_centres_a_measure_of_about_80_characters(viewport: int, char_width: float) -> None:
    margin = readable_margin(viewport, char_width)
    line_chars = (viewport - 2 * margin) / char_width
    assert 75 <= line_chars <= 90
    assert margin > MIN_MARGIN


def test_a_narrow_viewport_or_the_switch_off_uses_the_whole_width() -> None:
    assert readable_margin(500, 8.0) == MIN_MARGIN
    assert readable_margin(1600, 8.0, enabled=False) == MIN_MARGIN
    assert readable_margin(1600, 0.0) == MIN_MARGIN


def test_zooming_in_keeps_the_measure_in_characters() -> None:
    for char_width in (6.0, 8.0, 11.0):
        margin = readable_margin(2000, char_width)
        assert round((2000 - 2 * margin) / char_width) == READABLE_CHARS


def test_table_columns_that_fit_unwrapped_are_left_to_the_viewer() -> None:
    assert table_column_widths([50, 40], [120, 200], 400) is None


def test_every_column_keeps_its_longest_word_and_shares_the_rest_by_what_it_would_wrap() -> None:
    widths = table_column_widths([180, 40, 90], [180, 40, 700], 420)
    assert widths is not None and widths[0] == 180 and widths[1] == 40   # nothing to wrap: as wide as its text
    assert abs(sum(widths) - 420) < 1e-6 and widths[2] > 90


def test_when_even_the_words_do_not_fit_each_column_is_its_longest_word() -> None:
    assert table_column_widths([200, 150], [400, 300], 300) == [200, 150]
