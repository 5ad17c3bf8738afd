"""The window check: the real main window offscreen on the selftest's data folder, with tabs, reopened."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from nexus_desktop.selftest.report import CheckFailed, expect

if TYPE_CHECKING:
    from PySide6.QtCore import QCoreApplication, QMessageLogContext, QtMsgType

    from nexus_desktop.selftest.checks import SelfTest
    from nexus_desktop.ui.main_window import MainWindow


class WindowCheck:
    """Open the real main window offscreen against the selftest's data folder, with tabs; reopen it."""

    OPEN_TIMEOUT_S = 60.0

    def __init__(self, test: SelfTest) -> None:
        self.test = test

    def run(self) -> str:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # always: a selftest never pops up a window
        try:
            from nexus_desktop.ui.main_window import MainWindow  # noqa: F401
        except ImportError as exc:
            raise CheckFailed(f"the UI is not available: {exc}") from exc
        from PySide6.QtWidgets import QApplication

        _quiet_offscreen_warnings()
        app = QApplication.instance() or QApplication([sys.argv[0]])
        ids = [i for i, _ in self.test._sample_entries()]
        # The same data folder as the index checks: the window finds the index built and up to date.
        data_dir = self.test.temp / "data"
        started = time.perf_counter()
        window, ready_ms = self._open(app, data_dir)
        shown_ms = (time.perf_counter() - started) * 1000
        try:
            expect(window.isVisible(), "the window is not visible")
            start_tabs = self._tab_ids(window)
            expect(start_tabs, "no tab at launch (expected the start page)")
            for entry_id in ids:
                window.open_entry(entry_id, new_tab=True)
                _process(app, 0.05)
            opened = self._tab_ids(window)
            expect(all(i in opened for i in ids), f"tabs hold {opened}, expected {ids}")
            shown = window.current_tab()
            if shown is None or shown.entry_id != ids[-1]:
                raise CheckFailed(f"current tab shows {shown.entry_id if shown else None}, expected {ids[-1]}")
            _wait(app, lambda: shown.loaded, 10.0)
            expect(shown.loaded, f"{ids[-1]} did not load")
            title = window.windowTitle()
            expect(title.endswith("\u2014 Nexus") and len(title) > len(" \u2014 Nexus"),
                   f"window title {title!r}")
        finally:
            window.close()  # saves the session
            _process(app, 0.1)
            window.deleteLater()
            _process(app, 0.05)
        window, _ = self._open(app, data_dir)
        try:
            restored = self._tab_ids(window)
            expect(restored == opened, f"after reopening the tabs hold {restored}, expected {opened}")
            current = window.current_tab()
            expect(current is not None and current.entry_id == ids[-1],
                   f"current tab is {current.entry_id if current else None}, expected {ids[-1]}")
        finally:
            window.close()
            _process(app, 0.1)
            window.deleteLater()
            _process(app, 0.05)
        return (f"shown in {shown_ms:.0f} ms, library open after {ready_ms:.0f} ms; "
                f"{len(restored)} tabs restored")

    def _open(self, app: QCoreApplication, data_dir: Path) -> tuple[MainWindow, float]:
        from nexus_desktop.ui.main_window import MainWindow

        started = time.perf_counter()
        window = MainWindow(str(data_dir), self.test.content or None)
        opened: list[bool] = []
        window.library_opened.connect(lambda: opened.append(True))
        window.show()
        _wait(app, lambda: bool(opened), self.OPEN_TIMEOUT_S)
        if not opened:
            window.close()
            raise CheckFailed(f"the library did not open within {self.OPEN_TIMEOUT_S:.0f} s")
        return window, (time.perf_counter() - started) * 1000

    @staticmethod
    def _tab_ids(window: MainWindow) -> list[str]:
        return [tab.entry_id for tab in window.tab_owner.all()]


_NOISE = ("does not support propagateSizeHints",)


def _quiet_offscreen_warnings() -> None:
    """Drop the offscreen platform's harmless complaints; pass every other Qt message on to stderr."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(_kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
        if not any(noise in message for noise in _NOISE):
            print(message, file=sys.stderr, flush=True)

    qInstallMessageHandler(handler)


def _wait(app: QCoreApplication, condition: Callable[[], bool], timeout: float) -> None:
    """Run the Qt event loop until `condition()` holds or `timeout` seconds pass."""
    deadline = time.perf_counter() + timeout
    while not condition() and time.perf_counter() < deadline:
        _process(app, 0.02)


def _process(app: QCoreApplication, seconds: float) -> None:
    """Let Qt run its event loop for a while (timers, deferred loads)."""
    from PySide6.QtCore import QEventLoop

    deadline = time.perf_counter() + seconds
    while True:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        if time.perf_counter() >= deadline:
            break
        time.sleep(0.005)
