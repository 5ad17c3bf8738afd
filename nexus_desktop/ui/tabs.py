"""The entry tabs: open, close, reopen, cycle, duplicate; labels with stars; the session they make up."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QPoint, QSize, Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QMenu, QTabBar, QTabWidget, QToolButton, QWidget

from nexus_desktop.core.disk import file_stamp
from nexus_desktop.core.links import LinkAction, LinkKind, link_action
from nexus_desktop.core.start_page import START_ID
from nexus_desktop.core.state import Session, TabState
from nexus_desktop.ui.viewer import ViewerTab

if TYPE_CHECKING:
    from nexus_desktop.ui.pages import Pages
    from nexus_desktop.ui.workers import IndexedLibrary

CLOSED_KEEP = 25
TAB_TITLE_CHARS = 28
STAR = "\u2605 "
CLOSE_MARK = "\u2715"
CLOSE_SIZE = 18  # px, square


class CloseTabButton(QToolButton):
    """A tab's close button, the same on every tab (the style's own paints the current tab's as a
    filled red box, which reads as an error): a flat cross in the text colour, raised under the mouse."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setText(CLOSE_MARK)
        self.setAutoRaise(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setCursor(Qt.CursorShape.ArrowCursor)
        self.setToolTip("Close Tab (Ctrl+W)")
        self.setAccessibleName("Close Tab")
        self.setFixedSize(QSize(CLOSE_SIZE, CLOSE_SIZE))


class Tabs(QObject):
    """Owns the tab widget and its ViewerTabs. Views of the tabs (window title, outline, star) follow
    `current_changed`/`tab_changed`; the session keeper follows `session_changed`."""

    current_changed = Signal(object)        # the ViewerTab shown now (or None)
    tab_changed = Signal(object)            # a ViewerTab whose page, title or history changed
    session_changed = Signal()              # opened, closed, moved, navigated, scrolled or zoomed
    link_requested = Signal(str, bool, object)  # url, new tab, the ViewerTab it was clicked in
    visited = Signal(str, str)              # entry id, title: the user went to an entry
    files_changed = Signal()                # the set of files shown in tabs changed (watch them)
    message = Signal(str)                   # something to say in the status bar

    def __init__(self, pages: Pages, parent: QWidget) -> None:
        super().__init__(parent)
        self.pages = pages
        self.zoom = 0
        self.closed: list[TabState] = []
        self._starred: frozenset[str] = frozenset()
        self.widget = QTabWidget(parent)
        self.widget.setObjectName("entryTabs")
        self.widget.setDocumentMode(True)
        self.readable = True
        self.widget.setMovable(True)
        self.widget.setElideMode(Qt.TextElideMode.ElideRight)
        bar = self.widget.tabBar()
        bar.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        bar.customContextMenuRequested.connect(self._tab_menu)
        bar.installEventFilter(self)
        bar.tabMoved.connect(self.session_changed)
        self.widget.currentChanged.connect(self._current_changed)

    # --- reading ----------------------------------------------------------------------------
    def count(self) -> int:
        return self.widget.count()

    def tab(self, index: int) -> ViewerTab:
        widget = self.widget.widget(index)
        assert isinstance(widget, ViewerTab)
        return widget

    def all(self) -> list[ViewerTab]:
        return [self.tab(i) for i in range(self.count())]

    def current(self) -> ViewerTab | None:
        widget = self.widget.currentWidget()
        return widget if isinstance(widget, ViewerTab) else None

    def session(self) -> Session:
        return Session([tab.state() for tab in self.all()], max(0, self.widget.currentIndex()), self.zoom)

    def files(self) -> set[str]:
        """The files of the entries shown (watched one by one: editors may save them in place)."""
        return {str(tab.page.path) for tab in self.all() if tab.page is not None and tab.page.path is not None}

    # --- opening and closing -------------------------------------------------------------------
    def open_entry(self, entry_id: str, anchor: str = "", new_tab: bool = False,
                   terms: list[str] | None = None) -> ViewerTab:
        """Show an entry in the current tab (or a new one)."""
        tab = self.current()
        if new_tab or tab is None:
            return self.new_tab(entry_id, anchor, terms=terms)
        tab.open(entry_id, anchor or None, terms)
        return tab

    def new_tab(self, entry_id: str | None = None, anchor: str = "", background: bool = False,
                terms: list[str] | None = None) -> ViewerTab:
        """Open a tab (the start page unless told otherwise) after the current one."""
        tab, index = self._insert(self.widget.currentIndex() + 1, select=not background)
        tab.open(entry_id or self.pages.start_id(), anchor or None, terms)
        self._update_label(index)
        return tab

    def follow_link(self, url: str, new_tab: bool = False, tab: ViewerTab | None = None) -> LinkAction:
        """Carry out core's link policy for a link clicked in `tab` as far as tabs go (entries and
        headings); what it says about other links is returned for the caller to do."""
        action = link_action(url)
        tab = tab or self.current()
        if action.kind is LinkKind.ANCHOR and tab is not None:
            if new_tab:
                self.new_tab(tab.entry_id, action.anchor)
            else:
                tab.go_anchor(action.anchor)
        elif action.kind is LinkKind.ENTRY:
            if new_tab or tab is None:
                self.new_tab(action.target, action.anchor)
            else:
                tab.open(action.target, action.anchor or None)
        return action

    def show_or_open(self, entry_id: str) -> None:
        """Switch to the tab showing this page, or open it in a new one (Help)."""
        for index, tab in enumerate(self.all()):
            if tab.entry_id == entry_id:
                self.widget.setCurrentIndex(index)
                return
        self.new_tab(entry_id)

    def close_tab(self, index: int) -> None:
        if not 0 <= index < self.count():
            return
        tab = self.tab(index)
        if tab.history:
            self.closed.append(tab.state())
            del self.closed[:-CLOSED_KEEP]
        self.widget.removeTab(index)
        tab.deleteLater()
        if self.count() == 0:
            self.new_tab()
        self.files_changed.emit()
        self.session_changed.emit()

    def reopen_closed_tab(self) -> None:
        if not self.closed:
            self.message.emit("No closed tab to reopen")
            return
        tab, index = self._insert(self.widget.currentIndex() + 1, select=True)
        tab.restore(self.closed.pop())
        self._update_label(index)

    def duplicate_tab(self, index: int) -> None:
        tab, _new = self._insert(index + 1, select=True)
        tab.restore(self.tab(index).state())

    def close_other_tabs(self, index: int) -> None:
        keep = self.tab(index)
        for i in reversed(range(self.count())):
            if self.tab(i) is not keep:
                self.close_tab(i)

    def cycle_tab(self, step: int) -> None:
        count = self.count()
        if count > 1:
            self.widget.setCurrentIndex((self.widget.currentIndex() + step) % count)

    def restore(self, session: Session) -> None:
        """The tabs of a saved session; only the current one is rendered now, the others when shown."""
        self.zoom = session.zoom
        if not session.tabs:
            self.new_tab()
            return
        for state in session.tabs:
            tab, _index = self._insert(self.count(), select=False)
            tab.restore(state, load=False)
        self.widget.setCurrentIndex(session.current)
        self.refresh_labels()
        self._current_changed(self.widget.currentIndex())

    # --- pushed state --------------------------------------------------------------------------
    def set_starred(self, starred: frozenset[str]) -> None:
        """Entries with a bookmark (from the user data): their tabs carry a star."""
        self._starred = starred
        self.refresh_labels()

    def set_readable(self, on: bool) -> None:
        """The readable line length (View menu) in every tab."""
        self.readable = on
        for tab in self.all():
            tab.set_readable(on)

    def set_zoom(self, zoom: int) -> None:
        self.zoom = zoom
        for tab in self.all():
            tab.set_zoom(zoom)
        self.session_changed.emit()

    def show_library(self, _library: IndexedLibrary) -> None:
        """A new view of the library (connected after the pages'): tabs shown while it opened render now."""
        if any(tab.page is not None and tab.page.loading for tab in self.all()):
            self.library_opened()

    def library_opened(self) -> None:
        """The library is first indexed here: tabs shown while it opened are rendered now."""
        current = self.widget.currentIndex()
        for index, tab in enumerate(self.all()):
            if tab.page is not None and tab.page.loading:
                tab.restore(tab.state(), load=(index == current))
        self.refresh_labels()
        self._current_changed(current)

    def reload_all(self) -> None:
        """Render every loaded tab again (the theme changed)."""
        for tab in self.all():
            tab.reload()

    def reload_changed(self, links_changed: bool) -> list[str]:
        """Re-render tabs whose file changed on disk (all of them when entries came or went: links may
        resolve now); returns the entry ids of those whose content changed."""
        reloaded: list[str] = []
        for index, tab in enumerate(self.all()):
            page = tab.page
            if not tab.loaded or page is None:
                continue
            if page.entry_id.startswith("about:"):
                if links_changed or page.entry_id == START_ID:
                    tab.reload()
                continue
            stamp = file_stamp(page.path) if page.path is not None else ""
            if not page.found or stamp != page.stamp:
                was_found = page.found
                tab.reload()
                if tab.page is not None and (tab.page.found or was_found):
                    reloaded.append(tab.entry_id)
                self._update_label(index)
            elif links_changed:
                tab.reload()
        self.files_changed.emit()
        if reloaded:
            self._current_changed(self.widget.currentIndex())
        return reloaded

    def refresh_labels(self) -> None:
        for index in range(self.count()):
            self._update_label(index)

    # --- inside --------------------------------------------------------------------------------
    def _insert(self, index: int, select: bool) -> tuple[ViewerTab, int]:
        tab = ViewerTab(self.pages, self.widget)
        tab.set_zoom(self.zoom)
        tab.set_readable(self.readable)
        tab.page_changed.connect(lambda t=tab: self._page_changed(t))
        tab.link_requested.connect(lambda url, new, t=tab: self.link_requested.emit(url, new, t))
        tab.visited.connect(self.visited)
        tab.browser.verticalScrollBar().valueChanged.connect(self.session_changed)
        index = self.widget.insertTab(index, tab, "")
        close = CloseTabButton(self.widget.tabBar())
        close.clicked.connect(lambda _checked=False, t=tab: self.close_tab(self.widget.indexOf(t)))
        self.widget.tabBar().setTabButton(index, QTabBar.ButtonPosition.RightSide, close)
        if select:
            self.widget.setCurrentIndex(index)
        self.session_changed.emit()
        return tab, index

    def _page_changed(self, tab: ViewerTab) -> None:
        index = self.widget.indexOf(tab)
        if index >= 0:
            self._update_label(index)
        self.tab_changed.emit(tab)
        self.files_changed.emit()
        self.session_changed.emit()

    def _current_changed(self, _index: int) -> None:
        tab = self.current()
        if tab is not None:
            tab.ensure_loaded()
            tab.set_zoom(self.zoom)
        self.current_changed.emit(tab)
        self.session_changed.emit()

    def _update_label(self, index: int) -> None:
        tab = self.tab(index)
        title = tab.title if tab.loaded else self.pages.title_of(tab.entry_id)
        short = title if len(title) <= TAB_TITLE_CHARS else title[: TAB_TITLE_CHARS - 1] + "\u2026"
        star = STAR if tab.entry_id in self._starred else ""
        self.widget.setTabText(index, star + short)
        self.widget.setTabToolTip(index, f"{title}\n{tab.entry_id}")

    def _tab_menu(self, pos: QPoint) -> None:
        bar = self.widget.tabBar()
        index = bar.tabAt(pos)
        if index < 0:
            return
        menu = QMenu(self.widget)
        menu.addAction("Close Tab", lambda: self.close_tab(index))
        menu.addAction("Close Other Tabs", lambda: self.close_other_tabs(index))
        menu.addAction("Duplicate Tab", lambda: self.duplicate_tab(index))
        menu.addSeparator()
        menu.addAction("Copy Entry Id", lambda: QApplication.clipboard().setText(self.tab(index).entry_id))
        menu.addAction("Reopen Closed Tab", self.reopen_closed_tab).setEnabled(bool(self.closed))
        menu.popup(bar.mapToGlobal(pos))

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        """A middle click on a tab closes it."""
        bar = self.widget.tabBar()
        if obj is bar and event.type() == QEvent.Type.MouseButtonRelease and isinstance(event, QMouseEvent) \
                and event.button() == Qt.MouseButton.MiddleButton:
            index = bar.tabAt(event.position().toPoint())
            if index >= 0:
                self.close_tab(index)
                return True
        return super().eventFilter(obj, event)
