"""The theme switcher: the mode the user chose (follow the system, light, dark), its menu, and the
scheme in force, announced with `scheme_changed` for whatever draws in colour."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication
from PySide6.QtWidgets import QApplication, QMenu

from nexus_desktop.ui import theme

if TYPE_CHECKING:
    from nexus_desktop.core.state import Preferences

MODE_LABELS = (("system", "Follow &System"), ("light", "&Light"), ("dark", "&Dark"))
PREFERENCE = "theme"


class ThemeSwitcher(QObject):
    """Owns the theme mode and the scheme; the window and the content follow `scheme_changed`."""

    scheme_changed = Signal(str)  # "light" or "dark"

    def __init__(self, scheme: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.mode = "system"
        self.scheme = scheme
        self.prefs: Preferences | None = None
        self.actions: dict[str, QAction] = {}
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._system_changed)

    def build_menu(self, view_menu: QMenu) -> None:
        """The radio items of View > Theme, at the top of the View menu."""
        menu = QMenu("&Theme", view_menu)
        first = view_menu.actions()[0] if view_menu.actions() else None
        view_menu.insertMenu(first, menu) if first is not None else view_menu.addMenu(menu)
        group = QActionGroup(self)
        for mode, label in MODE_LABELS:
            action = QAction(label, self, checkable=True)
            action.setChecked(mode == self.mode)
            action.triggered.connect(lambda _checked=False, m=mode: self.set_mode(m))
            group.addAction(action)
            menu.addAction(action)
            self.actions[mode] = action

    def restore(self, prefs: Preferences) -> None:
        """The mode remembered last time (changes are remembered from now on)."""
        self.prefs = prefs
        mode = str(prefs.get(PREFERENCE, "system"))
        self._use(mode if mode in theme.MODES else "system")

    def set_mode(self, mode: str) -> None:
        """"system", "light" or "dark": the window and the content follow; remembered."""
        if mode not in theme.MODES:
            return
        if self.prefs is not None:
            self.prefs.set(PREFERENCE, mode)
        self._use(mode)

    def stop(self) -> None:
        try:
            QGuiApplication.styleHints().colorSchemeChanged.disconnect(self._system_changed)
        except (RuntimeError, TypeError):
            pass

    def _use(self, mode: str) -> None:
        self.mode = mode
        if mode in self.actions:
            self.actions[mode].setChecked(True)
        self._apply(theme.effective_scheme(mode))

    def _apply(self, scheme: str) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply_theme(app, scheme)
        changed = scheme != self.scheme
        self.scheme = scheme
        if changed:
            self.scheme_changed.emit(scheme)

    def _system_changed(self, *_args: object) -> None:
        if self.mode == "system":
            self._apply(theme.system_scheme())
