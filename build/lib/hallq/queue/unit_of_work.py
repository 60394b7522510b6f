"""One transaction of the engine, and the events it releases after commit.

Services record events on the unit of work; `commit()` commits the session and
only then hands the events to `publish` (the Socket.IO layer, or nothing), so
no screen ever shows a change the database does not hold. What a process
keeps of the data is forgotten the same way (`after_commit`): forgotten
earlier, a reader in between would keep the old state again.
"""
from __future__ import annotations

import logging
from typing import Callable, Iterable

from sqlalchemy.orm import Session, sessionmaker

from hallq.queue.events import Event

log = logging.getLogger(__name__)

Publisher = Callable[[Iterable[Event]], None]


class UnitOfWork:
    def __init__(self, factory: sessionmaker, publish: Publisher | None = None):
        self._factory = factory
        self._publish = publish
        self.events: list[Event] = []
        self._after: list[Callable[[], None]] = []

    def __enter__(self) -> "UnitOfWork":
        self.session: Session = self._factory()
        self.events, self._after = [], []
        return self

    def __exit__(self, *exc) -> None:
        self.session.rollback()  # a no-op after commit
        self.session.close()

    def add_event(self, event: Event) -> None:
        self.events.append(event)

    def after_commit(self, forget: Callable[[], None]) -> None:
        """Run `forget` once this transaction is committed (never if it is not)."""
        self._after.append(forget)

    def commit(self) -> None:
        self.session.commit()
        after, self._after = self._after, []
        for forget in after:
            forget()
        events, self.events = self.events, []
        if self._publish and events:
            try:
                self._publish(events)
            except Exception:  # the facts are committed; a lost push is healed by snapshots
                log.exception("publishing %d events failed", len(events))
