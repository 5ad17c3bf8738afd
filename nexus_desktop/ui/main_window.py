"""The main window: search field, sidebar panels, entry tabs, status bar, menus and the session."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import QApplication, QFrame, QMainWindow, QToolBar, QWidget

from nexus_desktop import __version__
from nexus_desktop.core.start_page import BUNDLED_START, HELP_ID, START_ID, help_markdown, personal_markdown, \
    start_entry
from nexus_desktop.ui import theme
from nexus_desktop.ui.lazy_qt import Qt, lazy_names  # launch path: loaded after the first frame

# Used once the window is shown; loading them before would delay its first frame by ~15 ms. The
# TYPE_CHECKING imports below name the same things for readers and linters.
lazy_names(globals(), "html")
lazy_names(globals(), "PySide6.QtCore", "QByteArray", "QEvent", "QFileSystemWatcher", "QPoint", "QUrl")
lazy_names(globals(), "PySide6.QtGui", "QActionGroup", "QGuiApplication", "QKeySequence")
lazy_names(globals(), "PySide6.QtWidgets", "QFileDialog", "QHBoxLayout", "QLabel", "QMenu", "QMessageBox",
           "QProgressBar", "QSplitter", "QTabWidget", "QToolButton", "QVBoxLayout")

if TYPE_CHECKING:
    import html

    from PySide6.QtCore import QByteArray, QEvent, QFileSystemWatcher, QPoint, QUrl
    from PySide6.QtGui import QActionGroup, QGuiApplication, QKeySequence
    from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QMenu, QMessageBox, QProgressBar, QSplitter, \
        QTabWidget, QToolButton, QVBoxLayout

    from nexus_desktop.core.state import Session, TabState
    from nexus_desktop.ui.session_controller import SessionController
    from nexus_desktop.ui.viewer import Page, ViewerTab
    from nexus_desktop.ui.workers import LibrarySnapshot

WATCH_DEBOUNCE_MS = 250
RECHECK_AFTER_S = 30.0  # back in the window after this long: look for files edited in place meanwhile
CLOSED_KEEP = 25
TAB_TITLE_CHARS = 28
BOOKMARKS_TAB = 2  # sidebar: Search, Library, Bookmarks, Outline
Opener = Callable[["QUrl"], Any]


class Pages:
    """Renders what tabs show: entries, the start page, help, and "not found" pages."""

    def __init__(self, window: "MainWindow") -> None:
        self.window = window
        self.snapshot: LibrarySnapshot | None = None
        self.scheme = "light"
        self._titles: dict[str, str] = {}

    def set_snapshot(self, snapshot: LibrarySnapshot) -> None:
        snapshot.use_resolver()
        self.snapshot = snapshot
        self._titles = {item.id: item.title for item in snapshot.catalog}

    def css(self) -> str:
        return theme.content_css(self.scheme)

    def image_allowed(self, path: Path) -> bool:
        if self.snapshot is None:
            return False
        try:
            resolved = path.resolve()
        except OSError:
            return False
        for root in self.snapshot.workspace.roots:
            try:
                resolved.relative_to(Path(root.path).resolve())
                return True
            except ValueError:
                continue
        return False

    def title_of(self, entry_id: str) -> str:
        if entry_id == START_ID:
            return "Start"
        if entry_id == HELP_ID:
            return "Help"
        return self._titles.get(entry_id) or entry_id.rsplit("/", 1)[-1]

    def renderer(self) -> Any:
        assert self.snapshot is not None
        return self.snapshot.renderers[self.scheme]

    def page(self, entry_id: str, first_part: bool = False) -> Page:
        from nexus_desktop.ui.viewer import Page

        if self.snapshot is None:
            return Page(entry_id, self.title_of(entry_id),
                        "<p style='color:gray'>Opening the library\u2026</p>", loading=True)
        if entry_id == START_ID:
            personal = self.renderer().render_text(self.window.personal_markdown())
            return Page(entry_id, "Start", self.snapshot.overview_html + personal)
        if entry_id == HELP_ID:
            return Page(entry_id, "Help", self.renderer().render_text(help_markdown(__version__)))
        from nexus_desktop.core.library import EntryError

        try:
            entry = self.snapshot.workspace.load_entry(entry_id)
        except (EntryError, OSError) as exc:
            return self._problem(entry_id, "Entry could not be read",
                                 f"The file of <code>{html.escape(entry_id)}</code> could not be read: "
                                 f"{html.escape(str(exc))}")
        if entry is None:
            return self._problem(entry_id, "Entry not found",
                                 f"There is no entry <code>{html.escape(entry_id)}</code> in the library any "
                                 "more: it may have been moved, renamed or deleted, or its folder removed "
                                 "from the library.")
        renderer = self.renderer()
        rendered = renderer.render(entry, first_part=first_part)
        self.window.recent.touch(entry.id, entry.title)
        rest = rendered.rest
        return Page(entry.id, rendered.title, rendered.html, list(entry.headings), entry.path, entry.stamp,
                    rest=(lambda: _rest_pieces(renderer.copy(), rest)) if rest is not None else None)

    def _problem(self, entry_id: str, title: str, text: str) -> Page:
        from nexus_desktop.ui.viewer import Page

        body = (f"<h1>{html.escape(title)}</h1><p>{text}</p>"
                "<p>Search for it with <b>Ctrl+K</b>, or go back with <b>Alt+Left</b>.</p>")
        return Page(entry_id, title, body, found=False)


def _rest_pieces(renderer: Any, rest: Any) -> Iterator[str]:
    """The HTML of the rest of a big entry, piece by piece (on whichever thread iterates)."""
    while rest is not None:
        piece, rest = renderer.render_rest(rest)
        yield piece


class Banner(QFrame):
    """A dismissable notice above the tabs (a corrupt database was kept aside, the index was rebuilt...)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("noticeBanner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.label, 1)
        close = QToolButton(self)
        close.setText("\u2715")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.dismiss)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.messages: list[str] = []
        self.hide()

    def add(self, text: str, scheme: str) -> None:
        if text in self.messages:
            return
        self.messages.append(text)
        c = theme.colours(scheme)
        self.setStyleSheet(f"#noticeBanner {{ background: {c['banner_bg']}; }} "
                           f"#noticeBanner QLabel {{ color: {c['banner_fg']}; }}")
        self.label.setText("\n".join(self.messages))
        self.show()

    def dismiss(self) -> None:
        self.messages.clear()
        self.hide()


class MainWindow(QMainWindow):
    """The Nexus window."""

    library_opened = Signal()       # the index is open: searches and pages work
    index_updated = Signal(object)  # IndexReport | None after each indexing pass
    tabs_reloaded = Signal(list)    # entry ids of open tabs that were reloaded after a change on disk

    def __init__(self, data_dir: str | None = None, content: list[str] | None = None, *,
                 opener: Opener | None = None, searcher_factory: Callable[[Any], Any] | None = None,
                 autostart: bool = True) -> None:
        super().__init__()
        # Only Qt here: the user database, the session and the library (Markdown, YAML, Whoosh) are
        # loaded right after the window is shown, so it appears as fast as a bare Qt window.
        self.data_dir = data_dir
        self.content = list(content) if content else None
        self.dirs: Any = None  # UserDirs, known from initialise() on
        self.opener: Opener = opener or QDesktopServices.openUrl
        self.db: Any = None
        self.prefs: Any = None
        self.sessions: Any = None
        self.recent: Any = None
        self.bookmarks: Any = None
        self.session_keeper: SessionController | None = None
        self.signal_wakeup: tuple[object, ...] = ()  # app.quit_on_signals: SIGTERM quits like Ctrl+Q
        self.pages = Pages(self)
        self.theme_mode = "system"
        self.pages.scheme = theme.palette_scheme()  # refined by initialise(), after the first frame
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply_theme(app, self.pages.scheme)
        self.zoom = 0
        self.closed_tabs: list[TabState] = []
        self.read_only = False
        self._autostart = autostart
        self._initialised = False
        self._last_full_check = time.monotonic()  # the library is compared in full at launch
        self._started = False
        self._shut_down = False
        self._quitting = False

        self.setWindowTitle("Nexus")
        self.resize(1280, 820)
        self._build_toolbar()
        self.setCentralWidget(QWidget(self))
        self._searcher_factory = searcher_factory

    def initialise(self) -> None:
        """Open the user database; restore theme, window state and session; start the library (once)."""
        if self._initialised or self._shut_down:
            return
        self._initialised = True
        from nexus_desktop.paths import user_dirs
        from nexus_desktop.ui.workers import LibraryService, SearchService

        self.dirs = user_dirs(self.data_dir)

        self.library = LibraryService(self.data_dir, self.content, self)
        self.search = SearchService(self, self._searcher_factory)
        self._watch_timer = QTimer(self)
        self._watch_timer.setSingleShot(True)
        self._watch_timer.setInterval(WATCH_DEBOUNCE_MS)
        self._watch_timer.timeout.connect(self._reindex_changed)
        self._changed_folders: set[str] = set()
        self.watcher = QFileSystemWatcher(self)
        self.watcher.directoryChanged.connect(self._on_disk_change)
        self.watcher.fileChanged.connect(self._on_disk_change)
        self._build_ui()
        self._build_menus()
        self._connect_library()
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._system_scheme_changed)

        from nexus_desktop.core.bookmarks import BookmarkStore
        from nexus_desktop.core.state import Preferences, RecentEntries, SessionStore
        from nexus_desktop.core.userdb import UserDataError, open_user_db

        try:
            self.db = open_user_db(self.dirs.data)
        except UserDataError as exc:
            QMessageBox.critical(self, "Nexus", f"Your data folder cannot be used:\n{exc}")
            self._shut_down = True
            self.library.shutdown()
            self.search.shutdown()
            self.close()
            return
        self.prefs = Preferences(self.db)
        self.sessions = SessionStore(self.db)
        self.recent = RecentEntries(self.db)
        self.bookmarks = BookmarkStore(self.db)
        from nexus_desktop.ui.session_controller import SessionController

        self.session_keeper = SessionController(self.sessions, self, self)
        self.session_keeper.failed.connect(self.show_notice)
        mode = str(self.prefs.get("theme", "system"))
        self.theme_mode = mode if mode in theme.MODES else "system"
        self.theme_actions[self.theme_mode].setChecked(True)
        self.apply_scheme(theme.effective_scheme(self.theme_mode))
        self._install_bookmarks_panel()
        self._restore_window()
        self._restore_session()
        if self.db.notice:
            self.show_notice(self.db.notice)
        if self._autostart:
            self.start()

    # --- building ----------------------------------------------------------------------------
    def _build_toolbar(self) -> None:
        """The first frame: back/forward, the search field (focused) and the bookmark star."""
        from nexus_desktop.ui.search_field import SearchField

        toolbar = QToolBar("Navigation", self)
        toolbar.setObjectName("navigationBar")
        toolbar.setMovable(False)
        toolbar.setFloatable(False)
        self.addToolBar(toolbar)  # at the top; no Qt.* enum before the first frame (see theme.palette_scheme)
        self.back_action = QAction("\u2190", self)
        self.back_action.setToolTip("Back (Alt+Left)")
        self.back_action.triggered.connect(self.go_back)
        self.forward_action = QAction("\u2192", self)
        self.forward_action.setToolTip("Forward (Alt+Right)")
        self.forward_action.triggered.connect(self.go_forward)
        toolbar.addAction(self.back_action)
        toolbar.addAction(self.forward_action)

        self.search_field = SearchField(self)
        self.search_field.setMinimumWidth(360)
        toolbar.addWidget(self.search_field)
        self.star_action = QAction("\u2606", self)
        self.star_action.setToolTip("Bookmark this entry (Ctrl+D)")
        self.star_action.triggered.connect(self.toggle_bookmark)
        toolbar.addAction(self.star_action)

    def _build_ui(self) -> None:
        """Everything else: sidebar, tabs, find bar, banner, status bar (right after the first frame)."""
        from nexus_desktop.ui.library_panel import LibraryPanel
        from nexus_desktop.ui.outline_panel import OutlinePanel
        from nexus_desktop.ui.palette import QuickOpen
        from nexus_desktop.ui.search_panel import SearchPanel
        from nexus_desktop.ui.viewer import FindBar

        self.search_panel = SearchPanel(self.search, lambda: self.pages.scheme, self._is_bookmarked, self,
                                        field=self.search_field)

        self.sidebar = QTabWidget(self)
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setDocumentMode(True)
        self.sidebar.addTab(self.search_panel, "Search")
        self.library_panel = LibraryPanel(self)
        self.library_panel.open_requested.connect(self.open_entry)
        self.sidebar.addTab(self.library_panel, "Library")
        self.quick_open = QuickOpen(self)
        self.quick_open.open_requested.connect(self.open_entry)
        # The bookmarks panel needs the user database, opened next (initialise): a stand-in until then.
        self.bookmarks_panel: Any = None
        waiting = QLabel("\u2026", self)
        waiting.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.sidebar.addTab(waiting, "Bookmarks")
        self.outline_panel = OutlinePanel(self)
        self.outline_panel.open_requested.connect(self.open_entry)
        self.outline_panel.jump_requested.connect(self._jump_to_anchor)
        self.outline_panel.bookmark_heading_requested.connect(self._bookmark_heading)
        self.sidebar.addTab(self.outline_panel, "Outline")

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("entryTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.setTabsClosable(True)
        self.tabs.setMovable(True)
        self.tabs.setElideMode(Qt.TextElideMode.ElideRight)
        self.tabs.tabCloseRequested.connect(self.close_tab)
        self.tabs.currentChanged.connect(self._current_changed)
        self.tabs.tabBar().setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tabs.tabBar().customContextMenuRequested.connect(self._tab_menu)
        self.tabs.tabBar().installEventFilter(self)
        self.tabs.tabBar().tabMoved.connect(self._session_changed)
        self.find_bar = FindBar(self)
        self.find_bar.hide()
        self.find_bar.find_requested.connect(self._find)
        self.find_bar.typed.connect(lambda text: self._find(text, False, incremental=True))
        self.find_bar.closed.connect(lambda: self.current_tab() and self.current_tab().browser.setFocus())
        self.banner = Banner(self)
        centre = QWidget(self)
        layout = QVBoxLayout(centre)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.find_bar)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(centre)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([380, 900])
        self.setCentralWidget(self.splitter)

        bar = self.statusBar()
        self.read_only_label = QLabel("", self)
        self.read_only_label.hide()
        self.results_label = QLabel("", self)
        self.progress = QProgressBar(self)
        self.progress.setMaximumWidth(240)
        self.progress.setMinimumWidth(200)
        self.progress.setMaximumHeight(16)
        self.progress.setTextVisible(True)
        self.progress.setFormat("Indexing %v/%m")
        self.progress.hide()
        bar.addPermanentWidget(self.read_only_label)
        bar.addPermanentWidget(self.results_label)
        bar.addPermanentWidget(self.progress)
        self.search_panel.status_message.connect(self.results_label.setText)
        self.search_panel.open_requested.connect(self._open_from_search)

    def _install_bookmarks_panel(self) -> None:
        """The bookmarks panel, in place of its stand-in, once the bookmark store is open."""
        from nexus_desktop.ui.bookmarks_panel import BookmarksPanel

        self.bookmarks_panel = BookmarksPanel(self.bookmarks, self)
        self.bookmarks_panel.changed.connect(lambda: self.bookmarks_changed(refresh_panel=False))
        self.bookmarks_panel.open_requested.connect(self.open_entry)
        self.bookmarks_panel.search_requested.connect(self.run_search)
        current = self.sidebar.currentIndex()
        stand_in = self.sidebar.widget(BOOKMARKS_TAB)
        self.sidebar.removeTab(BOOKMARKS_TAB)
        stand_in.deleteLater()
        self.sidebar.insertTab(BOOKMARKS_TAB, self.bookmarks_panel, "Bookmarks")
        self.sidebar.setCurrentIndex(current)

    def _action(self, menu: QMenu | None, text: str, slot: Callable[[], Any],
                keys: str | list[str] | QKeySequence.StandardKey | None = None) -> QAction:
        action = QAction(text, self)
        if isinstance(keys, list):
            action.setShortcuts([QKeySequence(k) for k in keys])
        elif isinstance(keys, str):
            action.setShortcut(QKeySequence(keys))
        elif keys is not None:
            action.setShortcut(QKeySequence(keys))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        if menu is not None:
            menu.addAction(action)
        self.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self._action(file_menu, "New &Tab", lambda: self.new_tab(), "Ctrl+T")
        self._action(file_menu, "&Close Tab", lambda: self.close_tab(self.tabs.currentIndex()), "Ctrl+W")
        self._action(file_menu, "&Reopen Closed Tab", self.reopen_closed_tab, "Ctrl+Shift+T")
        file_menu.addSeparator()
        self._action(file_menu, "&Add Folder to Library\u2026", self.add_folder)
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.quit, "Ctrl+Q")

        edit_menu = bar.addMenu("&Edit")
        self._action(edit_menu, "&Find in Page\u2026", self.open_find, "Ctrl+F")
        self._action(edit_menu, "Find &Next", lambda: self._find_again(False), "F3")
        self._action(edit_menu, "Find &Previous", lambda: self._find_again(True), "Shift+F3")
        self._action(edit_menu, "&Search the Library", self.focus_search, ["Ctrl+K", "Ctrl+L"])

        view_menu = bar.addMenu("&View")
        theme_menu = view_menu.addMenu("&Theme")
        group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for mode, label in (("system", "Follow &System"), ("light", "&Light"), ("dark", "&Dark")):
            action = QAction(label, self, checkable=True)
            action.setChecked(mode == self.theme_mode)
            action.triggered.connect(lambda _c=False, m=mode: self.set_theme(m))
            group.addAction(action)
            theme_menu.addAction(action)
            self.theme_actions[mode] = action
        view_menu.addSeparator()
        self._action(view_menu, "Zoom &In", lambda: self.set_zoom(self.zoom + 1), ["Ctrl++", "Ctrl+="])
        self._action(view_menu, "Zoom &Out", lambda: self.set_zoom(self.zoom - 1), "Ctrl+-")
        self._action(view_menu, "&Reset Zoom", lambda: self.set_zoom(0), "Ctrl+0")
        view_menu.addSeparator()
        self.sidebar_action = QAction("Show &Sidebar", self, checkable=True)
        self.sidebar_action.setChecked(True)
        self.sidebar_action.setShortcut(QKeySequence("Ctrl+Shift+B"))
        self.sidebar_action.toggled.connect(self.sidebar.setVisible)
        view_menu.addAction(self.sidebar_action)
        self.addAction(self.sidebar_action)
        for i, label in enumerate(("Search", "Library", "Bookmarks", "Outline")):
            self._action(view_menu, f"Show {label} Panel", lambda i=i: self.show_panel(i),
                         "Ctrl+B" if label == "Bookmarks" else None if i else None)

        go_menu = bar.addMenu("&Go")
        # Shortcuts are set here, after the first frame: the first one builds the Qt namespace's enums.
        self.back_action.setShortcut(QKeySequence("Alt+Left"))
        self.forward_action.setShortcut(QKeySequence("Alt+Right"))
        go_menu.addAction(self.back_action)
        go_menu.addAction(self.forward_action)
        self.addAction(self.back_action)
        self.addAction(self.forward_action)
        self._action(go_menu, "&Quick Open\u2026", self.open_quick_open, "Ctrl+P")
        self._action(go_menu, "&Start Page", lambda: self.open_entry(self.start_id(), "", False))
        go_menu.addSeparator()
        self._action(go_menu, "Next Tab", lambda: self.cycle_tab(1), ["Ctrl+Tab", "Ctrl+PgDown"])
        self._action(go_menu, "Previous Tab", lambda: self.cycle_tab(-1),
                     ["Ctrl+Shift+Tab", "Ctrl+Shift+Backtab", "Ctrl+PgUp"])

        bm_menu = bar.addMenu("&Bookmarks")
        self.star_action.setShortcut(QKeySequence("Ctrl+D"))
        self.star_action.setText("\u2606")
        bm_menu.addAction(self.star_action)
        self.addAction(self.star_action)
        bm_action = QAction("Show Bookmarks Panel", self)
        bm_action.triggered.connect(lambda: self.show_panel(2))
        bm_menu.addAction(bm_action)

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "Nexus &Help", self.show_help, "F1")
        self._action(help_menu, "&About Nexus", self.show_about)

    def _connect_library(self) -> None:
        worker = self.library.worker
        worker.opened.connect(self._library_opened)
        worker.progress.connect(self._progress)
        worker.indexed.connect(self._indexed)
        worker.partial.connect(self._partial)
        worker.busy.connect(self._busy)
        worker.notice.connect(self.show_notice)
        worker.failed.connect(self._failed)
        worker.merged.connect(self.search.refresh)

    # --- startup -----------------------------------------------------------------------------
    def showEvent(self, event: Any) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._initialised:
            QTimer.singleShot(0, self.initialise)
        if not self.search_field.hasFocus():
            QTimer.singleShot(0, self.search_field.setFocus)

    def start(self) -> None:
        """Open the library in the background (after the window is shown)."""
        if not self._initialised:
            self.initialise()
            return
        if not self._started:
            self._started = True
            self.statusBar().showMessage("Opening the library\u2026")
            self.library.start()

    def _library_opened(self, snapshot: LibrarySnapshot) -> None:
        if self._shut_down:
            return
        self._apply_snapshot(snapshot)
        self.search.set_index(snapshot.workspace.index)
        self.statusBar().showMessage("Library open; checking for changes\u2026", 3000)
        self.search_panel.rerun()
        self.library_opened.emit()

    def _apply_snapshot(self, snapshot: LibrarySnapshot) -> None:
        first = self.pages.snapshot is None
        self.pages.set_snapshot(snapshot)
        if snapshot.tree is not None:
            self.library_panel.set_tree(snapshot.tree)
        else:
            self.library_panel.set_catalog(snapshot.catalog, snapshot.workspace.roots)
        self.quick_open.set_catalog(snapshot.catalog, snapshot.matcher)
        if self.bookmarks_panel is not None:
            self.bookmarks_panel.set_known(snapshot.refs)
        self._watch(snapshot.folders)
        if first:
            for i in range(self.tabs.count()):
                tab = self._tab(i)
                if tab.page is not None and tab.page.loading:
                    tab.restore(tab.state(), load=(i == self.tabs.currentIndex()))
                self._update_tab_label(i)
            self._current_changed(self.tabs.currentIndex())

    def _progress(self, done: int, total: int) -> None:
        if self._shut_down:
            return
        if done >= total:  # every file read: the index is being written
            self.progress.setRange(0, 0)
            self.progress.setFormat("Writing the index\u2026")
        else:
            self.progress.setRange(0, max(total, 1))
            self.progress.setValue(done)
            self.progress.setFormat("Indexing %v/%m")
        self.progress.show()
        self.search_panel.index_note = f"Indexing the library: {min(done, total)} of {total} entries read\u2026"

    def _partial(self, snapshot: LibrarySnapshot) -> None:
        """A first batch of a big library is indexed: search it while the rest is built."""
        if self._shut_down:
            return
        self._apply_snapshot(snapshot)
        self.search.refresh()
        self.search_panel.rerun()
        self._reload_changed_tabs(links_changed=True)

    def _indexed(self, report: Any, snapshot: LibrarySnapshot | None) -> None:
        if self._shut_down:
            return
        self.progress.hide()
        self.search_panel.index_note = ""
        if snapshot is not None:
            self._apply_snapshot(snapshot)
            self.search.refresh()
            self.search_panel.rerun()
            self._reload_changed_tabs(links_changed=report is None or bool(report.added or report.removed))
        if report is not None:
            if report.changed:
                self.statusBar().showMessage(
                    f"Index updated: {report.added} added, {report.updated} updated, {report.removed} removed "
                    f"in {report.seconds:.1f} s", 5000)
            else:
                self.statusBar().showMessage("Index is up to date", 2000)
        self.index_updated.emit(report)

    def _busy(self, message: str) -> None:
        if self._shut_down:
            return
        self.read_only = True
        self.read_only_label.setText("\u26a0 Read-only index")
        self.read_only_label.setToolTip(message)
        self.read_only_label.show()
        self.statusBar().showMessage(message, 10000)

    def _failed(self, message: str) -> None:
        if self._shut_down:
            return
        self.progress.hide()
        self.show_notice(message)

    def show_notice(self, text: str) -> None:
        """Tell the user something that matters: a banner above the tabs and the status bar."""
        if self._shut_down:
            return
        if not text:
            return
        self.banner.add(text, self.pages.scheme)
        self.statusBar().showMessage(text, 10000)

    # --- watching the library ------------------------------------------------------------------
    def _watch(self, folders: list[str]) -> None:
        wanted = set(folders)
        current = set(self.watcher.directories())
        gone = list(current - wanted)
        new = list(wanted - current)
        if gone:
            self.watcher.removePaths(gone)
        if new:
            self.watcher.addPaths(new)
        self._watch_tab_files()

    def _watch_tab_files(self) -> None:
        wanted = set()
        for i in range(self.tabs.count()):
            page = self._tab(i).page
            if page is not None and page.path is not None:
                wanted.add(str(page.path))
        current = set(self.watcher.files())
        if current - wanted:
            self.watcher.removePaths(list(current - wanted))
        new = [p for p in wanted - current if os.path.exists(p)]
        if new:
            self.watcher.addPaths(new)

    def _on_disk_change(self, path: str) -> None:
        if self._shut_down:
            return
        self._changed_folders.add(path if os.path.isdir(path) or not os.path.exists(path) else os.path.dirname(path))
        if self.pages.snapshot is not None:
            self._watch_timer.start()

    def changeEvent(self, event: Any) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self._recheck_library()

    def _recheck_library(self) -> None:
        """Editors that save a file in place raise no folder event (only open tabs' files are watched
        one by one): when the user comes back to the window, the whole library is compared again, in
        the indexing process (nothing is written when nothing changed)."""
        now = time.monotonic()
        if self._shut_down or self.pages.snapshot is None or now - self._last_full_check < RECHECK_AFTER_S:
            return
        self._last_full_check = now
        self.library.reindex()

    def _reindex_changed(self) -> None:
        folders, self._changed_folders = sorted(self._changed_folders), set()
        self.library.reindex(folders)

    def _reload_changed_tabs(self, links_changed: bool = False) -> None:
        """Re-render open tabs whose file changed (or all, when entries came or went: links may resolve now)."""
        reloaded: list[str] = []
        for i in range(self.tabs.count()):
            tab = self._tab(i)
            page = tab.page
            if not tab.loaded or page is None:
                continue
            if page.entry_id.startswith("about:"):
                if links_changed or page.entry_id == START_ID:
                    tab.reload()
                continue
            stamp = ""
            if page.path is not None:
                try:
                    info = page.path.stat()
                    stamp = f"{info.st_mtime_ns}:{info.st_size}"
                except OSError:
                    stamp = ""
            if not page.found or stamp != page.stamp:
                was_found = page.found
                tab.reload()
                if tab.page is not None and (tab.page.found or was_found):
                    reloaded.append(tab.entry_id)
                self._update_tab_label(i)
            elif links_changed:
                tab.reload()
        self._watch_tab_files()
        if reloaded:
            self._current_changed(self.tabs.currentIndex())
            self.tabs_reloaded.emit(reloaded)

    # --- tabs ----------------------------------------------------------------------------------
    def _tab(self, index: int) -> ViewerTab:
        return self.tabs.widget(index)  # type: ignore[return-value]

    def current_tab(self) -> ViewerTab | None:
        from nexus_desktop.ui.viewer import ViewerTab

        widget = self.tabs.currentWidget()
        return widget if isinstance(widget, ViewerTab) else None

    def tab_count(self) -> int:
        return self.tabs.count()

    def start_id(self) -> str:
        """What a new tab shows: the bundled start page `nexus/index` when it is in the library."""
        if self.pages.snapshot is not None:
            return start_entry(item.id for item in self.pages.snapshot.catalog) or START_ID
        if self.content is None:
            return BUNDLED_START
        from nexus_desktop.paths import content_dir

        bundled = content_dir().resolve()
        return BUNDLED_START if any(Path(c).expanduser().resolve() == bundled for c in self.content) else START_ID

    def personal_markdown(self) -> str:
        """The start page's recently opened entries and bookmarks (the library overview comes ready-made)."""
        recent = [(r.entry_id, r.title) for r in self.recent.list(10)]
        marks = [(b.entry_id, b.title) for b in self.bookmarks.all_bookmarks()[:15] if b.entry_id]
        return personal_markdown(recent, marks)

    def _make_tab(self) -> ViewerTab:
        from nexus_desktop.ui.viewer import ViewerTab

        tab = ViewerTab(self.pages, self)
        tab.set_zoom(self.zoom)
        tab.page_changed.connect(lambda t=tab: self._tab_changed(t))
        tab.page_changed.connect(self._session_changed)
        tab.browser.verticalScrollBar().valueChanged.connect(self._session_changed)
        tab.link_requested.connect(lambda url, new, t=tab: self.handle_link(url, new, t))
        return tab

    def new_tab(self, entry_id: str | None = None, anchor: str = "", background: bool = False,
                terms: list[str] | None = None) -> ViewerTab:
        """Open a tab (the start page unless told otherwise) after the current one."""
        tab = self._make_tab()
        index = self.tabs.insertTab(self.tabs.currentIndex() + 1, tab, "")
        tab.open(entry_id or self.start_id(), anchor or None, terms)
        if not background:
            self.tabs.setCurrentIndex(index)
        self._update_tab_label(index)
        return tab

    def close_tab(self, index: int) -> None:
        if not 0 <= index < self.tabs.count():
            return
        tab = self._tab(index)
        if tab.history:
            self.closed_tabs.append(tab.state())
            del self.closed_tabs[:-CLOSED_KEEP]
        self.tabs.removeTab(index)
        tab.deleteLater()
        if self.tabs.count() == 0:
            self.new_tab()
        self._watch_tab_files()
        self._session_changed()

    def reopen_closed_tab(self) -> None:
        if not self.closed_tabs:
            self.statusBar().showMessage("No closed tab to reopen", 3000)
            return
        state = self.closed_tabs.pop()
        tab = self._make_tab()
        index = self.tabs.insertTab(self.tabs.currentIndex() + 1, tab, "")
        self.tabs.setCurrentIndex(index)
        tab.restore(state)
        self._update_tab_label(index)

    def duplicate_tab(self, index: int) -> None:
        source = self._tab(index)
        tab = self._make_tab()
        new_index = self.tabs.insertTab(index + 1, tab, "")
        self.tabs.setCurrentIndex(new_index)
        tab.restore(source.state())

    def close_other_tabs(self, index: int) -> None:
        keep = self._tab(index)
        for i in reversed(range(self.tabs.count())):
            if self._tab(i) is not keep:
                self.close_tab(i)

    def cycle_tab(self, step: int) -> None:
        count = self.tabs.count()
        if count > 1:
            self.tabs.setCurrentIndex((self.tabs.currentIndex() + step) % count)

    def _tab_menu(self, pos: QPoint) -> None:
        index = self.tabs.tabBar().tabAt(pos)
        if index < 0:
            return
        menu = QMenu(self)
        menu.addAction("Close Tab", lambda: self.close_tab(index))
        menu.addAction("Close Other Tabs", lambda: self.close_other_tabs(index))
        menu.addAction("Duplicate Tab", lambda: self.duplicate_tab(index))
        menu.addSeparator()
        menu.addAction("Copy Entry Id", lambda: QApplication.clipboard().setText(self._tab(index).entry_id))
        menu.addAction("Reopen Closed Tab", self.reopen_closed_tab).setEnabled(bool(self.closed_tabs))
        menu.popup(self.tabs.tabBar().mapToGlobal(pos))

    def eventFilter(self, obj: Any, event: Any) -> bool:  # noqa: N802
        from PySide6.QtCore import QEvent

        if obj is self.tabs.tabBar() and event.type() == QEvent.Type.MouseButtonRelease and \
                event.button() == Qt.MouseButton.MiddleButton:
            index = self.tabs.tabBar().tabAt(event.position().toPoint())
            if index >= 0:
                self.close_tab(index)
                return True
        return super().eventFilter(obj, event)

    def _session_changed(self, *_args: object) -> None:
        """Tabs were opened, closed, moved, navigated or scrolled: the session is saved shortly."""
        if self.session_keeper is not None:
            self.session_keeper.schedule()

    def _current_changed(self, index: int) -> None:
        self._session_changed()
        tab = self.current_tab()
        if tab is not None:
            tab.ensure_loaded()
            tab.set_zoom(self.zoom)
        self._update_chrome()

    def _tab_changed(self, tab: ViewerTab) -> None:
        index = self.tabs.indexOf(tab)
        if index >= 0:
            self._update_tab_label(index)
        if tab is self.current_tab():
            self._update_chrome()
        self._watch_tab_files()

    def _update_tab_label(self, index: int) -> None:
        tab = self._tab(index)
        title = tab.title if tab.loaded else self.pages.title_of(tab.entry_id)
        short = title if len(title) <= TAB_TITLE_CHARS else title[: TAB_TITLE_CHARS - 1] + "\u2026"
        star = "\u2605 " if tab.entry_id and self._is_bookmarked(tab.entry_id) else ""
        self.tabs.setTabText(index, star + short)
        self.tabs.setTabToolTip(index, f"{title}\n{tab.entry_id}")

    def _update_chrome(self) -> None:
        tab = self.current_tab()
        title = tab.title if tab is not None and tab.entry_id else ""
        self.setWindowTitle(f"{title} \u2014 Nexus" if title else "Nexus")
        self.back_action.setEnabled(bool(tab and tab.can_go_back()))
        self.forward_action.setEnabled(bool(tab and tab.can_go_forward()))
        entry_id = tab.entry_id if tab is not None else ""
        real = bool(entry_id) and not entry_id.startswith("about:") and bool(tab and tab.page and tab.page.found)
        self.star_action.setEnabled(real)
        self.star_action.setText("\u2605" if real and self._is_bookmarked(entry_id) else "\u2606")
        if tab is not None:
            self.outline_panel.set_headings(entry_id, tab.page.headings if tab.page is not None and tab.loaded else [])
            anchor = tab.history[tab.index].anchor if 0 <= tab.index < len(tab.history) else None
            if anchor:
                self.outline_panel.select_anchor(anchor)
        if real and self.sidebar.currentWidget() is self.library_panel:
            self.library_panel.reveal(entry_id)

    # --- opening and links -----------------------------------------------------------------------
    def open_entry(self, entry_id: str, anchor: str = "", new_tab: bool = False,
                   terms: list[str] | None = None) -> ViewerTab:
        """Show an entry in the current tab (or a new one)."""
        tab = self.current_tab()
        if new_tab or tab is None:
            return self.new_tab(entry_id, anchor, terms=terms)
        tab.open(entry_id, anchor or None, terms)
        return tab

    def _open_from_search(self, entry_id: str, anchor: str, new_tab: bool) -> None:
        self.open_entry(entry_id, anchor, new_tab, terms=self.search_panel.terms())

    def handle_link(self, url: str, new_tab: bool = False, tab: ViewerTab | None = None) -> bool:
        """The link policy: entries open here, tags search, web links go to the browser, nothing else."""
        tab = tab or self.current_tab()
        if url.startswith("#"):
            anchor = unquote(url[1:])
            if new_tab and tab is not None:
                self.new_tab(tab.entry_id, anchor)
            elif tab is not None:
                tab.go_anchor(anchor)
            return True
        scheme, _, rest = url.partition(":")
        scheme = scheme.lower()
        if scheme == "entry" and rest:
            entry_id, _, anchor = rest.partition("#")
            entry_id = unquote(entry_id)
            if new_tab or tab is None:
                self.new_tab(entry_id, unquote(anchor))
            else:
                tab.open(entry_id, unquote(anchor) or None)
            return True
        if scheme == "tag" and rest:
            self.run_search(f"tag:{unquote(rest)}")
            return True
        if scheme in ("http", "https", "mailto"):
            self.opener(QUrl(url))
            self.statusBar().showMessage(f"Opened in your browser: {url}", 5000)
            return True
        self.statusBar().showMessage(f"Refused to open {url}: not an entry of the library or a web link", 8000)
        return False

    def run_search(self, query: str) -> None:
        self.show_panel(0)
        self.search_panel.set_query(query)

    def _jump_to_anchor(self, anchor: str) -> None:
        tab = self.current_tab()
        if tab is not None:
            tab.go_anchor(anchor)

    # --- actions -------------------------------------------------------------------------------
    def focus_search(self) -> None:
        self.show_panel(0, focus=False)
        self.search_field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_field.selectAll()

    def show_panel(self, index: int, focus: bool = True) -> None:
        self.sidebar_action.setChecked(True)
        self.sidebar.show()
        self.sidebar.setCurrentIndex(index)
        if focus and index:
            self.sidebar.currentWidget().setFocus(Qt.FocusReason.ShortcutFocusReason)

    def go_back(self) -> None:
        tab = self.current_tab()
        if tab is not None:
            tab.back()

    def go_forward(self) -> None:
        tab = self.current_tab()
        if tab is not None:
            tab.forward()

    def open_find(self) -> None:
        tab = self.current_tab()
        self.find_bar.open_bar(tab.selected_text() if tab is not None else "")

    def _find(self, text: str, backward: bool, incremental: bool = False) -> None:
        tab = self.current_tab()
        if tab is not None:
            self.find_bar.show_result(tab.find(text, backward, incremental))

    def _find_again(self, backward: bool) -> None:
        if self.find_bar.isHidden() or not self.find_bar.field.text():
            self.open_find()
            return
        self._find(self.find_bar.field.text(), backward)

    def set_zoom(self, zoom: int) -> None:
        self.zoom = max(-6, min(12, zoom))
        for i in range(self.tabs.count()):
            self._tab(i).set_zoom(self.zoom)
        self._session_changed()
        self.statusBar().showMessage(f"Zoom {100 + self.zoom * 10}%", 2000)

    def open_quick_open(self) -> None:
        if self.quick_open is not None:
            self.quick_open.open_palette()
        else:
            self.statusBar().showMessage("Quick open is available once the library is open", 3000)
            self.focus_search()

    def _is_bookmarked(self, entry_id: str) -> bool:
        if self.bookmarks is None:
            return False
        try:
            return self.bookmarks.is_bookmarked(entry_id)
        except Exception:  # noqa: BLE001
            return False

    def toggle_bookmark(self) -> None:
        if self.bookmarks is None:
            return
        tab = self.current_tab()
        if tab is None or not tab.entry_id or tab.entry_id.startswith("about:") or not tab.page or not tab.page.found:
            self.statusBar().showMessage("Only entries can be bookmarked", 3000)
            return
        anchor = tab.history[tab.index].anchor if tab.history else None
        try:
            from nexus_desktop.ui.bookmark_popover import BookmarkPopover
        except ImportError:
            mark = self.bookmarks.toggle(tab.entry_id, tab.title)
            self.statusBar().showMessage(f"Bookmarked {tab.title}" if mark else f"Removed bookmark of {tab.title}",
                                         3000)
        else:
            added = BookmarkPopover.toggle(self.bookmarks, tab.entry_id, tab.title, anchor, self,
                                           on_change=self.bookmarks_changed)
            if not added:
                self.statusBar().showMessage(f"Removed bookmark of {tab.title}", 3000)
        self.bookmarks_changed()

    def _bookmark_heading(self, entry_id: str, anchor: str, text: str) -> None:
        title = f"{self.pages.title_of(entry_id)} \u203a {text}"
        if self.bookmarks.find(entry_id, anchor) is None:
            self.bookmarks.add(entry_id, title, anchor=anchor)
            self.statusBar().showMessage(f"Bookmarked {title}", 3000)
        self.bookmarks_changed()

    def bookmarks_changed(self, refresh_panel: bool = True) -> None:
        """Stars on tabs, the toolbar and search rows follow the bookmark store."""
        if self._shut_down:
            return
        for i in range(self.tabs.count()):
            self._update_tab_label(i)
        self._update_chrome()
        self.search_panel.refresh_rows()
        if refresh_panel and self.bookmarks_panel is not None:
            self.bookmarks_panel.refresh()

    def add_folder(self, folder: str | None = None) -> str | None:
        """Add a folder of Markdown to the library (File menu) and index it."""
        if folder is None:
            folder = QFileDialog.getExistingDirectory(self, "Add a folder of Markdown to the library")
        if not folder:
            return None
        from nexus_desktop.core.state import RootsStore

        if self.db is None:
            return None
        name = RootsStore(self.db).add(folder)
        if self.content is not None:
            self.show_notice(f"Added {folder} to the library as \u201c{name}\u201d. This window shows only "
                             "the --content folders; the folder will be there at the next normal launch.")
        else:
            self.statusBar().showMessage(f"Added {folder} as \u201c{name}\u201d; indexing\u2026", 5000)
            self.library.reload_roots()
        return name

    def show_help(self) -> None:
        for i in range(self.tabs.count()):
            if self._tab(i).entry_id == HELP_ID:
                self.tabs.setCurrentIndex(i)
                return
        self.new_tab(HELP_ID)

    def show_about(self) -> None:
        QMessageBox.about(
            self, "About Nexus",
            f"<h3>Nexus Desktop {__version__}</h3><p>Read and search a knowledge base of Markdown, offline.</p>"
            f"<p>Data folder: <code>{html.escape(str(self.dirs.data))}</code><br>"
            f"Cache (search index): <code>{html.escape(str(self.dirs.cache))}</code></p>")

    # --- theme ---------------------------------------------------------------------------------
    def set_theme(self, mode: str) -> None:
        """"system", "light" or "dark": the window and the content follow; remembered."""
        if mode not in theme.MODES:
            return
        self.theme_mode = mode
        if self.prefs is not None:
            self.prefs.set("theme", mode)
        self.theme_actions[mode].setChecked(True)
        self.apply_scheme(theme.effective_scheme(mode))

    def apply_scheme(self, scheme: str) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply_theme(app, scheme)
        changed = scheme != self.pages.scheme
        self.pages.scheme = scheme
        if changed:
            for i in range(self.tabs.count()):
                self._tab(i).reload()
            self.search_panel.refresh_rows()

    def _system_scheme_changed(self, *_args: Any) -> None:
        if self.theme_mode == "system":
            self.apply_scheme(theme.system_scheme())

    # --- session and window state -------------------------------------------------------------
    def session(self) -> Session:
        from nexus_desktop.core.state import Session

        tabs = [self._tab(i).state() for i in range(self.tabs.count())]
        return Session(tabs, max(0, self.tabs.currentIndex()), self.zoom)

    def save_session(self) -> None:
        if self.session_keeper is not None:
            self.session_keeper.save_now()

    def _restore_session(self) -> None:
        assert self.session_keeper is not None
        session = self.session_keeper.load()
        if session is None or not session.tabs:
            self.new_tab()
            return
        self.zoom = session.zoom
        if not session.tabs:
            self.new_tab()
            return
        for state in session.tabs:
            tab = self._make_tab()
            self.tabs.addTab(tab, "")
            tab.restore(state, load=False)
        self.tabs.setCurrentIndex(session.current)
        for i in range(self.tabs.count()):
            self._update_tab_label(i)
        self._current_changed(self.tabs.currentIndex())

    def _restore_window(self) -> None:
        geometry = self.prefs.get("window.geometry")
        if isinstance(geometry, str) and geometry:
            self.restoreGeometry(QByteArray.fromBase64(geometry.encode()))
        sizes = self.prefs.get("window.splitter")
        if isinstance(sizes, list) and len(sizes) == 2 and all(isinstance(s, int) for s in sizes):
            self.splitter.setSizes(sizes)
        panel = self.prefs.get("window.panel", 0)
        if isinstance(panel, int) and 0 <= panel < self.sidebar.count():
            self.sidebar.setCurrentIndex(panel)
        visible = self.prefs.get("window.sidebar", True)
        self.sidebar_action.setChecked(bool(visible))
        self.sidebar.setVisible(bool(visible))

    def _save_window(self) -> None:
        self.prefs.set("window.geometry", bytes(self.saveGeometry().toBase64()).decode())
        sizes = self.splitter.sizes()
        if sizes and sizes[0] > 0:
            self.prefs.set("window.splitter", sizes)
        self.prefs.set("window.panel", self.sidebar.currentIndex())
        self.prefs.set("window.sidebar", self.sidebar_action.isChecked())

    def quit(self) -> None:
        self._quitting = True
        self.close()

    def closeEvent(self, event: Any) -> None:  # noqa: N802
        self.shutdown()
        super().closeEvent(event)
        if self._quitting:
            app = QApplication.instance()
            if app is not None:
                app.quit()

    def shutdown(self) -> None:
        """Save the session and window state, stop the workers, close the database (idempotent)."""
        if self._shut_down:
            return
        self._shut_down = True
        if not self._initialised:
            return
        self._watch_timer.stop()
        try:
            saved = self.session_keeper is None or self.session_keeper.stop()
            if self.prefs is not None:
                self._save_window()
        except Exception as exc:  # noqa: BLE001 - say so; quitting goes on
            saved, detail = False, str(exc)
        else:
            detail = "see the log for details"
        if not saved:
            QMessageBox.warning(self, "Nexus", f"Your open tabs could not be saved for the next launch:\n{detail}")
        self.library.worker.blockSignals(True)
        self.search.blockSignals(True)
        self.search.shutdown()
        self.library.shutdown()
        try:
            QGuiApplication.styleHints().colorSchemeChanged.disconnect(self._system_scheme_changed)
        except (RuntimeError, TypeError):
            pass
        if self.db is not None:
            self.db.close()
