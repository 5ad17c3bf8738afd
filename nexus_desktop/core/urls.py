"""What a launch asks to open: an entry id (`ROOT/path`, `ROOT/path#anchor`) or a `nexus://open?id=ID#anchor` URL."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

SCHEME = "nexus"
MAX_TARGET_CHARS = 2000


class BadTarget(ValueError):
    """Not something the window can open (the message says why, for the user)."""


@dataclass(frozen=True)
class OpenRequest:
    """An entry to show, at a heading when `anchor` is set."""

    entry_id: str
    anchor: str = ""


def parse_nexus_url(url: str) -> OpenRequest:
    """`nexus://open?id=ENTRY#anchor` (percent-encoding allowed) as an OpenRequest; BadTarget otherwise."""
    parts = urlsplit(url)
    if parts.scheme.lower() != SCHEME:
        raise BadTarget(f"not a {SCHEME}:// link: {url!r}")
    if parts.netloc.lower() != "open" or parts.path not in ("", "/"):
        raise BadTarget(f"{url!r}: the only {SCHEME}:// link is {SCHEME}://open?id=ENTRY#heading")
    ids = parse_qs(parts.query, keep_blank_values=True).get("id", [])
    if len(ids) != 1:
        raise BadTarget(f"{url!r} names no entry (add ?id=ROOT/path)")
    return OpenRequest(check_entry_id(ids[0]), unquote(parts.fragment))


def parse_open_target(text: str) -> OpenRequest:
    """A command-line argument of the window: a `nexus://` URL or an entry id with an optional `#anchor`."""
    if len(text) > MAX_TARGET_CHARS:
        raise BadTarget(f"an entry to open is at most {MAX_TARGET_CHARS} characters long")
    if text.lower().startswith(f"{SCHEME}:"):
        return parse_nexus_url(text)
    entry_id, _, anchor = text.partition("#")
    return OpenRequest(check_entry_id(entry_id), anchor)


def check_entry_id(entry_id: str) -> str:
    """An entry id as given (`ROOT/relative/path`, POSIX slashes; other spellings of one entry, such as
    `lib/./x`, are made one by the stores), or BadTarget naming what is wrong: empty, control characters,
    no root, or `..` steps that climb out of the root."""
    entry_id = entry_id.strip()
    if not entry_id:
        raise BadTarget("an entry id is empty (ids look like nexus/async/celery-retries)")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in entry_id):
        raise BadTarget(f"{entry_id!r} has control characters")
    root, _, rel = entry_id.partition("/")
    folders = rel.rstrip("/").split("/")[:-1]  # the last part is a file name (`common/.` is an entry)
    if not root or root in (".", "..") or not rel.strip("/") or _climbs_out(folders):
        raise BadTarget(f"{entry_id!r} is not an entry id (ids look like nexus/async/celery-retries)")
    return entry_id


def _climbs_out(folders: list[str]) -> bool:
    depth = 0
    for part in folders:
        if part == "..":
            depth -= 1
            if depth < 0:
                return True
        elif part not in ("", "."):
            depth += 1
    return False
