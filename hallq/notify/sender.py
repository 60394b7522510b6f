"""The sender: each server process's thread that carries owed notifications to their channel.

Woken after every commit that published news (the app's publish chain) and every SWEEP_S anyway, it
(1) records the queue's messages the opted-in tickets are now owed (hallq.queue.notify.owed/derive),
(2) claims the messages due, committing the claim, (3) sends each through its hall's channel outside
any transaction, and (4) records the answer. Reads come first: on SQLite a write transaction would
queue behind issuing, so the sender writes only when something is owed or due. A request thread only
sets an event: issuing and calling never wait for a gateway.

Once-only is the database's: a message is one row, unique per (ticket, kind, key), and a claim is a
conditional UPDATE, so two processes, or a process and its restart, never both send it (a process
that died mid-send leaves a claim that is taken again after hallq.queue.notify.LEASE, with the same
idempotency key).
"""
from __future__ import annotations

import logging
import os
import socket
import threading
from typing import Callable

import datetime as dt

from hallq.db import Database
from hallq.notify.channel import Channel, Message, SendFailed
from hallq.notify.http_gateway import HttpGateway
from hallq.notify.simulator import Simulator
from hallq.queue import notify
from hallq.queue.halls import hall_context
from hallq.queue.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

SWEEP_S = 10.0
# A busy hall commits several times a second: one pass a moment after the first commit serves them all,
# instead of a pass (two reads) per commit on the request threads' heels. A text a second later is on time.
PACE_S = 1.0
BATCH = 20


class Sender:
    def __init__(self, db: Database, clock: Callable[[], dt.datetime], simulator: Simulator | None = None,
                 worker: str | None = None):
        self.db = db
        self.clock = clock
        self.simulator = simulator or Simulator()
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._run_lock = threading.Lock()  # one pass at a time in this process (the thread, or a test's call)
        self._gateways: dict[str, HttpGateway] = {}

    # --- the thread --------------------------------------------------------------
    def poke(self, events=None) -> None:
        """News was committed: look again soon (from any thread; never waits)."""
        self._wake.set()

    def start(self, stop: threading.Event | None = None) -> threading.Event:
        """Run in a thread of its own until the event returned (`stop`, when given: the housekeeping's) is set."""
        if stop is not None:
            self._stop = stop

        def loop():
            while not self._stop.is_set():
                self._wake.wait(SWEEP_S)
                if self._stop.wait(PACE_S):
                    return
                self._wake.clear()
                try:
                    self.run_once()
                except Exception:  # the next pass tries again; what is owed stays in the database
                    log.exception("sending notifications failed; will retry")

        threading.Thread(target=loop, name="hallq-notify", daemon=True).start()
        return self._stop

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    # --- one pass ------------------------------------------------------------------
    def run_once(self) -> int:
        """Record what is owed, claim what is due, send it; how many went. Loops while a batch was full."""
        with self._run_lock:
            sent = 0
            while True:
                now = self.clock()
                with UnitOfWork(self.db.read) as uow:
                    owed = notify.owed_in_all_halls(uow.session, now)
                    due = bool(owed) or notify.anything_due(uow.session, now)
                if not due:
                    return sent
                with UnitOfWork(self.db.write) as uow:
                    notify.derive(uow, owed, now)
                    claimed = notify.claim(uow, now, self.worker, BATCH)
                    uow.commit()
                for outgoing in claimed:
                    sent += self._send(outgoing)
                if len(claimed) < BATCH:
                    return sent

    def _send(self, outgoing: notify.Outgoing) -> int:
        with UnitOfWork(self.db.read) as uow:
            settings = hall_context(uow.session, outgoing.hall_id).settings.notify
        channel = self.channel_for(settings)
        error, retry = None, False
        if channel is None:
            error = "channel_off"
        else:
            try:
                channel.send(Message(outgoing.id, outgoing.address, outgoing.kind, outgoing.text, outgoing.lang,
                                     outgoing.params))
            except SendFailed as failed:
                error, retry = failed.reason, failed.retry
            except Exception as broken:  # an adapter's bug: its type only, as its text might carry the number
                log.error("notification %d: the %s channel raised %s", outgoing.id, channel.name,
                          type(broken).__name__)
                error, retry = f"channel error: {type(broken).__name__}", True
        with UnitOfWork(self.db.write) as uow:
            state = notify.settle(uow, outgoing, self.worker, self.clock(), channel=channel.name if channel else "none",
                                  error=error, retry=retry)
            uow.commit()
        if error is not None:
            log.warning("notification %d (%s) not sent: %s; now %s", outgoing.id, outgoing.kind, error, state)
        return error is None

    def channel_for(self, settings) -> Channel | None:
        """The hall's channel (hallq.queue.settings.NotifySettings); None when it sends nothing."""
        if settings.channel == "simulator":
            return self.simulator
        if settings.channel == "http" and settings.http is not None:
            key = settings.http.model_dump_json()
            if key not in self._gateways:
                self._gateways[key] = HttpGateway.from_settings(settings.http)
            return self._gateways[key]
        return None
