"""The session keeper: saves the open tabs about a second after each change, loads them at launch."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, QTimer, Signal

if TYPE_CHECKING:
    from nexus_desktop.core.state import Session, SessionStore

log = logging.getLogger(__name__)

SAVE_DELAY_MS = 1000  # a change is on disk within this long: a crash loses nothing the user saw


class SessionSource(Protocol):
    """What holds the open tabs (the tab owner): the session as it is now."""

    def session(self) -> Session: ...


class SessionController(QObject):
    """Debounced saves of the session (at most SAVE_DELAY_MS after the first unsaved change), one
    transaction each; a failed load or save is announced through `failed`, never swallowed."""

    saved = Signal()      # the session is in the database
    failed = Signal(str)  # what went wrong, for the user

    def __init__(self, store: SessionStore, source: SessionSource, library: str = "",
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.source = source
        self.library = library  # core.state.session_library of this run: whose tabs these are
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SAVE_DELAY_MS)
        self._timer.timeout.connect(self.save_now)
        self._stopped = False

    def schedule(self, *_args: object) -> None:
        """Something the session holds changed: save soon (changes in a burst share one save)."""
        if not self._stopped and not self._timer.isActive():
            self._timer.start()

    @property
    def pending(self) -> bool:
        """Whether a change is waiting to be saved."""
        return self._timer.isActive()

    def save_now(self) -> bool:
        """Save at once; False (and `failed`) when it could not be saved."""
        self._timer.stop()
        try:
            self.store.save(self.source.session(), self.library)
        except Exception as exc:
            log.exception("saving the session failed")
            self.failed.emit(f"Your open tabs could not be saved for the next launch: {exc}")
            return False
        self.saved.emit()
        return True

    def load(self) -> Session | None:
        """The saved session of this run's library (an empty one for another library's); None (and
        `failed`) when it could not be read."""
        try:
            return self.store.load(self.library)
        except Exception as exc:
            log.exception("loading the session failed")
            self.failed.emit(f"The tabs of your last session could not be restored: {exc}")
            return None

    def stop(self) -> bool:
        """The last save (quitting); later changes are no longer saved."""
        if self._stopped:
            return True
        self._stopped = True
        return self.save_now()
