"""A leave as the API and the pages show it."""
from __future__ import annotations

from sqlalchemy.orm import Session

from hallq.queue import leave as leaves
from hallq.queue.accounts import Principal
from hallq.queue.halls import HallContext
from hallq.queue.models import Department, Staff
from hallq.queue.chiefs import staff_of


def _person(s: Session, staff_id: int | None) -> dict | None:
    staff = s.get(Staff, staff_id) if staff_id else None
    return {"number": staff.number, "name": staff.name} if staff else None


def _local(ctx: HallContext, moment) -> str | None:
    return moment.astimezone(ctx.hours.tz).isoformat() if moment else None


def leave(s: Session, ctx: HallContext, who: Principal, row: leaves.Leave, now, me: Staff | None = None) -> dict:
    me = me if me is not None else staff_of(s, who)
    staff = s.get(Staff, row.staff_id)
    department = s.get(Department, staff.department_id) if staff.department_id else None
    return {
        "id": row.id, "staff": _person(s, row.staff_id),
        "department": {"code": department.code, "name": department.name} if department else None,
        "window": leaves.window_of(s, row.staff_id),
        "first_day": row.first_day.isoformat(), "first_half": row.first_half,
        "last_day": row.last_day.isoformat(), "last_half": row.last_half,
        "half_days": row.half_days, "needs_centre": row.half_days >= leaves.CENTRE_FROM_HALF_DAYS,
        "reason": row.reason, "stand_in": _person(s, row.stand_in_staff_id),
        "status": row.status, "step": row.step,
        "requested_by": row.requested_by, "requested_at": _local(ctx, row.requested_at),
        "chief_by": row.chief_by, "chief_at": _local(ctx, row.chief_at),
        "decided_by": row.decided_by, "decided_at": _local(ctx, row.decided_at),
        "decision_note": row.decision_note, "cancelled_at": _local(ctx, row.cancelled_at),
        "may_decide": leaves.may_decide(s, ctx, who, row, me),
        "may_cancel": (me is not None and me.id == row.staff_id and
                       (row.status == "pending" or
                        (row.status == "approved" and now < leaves.start_moment(ctx, row)))),
    }
