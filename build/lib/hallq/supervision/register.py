"""The staff register (人员备案): who works in the hall, since when, for which home department, resident (常驻)
or stand-in (替岗), and every change of it, approved by the centre.

seed 000 入驻人员管理办法 三（一）: staff are sent by their unit "经市行政服务中心审核，一年一定，原则上中途不调换；
确需调换的，由入驻单位向市行政服务中心提出申请，同意后方可调换"; 三（三）: 首席代表、常驻工作人员和替岗工作人员
must be on file with the centre. seed 004 deducts "1年内中途未经同意更换工作人员每人次扣2分" (the department
scheme), seed 002 "中途无故更换窗口工作人员的，每人次扣5分" (maiji_window).

A change is proposed, then approved (it takes effect: the staff member's home department is the change's) or
refused by the centre (the "centre" permission: supervisors and admins). A change the centre finds was made
without its consent is recorded as unapproved: it stands in the register, flagged, and becomes an assessment
record on the hall's scheme line marked `staff_change` (where the scheme has one), the change its evidence.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from hallq.assessment import records
from hallq.db import Base, UTCDateTime
from hallq.queue.accounts import Principal
from hallq.queue.errors import Forbidden, Invalid, NotFound, Refused
from hallq.queue.halls import HallContext
from hallq.queue.inputs import FIRST_DAY, LAST_DAY
from hallq.queue.models import Department, Staff, Window, WindowPost

KINDS = {"resident": ("常驻", "resident"), "standin": ("替岗", "stand-in")}
STATUSES = ("proposed", "approved", "refused", "unapproved")
IN_FORCE = ("approved", "unapproved")  # what the register shows: the centre's consent, or a change made without


class StaffChange(Base):
    __tablename__ = "staff_changes"
    __table_args__ = (Index("ix_staff_changes_hall_status", "hall_id", "status"),
                      Index("ix_staff_changes_staff", "staff_id", "since"))
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))  # home department (派出单位)
    kind: Mapped[str] = mapped_column(String(12))  # resident 常驻, standin 替岗
    since: Mapped[dt.date] = mapped_column(Date)  # in post since
    replaces_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))  # 调换: whom this one replaces
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(12))  # proposed, approved, refused, unapproved
    proposed_by: Mapped[str] = mapped_column(String(120))
    proposed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str | None] = mapped_column(String(500))
    record_id: Mapped[int | None] = mapped_column(ForeignKey("assessment_records.id"))  # an unapproved one's


def _require(who: Principal) -> None:
    if not who.can("centre"):
        raise Forbidden("forbidden")


def _staff(s: Session, ctx: HallContext, number: str) -> Staff:
    staff = s.scalar(select(Staff).where(Staff.hall_id == ctx.id, Staff.number == number))
    if staff is None:
        raise Invalid("invalid_input", detail=f"no staff member {number}")
    return staff


def propose(s: Session, ctx: HallContext, who: Principal, now: dt.datetime, *, staff: str, kind: str,
            since: dt.date, reason: str, department: str | None = None, replaces: str | None = None,
            unapproved: bool = False) -> StaffChange:
    """A change of the register: proposed for the centre's decision, or (`unapproved`) recorded as found
    made without its consent, which costs the department where the scheme says so."""
    _require(who)
    if kind not in KINDS:
        raise Invalid("invalid_input", detail="kind must be resident or standin")
    if not FIRST_DAY <= since <= LAST_DAY:
        raise Invalid("invalid_input", detail=f"since must be from {FIRST_DAY} to {LAST_DAY}")
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("invalid_input", detail="a change needs its reason")
    person = _staff(s, ctx, staff)
    dept = None
    if department:
        dept = s.scalar(select(Department).where(Department.hall_id == ctx.id, Department.code == department))
        if dept is None:
            raise Invalid("invalid_input", detail=f"no department {department}")
    elif person.department_id is not None:
        dept = s.get(Department, person.department_id)
    replaced = _staff(s, ctx, replaces) if replaces else None
    if replaced is not None and replaced.id == person.id:
        raise Invalid("invalid_input", detail="a staff member does not replace themself")
    if unapproved and since > ctx.hours.local_day(now):
        raise Invalid("invalid_input", detail="a change made without consent has happened: since is not in the future")
    row = StaffChange(hall_id=ctx.id, staff_id=person.id, department_id=dept.id if dept else None, kind=kind,
                      since=since, replaces_staff_id=replaced.id if replaced else None, reason=reason[:500],
                      status="unapproved" if unapproved else "proposed", proposed_by=who.actor, proposed_at=now)
    s.add(row)
    s.flush()
    if unapproved:
        row.record_id = _record(s, ctx, who, now, row, person, dept, replaced)
        if dept is not None:
            person.department_id = dept.id  # it happened: the register says so, flagged
        s.flush()
    return row


def _record(s: Session, ctx: HallContext, who: Principal, now: dt.datetime, row: StaffChange, person: Staff,
            dept: Department | None, replaced: Staff | None) -> int | None:
    """The assessment record of an unapproved change, on the scheme's `staff_change` line of that month."""
    lines = records.record_lines(s, ctx.id, row.since.strftime("%Y-%m"))
    rule = next((r for r in lines.values() if r.staff_change), None)
    if rule is None:
        return None  # the hall's scheme does not count staff changes
    window = s.scalar(select(Window.number).join(WindowPost, WindowPost.window_id == Window.id)
                      .where(WindowPost.staff_id == person.id).order_by(WindowPost.post, Window.number).limit(1))
    if window is None and dept is not None:
        window = s.scalar(select(Window.number).where(Window.hall_id == ctx.id, Window.department_id == dept.id)
                          .order_by(Window.number).limit(1))
    evidence = (f"人员变动第{row.id}号：{person.name}（{person.number}）自{row.since.isoformat()}起任"
                f"{dept.name if dept else ''}{KINDS[row.kind][0]}人员"
                + (f"，接替{replaced.name}（{replaced.number}）" if replaced else "") + "，未经中心同意")
    rec = records.add_record(s, who, ctx, now, kind="inspection_finding", item=rule.key, occurred_on=row.since,
                             evidence=evidence, window=window, staff=person.number,
                             department=dept.code if dept else None)
    return rec.id


def get(s: Session, ctx: HallContext, who: Principal, change_id: int) -> StaffChange:
    _require(who)
    row = s.scalar(select(StaffChange).where(StaffChange.id == change_id, StaffChange.hall_id == ctx.id)
                   .with_for_update()) if 0 < change_id < 2**31 else None
    if row is None:
        raise NotFound("staff_change_unknown", change=change_id)
    return row


def approve(s: Session, ctx: HallContext, who: Principal, now: dt.datetime, change_id: int) -> StaffChange:
    row = get(s, ctx, who, change_id)
    if row.status != "proposed":
        raise Refused("staff_change_decided", change=row.id)
    row.status, row.decided_by, row.decided_at = "approved", who.actor, now
    if row.department_id is not None:
        s.get(Staff, row.staff_id).department_id = row.department_id
    s.flush()
    return row


def refuse(s: Session, ctx: HallContext, who: Principal, now: dt.datetime, change_id: int,
           reason: str) -> StaffChange:
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("invalid_input", detail="a refusal needs its reason")
    row = get(s, ctx, who, change_id)
    if row.status != "proposed":
        raise Refused("staff_change_decided", change=row.id)
    row.status, row.decided_by, row.decided_at, row.decision_note = "refused", who.actor, now, reason[:500]
    s.flush()
    return row


# --- reading ----------------------------------------------------------------------------------

def _person(staff: Staff | None) -> dict | None:
    return {"number": staff.number, "name": staff.name} if staff else None


def change_json(s: Session, row: StaffChange) -> dict:
    dept = s.get(Department, row.department_id) if row.department_id else None
    return {"id": row.id, "staff": _person(s.get(Staff, row.staff_id)),
            "department": {"code": dept.code, "name": dept.name} if dept else None,
            "kind": row.kind, "since": row.since.isoformat(),
            "replaces": _person(s.get(Staff, row.replaces_staff_id)) if row.replaces_staff_id else None,
            "reason": row.reason, "status": row.status, "proposed_by": row.proposed_by,
            "proposed_at": row.proposed_at.isoformat(), "decided_by": row.decided_by,
            "decided_at": row.decided_at.isoformat() if row.decided_at else None,
            "decision_note": row.decision_note, "record": row.record_id}


def register(s: Session, ctx: HallContext, who: Principal) -> dict:
    """Every active staff member with their entry in force (or none: 未备案), and every change, newest first."""
    _require(who)
    changes = list(s.scalars(select(StaffChange).where(StaffChange.hall_id == ctx.id)
                             .order_by(StaffChange.id.desc()).limit(1000)))
    in_force: dict[int, StaffChange] = {}
    for row in sorted(changes, key=lambda r: (r.since, r.id)):
        if row.status in IN_FORCE:
            in_force[row.staff_id] = row
    posts: dict[int, list[str]] = {}
    for staff_id, post, number in s.execute(select(WindowPost.staff_id, WindowPost.post, Window.number)
                                            .join(Window, Window.id == WindowPost.window_id)
                                            .where(Window.hall_id == ctx.id).order_by(Window.number)):
        posts.setdefault(staff_id, []).append(f"{number}{post}")
    depts = {d.id: d for d in s.scalars(select(Department).where(Department.hall_id == ctx.id))}
    people = []
    for st in s.scalars(select(Staff).where(Staff.hall_id == ctx.id, Staff.active.is_(True)).order_by(Staff.number)):
        entry = in_force.get(st.id)
        dept = depts.get(st.department_id)
        people.append({"number": st.number, "name": st.name,
                       "department": {"code": dept.code, "name": dept.name} if dept else None,
                       "posts": posts.get(st.id, []),
                       "kind": entry.kind if entry else None, "since": entry.since.isoformat() if entry else None,
                       "status": entry.status if entry else None,
                       "pending": any(c.staff_id == st.id and c.status == "proposed" for c in changes)})
    return {"staff": people, "changes": [change_json(s, c) for c in changes]}
