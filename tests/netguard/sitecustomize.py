"""Test runs only: refuse every Internet socket (AF_INET, AF_INET6) in each Python process the suite starts.

This folder is put on PYTHONPATH by tests/conftest.py, so Python imports this module at start-up of
every child process (the CLI, the indexing child); the suite's own process installs it from a fixture.
An attempt is refused with OSError and, when $NEXUS_NET_LOG names a file, written to it.
"""

from __future__ import annotations

import errno
import os
import socket

INTERNET = (socket.AF_INET, socket.AF_INET6)
_original_init = socket.socket.__init__


def _refused(family: object) -> OSError:
    log = os.environ.get("NEXUS_NET_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()} {family!r}\n")
    return OSError(errno.ENETUNREACH, f"the test suite allows no Internet socket ({family!r})")


def guarded_init(self: socket.socket, family: int = -1, type: int = -1, proto: int = -1,
                 fileno: int | None = None) -> None:
    if fileno is None and (family == -1 or family in INTERNET):
        raise _refused(socket.AF_INET if family == -1 else socket.AddressFamily(family))
    _original_init(self, family, type, proto, fileno)
    if self.family in INTERNET:  # a descriptor handed over from elsewhere
        self.close()
        raise _refused(self.family)


def install() -> None:
    socket.socket.__init__ = guarded_init  # type: ignore[method-assign]


install()
