"""Export and import bookmarks as our own versioned JSON or as XBEL 1.0, chosen by file suffix."""

from __future__ import annotations

import json
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from nexus_desktop.core.bookmarks import (
    Bookmark, BookmarkStore, FolderNode, NewBookmark, ProgressFn, ReconcileReport, now_iso)
from nexus_desktop.core.userdb import UserDataError

FORMAT_NAME = "nexus-bookmarks"
FORMAT_VERSION = 1
ENTRY_SCHEME = "nexus:"
SEARCH_SCHEME = "nexus-search:"
XBEL_DOCTYPE = ('<!DOCTYPE xbel PUBLIC "+//IDN python.org//DTD XML Bookmark Exchange Language '
                '1.0//EN//XML" "http://pyxml.sourceforge.net/topics/dtds/xbel.dtd">')
SUFFIXES = (".json", ".xbel")
MAX_IMPORT_BYTES = 50 * 1024 * 1024
MAX_IMPORT_ITEMS = 100_000  # bookmarks and folders in one file
MAX_FOLDER_DEPTH = 64
# Characters XML 1.0 cannot carry at all (not even as character references).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


class BookmarkFileError(UserDataError):
    """A bookmark file is unusable: unknown suffix, unreadable, or malformed (message says where)."""


@dataclass
class ParsedFile:
    """Everything read from an import file, validated, before anything is written."""

    items: list[NewBookmark] = field(default_factory=list)
    folders: list[tuple[str, ...]] = field(default_factory=list)
    folder_created: dict[tuple[str, ...], str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ImportResult:
    """What an import did: bookmarks added, duplicates skipped, folders created, foreign links."""

    added: int
    duplicates: int
    folders_created: int
    skipped: tuple[str, ...] = ()


def file_format(path: Path) -> str:
    """'json' or 'xbel' from the suffix; BookmarkFileError for anything else."""
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise BookmarkFileError(
            f"{Path(path).name}: unknown bookmark file type {suffix or '(no suffix)'!r}; "
            "use .json or .xbel")
    return suffix[1:]


# ----- export ------------------------------------------------------------------------------

def export_bookmarks(store: BookmarkStore, path: Path) -> int:
    """Write every folder and bookmark to `path` (.json or .xbel); returns the bookmark count."""
    path = Path(path)
    fmt = file_format(path)
    tree = store.tree()
    data = to_json_text(tree).encode("utf-8") if fmt == "json" else to_xbel_bytes(tree)
    _write_atomic(path, data)
    return sum(1 for _ in tree.walk())


def to_json_obj(tree: FolderNode) -> dict[str, Any]:
    """The tree as our versioned JSON structure."""
    return {"format": FORMAT_NAME, "version": FORMAT_VERSION, "exported": now_iso(),
            "folders": [_folder_json(n) for n in tree.folders],
            "bookmarks": [bookmark_json(b) for b in tree.bookmarks]}


def to_json_text(tree: FolderNode) -> str:
    """to_json_obj() serialised (UTF-8 text, indented)."""
    return json.dumps(to_json_obj(tree), ensure_ascii=False, indent=2) + "\n"


def _folder_json(node: FolderNode) -> dict[str, Any]:
    assert node.folder is not None
    return {"name": node.folder.name, "created": node.folder.created,
            "folders": [_folder_json(n) for n in node.folders],
            "bookmarks": [bookmark_json(b) for b in node.bookmarks]}


def bookmark_json(b: Bookmark) -> dict[str, Any]:
    """One bookmark as a JSON object (also used by `bookmarks list --json`)."""
    out: dict[str, Any] = {"kind": b.kind}
    if b.kind == "search":
        out["query"] = b.query
    else:
        out["id"] = b.entry_id
        out["anchor"] = b.anchor
    out.update({"title": b.title, "note": b.note, "created": b.created, "updated": b.updated})
    return out


def to_xbel_bytes(tree: FolderNode) -> bytes:
    """The tree as an XBEL 1.0 document (UTF-8)."""
    root = ET.Element("xbel", {"version": "1.0"})
    ET.SubElement(root, "title").text = "Nexus bookmarks"
    _xbel_fill(root, tree)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode").replace("\r", "&#13;")
    text = f'<?xml version="1.0" encoding="UTF-8"?>\n{XBEL_DOCTYPE}\n{body}\n'
    return text.encode("utf-8")


def _xml_text(text: str) -> str:
    return _XML_INVALID.sub("\ufffd", text)


def _xbel_fill(parent: ET.Element, node: FolderNode) -> None:
    for sub in node.folders:
        assert sub.folder is not None
        el = ET.SubElement(parent, "folder", {"added": sub.folder.created})
        ET.SubElement(el, "title").text = _xml_text(sub.folder.name)
        _xbel_fill(el, sub)
    for b in node.bookmarks:
        el = ET.SubElement(parent, "bookmark", {"href": bookmark_href(b), "added": b.created,
                                                "modified": b.updated})
        ET.SubElement(el, "title").text = _xml_text(b.title)
        if b.note:
            ET.SubElement(el, "desc").text = _xml_text(b.note)


def bookmark_href(b: Bookmark) -> str:
    """`nexus:ENTRY_ID#anchor` for an entry, `nexus-search:QUERY` for a saved search."""
    if b.kind == "search":
        return SEARCH_SCHEME + quote(b.query or "", safe="")
    href = ENTRY_SCHEME + quote(b.entry_id or "", safe="/")
    return href + ("#" + quote(b.anchor, safe="") if b.anchor else "")


def _write_atomic(path: Path, data: bytes) -> None:
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise UserDataError(f"cannot write {path}: {exc.strerror or exc}") from exc


# ----- import ------------------------------------------------------------------------------

def import_bookmarks(store: BookmarkStore, path: Path,
                     progress: ProgressFn | None = None) -> ImportResult:
    """Merge a .json or .xbel file into the store: validated first, then ONE transaction."""
    parsed = read_bookmark_file(path)
    result = store.merge(parsed.items, parsed.folders, parsed.folder_created, progress)
    return ImportResult(result.added, result.duplicates, result.folders_created,
                        tuple(parsed.skipped))


def read_bookmark_file(path: Path) -> ParsedFile:
    """Read and validate a bookmark file without touching the store."""
    path = Path(path)
    fmt = file_format(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_IMPORT_BYTES + 1)
    except OSError as exc:
        raise BookmarkFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return parse_json(data, path.name) if fmt == "json" else parse_xbel(data, path.name)


def _check_size(data: bytes | str, source: str) -> None:
    if len(data) > MAX_IMPORT_BYTES:
        raise BookmarkFileError(f"{source}: larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB: "
                                "not a bookmark file this application imports")


def _check_nesting(path: tuple[str, ...], source: str) -> None:
    if len(path) > MAX_FOLDER_DEPTH:
        raise BookmarkFileError(f"{source}: folders nested more than {MAX_FOLDER_DEPTH} levels deep")


def _check_count(out: ParsedFile, source: str) -> None:
    if len(out.items) + len(out.folders) > MAX_IMPORT_ITEMS:
        raise BookmarkFileError(f"{source}: more than {MAX_IMPORT_ITEMS:,} bookmarks and folders")


def parse_json(data: bytes | str, source: str = "bookmarks.json") -> ParsedFile:
    """Validate our JSON format; BookmarkFileError says what is wrong and where."""
    _check_size(data, source)
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
        obj = json.loads(text)
    except UnicodeDecodeError as exc:
        raise BookmarkFileError(f"{source}: not UTF-8 text (byte {exc.start})") from exc
    except RecursionError as exc:
        raise BookmarkFileError(f"{source}: nested too deeply to be a bookmark file") from exc
    except json.JSONDecodeError as exc:
        raise BookmarkFileError(
            f"{source}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from exc
    if not isinstance(obj, dict):
        raise BookmarkFileError(f"{source}: expected a JSON object at the top level")
    if obj.get("format") != FORMAT_NAME:
        raise BookmarkFileError(
            f"{source}: 'format' is {obj.get('format')!r}, expected {FORMAT_NAME!r}")
    if obj.get("version") != FORMAT_VERSION:
        raise BookmarkFileError(f"{source}: unsupported version {obj.get('version')!r} "
                                f"(this application reads version {FORMAT_VERSION})")
    out = ParsedFile()
    _json_folder_body(obj, (), source, "", out)
    return out


def _json_folder_body(obj: dict[str, Any], path: tuple[str, ...], source: str, where: str,
                      out: ParsedFile) -> None:
    folders = _json_list(obj, "folders", source, where)
    for i, f in enumerate(folders):
        loc = f"{where}folders[{i}]"
        if not isinstance(f, dict):
            raise BookmarkFileError(f"{source}: {loc}: expected an object")
        name = _json_str(f, "name", source, loc, required=True).strip()
        if not name:
            raise BookmarkFileError(f"{source}: {loc}.name: empty folder name")
        sub = path + (name,)
        _check_nesting(sub, source)
        out.folders.append(sub)
        _check_count(out, source)
        created = _json_date(f, "created", source, loc)
        if created:
            out.folder_created.setdefault(sub, created)
        _json_folder_body(f, sub, source, loc + ".", out)
    for i, b in enumerate(_json_list(obj, "bookmarks", source, where)):
        out.items.append(_json_bookmark(b, path, source, f"{where}bookmarks[{i}]"))
        _check_count(out, source)


def _json_bookmark(b: Any, path: tuple[str, ...], source: str, loc: str) -> NewBookmark:
    if not isinstance(b, dict):
        raise BookmarkFileError(f"{source}: {loc}: expected an object")
    kind = b.get("kind", "entry")
    if kind not in ("entry", "search"):
        raise BookmarkFileError(f"{source}: {loc}.kind: {kind!r} is not 'entry' or 'search'")
    title = _json_str(b, "title", source, loc, required=True)
    note = _json_str(b, "note", source, loc) or ""
    created = _json_date(b, "created", source, loc)
    updated = _json_date(b, "updated", source, loc)
    if kind == "search":
        query = _json_str(b, "query", source, loc, required=True)
        if not query.strip():
            raise BookmarkFileError(f"{source}: {loc}.query: empty query")
        return NewBookmark("search", title, query=query, note=note, folder_path=path,
                           created=created, updated=updated)
    entry_id = _json_str(b, "id", source, loc, required=True)
    if not entry_id.strip():
        raise BookmarkFileError(f"{source}: {loc}.id: empty entry id")
    anchor = _json_str(b, "anchor", source, loc) or None
    return NewBookmark("entry", title, entry_id=entry_id, anchor=anchor, note=note,
                       folder_path=path, created=created, updated=updated)


def _json_list(obj: dict[str, Any], key: str, source: str, where: str) -> list[Any]:
    value = obj.get(key, [])
    if not isinstance(value, list):
        raise BookmarkFileError(f"{source}: {where}{key}: expected a list")
    return value


def _json_str(obj: dict[str, Any], key: str, source: str, loc: str,
              required: bool = False) -> str:
    value = obj.get(key)
    if value is None:
        if required:
            raise BookmarkFileError(f"{source}: {loc}: '{key}' is missing")
        return ""
    if not isinstance(value, str):
        raise BookmarkFileError(f"{source}: {loc}.{key}: expected a string, got "
                                f"{type(value).__name__}")
    if _has_surrogates(value):
        raise BookmarkFileError(f"{source}: {loc}.{key}: invalid Unicode (lone surrogate)")
    return value


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _json_date(obj: dict[str, Any], key: str, source: str, loc: str) -> str | None:
    value = _json_str(obj, key, source, loc)
    if not value:
        return None
    if not _is_date(value):
        raise BookmarkFileError(f"{source}: {loc}.{key}: {value!r} is not an ISO 8601 date")
    return value


def _is_date(value: str) -> bool:
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def parse_xbel(data: bytes, source: str = "bookmarks.xbel") -> ParsedFile:
    """Validate an XBEL 1.0 document; `nexus:` links become bookmarks, other links are skipped."""
    _check_size(data, source)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line, col = exc.position
        raise BookmarkFileError(f"{source}: invalid XML at line {line} column {col + 1}: "
                                f"{str(exc).split(':')[0]}") from exc
    if root.tag != "xbel":
        raise BookmarkFileError(f"{source}: root element is <{root.tag}>, expected <xbel>")
    version = root.get("version", "1.0")
    if version != "1.0":
        raise BookmarkFileError(f"{source}: unsupported XBEL version {version!r} (expected 1.0)")
    out = ParsedFile()
    _xbel_folder_body(root, (), source, "xbel", out)
    return out


def _xbel_folder_body(el: ET.Element, path: tuple[str, ...], source: str, where: str,
                      out: ParsedFile) -> None:
    n_folder = n_bookmark = 0
    for child in el:
        if child.tag == "folder":
            n_folder += 1
            name = (child.findtext("title") or "").strip() or "Untitled folder"
            sub = path + (name,)
            _check_nesting(sub, source)
            out.folders.append(sub)
            _check_count(out, source)
            added = child.get("added")
            if added and _is_date(added):
                out.folder_created.setdefault(sub, added)
            _xbel_folder_body(child, sub, source, f"{where}/folder[{n_folder}]", out)
        elif child.tag == "bookmark":
            n_bookmark += 1
            item = _xbel_bookmark(child, path, source, f"{where}/bookmark[{n_bookmark}]", out)
            if item is not None:
                out.items.append(item)
                _check_count(out, source)


def _xbel_bookmark(el: ET.Element, path: tuple[str, ...], source: str, loc: str,
                   out: ParsedFile) -> NewBookmark | None:
    href = (el.get("href") or "").strip()
    if not href:
        raise BookmarkFileError(f"{source}: {loc}: the 'href' attribute is missing")
    title = el.findtext("title") or ""
    note = el.findtext("desc") or ""
    created = el.get("added") if el.get("added") and _is_date(el.get("added") or "") else None
    updated = el.get("modified") if el.get("modified") and _is_date(el.get("modified") or "") \
        else None
    if href.startswith(SEARCH_SCHEME):
        query = unquote(href[len(SEARCH_SCHEME):])
        if not query.strip():
            raise BookmarkFileError(f"{source}: {loc}: empty query in href {href!r}")
        return NewBookmark("search", title or query, query=query, note=note, folder_path=path,
                           created=created, updated=updated)
    if not href.startswith(ENTRY_SCHEME):
        out.skipped.append(href)
        return None
    target, _sep, anchor = href[len(ENTRY_SCHEME):].partition("#")
    entry_id = unquote(target)
    if not entry_id.strip():
        raise BookmarkFileError(f"{source}: {loc}: no entry id in href {href!r}")
    return NewBookmark("entry", title or entry_id, entry_id=entry_id,
                       anchor=unquote(anchor) or None, note=note, folder_path=path,
                       created=created, updated=updated)


# ----- listings (`nexus-desktop bookmarks list`) -------------------------------------------

def bookmark_target(b: Bookmark) -> str:
    """What a bookmark points at, for people: `ID#anchor`, or the saved query."""
    if b.kind == "search":
        return f"search: {b.query}"
    return f"{b.entry_id}#{b.anchor}" if b.anchor else str(b.entry_id)


def listing_json(tree: FolderNode, report: ReconcileReport | None = None) -> dict[str, Any]:
    """The tree for `bookmarks list --json`: nested folders, bookmarks with `missing` flags."""
    marks = list(tree.walk())
    report = report or ReconcileReport()
    return {"count": len(marks), "missing": sum(1 for b in marks if b.missing),
            "folders": [_listing_folder(n, ()) for n in tree.folders],
            "bookmarks": [_listing_bookmark(b, ()) for b in tree.bookmarks],
            "repointed": {str(k): v for k, v in report.repointed.items()},
            "ambiguous": {str(k): v for k, v in report.ambiguous.items()}}


def _listing_folder(node: FolderNode, parent: tuple[str, ...]) -> dict[str, Any]:
    assert node.folder is not None
    path = parent + (node.folder.name,)
    return {"folder_id": node.folder.id, "name": node.folder.name, "path": "/".join(path),
            "folders": [_listing_folder(n, path) for n in node.folders],
            "bookmarks": [_listing_bookmark(b, path) for b in node.bookmarks]}


def _listing_bookmark(b: Bookmark, path: tuple[str, ...]) -> dict[str, Any]:
    return {"bookmark_id": b.id, **bookmark_json(b), "missing": b.missing, "folder": "/".join(path)}


def listing_lines(tree: FolderNode, report: ReconcileReport | None = None) -> list[str]:
    """The tree as indented text lines; missing bookmarks are marked `(missing)`."""
    lines: list[str] = []
    _listing_text(tree, 0, lines)
    if not lines:
        lines.append("No bookmarks.")
    by_id = {b.id: b for b in tree.walk()}
    for bid, new_id in (report.repointed.items() if report else ()):
        if bid in by_id:
            lines.append(f"note: {by_id[bid].title!r} now points at {new_id} (its entry moved)")
    for bid, candidates in (report.ambiguous.items() if report else ()):
        if bid in by_id:
            lines.append(f"note: {by_id[bid].title!r} is missing; it may be one of: "
                         + ", ".join(candidates))
    return lines


def _listing_text(node: FolderNode, depth: int, lines: list[str]) -> None:
    pad = "  " * depth
    for sub in node.folders:
        assert sub.folder is not None
        lines.append(f"{pad}{_one_line(sub.folder.name)}/")
        _listing_text(sub, depth + 1, lines)
    for b in node.bookmarks:
        line = f"{pad}{_one_line(b.title)}  [{_one_line(bookmark_target(b))}]"
        if b.missing:
            line += "  (missing)"
        if b.note.strip():
            line += f"  — {_one_line(b.note.strip())}"
        lines.append(line)


def _one_line(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
