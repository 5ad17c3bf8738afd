"""One window per data folder: the name its instances meet under and the message a second launch sends."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # core.urls is loaded when a message is read: the launch path does without it
    from nexus_desktop.core.urls import OpenRequest

PROTOCOL = 1
MAX_MESSAGE_BYTES = 1 << 20
MAX_ITEMS = 1000


@dataclass(frozen=True)
class HandOver:
    """What a second launch asks the running window to do: open entries, add content folders."""

    open: tuple[OpenRequest, ...] = ()
    content: tuple[str, ...] = field(default=())


def instance_name(data_folder: Path, user: str) -> str:
    """The local socket name of the window using this data folder (the same folder, however it is
    written, gives the same name; another user's window never shares it). A name, not a secret: the
    socket's permissions keep other users out. (Two CRCs, not hashlib: this runs before the first frame.)"""
    key = f"{user}\0{data_folder.expanduser().resolve()}".encode("utf-8", "surrogateescape")
    return f"nexus-desktop-{zlib.crc32(key):08x}{zlib.crc32(key[::-1]):08x}"


def encode(handover: HandOver) -> bytes:
    """One line of JSON for the local socket."""
    import json  # not on the launch path: only a second launch sends

    body = {"protocol": PROTOCOL, "open": [[r.entry_id, r.anchor] for r in handover.open],
            "content": list(handover.content)}
    return json.dumps(body, ensure_ascii=True).encode("ascii") + b"\n"


def decode(data: bytes) -> HandOver:
    """A message from encode(); core.urls.BadTarget for anything else (too big, another protocol, bad ids)."""
    import json

    from nexus_desktop.core.urls import BadTarget, OpenRequest, check_entry_id

    if len(data) > MAX_MESSAGE_BYTES:
        raise BadTarget("the message from the other launch is too big")
    try:
        body = json.loads(data.decode("ascii"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadTarget(f"the message from the other launch is not readable: {exc}") from exc
    if not isinstance(body, dict) or body.get("protocol") != PROTOCOL:
        raise BadTarget("the other launch speaks another version of the protocol")
    opens, content = body.get("open", []), body.get("content", [])
    if not isinstance(opens, list) or not isinstance(content, list) or len(opens) + len(content) > MAX_ITEMS:
        raise BadTarget("the message from the other launch is malformed")
    requests = []
    for item in opens:
        if not (isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item)):
            raise BadTarget("the message from the other launch is malformed")
        requests.append(OpenRequest(check_entry_id(item[0]), item[1]))
    if not all(isinstance(folder, str) and folder for folder in content):
        raise BadTarget("the message from the other launch is malformed")
    return HandOver(tuple(requests), tuple(content))
