"""Who may speak for a scorecard: appeal one of its items, object to it in the
self-check, read it. Supervisors and admins for any; a clerk for their own staff
card and the cards of the windows they hold a post at."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hallq.queue.accounts import Principal, User
from hallq.queue.errors import Forbidden
from hallq.queue.models import Staff, Window, WindowPost


def own_units(s: Session, who: Principal, hall_id: int) -> dict[str, set[str]] | None:
    """The units whose cards `who` speaks for, by scope; None: every unit (supervisors, admins)."""
    who.require("appeal")
    if who.can("assess"):
        return None
    staff_id = s.scalar(select(User.staff_id).where(User.id == who.user_id)) if who.is_staff else None
    if staff_id is None:
        return {}
    number = s.scalar(select(Staff.number).where(Staff.id == staff_id))
    posts = s.scalars(select(Window.number).join(WindowPost, WindowPost.window_id == Window.id)
                      .where(Window.hall_id == hall_id, WindowPost.staff_id == staff_id)).all()
    return {"staff": {number}, "window": {str(n) for n in posts}}


def speaks_for(s: Session, who: Principal, hall_id: int, scope: str, unit: str) -> None:
    """Raises Forbidden unless `who` may speak for the card of `unit` in `scope`."""
    units = own_units(s, who, hall_id)
    if units is not None and unit not in units.get(scope, ()):
        raise Forbidden("forbidden")
