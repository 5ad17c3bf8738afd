"""The link policy: entries and headings open here, tags search, web links go out, the rest is refused."""

from __future__ import annotations

import pytest

from nexus_desktop.core.link_policy import LinkAction, classify_link


@pytest.mark.parametrize(("url", "expected"), [
    ("#last-section", LinkAction("anchor", anchor="last-section")),
    ("#caf%C3%A9", LinkAction("anchor", anchor="caf\u00e9")),
    ("entry:kb/tar#options", LinkAction("entry", "kb/tar", "options")),
    ("entry:kb/notes/my%20note", LinkAction("entry", "kb/notes/my note")),
    ("ENTRY:kb/tar", LinkAction("entry", "kb/tar")),
    ("tag:archive", LinkAction("tag", "archive")),
    ("https://www.gnu.org/", LinkAction("web", "https://www.gnu.org/")),
    ("mailto:someone@example.org", LinkAction("web", "mailto:someone@example.org")),
])
def test_links_the_window_follows(url, expected) -> None:
    assert classify_link(url) == expected


@pytest.mark.parametrize("url", ["ftp://ftp.example.org/tar", "file:///etc/passwd", "missing-page.md",
                                 "javascript:alert(1)", "data:text/html,x", "entry:", "entry:#x", "tag:", "http:", ""])
def test_everything_else_is_refused(url) -> None:
    assert classify_link(url).kind == "refused"
