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
