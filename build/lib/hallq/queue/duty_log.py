"""The duty log (值班日志) of the hall's duty manager (值班长), one per hall-local day. Seed 004 值班长制度:
on the floor 15 minutes before opening, checks safety (电、火、水、防盗) and hygiene, handles the hall's
problems, keeps the log truthfully and hands over to the next duty manager in turn.

Kept: an entry is never edited or deleted. Until handover the duty manager appends entries to today's
log; after handover nothing more is appended but a correction, which names the entry it corrects and
stands beside it (the original stays as written). Who writes: staff with the `duty` permission
(supervisors: seed 004 has the centre's managers serve as 值班长); who reads: `review` (supervisors and
admins) — checked in the web layer, as every permission is.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from hallq.db import Base, UTCDateTime
from hallq.queue import alerts
from hallq.queue.accounts import PERMISSIONS, Principal, User, person_name
from hallq.queue.errors import Invalid, NotFound, Refused
from hallq.queue.facts import iso
from hallq.queue.halls import hall_context
from hallq.queue.schemas import DUTY_TEXT_MAX

OPENING, SAFETY, HYGIENE, INCIDENT, OPINION_FORMS, NOTE, CORRECTION = (
    "opening", "safety", "hygiene", "incident", "opinion_forms", "note", "correction")
KINDS = (OPENING, SAFETY, HYGIENE, INCIDENT, OPINION_FORMS, NOTE, CORRECTION)
# What each check looks at (seed 004: 安全 电、火、水、防盗; 卫生 the hall and its windows).
CHECK_ITEMS: dict[str, tuple[str, ...]] = {
    SAFETY: ("electricity", "fire", "water", "theft"),
    HYGIENE: ("hall", "windows", "restrooms"),
}
CHECK_RESULTS = ("ok", "problem")
EARLY_MINUTES = 15  # seed 004: 值班长每天应提前15分钟到岗
TEXT_MAX = DUTY_TEXT_MAX
WRITE, READ = "duty", "review"


class DutyLog(Base):
    __tablename__ = "duty_logs"
    __table_args__ = (UniqueConstraint("hall_id", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    day: Mapped[dt.date] = mapped_column(Date)  # the hall-local day
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    started_by: Mapped[str] = mapped_column(String(200))
    handed_over_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    handed_over_by: Mapped[str | None] = mapped_column(String(200))
    handed_to: Mapped[str | None] = mapped_column(String(200))  # the next duty manager, by name
    handed_to_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    handover_note: Mapped[str | None] = mapped_column(Text)


class DutyLogEntry(Base):
    __tablename__ = "duty_log_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    log_id: Mapped[int] = mapped_column(ForeignKey("duty_logs.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())  # when it was written (the app's clock)
    written_by: Mapped[str] = mapped_column(String(200))
    written_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text, default="")
    handling: Mapped[str | None] = mapped_column(Text)  # an incident: how it was handled
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # checks; the opening's arrival
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id"))  # an incident raised as an alert
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("duty_log_entries.id"))


def find_log(s: Session, hall_id: int, day: dt.date) -> DutyLog | None:
    return s.scalar(select(DutyLog).where(DutyLog.hall_id == hall_id, DutyLog.day == day))


def _todays_log(s: Session, hall_id: int, day: dt.date, by: str, now: dt.datetime) -> DutyLog:
    log = find_log(s, hall_id, day)
    if log is not None:
        return log
    log = DutyLog(hall_id=hall_id, day=day, started_at=now, started_by=by)
    try:
        with s.begin_nested():  # two screens writing the day's first entry at once: one log
            s.add(log)
            s.flush()
    except IntegrityError:
        log = find_log(s, hall_id, day)
    return log


def _text(value: str | None, name: str, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Invalid("invalid_input", detail=f"{name} is required")
    if len(value) > TEXT_MAX:
        raise Invalid("invalid_input", detail=f"{name} is at most {TEXT_MAX} characters")
    return value


def write_entry(uow, hall_id: int, by: str, user_id: int | None, now: dt.datetime, kind: str, *,
                text: str | None = None, handling: str | None = None, checks: dict[str, str] | None = None,
                alert_id: int | None = None, corrects: int | None = None, count_out: int | None = None,
                count_in: int | None = None) -> DutyLogEntry:
    """Append an entry: to today's log before its handover; a correction (naming the entry it corrects) to
    the log of that entry's day, before or after handover."""
    s: Session = uow.session
    if kind not in KINDS:
        raise Invalid("invalid_input", detail=f"kind must be one of {', '.join(KINDS)}")
    ctx = hall_context(s, hall_id)
    today = ctx.hours.local_day(now)
    data: dict[str, Any] = {}
    if kind == CORRECTION:
        if corrects is None:
            raise Invalid("invalid_input", detail="a correction names the entry it corrects (corrects)")
        target = s.scalar(select(DutyLogEntry).join(DutyLog, DutyLog.id == DutyLogEntry.log_id)
                          .where(DutyLogEntry.id == corrects, DutyLog.hall_id == hall_id))
        if target is None:
            raise NotFound("duty_log_entry_unknown", entry=corrects)
        log = s.get(DutyLog, target.log_id)
        body = _text(text, "text", required=True)
    else:
        if corrects is not None:
            raise Invalid("invalid_input", detail="only a correction names an entry it corrects")
        log = _todays_log(s, hall_id, today, by, now)
        if log.handed_over_at is not None:
            raise Refused("duty_log_handed_over", by=log.handed_over_by, to=log.handed_to)
        body = _text(text, "text", required=kind in (INCIDENT, NOTE))
        if kind == OPENING:
            data = _opening(s, ctx, log, now)
        elif kind in CHECK_ITEMS:
            data = {"checks": _checks(kind, checks)}
            if "problem" in data["checks"].values() and not body:
                raise Invalid("invalid_input", detail="say what the problem is (text)")
        elif kind == OPINION_FORMS:  # 发放和收集征求意见表
            data = {"handed_out": _count(count_out, "handed_out"), "collected": _count(count_in, "collected")}
        if alert_id is not None:
            if kind != INCIDENT or s.scalar(select(alerts.Alert.id).where(
                    alerts.Alert.id == alert_id, alerts.Alert.hall_id == hall_id)) is None:
                raise NotFound("alert_unknown", alert=alert_id)
    entry = DutyLogEntry(log_id=log.id, kind=kind, at=now, written_by=by, written_by_user_id=user_id, text=body,
                         handling=_text(handling, "handling", required=kind == INCIDENT) or None, data=data,
                         alert_id=alert_id if kind == INCIDENT else None, corrects_id=corrects)
    s.add(entry)
    s.flush()
    return entry


def _opening(s: Session, ctx, log: DutyLog, now: dt.datetime) -> dict:
    """The opening check: when the duty manager was on the floor, against opening time less 15 minutes."""
    if s.scalar(select(DutyLogEntry.id).where(DutyLogEntry.log_id == log.id, DutyLogEntry.kind == OPENING)):
        raise Refused("duty_log_opening_recorded")
    sessions = ctx.hours.sessions_on(log.day)
    if not sessions:
        return {"opening_at": None, "minutes_before": None, "on_time": None}
    opening = sessions[0][0]
    before = (opening - now).total_seconds() / 60
    return {"opening_at": iso(opening), "minutes_before": round(before), "on_time": before >= EARLY_MINUTES}


def _checks(kind: str, checks: dict[str, str] | None) -> dict[str, str]:
    items = CHECK_ITEMS[kind]
    checks = checks or {}
    unknown = set(checks) - set(items)
    if unknown or set(checks.values()) - set(CHECK_RESULTS) or set(checks) != set(items):
        raise Invalid("invalid_input", detail=f"checks: each of {', '.join(items)} as ok or problem")
    return {item: checks[item] for item in items}


def _count(value: int | None, name: str) -> int:
    if value is None or not 0 <= value <= 100000:
        raise Invalid("invalid_input", detail=f"{name} is a count from 0")
    return value


def hand_over(uow, hall_id: int, by: str, now: dt.datetime, to_username: str, note: str | None) -> DutyLog:
    """Today's log handed over to the next duty manager (a user who may keep the log); once, then kept."""
    s: Session = uow.session
    today = hall_context(s, hall_id).hours.local_day(now)
    log = find_log(s, hall_id, today)
    if log is None:
        raise Refused("duty_log_empty")
    if log.handed_over_at is not None:
        raise Refused("duty_log_handed_over", by=log.handed_over_by, to=log.handed_to)
    user = s.scalar(select(User).where(User.hall_id == hall_id, User.username == to_username,
                                       User.active.is_(True)))
    if user is None:
        raise NotFound("user_unknown", username=to_username)
    if WRITE not in PERMISSIONS.get(user.role, frozenset()):
        raise Invalid("duty_handover_not_duty", username=to_username)
    log.handed_over_at, log.handed_over_by = now, by
    log.handed_to = person_name(s, Principal(hall_id, user.role, user.username, user_id=user.id))
    log.handed_to_user_id = user.id
    log.handover_note = _text(note, "note") or None
    s.flush()
    return log


def log_json(s: Session, hall_id: int, day: dt.date) -> dict:
    """The day's log as the page and its print show it, with the day's alerts and who acknowledged them."""
    ctx = hall_context(s, hall_id)
    log = find_log(s, hall_id, day)
    start = dt.datetime.combine(day, dt.time(0), ctx.hours.tz)
    day_alerts = s.scalars(select(alerts.Alert).where(
        alerts.Alert.hall_id == hall_id, alerts.Alert.raised_at >= start,
        alerts.Alert.raised_at < start + dt.timedelta(days=1)).order_by(alerts.Alert.raised_at)).all()
    sessions = ctx.hours.sessions_on(day)
    received = s.scalar(select(DutyLog).where(DutyLog.hall_id == hall_id, DutyLog.day < day)
                        .order_by(DutyLog.day.desc()).limit(1))
    data = {"day": day.isoformat(), "hall": ctx.hall.name, "timezone": ctx.hall.timezone,
            "opening_at": iso(sessions[0][0]) if sessions else None, "early_minutes": EARLY_MINUTES,
            "check_items": {k: list(v) for k, v in CHECK_ITEMS.items()},
            "received_from": None if received is None or received.handed_over_at is None else {
                "day": received.day.isoformat(), "by": received.handed_over_by, "to": received.handed_to,
                "note": received.handover_note},
            "alerts": [alerts.alert_json(a) for a in day_alerts],
            "started_at": None, "started_by": None, "handover": None, "entries": []}
    if log is None:
        return data
    entries = s.scalars(select(DutyLogEntry).where(DutyLogEntry.log_id == log.id)
                        .order_by(DutyLogEntry.at, DutyLogEntry.id)).all()
    data.update({
        "started_at": iso(log.started_at), "started_by": log.started_by,
        "handover": None if log.handed_over_at is None else {
            "at": iso(log.handed_over_at), "by": log.handed_over_by, "to": log.handed_to, "note": log.handover_note},
        "entries": [entry_json(e) for e in entries]})
    return data


def entry_json(e: DutyLogEntry) -> dict:
    return {"id": e.id, "kind": e.kind, "at": iso(e.at), "by": e.written_by, "text": e.text, "handling": e.handling,
            "data": e.data or {}, "alert": e.alert_id, "corrects": e.corrects_id}
