"""The Socket.IO server: who may listen to what, snapshots, and broadcasting.

Clients authenticate with `auth={"token": ...}`. Device tokens join their
rooms on connect (a display or kiosk the whole hall, an evaluator or caller
its window); staff `join` the rooms they may. Every (re)connect and every
join answers with a `snapshot`, so a client that missed events is made whole.
Events come only from `publish`, which the unit of work calls after commit.
With a Redis URL, python-socketio's RedisManager carries every emit to the
clients of all server processes.
"""
from __future__ import annotations

import logging
from typing import Iterable

import socketio

from hallq.accounts import Principal, authenticate
from hallq.queue import views
from hallq.queue.events import Event
from hallq.queue.halls import hall_context
from hallq.queue.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


def hall_room(hall_id: int) -> str:
    return f"hall:{hall_id}"


def window_room(hall_id: int, number: int) -> str:
    # Public name "window:{n}"; scoped by hall because one server may host many.
    return f"hall:{hall_id}/window:{number}"


def default_rooms(who: Principal) -> list[str]:
    if who.window_number is not None:
        return [window_room(who.hall_id, who.window_number)]
    if who.kind in ("display", "kiosk", "agent"):
        return [hall_room(who.hall_id)]
    return []


class Realtime:
    def __init__(self, runtime, redis_url: str | None = None, websocket_only: bool = False):
        self.runtime = runtime
        manager = socketio.RedisManager(redis_url) if redis_url else None
        self.sio = socketio.Server(
            async_mode="threading", client_manager=manager, cors_allowed_origins=[],
            transports=["websocket"] if websocket_only else None,
        )
        self.sio.on("connect", self._connect)
        self.sio.on("join", self._join)
        self.sio.on("snapshot", self._snapshot_request)

    # --- publishing -----------------------------------------------------------
    def publish(self, events: Iterable[Event]) -> None:
        for event in events:
            rooms = [hall_room(event.hall_id)]
            if event.window is not None:
                rooms.append(window_room(event.hall_id, event.window))
            self.sio.emit(event.name, event.payload, to=rooms)

    # --- handlers -------------------------------------------------------------
    def _connect(self, sid, environ, auth):
        token = (auth or {}).get("token") if isinstance(auth, dict) else None
        who = None
        if token:
            with UnitOfWork(self.runtime.db.read) as uow:
                who = authenticate(uow.session, token)
        if who is None:
            raise socketio.exceptions.ConnectionRefusedError("unauthorized")
        self.sio.save_session(sid, {"who": who})
        for room in default_rooms(who):
            self.sio.enter_room(sid, room)
        self._send_snapshot(sid, who, who.window_number)

    def _join(self, sid, data):
        """Staff join `hall:{id}`, `window:{n}` or `display:{name}` of their own hall."""
        who: Principal = self.sio.get_session(sid)["who"]
        room = (data or {}).get("room", "") if isinstance(data, dict) else str(data or "")
        if not who.is_staff:
            return {"error": "forbidden"}
        kind, _, name = room.partition(":")
        if kind == "hall" and name == str(who.hall_id):
            target, window = hall_room(who.hall_id), None
        elif kind == "window" and name.isdigit():
            target, window = window_room(who.hall_id, int(name)), int(name)
        elif kind == "display" and name:
            target, window = f"hall:{who.hall_id}/display:{name}", None
        else:
            return {"error": "forbidden"}
        self.sio.enter_room(sid, target)
        self._send_snapshot(sid, who, window)
        return {"ok": True, "room": room}

    def _snapshot_request(self, sid, data=None):
        who: Principal = self.sio.get_session(sid)["who"]
        self._send_snapshot(sid, who, who.window_number)

    def _send_snapshot(self, sid, who: Principal, window: int | None) -> None:
        with UnitOfWork(self.runtime.db.read) as uow:
            ctx = hall_context(uow.session, who.hall_id)
            data = views.snapshot(uow.session, ctx, self.runtime.clock(), window)
        self.sio.emit("snapshot", data, to=sid)
