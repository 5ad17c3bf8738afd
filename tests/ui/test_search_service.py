"""The search service in the window: a damaged index is rebuilt and searched again without a restart."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from nexus_desktop.ui.main_window import MainWindow
from tests.ui.conftest import search_and_wait

REBUILD_TIMEOUT_MS = 60_000


def _garble(target: Path) -> None:
    """Every byte changed in place, the size kept (what a bad disk or a stray write does)."""
    with target.open("r+b") as file:
        data = bytearray(file.read())
        file.seek(0)
        file.write(bytes(b ^ 0x5A for b in data))


def test_a_search_that_finds_the_index_damaged_rebuilds_it_and_searches_again(
        qtbot: Any, make_window: Callable[..., MainWindow]) -> None:
    window = make_window()
    search_and_wait(qtbot, window, "tar")
    assert "kb/tar" in {h.id for h in window.search_panel.model.hits}
    index_dir = window.library.service.worker.workspace.index_dir
    for target in index_dir.glob("*.trm"):
        _garble(target)
    with qtbot.waitSignal(window.search.damaged, timeout=10_000) as damaged:
        window.search_field.clear()
        qtbot.keyClicks(window.search_field, "gzip")
    with qtbot.waitSignal(window.library.indexed, timeout=REBUILD_TIMEOUT_MS) as rebuilt, \
            qtbot.waitSignal(window.search_panel.results_shown, timeout=REBUILD_TIMEOUT_MS):
        pass
    assert "rebuilt" in damaged.args[0]
    assert window.banner.isVisible()
    report, library_updated = rebuilt.args
    assert report.added == 3 and library_updated
    assert "kb/gzip" in {h.id for h in window.search_panel.model.hits}  # the query that found the damage, asked again
    assert index_dir.with_name(f"{index_dir.name}.broken").is_dir()
    search_and_wait(qtbot, window, "tar")
    assert "kb/tar" in {h.id for h in window.search_panel.model.hits}
