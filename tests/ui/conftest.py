"""Fixtures for the window tests: a MainWindow on a temp data folder and the small `kb` library."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QWidget

from nexus_desktop.ui.main_window import MainWindow

INDEX_TIMEOUT_MS = 30_000


class FakeOpener:
    """Stands in for QDesktopServices.openUrl: records what would have gone to the system browser."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def __call__(self, url: QUrl) -> bool:
        self.urls.append(url.toString())
        return True


@pytest.fixture
def opener() -> FakeOpener:
    return FakeOpener()


@pytest.fixture
def make_window(qtbot: Any, data_dir: Path, content_dir: Path, opener: FakeOpener) -> Callable[..., MainWindow]:
    """Build, show and wait for a window over `kb` whose index is up to date."""

    def make(wait: bool = True, **kwargs: Any) -> MainWindow:
        kwargs.setdefault("opener", opener)
        window = MainWindow(str(data_dir), [str(content_dir)], **kwargs)
        qtbot.addWidget(window)
        if wait:
            with qtbot.waitSignal(window.index_updated, timeout=INDEX_TIMEOUT_MS):
                window.show()
        else:
            window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        return window

    return make


def search_and_wait(qtbot: Any, window: MainWindow, text: str) -> None:
    """Type a query into the search field and wait for its results."""
    with qtbot.waitSignal(window.search_panel.results_shown, timeout=10_000):
        window.search_field.clear()
        qtbot.keyClicks(window.search_field, text)


@pytest.fixture
def window(qtbot: Any) -> QWidget:
    """A plain shown top-level widget, the parent of a popup under test."""
    parent = QWidget()
    parent.resize(900, 600)
    qtbot.addWidget(parent)
    parent.show()
    return parent
