"""Who answers for a case, and so who may record its steps (issue 17).

The window that accepted it (the staff holding its A or B post, and the clerk who accepted
it), its department's chief representative (首席代表, the hall's `ratings.chiefs`), and the
supervision office (the "assess" permission: supervisors, admins). Nobody else: another
window's clerk is refused with a message naming whose case it is.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hallq.cases.models import Case, CaseTask
from hallq.queue.accounts import Principal, User
from hallq.queue.errors import Forbidden
from hallq.queue.halls import HallContext
from hallq.queue.models import Department, Staff, WindowPost


def supervises(who: Principal) -> bool:
    return who.is_staff and who.can("assess")


def staff_of(s: Session, who: Principal) -> Staff | None:
    if not who.is_staff:
        return None
    staff_id = s.scalar(select(User.staff_id).where(User.id == who.user_id))
    return s.get(Staff, staff_id) if staff_id else None


def posted_windows(s: Session, who: Principal) -> set[int]:
    """Ids of the windows where `who` holds the A or B post."""
    staff = staff_of(s, who)
    if staff is None:
        return set()
    return set(s.scalars(select(WindowPost.window_id).where(WindowPost.staff_id == staff.id)))


def chief_of(s: Session, ctx: HallContext, who: Principal) -> set[int]:
    """Ids of the departments `who` is the chief representative of."""
    staff = staff_of(s, who)
    if staff is None:
        return set()
    codes = [code for code, number in ctx.settings.ratings.chiefs.items() if number == staff.number]
    if not codes:
        return set()
    return set(s.scalars(select(Department.id).where(Department.hall_id == ctx.id, Department.code.in_(codes))))


def answers_for(s: Session, ctx: HallContext, who: Principal, case: Case) -> bool:
    if supervises(who):
        return True
    if not who.is_staff:
        return False
    if case.accepted_by == who.actor or (case.window_id is not None and case.window_id in posted_windows(s, who)):
        return True
    departments = chief_of(s, ctx, who)
    if not departments:
        return False
    if case.department_id in departments:
        return True
    task_departments = set(s.scalars(select(CaseTask.department_id).where(CaseTask.case_id == case.id)))
    return bool(task_departments & departments)


def require(s: Session, ctx: HallContext, who: Principal, case: Case, number: str) -> None:
    if not answers_for(s, ctx, who, case):
        raise Forbidden("case_not_yours", number=number, window=ctx.window_number(s, case.window_id) or "")
