"""Tests for quick open (Ctrl+P)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from nexus_desktop.core.index import CatalogItem
from nexus_desktop.ui.quick_open import QuickOpen


def item(entry_id: str, title: str, aliases: tuple[str, ...] = ()) -> CatalogItem:
    return CatalogItem(entry_id, "nexus", entry_id + ".md", title, aliases, "", (), "")


CATALOG = [
    item("nexus/docker/compose", "Docker Compose"),
    item("nexus/docker/docker", "Docker"),
    item("nexus/docker/dockerfile", "Dockerfile best practices"),
    item("nexus/db/postgres-indexes", "PostgreSQL indexes", ("pg index",)),
    item("nexus/async/celery-retries", "Celery retries", ("backoff",)),
]


@pytest.fixture
def palette(window: QWidget) -> QuickOpen:
    widget = QuickOpen(window)
    widget.set_catalog(CATALOG)
    widget.open_palette()
    return widget


def type_query(qtbot, palette: QuickOpen, text: str) -> None:
    qtbot.keyClicks(palette.line_edit, text)
    palette.update_results()


def test_opens_empty_and_centred_over_parent(palette: QuickOpen):
    assert palette.isVisible()
    assert palette.line_edit.text() == "" and palette.results() == []
    parent = palette.parentWidget().window().frameGeometry()
    assert abs(palette.frameGeometry().center().x() - parent.center().x()) <= 2
    assert "5 entries" in palette.status.text()


def test_fuzzy_ranking_titles_and_aliases(qtbot, palette: QuickOpen):
    type_query(qtbot, palette, "docker")
    assert palette.results()[:3] == ["nexus/docker/docker", "nexus/docker/compose",
                                     "nexus/docker/dockerfile"]
    palette.line_edit.clear()
    type_query(qtbot, palette, "dc")
    assert palette.results()[0] == "nexus/docker/compose"
    palette.line_edit.clear()
    type_query(qtbot, palette, "backof")
    assert palette.results() == ["nexus/async/celery-retries"]
    assert "backoff" in palette.list.item(0).text()


def test_enter_opens_the_selected_result_and_closes(qtbot, palette: QuickOpen):
    type_query(qtbot, palette, "pg")
    with qtbot.waitSignal(palette.open_requested) as blocker:
        qtbot.keyClick(palette.line_edit, Qt.Key.Key_Return)
    assert blocker.args == ["nexus/db/postgres-indexes", "", False]
    assert not palette.isVisible()


def test_down_then_alt_enter_opens_in_new_tab(qtbot, palette: QuickOpen):
    type_query(qtbot, palette, "docker")
    qtbot.keyClick(palette.line_edit, Qt.Key.Key_Down)
    qtbot.keyClick(palette.line_edit, Qt.Key.Key_Down)
    qtbot.keyClick(palette.line_edit, Qt.Key.Key_Up)
    with qtbot.waitSignal(palette.open_requested) as blocker:
        qtbot.keyClick(palette.line_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.AltModifier)
    assert blocker.args == ["nexus/docker/compose", "", True]


def test_enter_right_after_typing_uses_the_typed_text(qtbot, palette: QuickOpen):
    qtbot.keyClicks(palette.line_edit, "celery")
    with qtbot.waitSignal(palette.open_requested) as blocker:
        qtbot.keyClick(palette.line_edit, Qt.Key.Key_Return)
    assert blocker.args[0] == "nexus/async/celery-retries"


def test_escape_closes_without_opening(qtbot, palette: QuickOpen):
    type_query(qtbot, palette, "docker")
    with qtbot.assertNotEmitted(palette.open_requested):
        qtbot.keyClick(palette.line_edit, Qt.Key.Key_Escape)
    assert not palette.isVisible()


def test_no_match_and_reopen_clears(qtbot, palette: QuickOpen):
    type_query(qtbot, palette, "zzzz")
    assert palette.results() == [] and "No matching" in palette.status.text()
    with qtbot.assertNotEmitted(palette.open_requested):
        qtbot.keyClick(palette.line_edit, Qt.Key.Key_Return)
    palette.open_palette()
    assert palette.line_edit.text() == ""


def test_recent_entries_are_listed_before_typing(qtbot, window: QWidget):
    palette = QuickOpen(window)
    palette.set_catalog(CATALOG)
    palette.set_recent(["nexus/db/postgres-indexes", "other/not-in-this-library", "nexus/docker/docker"])
    palette.open_palette()
    assert palette.results() == ["nexus/db/postgres-indexes", "nexus/docker/docker"]
    assert palette.list.currentRow() == 0 and "Recently opened" in palette.status.text()
    with qtbot.waitSignal(palette.open_requested) as opened:
        qtbot.keyClick(palette.line_edit, Qt.Key.Key_Down)
        qtbot.keyClick(palette.line_edit, Qt.Key.Key_Return)
    assert opened.args == ["nexus/docker/docker", "", False]
    palette.open_palette()
    type_query(qtbot, palette, "celery")  # typing replaces them with matches
    assert palette.results() == ["nexus/async/celery-retries"]
    palette.line_edit.clear()
    palette.update_results()
    assert palette.results()[0] == "nexus/db/postgres-indexes"


def test_matched_letters_are_highlighted(qtbot, palette: QuickOpen):
    type_query(qtbot, palette, "dc")
    assert palette.results()[0] == "nexus/docker/compose"
    assert palette.matched_letters(0) == "DC"  # Docker Compose: the word starts
    palette.line_edit.clear()
    type_query(qtbot, palette, "pgind")
    row = palette.results().index("nexus/db/postgres-indexes")
    assert palette.matched_letters(row).lower() == "pgind"
    palette.line_edit.clear()
    type_query(qtbot, palette, "backof")
    assert palette.matched_letters(0) == "backof"  # in the alias, shown after the arrow
    palette.list.grab()  # paints every row with its bold runs


def test_window_lists_the_entries_opened_last(qtbot, make_window):
    window = make_window()
    window.open_entry("kb/gzip")
    window.open_entry("kb/tar")
    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(window.quick_open.isVisible)
    assert window.quick_open.results()[:2] == ["kb/tar", "kb/gzip"]
