"""Leave (请假) for the staff behind the windows, approved up the seed 004 chain.

seed 004《窗口单位考核实施细则》一（三）工作纪律 第3条: "半天以上的请假，由本人写出请假条，由窗口负责人
批准，中心备案；一天以上（含一天）的请假条，窗口负责人同意、本单位批准，中心领导签字后交督查股备案。
违反请假规定按旷工处理，每次扣5分。" hallq reads it so:
- a leave is counted in working half days (半天: a morning or an afternoon of a working day of the hall's
  calendar, make-up workdays 调休 included, weekends and holidays not); a span with no working half day is
  not leave at all;
- under one day (one half day, `CENTRE_FROM_HALF_DAYS` below): the window head approves and the leave is
  approved; the centre sees it on its list (中心备案);
- one day or more (含一天): the window head agrees, then the centre (a supervisor or an admin: the
  "centre" permission) approves. The staff member's own unit (本单位) sits outside the hall: the window head,
  the department's chief representative (首席代表, who holds its delegated authority in the hall), agrees
  for it.
- the window head in hallq is the chief representative of the staff member's department (the hall's
  `ratings.chiefs`); where the department names none, or the one asking is the chief, the centre decides
  every step: nobody approves their own leave.
Only approved leave excuses: a working half day an A-post holder neither signs in nor has approved leave
for is absence (旷工) in the month's assessment (hallq.assessment.attendance).

A leave names a stand-in (顶岗, the window's B post by default): seed 000 "常驻工作人员请假必须安排替岗工作
人员到办事窗口值班".
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, String, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from hallq.db import Base, UTCDateTime
from hallq.i18n import Both
from hallq.queue.accounts import Principal
from hallq.queue.errors import Forbidden, Invalid, NotFound, Refused
from hallq.queue.halls import HallContext
from hallq.queue.inputs import FIRST_DAY, LAST_DAY
from hallq.queue.models import Staff, Window, WindowPost
from hallq.queue.chiefs import chief_of_department, departments_led, staff_of

HALVES = ("am", "pm")
# seed 004 工作纪律 第3条: "一天以上（含一天）" goes to the centre; a day is two working half days.
CENTRE_FROM_HALF_DAYS = 2
# The longest leave one request may ask for: a year of calendar days (a longer absence is not leave).
MAX_SPAN_DAYS = 366
STATUSES = ("pending", "approved", "refused", "cancelled")
NOON = dt.time(12, 0)
STATUS_NAMES = {"pending": ("待审批", "pending"), "approved": ("批准", "approved"), "refused": ("不批准", "refused"),
                "cancelled": ("撤销", "cancelled")}
STEP_NAMES = {"chief": ("窗口负责人（首席代表）", "the window head (chief representative)"),
              "centre": ("中心（督查、管理员）", "the centre (a supervisor or an admin)")}  # a morning is an opening session starting before noon, an afternoon one from noon


class Leave(Base):
    __tablename__ = "leaves"
    __table_args__ = (Index("ix_leaves_hall_status_first", "hall_id", "status", "first_day"),
                      Index("ix_leaves_staff_days", "staff_id", "first_day", "last_day"))
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    first_day: Mapped[dt.date] = mapped_column(Date)
    first_half: Mapped[str] = mapped_column(String(2))  # am, pm
    last_day: Mapped[dt.date] = mapped_column(Date)
    last_half: Mapped[str] = mapped_column(String(2))
    half_days: Mapped[int] = mapped_column(Integer)  # working half days it covers, counted when asked
    reason: Mapped[str] = mapped_column(String(500))
    stand_in_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))  # 顶岗
    status: Mapped[str] = mapped_column(String(12))  # pending, approved, refused, cancelled
    step: Mapped[str | None] = mapped_column(String(8))  # pending: chief or centre
    requested_by: Mapped[str] = mapped_column(String(120))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    chief_by: Mapped[str | None] = mapped_column(String(120))  # the window head's agreement
    chief_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(120))  # the last step: approved or refused
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str | None] = mapped_column(String(500))  # a refusal's reason
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


# --- half days ----------------------------------------------------------------------------------

def half_of(start: dt.datetime, tz) -> str:
    return "am" if start.astimezone(tz).time() < NOON else "pm"


def working_halves(ctx: HallContext, first_day: dt.date, first_half: str, last_day: dt.date,
                   last_half: str) -> list[tuple[dt.date, str]]:
    """The working half days of a span, in order: those with an opening session on the hall's calendar."""
    out = []
    day = first_day
    while day <= last_day:
        halves = {half_of(a, ctx.hours.tz) for a, _ in ctx.hours.sessions_on(day)}
        for half in HALVES:
            if half in halves and (day, HALVES.index(half)) >= (first_day, HALVES.index(first_half)) \
                    and (day, HALVES.index(half)) <= (last_day, HALVES.index(last_half)):
                out.append((day, half))
        day += dt.timedelta(days=1)
    return out


def start_moment(ctx: HallContext, leave: Leave) -> dt.datetime:
    """When a leave begins: the first half's opening session (its day's midnight or noon when none)."""
    for a, _ in ctx.hours.sessions_on(leave.first_day):
        if half_of(a, ctx.hours.tz) == leave.first_half:
            return a
    return dt.datetime.combine(leave.first_day, dt.time(0) if leave.first_half == "am" else NOON, ctx.hours.tz)


# --- who is who ---------------------------------------------------------------------------------

def chief_of(s: Session, ctx: HallContext, staff: Staff) -> Staff | None:
    """The window head of `staff`: the chief representative of their department, if the hall names one."""
    return chief_of_department(s, ctx, staff.department_id)


def is_centre(who: Principal) -> bool:
    return who.can("centre")


def may_decide(s: Session, ctx: HallContext, who: Principal, leave: Leave, me: Staff | None = None) -> bool:
    """Whether `who` takes the leave's next step: its window head at the chief step, the centre after."""
    if leave.status != "pending":
        return False
    if leave.step == "centre":
        return is_centre(who)
    me = me if me is not None else staff_of(s, who)
    if me is None or me.id == leave.staff_id:
        return False
    chief = chief_of(s, ctx, s.get(Staff, leave.staff_id))
    return chief is not None and chief.id == me.id


def _may_read(s: Session, ctx: HallContext, who: Principal, leave: Leave, me: Staff | None) -> bool:
    if is_centre(who):
        return True
    if me is None:
        return False
    if leave.staff_id == me.id or leave.stand_in_staff_id == me.id:
        return True
    staff = s.get(Staff, leave.staff_id)
    return staff.department_id in departments_led(s, ctx, me)


# --- the steps ----------------------------------------------------------------------------------

def _staff_by_number(s: Session, ctx: HallContext, number: str) -> Staff:
    staff = s.scalar(select(Staff).where(Staff.hall_id == ctx.id, Staff.number == number, Staff.active.is_(True)))
    if staff is None:
        raise Invalid("invalid_input", detail=f"no staff member {number}")
    return staff


def default_stand_in(s: Session, staff: Staff) -> Staff | None:
    """The B post of the window where `staff` holds the A post (AB岗), if there is one."""
    window_id = s.scalar(select(WindowPost.window_id).where(WindowPost.staff_id == staff.id, WindowPost.post == "A")
                         .order_by(WindowPost.window_id))
    if window_id is None:
        return None
    b = s.scalar(select(WindowPost.staff_id).where(WindowPost.window_id == window_id, WindowPost.post == "B"))
    return s.get(Staff, b) if b and b != staff.id else None


def request(s: Session, ctx: HallContext, who: Principal, now: dt.datetime, *, first_day: dt.date,
            first_half: str, last_day: dt.date, last_half: str, reason: str,
            stand_in: str | None = None) -> Leave:
    """A staff member asks for leave for themself."""
    me = staff_of(s, who)
    if me is None:
        raise Forbidden("leave_no_staff")
    if first_half not in HALVES or last_half not in HALVES:
        raise Invalid("invalid_input", detail="a half day is am or pm")
    if not (FIRST_DAY <= first_day <= LAST_DAY and FIRST_DAY <= last_day <= LAST_DAY):
        raise Invalid("invalid_input", detail=f"days must be from {FIRST_DAY} to {LAST_DAY}")
    if (last_day, HALVES.index(last_half)) < (first_day, HALVES.index(first_half)):
        raise Invalid("invalid_input", detail="the leave ends before it begins")
    if (last_day - first_day).days >= MAX_SPAN_DAYS:
        raise Invalid("invalid_input", detail=f"one request covers at most {MAX_SPAN_DAYS} days")
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("invalid_input", detail="a leave needs its reason")
    halves = working_halves(ctx, first_day, first_half, last_day, last_half)
    if not halves:
        raise Invalid("leave_no_workday")
    if ctx.hours.local_day(now) > last_day:
        raise Refused("leave_past")
    cover = _staff_by_number(s, ctx, stand_in) if stand_in else default_stand_in(s, me)
    if cover is not None and cover.id == me.id:
        raise Invalid("invalid_input", detail="the stand-in must be someone else")
    for other in s.scalars(select(Leave).where(
            Leave.staff_id == me.id, Leave.status.in_(("pending", "approved")),
            Leave.first_day <= last_day, Leave.last_day >= first_day).order_by(Leave.id)):
        # Same days need not clash: a morning's leave and an afternoon's of one day do not.
        if set(working_halves(ctx, other.first_day, other.first_half, other.last_day, other.last_half)) & set(halves):
            raise Refused("leave_overlaps", leave=other.id)
    chief = chief_of(s, ctx, me)
    step = "chief" if chief is not None and chief.id != me.id else "centre"
    leave = Leave(hall_id=ctx.id, staff_id=me.id, first_day=first_day, first_half=first_half, last_day=last_day,
                  last_half=last_half, half_days=len(halves), reason=reason[:500],
                  stand_in_staff_id=cover.id if cover else None, status="pending", step=step,
                  requested_by=who.actor, requested_at=now)
    s.add(leave)
    s.flush()
    return leave


def get(s: Session, ctx: HallContext, who: Principal, leave_id: int, *, lock: bool = False) -> Leave:
    query = select(Leave).where(Leave.id == leave_id, Leave.hall_id == ctx.id)
    if lock:
        query = query.with_for_update()
    leave = s.scalar(query) if 0 < leave_id < 2**31 else None
    if leave is None:
        raise NotFound("leave_unknown", leave=leave_id)
    if not _may_read(s, ctx, who, leave, staff_of(s, who)):
        raise Forbidden("forbidden")
    return leave


def approve(s: Session, ctx: HallContext, who: Principal, now: dt.datetime, leave_id: int) -> Leave:
    leave = get(s, ctx, who, leave_id, lock=True)
    _check_turn(s, ctx, who, leave)
    if leave.step == "chief":
        leave.chief_by, leave.chief_at = who.actor, now
        if leave.half_days >= CENTRE_FROM_HALF_DAYS:
            leave.step = "centre"  # 一天以上（含一天）: the centre signs after the window head
            s.flush()
            return leave
    leave.status, leave.step, leave.decided_by, leave.decided_at = "approved", None, who.actor, now
    s.flush()
    return leave


def refuse(s: Session, ctx: HallContext, who: Principal, now: dt.datetime, leave_id: int, reason: str) -> Leave:
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("invalid_input", detail="a refusal needs its reason")
    leave = get(s, ctx, who, leave_id, lock=True)
    _check_turn(s, ctx, who, leave)
    leave.status, leave.decided_by, leave.decided_at, leave.decision_note = "refused", who.actor, now, reason[:500]
    leave.step = None
    s.flush()
    return leave


def cancel(s: Session, ctx: HallContext, who: Principal, now: dt.datetime, leave_id: int) -> Leave:
    """The one who asked withdraws it: while pending, or approved and not yet begun."""
    leave = get(s, ctx, who, leave_id, lock=True)
    me = staff_of(s, who)
    if me is None or me.id != leave.staff_id:
        raise Forbidden("leave_not_yours")
    if leave.status not in ("pending", "approved"):
        raise Refused("leave_closed", leave=leave.id, status=Both(*STATUS_NAMES[leave.status]))
    if leave.status == "approved" and now >= start_moment(ctx, leave):
        raise Refused("leave_begun", leave=leave.id)
    leave.status, leave.step, leave.cancelled_at = "cancelled", None, now
    s.flush()
    return leave


def _check_turn(s: Session, ctx: HallContext, who: Principal, leave: Leave) -> None:
    """403 for one who never decides this leave; 409 once it is decided; 403 for a step that is another's."""
    me = staff_of(s, who)
    chief = chief_of(s, ctx, s.get(Staff, leave.staff_id))
    if not is_centre(who) and (me is None or chief is None or chief.id != me.id or me.id == leave.staff_id):
        raise Forbidden("leave_not_your_step", leave=leave.id, step=Both(*STEP_NAMES[leave.step or "centre"]))
    if leave.status != "pending":
        raise Refused("leave_closed", leave=leave.id, status=Both(*STATUS_NAMES[leave.status]))
    if not may_decide(s, ctx, who, leave):
        raise Forbidden("leave_not_your_step", leave=leave.id, step=Both(*STEP_NAMES[leave.step]))


# --- lists --------------------------------------------------------------------------------------

def listing(s: Session, ctx: HallContext, who: Principal, *, status: str | None = None) -> list[Leave]:
    """The leaves `who` may read, newest first: the centre every one, a chief their departments', a clerk
    their own and those they stand in for."""
    if status is not None and status not in STATUSES:
        raise Invalid("invalid_input", detail="status must be pending, approved, refused or cancelled")
    query = select(Leave).where(Leave.hall_id == ctx.id)
    if status:
        query = query.where(Leave.status == status)
    if not is_centre(who):
        me = staff_of(s, who)
        if me is None:
            return []
        departments = departments_led(s, ctx, me)
        mine = or_(Leave.staff_id == me.id, Leave.stand_in_staff_id == me.id)
        if departments:
            mine = or_(mine, Leave.staff_id.in_(select(Staff.id).where(Staff.department_id.in_(departments))))
        query = query.where(mine)
    return list(s.scalars(query.order_by(Leave.first_day.desc(), Leave.id.desc()).limit(500)))


def approved_in(s: Session, hall_id: int, first_day: dt.date, last_day: dt.date) -> list[Leave]:
    """Approved leaves touching the days: what the assessment excuses."""
    return list(s.scalars(select(Leave).where(Leave.hall_id == hall_id, Leave.status == "approved",
                                              Leave.first_day <= last_day, Leave.last_day >= first_day)))


def away_now(s: Session, ctx: HallContext, now: dt.datetime) -> dict[int, Leave]:
    """Staff id -> their approved leave covering this moment's half day."""
    day = ctx.hours.local_day(now)
    half = "am" if now.astimezone(ctx.hours.tz).time() < NOON else "pm"
    out = {}
    for leave in approved_in(s, ctx.id, day, day):
        if (leave.first_day, HALVES.index(leave.first_half)) <= (day, HALVES.index(half)) \
                <= (leave.last_day, HALVES.index(leave.last_half)):
            out[leave.staff_id] = leave
    return out


def window_of(s: Session, staff_id: int) -> int | None:
    return s.scalar(select(Window.number).join(WindowPost, WindowPost.window_id == Window.id)
                    .where(WindowPost.staff_id == staff_id, WindowPost.post == "A").order_by(Window.number))
