"""SQLite: the first openings of personal links, noted in the process and written in batches.

On SQLite every write takes the database's one write lock, and under a burst each centre's first opening would
queue for it behind the submissions (each of which waits for the disk while it holds the lock). The opening is a
fact for the console's "opened" column, moving no figure, and no one was told it was saved: so a page only notes
it here, and a thread of the process writes what was noted in one short transaction, at once when it is idle and at
most every :data:`FLUSH_EVERY_SECONDS` under a burst. The console sees an opening within that time. A worker that
stops normally writes what it noted before it exits; a killed one loses the openings of its last moments (the
centre shows as not yet opened until it opens the link again or saves an answer).

PostgreSQL notes the opening in the link's own look-up statement (``respond.queries.find_link``) and needs
none of this.
"""
from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import weakref
from datetime import datetime

from flask import Flask, current_app
from sqlalchemy import bindparam, update

from survey_service.database import write_at_once
from survey_service.surveys.models import Invitation
from survey_service.timestamps import utcnow

#: the shortest time between two writes of a process's noted openings
FLUSH_EVERY_SECONDS = 0.5
#: seconds with nothing noted after which the writing thread ends
IDLE_SECONDS = 10.0

logger = logging.getLogger(__name__)


class PendingOpenings:
    """The first openings one process has noted for one app and not yet written: invitation id → when. A thread
    writes them; it ends after :data:`IDLE_SECONDS` with nothing noted, and the next opening starts another."""

    def __init__(self, app: Flask):
        self._app = app
        self._start(os.getpid())
        _BUFFERS.add(self)

    def _start(self, pid: int) -> None:
        self._pid = pid
        self._lock = threading.Lock()  # the noted openings
        self._writing = threading.Lock()  # one batch written at a time
        self._noted = threading.Event()
        self._pending: dict[int, datetime] = {}
        self._thread: threading.Thread | None = None

    def note(self, invitation_id: int, when: datetime) -> None:
        """The invitation was first opened ``when``; written within :data:`FLUSH_EVERY_SECONDS` (an earlier
        opening noted by this process is kept)."""
        if self._pid != os.getpid():  # forked (gunicorn's workers from the preloading master): a buffer of its own
            self._start(os.getpid())
        with self._lock:
            self._pending.setdefault(invitation_id, when)
            self._noted.set()
            if self._thread is None:
                self._thread = threading.Thread(target=self._write_noted, name="link-openings", daemon=True)
                self._thread.start()

    def _write_noted(self) -> None:
        while True:
            if not self._noted.wait(IDLE_SECONDS):
                with self._lock:  # note() sets the event under this lock: no opening is left without a writer
                    if not self._noted.is_set():
                        self._thread = None
                        return
                continue
            self._noted.clear()
            self.flush()
            time.sleep(FLUSH_EVERY_SECONDS)  # what is noted meanwhile goes in the next batch

    def flush(self) -> None:
        """Write every opening noted so far, in one transaction, and return once they are written (a batch the
        thread is writing included); on failure they stay noted for the next try."""
        if self._pid != os.getpid():
            return
        with self._writing:
            self._write_batch()

    def _write_batch(self) -> None:
        with self._lock:
            batch, self._pending = self._pending, {}
        if not batch:
            return
        try:
            with self._app.app_context():
                write_at_once(_note_openings(), [{"invitation_id": invitation_id, "opening_time": when}
                                                 for invitation_id, when in batch.items()])
        except Exception as error:  # the database locked or away: the openings are written with the next batch
            logger.warning("could not write %d first openings of personal links (%s); trying again", len(batch),
                           error)
            with self._lock:
                for invitation_id, when in batch.items():
                    self._pending.setdefault(invitation_id, when)
                self._noted.set()


def note_first_opening(invitation_id: int, now: datetime | None = None) -> None:
    """A person opened the link: the time is noted, to be written with the next batch unless the link was opened
    before (the write's condition). The first of two racing openings keeps its time."""
    pending_openings().note(invitation_id, now or utcnow())


def _note_openings():
    """Each noted first opening, unless the invitation has one already (another process wrote it first)."""
    column = Invitation.__table__.c
    return (update(Invitation.__table__).where(column.id == bindparam("invitation_id"), column.opened_at.is_(None))
            .values(opened_at=bindparam("opening_time")))


def pending_openings(app: Flask | None = None) -> PendingOpenings:
    """The app's buffer of noted openings (made on first use)."""
    app = app or current_app._get_current_object()
    with _BUFFERS_LOCK:
        buffer = app.extensions.get("pending_openings")
        if buffer is None:
            buffer = app.extensions["pending_openings"] = PendingOpenings(app)
    return buffer


#: every buffer of the process, written out when it exits normally (a gunicorn worker told to stop)
_BUFFERS: weakref.WeakSet[PendingOpenings] = weakref.WeakSet()
_BUFFERS_LOCK = threading.Lock()


@atexit.register
def _write_all_noted() -> None:
    for buffer in list(_BUFFERS):
        buffer.flush()
