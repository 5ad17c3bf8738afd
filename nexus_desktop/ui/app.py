"""Starting the desktop app: the QApplication, the theme, the main window."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtCore import QMessageLogContext, QtMsgType

    from nexus_desktop.core.urls import OpenRequest
    from nexus_desktop.paths import UserDirs
    from nexus_desktop.ui.main_window import MainWindow

LOG_NAME = "nexus-desktop.log"  # in the cache folder (beside the index): diagnostics, never user data
LOG_MAX_BYTES = 1_000_000        # one file this big and one older one are kept
qt_log = logging.getLogger("qt")


def run_app(args: argparse.Namespace, requests: list[OpenRequest] | None = None) -> int:
    """Show the window (quickly: the index opens in the background after it is shown) and run; when a
    window already runs on this data folder, hand it `requests` and the --content folders instead."""
    from nexus_desktop.core.instance import HandOver, encode, instance_name
    from nexus_desktop.paths import user_dirs
    from nexus_desktop.ui.single_instance import hand_over, socket_address

    content = [str(Path(folder).expanduser().resolve()) for folder in getattr(args, "content", None) or []]
    handover = HandOver(tuple(requests or ()), tuple(content))
    user = str(os.getuid()) if hasattr(os, "getuid") else os.environ.get("USERNAME", "")
    address = socket_address(instance_name(user_dirs(getattr(args, "data_dir", None)).data, user))
    if hand_over(address, lambda: encode(handover)):
        return 0  # the running window has them, and comes to the front
    import faulthandler

    faulthandler.enable()  # a crash in Qt or a C extension leaves the Python stack on the terminal
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from nexus_desktop.paths import icon_path
    from nexus_desktop.ui import theme

    log_to_file(user_dirs(getattr(args, "data_dir", None)))
    route_qt_messages()

    running = QApplication.instance()
    app = running if isinstance(running, QApplication) else theme.create_application(sys.argv[0])
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
    from PySide6.QtCore import QTimer

    QTimer.singleShot(0, lambda: quit_on_signals(window))  # after the first frame: it imports socket
    QTimer.singleShot(0, lambda: window.serve_launches(address, handover.open))
    app.setQuitOnLastWindowClosed(True)
    code = app.exec()
    window.shutdown()
    return int(code)


def quit_on_signals(window: MainWindow) -> None:
    """SIGTERM (and SIGINT) quit like Ctrl+Q: the session is saved and the app exits cleanly.

    Python runs signal handlers only when it has control, which Qt's event loop rarely gives it: the
    signal number is written to a socket whose notifier wakes the event loop (`set_wakeup_fd`)."""
    import signal
    import socket

    from PySide6.QtCore import QSocketNotifier

    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    signal.set_wakeup_fd(writer.fileno())
    wanted = (signal.SIGTERM, signal.SIGINT)
    for number in wanted:
        signal.signal(number, lambda *_args: None)  # the wakeup byte does the work, on the GUI thread

    def woken() -> None:
        try:
            numbers = reader.recv(64)
        except OSError:
            return
        if any(number in wanted for number in numbers):
            window.quit()

    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, window)
    notifier.activated.connect(woken)
    window.signal_wakeup = (reader, writer, notifier)  # kept open as long as the window lives


def log_to_file(dirs: UserDirs) -> Path | None:
    """Send the app's log (and Qt's messages) to LOG_NAME in the cache folder; errors still reach the
    terminal too. None when the folder cannot be written: the log then stays on the terminal."""
    from logging.handlers import RotatingFileHandler

    path = dirs.cache / LOG_NAME
    try:
        dirs.cache.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(path, maxBytes=LOG_MAX_BYTES, backupCount=1, encoding="utf-8", delay=True)
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    terminal = logging.StreamHandler()
    terminal.setLevel(logging.ERROR)
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    root.addHandler(handler)
    root.addHandler(terminal)
    return path


def route_qt_messages() -> None:
    """Qt's own messages (font fallbacks such as "OpenType support missing for script", plugin
    notes) go to the log, not to the terminal; critical and fatal ones are logged as errors."""
    from PySide6.QtCore import qInstallMessageHandler

    qInstallMessageHandler(qt_message)


def qt_message(kind: QtMsgType, _context: QMessageLogContext, text: str) -> None:
    """One Qt message, logged at the level its kind says."""
    from PySide6.QtCore import QtMsgType

    level = {QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.INFO,
             QtMsgType.QtWarningMsg: logging.WARNING}.get(kind, logging.ERROR)
    qt_log.log(level, "%s", text)
