"""Group commit of print jobs' answers: the answers that arrive together settle in one transaction.

Every `job.result` runs in a Socket.IO handler thread of its own. Alone, each
answer would open a write transaction, wait its turn on the writer lock and
commit with an fsync of its own; under load those turns and syncs cost more
than the settling. Here an answer that finds no transaction under way leads
one: it begins it, takes every answer waiting by then (its own included),
settles them, commits and wakes their threads. Answers arriving meanwhile wait
and go together in the next one. A thread returns only after the commit that
recorded its answer, so an acknowledgement still means "recorded".
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from typing import Callable, Collection

from hallq.queue import printing
from hallq.queue.unit_of_work import UnitOfWork


@dataclasses.dataclass(eq=False)
class Answer:
    hall_id: int
    job_id: int
    ok: bool
    reason: str | None
    printers: Collection[str]  # those the answering agent hosts
    done: bool = False
    error: Exception | None = None  # printing.NotHosted or SettledAsFailed, or what made its transaction fail


class Settler:
    def __init__(self, open_uow: Callable[[], UnitOfWork], clock: Callable[[], dt.datetime]):
        self._open_uow, self._clock = open_uow, clock
        self._waiting: list[Answer] = []
        self._waiting_lock = threading.Lock()
        self._leading = threading.Lock()  # one transaction of answers at a time

    def settle(self, answer: Answer) -> None:
        """Record the answer (with its news) and return once it is committed; raises its error."""
        with self._waiting_lock:
            self._waiting.append(answer)
        with self._leading:
            if not answer.done:  # no transaction took it while this thread waited: lead one
                self._settle_waiting(answer)
        if answer.error is not None:
            raise answer.error

    def _settle_waiting(self, leader: Answer) -> None:
        batch: list[Answer] = []
        try:
            with self._open_uow() as uow:
                # Begin first (on SQLite: the writer lock, which may be a wait), then take the
                # answers: those that came during the wait join this transaction.
                uow.session.connection()
                with self._waiting_lock:
                    batch, self._waiting = self._waiting, []
                now = self._clock()
                for answer in batch:
                    try:
                        printing.settle(uow, answer.hall_id, answer.job_id, answer.ok, answer.reason, now,
                                        printers=answer.printers)
                    # Refused, having changed nothing: the others stand.
                    except (printing.NotHosted, printing.SettledAsFailed) as exc:
                        answer.error = exc
                uow.commit()
        except Exception as exc:
            with self._waiting_lock:  # failed before taking the answers: the leader's own fails alone
                if leader in self._waiting:
                    self._waiting.remove(leader)
                    batch = [leader]
            for answer in batch:
                answer.error = answer.error or exc
            raise
        finally:
            for answer in batch:
                answer.done = True
