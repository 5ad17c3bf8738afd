"""The link policy: what a click on a link in a page does (entry, heading, tag search, browser, refused)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote

LinkKind = Literal["anchor", "entry", "tag", "web", "refused"]
WEB_SCHEMES = ("http", "https", "mailto")


@dataclass(frozen=True)
class LinkAction:
    """What to do with a link: `target` is the entry id, the tag or the web address; `anchor` a heading."""

    kind: LinkKind
    target: str = ""
    anchor: str = ""


def classify_link(url: str) -> LinkAction:
    """Entries and headings open in the viewer, tags search, web and mail links go to the system
    browser; anything else (files, scripts, other schemes, paths outside the library) is refused."""
    if url.startswith("#"):
        return LinkAction("anchor", anchor=unquote(url[1:]))
    scheme, _, rest = url.partition(":")
    scheme = scheme.lower()
    if scheme == "entry" and rest:
        entry_id, _, anchor = rest.partition("#")
        entry_id = unquote(entry_id)
        return LinkAction("entry", entry_id, unquote(anchor)) if entry_id else LinkAction("refused", url)
    if scheme == "tag" and rest:
        return LinkAction("tag", unquote(rest))
    if scheme in WEB_SCHEMES and rest:
        return LinkAction("web", url)
    return LinkAction("refused", url)
