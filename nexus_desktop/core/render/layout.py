"""Page layout the viewer applies to rendered pages: the readable line length (a measure, centred).

QTextBrowser has no max-width, and a width in the HTML cannot follow the window or the zoom, so the viewer
applies the measure after setHtml and on resize/zoom: text blocks and one-cell tables (code blocks,
callouts, embeds) get `readable_margin` at each side; data tables keep MIN_MARGIN, centred, so that with
the QTextOption.WordWrap mode they wrap between words without overflowing the measure.
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
