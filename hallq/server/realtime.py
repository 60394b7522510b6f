"""The Socket.IO server: who may listen to what, snapshots, and broadcasting.

Clients authenticate with `auth={"token": ...}`. Device tokens join their
rooms on connect (a kiosk the whole hall, a display the rooms of its display
profile, an evaluator or caller its window); staff `join` the rooms they may.
An event goes to its hall's room, its window's and its item's, so a display
of one floor or department hears only its own windows and items; ONLY names
the news that goes to one room alone: a pad's `rating.requested` to its
window's, a bad review's `followup.opened` and a kiosk's `kiosk.help` to the
hall's supervisors' room (`supervisors`, which only staff allowed to review
may join: the duty screen of a supervisor or admin), never to the kiosks and
public screens in the hall room. `queue.stats` follow the news a moment later,
measured then, once per item (stats_pacer). Every (re)connect and every join answers
with a `snapshot` (the supervisors' join with `alerts.snapshot`, the duty manager's
stored alerts: hallq.queue.alerts), so a client that missed events is made whole.
A kiosk is also in its own room, where the answer to its call for help goes.
Events come only from `publish`, which the unit of work calls after commit.
Every connection is in its token's room (`token:{id}`, never joined by name):
revoking a token closes its connections at once (`close_token`), and the
server's housekeeping sweep (every 10 s, app.py) closes those whose token was
revoked elsewhere (the CLI, another process) or whose staff sign-in ran out.
With a Redis URL, every emit goes through Redis to the clients of all server
processes, in one order (one_order).
"""
from __future__ import annotations

import logging
import threading
from typing import Iterable

import socketio
from sqlalchemy import select

from hallq.queue.accounts import Principal, Token, authenticate, staff_token_end
from hallq.display import profiles
from hallq.display.profiles import Profile
from hallq.queue import inputs, views
from hallq.queue.errors import QueueError
from hallq.queue.alerts import alert_json, screen_alerts
from hallq.queue.events import (ALERT_ACKNOWLEDGED, ALERT_ENDED, ALERT_RAISED, FOLLOWUP_OPENED, FOLLOWUP_UPDATED,
                                HELP_ACKNOWLEDGED, KIOSK_HELP, QUEUE_STATS, RATING_REQUESTED, Event)
from hallq.queue.halls import hall_context
from hallq.queue.stats import queue_figures
from hallq.queue.unit_of_work import UnitOfWork
from hallq.web.runtime import forget_token
from hallq.server.locked_rooms import LockedManager
from hallq.server.one_order import OneOrderRedisManager
from hallq.server.public_tickets import PublicTickets
from hallq.server.stats_pacer import StatsPacer

log = logging.getLogger(__name__)

WINDOW, SUPERVISORS, KIOSK = "window", "supervisors", "kiosk"
ALERTS_SNAPSHOT = "alerts.snapshot"  # the stored alerts, to a duty screen as it joins the supervisors' room
# News that goes to one room alone instead of its hall's, window's and item's.
ONLY: dict[str, str] = {
    # Only its window's pad and clerk act on it: every screen of the hall would
    # otherwise be sent one message per finished ticket for nothing.
    RATING_REQUESTED: WINDOW,
    # For the duty manager and supervisors: a bad review or a citizen's call for
    # help is no business of the kiosks and public screens in the hall room.
    FOLLOWUP_OPENED: SUPERVISORS,
    FOLLOWUP_UPDATED: SUPERVISORS,  # a case's callback, rectification or close tells of the review too
    KIOSK_HELP: SUPERVISORS,
    # The duty manager's stored alerts (hallq.queue.alerts); a screen joining later gets them as a snapshot.
    ALERT_RAISED: SUPERVISORS,
    ALERT_ACKNOWLEDGED: SUPERVISORS,
    ALERT_ENDED: SUPERVISORS,
    # "Someone is coming": the kiosk that called for help, no other screen.
    HELP_ACKNOWLEDGED: KIOSK,
}
# Who may join the supervisors' room: those who see every follow-up case.
SUPERVISORS_PERMISSION = "review"
MAX_ROOM_NAME = 200  # "display:" and a profile's name; a room name is kept per client, so bounded


def hall_room(hall_id: int) -> str:
    return f"hall:{hall_id}"


def window_room(hall_id: int, number: int) -> str:
    # Public name "window:{n}"; scoped by hall because one server may host many.
    return f"hall:{hall_id}/window:{number}"


def service_room(hall_id: int, code: str) -> str:
    return f"hall:{hall_id}/service:{code}"


def supervisors_room(hall_id: int) -> str:
    # Public name "supervisors": the duty screen's alerts.
    return f"hall:{hall_id}/supervisors"


def kiosk_room(hall_id: int, name: str) -> str:
    # One kiosk's connections (by its token's name), joined on connect: the answer to its call for help.
    return f"hall:{hall_id}/kiosk:{name}"


def display_room(hall_id: int, name: str) -> str:
    # Public name "display:{name}": messages for one profile's screens (e.g. their audio).
    return f"hall:{hall_id}/display:{name}"


def profile_rooms(hall_id: int, profile: Profile) -> list[str]:
    rooms = [display_room(hall_id, profile.name)] if profile.name else []
    if profile.whole_hall:
        return rooms + [hall_room(hall_id)]
    return (rooms + [window_room(hall_id, n) for n in sorted(profile.windows or ())]
            + [service_room(hall_id, c) for c in sorted(profile.services or ())])


def default_rooms(who: Principal) -> list[str]:
    if who.window_number is not None:
        return [window_room(who.hall_id, who.window_number)]
    if who.kind == "kiosk":
        return [hall_room(who.hall_id), kiosk_room(who.hall_id, who.name)]
    # Displays: their profile's rooms (see _connect). Agents: only their devices' rooms, which
    # their hello opens (devices.hub); the hall's news would cost them and us a message each.
    return []


def token_room(token_id: int) -> str:
    # The connections of one token, to close them when it is revoked; no client joins it by name.
    return f"token:{token_id}"


def _invalid(message: str) -> dict:
    return {"error": "invalid_input", "message": message}


class Realtime:
    def __init__(self, runtime, redis_url: str | None = None, websocket_only: bool = False):
        self.runtime = runtime
        redis = OneOrderRedisManager(redis_url) if redis_url else None
        manager = redis if redis is not None else LockedManager()
        self.sio = socketio.Server(
            async_mode="threading", client_manager=manager, cors_allowed_origins=[],
            transports=["websocket"] if websocket_only else None,
        )
        self._redis = redis
        if redis is not None:
            redis.on_revoked = self._revoked_elsewhere
            # Subscribed to Redis before the app serves anyone (one_order.py), not on the first
            # connection, which would wait for it: nothing sent is lost, no client waits.
            self.sio.manager_initialized = True
            redis.initialize()
        self.stats = StatsPacer(self._queue_figures, self._broadcast)
        # The citizens' status pages, on their own public namespace (public_tickets.py).
        self.public = PublicTickets(runtime, self.sio, redis.announce_moved if redis is not None else None)
        if redis is not None:
            redis.on_moved = self.public.mark
        self.sio.on("connect", self._connect)
        self.sio.on("join", self._join)
        self.sio.on("snapshot", self._snapshot_request)
        self._token_ids: set[int] = set()  # tokens with (or lately with) a connection in this process
        self._token_lock = threading.Lock()

    # --- tokens that end -----------------------------------------------------
    def close_token(self, token_id: int) -> None:
        """This token was revoked: close its connections in this process now, and in the others as soon as
        Redis tells them (without Redis there is one process; a `hallq token create --replace` from the
        command line is caught by the sweep)."""
        self._disconnect(token_id)
        if self._redis is not None:
            self._redis.announce_revoked([token_id])

    def _revoked_elsewhere(self, token_ids: list[int]) -> None:
        forget_token()  # this process's cache holds tokens by value: all of them are read again
        for token_id in token_ids:
            self._disconnect(token_id)

    def _disconnect(self, token_id: int) -> None:
        for sid, _ in list(self.sio.manager.get_participants("/", token_room(token_id))):
            self.sio.disconnect(sid)

    def sweep_tokens(self) -> None:
        """Close the connections of tokens revoked elsewhere, or of staff sign-ins past their time
        (the housekeeping sweep's, in every server process)."""
        with self._token_lock:
            ids = list(self._token_ids)
        live = [i for i in ids if self._connected(i)]
        with self._token_lock:  # forget tokens with no connection left (asked again here: one may have come)
            self._token_ids -= {i for i in set(ids) - set(live) if not self._connected(i)}
        if not live:
            return  # nothing to read: a stopped server's database is never opened again
        now = self.runtime.clock()
        with UnitOfWork(self.runtime.db.read) as uow:
            tokens = uow.session.scalars(select(Token).where(Token.id.in_(live))).all()
            ended = {t.id for t in tokens if t.revoked_at is not None
                     or (t.kind == "staff" and now >= staff_token_end(uow.session, t))}
            ended |= set(live) - {t.id for t in tokens}  # gone from the database: ended too
        for token_id in ended:  # each process sweeps its own: nothing to tell the others
            self._disconnect(token_id)

    def _connected(self, token_id: int) -> bool:
        return any(True for _ in self.sio.manager.get_participants("/", token_room(token_id)))

    def _remember_token(self, sid, who: Principal) -> None:
        if who.token_id is None:
            return
        self.sio.enter_room(sid, token_room(who.token_id))
        with self._token_lock:
            self._token_ids.add(who.token_id)

    # --- publishing -----------------------------------------------------------
    def publish(self, events: Iterable[Event]) -> None:
        events = list(events)
        self.public.publish(events)
        for event in events:
            if event.name == QUEUE_STATS:
                self.stats.add(event)  # after the news, and only the latest
            else:
                self._broadcast(event)

    def _queue_figures(self, marks: list[Event]) -> list[Event]:
        """The `queue.stats` of the items marked as changed, as the database has them now."""
        codes: dict[int, set[str]] = {}
        for mark in marks:
            codes.setdefault(mark.hall_id, set()).add(mark.payload["service"])
        with UnitOfWork(self.runtime.db.read) as uow:
            return [event for hall_id, hall_codes in codes.items()
                    for event in queue_figures(uow.session, hall_context(uow.session, hall_id), self.runtime.clock(),
                                               hall_codes)]

    def _broadcast(self, event: Event) -> None:
        only = ONLY.get(event.name)
        if only == WINDOW:
            self.sio.emit(event.name, event.payload, to=window_room(event.hall_id, event.window))
            return
        if only == SUPERVISORS:
            self.sio.emit(event.name, event.payload, to=supervisors_room(event.hall_id))
            return
        if only == KIOSK:
            self.sio.emit(event.name, event.payload, to=kiosk_room(event.hall_id, event.payload["kiosk"]))
            return
        rooms = [hall_room(event.hall_id)]
        if event.window is not None:
            rooms.append(window_room(event.hall_id, event.window))
        service = event.payload.get("service")
        if service:
            rooms.append(service_room(event.hall_id, service))
        self.sio.emit(event.name, event.payload, to=rooms)

    # --- handlers -------------------------------------------------------------
    def _connect(self, sid, environ, auth):
        token = (auth or {}).get("token") if isinstance(auth, dict) else None
        who = None
        if token:
            with UnitOfWork(self.runtime.db.read) as uow:
                who = authenticate(uow.session, token, self.runtime.clock())
        if who is None:
            raise socketio.exceptions.ConnectionRefusedError("unauthorized")
        if who.must_change_password:  # such a sign-in may only change its password (runtime.principal)
            raise socketio.exceptions.ConnectionRefusedError("password_change_required")
        if not who.can("read"):  # a monitor's token: its figures, never the hall's news
            raise socketio.exceptions.ConnectionRefusedError("forbidden")
        display = who.name if who.kind == "display" else None
        self.sio.save_session(sid, {"who": who, "display": display})
        self._remember_token(sid, who)
        for room in default_rooms(who):
            self.sio.enter_room(sid, room)
        if who.kind != "agent":  # an agent's devices are shown their state when its hello is accepted
            self._send_snapshot(sid, who, who.window_number, display)

    def _join(self, sid, data=None, *more):  # a join may come with no payload, or with several
        """Staff join `hall:{id}`, `window:{n}`, `display:{name}` or (if they may) `supervisors` of their own hall.

        A payload of any other shape is answered with an error, never raised: a client's
        mistake must not end in a traceback with no answer.
        """
        who: Principal = self.sio.get_session(sid)["who"]
        if not who.is_staff:
            return {"error": "forbidden"}
        room = data.get("room") if isinstance(data, dict) else data
        if not isinstance(room, str) or not 0 < len(room) <= MAX_ROOM_NAME:
            return _invalid(f"join takes a room's name such as window:1, at most {MAX_ROOM_NAME} characters, "
                            "alone or as {room: ...}")
        try:
            return self._join_room(sid, who, room)
        except QueueError as exc:  # e.g. a window number no window has
            return {"error": exc.code}

    def _join_room(self, sid, who: Principal, room: str) -> dict:
        kind, _, name = room.partition(":")
        if kind == "hall" and name == str(who.hall_id):
            target, window = hall_room(who.hall_id), None
        elif kind == "window":
            window = inputs.whole_number_or_none(name, 1)
            if window is None:
                return _invalid("window:{n} takes a window number in ASCII digits")
            target = window_room(who.hall_id, window)
        elif room == SUPERVISORS:
            if not who.can(SUPERVISORS_PERMISSION):
                return {"error": "forbidden"}
            # The stored alerts come as their own snapshot (not the hall's `snapshot`): joined first, read
            # after, so an alert raised in between is in one or the other (the screen keeps each once, by id).
            self.sio.enter_room(sid, supervisors_room(who.hall_id))
            self.sio.emit(ALERTS_SNAPSHOT, {"alerts": self._alerts(who.hall_id)}, to=sid)
            return {"ok": True, "room": room}
        elif kind == "display" and name:
            # The staff member now sees what that profile's screens see.
            self._send_snapshot(sid, who, None, name)
            return {"ok": True, "room": room}
        else:
            return {"error": "forbidden"}
        self.sio.enter_room(sid, target)
        self._send_snapshot(sid, who, window)
        return {"ok": True, "room": room}

    def _alerts(self, hall_id: int) -> list[dict]:
        with UnitOfWork(self.runtime.db.read) as uow:
            return [alert_json(a) for a in screen_alerts(uow.session, hall_id, self.runtime.clock())]

    def _snapshot_request(self, sid, *payload):  # it reads no payload, whatever one comes
        session = self.sio.get_session(sid)
        who: Principal = session["who"]
        self._send_snapshot(sid, who, who.window_number, session.get("display"))

    def _send_snapshot(self, sid, who: Principal, window: int | None, display: str | None = None) -> None:
        """The snapshot of a window, of a display profile (joining its rooms), or of the hall."""
        with UnitOfWork(self.runtime.db.read) as uow:
            ctx = hall_context(uow.session, who.hall_id)
            if display is None:
                data = views.snapshot(uow.session, ctx, self.runtime.clock(), window)
            else:
                # Resolved on every snapshot, so a display follows a reloaded hall file
                # at its next reconnect or refresh.
                profile = profiles.resolve(uow.session, ctx, display)
                data = profiles.display_snapshot(uow.session, ctx, self.runtime.clock(), profile)
        if display is not None:
            wanted = profile_rooms(who.hall_id, profile)
            if who.kind == "display":  # a profile edited since: leave what it no longer covers
                self._follow_profile(sid, wanted)
            else:
                for room in wanted:
                    self.sio.enter_room(sid, room)
        self.sio.emit("snapshot", data, to=sid)

    def _follow_profile(self, sid, wanted: list[str]) -> None:
        """Put a display in its profile's rooms and in no other, by the rooms its session remembers.

        Never by asking Socket.IO which rooms it is in: its manager answers by iterating
        every room of the server while other threads' connects add theirs ("dictionary
        changed size during iteration", a screen of 200 connecting at once left unconnected),
        and that walk costs a pass over every room per connect.
        """
        session = self.sio.get_session(sid)
        for room in session.get("rooms", frozenset()) - set(wanted):
            self.sio.leave_room(sid, room)
        for room in wanted:
            self.sio.enter_room(sid, room)
        session["rooms"] = frozenset(wanted)
