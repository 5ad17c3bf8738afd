"""PySide6 desktop interface, a thin layer over nexus_desktop.core."""
