"""Entry ids (`ROOT/relative/path`): one spelling for each entry, whatever way it was written."""

from __future__ import annotations


def canonical_entry_id(entry: str) -> str:
    """One spelling per entry: `lib/./a/../x` and `lib//x` are `lib/x` (bookmarks, tabs and links store
    ids). An id whose `..` would climb out of its root is left as it is: it names no entry. The last
    part is a file name, never a folder step: `common/.` is the page of the `.` command (`..md`)."""
    root, _, rel = entry.partition("/")
    folders, _, name = rel.rstrip("/").rpartition("/")
    parts: list[str] = []
    for part in folders.split("/") if folders else []:
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return entry
            parts.pop()
        else:
            parts.append(part)
    return "/".join([root, *parts, name]) if name else entry
