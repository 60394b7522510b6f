"""Across server processes, every client hears the hall's news in one order.

python-socketio's RedisManager hands an emit to this process's clients at once
and publishes it for the other processes. When a clerk's two quick calls are
served by two processes, a TV on the second process can then hear the second
call before the first arrives through Redis, and show the older number as the
window's current one. Here an emit only goes to Redis, and every process, this
one included, hands it on as Redis delivers it: Redis's order is everyone's.
"""
from __future__ import annotations

import socketio
from socketio.packet import Packet

# The listener drops the messages of its own host_id; a process's own emits
# carry this one instead, so they come back to it. host_id is read only for
# callbacks, which keep the library's path.
ROUND_TRIP = "round-trip"


class OneOrderRedisManager(socketio.RedisManager):
    def emit(self, event, data, namespace=None, room=None, skip_sid=None, callback=None, to=None, **kwargs):
        args = list(data) if isinstance(data, tuple) else [data]
        if callback is not None or kwargs.get("ignore_queue") or Packet.data_is_binary(args):
            return super().emit(event, data, namespace=namespace, room=room, skip_sid=skip_sid,
                                callback=callback, to=to, **kwargs)  # hallq sends neither
        self._publish({"method": "emit", "event": event, "data": args,
                       "binary": False, "namespace": namespace or "/", "room": to or room, "skip_sid": skip_sid,
                       "callback": None, "host_id": ROUND_TRIP})
