"""The status bar's indicators and the notice banner."""

from __future__ import annotations

from nexus_desktop.ui.banner import Banner
from nexus_desktop.ui.status_bar import StatusBar


def test_indexing_progress_keeps_its_number_and_words_to_the_end(qtbot):
    from nexus_desktop.core.indexing import MERGING, WRITING, IndexingProgress

    bar = StatusBar()
    qtbot.addWidget(bar)
    bar.show()
    bar.show_indexing(IndexingProgress(3, 10))
    assert bar.progress.isVisible() and bar.progress.value() == 3 and bar.progress.maximum() == 10
    assert bar.progress.format() == "Indexing: 3 of 10 entries read\u2026"
    for phase, words in ((WRITING, "writing the index"), (MERGING, "merging the index")):
        bar.show_indexing(IndexingProgress(10, 10, phase))  # never a bar without a label
        assert bar.progress.maximum() == 10 and bar.progress.value() == 10
        assert bar.progress.format().startswith("Indexing: 10 of 10 entries read") and words in bar.progress.format()
    bar.show_indexing(None)
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
