"""What tabs show for generated pages: the Help page has an outline that jumps to its sections."""

from __future__ import annotations

from PySide6.QtCore import Qt

from nexus_desktop.core.start_page import HELP_ID
from nexus_desktop.ui.outline_panel import ANCHOR_ROLE


def test_the_outline_shows_the_help_pages_headings_and_jumps_to_them(qtbot, make_window):
    window = make_window()
    window.resize(1000, 500)
    window.show_help()
    tab, outline = window.current_tab(), window.outline_panel
    assert tab.entry_id == HELP_ID
    window.show_panel(3)
    assert outline.tree.isVisible() and not outline.empty_label.isVisible()
    model = outline.model
    last = model.index(model.rowCount() - 1, 0)
    while model.rowCount(last):
        last = model.index(model.rowCount(last) - 1, 0, last)
    outline.tree.setCurrentIndex(last)
    anchor = last.data(ANCHOR_ROLE)  # read now: a model index is not to be kept across the panel's updates
    qtbot.keyClick(outline.tree, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: tab.scroll_position() > 0)
    assert tab.history[tab.position].anchor == anchor
