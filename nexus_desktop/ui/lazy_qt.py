"""Names on the window's launch path, loaded on first use: `Qt` (the Qt namespace: importing it creates
~130 enums, ~40 ms) and, through `lazy_names`, the Qt classes and modules the first frame does without."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__all__ = ["Qt", "lazy_names"]


class _LazyNamespace:
    """Looks attributes up on PySide6.QtCore.Qt, importing it the first time one is asked for."""

    def __getattr__(self, name: str) -> object:
        from PySide6.QtCore import Qt as namespace

        return getattr(namespace, name)


if TYPE_CHECKING:  # type checkers read the real namespace: every Qt.* use is checked against it
    from PySide6.QtCore import Qt
else:
    Qt = _LazyNamespace()


class _LazyName:
    """Stands for `module.name` (or the module itself) in a module's globals until first used, then
    puts the real object there: later uses cost nothing. Calls and attribute reads are passed on."""

    def __init__(self, namespace: dict[str, object], module: str, name: str | None) -> None:
        self._namespace, self._module, self._name = namespace, module, name

    def _load(self) -> object:
        target: object = importlib.import_module(self._module)
        if self._name is not None:
            target = getattr(target, self._name)
        self._namespace[self._name or self._module] = target
        return target

    def __getattr__(self, attribute: str) -> object:
        return getattr(self._load(), attribute)

    def __call__(self, *args: object, **kwargs: object) -> object:
        target = self._load()
        if not callable(target):
            raise TypeError(f"{self._module}.{self._name} is not callable")
        return target(*args, **kwargs)


def lazy_names(namespace: dict[str, object], module: str, *names: str) -> None:
    """Put stand-ins for `from module import names` (or `import module` when no names) in `namespace`."""
    for name in names or (None,):
        namespace[name or module] = _LazyName(namespace, module, name)
