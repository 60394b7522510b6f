"""Who a signed-in account is in the hall, and whose chief representative (首席代表) a staff member is.

The hall names each department's chief representative by staff number (`[hall.ratings] chiefs`, set on
the admin Departments page). Leave approval, case completion, complaints and bad-review follow-ups all
ask these questions; they are answered here, once. An inactive staff member is nobody's chief.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hallq.queue.accounts import Principal, User
from hallq.queue.halls import HallContext
from hallq.queue.models import Department, Staff


def staff_of(s: Session, who: Principal) -> Staff | None:
    """The staff member a signed-in account is linked to (none for devices and unlinked accounts)."""
    staff_id = s.scalar(select(User.staff_id).where(User.id == who.user_id)) if who.is_staff else None
    return s.get(Staff, staff_id) if staff_id else None


def chief_of_department(s: Session, ctx: HallContext, department_id: int | None) -> Staff | None:
    """The department's chief representative, if the hall names one who is active."""
    if department_id is None:
        return None
    code = s.scalar(select(Department.code).where(Department.id == department_id))
    number = ctx.settings.ratings.chiefs.get(code or "")
    if not number:
        return None
    return s.scalar(select(Staff).where(Staff.hall_id == ctx.id, Staff.number == number, Staff.active.is_(True)))


def departments_led(s: Session, ctx: HallContext, staff: Staff | None) -> set[int]:
    """Ids of the departments `staff` is the chief representative of."""
    if staff is None or not staff.active:
        return set()
    codes = [code for code, number in ctx.settings.ratings.chiefs.items() if number == staff.number]
    if not codes:
        return set()
    return set(s.scalars(select(Department.id).where(Department.hall_id == ctx.id, Department.code.in_(codes))))
