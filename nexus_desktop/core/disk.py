"""What the window watches on disk: the library's folders, and the stamp that tells a file changed."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

MAX_WATCHED_FOLDERS = 2000


def library_folders(root_paths: Iterable[Path | str], limit: int = MAX_WATCHED_FOLDERS) -> list[str]:
    """The root folders and their non-hidden subfolders (symbolic links not followed), at most `limit`."""
    out: list[str] = []
    for root in root_paths:
        stack = [str(root)]
        while stack and len(out) < limit:
            folder = stack.pop()
            out.append(folder)
            try:
                with os.scandir(folder) as it:
                    for child in it:
                        if not child.name.startswith(".") and child.is_dir(follow_symlinks=False):
                            stack.append(child.path)
            except OSError:
                continue
    return out


def file_stamp(path: Path) -> str:
    """`mtime_ns:size` as the index stores it for an entry file (library.FileStat.stamp); "" when unreadable."""
    try:
        info = path.stat()
    except OSError:
        return ""
    return f"{info.st_mtime_ns}:{info.st_size}"


def changed_folder(path: str) -> str:
    """The folder to re-index for a watcher event on `path` (a file's folder; a folder or a vanished path itself)."""
    return path if os.path.isdir(path) or not os.path.exists(path) else os.path.dirname(path)
