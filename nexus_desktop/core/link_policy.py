"""The link policy: what a click on a link in a page does (entry, heading, tag search, browser, refused)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from urllib.parse import unquote

ENTRY_SCHEME = "entry"
TAG_SCHEME = "tag"
WEB_SCHEMES = ("http", "https", "mailto")  # the only links that leave the app (to the system browser)


class LinkKind(Enum):
    """What following a link does."""

    ANCHOR = "anchor"    # a heading of the page shown
    ENTRY = "entry"      # open an entry of the library
    TAG = "tag"          # search a tag
    WEB = "web"          # http, https, mailto: the system's browser or mail program
    REFUSED = "refused"  # anything else (javascript:, file:, data:, a path outside the library...)


@dataclass(frozen=True)
class LinkAction:
    """A link as the policy reads it: its kind, then the entry id, tag or URL, and a heading anchor."""

    kind: LinkKind
    target: str = ""
    anchor: str = ""


def link_action(url: str) -> LinkAction:
    """Entries and headings open in the viewer, tags search, web and mail links go to the system
    browser; anything else (files, scripts, other schemes, paths outside the library) is refused."""
    url = url.strip()
    if url.startswith("#"):
        return LinkAction(LinkKind.ANCHOR, anchor=unquote(url[1:]))
    scheme, _, rest = url.partition(":")
    scheme = scheme.lower()
    if scheme == ENTRY_SCHEME:
        path, _, anchor = rest.partition("#")
        entry_id = unquote(path)
        if entry_id:
            return LinkAction(LinkKind.ENTRY, entry_id, unquote(anchor))
    elif scheme == TAG_SCHEME and rest.strip():
        return LinkAction(LinkKind.TAG, unquote(rest).strip())
    elif scheme in WEB_SCHEMES and rest.strip("/ "):
        return LinkAction(LinkKind.WEB, url)
    return LinkAction(LinkKind.REFUSED, url)
