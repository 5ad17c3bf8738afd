"""Colours of rendered pages that must be inline (QTextBrowser ignores much of CSS): light and dark."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Palette:
    """Colours the rendered HTML needs inline (QTextBrowser ignores much of CSS)."""

    name: str
    pygments_style: str
    code_background: str
    callout_backgrounds: dict[str, str]
    muted: str
    hit_background: str = "#ffe97a"  # a search match (the viewer's highlight colours, per theme)
    hit_text: str = "#1f2328"        # its text, unless it is a link or code (they keep their colour)


LIGHT = Palette(
    "light", "friendly", "#f3f4f6",
    {"note": "#e8f0fe", "info": "#e8f0fe", "tip": "#e6f4ea", "success": "#e6f4ea", "question": "#f3e8fd",
     "warning": "#fef7e0", "caution": "#fef7e0", "danger": "#fce8e6", "bug": "#fce8e6", "example": "#f3e8fd",
     "quote": "#f1f3f4", "abstract": "#e6f4f1", "todo": "#e8f0fe", "failure": "#fce8e6", "important": "#f3e8fd"},
    "#5f6368",
)
DARK = Palette(
    "dark", "github-dark", "#161b22",
    {"note": "#1c2b41", "info": "#1c2b41", "tip": "#1d3326", "success": "#1d3326", "question": "#2d2240",
     "warning": "#3b3018", "caution": "#3b3018", "danger": "#3f1f1f", "bug": "#3f1f1f", "example": "#2d2240",
     "quote": "#262a30", "abstract": "#1b3333", "todo": "#1c2b41", "failure": "#3f1f1f", "important": "#2d2240"},
    "#9aa0a6", "#6b5512", "#fff6d0",
)
PALETTES = {p.name: p for p in (LIGHT, DARK)}
