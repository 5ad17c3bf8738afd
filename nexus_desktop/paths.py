"""Where things live: bundled content and resources, per-user data and cache folders."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NamedTuple

APP_NAME = "nexus-desktop"
DATA_DIR_ENV = "NEXUS_DESKTOP_DATA_DIR"


def bundle_dir() -> Path:
    """The folder holding `content/` and `resources/`: the PyInstaller bundle or the source tree."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root)
    return Path(__file__).resolve().parent.parent


def content_dir() -> Path:
    """The bundled Project Nexus knowledge base."""
    return bundle_dir() / "content"


def resources_dir() -> Path:
    """Icons, content style sheets and desktop metadata."""
    return bundle_dir() / "resources"


class DataFolderError(OSError):
    """The data folder (or the cache folder in it) can't be used: the message names the path and why."""


def _unusable(folder: Path, exc: OSError) -> DataFolderError:
    """The error for a folder that could not be made, naming the file that stands in the way if any."""
    for path in (folder, *folder.parents):
        if path.exists() and not path.is_dir():
            return DataFolderError(f"cannot use the data folder {path}: it is a file, not a folder")
    return DataFolderError(f"cannot use the data folder {folder}: {exc.strerror or exc}")


class UserDirs(NamedTuple):  # not a dataclass: this module is on the launch path, dataclasses costs ~20 ms
    """Per-user folders: `data` holds the user database, `cache` holds the search index."""

    data: Path
    cache: Path

    @property
    def indexes(self) -> Path:
        """Where the search indexes live (one folder per library)."""
        return self.cache / "index"

    def ensure(self) -> "UserDirs":
        """Create the folders; DataFolderError (one message naming the path) when they can't be."""
        for folder in (self.data, self.cache):
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise _unusable(folder, exc) from exc
        return self


def user_dirs(data_dir: str | os.PathLike[str] | None = None) -> UserDirs:
    """Folders for this run: `--data-dir`, else $NEXUS_DESKTOP_DATA_DIR, else platformdirs."""
    chosen = data_dir or os.environ.get(DATA_DIR_ENV)
    if chosen:
        root = Path(chosen).expanduser().resolve()
        return UserDirs(data=root, cache=root / "cache")
    import platformdirs  # only when no folder was given

    return UserDirs(
        data=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        cache=Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
    )


def icon_path(size: int | None = None) -> Path:
    """The application icon: the SVG source, or the rendered PNG of this size (16, 32, 48, 64, 128, 256)."""
    icons = resources_dir() / "icons"
    return icons / (f"nexus-{size}.png" if size else "nexus.svg")
