"""What a launch can ask to open: entry ids and nexus://open?id=ENTRY#anchor links, and what is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from nexus_desktop.core.instance import HandOver, decode, encode, instance_name
from nexus_desktop.core.urls import BadTarget, OpenRequest, parse_nexus_url, parse_open_target


@pytest.mark.parametrize(("text", "expected"), [
    ("nexus://open?id=nexus/async/celery-retries", OpenRequest("nexus/async/celery-retries")),
    ("nexus://open?id=kb/tar#options", OpenRequest("kb/tar", "options")),
    ("NEXUS://open/?id=kb%2Fnotes%2Fmy%20note#caf%C3%A9", OpenRequest("kb/notes/my note", "caf\u00e9")),
    ("kb/tar", OpenRequest("kb/tar")),
    ("kb/tar#last-section", OpenRequest("kb/tar", "last-section")),
    ("notes/日本語", OpenRequest("notes/日本語")),
    ("common/.", OpenRequest("common/.")),             # tldr's page of the `.` command
    ("kb/./a/../tar", OpenRequest("kb/./a/../tar")),   # another spelling of kb/tar: the stores make it one
])
def test_targets_that_open(text, expected):
    assert parse_open_target(text) == expected


@pytest.mark.parametrize("text", [
    "nexus://open", "nexus://open?id=", "nexus://open?id=a/b&id=c/d", "nexus://delete?id=kb/tar",
    "nexus://open/extra?id=kb/tar", "kb", "kb/", "/etc/passwd", "kb/../../etc/passwd", "../kb/tar",
    "kb/ta\x1br", "", "x/" + "y" * 3000,
])
def test_targets_refused_with_a_reason(text):
    with pytest.raises(BadTarget):
        parse_open_target(text)


def test_a_web_link_is_not_a_nexus_link():
    with pytest.raises(BadTarget):
        parse_nexus_url("https://example.org/?id=kb/tar")


def test_instance_name_is_the_same_for_the_same_folder(tmp_path: Path):
    (tmp_path / "data").mkdir()
    same = instance_name(tmp_path / "data", "ann")
    assert same == instance_name(tmp_path / "x" / ".." / "data", "ann")
    assert same != instance_name(tmp_path / "other", "ann") and same != instance_name(tmp_path / "data", "bob")
    assert same.startswith("nexus-desktop-") and len(same) < 60


def test_hand_over_message_round_trip_and_garbage():
    message = HandOver((OpenRequest("kb/tar", "options"), OpenRequest("kb/gzip")), ("/home/ann/notes",))
    assert decode(encode(message)) == message
    for garbage in (b"", b"\xff", b"[]", b'{"protocol": 2}', b'{"protocol": 1, "open": [["../x", ""]]}',
                    b'{"protocol": 1, "open": "kb/tar"}', b'{"protocol": 1, "content": [""]}', b"x" * (2 << 20)):
        with pytest.raises(BadTarget):
            decode(garbage)
