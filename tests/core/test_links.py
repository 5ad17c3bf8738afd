"""The link policy: what following a link does, the same for the viewer and for exported pages."""

from __future__ import annotations

import pytest

from nexus_desktop.core.links import (
    LinkAction,
    LinkKind,
    canonical_id,
    exported_url,
    link_action,
    url_scheme,
)


@pytest.mark.parametrize(("url", "action"), [
    ("#usage", LinkAction(LinkKind.ANCHOR, anchor="usage")),
    ("#caf%C3%A9", LinkAction(LinkKind.ANCHOR, anchor="café")),
    ("entry:kb/docker/compose", LinkAction(LinkKind.ENTRY, "kb/docker/compose")),
    ("entry:kb/docker/compose#volumes", LinkAction(LinkKind.ENTRY, "kb/docker/compose", "volumes")),
    ("entry:kb/Getting%20started/Create%20a%20vault", LinkAction(LinkKind.ENTRY, "kb/Getting started/Create a vault")),
    ("entry:kb/a/../x", LinkAction(LinkKind.ENTRY, "kb/x")),
    ("entry:kb/./a//x", LinkAction(LinkKind.ENTRY, "kb/a/x")),
    ("tag:python", LinkAction(LinkKind.TAG, "python")),
    ("https://example.org/a?b#c", LinkAction(LinkKind.WEB, "https://example.org/a?b#c")),
    ("HTTP://EXAMPLE.ORG", LinkAction(LinkKind.WEB, "HTTP://EXAMPLE.ORG")),
    ("mailto:a@b.org", LinkAction(LinkKind.WEB, "mailto:a@b.org")),
])
def test_links_the_policy_follows(url: str, action: LinkAction) -> None:
    assert link_action(url) == action


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", " JavaScript:alert(1)", "vbscript:msgbox(1)", "data:text/html,<script>x</script>",
    "data:image/png;base64,AAAA", "file:///etc/passwd", "ftp://example.org/x", "nexus-evil:x", "http:", "https://",
    "entry:", "entry:kb", "entry:kb/../../etc/passwd", "entry:/etc/passwd", "entry:../x", "tag:", "",
    "../outside.md", "docker/compose.md", "//evil.example/x",
])
def test_everything_else_is_refused(url: str) -> None:
    assert link_action(url).kind is LinkKind.REFUSED


def test_scheme_never_raises() -> None:
    assert url_scheme("http://[x") == "http"
    assert url_scheme("../a:b") == ""
    assert url_scheme("  MailTo:x") == "mailto"


@pytest.mark.parametrize(("entry_id", "canonical"), [
    ("kb/x", "kb/x"), ("kb/a/../x", "kb/x"), ("kb/./x", "kb/x"), ("kb//x", "kb/x"),
    ("kb/../x", ""), ("kb/a/../../x", ""), ("/kb/x", ""), ("kb", ""), ("", ""), ("../kb/x", ""),
])
def test_canonical_ids(entry_id: str, canonical: str) -> None:
    assert canonical_id(entry_id) == canonical


@pytest.mark.parametrize(("entry_id", "anchor", "from_id", "url"), [
    ("kb/docker/compose", "volumes", "kb/notes/page", "../docker/compose.html#volumes"),
    ("kb/docker/compose", "", "kb/docker/other", "compose.html"),
    ("kb/notes/page", "intro", "kb/notes/page", "#intro"),
    ("kb/index", "", "kb/a/b/c", "../../index.html"),
    ("other/x", "", "kb/notes/page", "../../other/x.html"),
    ("kb/Getting started/Create a vault", "", "kb/Home", "Getting%20started/Create%20a%20vault.html"),
])
def test_exported_urls_are_relative_html_paths(entry_id: str, anchor: str, from_id: str, url: str) -> None:
    assert exported_url(entry_id, anchor, from_id) == url
