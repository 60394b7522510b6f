"""python-socketio's rooms, changed and read under one lock.

The library's manager keeps `rooms[namespace][room]` as plain dicts and
creates a room by checking and then adding, with no lock: in threading mode
two connects entering a new room at once (the screens of one profile after a
power cut, each connection's `token:{id}` room) can each create it, and one
client's entry is lost with the room it overwrote. Losing the entry of the
namespace's own room (`None`) leaves the client connected but unknown, and its
next step raises "Session not found". Every change and read of the rooms goes
through one lock here; they are a few dict operations each, so connects queue
on it for microseconds.
"""
from __future__ import annotations

import threading

import socketio


class LockedRooms:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Reentrant: connect() calls pre_connect(), which enters rooms.
        self._rooms_lock = threading.RLock()

    def pre_connect(self, eio_sid, namespace):
        with self._rooms_lock:
            return super().pre_connect(eio_sid, namespace)

    def connect(self, sid, namespace):
        with self._rooms_lock:
            return super().connect(sid, namespace)

    def is_pre_connected(self, sid, namespace):
        with self._rooms_lock:
            return super().is_pre_connected(sid, namespace)

    def is_connected(self, sid, namespace):
        with self._rooms_lock:
            return super().is_connected(sid, namespace)

    def sid_from_eio_sid(self, eio_sid, namespace):
        with self._rooms_lock:
            return super().sid_from_eio_sid(eio_sid, namespace)

    def eio_sid_from_sid(self, sid, namespace):
        with self._rooms_lock:
            return super().eio_sid_from_sid(sid, namespace)

    def get_participants(self, namespace, room):
        # The library's is a generator that copies the room on its first step; here the copy is
        # taken under the lock before anything is yielded.
        with self._rooms_lock:
            participants = list(super().get_participants(namespace, room))
        yield from participants

    def pre_disconnect(self, sid, namespace):
        with self._rooms_lock:
            return super().pre_disconnect(sid, namespace)

    def basic_disconnect(self, sid, namespace, **kwargs):
        with self._rooms_lock:
            return super().basic_disconnect(sid, namespace, **kwargs)

    def basic_enter_room(self, sid, namespace, room, eio_sid=None):
        with self._rooms_lock:
            return super().basic_enter_room(sid, namespace, room, eio_sid=eio_sid)

    def basic_leave_room(self, sid, namespace, room):
        with self._rooms_lock:
            return super().basic_leave_room(sid, namespace, room)

    def basic_close_room(self, room, namespace):
        with self._rooms_lock:
            return super().basic_close_room(room, namespace)

    def _generate_ack_id(self, sid, callback):
        with self._rooms_lock:
            return super()._generate_ack_id(sid, callback)


class LockedManager(LockedRooms, socketio.Manager):
    """The manager of a server without Redis (one process)."""
