"""The notice banner above the tabs: what the user must know (a database kept aside, a failed load)."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

from nexus_desktop.ui import theme
from nexus_desktop.ui.lazy_qt import Qt


class Banner(QFrame):
    """A dismissable list of notices (each shown once until dismissed), in the theme's notice colours."""

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
        self._scheme = "light"
        self.hide()

    def set_scheme(self, scheme: str) -> None:
        """Light or dark colours (the theme changed)."""
        self._scheme = scheme
        c = theme.colours(scheme)
        self.setStyleSheet(f"#noticeBanner {{ background: {c['banner_bg']}; }} "
                           f"#noticeBanner QLabel {{ color: {c['banner_fg']}; }}")

    def add(self, text: str) -> None:
        """Show a notice (once: the same text again is not repeated)."""
        if not text or text in self.messages:
            return
        if not self.messages:
            self.set_scheme(self._scheme)
        self.messages.append(text)
        self.label.setText("\n".join(self.messages))
        self.show()

    def dismiss(self) -> None:
        self.messages.clear()
        self.hide()
