"""The start page's categories are links to the lists of their entries."""

from __future__ import annotations

import re

from nexus_desktop.core.start_page import START_ID


def test_a_category_link_goes_to_its_entries(qtbot, make_window):
    window = make_window()
    tab = window.open_entry(START_ID)
    qtbot.waitUntil(lambda: tab.loaded and tab.page is not None and not tab.page.loading)
    anchors = re.findall(r'href="#([^"]+)"', tab.page.html)
    assert anchors, "the categories are links"
    assert window.handle_link(f"#{anchors[0]}", tab=tab)
    qtbot.waitUntil(lambda: tab.history[tab.position].anchor == anchors[0])
    text = tab.browser.toPlainText()
    assert "Entries by category" in text and "gzip" in text.split("Entries by category", 1)[1]
