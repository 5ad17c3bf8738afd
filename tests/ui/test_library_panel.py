"""Tests for the library tree panel."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt

from nexus_desktop.core.index import CatalogItem
from nexus_desktop.core.library import Root
from nexus_desktop.ui.library_panel import LibraryPanel, entry_id_at


def item(entry_id: str, title: str, category: str = "", summary: str = "",
         aliases: tuple[str, ...] = ()) -> CatalogItem:
    root, rel = entry_id.split("/", 1)
    return CatalogItem(entry_id, root, rel + ".md", title, aliases, category, (), summary)


CATALOG = [
    item("nexus/docker/compose", "Docker Compose", "Docker", "Multi-container apps."),
    item("nexus/docker/volumes", "Volumes", "Docker"),
    item("nexus/async/celery-retries", "Celery retries", "Async", aliases=("task retry",)),
    item("notes/daily/today", "Today"),
    item("notes/daily/2024/jan", "January"),
    item("notes/readme", "Read me"),
]


@pytest.fixture
def panel(qtbot, tmp_path: Path) -> LibraryPanel:
    widget = LibraryPanel()
    qtbot.addWidget(widget)
    widget.set_catalog(CATALOG, [Root("nexus", tmp_path / "nexus"), Root("notes", tmp_path / "notes"),
                                 Root("empty", tmp_path / "empty")])
    widget.show()
    return widget


def children(model, parent: QModelIndex = QModelIndex()) -> list[str]:
    return [model.index(r, 0, parent).data() for r in range(model.rowCount(parent))]


def find(model, *path: str) -> QModelIndex:
    index = QModelIndex()
    for name in path:
        for r in range(model.rowCount(index)):
            child = model.index(r, 0, index)
            if child.data() == name or str(child.data()).split("  (")[0] == name:
                index = child
                break
        else:
            raise AssertionError(f"{name!r} not under {index.data()!r}: {children(model, index)}")
    return index


def test_groups_by_root_then_category_or_folder(panel: LibraryPanel):
    model = panel.tree.model()
    assert children(model) == ["empty  (0)", "nexus  (3)", "notes  (3)"]
    nexus = find(model, "nexus")
    assert children(model, nexus) == ["Async  (1)", "Docker  (2)"]
    assert children(model, find(model, "nexus", "Docker")) == ["Docker Compose", "Volumes"]
    notes = find(model, "notes")
    assert children(model, notes) == ["daily  (2)", "Read me"]
    assert children(model, find(model, "notes", "daily")) == ["2024  (1)", "Today"]
    assert panel.entry_count() == len(CATALOG)


def test_leaf_tooltip_has_id_and_summary(panel: LibraryPanel):
    leaf = find(panel.tree.model(), "nexus", "Docker", "Docker Compose")
    assert entry_id_at(leaf) == "nexus/docker/compose"
    assert panel.tooltip_for(leaf) == "nexus/docker/compose\nMulti-container apps."
    assert entry_id_at(find(panel.tree.model(), "nexus")) is None


def test_filter_is_recursive_and_matches_aliases(qtbot, panel: LibraryPanel):
    qtbot.keyClicks(panel.filter_edit, "retry")
    panel.apply_filter()
    model = panel.tree.model()
    assert children(model) == ["nexus  (3)"]
    assert children(model, find(model, "nexus", "Async")) == ["Celery retries"]
    assert entry_id_at(panel.tree.currentIndex()) == "nexus/async/celery-retries"
    panel.filter_edit.clear()
    panel.apply_filter()
    assert len(children(model)) == 3


def test_filter_by_category_keeps_its_entries(qtbot, panel: LibraryPanel):
    qtbot.keyClicks(panel.filter_edit, "docker")
    panel.apply_filter()
    model = panel.tree.model()
    assert children(model, find(model, "nexus", "Docker")) == ["Docker Compose", "Volumes"]


def test_enter_in_filter_opens_first_match(qtbot, panel: LibraryPanel):
    qtbot.keyClicks(panel.filter_edit, "janu")
    with qtbot.waitSignal(panel.open_requested) as blocker:
        qtbot.keyClick(panel.filter_edit, Qt.Key.Key_Return)
    assert blocker.args == ["notes/daily/2024/jan", "", False]


def test_enter_and_double_click_open_middle_click_new_tab(qtbot, panel: LibraryPanel):
    leaf = find(panel.tree.model(), "nexus", "Docker", "Volumes")
    panel.tree.expandAll()
    panel.tree.setCurrentIndex(leaf)
    with qtbot.waitSignal(panel.open_requested) as blocker:
        qtbot.keyClick(panel.tree, Qt.Key.Key_Return)
    assert blocker.args == ["nexus/docker/volumes", "", False]
    with qtbot.waitSignal(panel.open_requested) as blocker:
        qtbot.keyClick(panel.tree, Qt.Key.Key_Return, Qt.KeyboardModifier.AltModifier)
    assert blocker.args == ["nexus/docker/volumes", "", True]
    rect = panel.tree.visualRect(leaf)
    with qtbot.waitSignal(panel.open_requested) as blocker:
        qtbot.mouseClick(panel.tree.viewport(), Qt.MouseButton.MiddleButton, pos=rect.center())
    assert blocker.args == ["nexus/docker/volumes", "", True]
    with qtbot.waitSignal(panel.open_requested) as blocker:
        qtbot.mouseDClick(panel.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == ["nexus/docker/volumes", "", False]


def test_enter_on_a_group_toggles_it_without_opening(qtbot, panel: LibraryPanel):
    nexus = find(panel.tree.model(), "nexus")
    panel.tree.collapseAll()
    panel.tree.setCurrentIndex(nexus)
    with qtbot.assertNotEmitted(panel.open_requested):
        qtbot.keyClick(panel.tree, Qt.Key.Key_Return)
    assert panel.tree.isExpanded(nexus)


def test_reveal_selects_an_entry(panel: LibraryPanel):
    assert panel.reveal("notes/daily/today")
    assert entry_id_at(panel.tree.currentIndex()) == "notes/daily/today"
    assert not panel.reveal("nope/nothing")


def test_empty_state_and_38k_entries(qtbot, tmp_path: Path):
    widget = LibraryPanel()
    qtbot.addWidget(widget)
    widget.show()
    assert widget.empty_label.isVisible() and not widget.tree.isVisible()
    many = [item(f"big/{c}/page-{i}", f"Page {i}", category=c)
            for c in ("alpha", "beta", "gamma", "delta") for i in range(9_500)]
    widget.set_catalog(many, [Root("big", tmp_path)])
    assert widget.entry_count() == 38_000
    assert widget.tree.isVisible()
    widget.filter_edit.setText("page 9499")
    widget.apply_filter()
    assert children(widget.tree.model(), find(widget.tree.model(), "big", "alpha")) == ["Page 9499"]


def test_escape_clears_the_filter_and_down_moves_to_the_tree(qtbot, panel: LibraryPanel):
    qtbot.keyClicks(panel.filter_edit, "volumes")
    qtbot.keyClick(panel.filter_edit, Qt.Key.Key_Escape)
    assert panel.filter_edit.text() == ""
    assert len(children(panel.tree.model())) == 3
    panel.filter_edit.setFocus()
    qtbot.keyClick(panel.filter_edit, Qt.Key.Key_Down)
    assert panel.tree.hasFocus() or not panel.isActiveWindow()
