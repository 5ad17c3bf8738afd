"""The library: roots (folders of Markdown), scanning them, and reading entries."""

from __future__ import annotations

import codecs
import datetime
import os
import re
import stat as stat_module
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath

import yaml
from markdown.extensions.toc import slugify_unicode, unique

from nexus_desktop.core.entry_ids import canonical_entry_id

MARKDOWN_SUFFIXES = (".md", ".markdown")
MAX_READ_BYTES = 5 * 1024 * 1024
BUNDLED_ROOT = "nexus"
MAX_FRONT_MATTER_CHARS = 64 * 1024
MAX_YAML_ALIASES = 16
MAX_YAML_DEPTH = 32
MAX_YAML_NODES = 10_000  # values in the front matter once aliases are expanded
BINARY_SAMPLE = 8192
BINARY_CONTROL_SHARE = 0.1  # more control bytes than this in the first 8 KB: not text

# How a file was read, when not as it is: the index tells the user (each one names the file).
CUT_WARNING = "larger than 5 MB: only the first 5 MB are indexed"
NUL_WARNING = "contains NUL bytes: only its readable text is indexed"
CP1252_WARNING = "not UTF-8: read as Windows-1252 (Latin-1)"
REPLACED_WARNING = "not valid UTF-8: undecodable bytes replaced"
UTF16_WARNING = "UTF-16 text: read as such"
READ_WARNINGS = frozenset({CUT_WARNING, NUL_WARNING, CP1252_WARNING, REPLACED_WARNING, UTF16_WARNING})

_FENCE_RE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_ATX_HEADING_RE = re.compile(r"^\s{0,3}(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
_SETEXT_RE = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_INLINE_CODE_RE = re.compile(r"(`+)(?:.+?)\1")
_HASH_WORD_RE = re.compile(r"#[^\W\d_]")  # starts with a literal: a fast first check for any tag
_TAG_RE = re.compile(r"(?<![\w&#/\\\]\[(])#([^\W\d_][\w/-]*)", re.UNICODE)
_MD_LINK_RE = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'(][^)]*)?\)")
_WIKILINK_RE = re.compile(r"!?\[\[([^\[\]|#]*)(#[^\[\]|]*)?(?:\|([^\[\]]*))?\]\]")


@dataclass(frozen=True)
class Root:
    """A folder of Markdown in the library, known by a short unique name."""

    name: str
    path: Path


@dataclass(frozen=True)
class FileStat:
    """What a scan learns about one entry file without reading it."""

    id: str
    root: str
    path: Path
    rel_path: str
    mtime_ns: int
    size: int

    @property
    def stamp(self) -> str:
        return f"{self.mtime_ns}:{self.size}"


@dataclass(frozen=True)
class Skipped:
    """A file that was not indexed, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class Heading:
    """A heading of an entry: level 1-6, its text and the anchor the renderer gives it."""

    level: int
    text: str
    anchor: str


@dataclass
class Entry:
    """One Markdown file of the library, parsed."""

    id: str
    root: str
    path: Path
    rel_path: str
    title: str
    body: str
    tags: list[str] = field(default_factory=list)
    category: str = ""
    summary: str = ""
    aliases: list[str] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    front_matter: dict[str, object] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    mtime_ns: int = 0
    size: int = 0

    @property
    def stamp(self) -> str:
        return f"{self.mtime_ns}:{self.size}"

    @cached_property
    def links(self) -> list[str]:
        """Outgoing link targets (worked out when asked: indexing doesn't need them)."""
        return extract_links(self.body)


@dataclass
class ScanResult:
    """Every entry file found under the roots, plus the files left out."""

    files: dict[str, FileStat] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)


class EntryError(Exception):
    """An entry file could not be read at all (vanished, unreadable, binary)."""


def root_name_for(path: Path, taken: Iterable[str] = ()) -> str:
    """A short unique root name from a folder name: `~/My Notes` -> `my-notes`."""
    base = re.sub(r"[^\w.-]+", "-", path.name.strip().lower()).strip("-.") or "root"
    taken = set(taken)
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    return name


def roots_from_dirs(dirs: Iterable[str | os.PathLike[str]]) -> list[Root]:
    """Roots for `--content DIR ...`: each named after its folder, made unique."""
    roots: list[Root] = []
    for raw in dirs:
        path = Path(raw).expanduser().resolve()
        roots.append(Root(root_name_for(path, (r.name for r in roots)), path))
    return roots


def entry_id(root: str, rel_path: str) -> str:
    """`ROOT/relative/path` without the Markdown suffix, POSIX slashes (string work: a scan makes one
    per file, and PurePosixPath's parsing was most of a scan's time)."""
    name_start = rel_path.rfind("/") + 1
    dot = rel_path.rfind(".")
    stem = rel_path[:dot] if name_start < dot < len(rel_path) - 1 else rel_path
    return f"{root}/{stem}"


def is_markdown(name: str) -> bool:
    """`x.md` or `x.markdown` (any case); a bare `.md` has no name and is not an entry."""
    lower = name.lower()
    return any(lower.endswith(suffix) and len(lower) > len(suffix) for suffix in MARKDOWN_SUFFIXES)


def scan(roots: Iterable[Root]) -> ScanResult:
    """Walk every root; hidden folders are left out, symlink loops and vanished files skipped with a reason."""
    result = ScanResult()
    for root in roots:
        if not root.path.is_dir():
            result.skipped.append(Skipped(str(root.path), "library folder not found"))
            continue
        for stat in _walk_root(root, result.skipped):
            if stat.id in result.files:
                result.skipped.append(Skipped(str(stat.path), f"same id as {result.files[stat.id].path.name}"))
            else:
                result.files[stat.id] = stat
    return result


def scan_folder(root: Root, folder: Path) -> ScanResult:
    """The Markdown files in one folder of a root and below it (ids relative to the root, as scan gives)."""
    result = ScanResult()
    if folder.is_dir():
        for stat in _walk_root(root, result.skipped, start=folder):
            result.files.setdefault(stat.id, stat)
    return result


def roots_below(roots: Iterable[Root], folder: Path) -> list[tuple[Root, Path]]:
    """(root, where to read from) for every root with files at or below `folder`: the folder itself
    in the roots that hold it, the whole root for roots inside it (roots may nest)."""
    found = []
    for root in roots:
        if folder == root.path or root.path in folder.parents:
            found.append((root, folder))
        elif folder in root.path.parents:
            found.append((root, root.path))
    return found


def _walk_root(root: Root, skipped: list[Skipped], start: Path | None = None) -> Iterator[FileStat]:
    inside = _inside_check(root.path)
    seen_dirs: set[tuple[int, int]] = set()
    stack: list[Path] = [start or root.path]
    while stack:
        folder = stack.pop()
        try:
            folder_stat = folder.stat()
        except OSError as exc:
            skipped.append(Skipped(str(folder), f"unreadable folder: {exc.strerror or exc}"))
            continue
        key = (folder_stat.st_dev, folder_stat.st_ino)
        if key in seen_dirs:
            skipped.append(Skipped(str(folder), "symlink loop"))
            continue
        seen_dirs.add(key)
        try:
            children = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            skipped.append(Skipped(str(folder), f"unreadable folder: {exc.strerror or exc}"))
            continue
        subfolders: list[Path] = []
        for child in children:
            if child.name.startswith(".") and not is_markdown(child.name):
                continue
            found = _stat_child(root, child, subfolders, skipped, inside)
            if found is not None:
                yield found
        stack.extend(reversed(subfolders))


def _inside_check(folder: Path) -> Callable[[str], bool]:
    """Whether a path, links resolved, lies in this folder (links resolved too)."""
    real = os.path.realpath(folder)
    prefix = real.rstrip(os.sep) + os.sep

    def inside(path: str) -> bool:
        target = os.path.realpath(path)
        return target == real or target.startswith(prefix)

    return inside


def _file_kind(mode: int) -> str:
    kinds = ((stat_module.S_ISFIFO, "a named pipe"), (stat_module.S_ISSOCK, "a socket"),
             (stat_module.S_ISCHR, "a character device"), (stat_module.S_ISBLK, "a block device"))
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def _stat_child(root: Root, child: os.DirEntry[str], subfolders: list[Path],
                skipped: list[Skipped], inside: Callable[[str], bool]) -> FileStat | None:
    path = Path(child.path)
    try:
        info = child.stat()
    except FileNotFoundError:
        reason = "broken symlink" if child.is_symlink() else "vanished during scan"
        if is_markdown(child.name):
            skipped.append(Skipped(str(path), reason))
        return None
    except OSError as exc:
        skipped.append(Skipped(str(path), f"unreadable: {exc.strerror or exc}"))
        return None
    if child.is_symlink() and not inside(child.path):  # never follow a link out of its root
        if is_markdown(child.name) or stat_module.S_ISDIR(info.st_mode):
            skipped.append(Skipped(str(path), "symlink to outside the library folder"))
        return None
    if stat_module.S_ISDIR(info.st_mode):
        if not child.name.startswith("."):  # hidden folders (.git, .obsidian); hidden files like `..md` count
            subfolders.append(path)
        return None
    if not is_markdown(child.name):
        return None
    if not stat_module.S_ISREG(info.st_mode):
        skipped.append(Skipped(str(path), f"not a regular file ({_file_kind(info.st_mode)})"))
        return None
    rel = _relative(child.path, root.path)
    return FileStat(entry_id(root.name, rel), root.name, path, rel, info.st_mtime_ns, info.st_size)


def _relative(path: str, folder: Path) -> str:
    """`path` below `folder` as a POSIX relative path (a scanned path starts with its root's folder)."""
    prefix = str(folder).rstrip(os.sep) + os.sep
    if path.startswith(prefix):
        return path[len(prefix):].replace(os.sep, "/")
    return Path(path).relative_to(folder).as_posix()


def read_bytes(path: Path, limit: int | None = MAX_READ_BYTES) -> bytes:
    """Up to `limit` + 1 bytes of a regular file (None: all of it); a pipe or device is refused without
    blocking on it. Raises EntryError."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            if not stat_module.S_ISREG(mode):
                raise EntryError(f"not a regular file ({_file_kind(mode)})")
            return handle.read() if limit is None else handle.read(limit + 1)
    except FileNotFoundError as exc:
        raise EntryError("vanished before it could be read") from exc
    except OSError as exc:
        raise EntryError(f"unreadable: {exc.strerror or exc}") from exc


def read_entry(stat: FileStat) -> Entry:
    """Read and parse one entry file; raises EntryError when it can't be read at all."""
    warnings: list[str] = []
    raw = read_bytes(stat.path)
    if len(raw) > MAX_READ_BYTES:
        raw = _cut_at_char_boundary(raw[:MAX_READ_BYTES])
        warnings.append(CUT_WARNING)
    text = decode_markdown(raw, warnings)
    return parse_entry(stat, text, warnings)


def _cut_at_char_boundary(raw: bytes) -> bytes:
    """Drop a UTF-8 sequence left incomplete by cutting the bytes (not a decoding error of the file)."""
    for back in range(1, min(4, len(raw)) + 1):
        byte = raw[-back]
        if byte & 0xC0 != 0x80:  # the lead byte of the last sequence (or ASCII)
            needed = 2 if byte & 0xE0 == 0xC0 else 3 if byte & 0xF0 == 0xE0 else 4 if byte & 0xF8 == 0xF0 else 1
            return raw[:-back] if needed > back else raw
    return raw


def decode_markdown(raw: bytes, warnings: list[str]) -> str:
    """The text of a Markdown file's bytes: UTF-8 (or UTF-16 with its mark); text that has no valid
    UTF-8 sequence beyond ASCII is read as Windows-1252/Latin-1; NUL bytes become spaces. Raises
    EntryError for binary data. How the bytes were read is added to `warnings`."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        warnings.append(UTF16_WARNING)
        return _normalise(raw.decode("utf-16", errors="replace"))
    if b"\x00" in raw:
        sample = raw[:BINARY_SAMPLE]
        controls = sum(1 for byte in sample if byte < 9 or 13 < byte < 27 or 27 < byte < 32)
        if controls > BINARY_CONTROL_SHARE * len(sample):
            raise EntryError("binary file, not Markdown")
        raw = raw.replace(b"\x00", b" ")
        warnings.append(NUL_WARNING)
    try:
        return _normalise(raw.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    text = raw.decode("utf-8", errors="replace")
    if len(_NON_ASCII_DECODED_RE.findall(text)) >= text.count("\ufffd"):
        warnings.append(REPLACED_WARNING)  # UTF-8 with some damage: keep what decodes
        return _normalise(text)
    warnings.append(CP1252_WARNING)
    try:
        return _normalise(raw.decode("cp1252"))
    except UnicodeDecodeError:  # the five bytes Windows-1252 leaves undefined
        return _normalise(raw.decode("latin-1"))


_NON_ASCII_DECODED_RE = re.compile("[^\x00-\x7f\ufffd]")


def _normalise(text: str) -> str:
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def parse_entry(stat: FileStat, text: str, warnings: list[str] | None = None) -> Entry:
    """Build an Entry from the text of its file."""
    warnings = list(warnings or [])
    meta, body = split_front_matter(text, warnings)
    headings = extract_headings(body)
    title = _text(meta.get("title")) or _first_h1(headings) or PurePosixPath(stat.rel_path).stem
    tags = _unique([t.lstrip("#").lower() for t in _str_list(meta.get("tags"))] + extract_tags(body))
    return Entry(
        id=stat.id, root=stat.root, path=stat.path, rel_path=stat.rel_path, title=title, body=body,
        tags=tags, category=_text(meta.get("category")), summary=_text(meta.get("summary")),
        aliases=_str_list(meta.get("aliases")), related=_str_list(meta.get("related")),
        headings=headings, front_matter=meta, warnings=warnings,
        mtime_ns=stat.mtime_ns, size=stat.size,
    )


def split_front_matter(text: str, warnings: list[str]) -> tuple[dict[str, object], str]:
    """Split YAML front matter off the body; bad YAML gives a warning and no metadata."""
    if not text.startswith("---\n"):
        return {}, text
    end = re.search(r"^(?:---|\.\.\.)[ \t]*$", text[4:], re.MULTILINE)
    if end is None:
        warnings.append("front matter is not closed by a '---' line")
        return {}, text
    block, body = text[4:4 + end.start()], text[4 + end.end():].lstrip("\n")
    if len(block) > MAX_FRONT_MATTER_CHARS:
        warnings.append(f"front matter is larger than {MAX_FRONT_MATTER_CHARS // 1024} KB: ignored")
        return {}, body
    try:
        meta = _load_yaml(block) if block.strip() else {}
    except _FrontMatterTooBig as exc:
        warnings.append(f"front matter {exc}: ignored")
        return {}, body
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        warnings.append(f"front matter is not valid YAML{where}: ignored")
        return {}, body
    if meta is None:
        return {}, body
    if not isinstance(meta, dict):
        warnings.append("front matter is not a mapping of keys to values: ignored")
        return {}, body
    try:
        budget = [MAX_YAML_NODES]
        return {str(k): _plain(v, budget) for k, v in meta.items()}, body
    except _FrontMatterTooBig as exc:
        warnings.append(f"front matter {exc}: ignored")
        return {}, body


class _FrontMatterTooBig(yaml.YAMLError):
    """Front matter beyond the bounds (aliases, nesting, values): the file's, never the library's problem."""


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader with a bound on aliases and nesting (a 400-byte alias bomb expands to gigabytes)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliases = 0
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_YAML_ALIASES:
                raise _FrontMatterTooBig(f"uses more than {MAX_YAML_ALIASES} aliases")
        self.depth += 1
        try:
            if self.depth > MAX_YAML_DEPTH:
                raise _FrontMatterTooBig(f"is nested more than {MAX_YAML_DEPTH} levels deep")
            return super().compose_node(parent, index)  # type: ignore[arg-type]
        finally:
            self.depth -= 1


def _load_yaml(block: str) -> object:
    loader = _BoundedLoader(block)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def _plain(value: object, budget: list[int], depth: int = 0) -> object:
    """YAML values made JSON-friendly (dates become ISO strings); at most MAX_YAML_NODES values and
    MAX_YAML_DEPTH levels (aliases may repeat a value many times, or hold themselves)."""
    budget[0] -= 1
    if budget[0] < 0:
        raise _FrontMatterTooBig(f"holds more than {MAX_YAML_NODES} values")
    if depth > MAX_YAML_DEPTH:
        raise _FrontMatterTooBig(f"is nested more than {MAX_YAML_DEPTH} levels deep")
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v, budget, depth + 1) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v, budget, depth + 1) for k, v in value.items()}
    return value


def _text(value: object) -> str:
    if value is None or isinstance(value, (list, dict)):
        return ""
    return str(value).strip()


def _str_list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        items: list[object] = [v for v in re.split(r"[,\n]", value)]
    elif isinstance(value, list):
        items = value
    else:
        items = [value]
    return _unique([str(v).strip() for v in items if v is not None and not isinstance(v, (list, dict))])


def _unique(items: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        if item and item not in seen:
            seen[item] = None
    return list(seen)


def prose_lines(body: str) -> Iterator[tuple[int, str]]:
    """(line number, line) for every line outside fenced code blocks."""
    fence: str | None = None
    for number, line in enumerate(body.split("\n")):
        match = _FENCE_RE.match(line)
        if match:
            marker = match.group(1)
            if fence is None:
                fence = marker[0] * len(marker)
                continue
            if marker.startswith(fence):
                fence = None
                continue
        if fence is None:
            yield number, line


_ATX_ANY_RE = re.compile(r"^[ ]{0,3}(#{1,6})[ \t]+([^\n]*)", re.MULTILINE)  # closing #s: _atx_text
_UNDERLINE_RE = re.compile(r"^[ ]{0,3}(=+|-+)[ \t]*$", re.MULTILINE)


def prose_text(body: str) -> str:
    """The body with fenced code blocks blanked (lines kept, so positions stay comparable)."""
    if "```" not in body and "~~~" not in body:
        return body
    lines = body.split("\n")
    keep = {number for number, _ in prose_lines(body)}
    return "\n".join(line if number in keep else "" for number, line in enumerate(lines))


def _atx_text(text: str) -> str:
    """An ATX heading's text without its optional closing run of #s (`## Title ##`)."""
    text = text.strip()
    if text.endswith("#"):
        text = re.sub(r"(^|[ \t])#+$", "", text).strip()
    return text


def extract_headings(body: str) -> list[Heading]:
    """ATX and setext headings outside code, with the anchors Python-Markdown's toc gives them."""
    prose = prose_text(body)
    found: list[tuple[int, int, str]] = []
    if "#" in prose:
        found += [(m.start(), len(m.group(1)), _atx_text(m.group(2))) for m in _ATX_ANY_RE.finditer(prose)]
    for m in _UNDERLINE_RE.finditer(prose):
        line_start = prose.rfind("\n", 0, max(0, m.start() - 1)) + 1
        previous = prose[line_start:max(line_start, m.start() - 1)]
        if previous.strip() and not previous.startswith((" " * 4, "\t", ">", "-", "*", "#")):
            found.append((line_start, 1 if m.group(1)[0] == "=" else 2, previous.strip()))
    headings: list[Heading] = []
    used: set[str] = set()
    for _, level, text in sorted(found):
        plain = heading_plain_text(text)
        headings.append(Heading(level, plain, unique(slugify_unicode(plain, "-"), used)))
    return headings


def heading_plain_text(text: str) -> str:
    """Heading text without Markdown emphasis, code ticks or link syntax."""
    if not any(mark in text for mark in "[*_`"):
        return text.strip()
    text = re.sub(r"\[\[([^\]|]*\|)?([^\]]*)\]\]", r"\2", text)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[*_`]+", "", text).strip()


def _first_h1(headings: list[Heading]) -> str:
    return next((h.text for h in headings if h.level == 1), "")


def extract_tags(body: str) -> list[str]:
    """`#tags` written in prose (not in code, not heading markers)."""
    if not _HASH_WORD_RE.search(body):
        return []
    prose = _INLINE_CODE_RE.sub(" ", prose_text(body))
    return _unique(m.group(1).lower().rstrip("/-") for m in _TAG_RE.finditer(prose))


def extract_links(body: str) -> list[str]:
    """Outgoing link targets: relative Markdown links as written, wikilinks as `[[Target#Heading]]`."""
    links: list[str] = []
    for _, line in prose_lines(body):
        line = _INLINE_CODE_RE.sub(" ", line)
        for match in _MD_LINK_RE.finditer(line):
            target = match.group(1)
            if not re.match(r"^[a-zA-Z][\w+.-]*:", target) and not target.startswith("#"):
                links.append(target)
        for match in _WIKILINK_RE.finditer(line):
            links.append(f"[[{match.group(1).strip()}{match.group(2) or ''}]]")
    return _unique(links)


def find_file(roots: Iterable[Root], entry: str) -> FileStat | None:
    """The file of one entry id, found without scanning the whole library."""
    entry = canonical_entry_id(entry)
    root_name, _, rel = entry.partition("/")
    for root in roots:
        if root.name != root_name or not rel:
            continue
        for suffix in MARKDOWN_SUFFIXES:
            path = root.path / f"{rel}{suffix}"
            if _inside(path, root.path) and path.is_file():
                info = path.stat()
                return FileStat(entry, root.name, path, f"{rel}{suffix}", info.st_mtime_ns, info.st_size)
    return None


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except (ValueError, OSError):
        return False
    return True
