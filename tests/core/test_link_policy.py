"""The link policy: entries and headings open here, tags search, web links go out, the rest is refused."""

from __future__ import annotations

import pytest

from nexus_desktop.core.link_policy import LinkAction, LinkKind, link_action


@pytest.mark.parametrize(("url", "expected"), [
    ("#last-section", LinkAction(LinkKind.ANCHOR, anchor="last-section")),
    ("#caf%C3%A9", LinkAction(LinkKind.ANCHOR, anchor="caf\u00e9")),
    ("entry:kb/tar#options", LinkAction(LinkKind.ENTRY, "kb/tar", "options")),
    ("entry:kb/notes/my%20note", LinkAction(LinkKind.ENTRY, "kb/notes/my note")),
    ("ENTRY:kb/tar", LinkAction(LinkKind.ENTRY, "kb/tar")),
    ("tag:archive", LinkAction(LinkKind.TAG, "archive")),
    ("https://www.gnu.org/", LinkAction(LinkKind.WEB, "https://www.gnu.org/")),
    ("mailto:someone@example.org", LinkAction(LinkKind.WEB, "mailto:someone@example.org")),
])
def test_links_the_window_follows(url, expected) -> None:
    assert link_action(url) == expected


@pytest.mark.parametrize("url", ["ftp://ftp.example.org/tar", "file:///etc/passwd", "missing-page.md",
                                 "javascript:alert(1)", "data:text/html,x", "entry:", "entry:#x", "tag:", "http:", ""])
def test_everything_else_is_refused(url) -> None:
    assert link_action(url).kind is LinkKind.REFUSED
