"""`nexus-desktop selftest`: exercise index, search, render, bookmarks, session and the window, headless.

report (what was found), plans (the queries), checks (every check but the window's), window (the window check)."""

from nexus_desktop.selftest.checks import run_selftest
from nexus_desktop.selftest.plans import bundled_plan

__all__ = ["bundled_plan", "run_selftest"]
