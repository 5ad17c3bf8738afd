"""The user's data as the window changes it: each user action is one transaction over the core stores,
announced once with `changed(initiator)`; views refresh themselves from what it pushes (stars)."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QObject, Signal

from nexus_desktop.core.bookmarks import BookmarkError, BookmarkStore, ReconcileReport
from nexus_desktop.core.state import Preferences, RecentEntries, RootsStore, SessionStore
from nexus_desktop.core.userdb import UserDataError

if TYPE_CHECKING:
    from nexus_desktop.core.bookmarks import Bookmark
    from nexus_desktop.core.links import EntryRef
    from nexus_desktop.core.userdb import UserDB

log = logging.getLogger(__name__)

T = TypeVar("T")
STORE_ERRORS = (UserDataError, sqlite3.Error, OSError)


class UserData(QObject):
    """The Qt side of the user database: bookmarks, preferences, session, recent entries, roots.

    Changes go through `change()` (or the named actions built on it): one transaction, then one
    `changed(initiator)`; the initiator may skip refreshing what it already shows. A store that
    fails is told through `failed` (a notice for the user), never read as "nothing there"."""

    changed = Signal(object)       # initiator: the object whose user action changed the data (or None)
    starred_changed = Signal(object)  # frozenset of entry ids with a bookmark
    failed = Signal(str)

    def __init__(self, db: UserDB, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.bookmarks = BookmarkStore(db)
        self.prefs = Preferences(db)
        self.sessions = SessionStore(db)
        self.recent = RecentEntries(db)
        self.roots = RootsStore(db)
        self._starred: frozenset[str] = frozenset()

    @property
    def starred(self) -> frozenset[str]:
        """Entry ids with at least one bookmark, as last read (stars are drawn from this)."""
        return self._starred

    def load(self) -> None:
        """Read what views show before any change (the stars)."""
        self._read_starred()

    # --- changing ------------------------------------------------------------------------------
    def change(self, initiator: object | None, action: Callable[[BookmarkStore], T]) -> T | None:
        """Run one user action on the bookmark store in one transaction and announce it once.

        A BookmarkError (the action was refused: a folder into itself, an unknown id) is raised for
        the initiator to explain; any other store failure is told through `failed` and gives None."""
        try:
            with self.db.transaction():
                result = action(self.bookmarks)
        except BookmarkError:
            raise
        except STORE_ERRORS as exc:
            log.exception("a change to the user data failed")
            self.failed.emit(f"Your bookmarks could not be changed: {exc}")
            return None
        self._announce(initiator)
        return result

    def toggle_bookmark(self, initiator: object | None, entry_id: str, title: str, anchor: str | None = None,
                        folder_id: int | None = None) -> Bookmark | None:
        """Ctrl+D and the star: core's one toggle rule; the new bookmark, or None when removed (or failed)."""
        return self.change(initiator, lambda store: store.toggle(entry_id, title, anchor=anchor, folder_id=folder_id))

    def reconcile(self, initiator: object | None, known: Mapping[str, EntryRef]) -> ReconcileReport:
        """Bookmarks against the library's entries; announced when some are missing or were re-pointed."""
        try:
            with self.db.transaction():
                report = self.bookmarks.reconcile(known)
        except STORE_ERRORS as exc:
            log.exception("checking bookmarks against the library failed")
            self.failed.emit(f"Your bookmarks could not be checked against the library: {exc}")
            return ReconcileReport()
        if report.repointed or report.missing:
            self._announce(initiator)
        return report

    def record_visit(self, entry_id: str, title: str) -> None:
        """The user opened an entry (the start page's "Recent entries"); not announced: no view shows it live."""
        try:
            self.recent.touch(entry_id, title)
        except STORE_ERRORS as exc:
            log.warning("recording a visit of %s failed: %s", entry_id, exc)

    # --- announcing ----------------------------------------------------------------------------
    def _announce(self, initiator: object | None) -> None:
        self._read_starred()
        self.changed.emit(initiator)

    def _read_starred(self) -> None:
        try:
            starred = self.bookmarks.bookmarked_ids()
        except STORE_ERRORS as exc:
            log.exception("reading which entries are bookmarked failed")
            self.failed.emit(f"Your bookmarks could not be read: {exc}")
            return
        if starred != self._starred:
            self._starred = starred
            self.starred_changed.emit(starred)
