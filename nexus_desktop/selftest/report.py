"""What the selftest found: one line per check, and the failure every check raises."""

from __future__ import annotations

import os
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO


class CheckFailed(Exception):
    """A selftest check found something wrong (the message says what)."""


def expect(condition: object, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


@dataclass
class Report:
    """Prints one line per check and remembers whether all passed."""

    out: TextIO = field(default_factory=lambda: sys.stdout)
    failed: list[str] = field(default_factory=list)
    passed: int = 0
    verbose: bool = False

    def run(self, name: str, check: Callable[[], str | None]) -> bool:
        started = time.perf_counter()
        try:
            note = check()
        except CheckFailed as exc:
            return self._fail(name, str(exc))
        except Exception as exc:  # noqa: BLE001 - a selftest reports, it never shows a traceback
            if self.verbose or os.environ.get("NEXUS_SELFTEST_TRACEBACK"):
                traceback.print_exc(file=sys.stderr)
            return self._fail(name, f"{type(exc).__name__}: {exc}")
        ms = (time.perf_counter() - started) * 1000
        self.passed += 1
        suffix = f": {note}" if note else ""
        self._print(f"ok   {name} ({ms:.0f} ms){suffix}")
        return True

    def _fail(self, name: str, reason: str) -> bool:
        reason = " ".join(reason.split()) or "failed"
        self.failed.append(name)
        self._print(f"FAIL {name}: {reason}")
        return False

    def _print(self, line: str) -> None:
        print(line, file=self.out, flush=True)
