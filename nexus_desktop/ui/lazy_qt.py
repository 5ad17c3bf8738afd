"""Names on the window's launch path, loaded on first use: `Qt` (the Qt namespace: importing it creates
~130 enums, ~40 ms) and, through `lazy_names`, the Qt classes and modules the first frame does without."""

from __future__ import annotations

import importlib
from typing import Any


class _LazyNamespace:
    """Looks attributes up on PySide6.QtCore.Qt, importing it the first time one is asked for."""

    def __getattr__(self, name: str) -> Any:
        from PySide6.QtCore import Qt as namespace

        return getattr(namespace, name)


Qt: Any = _LazyNamespace()


class _LazyName:
    """Stands for `module.name` (or the module itself) in a module's globals until first used, then
    puts the real object there: later uses cost nothing. Calls and attribute reads are passed on."""

    def __init__(self, namespace: dict[str, Any], module: str, name: str | None) -> None:
        self._namespace, self._module, self._name = namespace, module, name

    def _load(self) -> Any:
        target = importlib.import_module(self._module)
        if self._name is not None:
            target = getattr(target, self._name)
        self._namespace[self._name or self._module] = target
        return target

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self._load(), attribute)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._load()(*args, **kwargs)


def lazy_names(namespace: dict[str, Any], module: str, *names: str) -> None:
    """Put stand-ins for `from module import names` (or `import module` when no names) in `namespace`."""
    for name in names or (None,):
        namespace[name or module] = _LazyName(namespace, module, name)
