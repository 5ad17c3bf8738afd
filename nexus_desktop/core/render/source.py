"""Facts about Markdown source lines that pre-passes need: which lines are fenced code."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence

_FENCE = re.compile(r"(`{3,}|~{3,})")
_CLOSING_FENCE = re.compile(r"(`{3,}|~{3,}) *\n?$")


def fenced_lines(lines: Sequence[str]) -> Iterator[bool]:
    """For each line, whether it belongs to a fenced code block (its fences included), as Python-Markdown's
    fenced_code sees them: a fence at the start of a line, closed by the same fence; an opening fence
    that is never closed is not one."""
    closings: dict[str, list[int]] = {}
    for number, line in enumerate(lines):
        if (closing := _CLOSING_FENCE.match(line)) is not None:
            closings.setdefault(closing.group(1), []).append(number)
    fence = ""
    for number, line in enumerate(lines):
        if fence:
            yield True
            fence = "" if line.rstrip() == fence else fence
        elif (opening := _FENCE.match(line)) is not None and _closed_after(closings, opening.group(1), number):
            fence = opening.group(1)
            yield True
        else:
            yield False


def _closed_after(closings: dict[str, list[int]], fence: str, number: int) -> bool:
    later = closings.get(fence, [])
    return bisect_right(later, number) < len(later)
