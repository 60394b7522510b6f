"""Overdue bad-review follow-ups are the duty manager's alerts (hallq.queue.alerts) until closed.

Run by the server's housekeeping sweep with the app's clock: an open case past
its due day (hall-local) raises `followup_overdue` once; closing or withdrawing
it ends the alert. Safe from any number of processes.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from hallq.evaluator.models import FollowUp
from hallq.queue import alerts
from hallq.queue.halls import hall_context
from hallq.queue.models import Hall, Ticket, Window
from hallq.queue.unit_of_work import UnitOfWork


def watch_overdue(uow: UnitOfWork, hall_id: int, now: dt.datetime) -> list[int]:
    """Raise (or keep) the alerts of the hall's overdue open cases and end the others'; the overdue cases' ids."""
    s = uow.session
    today = hall_context(s, hall_id).hours.local_day(now)
    rows = s.execute(select(FollowUp.id, FollowUp.due_date, Ticket.number, Window.number)
                     .join(Ticket, Ticket.id == FollowUp.ticket_id).join(Window, Window.id == FollowUp.window_id)
                     .where(FollowUp.hall_id == hall_id, FollowUp.status == "open", FollowUp.due_date < today)).all()
    for case_id, due, number, window in rows:
        alerts.raise_alert(uow, hall_id, alerts.FOLLOWUP_OVERDUE, f"followup:{case_id}", now, {
            "followup": case_id, "due_date": due.isoformat(), "number": number, "window": window}, level="warn")
    overdue = {f"followup:{case_id}" for case_id, *_ in rows}
    for subject in alerts.ongoing_subjects(s, hall_id, alerts.FOLLOWUP_OVERDUE) - overdue:
        alerts.end_alert(uow, hall_id, alerts.FOLLOWUP_OVERDUE, subject, now)
    return sorted(case_id for case_id, *_ in rows)


def watch_all_halls(uow: UnitOfWork, now: dt.datetime) -> None:
    for hall_id in uow.session.scalars(select(Hall.id)).all():
        watch_overdue(uow, hall_id, now)
