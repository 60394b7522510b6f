"""The complaint register (投诉来访登记) and a complaint's life, by seed 004 投诉处理制度.

registered ─forward─▶ forwarded ─reply─▶ replied ─report─▶ reported ─close─▶ closed
                          ▲                                   │
                          └──────────── reverify ─────────────┘ (the complainant is not satisfied, 第五条)

The supervision office (督查股, the "complaints" permission) registers a complaint taken in person, by phone,
by letter, online or passed on by the 12345 hotline (第二、三条), forwards it to the department with a reply
deadline in working days (the hall's `complaints.reply_working_days`, on the hall's calendar with its
make-up workdays), records the department's reply, reports the result back to the complainant, has it
re-verified if they are not satisfied, records the return visit (回访), and closes it as verified or unfounded
with reasons. Every step is a row with who and when (models.ComplaintStep).

What it feeds (no retyping): a reply later than its deadline is a record on the scheme line marked
`complaint = "reply_late_day"` (seed 002 第十三条（五）, −4 a day), its count the working days late; a
complaint closed as verified is a record on the line the office picks (a line marked `complaint = "verified"`
by default), the complaint as its evidence. Both go through hallq.assessment.records, so a published month
refuses them as it refuses any record.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from hallq.assessment import records
from hallq.assessment.scheme import Rule
from hallq.assessment.workdays import working_days_after
from hallq.queue.accounts import Principal, User
from hallq.queue.errors import Forbidden, Invalid, NotFound, Refused
from hallq.queue.halls import HallContext
from hallq.queue.models import Department, Staff, Window
from hallq.supervision.models import Complaint, ComplaintStep

CHANNELS = {"in_person": ("现场投诉", "in person"), "phone": ("电话投诉", "by phone"),
            "letter": ("信函投诉", "by letter"), "online": ("网上投诉", "online"),
            "hotline_12345": ("12345热线转办", "12345 hotline")}
STATUSES = ("registered", "forwarded", "replied", "reported", "closed")
OUTCOMES = ("verified", "unfounded")
TEXT_MAX = 4000


def _text(value: str | None, field: str, *, required: bool = True) -> str | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise Invalid("invalid_input", detail=f"{field} is required")
        return None
    return value[:TEXT_MAX]


def _when(at: dt.datetime | None, now: dt.datetime, after: dt.datetime | None = None) -> dt.datetime:
    """When something was done: now by default; never in the future, never before the complaint."""
    if at is None:
        return now
    if at.tzinfo is None:
        raise Invalid("invalid_input", detail="a time needs its time zone")
    if at > now:
        raise Invalid("invalid_input", detail="a time cannot be in the future")
    if after is not None and at < after:
        raise Invalid("invalid_input", detail="a step cannot come before the one it follows")
    return at


def _person(s: Session, who: Principal, person: str | None) -> str:
    if person and person.strip():
        return person.strip()[:100]
    staff_id = s.scalar(select(User.staff_id).where(User.id == who.user_id)) if who.is_staff else None
    staff = s.get(Staff, staff_id) if staff_id else None
    return staff.name if staff else who.name


# --- who may see ------------------------------------------------------------------------------

def chief_departments(s: Session, ctx: HallContext, who: Principal) -> set[int]:
    """The departments a signed-in clerk is the chief representative (首席代表) of (the hall's
    `ratings.chiefs`): a department's own view of the complaints forwarded to it."""
    if not who.is_staff:
        return set()
    number = s.scalar(select(Staff.number).join(User, User.staff_id == Staff.id).where(User.id == who.user_id))
    if number is None:
        return set()
    codes = [code for code, chief in ctx.settings.ratings.chiefs.items() if chief == number]
    if not codes:
        return set()
    return set(s.scalars(select(Department.id).where(Department.hall_id == ctx.id, Department.code.in_(codes))))


def may_read(s: Session, ctx: HallContext, who: Principal) -> set[int] | None:
    """None: every complaint (the register's keepers); else the departments whose forwarded complaints
    the caller may read (a chief representative's); 403 for anyone else."""
    if who.can("complaints"):
        return None
    departments = chief_departments(s, ctx, who)
    if not departments:
        raise Forbidden("forbidden")
    return departments


def sees_complainant(who: Principal) -> bool:
    return who.can("complainant")


def get(s: Session, ctx: HallContext, who: Principal, complaint_id: int, *, lock: bool = False) -> Complaint:
    query = select(Complaint).where(Complaint.id == complaint_id, Complaint.hall_id == ctx.id)
    if lock:
        query = query.with_for_update()
    row = s.scalar(query) if 0 < complaint_id < 2**31 else None
    departments = may_read(s, ctx, who)
    if row is None or (departments is not None and (row.department_id not in departments
                                                     or row.status == "registered")):
        raise NotFound("complaint_unknown", complaint=complaint_id)
    return row


def listing(s: Session, ctx: HallContext, who: Principal, now: dt.datetime, *, status: str | None = None,
            overdue: bool | None = None, due: bool | None = None) -> list[Complaint]:
    """The register, newest first. overdue: waiting for a reply after its deadline; due: waiting for a
    reply, deadline today or later."""
    departments = may_read(s, ctx, who)
    query = select(Complaint).where(Complaint.hall_id == ctx.id).order_by(Complaint.id.desc())
    if departments is not None:
        query = query.where(Complaint.department_id.in_(departments), Complaint.status != "registered")
    if status:
        if status not in STATUSES:
            raise Invalid("invalid_input", detail=f"status must be one of {', '.join(STATUSES)}")
        query = query.where(Complaint.status == status)
    today = ctx.hours.local_day(now)
    if overdue is True:
        query = query.where(Complaint.status == "forwarded", Complaint.due_date < today)
    if due is True:
        query = query.where(Complaint.status == "forwarded", Complaint.due_date >= today)
    return list(s.scalars(query))


def steps(s: Session, complaint: Complaint) -> list[ComplaintStep]:
    return list(s.scalars(select(ComplaintStep).where(ComplaintStep.complaint_id == complaint.id)
                          .order_by(ComplaintStep.at, ComplaintStep.id)))


def days_late(ctx: HallContext, complaint: Complaint, now: dt.datetime) -> int:
    """Working days a reply still awaited is past its deadline (0 when not waiting or not late)."""
    if complaint.status != "forwarded" or complaint.due_date is None:
        return 0
    return working_days_after(ctx.hours, complaint.due_date, ctx.hours.local_day(now))


# --- the steps -------------------------------------------------------------------------------

def _step(s: Session, who: Principal, c: Complaint, kind: str, at: dt.datetime, now: dt.datetime,
          **fields) -> ComplaintStep:
    row = ComplaintStep(complaint_id=c.id, kind=kind, at=at, recorded_at=now, actor=who.actor,
                        person=fields.pop("person", None) or _person(s, who, None), **fields)
    s.add(row)
    s.flush()
    return row


def _in(c: Complaint, *statuses: str) -> None:
    if c.status not in statuses:
        raise Refused("complaint_wrong_step", complaint=c.id, status=c.status)


def _unit(s: Session, ctx: HallContext, model, column, value, what: str):
    if value in (None, ""):
        return None
    row = s.scalar(select(model).where(model.hall_id == ctx.id, column == value))
    if row is None:
        raise NotFound("invalid_input", detail=f"no {what} {value}")
    return row


def register(s: Session, who: Principal, ctx: HallContext, now: dt.datetime, *, channel: str, name: str,
             content: str, contact: str | None = None, received_at: dt.datetime | None = None,
             window: int | None = None, staff: str | None = None, department: str | None = None,
             hotline_ref: str | None = None) -> Complaint:
    who.require("complaints")
    if channel not in CHANNELS:
        raise Invalid("invalid_input", detail=f"channel must be one of {', '.join(CHANNELS)}")
    w = _unit(s, ctx, Window, Window.number, window, "window")
    st = _unit(s, ctx, Staff, Staff.number, staff, "staff member")
    d = _unit(s, ctx, Department, Department.code, department, "department")
    if d is None:  # the department answers for its window and its people
        department_id = (w.department_id if w else None) or (st.department_id if st else None)
    else:
        department_id = d.id
    if w is None and st is None and department_id is None:
        raise Invalid("invalid_input", detail="a complaint is about a window, a staff member or a department")
    c = Complaint(hall_id=ctx.id, received_at=_when(received_at, now), channel=channel,
                  hotline_ref=_text(hotline_ref, "hotline_ref", required=False),
                  complainant_name=_text(name, "name")[:100],
                  complainant_contact=(_text(contact, "contact", required=False) or "")[:200] or None,
                  content=_text(content, "content"), window_id=w.id if w else None, staff_id=st.id if st else None,
                  department_id=department_id, status="registered", registered_by=who.actor, registered_at=now)
    s.add(c)
    s.flush()
    _step(s, who, c, "registered", now, now)  # how it came is on the complaint (channel)
    return c


def forward(s: Session, who: Principal, ctx: HallContext, complaint_id: int, now: dt.datetime, *,
            department: str | None = None, note: str | None = None) -> Complaint:
    """移交有关部门 (第三条): the reply is due `reply_working_days` working days after today."""
    who.require("complaints")
    c = get(s, ctx, who, complaint_id, lock=True)
    _in(c, "registered")
    d = _unit(s, ctx, Department, Department.code, department, "department")
    if d is not None:
        c.department_id = d.id
    if c.department_id is None:
        raise Invalid("invalid_input", detail="name the department the complaint goes to")
    _deadline(s, who, ctx, c, now, "forwarded", note)
    return c


def _deadline(s: Session, who: Principal, ctx: HallContext, c: Complaint, now: dt.datetime, kind: str,
              note: str | None) -> None:
    c.due_date = ctx.hours.add_working_days(ctx.hours.local_day(now), ctx.settings.complaints.reply_working_days)
    c.status = "forwarded"
    _step(s, who, c, kind, now, now, text=_text(note, "note", required=kind == "reverify"),
          department_id=c.department_id, due_date=c.due_date)


def reply(s: Session, who: Principal, ctx: HallContext, complaint_id: int, now: dt.datetime, *, text: str,
          person: str | None = None, at: dt.datetime | None = None) -> ComplaintStep:
    """The department's reply: recorded by the office as it received it, or by the department's chief
    representative (首席代表) themselves, at the moment they record it (a department never dates its own reply:
    the deadline is counted to the moment it answered). Late: a record on the scheme's late-reply line."""
    office = who.can("complaints")
    if not office and at is not None:
        raise Invalid("invalid_input", detail="a department's reply is dated when its chief records it")
    c = get(s, ctx, who, complaint_id, lock=True)  # a chief: their department's forwarded ones, else 404/403
    _in(c, "forwarded")
    when = _when(at, now, _last(s, c).at)
    late = working_days_after(ctx.hours, c.due_date, ctx.hours.local_day(when))
    record = _late_record(s, who, ctx, c, when, late, now) if late else None
    c.status = "replied"
    return _step(s, who, c, "replied", when, now, text=_text(text, "text"), person=_person(s, who, person),
                 department_id=c.department_id, due_date=c.due_date, days_late=late,
                 record_id=record.id if record else None)


def _last(s: Session, c: Complaint) -> ComplaintStep:
    return steps(s, c)[-1]


def _line(s: Session, ctx: HallContext, day: dt.date, mark: str) -> Rule | None:
    """The first record line of the hall's schemes (that month) marked `complaint = mark`."""
    lines = records.record_lines(s, ctx.id, day.strftime("%Y-%m"))
    return next((rule for rule in lines.values() if rule.complaint == mark), None)


def _late_record(s: Session, who: Principal, ctx: HallContext, c: Complaint, when: dt.datetime, late: int,
                 now: dt.datetime):
    day = ctx.hours.local_day(when)
    rule = _line(s, ctx, day, "reply_late_day")
    if rule is None:  # the hall's scheme does not count late replies
        return None
    department = s.get(Department, c.department_id)
    window = s.get(Window, c.window_id) if c.window_id else s.scalar(
        # A window scheme scores windows: a complaint about the department goes on its first window.
        select(Window).where(Window.hall_id == ctx.id, Window.department_id == c.department_id)
        .order_by(Window.number).limit(1))
    evidence = (f"投诉登记第{c.id}号转{department.name}办理，答复期限{c.due_date.isoformat()}，"
                f"{day.isoformat()}答复，逾期{late}个工作日")
    # Derived from the reply, whoever recorded it (the office, or the department's chief, who enters no records).
    return records.derived_record(s, who.actor, ctx, now, kind="inspection_finding", item=rule.key, occurred_on=day,
                                  evidence=evidence, window=window.number if window else None,
                                  department=department.code, count=late)


def report(s: Session, who: Principal, ctx: HallContext, complaint_id: int, now: dt.datetime, *,
           satisfied: bool, text: str) -> ComplaintStep:
    """反馈给当事人 (第三条): the result told to the complainant, and whether they accept it."""
    who.require("complaints")
    c = get(s, ctx, who, complaint_id, lock=True)
    _in(c, "replied")
    c.status = "reported"
    return _step(s, who, c, "reported", now, now, text=_text(text, "text"), satisfied=satisfied)


def reverify(s: Session, who: Principal, ctx: HallContext, complaint_id: int, now: dt.datetime, *,
             note: str) -> Complaint:
    """重新核实 (第五条): the complainant did not accept the answer; the department answers again, on a new
    deadline."""
    who.require("complaints")
    c = get(s, ctx, who, complaint_id, lock=True)
    _in(c, "reported")
    told = [st for st in steps(s, c) if st.kind == "reported"]
    if told[-1].satisfied:
        raise Refused("complaint_satisfied", complaint=c.id)
    _deadline(s, who, ctx, c, now, "reverify", note)
    return c


def visit(s: Session, who: Principal, ctx: HallContext, complaint_id: int, now: dt.datetime, *, text: str,
          satisfied: bool | None = None, person: str | None = None, at: dt.datetime | None = None) -> ComplaintStep:
    """回访 (第五条): the office calls the complainant back, once the result was reported, or after closing."""
    who.require("complaints")
    c = get(s, ctx, who, complaint_id, lock=True)
    _in(c, "reported", "closed")
    return _step(s, who, c, "visit", _when(at, now, _last(s, c).at), now, text=_text(text, "text"),
                 satisfied=satisfied, person=_person(s, who, person))


def close(s: Session, who: Principal, ctx: HallContext, complaint_id: int, now: dt.datetime, *, outcome: str,
          reason: str, item: str | None = None, points: float | None = None) -> Complaint:
    """Closed as verified (a record on the assessment, the complaint its evidence) or unfounded, with reasons.
    It needs the result reported back and a return visit on record."""
    who.require("complaints")
    if outcome not in OUTCOMES:
        raise Invalid("invalid_input", detail=f"outcome must be one of {', '.join(OUTCOMES)}")
    reason = _text(reason, "reason")
    c = get(s, ctx, who, complaint_id, lock=True)
    _in(c, "reported")
    if not any(st.kind == "visit" for st in steps(s, c)):
        raise Refused("complaint_visit_missing", complaint=c.id)
    record = None
    if outcome == "verified":
        record = _verified_record(s, who, ctx, c, now, reason, item, points)
    c.status, c.outcome, c.outcome_reason = "closed", outcome, reason
    c.closed_at, c.closed_by, c.record_id = now, who.actor, record.id if record else None
    _step(s, who, c, "closed", now, now, text=reason, record_id=c.record_id)
    return c


def _verified_record(s: Session, who: Principal, ctx: HallContext, c: Complaint, now: dt.datetime, reason: str,
                     item: str | None, points: float | None):
    day = ctx.hours.local_day(now)
    if not item:
        rule = _line(s, ctx, day, "verified")
        if rule is None:
            raise Invalid("invalid_input", detail="the hall's schemes mark no line for verified complaints: name the item")
        item = rule.key
    window = s.get(Window, c.window_id) if c.window_id else None
    staff = s.get(Staff, c.staff_id) if c.staff_id else None
    department = s.get(Department, c.department_id) if c.department_id else None
    evidence = (f"投诉登记第{c.id}号（{CHANNELS[c.channel][0]}，"
                f"{ctx.hours.local_day(c.received_at).isoformat()}）经查属实：{c.content[:500]}。核实意见：{reason}")
    return records.add_record(s, who, ctx, now, kind="verified_complaint", item=item, occurred_on=day,
                              evidence=evidence, window=window.number if window else None,
                              staff=staff.number if staff else None,
                              department=department.code if department else None, points=points)


# --- 立即调离 ------------------------------------------------------------------------------

def transfer_flags(s: Session, hall_id: int) -> dict[int, tuple[int, int]]:
    """Staff (by id) with two complaints in a row verified (seed 004 考核办法 第十五条 "连续两次被投诉并经组织
    查实的 … 立即调离中心回原单位待岗"): the first such pair of complaint ids, in the order received. An
    unfounded complaint between two verified ones breaks the row; complaints still open are not counted."""
    rows = s.execute(select(Complaint.staff_id, Complaint.id, Complaint.outcome).where(
        Complaint.hall_id == hall_id, Complaint.staff_id.is_not(None), Complaint.status == "closed")
        .order_by(Complaint.staff_id, Complaint.received_at, Complaint.id)).all()
    flags: dict[int, tuple[int, int]] = {}
    previous: dict[int, tuple[int, str]] = {}
    for staff_id, complaint_id, outcome in rows:
        before = previous.get(staff_id)
        if staff_id not in flags and before and before[1] == outcome == "verified":
            flags[staff_id] = (before[0], complaint_id)
        previous[staff_id] = (complaint_id, outcome)
    return flags
