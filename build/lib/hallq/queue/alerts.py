"""Alerts for the duty manager (值班长) that are never lost: stored, shown to every duty screen, acknowledged once.

Anyone may raise one (`raise_alert`): the kiosk's call for help, a device in
trouble, a failed print, a bad review, a window left unstaffed while tickets
wait for it, an overdue follow-up, and whatever other component needs the duty
manager's eyes (complaints). An alert is a row, so a duty screen opened later
(or after a reboot) still shows it; its news (`alert.raised`, `alert.acknowledged`,
`alert.ended`) goes to the supervisors' room alone after commit.

One condition, one alert: while an alert of the same kind and subject is still
ongoing (its `open_key` is set) raising it again returns that alert and adds
nothing. A unique (hall_id, open_key) makes that hold across server processes.
An alert ends when its condition ends (`end_alert`: the window is staffed, the
device works again) or, for one-off events (a call for help, a failed print, a
bad review), when someone acknowledges it. Acknowledging is done once, by a
named person; a second acknowledgement is refused, naming who did it first.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from hallq.db import Base, UTCDateTime
from hallq.queue.errors import NotFound, Refused
from hallq.queue.events import ALERT_ACKNOWLEDGED, ALERT_ENDED, ALERT_RAISED, HELP_ACKNOWLEDGED, Event
from hallq.queue.facts import iso
from hallq.queue.halls import hall_context

HELP, DEVICE, PRINT, BAD_REVIEW, UNSTAFFED, FOLLOWUP_OVERDUE = (
    "help", "device", "print", "bad_review", "unstaffed", "followup_overdue")
# Other components may raise kinds of their own (complaints): the kind is a short name, not a closed list.
KIND_MAX = 30
SUBJECT_MAX = 120
# One-off events: once someone has acknowledged them there is nothing left ongoing. The others (a
# device, a window, an overdue case) stay ongoing until their condition ends, acknowledged or not,
# so a condition that lasts is not raised again at every sweep.
ENDS_ON_ACK = frozenset({HELP, PRINT, BAD_REVIEW})
LEVELS = ("bad", "warn")


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("hall_id", "open_key", name="uq_alerts_open"),
                      Index("ix_alerts_hall_raised", "hall_id", "raised_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    kind: Mapped[str] = mapped_column(String(KIND_MAX))
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX))  # what it is about: "kiosk:k1", "window:3" ...
    # "kind|subject" while the condition is ongoing, NULL once it ended: both databases let NULLs repeat.
    open_key: Mapped[str | None] = mapped_column(String(KIND_MAX + SUBJECT_MAX + 1))
    level: Mapped[str] = mapped_column(String(10))  # bad, warn
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # what the screen words it from
    raised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    acked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    acked_by: Mapped[str | None] = mapped_column(String(200))  # the person's name as shown (staff name and number)
    acked_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


def _key(kind: str, subject: str) -> str:
    return f"{kind}|{subject}"


def alert_json(a: Alert) -> dict:
    return {"id": a.id, "kind": a.kind, "subject": a.subject, "level": a.level, "data": a.data or {},
            "raised_at": iso(a.raised_at), "acked_at": iso(a.acked_at) if a.acked_at else None,
            "acked_by": a.acked_by, "ended_at": iso(a.ended_at) if a.ended_at else None,
            "ongoing": a.open_key is not None}


def _news(name: str, a: Alert, now: dt.datetime) -> Event:
    # `window` and `service` stay None: the news goes to the supervisors' room alone (realtime.ONLY).
    return Event(name, a.hall_id, {**alert_json(a), "alert": a.id, "number": None, "window": None,
                                   "service": None, "at": iso(now)})


def raise_alert(uow, hall_id: int, kind: str, subject: str, now: dt.datetime, data: dict | None = None, *,
                level: str = "bad") -> tuple[Alert, bool]:
    """The ongoing alert of this kind and subject, or a new one; True when it is new (and its news added)."""
    s: Session = uow.session
    if not kind or len(kind) > KIND_MAX or not subject or len(subject) > SUBJECT_MAX or level not in LEVELS:
        raise ValueError(f"an alert needs a kind (<= {KIND_MAX}), a subject (<= {SUBJECT_MAX}) and a level {LEVELS}")
    key = _key(kind, subject)
    existing = _ongoing(s, hall_id, key)
    if existing is not None:
        return existing, False
    alert = Alert(hall_id=hall_id, kind=kind, subject=subject, open_key=key, level=level, data=data or {},
                  raised_at=now)
    try:
        with s.begin_nested():  # another process raised it meanwhile: theirs stands
            s.add(alert)
            s.flush()
    except IntegrityError:
        return _ongoing(s, hall_id, key), False
    uow.add_event(_news(ALERT_RAISED, alert, now))
    return alert, True


def _ongoing(s: Session, hall_id: int, key: str) -> Alert | None:
    return s.scalar(select(Alert).where(Alert.hall_id == hall_id, Alert.open_key == key))


def end_alert(uow, hall_id: int, kind: str, subject: str, now: dt.datetime) -> Alert | None:
    """The condition is over (the window is staffed, the device works): the alert ended, if one was ongoing."""
    alert = _ongoing(uow.session, hall_id, _key(kind, subject))
    if alert is None:
        return None
    alert.open_key, alert.ended_at = None, now
    uow.session.flush()
    uow.add_event(_news(ALERT_ENDED, alert, now))
    return alert


def ongoing_alert(s: Session, hall_id: int, kind: str, subject: str) -> Alert | None:
    return _ongoing(s, hall_id, _key(kind, subject))


def ongoing_subjects(s: Session, hall_id: int, kind: str) -> set[str]:
    return set(s.scalars(select(Alert.subject).where(Alert.hall_id == hall_id, Alert.kind == kind,
                                                     Alert.open_key.is_not(None))))


def acknowledge(uow, hall_id: int, alert_id: int, by: str, user_id: int | None, now: dt.datetime) -> Alert:
    """`by` (a named person) has seen to it. Once: a second acknowledgement is refused, naming the first."""
    s: Session = uow.session
    alert = s.scalar(select(Alert).where(Alert.id == alert_id, Alert.hall_id == hall_id).with_for_update())
    if alert is None:
        raise NotFound("alert_unknown", alert=alert_id)
    if alert.acked_at is not None:
        at = alert.acked_at.astimezone(hall_context(s, hall_id).hours.tz).strftime("%H:%M")
        raise Refused("alert_acknowledged", by=alert.acked_by, time=at)
    alert.acked_at, alert.acked_by, alert.acked_by_user_id = now, by, user_id
    if alert.kind in ENDS_ON_ACK and alert.open_key is not None:
        alert.open_key, alert.ended_at = None, now
    s.flush()
    uow.add_event(_news(ALERT_ACKNOWLEDGED, alert, now))
    if alert.kind == HELP:
        # The kiosk tells the citizen someone is coming (to that kiosk's room alone: realtime.ONLY).
        uow.add_event(Event(HELP_ACKNOWLEDGED, hall_id, {
            "kiosk": alert.subject.partition(":")[2], "alert": alert.id, "number": None, "window": None,
            "service": None, "at": iso(now)}))
    return alert


def alerts_for_screen(s: Session, hall_id: int, since: dt.datetime) -> list[Alert]:
    """What a duty screen shows: every alert raised since `since` (the start of the hall's day), and any
    older one still waiting for acknowledgement or still ongoing; newest first."""
    return list(s.scalars(select(Alert).where(
        Alert.hall_id == hall_id,
        or_(Alert.raised_at >= since, Alert.acked_at.is_(None), Alert.open_key.is_not(None)))
        .order_by(Alert.raised_at.desc(), Alert.id.desc()).limit(500)))


def screen_alerts(s: Session, hall_id: int, now: dt.datetime) -> list[Alert]:
    """alerts_for_screen from the start of the hall's day."""
    return alerts_for_screen(s, hall_id, day_start(s, hall_id, now))


def day_start(s: Session, hall_id: int, now: dt.datetime) -> dt.datetime:
    hours = hall_context(s, hall_id).hours
    return dt.datetime.combine(hours.local_day(now), dt.time(0), hours.tz)


def latest_help(s: Session, hall_id: int, kiosk: str, since: dt.datetime) -> Alert | None:
    """This kiosk's latest call for help since `since`: whether it was acknowledged, for the kiosk's screen."""
    return s.scalar(select(Alert).where(Alert.hall_id == hall_id, Alert.kind == HELP,
                                        Alert.subject == f"kiosk:{kiosk}", Alert.raised_at >= since)
                    .order_by(Alert.raised_at.desc(), Alert.id.desc()).limit(1))
