"""The window's own state between launches: geometry, sidebar width, panel shown, sidebar visible."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QSplitter, QTabWidget

if TYPE_CHECKING:
    from nexus_desktop.core.state import Preferences


def restore_window(window: QMainWindow, splitter: QSplitter, sidebar: QTabWidget, sidebar_action: QAction,
                   prefs: Preferences) -> None:
    """Put the window back as it was; values that make no sense are ignored."""
    geometry = prefs.get("window.geometry")
    if isinstance(geometry, str) and geometry:
        window.restoreGeometry(QByteArray.fromBase64(geometry.encode()))
    sizes = prefs.get("window.splitter")
    if isinstance(sizes, list) and len(sizes) == 2 and all(isinstance(s, int) for s in sizes):
        splitter.setSizes(sizes)
    panel = prefs.get("window.panel", 0)
    if isinstance(panel, int) and 0 <= panel < sidebar.count():
        sidebar.setCurrentIndex(panel)
    visible = bool(prefs.get("window.sidebar", True))
    sidebar_action.setChecked(visible)
    sidebar.setVisible(visible)


def save_window(window: QMainWindow, splitter: QSplitter, sidebar: QTabWidget, sidebar_action: QAction,
                prefs: Preferences) -> None:
    prefs.set("window.geometry", bytes(window.saveGeometry().toBase64().data()).decode())
    sizes = splitter.sizes()
    if sizes and sizes[0] > 0:
        prefs.set("window.splitter", sizes)
    prefs.set("window.panel", sidebar.currentIndex())
    prefs.set("window.sidebar", sidebar_action.isChecked())
