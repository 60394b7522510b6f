"""The server's side of the device agents: jobs out, answers and states in.

An agent connects with an agent token and says `agent.hello` with the devices
it hosts; the hub puts its connection in one room per device (a printer by
name, an LED screen, keypad or evaluator keypad by window, the hall's voice).
Jobs go to those rooms, so with the Redis manager a job made in any server
process reaches the agent wherever it is connected.

The hello's answer carries the map of the windows the agent serves (each
window's LED screen address and notice printer, queue.window_devices): the
server, not AGENT.toml, says which screen shows which window. When an admin
saves a window, every agent of the hall hears `agent.windows` (through the
Redis manager from any process) and says hello again on its own connection,
so the rooms and the device registry follow in the process that holds it.
A change no admin page made (`hallq load-hall` while agents run) is caught on
the agents' heartbeat: a status report from a connection whose map is no
longer the hall's (read again every few seconds per process) gets
`agent.windows` too.

Jobs come from domain events after commit (`publish`): a call shows on the
window's LED screen and is spoken, a window's change reaches its screen and
its keypad, a print request goes to its printer. The answers (`job.result`,
`device.status`, keypad presses) are recorded through the engine like any
other fact; answers to print jobs that arrive together are recorded in one
transaction (devices.settling).
"""
from __future__ import annotations

import functools
import logging
import uuid
from typing import Callable, Iterable

from pydantic import ValidationError

from hallq.queue.accounts import Principal, live_scope
from hallq import protocol as m
from hallq.queue import printing, device_states as registry
from hallq.queue.agent_scope import describe_refused
from hallq.server.settling import Answer, Settler
from hallq.wording import announcement_text
from hallq.evaluator import rating
from hallq.queue import calling, events as ev, inputs, sessions, views
from hallq.queue.errors import QueueError
from hallq.queue.events import Event
from hallq.queue.halls import find_window, hall_context
from hallq.queue.ordering import waiting_for
from hallq.queue.unit_of_work import UnitOfWork
from hallq.queue.window_devices import window_devices
from hallq.timed_cache import TimedCache

log = logging.getLogger(__name__)

CALL_EVENTS = (ev.TICKET_CALLED, ev.TICKET_RECALLED)
# After these the window's screen and keypad show its new state.
WINDOW_EVENTS = (ev.TICKET_CALLED, ev.TICKET_RECALLED, ev.TICKET_SKIPPED, ev.TICKET_HELD,
                 ev.TICKET_TRANSFERRED, ev.TICKET_FINISHED, ev.WINDOW_STATUS)
# A keypad's keys, as the queue's window actions (parameter names as keypad.WindowActions documents).
KEYPAD_ACTIONS: dict[str, Callable] = {
    "call_next": calling.call_next, "recall": calling.recall, "skip": calling.skip,
    "finish": calling.finish, "transfer": calling.transfer, "hold": calling.hold,
    "call_back": calling.call_back, "return_to_queue": calling.return_to_queue,
    "pause": lambda uow, who, n, now, reason="other": sessions.pause(uow, who, n, reason, now),
    "resume": sessions.resume,
    "request_rating": rating.ask_again,
}
HOSTED_TTL_S = 5.0  # how long a process trusts its list of hosted devices (a hello here refreshes it)


def from_agent(model: type[m.Message]):
    """A handler of one agent message: agents only, payload validated, answered with an error otherwise."""

    def wrap(handler):
        @functools.wraps(handler)
        def handle(self, sid, data=None, *more):  # sent with no payload or several, it is still answered
            try:
                who = self.sio.get_session(sid).get("who")
            except KeyError:  # the connection ended before its message was handled: nobody to answer
                return None
            if who is None or who.kind != "agent":
                return {"error": "forbidden"}
            try:
                message = model.model_validate(data)
            except ValidationError as exc:
                return {"error": "invalid_input", "detail": str(exc)}
            return handler(self, sid, who, message)
        return handle
    return wrap


def device_room(hall_id: int, kind: str, key: str | int) -> str:
    return f"hall:{hall_id}/{kind}:{key}"


def voice_room(hall_id: int) -> str:
    return f"hall:{hall_id}/voice"


def agents_room(hall_id: int) -> str:
    """Every agent of the hall whose hello was accepted: told when the windows' devices change."""
    return f"hall:{hall_id}/agents"


class DeviceHub:
    def __init__(self, runtime, sio):
        self.runtime = runtime
        self.sio = sio
        self._hosted: TimedCache[set[tuple[str, int | None]]] = TimedCache(HOSTED_TTL_S)
        self._maps: TimedCache[list[m.WindowDevices]] = TimedCache(HOSTED_TTL_S)  # the hall's windows' devices
        self._settler = Settler(lambda: UnitOfWork(runtime.db.write, runtime.publish), lambda: runtime.clock())
        for name, handler in (("disconnect", self.disconnected), (m.HELLO, self._hello), (m.JOB_RESULT, self._job_result),
                              (m.DEVICE_STATUS, self._device_status), (m.KEYPAD_ACTION, self._keypad_action)):
            sio.on(name, handler)

    # --- jobs out ------------------------------------------------------------------
    def publish(self, events: Iterable[Event], broadcast: Callable[[Iterable[Event]], None]) -> None:
        """Broadcast the news, then send the device jobs it calls for."""
        events = list(events)
        windows: dict[tuple[int, int], Event] = {}
        for event in events:
            if event.name == ev.PRINT_REQUESTED:
                self._print(event)
            if event.name == ev.HALL_INFO and event.payload.get("entity") == "window":
                # An admin saved a window (its LED address, printer, or the window itself): the agents ask again.
                self._maps.forget(lambda hall_id, changed=event.hall_id: hall_id == changed)
                self.sio.emit(m.WINDOWS_CHANGED, {}, to=agents_room(event.hall_id))
            hosted = self.hosted(event.hall_id) if event.window is not None else set()
            if event.name in CALL_EVENTS and ("voice", None) in hosted:
                self._announce(event)
            rating_news = event.name in (ev.RATING_REQUESTED, ev.RATING_RECEIVED)
            if rating_news and ("evaluator_keypad", event.window) in hosted:
                self._ask_rating(event)
            if event.name in WINDOW_EVENTS and hosted & {("led", event.window), ("keypad", event.window)}:
                windows[(event.hall_id, event.window)] = event  # the last word per window
        for (hall_id, number), event in windows.items():
            self._show_window(hall_id, number, calling=event if event.name in CALL_EVENTS else None,
                              keypad=("keypad", number) in self.hosted(hall_id))
        # Devices first: one agent's job is quick to send, while the broadcast queues a
        # message for every screen in the hall; the LED and the voice need not wait for it.
        broadcast([e for e in events if e.name != ev.PRINT_REQUESTED])

    def hosted(self, hall_id: int) -> set[tuple[str, int | None]]:
        """Which devices some agent hosts: (kind, window), ("voice", None). Jobs for nobody are not made.

        Kept a few seconds per process; a hello here refreshes it at once.
        """
        def look_up() -> set[tuple[str, int | None]]:
            with UnitOfWork(self.runtime.db.read) as uow:
                return registry.hosted(uow.session, hall_id)
        return self._hosted.get(hall_id, look_up)

    def _print(self, event: Event) -> None:
        p = event.payload
        job = m.PrintJob(id=f"print:{p['job']}", printer=p["printer"], document=p["document"], ticket=p["ticket"],
                         at=p["at"], start_within_s=printing.START_WITHIN.total_seconds())
        self.sio.emit(m.PRINT, job.model_dump(), to=device_room(event.hall_id, "printer", p["printer"]))

    def _announce(self, event: Event) -> None:
        p = event.payload
        with UnitOfWork(self.runtime.db.read) as uow:
            voice = hall_context(uow.session, event.hall_id).settings.voice
        template = voice.template_en if voice.lang == "en" else voice.template
        try:
            text = announcement_text(p["number"], p["window"], template, voice.lang)
        except ValueError:  # the hall file's template was checked on load; never go silent over it
            log.exception("announcement template of hall %s failed; using the default", event.hall_id)
            text = announcement_text(p["number"], p["window"], None, voice.lang)
        job = m.Announce(id=f"announce:{uuid.uuid4().hex}", text=text, lang=voice.lang,
                         key=f"{p['id']}@{p['window']}", at=p["at"])
        self.sio.emit(m.ANNOUNCE, job.model_dump(), to=voice_room(event.hall_id))

    def _ask_rating(self, event: Event) -> None:
        """Light the window's evaluator keypad for the finished ticket; dark again once rated."""
        p = event.payload
        if event.name == ev.RATING_RECEIVED:
            ask = m.RatingAsk(window=p["window"], ticket=None)
        else:
            with UnitOfWork(self.runtime.db.read) as uow:
                seconds = hall_context(uow.session, event.hall_id).settings.ratings.request_seconds
            ask = m.RatingAsk(window=p["window"], ticket=p["id"], number=p["number"], seconds=seconds)
        self.sio.emit(m.RATING_ASK, ask.model_dump(), to=device_room(event.hall_id, "evaluator_keypad", p["window"]))

    def _window_state(self, hall_id: int, number: int) -> tuple[dict, int]:
        """The window as GET /windows shows it, and how many it could call."""
        with UnitOfWork(self.runtime.db.read) as uow:
            return _window_view(uow.session, hall_id, number), _waiting(uow.session, hall_id, number)

    def _show_window(self, hall_id: int, number: int, calling: Event | None, keypad: bool = True) -> None:
        """The window's state on its LED screen and, when `keypad`, on its caller keypad."""
        with UnitOfWork(self.runtime.db.read) as uow:
            window = _window_view(uow.session, hall_id, number)
            show = m.LedShow(id=f"led:{uuid.uuid4().hex}", window=number, state=window,
                             calling=calling.payload["number"] if calling else None)
            # The screen first: the hall watches it, while the keypad's count of who waits can follow.
            self.sio.emit(m.LED_SHOW, show.model_dump(), to=device_room(hall_id, "led", number))
            if keypad:
                self.sio.emit(m.KEYPAD_SHOW, keypad_show(window, _waiting(uow.session, hall_id, number)).model_dump(),
                              to=device_room(hall_id, "keypad", number))

    # --- answers in ----------------------------------------------------------------
    @from_agent(m.Hello)
    def _hello(self, sid, who: Principal, hello: m.Hello):
        """Accept the devices (all inside the token's scope, or none), answer the windows' map.

        A second hello on the same connection (the map changed) changes only what changed: devices
        still declared keep their state and rooms, new ones are registered and shown their window,
        dropped ones leave their rooms and the registry."""
        session = self.sio.get_session(sid)
        before: set[tuple[str, str]] = session.get("devices", set())
        declared = {(device.kind, device.name) for device in hello.devices}
        with UnitOfWork(self.runtime.db.write, self.runtime.publish) as uow:
            # The token's scope as it stands now (not as at connect), and all or nothing:
            # a hello with one device outside it hosts none, so the operator fixes it at once.
            scope = live_scope(uow.session, who)
            if scope is None:
                log.warning("agent %s (hall %s): hello on a revoked token", who.name, who.hall_id)
                return {"error": "forbidden", "detail": "this agent token was revoked"}
            refused = scope.refused(hello.devices)
            if refused:
                log.warning("agent %s (hall %s): hello refused, outside its token's scope (%s): %s",
                            who.name, who.hall_id, scope.describe(), describe_refused(refused))
                return {"error": "outside_scope", "refused": refused, "scope": scope.to_json(),
                        "detail": _outside_scope_detail(who, scope.describe(), refused)}
            known = {w["number"] for w in views.windows(uow.session, hall_context(uow.session, who.hall_id))}
            unknown = sorted({n for d in hello.devices for n in d.windows} - known)
            if unknown:
                return {"error": "window_unknown", "windows": unknown}
            registry.register(uow, who.hall_id, who.name, hello.devices, self.runtime.clock(),
                              kept=frozenset(before & declared))
            served = window_devices(uow.session, who.hall_id, scope.windows)
            uow.commit()
        self._hosted.forget(lambda hall_id: hall_id == who.hall_id)
        for device in hello.devices:
            for room in _rooms(who.hall_id, device):
                self.sio.enter_room(sid, room)
        kept_rooms = {room for device in hello.devices for room in _rooms(who.hall_id, device)}
        for kind, name in before - declared:
            old = next((d for d in session.get("infos", []) if (d.kind, d.name) == (kind, name)), None)
            for room in _rooms(who.hall_id, old) if old else ():
                if room not in kept_rooms:
                    self.sio.leave_room(sid, room)
        self.sio.enter_room(sid, agents_room(who.hall_id))
        session["keypads"] = {n for d in hello.devices if d.kind == "keypad" for n in d.windows}
        session["devices"] = declared  # what it may answer for
        session["infos"] = list(hello.devices)
        session["map"] = served  # what it was told it drives (see _check_map)
        for device in hello.devices:  # show every new screen and keypad its window's state now
            if (device.kind, device.name) in before:
                continue
            for number in device.windows:
                self._show_window(who.hall_id, number, calling=None)
        if not hello.windows:  # an agent from before the map: the answer it knows
            return {"ok": True}
        return {"ok": True, "windows": [w.model_dump() for w in served]}

    def disconnected(self, sid, reason=None) -> None:
        who = self.sio.get_session(sid).get("who")
        if who is None or who.kind != "agent":
            return
        with UnitOfWork(self.runtime.db.write, self.runtime.publish) as uow:
            registry.agent_gone(uow, who.hall_id, who.name, self.runtime.clock())
            uow.commit()

    @from_agent(m.JobResult)
    def _job_result(self, sid, who: Principal, result: m.JobResult):
        kind, _, key = result.id.partition(":")
        job_id = inputs.whole_number_or_none(key, 1)  # "print:¹" is no job: str.isdigit() would say it is
        if kind == "print" and job_id is not None:
            # Only the printer's own agent may say whether the paper came out.
            printers = [name for device, name in self._declared(sid) if device == "printer"]
            try:  # returns once committed: the acknowledgement means recorded
                self._settler.settle(Answer(who.hall_id, job_id, result.ok, result.reason, printers))
            except printing.NotHosted as exc:
                log.warning("agent %s: result of print job %s for printer %s it does not host",
                            who.name, key, exc.printer)
                return {"error": "forbidden", "detail": str(exc)}
            except printing.SettledAsFailed as exc:
                log.error("agent %s: print job %s printed after it was settled as failed", who.name, key)
                return {"error": "settled_as_failed", "detail": str(exc)}
        elif not result.ok:
            log.warning("agent %s: job %s failed: %s", who.name, result.id, result.reason)
        return {"ok": True}

    @from_agent(m.DeviceStatus)
    def _device_status(self, sid, who: Principal, status: m.DeviceStatus):
        if (status.kind, status.name) not in self._declared(sid):
            log.warning("agent %s: status of %s %s it does not host", who.name, status.kind, status.name)
            return {"error": "forbidden", "detail": f"{status.kind} {status.name} is not hosted by this agent"}
        with UnitOfWork(self.runtime.db.read) as uow:
            scope = live_scope(uow.session, who)
            if scope is None:
                # Revoked since it connected: its heartbeat (every 10 s) ends the connection, so
                # it stops getting jobs; reconnecting with that token is refused.
                log.warning("agent %s (hall %s): token revoked, disconnecting", who.name, who.hall_id)
                self.sio.disconnect(sid)
                return {"error": "forbidden", "detail": "this agent token was revoked"}
            self._check_map(sid, who.hall_id, scope.windows, uow.session)
            if registry.is_fresh(uow.session, who.hall_id, who.name, status, self.runtime.clock()):
                return {"ok": True}  # the same news again, and recently heard: no write needed
        with UnitOfWork(self.runtime.db.write, self.runtime.publish) as uow:
            registry.report(uow, who.hall_id, who.name, status, self.runtime.clock())
            uow.commit()
        return {"ok": True}

    def _check_map(self, sid, hall_id: int, windows: frozenset[int], s) -> None:
        """On a heartbeat: a connection told a map that is no longer the hall's hears `agent.windows` (once)."""
        session = self.sio.get_session(sid)
        told = session.get("map")
        if told is None:
            return
        current = [w for w in self._maps.get(hall_id, lambda: window_devices(s, hall_id)) if w.number in windows]
        if current != told and session.get("asked_for") != current:
            session["asked_for"] = current
            self.sio.emit(m.WINDOWS_CHANGED, {}, to=sid)

    def _declared(self, sid) -> set[tuple[str, str]]:
        """(kind, name) of the devices this connection's accepted hello declared (all inside its scope)."""
        return self.sio.get_session(sid).get("devices", set())

    @from_agent(m.KeypadAction)
    def _keypad_action(self, sid, who: Principal, action: m.KeypadAction):
        """A caller keypad's key: the same window action a clerk's console makes.

        Only for a keypad this connection's hello declared, and only while the
        window is still in the token's scope (read again now: the token may have
        been revoked since the hello).
        """
        if action.window not in self.sio.get_session(sid).get("keypads", set()):
            log.warning("agent %s: keypad action for window %s it did not declare", who.name, action.window)
            return {"error": "forbidden", "detail": f"no caller keypad of window {action.window} was declared"}
        with UnitOfWork(self.runtime.db.read) as uow:
            scope = live_scope(uow.session, who)
        if scope is None:
            log.warning("agent %s (hall %s): keypad action on a revoked token", who.name, who.hall_id)
            return {"error": "forbidden", "window": action.window, "detail": "this agent token was revoked"}
        if action.window not in scope.windows:
            log.warning("agent %s (hall %s): keypad action for window %s outside its token's scope",
                        who.name, who.hall_id, action.window)
            return {"error": "outside_scope", "window": action.window,
                    "detail": f"window {action.window} is not in this agent token's scope"}
        keypad = Principal(hall_id=who.hall_id, kind="caller", name=f"{who.name}/keypad",
                           window_number=action.window)
        try:
            with UnitOfWork(self.runtime.db.write, self.runtime.publish) as uow:
                KEYPAD_ACTIONS[action.action](uow, keypad, action.window, self.runtime.clock(), **action.params)
                uow.commit()
        except QueueError as exc:
            return {"error": exc.code, **{k: str(v) for k, v in exc.params.items()}}
        except TypeError as exc:  # params that action does not take
            return {"error": "invalid_input", "detail": str(exc)}
        window, waiting = self._window_state(who.hall_id, action.window)
        return keypad_show(window, waiting).model_dump()


def _rooms(hall_id: int, device: m.DeviceInfo) -> list[str]:
    """The rooms whose jobs a device takes: a printer's by name, the voice's, a window device's by window."""
    if device.kind == "printer":
        return [device_room(hall_id, "printer", device.name)]
    if device.kind == "voice":
        return [voice_room(hall_id)]
    return [device_room(hall_id, device.kind, number) for number in device.windows]


def _outside_scope_detail(who: Principal, scope: str, refused: list[dict]) -> str:
    """The refusal in words, for the agent's log: what was refused, what the token allows, what to do."""
    return (f"agent token {who.name!r} may host {scope}; refused: {describe_refused(refused)}. "
            f"Remove those devices from AGENT.toml, or have the administrator make a token that covers them "
            f"(hallq token create --kind agent --name {who.name} --windows ... --printers ... --voice --replace).")


def _window_view(s, hall_id: int, number: int) -> dict:
    """The window as GET /windows shows it."""
    return views.windows(s, hall_context(s, hall_id), number)[0]


def _waiting(s, hall_id: int, number: int) -> int:
    """How many the window could call (its keypad shows it)."""
    return waiting_for(s, find_window(s, hall_id, number))


def keypad_show(window: dict, waiting: int) -> m.KeypadShow:
    serving = window.get("serving")
    return m.KeypadShow(window=window["number"], number=serving["number"] if serving else None,
                        waiting=waiting, status=window["status"])
