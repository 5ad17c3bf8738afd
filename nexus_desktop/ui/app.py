"""Starting the desktop app: the QApplication, the theme, the main window."""

from __future__ import annotations

import argparse
import sys


def run_app(args: argparse.Namespace) -> int:
    """Show the window (quickly: the index opens in the background after it is shown) and run."""
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from nexus_desktop.paths import icon_path
    from nexus_desktop.ui import theme

    app = QApplication.instance() or theme.create_application(sys.argv[0])
    app.setApplicationName("Nexus")
    app.setApplicationDisplayName("Nexus")
    app.setOrganizationName("nexus-desktop")
    app.setDesktopFileName("nexus-desktop")
    icon = QIcon()
    for size in (16, 32, 48, 64, 128, 256):
        icon.addFile(str(icon_path(size)))  # files are read only when a size is drawn
    app.setWindowIcon(icon)

    from nexus_desktop.ui.main_window import MainWindow

    window = MainWindow(getattr(args, "data_dir", None), getattr(args, "content", None))
    window.show()
    window.search_field.setFocus()
    app.setQuitOnLastWindowClosed(True)
    code = app.exec()
    window.shutdown()
    return int(code)
