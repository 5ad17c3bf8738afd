"""Shared test setup: Qt runs offscreen; temp data folders and a small content folder of entries."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before any Qt module loads
NET_GUARD = Path(__file__).resolve().parent / "netguard"  # its sitecustomize refuses Internet sockets
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(NET_GUARD), os.environ.get("PYTHONPATH", "")) if p)

import socket

import pytest

from nexus_desktop.core.bookmarks import BookmarkStore
from nexus_desktop.core.userdb import open_user_db

TAR = """\
---
title: tar
tags: [archive, compression]
category: Tools
summary: Archiving utility.
aliases: [tape archive]
---

# tar

Create and extract archives. See also [gzip](gzip.md) and [[Callouts]].
Tagged #archive. Web: [the manual](https://www.gnu.org/software/tar/manual/),
[mail the author](mailto:someone@example.org), [an ftp mirror](ftp://ftp.example.org/tar),
[a local file](file:///etc/passwd), [a broken link](missing-page.md).

## Options

| Option | Meaning |
| :--- | ---: |
| `-c` | create |
| `-x` | extract |

```bash
tar -czf archive.tar.gz folder/
```

{paragraphs}

## Last section

The end of the tar page.
"""


def _paragraphs(word: str, count: int = 40) -> str:
    return "\n\n".join(f"Paragraph {i} about {word} archives and folders, long enough to wrap "
                       "onto a second line in a narrow window so the page can scroll." for i in range(count))


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs offline: creating an AF_INET/AF_INET6 socket fails (child processes started by
    tests import the same guard as their sitecustomize, from PYTHONPATH)."""
    from tests.netguard.sitecustomize import guarded_init

    monkeypatch.setattr(socket.socket, "__init__", guarded_init)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[BookmarkStore]:
    """A bookmark store in a fresh user database under a temp data folder."""
    db = open_user_db(tmp_path / "data")
    yield BookmarkStore(db)
    db.close()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A library root `kb` with entries kb/tar, kb/gzip, kb/notes/callouts (a table, code, a callout, links)."""
    root = tmp_path / "kb"
    (root / "notes").mkdir(parents=True)
    (root / "tar.md").write_text(TAR.replace("{paragraphs}", _paragraphs("tar")), encoding="utf-8")
    (root / "gzip.md").write_text(textwrap.dedent("""\
        ---
        title: gzip
        tags: [compression]
        ---

        # gzip

        Compress files. Back to [tar](tar.md#options).

        """) + _paragraphs("gzip", 30), encoding="utf-8")
    (root / "notes" / "callouts.md").write_text(textwrap.dedent("""\
        # Callouts

        > [!warning] Careful
        > Extracting an archive can overwrite files.

        Some text after the callout.
        """), encoding="utf-8")
    return root


def _mount(*args: str) -> bool:
    import subprocess

    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


@contextmanager
def read_only_folder(path: Path) -> Iterator[None]:
    """Make a folder read-only for this process, root included: a read-only bind mount when we may
    mount (root), else removing the write permissions (which root would ignore: then the test skips)."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        if not (_mount("--bind", str(path), str(path)) and _mount("-o", "remount,bind,ro", str(path))):
            _mount_cleanup(path)
            pytest.skip("cannot make a read-only bind mount here")
        try:
            yield
        finally:
            _mount_cleanup(path)
        return
    modes = {p: p.stat().st_mode for p in [path, *path.rglob("*")] if p.is_dir()}
    for folder in modes:
        folder.chmod(0o555)
    try:
        yield
    finally:
        for folder, mode in modes.items():
            folder.chmod(mode)


def _mount_cleanup(path: Path) -> None:
    import subprocess

    subprocess.run(["umount", "-l", str(path)], capture_output=True)  # lazy: never left mounted


@contextmanager
def small_disk(path: Path, size: str = "2m") -> Iterator[Path]:
    """A tmpfs of `size` mounted on `path` (a full disk made real); skips where mounting is not allowed."""
    path.mkdir(parents=True, exist_ok=True)
    if not (hasattr(os, "geteuid") and os.geteuid() == 0 and _mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                                                                       str(path))):
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        yield path
    finally:
        _mount_cleanup(path)
