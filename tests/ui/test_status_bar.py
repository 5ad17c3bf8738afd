"""The status bar's indicators and the notice banner."""

from __future__ import annotations

from nexus_desktop.ui.banner import Banner
from nexus_desktop.ui.status_bar import StatusBar


def test_progress_then_writing_then_hidden(qtbot):
    bar = StatusBar()
    qtbot.addWidget(bar)
    bar.show()
    bar.show_progress(3, 10)
    assert bar.progress.isVisible() and bar.progress.value() == 3 and bar.progress.maximum() == 10
    bar.show_progress(10, 10)
    assert bar.progress.maximum() == 0 and "Writing" in bar.progress.format()
    bar.hide_progress()
    assert not bar.progress.isVisible()


def test_read_only_indicator_says_why(qtbot):
    bar = StatusBar()
    qtbot.addWidget(bar)
    bar.show()
    bar.show_read_only("Another Nexus is indexing.")
    assert bar.read_only_label.isVisible() and bar.read_only_label.toolTip() == "Another Nexus is indexing."
    assert bar.currentMessage() == "Another Nexus is indexing."


def test_banner_shows_each_notice_once_until_dismissed(qtbot):
    banner = Banner()
    qtbot.addWidget(banner)
    banner.set_scheme("dark")
    banner.add("The database was copied aside.")
    banner.add("The database was copied aside.")
    banner.add("The index was rebuilt.")
    assert banner.isVisibleTo(None) or not banner.isHidden()
    assert banner.label.text() == "The database was copied aside.\nThe index was rebuilt."
    banner.dismiss()
    assert banner.isHidden() and banner.messages == []


def test_read_only_indicator_goes_when_this_window_indexes_again(qtbot):
    from nexus_desktop.core.index import IndexReport

    bar = StatusBar()
    qtbot.addWidget(bar)
    bar.show()
    bar.show_read_only("Another Nexus is indexing.")
    bar.show_report(None)  # the index opened as it is: still read-only
    assert bar.read_only_label.isVisible()
    bar.show_report(IndexReport(added=1))  # the other writer finished, this window indexed
    assert not bar.read_only_label.isVisible()
