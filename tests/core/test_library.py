"""Library rules: entry ids, front matter, titles, tags, headings, links, and hostile files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nexus_desktop.core import library
from nexus_desktop.core.library import (
    MAX_READ_BYTES, EntryError, FileStat, Root, entry_id, find_file, parse_entry, read_entry, root_name_for,
    roots_from_dirs, scan,
)
from nexus_desktop.core.render import Renderer


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def stat_for(root: Root, path: Path) -> FileStat:
    rel = path.relative_to(root.path).as_posix()
    info = path.stat()
    return FileStat(entry_id(root.name, rel), root.name, path, rel, info.st_mtime_ns, info.st_size)


def read(root: Root, path: Path) -> library.Entry:
    return read_entry(stat_for(root, path))


def from_text(text: str, rel: str = "notes/page.md") -> library.Entry:
    return parse_entry(FileStat(entry_id("kb", rel), "kb", Path("/nowhere") / rel, rel, 0, len(text)), text)


def skipped_reasons(result: library.ScanResult) -> dict[str, str]:
    return {Path(s.path).name: s.reason for s in result.skipped}


@pytest.fixture
def root(tmp_path: Path) -> Root:
    folder = tmp_path / "kb"
    folder.mkdir()
    return Root("kb", folder)


# --- ids and scanning ---------------------------------------------------------------------
def test_entry_id_is_root_and_posix_path_without_suffix() -> None:
    assert entry_id("nexus", "async/celery-retries.md") == "nexus/async/celery-retries"
    assert entry_id("notes", "a/b/c.markdown") == "notes/a/b/c"
    assert entry_id("notes", "top.md") == "notes/top"


def test_scan_finds_md_and_markdown_with_posix_ids(root: Root) -> None:
    write(root.path / "async" / "celery-retries.md", "# Celery\n")
    write(root.path / "docker" / "deep" / "compose.markdown", "# Compose\n")
    write(root.path / "README.MD", "# Readme\n")
    write(root.path / "notes.txt", "not markdown\n")
    write(root.path / "image.png", b"\x89PNG\r\n\x1a\n\x00\x00")
    result = scan([root])
    assert set(result.files) == {"kb/async/celery-retries", "kb/docker/deep/compose", "kb/README"}
    item = result.files["kb/docker/deep/compose"]
    assert item.rel_path == "docker/deep/compose.markdown"
    assert item.root == "kb"
    assert "\\" not in item.id
    assert item.size == len("# Compose\n")
    assert item.stamp == f"{item.mtime_ns}:{item.size}"
    assert result.skipped == []


def test_roots_from_dirs_are_named_after_folders_and_unique(tmp_path: Path) -> None:
    (tmp_path / "a" / "My Notes").mkdir(parents=True)
    (tmp_path / "b" / "My Notes").mkdir(parents=True)
    roots = roots_from_dirs([tmp_path / "a" / "My Notes", tmp_path / "b" / "My Notes"])
    assert [r.name for r in roots] == ["my-notes", "my-notes-2"]
    assert root_name_for(Path("/home/u/My Notes!"), taken=["my-notes"]) == "my-notes-2"


def test_missing_root_is_skipped_with_reason(tmp_path: Path) -> None:
    result = scan([Root("gone", tmp_path / "nope")])
    assert result.files == {}
    assert result.skipped and "not found" in result.skipped[0].reason


def test_hidden_folders_are_skipped(root: Root) -> None:
    write(root.path / ".git" / "HEAD.md", "# no\n")
    write(root.path / ".obsidian" / "workspace.md", "# no\n")
    write(root.path / "sub" / ".trash" / "old.md", "# no\n")
    write(root.path / ".hidden.md" / "inside.md", "# no\n")
    write(root.path / "visible.md", "# yes\n")
    result = scan([root])
    assert set(result.files) == {"kb/visible"}
    assert result.skipped == []


def test_dot_named_markdown_files_are_entries(root: Root) -> None:
    """tldr has `common/..md` (the page of the `.` command): hidden folders are skipped, files are not."""
    write(root.path / "common" / "..md", "# .\n\nSource a file.\n")
    write(root.path / "common" / ".profile.md", "# profile\n")
    write(root.path / "common" / ".md", "no name\n")
    result = scan([root])
    assert set(result.files) == {"kb/common/.", "kb/common/.profile"}
    found = find_file([root], "kb/common/.")
    assert found is not None and found.rel_path == "common/..md"
    assert read_entry(found).title == "."


def test_find_file_locates_one_entry_and_refuses_escapes(root: Root, tmp_path: Path) -> None:
    write(root.path / "a" / "b.markdown", "# B\n")
    write(tmp_path / "secret.md", "# secret\n")
    found = find_file([root], "kb/a/b")
    assert found is not None and found.rel_path == "a/b.markdown" and found.id == "kb/a/b"
    assert find_file([root], "kb/../secret") is None
    assert find_file([root], "kb/missing") is None
    assert find_file([root], "other/a/b") is None
    assert find_file([root], "kb") is None


# --- titles, front matter, tags -----------------------------------------------------------
def test_title_from_front_matter_first() -> None:
    entry = from_text("---\ntitle: From Front Matter\n---\n# From Heading\n\ntext\n")
    assert entry.title == "From Front Matter"


def test_title_from_first_h1_then_file_name() -> None:
    assert from_text("intro\n\n## Sub\n\n# The Heading\n").title == "The Heading"
    assert from_text("Setext Title\n============\n\nbody\n").title == "Setext Title"
    assert from_text("no heading at all\n\n## only h2\n", rel="dir/my-file-name.md").title == "my-file-name"


def test_title_from_heading_strips_markup() -> None:
    assert from_text("# The `code` and **bold** [link](x.md)\n").title == "The code and bold link"


def test_front_matter_fields() -> None:
    entry = from_text(
        "---\ntitle: Celery retries\ntags: [Python, async]\ncategory: Async\nsummary: How to retry.\n"
        "aliases:\n  - retrying tasks\n  - retry\nrelated: [nexus/async/celery, Docker Compose]\n"
        "date: 2024-05-01\n---\n# Celery retries\n\nbody\n")
    assert entry.tags == ["python", "async"]
    assert entry.category == "Async"
    assert entry.summary == "How to retry."
    assert entry.aliases == ["retrying tasks", "retry"]
    assert entry.related == ["nexus/async/celery", "Docker Compose"]
    assert entry.front_matter["date"] == "2024-05-01"
    assert entry.body.startswith("# Celery retries")
    assert entry.warnings == []


def test_tags_as_comma_string_and_hash_prefixed() -> None:
    entry = from_text("---\ntags: \"#alpha, beta\"\n---\ntext\n")
    assert entry.tags == ["alpha", "beta"]


def test_prose_tags_counted_but_not_code_or_headings() -> None:
    body = (
        "# Heading\n\n## Sub heading #notatag-in-heading-marker\n\n"
        "Talk about #docker and #Python/async here, also #devops.\n\n"
        "An issue #123 is not a tag, nor is a C# word or an url#anchor or &#39;.\n\n"
        "Inline `#inline` code is not a tag.\n\n"
        "```bash\n# a shell comment #incode\necho hi #alsocode\n```\n\n"
        "~~~\n#tildefence\n~~~\n"
    )
    entry = from_text("---\ntags: [front]\n---\n" + body)
    assert entry.tags[0] == "front"
    assert {"docker", "python/async", "devops"} <= set(entry.tags)
    for bad in ("123", "inline", "incode", "alsocode", "tildefence", "anchor", "39", "a", "heading", "sub"):
        assert bad not in entry.tags, bad


def test_tags_deduplicated_case_insensitively() -> None:
    entry = from_text("---\ntags: [Docker]\n---\nsee #docker and #DOCKER\n")
    assert entry.tags == ["docker"]


# --- headings and links ---------------------------------------------------------------------
def test_headings_with_anchors_matching_the_renderer() -> None:
    text = ("# Title\n\n## Getting started\n\n### Ünïcode héading\n\n## Getting started\n\n"
            "Setext two\n----------\n\n```\n# not a heading\n```\n\n## With `code` and *em*\n")
    entry = from_text(text)
    assert [(h.level, h.text) for h in entry.headings] == [
        (1, "Title"), (2, "Getting started"), (3, "Ünïcode héading"), (2, "Getting started"),
        (2, "Setext two"), (2, "With code and em")]
    anchors = [h.anchor for h in entry.headings]
    assert anchors[1] == "getting-started" and anchors[3] == "getting-started_1"
    assert len(set(anchors)) == len(anchors)
    html = Renderer().render(entry).html
    for anchor in anchors:
        assert f'<a name="{anchor}"' in html, (anchor, html)


def test_links_relative_and_wikilinks_but_not_external_or_code() -> None:
    entry = from_text(
        "See [compose](../docker/compose.md#volumes), [[Celery]], [[Target|label]], [[Page#Heading]], "
        "[web](https://example.com), [mail](mailto:a@b.c), [here](#local) and ![img](pic.png).\n\n"
        "`[[not a link]]` and\n\n```\n[code](code.md)\n```\n")
    assert set(entry.links) == {
        "../docker/compose.md#volumes", "pic.png", "[[Celery]]", "[[Target]]", "[[Page#Heading]]"}
    assert not any("example.com" in link or "mailto" in link or "code.md" in link for link in entry.links)


def test_crlf_and_bom_are_normalised(root: Root) -> None:
    path = write(root.path / "win.md", "\ufeff---\r\ntitle: Windows\r\n---\r\n# H\r\n\r\ntext\r\n".encode())
    entry = read(root, path)
    assert entry.title == "Windows"
    assert "\r" not in entry.body
    assert entry.warnings == []


# --- hostile files ----------------------------------------------------------------------------
def test_latin1_text_is_read_as_windows_1252_with_a_warning(root: Root) -> None:
    path = write(root.path / "latin1.md", "# Caf\xe9 cr\xe8me \u20ac\n\nna\xefve\n".encode("cp1252"))
    entry = read(root, path)
    assert entry.title == "Caf\xe9 cr\xe8me \u20ac" and "na\xefve" in entry.body
    assert entry.warnings == [library.CP1252_WARNING]


def test_utf8_with_a_damaged_byte_keeps_the_utf8_text(root: Root) -> None:
    path = write(root.path / "damaged.md", "# Caf\xe9 \u6570\u636e\n\nok\n".encode() + b"\xff tail\n")
    entry = read(root, path)
    assert entry.title == "Caf\xe9 \u6570\u636e" and "\ufffd tail" in entry.body
    assert entry.warnings == [library.REPLACED_WARNING]


def test_nul_bytes_in_text_are_dropped_and_the_words_kept(root: Root) -> None:
    path = write(root.path / "nul.md", b"# Title\n\nreadable\x00words here\x00\x00and more\n")
    entry = read(root, path)
    assert entry.title == "Title" and "readable words here" in entry.body and "and more" in entry.body
    assert entry.warnings == [library.NUL_WARNING]


def test_utf16_with_its_mark_is_read(root: Root) -> None:
    path = write(root.path / "utf16.md", "# Wide\n\ntext\n".encode("utf-16"))
    entry = read(root, path)
    assert entry.title == "Wide" and entry.warnings == [library.UTF16_WARNING]


def test_file_over_5mb_indexes_the_first_5mb_with_a_warning(root: Root) -> None:
    line = "word " * 19 + "\n"
    count = MAX_READ_BYTES // len(line) + 50
    path = write(root.path / "huge.md", "# Huge\n\n" + line * count + "TAILMARKER\n")
    assert path.stat().st_size > MAX_READ_BYTES
    assert "kb/huge" in scan([root]).files
    entry = read(root, path)
    assert entry.title == "Huge"
    assert len(entry.body.encode()) <= MAX_READ_BYTES
    assert "TAILMARKER" not in entry.body
    assert any("5 MB" in w for w in entry.warnings)


def test_huge_file_cut_inside_a_multibyte_character_is_not_called_non_utf8(root: Root) -> None:
    text = "# Big\n\n" + "数据" * (MAX_READ_BYTES // 6 + 10)
    path = write(root.path / "bigcjk.md", text)
    entry = read(root, path)
    assert entry.title == "Big"
    assert not any("UTF-8" in w for w in entry.warnings), entry.warnings


def test_binary_file_with_md_suffix_is_refused(root: Root) -> None:
    path = write(root.path / "binary.md", b"\x00\x01\x02\xff\xfe" * 100)
    with pytest.raises(EntryError, match="binary"):
        read(root, path)


def test_symlink_to_a_file_outside_the_root_is_never_read(root: Root, tmp_path: Path) -> None:
    secret = write(tmp_path / "secret.txt", "root:x:0:0:secret line\n")
    os.symlink(secret, root.path / "passwd.md")
    write(tmp_path / "elsewhere" / "page.md", "# Elsewhere\n")
    os.symlink(tmp_path / "elsewhere", root.path / "linked-folder")
    write(root.path / "real.md", "# Real\n")
    result = scan([root])
    assert set(result.files) == {"kb/real"}
    reasons = skipped_reasons(result)
    assert reasons["passwd.md"] == reasons["linked-folder"] == "symlink to outside the library folder"
    assert find_file([root], "kb/passwd") is None  # `show` agrees with search


def test_fifo_named_md_is_skipped_with_a_reason_and_never_blocks(root: Root) -> None:
    os.mkfifo(root.path / "pipe.md")
    write(root.path / "ok.md", "# ok\n")
    result = scan([root])
    assert set(result.files) == {"kb/ok"}
    assert skipped_reasons(result)["pipe.md"] == "not a regular file (a named pipe)"
    stat = FileStat("kb/pipe", "kb", root.path / "pipe.md", "pipe.md", 0, 0)
    with pytest.raises(EntryError, match="named pipe"):  # became a pipe after the scan: refused, not waited on
        read_entry(stat)


ALIAS_BOMB = """---
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
title: Bomb
---
# Bomb heading

body words
"""


@pytest.mark.parametrize("front_matter, problem", [
    (ALIAS_BOMB.split("---")[1], "aliases"),
    ("\na: &a [x]\nb: &b [*a, *a, *a, *a]\nc: &c [*b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c]\n"
     "e: [*c, *c, *c, *c, *c, *c, *c, *c]\n", ""),
    ("\nkey: " + "[" * 200 + "]" * 200 + "\n", "nested"),
    ("\nself: &s [*s, *s]\n", ""),
    ("\nbig: '" + "x" * 70_000 + "'\n", "larger"),
])
def test_hostile_front_matter_is_ignored_with_a_warning_quickly(root: Root, front_matter: str, problem: str) -> None:
    import time

    path = write(root.path / "bomb.md", f"---{front_matter}---\n# Bomb heading\n\nbody words\n")
    started = time.perf_counter()
    entry = read(root, path)
    assert time.perf_counter() - started < 1
    assert entry.title == "Bomb heading" and "body words" in entry.body
    assert len(entry.warnings) == 1 and "front matter" in entry.warnings[0] and problem in entry.warnings[0]


def test_symlink_loop_is_skipped_with_a_reason(root: Root) -> None:
    write(root.path / "sub" / "page.md", "# Page\n")
    os.symlink(root.path, root.path / "sub" / "loop")
    os.symlink(root.path / "sub", root.path / "sub" / "self")
    result = scan([root])
    assert set(result.files) == {"kb/sub/page"}
    reasons = skipped_reasons(result)
    assert reasons.get("loop") == "symlink loop"
    assert reasons.get("self") == "symlink loop"


def test_broken_symlink_is_skipped_with_a_reason(root: Root, tmp_path: Path) -> None:
    write(root.path / "ok.md", "# ok\n")
    os.symlink(tmp_path / "does-not-exist.md", root.path / "dangling.md")
    result = scan([root])
    assert set(result.files) == {"kb/ok"}
    assert skipped_reasons(result) == {"dangling.md": "broken symlink"}


def test_symlinked_file_inside_root_is_indexed(root: Root) -> None:
    target = write(root.path / "real.md", "# Real\n")
    os.symlink(target, root.path / "alias.md")
    assert set(scan([root]).files) == {"kb/real", "kb/alias"}


def test_file_vanishing_between_scan_and_read(root: Root) -> None:
    path = write(root.path / "ghost.md", "# Ghost\n")
    stat = scan([root]).files["kb/ghost"]
    path.unlink()
    with pytest.raises(EntryError, match="vanished"):
        read_entry(stat)


def test_file_vanishing_during_scan(root: Root, monkeypatch: pytest.MonkeyPatch) -> None:
    write(root.path / "a.md", "# A\n")
    write(root.path / "b.md", "# B\n")
    real_scandir = os.scandir

    def vanishing_scandir(folder):  # the listing still names b.md, but it is gone when stat'ed
        entries = list(real_scandir(folder))
        for entry in entries:
            if entry.name == "b.md":
                os.unlink(entry.path)
        return iter(entries)

    monkeypatch.setattr(library.os, "scandir", vanishing_scandir)
    result = scan([root])
    assert set(result.files) == {"kb/a"}
    assert skipped_reasons(result) == {"b.md": "vanished during scan"}


def test_folder_vanishing_during_scan(root: Root, monkeypatch: pytest.MonkeyPatch) -> None:
    write(root.path / "sub" / "x.md", "# X\n")
    write(root.path / "top.md", "# top\n")
    real_scandir = os.scandir

    def scandir(folder):
        if Path(folder).name == "sub":
            raise FileNotFoundError(2, "No such file or directory")
        return real_scandir(folder)

    monkeypatch.setattr(library.os, "scandir", scandir)
    result = scan([root])
    assert set(result.files) == {"kb/top"}
    assert any("sub" in s.path for s in result.skipped)


def test_bad_yaml_front_matter_still_indexed_with_a_warning(root: Root) -> None:
    path = write(root.path / "bad-yaml.md", "---\ntitle: [unclosed\ntags: : :\n---\n# Heading Title\n\nbody\n")
    entry = read(root, path)
    assert entry.title == "Heading Title"
    assert entry.body.startswith("# Heading Title")
    assert entry.front_matter == {}
    assert any("YAML" in w for w in entry.warnings)


def test_front_matter_not_a_mapping(root: Root) -> None:
    path = write(root.path / "list-fm.md", "---\n- a\n- b\n---\nbody only\n")
    entry = read(root, path)
    assert entry.title == "list-fm"
    assert entry.body.strip() == "body only"
    assert any("mapping" in w for w in entry.warnings)


def test_unclosed_front_matter(root: Root) -> None:
    path = write(root.path / "unclosed.md", "---\ntitle: never closed\n\n# Real Title\n\ntext\n")
    entry = read(root, path)
    assert entry.title == "Real Title"
    assert any("not closed" in w for w in entry.warnings)


def test_odd_front_matter_values_degrade(root: Root) -> None:
    path = write(root.path / "odd.md",
                 "---\ntitle: 42\ntags: {nested: map}\naliases: 7\ncategory: [a, b]\n---\nbody\n")
    entry = read(root, path)
    assert entry.title == "42"
    assert entry.aliases == ["7"]
    assert entry.category == ""
    assert isinstance(entry.tags, list)


def test_empty_front_matter_and_empty_file(root: Root) -> None:
    entry = read(root, write(root.path / "empty-fm.md", "---\n---\ntext\n"))
    assert entry.title == "empty-fm" and entry.warnings == []
    entry = read(root, write(root.path / "empty.md", ""))
    assert entry.title == "empty" and entry.body == ""


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can read chmod 000 files")
def test_unreadable_file_chmod(root: Root) -> None:
    path = write(root.path / "locked.md", "# Locked\n")
    path.chmod(0)
    try:
        with pytest.raises(EntryError, match="unreadable"):
            read(root, path)
    finally:
        path.chmod(0o644)


def test_unreadable_file_raises_entry_error(root: Root, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(root.path / "locked.md", "# Locked\n")
    stat = stat_for(root, path)
    real_open = os.open

    def deny(file, *args, **kwargs):
        if Path(file) == path:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(library.os, "open", deny)
    with pytest.raises(EntryError, match="unreadable: Permission denied"):
        read_entry(stat)


def test_directory_named_like_markdown_is_a_folder(root: Root) -> None:
    write(root.path / "folder.md" / "inner.md", "# Inner\n")
    result = scan([root])
    assert set(result.files) == {"kb/folder.md/inner"}


def test_unreadable_folder_is_skipped(root: Root, monkeypatch: pytest.MonkeyPatch) -> None:
    write(root.path / "private" / "x.md", "# X\n")
    write(root.path / "ok.md", "# ok\n")
    real_scandir = os.scandir

    def scandir(folder):
        if Path(folder).name == "private":
            raise PermissionError(13, "Permission denied")
        return real_scandir(folder)

    monkeypatch.setattr(library.os, "scandir", scandir)
    result = scan([root])
    assert set(result.files) == {"kb/ok"}
    assert any("unreadable folder" in s.reason for s in result.skipped)
