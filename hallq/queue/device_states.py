"""Which devices the agents host, and the state each last reported.

Plain Python over SQLAlchemy, like the queue engine: the Socket.IO hub calls
these inside a unit of work. A change of state is news (`device.status` to the
hall, where the duty manager's screen and the kiosks listen); a re-report of
the same state only refreshes `seen_at`, the heartbeat that keeps a state
believable.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from hallq.protocol import HEARTBEAT, DeviceInfo, DeviceStatus
from hallq.queue.device_models import Device
from hallq.queue import alerts
from hallq.queue.events import DEVICE_STATUS, Event
from hallq.queue.facts import iso
from hallq.queue.models import Hall
from hallq.queue.unit_of_work import UnitOfWork

# A state older than STALE_AFTER (three heartbeats) is no longer believed: the
# agent, its network or its machine may be gone.
STALE_AFTER = 3 * HEARTBEAT


def _find(s: Session, hall_id: int, kind: str, name: str) -> Device | None:
    return s.scalar(select(Device).where(Device.hall_id == hall_id, Device.kind == kind, Device.name == name))


def register(uow: UnitOfWork, hall_id: int, agent: str, devices: list[DeviceInfo], now: dt.datetime,
             kept: frozenset[tuple[str, str]] = frozenset()) -> None:
    """An agent (re)connected with these devices; their state is unknown until they report.

    `kept` are (kind, name) the same connection hosted already (a second hello, after the windows' map
    changed): they keep their state. Devices the agent hosted before and no longer does (a window whose
    LED screen the admin removed) are forgotten, their alert ended: nobody hosts them to report."""
    declared = {(info.kind, info.name) for info in devices}
    for row in uow.session.scalars(select(Device).where(Device.hall_id == hall_id, Device.agent == agent)):
        if (row.kind, row.name) not in declared:
            alerts.end_alert(uow, hall_id, alerts.DEVICE, f"{row.kind}:{row.name}", now)
            uow.session.delete(row)
    uow.session.flush()
    for info in devices:
        row = _find(uow.session, hall_id, info.kind, info.name)
        if row is None:
            row = Device(hall_id=hall_id, kind=info.kind, name=info.name, changed_at=now)
            uow.session.add(row)
        elif (info.kind, info.name) in kept and row.agent == agent:
            row.info = info.model_dump(mode="json", exclude={"kind", "name"})
            continue
        row.agent, row.info = agent, info.model_dump(mode="json", exclude={"kind", "name"})
        _set(uow, row, "unknown", "agent connected", now)


def report(uow: UnitOfWork, hall_id: int, agent: str, status: DeviceStatus, now: dt.datetime) -> bool:
    """Records a device's state; True when it changed. Unknown devices are registered."""
    row = _find(uow.session, hall_id, status.kind, status.name)
    if row is None:
        row = Device(hall_id=hall_id, kind=status.kind, name=status.name, agent=agent, info={}, changed_at=now)
        uow.session.add(row)
    row.agent = agent
    return _set(uow, row, status.state, status.detail, now)


def is_fresh(s: Session, hall_id: int, agent: str, status: DeviceStatus, now: dt.datetime) -> bool:
    """True when the device already stands so, by this agent, reported within half a heartbeat."""
    row = _find(s, hall_id, status.kind, status.name)
    return (row is not None and row.agent == agent and row.state == status.state and row.detail == status.detail
            and now - row.seen_at < HEARTBEAT / 2)


def agent_gone(uow: UnitOfWork, hall_id: int, agent: str, now: dt.datetime) -> None:
    """The agent disconnected: nobody can vouch for its devices any more."""
    for row in uow.session.scalars(select(Device).where(Device.hall_id == hall_id, Device.agent == agent)):
        _set(uow, row, "unknown", "agent disconnected", now)


def _set(uow: UnitOfWork, row: Device, state: str, detail: str | None, now: dt.datetime) -> bool:
    changed = row.state != state or row.detail != detail
    row.seen_at = now
    if changed:
        row.state, row.detail, row.changed_at = state, detail, now
        uow.session.flush()
        uow.add_event(Event(DEVICE_STATUS, row.hall_id, device_json(row, now)))
        _alert(uow, row, now)
    return changed


def mark_silent(uow: UnitOfWork, now: dt.datetime) -> int:
    """Announce devices whose last report went stale as 'unknown' (every hall); returns how many.

    `believed_state` already treats them as unknown, but nobody would be told:
    the duty manager's screen hears of a printer going silent only from this
    sweep. `seen_at` stays as it was (it is when the device last spoke), and
    the next report from the device is a change again, announced as coming back.
    Safe to run from any number of processes: a row already unknown is left alone.
    """
    rows = uow.session.scalars(select(Device).where(Device.state != "unknown", Device.seen_at < now - STALE_AFTER)
                               .order_by(Device.id).with_for_update()).all()
    for row in rows:
        row.state, row.detail, row.changed_at = "unknown", _silent_since(row.seen_at), now
        uow.add_event(Event(DEVICE_STATUS, row.hall_id, device_json(row, now)))
    uow.session.flush()
    for row in rows:
        _alert(uow, row, now)
    return len(rows)


# Working, or just registered by an agent that has not reported yet (a start, not trouble).
WORKING = ("ok",)
STARTING = ("unknown", "agent connected")


def _alert(uow: UnitOfWork, row: Device, now: dt.datetime) -> None:
    """A device in trouble is the duty manager's alert until it works again (hallq.queue.alerts)."""
    subject = f"{row.kind}:{row.name}"
    if row.state in WORKING:
        alerts.end_alert(uow, row.hall_id, alerts.DEVICE, subject, now)
    elif (row.state, row.detail) != STARTING:
        # A new state is a new alert (near its end, then out of paper): the old one ends with it.
        last = alerts.ongoing_alert(uow.session, row.hall_id, alerts.DEVICE, subject)
        if last is not None and last.data.get("state") != row.state:
            alerts.end_alert(uow, row.hall_id, alerts.DEVICE, subject, now)
        alerts.raise_alert(uow, row.hall_id, alerts.DEVICE, subject, now,
                           {"kind": row.kind, "name": row.name, "state": row.state, "detail": row.detail},
                           level="warn" if row.state == "near_end" else "bad")


def _silent_since(seen_at: dt.datetime) -> str:
    return f"no report since {iso(seen_at)}"


def believed_state(row: Device | None, now: dt.datetime) -> tuple[str, str | None]:
    """The state to act on: silence and stale reports are 'unknown', never fine."""
    return _believed(None if row is None else (row.state, row.detail, row.seen_at), now)


def _believed(last: tuple[str, str | None, dt.datetime] | None, now: dt.datetime) -> tuple[str, str | None]:
    """`believed_state` of a device's (state, detail, seen_at)."""
    if last is None:
        return "unknown", "never reported"
    state, detail, seen_at = last
    if now - seen_at > STALE_AFTER:
        return "unknown", _silent_since(seen_at)
    return state, detail


# Asked before every printed ticket (and by every kiosk's state poll): three columns,
# not the row with its JSON. Built once.
_STATE_SEEN = select(Device.state, Device.detail, Device.seen_at).where(
    Device.hall_id == bindparam("hall_id"), Device.kind == bindparam("kind"), Device.name == bindparam("name"))


def device_state(s: Session, hall_id: int, kind: str, name: str, now: dt.datetime) -> tuple[str, str | None]:
    # On the connection: no change of this transaction can be pending on a device row (agents'
    # reports write them in their own), so the ORM's autoflush and statement handling buy nothing.
    row = s.connection().execute(_STATE_SEEN, {"hall_id": hall_id, "kind": kind, "name": name}).first()
    return _believed(row, now)


def device_json(row: Device, now: dt.datetime) -> dict:
    state, detail = believed_state(row, now)
    return {"kind": row.kind, "name": row.name, "agent": row.agent, "state": state, "detail": detail,
            "info": row.info, "seen_at": iso(row.seen_at), "changed_at": iso(row.changed_at),
            "number": None, "window": None, "service": None, "at": iso(now)}


def devices(s: Session, hall_id: int, now: dt.datetime) -> list[dict]:
    rows = s.scalars(select(Device).where(Device.hall_id == hall_id).order_by(Device.kind, Device.name))
    return [device_json(row, now) for row in rows]

def tally(s: Session, now: dt.datetime) -> dict[tuple[str, str, str], int]:
    """(hall code, kind, believed state) -> how many devices, over every hall: what monitoring watches."""
    counts: dict[tuple[str, str, str], int] = {}
    for code, kind, state, detail, seen_at in s.execute(
            select(Hall.code, Device.kind, Device.state, Device.detail, Device.seen_at).join(Hall)):
        key = (code, kind, _believed((state, detail, seen_at), now)[0])
        counts[key] = counts.get(key, 0) + 1
    return counts


def agents_heard(s: Session, now: dt.datetime) -> list[str]:
    """The agents (by token name) one of whose devices has reported lately: the ones alive."""
    rows = s.execute(select(Device.agent, func.max(Device.seen_at)).group_by(Device.agent))
    return sorted(agent for agent, seen_at in rows if now - seen_at <= STALE_AFTER)


def hosted(s: Session, hall_id: int) -> set[tuple[str, int | None]]:
    """(kind, window) of every window device agents host, and ("voice", None) when one speaks."""
    found: set[tuple[str, int | None]] = set()
    for kind, info in s.execute(select(Device.kind, Device.info).where(Device.hall_id == hall_id)):
        if kind == "voice":
            found.add(("voice", None))
        for window in (info or {}).get("windows", []):
            found.add((kind, window))
    return found
