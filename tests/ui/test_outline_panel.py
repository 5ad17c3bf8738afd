"""Tests for the outline panel."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt

from nexus_desktop.core.library import Heading
from nexus_desktop.ui.outline_panel import OutlinePanel

HEADINGS = [Heading(1, "Celery", "celery"), Heading(2, "Retries", "retries"),
            Heading(3, "Backoff", "backoff"), Heading(2, "Routing", "routing"),
            Heading(1, "See also", "see-also")]


@pytest.fixture
def panel(qtbot) -> OutlinePanel:
    widget = OutlinePanel()
    qtbot.addWidget(widget)
    widget.show()
    return widget


def tree_texts(model, parent=QModelIndex(), depth=0) -> list[str]:
    out = []
    for row in range(model.rowCount(parent)):
        index = model.index(row, 0, parent)
        out.append("  " * depth + index.data())
        out.extend(tree_texts(model, index, depth + 1))
    return out


def test_empty_state_without_entry_or_headings(panel: OutlinePanel):
    assert panel.empty_label.isVisible() and not panel.tree.isVisible()
    assert "Open an entry" in panel.empty_label.text()
    panel.set_headings("nexus/x", [])
    assert panel.empty_label.isVisible()
    assert "no headings" in panel.empty_label.text()


def test_headings_nest_by_level(panel: OutlinePanel):
    panel.set_headings("nexus/async/celery", HEADINGS)
    assert panel.tree.isVisible() and not panel.empty_label.isVisible()
    assert tree_texts(panel.tree.model()) == ["Celery", "  Retries", "    Backoff", "  Routing", "See also"]


def test_skipped_levels_still_nest(panel: OutlinePanel):
    panel.set_headings("e", [Heading(2, "A", "a"), Heading(4, "B", "b"), Heading(3, "C", "c"),
                             Heading(1, "D", "d")])
    assert tree_texts(panel.tree.model()) == ["A", "  B", "  C", "D"]


def test_click_and_enter_jump(qtbot, panel: OutlinePanel):
    panel.set_headings("nexus/async/celery", HEADINGS)
    assert panel.select_anchor("backoff")
    with qtbot.waitSignal(panel.jump_requested) as blocker:
        qtbot.keyClick(panel.tree, Qt.Key.Key_Return)
    assert blocker.args == ["backoff"]
    index = panel.tree.model().index(1, 0)  # "See also"
    with qtbot.waitSignal(panel.jump_requested) as blocker:
        qtbot.mouseClick(panel.tree.viewport(), Qt.MouseButton.LeftButton,
                         pos=panel.tree.visualRect(index).center())
    assert blocker.args == ["see-also"]
    assert not panel.select_anchor("nope")


def test_bookmark_this_section(qtbot, panel: OutlinePanel):
    panel.set_headings("nexus/async/celery", HEADINGS)
    panel.select_anchor("routing")
    assert panel.bookmark_action.text() == "Bookmark this section"
    with qtbot.waitSignal(panel.bookmark_heading_requested) as blocker:
        panel.bookmark_action.trigger()
    assert blocker.args == ["nexus/async/celery", "routing", "Routing"]


def test_no_bookmark_signal_without_entry(qtbot, panel: OutlinePanel):
    panel.clear()
    with qtbot.assertNotEmitted(panel.bookmark_heading_requested):
        panel.bookmark_action.trigger()


def test_showing_page_after_page_keeps_no_row_objects(panel: OutlinePanel):
    """clear() freed the rows in C++ only: every page shown left one Python object per heading behind."""
    import gc

    from PySide6.QtGui import QStandardItem

    def items() -> int:
        gc.collect()
        return sum(1 for o in gc.get_objects() if isinstance(o, QStandardItem))

    panel.set_headings("nexus/a", HEADINGS)
    before = items()
    for n in range(20):
        panel.set_headings(f"nexus/{n}", HEADINGS)
    assert items() <= before
    assert tree_texts(panel.model)[0] == "Celery"
