"""The readable line length: margins that keep about 80 characters a line, centred."""

from __future__ import annotations

import pytest

from nexus_desktop.core.render.layout import MIN_MARGIN, READABLE_CHARS, readable_margin


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
