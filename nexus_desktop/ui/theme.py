"""Light and dark themes for the window (Fusion + QPalette) and the rendered content (CSS)."""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from nexus_desktop.ui.lazy_qt import Qt  # launch path: the real namespace after the first frame

MODES = ("system", "light", "dark")


def system_scheme() -> str:
    """"dark" or "light", as the desktop says (light when it does not say)."""
    app = QGuiApplication.instance()
    if app is None:
        return "light"
    scheme = QGuiApplication.styleHints().colorScheme()
    return "dark" if scheme == Qt.ColorScheme.Dark else "light"


def palette_scheme() -> str:
    """A quick guess for the first frame: "dark" when the platform's palette is dark.

    Asking Qt for the colour scheme creates all of the Qt namespace's enums (~40 ms), which the
    first frame can do without; the window asks properly right after it is shown.
    """
    app = QGuiApplication.instance()
    if app is None:
        return "light"
    return "dark" if QGuiApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128 else "light"


def effective_scheme(mode: str) -> str:
    """The scheme a mode ("system", "light", "dark") means right now."""
    if mode in ("light", "dark"):
        return mode
    return system_scheme()


# Fusion's own light palette (QFusionStyle::standardPalette in Qt 6), written out: asking the style for
# it would create the Python QStyle type and its ~900 enum members (17 ms) before the first frame.
_FUSION_LIGHT = {
    "WindowText": "#000000", "Button": "#efefef", "Light": "#ffffff", "Midlight": "#cacaca", "Dark": "#9f9f9f",
    "Mid": "#b8b8b8", "Text": "#000000", "BrightText": "#ffffff", "ButtonText": "#000000", "Base": "#ffffff",
    "Window": "#efefef", "Shadow": "#767676", "Highlight": "#308cc6", "HighlightedText": "#ffffff",
    "Link": "#0000ff", "LinkVisited": "#ff00ff", "AlternateBase": "#f7f7f7", "ToolTipBase": "#ffffdc",
    "ToolTipText": "#000000",
}
_FUSION_LIGHT_DISABLED = {
    "WindowText": "#bebebe", "Dark": "#bebebe", "Text": "#bebebe", "ButtonText": "#bebebe", "Base": "#efefef",
    "Shadow": "#b1b1b1", "Highlight": "#919191",
}
FUSION_ARGUMENTS = ["-style", "fusion"]  # QApplication arguments: Fusion from the start (see create_application)
_fusion_applied = False


def create_application(argv0: str) -> QApplication:
    """The QApplication, in the Fusion style from the start (no style object made from Python)."""
    global _fusion_applied
    app = QApplication([argv0, *FUSION_ARGUMENTS])
    _fusion_applied = True
    return app


def _light_palette() -> QPalette:
    pal = QPalette()
    for role, colour in _FUSION_LIGHT.items():
        pal.setColor(getattr(QPalette.ColorRole, role), QColor(colour))
    for role, colour in _FUSION_LIGHT_DISABLED.items():
        pal.setColor(QPalette.ColorGroup.Disabled, getattr(QPalette.ColorRole, role), QColor(colour))
    placeholder = QColor("#000000")
    placeholder.setAlpha(128)
    pal.setColor(QPalette.ColorRole.PlaceholderText, placeholder)
    pal.setColor(QPalette.ColorRole.Highlight, QColor("#2f6fdb"))
    pal.setColor(QPalette.ColorRole.Link, QColor("#0b63ce"))
    return pal


def _palette(scheme: str) -> QPalette:
    if scheme == "light":
        return _light_palette()
    pal = QPalette()
    base, window, text = QColor("#1b1e23"), QColor("#24282e"), QColor("#dfe3e8")
    disabled = QColor("#7d848c")
    roles = {
        QPalette.ColorRole.Window: window, QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base, QPalette.ColorRole.AlternateBase: QColor("#22262b"),
        QPalette.ColorRole.ToolTipBase: QColor("#2c3138"), QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.PlaceholderText: QColor("#8b929a"), QPalette.ColorRole.Text: text,
        QPalette.ColorRole.Button: QColor("#2c3138"), QPalette.ColorRole.ButtonText: text,
        QPalette.ColorRole.BrightText: QColor("#ff6b6b"), QPalette.ColorRole.Light: QColor("#3a4048"),
        QPalette.ColorRole.Midlight: QColor("#32373e"), QPalette.ColorRole.Mid: QColor("#2a2e34"),
        QPalette.ColorRole.Dark: QColor("#141619"), QPalette.ColorRole.Shadow: QColor("#0b0c0e"),
        QPalette.ColorRole.Highlight: QColor("#3d7ae0"), QPalette.ColorRole.HighlightedText: QColor("#ffffff"),
        QPalette.ColorRole.Link: QColor("#6cb6ff"), QPalette.ColorRole.LinkVisited: QColor("#b392f0"),
    }
    for role, colour in roles.items():
        pal.setColor(role, colour)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return pal


def apply_theme(app: QApplication, scheme: str) -> None:
    """Fusion style with the light or dark palette on the whole application."""
    global _fusion_applied
    if not _fusion_applied:  # once: setting a style again would re-polish every widget
        app.setStyle("Fusion")
        _fusion_applied = True
    app.setPalette(_palette(scheme))


@lru_cache(maxsize=4)
def content_css(scheme: str) -> str:
    """The style sheet of rendered entries for a scheme."""
    from nexus_desktop.paths import resources_dir

    path = resources_dir() / f"content-{'dark' if scheme == 'dark' else 'light'}.css"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


def colours(scheme: str) -> dict[str, str]:
    """Colours widgets draw with themselves (search rows, banners, highlights)."""
    if scheme == "dark":
        return {"muted": "#9aa3ad", "tag": "#d2a8ff", "match_bg": "#5c4a12", "match_fg": "#ffe9a8",
                "find_bg": "#7c4410", "banner_bg": "#3b3018", "banner_fg": "#f5e3b3", "title": "#e8ecf0",
                "star": "#f2c94c"}
    return {"muted": "#5f6873", "tag": "#8250df", "match_bg": "#fff1a8", "match_fg": "#1f2328",
            "find_bg": "#ffc98f", "banner_bg": "#fff4d6", "banner_fg": "#4d3800", "title": "#111418",
            "star": "#d4a017"}
