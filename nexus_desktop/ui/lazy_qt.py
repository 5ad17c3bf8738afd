"""`Qt`, the Qt namespace, loaded on first use: importing it creates ~130 enums (~40 ms), which the
window's first frame does without; modules on the launch path use this stand-in instead."""

from __future__ import annotations

from typing import Any


class _LazyNamespace:
    """Looks attributes up on PySide6.QtCore.Qt, importing it the first time one is asked for."""

    def __getattr__(self, name: str) -> Any:
        from PySide6.QtCore import Qt as namespace

        return getattr(namespace, name)


Qt: Any = _LazyNamespace()
