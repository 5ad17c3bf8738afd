"""The action table: one table of commands and shortcuts, the same as README's keyboard table."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtGui import QKeySequence

from nexus_desktop.ui.actions import COMMANDS, Command, documented_keys

README = Path(__file__).resolve().parents[2] / "README.md"


def _readme_keys() -> set[str]:
    """The keys in README's keyboard table (first column; "Enter / Down, Up in the search field" too)."""
    text = README.read_text(encoding="utf-8")
    table = text[text.index("| keys | action |"):].split("\n\n", 1)[0]
    keys: set[str] = set()
    for line in table.splitlines()[2:]:
        cell = line.split("|")[1].replace(" in the search field", "")
        keys.update(k.strip() for k in re.split(r",|/", cell) if k.strip())
    return keys


def test_readme_keyboard_table_is_the_action_table():
    assert _readme_keys() == documented_keys()


def test_help_keyboard_table_is_the_action_table():
    from nexus_desktop.core.start_page import KEYBOARD

    keys = set()
    for cell, _action in KEYBOARD:
        keys.update(k.strip() for k in re.split(r",|/", cell.replace(" in the search field", "")) if k.strip())
    assert keys == documented_keys()


def test_every_shortcut_is_unique_and_parses():
    seen: dict[str, str] = {}
    for item in COMMANDS:
        if not isinstance(item, Command):
            continue
        for key in (*item.keys, *item.aliases):
            assert not QKeySequence(key).isEmpty(), key
            assert seen.setdefault(key, item.name) == item.name, f"{key} is bound twice"


def test_the_window_has_every_command_with_its_shortcuts(make_window):
    window = make_window(wait=False)
    window.initialise()
    first = {}
    for item in COMMANDS:
        if isinstance(item, Command):
            first.setdefault(item.name, item)  # a command in two menus is one action
    for item in first.values():
        action = window.actions_by_name[item.name]
        assert {s.toString() for s in action.shortcuts()} == \
            {QKeySequence(k).toString() for k in (*item.keys, *item.aliases)}, item.name
        assert action in window.actions()  # works wherever the focus is
