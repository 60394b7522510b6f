"""Across server processes, every client hears the hall's news in one order.

python-socketio's RedisManager hands an emit to this process's clients at once
and publishes it for the other processes. When a clerk's two quick calls are
served by two processes, a TV on the second process can then hear the second
call before the first arrives through Redis, and show the older number as the
window's current one. Here an emit only goes to Redis, and every process, this
one included, hands it on as Redis delivers it: Redis's order is everyone's,
a snapshot's included (no news older than it arrives after it).

The same channel tells every process of tokens revoked in one (a lost device, a
logout, a password change): each forgets them and closes their sockets at once,
rather than at its next sweep.

Redis drops what is published before a listener has subscribed, and the library
subscribes in a background thread. So initialize() (called as the app is made,
realtime.py) returns once this process hears its own ping back through Redis:
nothing sent after it is lost.
"""
from __future__ import annotations

import threading
import time
from typing import Callable

import socketio
from socketio.packet import Packet

from hallq.server.locked_rooms import LockedRooms

# The listener drops the messages of its own host_id; a process's own emits
# carry this one instead, so they come back to it. host_id is read only for
# callbacks, which keep the library's path.
ROUND_TRIP = "round-trip"
READY = "hallq.ready"       # the ping a process sends itself until it comes back
REVOKED = "hallq.revoked"   # tokens revoked in one process: every process forgets them and closes their sockets
MOVED = "hallq.moved"       # queues that moved in one process: every other sends its status pages (public_tickets)
READY_WAIT_S = 10.0
PING_EVERY_S = 0.05
PING_MAX_BYTES = 120


class OneOrderRedisManager(LockedRooms, socketio.RedisManager):
    on_revoked: Callable[[list[int]], None] | None = None  # set by the server (realtime.py)
    on_moved: Callable[[list[tuple]], None] | None = None  # set by the server (realtime.py)

    def announce_revoked(self, token_ids: list[int]) -> None:
        self._publish({"method": REVOKED, "ids": list(token_ids)})

    def announce_moved(self, marks: list[tuple]) -> None:
        """[hall, item code or None, ticket id or None], for the status pages of the other processes."""
        self._publish({"method": MOVED, "marks": [list(m) for m in marks], "from": self.host_id})

    def initialize(self):
        self._ready = threading.Event()
        super().initialize()
        if self.write_only:
            return
        deadline = time.monotonic() + READY_WAIT_S
        while not self._ready.is_set() and time.monotonic() < deadline:
            self._publish({"method": READY, "host_id": self.host_id})
            self._ready.wait(PING_EVERY_S)
        if not self._ready.is_set():
            self._get_logger().error("Redis did not echo this process's subscription within %s s", READY_WAIT_S)

    def _listen(self):
        for message in super()._listen():
            if (REVOKED.encode() if isinstance(message, bytes) else REVOKED) in message:
                data = self.json.loads(message)
                if isinstance(data, dict) and data.get("method") == REVOKED:
                    if self.on_revoked is not None:
                        try:
                            self.on_revoked([int(i) for i in data.get("ids", [])])
                        except Exception:  # the listener must live on: the sweep closes them within seconds anyway
                            self._get_logger().exception("closing the sockets of revoked tokens failed")
                    continue
            if (MOVED.encode() if isinstance(message, bytes) else MOVED) in message:
                data = self.json.loads(message)
                if isinstance(data, dict) and data.get("method") == MOVED:
                    if self.on_moved is not None and data.get("from") != self.host_id:
                        try:
                            self.on_moved([(int(h), c, t) for h, c, t in data.get("marks", [])])
                        except Exception:  # the listener must live on: the pages' fallback polling heals it
                            self._get_logger().exception("sending the status pages of moved queues failed")
                    continue
            if len(message) < PING_MAX_BYTES:  # a ping is short: only short messages are read twice
                data = self.json.loads(message)
                if isinstance(data, dict) and data.get("method") == READY:
                    if data.get("host_id") == self.host_id:
                        self._ready.set()
                    continue
            yield message

    def emit(self, event, data, namespace=None, room=None, skip_sid=None, callback=None, to=None, **kwargs):
        args = list(data) if isinstance(data, tuple) else [data]
        if callback is not None or kwargs.get("ignore_queue") or Packet.data_is_binary(args):
            return super().emit(event, data, namespace=namespace, room=room, skip_sid=skip_sid,
                                callback=callback, to=to, **kwargs)  # hallq sends neither
        self._publish({"method": "emit", "event": event, "data": args,
                       "binary": False, "namespace": namespace or "/", "room": to or room, "skip_sid": skip_sid,
                       "callback": None, "host_id": ROUND_TRIP})
