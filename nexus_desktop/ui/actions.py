"""The window's commands in one table: menu, label, shortcuts; README's keyboard table is checked against it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

from nexus_desktop.ui.lazy_qt import Qt


@dataclass(frozen=True)
class Command:
    """One menu item: `name` is the command it runs; `keys` are documented, `aliases` work too."""

    name: str
    menu: str
    text: str
    keys: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()


SEPARATOR = "-"
MENUS = ("&File", "&Edit", "&View", "&Go", "&Bookmarks", "&Help")

COMMANDS: tuple[Command | tuple[str, str], ...] = (
    Command("new_tab", "&File", "New &Tab", ("Ctrl+T",)),
    Command("close_tab", "&File", "&Close Tab", ("Ctrl+W",)),
    Command("reopen_closed_tab", "&File", "&Reopen Closed Tab", ("Ctrl+Shift+T",)),
    ("&File", SEPARATOR),
    Command("library_folders", "&File", "&Library Folders\u2026"),
    ("&File", SEPARATOR),
    Command("quit", "&File", "&Quit", ("Ctrl+Q",)),
    Command("find", "&Edit", "&Find in Page\u2026", ("Ctrl+F",)),
    Command("find_next", "&Edit", "Find &Next", ("F3",)),
    Command("find_previous", "&Edit", "Find &Previous", ("Shift+F3",)),
    Command("focus_search", "&Edit", "&Search the Library", ("Ctrl+K", "Ctrl+L")),
    ("&View", SEPARATOR),
    Command("zoom_in", "&View", "Zoom &In", ("Ctrl++",), ("Ctrl+=",)),
    Command("zoom_out", "&View", "Zoom &Out", ("Ctrl+-",)),
    Command("zoom_reset", "&View", "&Reset Zoom", ("Ctrl+0",)),
    Command("toggle_readable", "&View", "Readable &Line Length"),
    ("&View", SEPARATOR),
    Command("toggle_sidebar", "&View", "Show &Sidebar", ("Ctrl+Shift+B",)),
    Command("show_search_panel", "&View", "Show Search Panel"),
    Command("show_library_panel", "&View", "Show Library Panel"),
    Command("show_bookmarks_panel", "&View", "Show Bookmarks Panel", ("Ctrl+B",)),
    Command("show_outline_panel", "&View", "Show Outline Panel"),
    Command("back", "&Go", "\u2190 Back", ("Alt+Left",)),
    Command("forward", "&Go", "\u2192 Forward", ("Alt+Right",)),
    Command("quick_open", "&Go", "&Quick Open\u2026", ("Ctrl+P",)),
    Command("start_page", "&Go", "&Start Page"),
    ("&Go", SEPARATOR),
    Command("next_tab", "&Go", "Next Tab", ("Ctrl+Tab", "Ctrl+PgDown")),
    Command("previous_tab", "&Go", "Previous Tab", ("Ctrl+Shift+Tab", "Ctrl+PgUp"), ("Ctrl+Shift+Backtab",)),
    Command("toggle_bookmark", "&Bookmarks", "Bookmark This Entry", ("Ctrl+D",)),
    Command("show_bookmarks_panel", "&Bookmarks", "Show Bookmarks Panel"),
    Command("help", "&Help", "Nexus &Help", ("F1",)),
    Command("about", "&Help", "&About Nexus"),
)

# Keys handled by a widget, not by a window command (README's table documents them too).
WIDGET_KEYS: Mapping[str, str] = {
    "Enter": "search field: open the selected result",
    "Down": "search field: next result",
    "Up": "search field: previous result",
    "Alt+Enter": "search field: open the selected result in a new tab",
    "Esc": "find bar: close it",
}
CHECKABLE = frozenset({"toggle_sidebar", "toggle_readable"})


def documented_keys() -> set[str]:
    """Every key the window documents: command shortcuts (not aliases) and widget keys."""
    keys = {key for item in COMMANDS if isinstance(item, Command) for key in item.keys}
    return keys | set(WIDGET_KEYS)


def build_menus(window: QMainWindow, run: Mapping[str, Callable[[], object]],
                existing: Mapping[str, QAction]) -> tuple[dict[str, QAction], dict[str, QMenu]]:
    """The menu bar from COMMANDS: one QAction per command name (the toolbar's own, from `existing`,
    are reused), each also on the window so its shortcuts work wherever the focus is. Returns the
    actions by command name and the menus by title."""
    bar = window.menuBar()
    menus: dict[str, QMenu] = {name: bar.addMenu(name) for name in MENUS}
    actions: dict[str, QAction] = {}
    for item in COMMANDS:
        if not isinstance(item, Command):
            menus[item[0]].addSeparator()
            continue
        action = actions.get(item.name)
        if action is None:
            action = existing.get(item.name) or _new_action(window, item, run[item.name])
            keys = [QKeySequence(key) for key in (*item.keys, *item.aliases)]
            if keys:
                action.setShortcuts(keys)
                action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            window.addAction(action)
            actions[item.name] = action
        menus[item.menu].addAction(action)
    return actions, menus


def _new_action(window: QMainWindow, command: Command, slot: Callable[[], object]) -> QAction:
    action = QAction(command.text, window)
    if command.name in CHECKABLE:
        action.setCheckable(True)
        action.setChecked(True)
        action.toggled.connect(lambda _on: slot())
    else:
        action.triggered.connect(lambda _checked=False: slot())
    return action
