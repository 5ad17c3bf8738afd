"""Page layout the viewer applies to rendered pages: the readable line length (a measure, centred), and
column widths that let data tables wrap between words.

QTextBrowser has no max-width, and a width in the HTML cannot follow the window or the zoom, so the viewer
applies the measure after setHtml and on resize/zoom: text blocks and one-cell tables (code blocks,
callouts, embeds) get `readable_margin` at each side; so do data tables that fit the measure unwrapped,
and the others keep MIN_MARGIN, centred. The page keeps
Qt's default wrap mode (at word boundaries, inside a word only when one does not fit the line), so a long
code line or word never widens the page; QTextOption.WordWrap would keep words whole in table cells but let
any longer word push the page sideways. Instead data tables get `table_column_widths`: every column at
least as wide as its longest word, like a browser's automatic table layout.
"""

from __future__ import annotations

READABLE_CHARS = 80   # Obsidian's "readable line length" is ~700 px of 16 px text: about 75-90 characters
MIN_MARGIN = 8        # px at each side when the window is narrower than the measure


def readable_margin(viewport_width: int, char_width: float, enabled: bool = True,
                    chars: int = READABLE_CHARS) -> int:
    """The left and right margin (px) that keeps lines of text at about `chars` average characters,
    centred in a viewport; MIN_MARGIN when it is off or the viewport is narrower than that. The viewer
    sets it on its document's root frame when the viewport or the zoom changes (no re-render needed)."""
    if not enabled or char_width <= 0:
        return MIN_MARGIN
    return max(MIN_MARGIN, round((viewport_width - chars * char_width) / 2))


def table_column_widths(longest_words: list[float], naturals: list[float], available: float) -> list[float] | None:
    """Widths (px) for a table's columns in `available` px, from each column's longest word and its
    natural width (its longest cell unwrapped), as a browser's automatic table layout does: None when
    the natural widths fit (nothing wraps); else each column gets its longest word plus a share of the
    rest in proportion to how much it would like to grow; when even the words do not fit, the words."""
    naturals = [max(n, w) for n, w in zip(naturals, longest_words, strict=False)]
    if sum(naturals) <= available:
        return None
    spare = available - sum(longest_words)
    growth = [n - w for n, w in zip(naturals, longest_words, strict=False)]
    if spare <= 0 or sum(growth) <= 0:
        return list(longest_words)
    return [w + spare * g / sum(growth) for w, g in zip(longest_words, growth, strict=False)]
