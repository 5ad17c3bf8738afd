"""The main window: its first frame, the composition of its owners, and the one place they are wired.

Who owns what (see docs/ARCHITECTURE.md): tabs.Tabs (the entry tabs), library_controller.LibraryController
(indexing and watching), search_service.SearchService (queries), user_data.UserData (bookmarks,
preferences, session, recent entries), session_controller.SessionController (saving the session),
status_bar.StatusBar, banner.Banner, theme_switcher.ThemeSwitcher, actions.COMMANDS (menus and shortcuts),
navigation_bar.NavigationBar, sidebar.Sidebar, find_bar.FindBar and the panels.

Why over 450 lines: besides the composition, it holds the thin slots the menu commands run (a few lines
each, over several owners) and the read-only view tests, the selftest and the bench have of the window."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

from nexus_desktop import __version__
from nexus_desktop.ui import theme
from nexus_desktop.ui.lazy_qt import Qt, lazy_names  # launch path: loaded after the first frame

# Used once the window is shown; loading them before would delay its first frame. The TYPE_CHECKING
# imports below name the same things for readers and linters.
lazy_names(globals(), "html")
lazy_names(globals(), "PySide6.QtCore", "QEvent", "QUrl")
lazy_names(globals(), "PySide6.QtWidgets", "QMessageBox", "QSplitter", "QTabWidget",
           "QVBoxLayout")

if TYPE_CHECKING:
    import html

    from PySide6.QtCore import QEvent, QUrl
    from PySide6.QtGui import QCloseEvent, QShowEvent
    from PySide6.QtWidgets import QMessageBox, QSplitter, QTabWidget, QVBoxLayout

    from nexus_desktop.core.index import IndexReport
    from nexus_desktop.core.indexing import IndexingProgress
    from nexus_desktop.core.instance import HandOver
    from nexus_desktop.core.urls import OpenRequest
    from nexus_desktop.core.userdb import UserDB
    from nexus_desktop.paths import UserDirs
    from nexus_desktop.ui.banner import Banner
    from nexus_desktop.ui.bookmarks_panel import BookmarksPanel
    from nexus_desktop.ui.library_controller import LibraryController
    from nexus_desktop.ui.library_panel import LibraryPanel
    from nexus_desktop.ui.outline_panel import OutlinePanel
    from nexus_desktop.ui.pages import Pages
    from nexus_desktop.ui.quick_open import QuickOpen
    from nexus_desktop.ui.search_panel import SearchPanel
    from nexus_desktop.ui.search_service import SearchService, SearcherFactory
    from nexus_desktop.ui.session_controller import SessionController
    from nexus_desktop.ui.single_instance import InstanceServer
    from nexus_desktop.ui.status_bar import StatusBar
    from nexus_desktop.ui.tabs import Tabs
    from nexus_desktop.ui.theme_switcher import ThemeSwitcher
    from nexus_desktop.ui.user_data import UserData
    from nexus_desktop.ui.find_bar import FindBar
    from nexus_desktop.ui.viewer import ViewerTab
    from nexus_desktop.ui.workers import IndexedLibrary

ZOOM_RANGE = (-6, 12)
READABLE = "view.readable_line_length"  # preference: text at a readable measure (View menu), on by default
Opener = Callable[["QUrl"], object]


class MainWindow(QMainWindow):
    """The Nexus window."""

    library_opened = Signal()       # the index is open: searches and pages work
    index_updated = Signal(object)  # IndexReport | None after each indexing pass
    tabs_reloaded = Signal(list)    # entry ids of open tabs that were reloaded after a change on disk

    def __init__(self, data_dir: str | None = None, content: list[str] | None = None, *,
                 opener: Opener | None = None, searcher_factory: SearcherFactory | None = None,
                 autostart: bool = True) -> None:
        super().__init__()
        self._initialised = False
        self._shut_down = False
        self._quitting = False
        # Only Qt here: the user database, the session and the library (Markdown, YAML, Whoosh) are
        # loaded right after the window is shown, so it appears as fast as a bare Qt window.
        self.data_dir = data_dir
        self.content = list(content) if content else None
        self.opener: Opener = opener or QDesktopServices.openUrl
        self.dirs: UserDirs | None = None
        self.user_data: UserData | None = None
        self.session_keeper: SessionController | None = None
        self.instance_server: InstanceServer | None = None  # serve_launches
        self.signal_wakeup: tuple[object, ...] = ()  # app.quit_on_signals: SIGTERM quits like Ctrl+Q
        scheme = theme.palette_scheme()  # refined by the theme switcher, after the first frame
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply_theme(app, scheme)
        self._first_scheme = scheme
        self._searcher_factory = searcher_factory
        self._autostart = autostart
        self.setWindowTitle("Nexus")
        self.resize(1280, 820)
        self._build_toolbar()
        self.setCentralWidget(QWidget(self))

    # --- the first frame ---------------------------------------------------------------------
    def _build_toolbar(self) -> None:
        """Back/forward, the search field (focused) and the bookmark star."""
        from nexus_desktop.ui.navigation_bar import NavigationBar

        self.navigation = NavigationBar(self)
        self.addToolBar(self.navigation)  # at the top; no Qt.* enum before the first frame
        self.search_field = self.navigation.search_field
        self.back_action = self.navigation.back_action
        self.forward_action = self.navigation.forward_action
        self.star_action = self.navigation.star_action

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._initialised:
            QTimer.singleShot(0, self.initialise)
        if not self.search_field.hasFocus():
            QTimer.singleShot(0, self.search_field.setFocus)

    # --- composition ---------------------------------------------------------------------------
    def initialise(self) -> None:
        """Build the rest, open the user database, restore theme, window and session; start the library."""
        if self._initialised or self._shut_down:
            return
        self._initialised = True
        from nexus_desktop.core.userdb import UserDataError, open_user_db
        from nexus_desktop.paths import user_dirs

        self.dirs = user_dirs(self.data_dir)
        self._build_owners()
        self._build_ui()
        try:
            db = open_user_db(self.dirs.data)
        except UserDataError as exc:
            QMessageBox.critical(self, "Nexus", f"Your data folder cannot be used:\n{exc}")
            self._shut_down = True
            self.library.shutdown()
            self.search.shutdown()
            self.close()
            return
        self._open_user_data(db)
        self._connect_signals()
        self.user_data_ready()
        if db.notice:
            self.show_notice(db.notice)
        if self._autostart:
            self.start()

    def _build_owners(self) -> None:
        """The owners of the window's concepts (no widgets of their own beyond the tab widget)."""
        from nexus_desktop.ui.library_controller import LibraryController
        from nexus_desktop.ui.pages import Pages
        from nexus_desktop.ui.search_service import SearchService
        from nexus_desktop.ui.tabs import Tabs
        from nexus_desktop.ui.theme_switcher import ThemeSwitcher

        self.themes: ThemeSwitcher = ThemeSwitcher(self._first_scheme, self)
        self.pages: Pages = Pages(self.content)
        self.pages.scheme = self.themes.scheme
        self.library: LibraryController = LibraryController(self.data_dir, self.content, self)
        self.search: SearchService = SearchService(self, self._searcher_factory)
        self.tab_owner: Tabs = Tabs(self.pages, self)
        self.tabs: QTabWidget = self.tab_owner.widget

    def _build_ui(self) -> None:
        """Sidebar, tabs, find bar, banner, status bar and menus (right after the first frame)."""
        from nexus_desktop.ui.actions import build_menus
        from nexus_desktop.ui.banner import Banner
        from nexus_desktop.ui.library_panel import LibraryPanel
        from nexus_desktop.ui.outline_panel import OutlinePanel
        from nexus_desktop.ui.quick_open import QuickOpen
        from nexus_desktop.ui.find_bar import FindBar
        from nexus_desktop.ui.search_panel import SearchPanel
        from nexus_desktop.ui.sidebar import Sidebar
        from nexus_desktop.ui.status_bar import StatusBar

        self.search_panel: SearchPanel = SearchPanel(self.search, self, field=self.search_field)
        self.search_panel.set_scheme(self.themes.scheme)
        self.library_panel: LibraryPanel = LibraryPanel(self)
        self.outline_panel: OutlinePanel = OutlinePanel(self)
        self.quick_open: QuickOpen = QuickOpen(self)
        self.bookmarks_panel: BookmarksPanel | None = None  # needs the user database (_open_user_data)
        self.sidebar = Sidebar(self.search_panel, self.library_panel, self.outline_panel, self)
        self.find_bar: FindBar = FindBar(self)
        self.find_bar.hide()
        self.banner: Banner = Banner(self)
        self.banner.set_scheme(self.themes.scheme)
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
        self.status: StatusBar = StatusBar(self)
        self.setStatusBar(self.status)
        self.actions_by_name, menus = build_menus(self, self._commands(), {
            "back": self.back_action, "forward": self.forward_action, "toggle_bookmark": self.star_action})
        self.sidebar_action = self.actions_by_name["toggle_sidebar"]
        self.themes.build_menu(menus["&View"])

    def _open_user_data(self, db: UserDB) -> None:
        from nexus_desktop.core.state import session_library
        from nexus_desktop.ui.bookmarks_panel import BookmarksPanel
        from nexus_desktop.ui.session_controller import SessionController
        from nexus_desktop.ui.user_data import UserData

        self.user_data = UserData(db, self)
        self.pages.user_data = self.user_data
        self.session_keeper = SessionController(self.user_data.sessions, self.tab_owner,
                                                session_library(self.content), self)
        self.bookmarks_panel = BookmarksPanel(self.user_data, self)
        self.sidebar.set_bookmarks_panel(self.bookmarks_panel)

    def _connect_signals(self) -> None:
        """Every connection between the window's owners, in one place: the whole graph."""
        assert self.user_data is not None and self.session_keeper is not None and self.bookmarks_panel is not None
        tabs, library, data, keeper = self.tab_owner, self.library, self.user_data, self.session_keeper
        # toolbar
        self.back_action.triggered.connect(self.go_back)
        self.forward_action.triggered.connect(self.go_forward)
        self.star_action.triggered.connect(self.toggle_bookmark)
        # tabs -> window chrome, session, library watcher, user data
        tabs.current_changed.connect(self._show_current)
        tabs.current_changed.connect(self.find_bar.set_tab)
        self.find_bar.message.connect(self.status.say)
        tabs.tab_changed.connect(self._tab_changed)
        tabs.session_changed.connect(keeper.schedule)
        tabs.link_requested.connect(self.handle_link)
        tabs.visited.connect(data.record_visit)
        tabs.files_changed.connect(self._watch_tab_files)
        tabs.message.connect(self.status.say)
        # panels -> tabs
        self.search_panel.open_requested.connect(self._open_from_search)
        self.search_panel.status_message.connect(self.status.show_results)
        self.library_panel.open_requested.connect(self.open_entry)
        self.quick_open.open_requested.connect(self.open_entry)
        self.outline_panel.open_requested.connect(self.open_entry)
        self.outline_panel.jump_requested.connect(self._jump_to_anchor)
        self.outline_panel.bookmark_heading_requested.connect(self._bookmark_heading)
        self.bookmarks_panel.open_requested.connect(self.open_entry)
        self.bookmarks_panel.search_requested.connect(self.run_search)
        # library -> pages, panels, search, tabs, status
        for follower in (self.pages, self.library_panel, self.quick_open, self.bookmarks_panel, tabs):
            library.library_ready.connect(follower.show_library)  # the pages first: the others render
        library.opened.connect(self._library_opened)
        library.partial.connect(self._partial)
        library.indexed.connect(self.status.show_report)
        library.indexed.connect(self._indexed)
        library.indexing_changed.connect(self._indexing_changed)
        library.busy.connect(self.status.show_read_only)
        library.notice.connect(self.show_notice)
        library.failed.connect(self.show_notice)
        library.merged.connect(self.search.refresh)
        self.search.damaged.connect(self.show_notice)
        self.search.damaged.connect(library.rebuild_index)  # its `indexed` refreshes the searcher (_indexed)
        # user data -> whatever shows it (each refreshes once per user action)
        data.changed.connect(self.bookmarks_panel.data_changed)
        data.starred_changed.connect(self._starred_changed)
        data.failed.connect(self.show_notice)
        keeper.failed.connect(self.show_notice)
        # theme -> whatever draws in colour
        self.themes.scheme_changed.connect(self._scheme_changed)

    def user_data_ready(self) -> None:
        """Theme, window state, stars and the tabs of the last session, from the user database."""
        from nexus_desktop.core.state import Session
        from nexus_desktop.ui.window_state import restore_window

        assert self.user_data is not None and self.session_keeper is not None
        self.themes.restore(self.user_data.prefs)
        self.actions_by_name["toggle_readable"].setChecked(bool(self.user_data.prefs.get(READABLE, True)))
        restore_window(self, self.splitter, self.sidebar, self.sidebar_action, self.user_data.prefs)
        self.user_data.load()
        session = self.session_keeper.load()
        self.tab_owner.restore(session if session is not None else Session())

    def _commands(self) -> dict[str, Callable[[], object]]:
        """What each command of actions.COMMANDS runs."""
        return {
            "new_tab": lambda: self.new_tab(), "close_tab": lambda: self.tab_owner.close_tab(self.tabs.currentIndex()),
            "reopen_closed_tab": self.tab_owner.reopen_closed_tab, "library_folders": self.show_library_folders,
            "quit": self.quit,
            "find": self.find_bar.open_bar, "find_next": lambda: self.find_bar.find_again(False),
            "find_previous": lambda: self.find_bar.find_again(True), "focus_search": self.focus_search,
            "zoom_in": lambda: self.set_zoom(self.zoom + 1), "zoom_out": lambda: self.set_zoom(self.zoom - 1),
            "zoom_reset": lambda: self.set_zoom(0), "toggle_sidebar": self._toggle_sidebar,
            "toggle_readable": self._toggle_readable,
            "show_search_panel": lambda: self.show_panel(0), "show_library_panel": lambda: self.show_panel(1),
            "show_bookmarks_panel": lambda: self.show_panel(2), "show_outline_panel": lambda: self.show_panel(3),
            "back": self.go_back, "forward": self.go_forward, "quick_open": self.open_quick_open,
            "start_page": lambda: self.open_entry(self.pages.start_id()),
            "next_tab": lambda: self.tab_owner.cycle_tab(1), "previous_tab": lambda: self.tab_owner.cycle_tab(-1),
            "toggle_bookmark": self.toggle_bookmark, "help": self.show_help, "about": self.show_about,
        }

    # --- what tests, the selftest and the bench ask of the window ------------------------------------
    def set_theme(self, mode: str) -> None:
        """"system", "light" or "dark" (View > Theme)."""
        self.themes.set_mode(mode)

    @property
    def zoom(self) -> int:
        return self.tab_owner.zoom

    def current_tab(self) -> ViewerTab | None:
        return self.tab_owner.current()

    def tab_count(self) -> int:
        return self.tab_owner.count()

    def open_entry(self, entry_id: str, anchor: str = "", new_tab: bool = False,
                   terms: list[str] | None = None) -> ViewerTab:
        """Show an entry in the current tab (or a new one)."""
        return self.tab_owner.open_entry(entry_id, anchor, new_tab, terms)

    def new_tab(self, entry_id: str | None = None, anchor: str = "", background: bool = False,
                terms: list[str] | None = None) -> ViewerTab:
        return self.tab_owner.new_tab(entry_id, anchor, background, terms)

    # --- launches ------------------------------------------------------------------------------------
    def serve_launches(self, address: str, requests: tuple[OpenRequest, ...] = ()) -> None:
        """Open what this launch asked for, and listen for later launches on the same data folder."""
        from nexus_desktop.ui.single_instance import InstanceServer

        for request in requests:
            self.new_tab(request.entry_id, request.anchor)
        try:
            self.instance_server = InstanceServer(address, self)
        except ImportError as exc:  # a build without Qt's network module: launches open windows of their own
            import logging

            logging.getLogger(__name__).error("later launches cannot reach this window: %s", exc)
            return
        self.instance_server.requested.connect(self.handle_launch)
        if not self.instance_server.listen():
            self.status.say("Another Nexus window uses this data folder: launches are handed to it", 8000)

    def handle_launch(self, handover: HandOver) -> None:
        """Another launch on this data folder: come to the front, open its entries, add its folders."""
        from pathlib import Path

        if self.isMinimized():
            self.showNormal()
        self.raise_()
        self.activateWindow()
        for request in handover.open:
            self.new_tab(request.entry_id, request.anchor)
        mine = {Path(folder).expanduser().resolve() for folder in self.content or []}
        for folder in handover.content:
            if Path(folder) not in mine:
                self.add_folder(folder)

    # --- links and commands --------------------------------------------------------------------------
    def handle_link(self, url: str, new_tab: bool = False, tab: ViewerTab | None = None) -> bool:
        """A link clicked in `tab`: entries and headings open in the tabs (core's link policy), tags
        search, web links go to the system browser, anything else is refused with a message."""
        from nexus_desktop.core.links import LinkKind

        action = self.tab_owner.follow_link(url, new_tab, tab)
        if action.kind is LinkKind.TAG:
            self.run_search(f"tag:{action.target}")
        elif action.kind is LinkKind.WEB:
            self.opener(QUrl(action.target))
            self.status.say(f"Opened in your browser: {url}")
        elif action.kind is LinkKind.REFUSED:
            self.status.say(f"Refused to open {url}: not an entry of the library or a web link", 8000)
            return False
        return True

    def run_search(self, query: str) -> None:
        self.show_panel(0)
        self.search_panel.set_query(query)

    def focus_search(self) -> None:
        self.show_panel(0, focus=False)
        self.search_field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_field.selectAll()

    def show_panel(self, index: int, focus: bool = True) -> None:
        self.sidebar_action.setChecked(True)
        self.sidebar.show_panel(index, focus)

    def go_back(self) -> None:
        tab = self.current_tab()
        if tab is not None:
            tab.back()

    def go_forward(self) -> None:
        tab = self.current_tab()
        if tab is not None:
            tab.forward()

    def set_zoom(self, zoom: int) -> None:
        self.tab_owner.set_zoom(max(ZOOM_RANGE[0], min(ZOOM_RANGE[1], zoom)))
        self.status.say(f"Zoom {100 + self.zoom * 10}%", 2000)

    def open_quick_open(self) -> None:
        from nexus_desktop.ui.quick_open import RECENT_SHOWN

        if self.user_data is not None:  # a few more: some may not be in this library
            self.quick_open.set_recent([r.entry_id for r in self.user_data.recent.list(3 * RECENT_SHOWN)])
        self.quick_open.open_palette()

    def toggle_bookmark(self) -> None:
        """Ctrl+D and the star: core's one toggle rule on the current entry; adding shows the popover."""
        tab = self.current_tab()
        if self.user_data is None:
            return
        if tab is None or not tab.shows_entry():
            self.status.say("Only entries can be bookmarked", 3000)
            return
        from nexus_desktop.ui.bookmark_popover import BookmarkPopover

        added = BookmarkPopover.toggle(self.user_data, tab.entry_id, tab.title, None, self, initiator=self)
        if not added and tab.entry_id not in self.user_data.starred:
            self.status.say(f"Removed bookmark of {tab.title}", 3000)

    def _bookmark_heading(self, entry_id: str, anchor: str, text: str) -> None:
        from nexus_desktop.core.bookmarks import heading_title

        assert self.user_data is not None
        title = heading_title(self.pages.title_of(entry_id), text)
        if self.user_data.change(self.outline_panel, lambda store: store.add(entry_id, title, anchor=anchor)):
            self.status.say(f"Bookmarked {title}", 3000)

    def add_folder(self, folder: str) -> str | None:
        """Add a folder of Markdown to the library (a second launch's --content) and index it."""
        if not folder or self.user_data is None:
            return None
        name = self.user_data.roots.add(folder)
        if self.content is not None:
            self.show_notice(f"Added {folder} to the library as \u201c{name}\u201d. This window shows only "
                             "the --content folders; the folder will be there at the next normal launch.")
        else:
            self.status.say(f"Added {folder} as \u201c{name}\u201d; indexing\u2026")
            self.library.reload_roots()
        return name

    def show_library_folders(self) -> None:
        """File > Library folders: list, add and remove folders; the library is indexed again after a change."""
        from nexus_desktop.paths import content_dir
        from nexus_desktop.ui.library_folders import LibraryFoldersDialog

        assert self.user_data is not None
        self.folders_dialog = LibraryFoldersDialog(self.user_data.roots, content_dir(), self.content, self)
        self.folders_dialog.reindex_requested.connect(self.library.reload_roots)
        self.folders_dialog.message.connect(self.status.say)
        self.folders_dialog.open()

    def show_help(self) -> None:
        from nexus_desktop.core.start_page import HELP_ID

        self.tab_owner.show_or_open(HELP_ID)

    def show_about(self) -> None:
        assert self.dirs is not None
        QMessageBox.about(
            self, "About Nexus",
            f"<h3>Nexus Desktop {__version__}</h3><p>Read and search a knowledge base of Markdown, offline.</p>"
            f"<p>Data folder: <code>{html.escape(str(self.dirs.data))}</code><br>"
            f"Cache (search index): <code>{html.escape(str(self.dirs.cache))}</code></p>")

    def show_notice(self, text: str) -> None:
        """Tell the user something that matters: a banner above the tabs and the status bar."""
        if text:
            self.banner.add(text)
            self.status.say(text, 10000)

    def _scheme_changed(self, scheme: str) -> None:
        self.pages.scheme = scheme
        self.banner.set_scheme(scheme)
        self.search_panel.set_scheme(scheme)
        self.tab_owner.reload_all()

    # --- what follows the tabs ---------------------------------------------------------------------------
    def _show_current(self, tab: ViewerTab | None) -> None:
        """Window title, toolbar, outline and library follow the current tab."""
        title = tab.title if tab is not None and tab.entry_id else ""
        self.setWindowTitle(f"{title} \u2014 Nexus" if title else "Nexus")
        self.navigation.show_tab(tab, self._starred())
        if tab is None:
            return
        self.outline_panel.set_headings(tab.entry_id, tab.page.headings if tab.page is not None and tab.loaded else [])
        anchor = tab.history[tab.position].anchor if 0 <= tab.position < len(tab.history) else None
        if anchor:
            self.outline_panel.select_anchor(anchor)
        if tab.shows_entry() and self.sidebar.currentWidget() is self.library_panel:
            self.library_panel.reveal(tab.entry_id)

    def _tab_changed(self, tab: ViewerTab) -> None:
        if tab is self.current_tab():
            self._show_current(tab)

    def _starred(self) -> frozenset[str]:
        return self.user_data.starred if self.user_data is not None else frozenset()

    def _starred_changed(self, starred: frozenset[str]) -> None:
        self.tab_owner.set_starred(starred)
        self.search_panel.set_starred(starred)
        self.navigation.show_tab(self.current_tab(), starred)

    def _watch_tab_files(self) -> None:
        self.library.watch_files(self.tab_owner.files())

    def _open_from_search(self, entry_id: str, anchor: str, new_tab: bool) -> None:
        self.open_entry(entry_id, anchor, new_tab, terms=self.search_panel.terms())

    def _jump_to_anchor(self, anchor: str) -> None:
        tab = self.current_tab()
        if tab is not None:
            tab.go_anchor(anchor)

    def _toggle_readable(self) -> None:
        on = self.actions_by_name["toggle_readable"].isChecked()
        self.tab_owner.set_readable(on)
        if self.user_data is not None and self.user_data.prefs.get(READABLE, True) != on:
            self.user_data.prefs.set(READABLE, on)

    def _toggle_sidebar(self) -> None:
        self.sidebar.setVisible(self.sidebar_action.isChecked())

    # --- what follows the library --------------------------------------------------------------------------
    def start(self) -> None:
        """Open the library in the background (after the window is shown)."""
        if not self._initialised:
            self.initialise()
            return
        self.status.say("Opening the library\u2026", 0)
        self.library.start()

    def _library_opened(self, opened: IndexedLibrary) -> None:
        self.search.set_index(opened.workspace.index)
        self.status.say("Library open; checking for changes\u2026", 3000)
        self.search_panel.rerun()
        self.library_opened.emit()

    def _indexing_changed(self, progress: IndexingProgress | None) -> None:
        """The library controller's one indexing figure, shown alike in the status bar and the search panel."""
        self.status.show_indexing(progress)
        self.search_panel.index_note = progress.text if progress is not None else ""

    def _partial(self) -> None:
        """A first batch of a big library is indexed: search it while the rest is built."""
        self.search.refresh()
        self.search_panel.rerun()
        self._reload_changed_tabs(links_changed=True)

    def _indexed(self, report: IndexReport | None, library_updated: bool) -> None:
        if library_updated:
            self.search.refresh()
            self.search_panel.rerun()
            self._reload_changed_tabs(links_changed=report is None or bool(report.added or report.removed))
        self.index_updated.emit(report)

    def _reload_changed_tabs(self, links_changed: bool) -> None:
        reloaded = self.tab_owner.reload_changed(links_changed)
        if reloaded:
            self.tabs_reloaded.emit(reloaded)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if self._initialised and not self._shut_down and event.type() == QEvent.Type.ActivationChange \
                and self.isActiveWindow():
            self.library.user_came_back()

    # --- window state and quitting -----------------------------------------------------------------------
    def quit(self) -> None:
        self._quitting = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.shutdown()
        super().closeEvent(event)
        if self._quitting:
            app = QApplication.instance()
            if app is not None:
                app.quit()

    def shutdown(self) -> None:
        """Save the session and window state, stop the library and search, close the database (once)."""
        if self._shut_down:
            return
        self._shut_down = True
        if not self._initialised or self.user_data is None:
            return
        from nexus_desktop.ui.window_state import save_window

        detail = "see the log for details"
        try:
            saved = self.session_keeper is None or self.session_keeper.stop()
            save_window(self, self.splitter, self.sidebar, self.sidebar_action, self.user_data.prefs)
        except Exception as exc:  # noqa: BLE001 - say so; quitting goes on
            saved, detail = False, str(exc)
        if not saved:
            QMessageBox.warning(self, "Nexus", f"Your open tabs could not be saved for the next launch:\n{detail}")
        if self.instance_server is not None:
            self.instance_server.close()
        self.library.shutdown()
        self.search.shutdown()
        if self.bookmarks_panel is not None:
            self.bookmarks_panel.shutdown()
        self.themes.stop()
        self.user_data.db.close()
