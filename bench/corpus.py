"""The benchmark corpora: tldr-pages from ../shared/corpora (extracted once), or a synthetic one."""

from __future__ import annotations

import os
import random
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# The tldr-pages archive: $NEXUS_TLDR_ARCHIVE, else beside the checkout (the workplace keeps corpora there).
TLDR_ARCHIVE = Path(os.environ.get("NEXUS_TLDR_ARCHIVE") or REPO.parent / "shared" / "corpora" / "tldr-pages.tar.gz")
CACHE = REPO / "bench" / ".cache"

_WORDS = ("archive compress extract file directory list show create delete remove copy move network "
          "process server client user group permission container image volume build run test deploy "
          "query index search database table column row transaction commit branch merge").split()


def tldr_root() -> Path | None:
    """`tldr/` extracted under bench/.cache (None when the archive is absent)."""
    target = CACHE / "tldr"
    if (target / "pages").is_dir():
        return target
    if not TLDR_ARCHIVE.is_file():
        return None
    CACHE.mkdir(parents=True, exist_ok=True)
    with tarfile.open(TLDR_ARCHIVE) as archive:
        archive.extractall(CACHE, filter="data")
    return target


def synthetic(count: int, seed: int = 7) -> Path:
    """A folder of `count` tldr-shaped pages made of common words (when the real corpus is absent)."""
    target = CACHE / f"synthetic-{count}"
    if target.is_dir():
        return target
    rng = random.Random(seed)
    for i in range(count):
        folder = target / f"group{i % 20}"
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{rng.choice(_WORDS)}-{i}"
        lines = [f"# {name}", "", f"> {' '.join(rng.choices(_WORDS, k=12))}.", ""]
        for _ in range(rng.randint(3, 8)):
            description = " ".join(rng.choices(_WORDS, k=8)).capitalize()
            lines += [f"- {description}:", "", f"`{name} --{rng.choice(_WORDS)}`", ""]
        (folder / f"{name}.md").write_text("\n".join(lines), encoding="utf-8")
    return target


def corpora(which: str) -> dict[str, list[Path]]:
    """Named lists of content folders: 'english' (7.4k pages), 'all' (38k pages), or synthetic stand-ins."""
    root = tldr_root()
    if root is None:
        print(f"note: {TLDR_ARCHIVE} not found; using synthetic corpora")
        sets = {"english": [synthetic(7400)], "all": [synthetic(38000)]}
    else:
        sets = {"english": [root / "pages"], "all": sorted(p for p in root.iterdir() if p.name.startswith("pages"))}
    return {name: dirs for name, dirs in sets.items() if which in (name, "both")}


def markdown_files(dirs: list[Path]) -> list[Path]:
    return sorted(p for d in dirs for p in d.rglob("*.md"))
