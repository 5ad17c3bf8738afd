"""Big entries in steps: where a body can be cut so that its parts, rendered alone, join to the whole."""

from __future__ import annotations

import re

from nexus_desktop.core.render.source import fenced_lines

FIRST_PART_MIN_CHARS = 40_000  # a body this long can be shown in steps: its first screens, then the rest
FIRST_PART_CHARS = 12_000      # about the first screens: the rest starts at the next heading after this
TOC_MARKER = "[TOC]"             # Python-Markdown's table of contents marker
REST_PIECE_CHARS = 16_000      # the rest comes in pieces of about this much Markdown (~40 ms to add each)

_ATX_HEADING = re.compile(r"#{1,6}[ \t]")
_REFERENCE_DEFINITION = re.compile(r" {0,3}\[[^\]\n]+\]:[ \t]*\S")


def split_first_part(body: str, first_chars: int = FIRST_PART_CHARS,
                     min_chars: int = FIRST_PART_MIN_CHARS) -> tuple[str, str, str] | None:
    """A big body's Markdown cut in two where rendering each part alone gives the whole's HTML: at the
    first heading after `first_chars` that starts a block (column 0, after a blank line, outside fenced
    code). Returns (first part, rest, reference definitions: render each part with them appended).
    None when the body is small, has footnotes (numbered across the whole entry), a [TOC] (of the
    whole entry) or no such heading."""
    if len(body) < min_chars or "[^" in body or TOC_MARKER in body:
        return None
    cut, offset, blank_before = None, 0, True
    definitions: list[str] = []
    lines = body.splitlines(keepends=True)
    for line, fenced in zip(lines, fenced_lines(lines), strict=True):
        if fenced:
            pass
        elif cut is None and offset >= first_chars and blank_before and _ATX_HEADING.match(line):
            cut = offset
        elif _REFERENCE_DEFINITION.match(line):
            definitions.append(line if line.endswith("\n") else line + "\n")
        blank_before = not fenced and not line.strip()
        offset += len(line)
    if cut is None:
        return None
    shared = "\n\n" + "".join(dict.fromkeys(definitions)) if definitions else ""
    return body[:cut], body[cut:], shared
