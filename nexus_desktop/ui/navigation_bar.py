"""The first frame's toolbar: back, forward, the search field and the bookmark star, showing the current tab."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QToolBar, QWidget

from nexus_desktop.ui.search_field import SearchField

if TYPE_CHECKING:
    from nexus_desktop.ui.viewer import ViewerTab

STAR_ON, STAR_OFF = "\u2605", "\u2606"


class NavigationBar(QToolBar):
    """Its actions are the window's Back, Forward and Bookmark commands (actions.COMMANDS gives them their
    shortcuts after the first frame); the state they show is pushed with `show_tab`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Navigation", parent)
        # No Qt.* enum here: the first one builds the Qt namespace (see lazy_qt, theme.palette_scheme).
        self.setObjectName("navigationBar")
        self.setMovable(False)
        self.setFloatable(False)
        self.back_action = QAction("\u2190", self)
        self.back_action.setToolTip("Back (Alt+Left)")
        self.forward_action = QAction("\u2192", self)
        self.forward_action.setToolTip("Forward (Alt+Right)")
        self.addAction(self.back_action)
        self.addAction(self.forward_action)
        self.search_field = SearchField(self)
        self.search_field.setMinimumWidth(360)
        self.addWidget(self.search_field)
        self.star_action = QAction(STAR_OFF, self)
        self.star_action.setToolTip("Bookmark this entry (Ctrl+D)")
        self.addAction(self.star_action)

    def show_tab(self, tab: ViewerTab | None, starred: frozenset[str]) -> None:
        """Back and forward as the tab's history allows; the star lit when its entry has a bookmark."""
        self.back_action.setEnabled(tab is not None and tab.can_go_back())
        self.forward_action.setEnabled(tab is not None and tab.can_go_forward())
        entry = tab is not None and tab.shows_entry()
        self.star_action.setEnabled(entry)
        self.star_action.setText(STAR_ON if entry and tab is not None and tab.entry_id in starred else STAR_OFF)
