"""Main window behaviour: links, session, background indexing, live re-index, themes, search."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from nexus_desktop.core.search import SearchResults
from nexus_desktop.core.state import Preferences
from nexus_desktop.core.userdb import open_user_db
from tests.ui.conftest import INDEX_TIMEOUT_MS, search_and_wait


# --- link policy -------------------------------------------------------------------------------
def test_entry_link_navigates_and_anchor_scrolls_in_place(qtbot, make_window, opener):
    window = make_window()
    tab = window.open_entry("kb/gzip")
    tab.browser.anchorClicked.emit(QUrl("entry:kb/tar#options"))
    assert tab.entry_id == "kb/tar"
    assert tab.history[tab.position].anchor == "options"
    qtbot.waitUntil(lambda: tab.browser.verticalScrollBar().value() > 0)
    tab.browser.anchorClicked.emit(QUrl("#last-section"))
    assert tab.entry_id == "kb/tar" and tab.history[tab.position].anchor == "last-section"
    assert window.tab_count() == 1
    assert opener.urls == []


def test_relative_and_wiki_links_are_rendered_as_entry_links(make_window):
    window = make_window()
    tab = window.open_entry("kb/tar")
    html = tab.browser.toHtml()
    assert 'href="entry:kb/gzip"' in html
    assert 'href="entry:kb/notes/callouts"' in html


def test_ctrl_or_middle_click_link_opens_new_tab(make_window):
    window = make_window()
    tab = window.open_entry("kb/tar")
    tab.browser.link_requested.emit(QUrl("entry:kb/gzip"), True)
    assert window.tab_count() == 2
    assert window.current_tab().entry_id == "kb/gzip"
    assert tab.entry_id == "kb/tar"


def test_web_links_go_to_the_system_browser_only_on_click(make_window, opener):
    window = make_window()
    tab = window.open_entry("kb/tar")
    assert opener.urls == []  # rendering fetched nothing and opened nothing
    tab.browser.anchorClicked.emit(QUrl("https://www.gnu.org/software/tar/manual/"))
    tab.browser.anchorClicked.emit(QUrl("mailto:someone@example.org"))
    assert opener.urls == ["https://www.gnu.org/software/tar/manual/", "mailto:someone@example.org"]
    assert tab.entry_id == "kb/tar"


def test_other_schemes_and_broken_links_are_refused_with_a_message(make_window, opener):
    window = make_window()
    tab = window.open_entry("kb/tar")
    for url in ("ftp://ftp.example.org/tar", "file:///etc/passwd", "missing-page.md", "javascript:alert(1)"):
        tab.browser.anchorClicked.emit(QUrl(url))
        assert "Refused" in window.statusBar().currentMessage()
    assert opener.urls == []
    assert tab.entry_id == "kb/tar"


def test_tag_link_runs_tag_search(qtbot, make_window):
    window = make_window()
    tab = window.open_entry("kb/tar")
    with qtbot.waitSignal(window.search_panel.results_shown, timeout=10_000):
        tab.browser.anchorClicked.emit(QUrl("tag:archive"))
    assert window.search_field.text() == "tag:archive"
    assert [h.id for h in window.search_panel.model.hits] == ["kb/tar"]


def test_browser_never_loads_remote_or_outside_resources(make_window, tmp_path):
    window = make_window()
    browser = window.open_entry("kb/tar").browser
    outside = tmp_path / "outside.png"
    outside.write_bytes(b"\x89PNG\r\n\x1a\n")
    from PySide6.QtGui import QTextDocument
    image = int(QTextDocument.ResourceType.ImageResource)
    assert browser.loadResource(image, QUrl("https://example.org/x.png")) is None
    assert browser.loadResource(image, QUrl.fromLocalFile(str(outside))) is None
    assert browser.loadResource(int(QTextDocument.ResourceType.StyleSheetResource),
                                QUrl("https://example.org/x.css")) is None


# --- search --------------------------------------------------------------------------------------
def test_search_opened_entry_highlights_terms(qtbot, make_window):
    window = make_window()
    search_and_wait(qtbot, window, "extract")
    top = window.search_panel.current_hit().id
    window.search_panel.activate_current(False)
    qtbot.waitUntil(lambda: window.current_tab().entry_id == top)
    assert window.current_tab().highlight_count() >= 1
    window.open_entry("kb/tar", terms=["extract"])
    assert window.current_tab().highlight_count() >= 2


def test_empty_state_teaches_syntax_and_did_you_mean(qtbot, make_window):
    window = make_window()
    panel = window.search_panel
    assert "tag:" in panel.empty.text()
    with qtbot.waitSignal(window.search.suggested, timeout=10_000):
        search_and_wait(qtbot, window, "gzipp")
    qtbot.waitUntil(lambda: "Did you mean" in panel.header.text())
    assert "gzip" in panel.header.text()
    with qtbot.waitSignal(panel.results_shown, timeout=10_000):
        panel.header.linkActivated.emit("suggest:gzip")
    assert window.search_field.text() == "gzip"
    assert panel.model.hits[0].id == "kb/gzip"


class SlowFakeSearcher:
    """Searches taking 0.4 s for "slow" and no time otherwise, to race results."""

    def __init__(self, _index) -> None:
        self.started = threading.Event()

    def search(self, text, **_kwargs):
        if text.startswith("slow"):
            self.started.set()
            time.sleep(0.4)
        return SearchResults(query=text, total=1, took_ms=1.0,
                             results=[_hit(f"kb/{text}")], terms=[text])

    def suggest(self, _text):
        return None

    def refresh(self):
        pass

    def close(self):
        pass


def _hit(entry_id):
    from nexus_desktop.core.search import Hit
    return Hit(entry_id, entry_id, "kb", entry_id + ".md", 1.0, entry_id, [])


def test_stale_search_results_are_dropped(qtbot, make_window):
    window = make_window(searcher_factory=SlowFakeSearcher)
    panel = window.search_panel
    shown: list[str] = []
    panel.results_shown.connect(lambda query, _total: shown.append(query))
    with qtbot.waitSignal(window.search.started, timeout=5000):
        panel.set_query("slow")  # starts running on the worker
    with qtbot.waitSignal(panel.results_shown, timeout=5000):
        panel.set_query("fast")
    qtbot.wait(600)  # let the slow result arrive: it must not replace the newer one
    assert shown == ["fast"]
    assert [h.id for h in panel.model.hits] == ["kb/fast"]


# --- session -------------------------------------------------------------------------------------
def test_session_restored_across_windows(qtbot, make_window):
    first = make_window()
    tab = first.open_entry("kb/tar")
    bar = tab.browser.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 400)
    tab.open("kb/gzip")
    tab.back()
    bar.setValue(300)
    first.new_tab("kb/notes/callouts")
    first.set_zoom(2)
    first.tabs.setCurrentIndex(0)
    first.close()

    second = make_window()
    assert second.tab_count() == 2
    assert second.tabs.currentIndex() == 0
    restored = second.current_tab()
    assert [h.entry_id for h in restored.history][-2:] == ["kb/tar", "kb/gzip"]
    assert restored.entry_id == "kb/tar" and restored.can_go_forward()
    qtbot.waitUntil(lambda: restored.browser.verticalScrollBar().value() == 300)
    assert second.windowTitle() == "tar \u2014 Nexus"
    assert second.zoom == 2
    second.tabs.setCurrentIndex(1)
    assert second.current_tab().entry_id == "kb/notes/callouts"
    assert "Careful" in second.current_tab().browser.toPlainText()


def test_vanished_entry_shows_not_found_page(qtbot, make_window, content_dir):
    first = make_window()
    first.open_entry("kb/gzip")
    first.close()
    (content_dir / "gzip.md").unlink()
    second = make_window()
    tab = second.current_tab()
    assert tab.entry_id == "kb/gzip"
    text = tab.browser.toPlainText()
    assert "Entry not found" in text and "kb/gzip" in text
    assert second.windowTitle() == "Entry not found \u2014 Nexus"


def test_window_geometry_panel_and_theme_remembered(qtbot, make_window, data_dir):
    first = make_window()
    first.resize(700, 500)
    first.show_panel(2)
    first.set_theme("dark")
    first.close()
    second = make_window()
    assert second.size().width() == 700
    assert second.sidebar.currentIndex() == 2
    assert second.themes.mode == "dark"


# --- background indexing and live re-index ---------------------------------------------------------
def test_window_shows_before_indexing_and_searches_once_indexed(qtbot, make_window):
    window = make_window(wait=False)
    assert window.isVisible()
    with qtbot.waitSignal(window.index_updated, timeout=INDEX_TIMEOUT_MS):
        pass
    search_and_wait(qtbot, window, "compress")
    assert {h.id for h in window.search_panel.model.hits} >= {"kb/gzip"}


def test_changed_folder_is_reindexed_and_open_tab_reloads(qtbot, make_window, content_dir):
    window = make_window()
    tab = window.open_entry("kb/tar")
    bar = tab.browser.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 400)
    bar.setValue(250)
    with qtbot.waitSignal(window.tabs_reloaded, timeout=INDEX_TIMEOUT_MS) as reloaded:
        (content_dir / "notes" / "zebrafish.md").write_text("# Zebrafish\n\nStriped aquarium fish.\n",
                                                            encoding="utf-8")
        path = content_dir / "tar.md"
        path.write_text(path.read_text(encoding="utf-8").replace("The end of the tar page.",
                                                                 "The end, REVISED on disk."), encoding="utf-8")
    assert reloaded.args[0] == ["kb/tar"]
    assert "REVISED on disk" in tab.browser.toPlainText()
    qtbot.waitUntil(lambda: bar.value() == 250)
    search_and_wait(qtbot, window, "zebrafish")
    assert [h.id for h in window.search_panel.model.hits] == ["kb/notes/zebrafish"]


def test_deleted_open_entry_turns_into_not_found(qtbot, make_window, content_dir):
    window = make_window()
    tab = window.open_entry("kb/gzip")
    with qtbot.waitSignal(window.index_updated, timeout=INDEX_TIMEOUT_MS):
        (content_dir / "gzip.md").unlink()
    qtbot.waitUntil(lambda: "Entry not found" in tab.browser.toPlainText())


def test_index_locked_by_another_process_searches_read_only(qtbot, make_window, content_dir, data_dir):
    first = make_window()
    first.close()
    from nexus_desktop.core.workspace import Workspace
    from nexus_desktop.paths import user_dirs
    from whoosh import index as whoosh_index
    workspace = Workspace.create(user_dirs(str(data_dir)), [str(content_dir)])
    writer = whoosh_index.open_dir(str(workspace.index_dir)).writer()  # holds the lock
    try:
        (content_dir / "new.md").write_text("# New\n\nA new entry.\n", encoding="utf-8")
        second = make_window()
        qtbot.waitUntil(lambda: second.library.read_only)
        assert second.status.read_only_label.isVisible()
        search_and_wait(qtbot, second, "gzip")
        assert second.search_panel.model.hits[0].id == "kb/gzip"
    finally:
        writer.cancel()


# --- notices and themes ------------------------------------------------------------------------------
def test_corrupt_user_db_notice_is_shown(qtbot, make_window, data_dir):
    (data_dir / "nexus.sqlite3").write_bytes(b"this is not a database" * 100)
    window = make_window()
    qtbot.waitUntil(lambda: window.banner.isVisible())
    assert "moved" in window.banner.label.text()


def test_theme_switch_changes_window_and_content(qtbot, make_window, data_dir):
    window = make_window()
    tab = window.open_entry("kb/tar")
    window.set_theme("light")
    light_window = QApplication.palette().color(QPalette.ColorRole.Window).lightness()
    light_html = tab.browser.toHtml()
    window.themes.actions["dark"].trigger()
    assert window.themes.mode == "dark"
    assert QApplication.palette().color(QPalette.ColorRole.Window).lightness() < light_window
    assert QApplication.palette().color(QPalette.ColorRole.Window).lightness() < 100
    assert "#d6dbe0" in tab.browser.document().defaultStyleSheet()
    assert tab.browser.toHtml() != light_html  # code highlighting re-rendered with the dark palette
    assert "#161b22" in tab.browser.toHtml()
    window.set_theme("light")
    assert "#1f2328" in tab.browser.document().defaultStyleSheet()
    db = open_user_db(Path(data_dir))
    try:
        assert Preferences(db).get("theme") == "light"
    finally:
        db.close()


def test_add_folder_to_library(qtbot, make_window, tmp_path):
    notes = tmp_path / "More Notes"
    notes.mkdir()
    (notes / "todo.md").write_text("# Todo\n", encoding="utf-8")
    window = make_window()
    assert window.add_folder(str(notes)) == "more-notes"
    assert window.banner.isVisible()  # --content run: said where the folder will show up
    assert os.path.isdir(notes)


def test_window_shows_without_loading_the_index_or_markdown(tmp_path):
    import subprocess
    import sys
    script = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from nexus_desktop.ui.main_window import MainWindow\n"
        f"w = MainWindow({str(tmp_path / 'data')!r}, None)\n"
        "w.show()\n"
        "print(sorted(m for m in ('whoosh', 'markdown', 'yaml', 'sqlite3') if m in sys.modules))\n"
        "w.initialise(); w.close()\n")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env,
                          cwd=str(Path(__file__).resolve().parents[2]))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_tab_menu_actions(qtbot, make_window):
    window = make_window()
    window.open_entry("kb/tar")
    window.tab_owner.duplicate_tab(0)
    assert window.tab_count() == 2 and window.current_tab().entry_id == "kb/tar"
    window.new_tab("kb/gzip")
    window.tab_owner.close_other_tabs(window.tabs.currentIndex())
    assert window.tab_count() == 1 and window.current_tab().entry_id == "kb/gzip"
    window.tab_owner.reopen_closed_tab()
    assert window.tab_count() == 2


def test_outline_and_library_panels_follow_the_current_entry(qtbot, make_window):
    window = make_window()
    tab = window.open_entry("kb/tar")
    outline = window.outline_panel
    assert outline is not None and outline.entry_id == "kb/tar"
    outline.jump_requested.emit("last-section")
    assert tab.history[tab.position].anchor == "last-section"
    qtbot.waitUntil(lambda: tab.browser.verticalScrollBar().value() > 0)
    library = window.library_panel
    assert library is not None and library.entry_count() == 3
    library.open_requested.emit("kb/gzip", "", True)
    assert window.tab_count() == 2 and window.current_tab().entry_id == "kb/gzip"


# --- big entries: first screens at once, the rest as it is rendered ----------------------------------
def _write_big_entry(content_dir: Path, sections: int = 60) -> None:
    parts = [f"## Chapter {n}\n\n" + f"Chapter {n} talks about rivers, lakes and `code {n}`. " * 18
             for n in range(sections)]
    (content_dir / "big.md").write_text("# Big\n\n" + "\n\n".join(parts) + "\n\nThe very end.\n", encoding="utf-8")


def _whole_text(window, entry_id: str) -> str:
    from PySide6.QtWidgets import QTextBrowser

    browser = QTextBrowser()
    browser.document().setDefaultStyleSheet(window.pages.css())
    browser.setHtml(window.pages.page(entry_id).html)
    return browser.toPlainText()


def test_a_big_entry_shows_its_first_screens_then_the_whole_page(qtbot, make_window, content_dir):
    _write_big_entry(content_dir)
    window = make_window()
    tab = window.open_entry("kb/big")
    with qtbot.waitSignal(tab.page_completed, timeout=10_000):
        shown_first = tab.browser.toPlainText()
        assert "Chapter 0 talks" in shown_first and "The very end." not in shown_first
        assert window.windowTitle() == "Big \u2014 Nexus"
    assert not tab.completing
    assert tab.browser.toPlainText().replace("\u200b", "") == _whole_text(window, "kb/big")


def test_jumping_into_a_big_entry_still_loading_shows_the_whole_page_at_once(qtbot, make_window, content_dir):
    _write_big_entry(content_dir)
    window = make_window()
    tab = window.open_entry("kb/big")
    assert tab.completing
    window.outline_panel.jump_requested.emit("chapter-55")
    assert not tab.completing and "The very end." in tab.browser.toPlainText()
    qtbot.waitUntil(lambda: tab.browser.verticalScrollBar().value() > 0)


def test_pieces_of_a_page_left_behind_are_dropped(qtbot, make_window, content_dir):
    _write_big_entry(content_dir)
    window = make_window()
    tab = window.open_entry("kb/big")
    tab.open("kb/gzip")
    gzip_text = tab.browser.toPlainText()
    from nexus_desktop.ui.background import shared_runner
    qtbot.waitUntil(lambda: not shared_runner("nexus-render").busy, timeout=10_000)
    QApplication.processEvents()
    assert tab.browser.toPlainText() == gzip_text and "Chapter" not in gzip_text


def test_a_file_edited_in_place_is_found_when_the_user_comes_back(qtbot, make_window, content_dir, monkeypatch):
    from PySide6.QtCore import QEvent

    from nexus_desktop.ui import library_controller

    window = make_window()
    path = content_dir / "gzip.md"
    with open(path, "a", encoding="utf-8") as file:  # in place: no folder event (an editor saving over it)
        file.write("\nokapi\n")
    monkeypatch.setattr(library_controller, "RECHECK_AFTER_S", 0.0)
    with qtbot.waitSignal(window.index_updated, timeout=INDEX_TIMEOUT_MS):
        QApplication.sendEvent(window, QEvent(QEvent.Type.ActivationChange))  # back from the editor
    search_and_wait(qtbot, window, "okapi")
    assert [h.id for h in window.search_panel.model.hits] == ["kb/gzip"]


def test_a_big_entry_in_steps_has_no_joining_characters_in_its_code(qtbot, make_window, content_dir):
    sections = [f"## Chapter {n}\n\n" + "Words about rivers. " * 60 + f"\n\n```python\nprint({n})\n```\n"
                for n in range(60)]
    (content_dir / "code.md").write_text("# Code\n\n" + "\n".join(sections), encoding="utf-8")
    window = make_window()
    tab = window.open_entry("kb/code")
    with qtbot.waitSignal(tab.page_completed, timeout=10_000):
        assert tab.completing
    text = tab.browser.toPlainText()
    assert "\u200b" not in text and "print(59)" in text
    assert text == _whole_text(window, "kb/code")
