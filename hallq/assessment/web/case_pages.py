"""The supervision office's page of cases (/assessment/cases): the daily overdue list (seed 004 督促检查制度
第二、三条: checked every day, each delay's reason on record), the cases about to fall due (seed 002: warn
and urge), and those escalated after three working days overdue (第四条).

The same read as GET /api/v1/cases (hallq.cases.views); the sign-in, language and layout are the
supervisors' back office's (pages.py).

A case's own page (/assessment/cases/<ticket id>) shows its facts, tasks and log, and lets the office act on it
as hallq.cases.access allows a supervisor: record the day it was finished (办结登记), correct that day with a
reason, record an overdue case's delay reason, chase a forwarded case (催办). The same step functions as
POST /api/v1/cases/{id}/completion, /delay-reason and /chase (hallq.cases.steps): no second way.
"""
from __future__ import annotations

import datetime as dt
from typing import Callable

from flask import Blueprint, abort, redirect, request, url_for

from hallq.assessment.web.pages import _common, _error_text, _local, _page, supervisor
from hallq.cases import access, steps, views
from hallq.queue import inputs
from hallq.queue.errors import QueueError
from hallq.queue.halls import hall_context
from hallq.queue.models import Department
from hallq.web.runtime import now, reading, unit_of_work

bp = Blueprint("case_pages", __name__, url_prefix="/assessment/cases")
VIEWS = ("overdue", "due_soon", "escalated", "materials_late", "all")


@bp.get("")
@supervisor
def cases_page(who):
    view = request.args.get("view") or "overdue"
    if view not in VIEWS:
        abort(404)
    with reading() as uow:
        s = uow.session
        ctx = hall_context(s, who.hall_id)
        moment = now()
        everything = views.listing(s, ctx, who, moment)
        counts = {"overdue": sum(c["overdue"] for c in everything), "due_soon": sum(c["due_soon"] for c in everything),
                  "escalated": sum(c["escalated"] and c["overdue"] for c in everything),
                  "materials_late": sum(bool(c["materials_late"]) for c in everything), "all": len(everything)}
        rows = everything if view == "all" else views.listing(s, ctx, who, moment, standing=view)
        today = ctx.hours.local_day(moment).isoformat()
    return _page("supervision_cases.html", 200, **_common(who, ctx, None, rows=rows, view=view, counts=counts,
                                                          today=today))


def case_page_data(s, ctx, who, ticket_id: int, moment) -> dict:
    """One case as its page shows it, for one who answers for it (hallq.cases.access: a supervisor any case, a
    chief representative their departments'); QueueError otherwise (404 unknown, 403 another's)."""
    case, ticket = steps.find(s, ctx, ticket_id, moment)
    access.require(s, ctx, who, case, ticket.number)
    data = views.case(s, ctx, case, moment, with_log=True)
    data["department_name"] = s.get(Department, case.department_id).name if case.department_id else None
    for entry in data["log"]:  # the log's moments in the hall's zone
        entry["at_local"] = _local(dt.datetime.fromisoformat(entry["at"].replace("Z", "+00:00")), ctx.hours.tz,
                                   "%Y-%m-%d %H:%M")
    return data


def _take_case_step(uow, who, ctx, ticket_id: int, form) -> str:
    """The step a case page's form asks for, through hallq.cases.steps (the API's functions); its name, or ""
    for a form that asks for none of them."""
    action = form.get("action", "")
    moment = now()
    if action in ("complete", "correct"):
        steps.complete(uow, who, ctx, ticket_id, inputs.day(form.get("completed_on", ""), "completed_on"),
                       form.get("note") or None, moment, reason=form.get("reason") or None,
                       delay_reason=form.get("delay_reason") or None)
    elif action == "delay":
        steps.record_delay(uow, who, ctx, ticket_id, form.get("reason", ""), moment)
    elif action == "chase":
        steps.chase(uow, who, ctx, ticket_id, form.get("note") or None, moment)
    else:
        return ""
    return action


def case_step_answer(who, ticket_id: int, show: Callable, endpoint: str):
    """A case page's form posted (the supervisors' and the chief's pages): the step taken, then back to the page
    at `endpoint`; a refusal shown on the page by `show` with the form as sent, a case not theirs or none 403/404."""
    form = request.form
    try:
        with unit_of_work() as uow:
            if not _take_case_step(uow, who, hall_context(uow.session, who.hall_id), ticket_id, form):
                abort(400)
            uow.commit()
    except QueueError as exc:
        if exc.status in (403, 404):
            abort(exc.status)
        return show(who, ticket_id, error=_error_text(exc), status=exc.status, form=form)
    return redirect(url_for(endpoint, ticket_id=ticket_id, saved=form.get("action")))


@bp.get("/<int(max=2147483647):ticket_id>")
@supervisor
def one(who, ticket_id: int, error: str | None = None, status: int = 200, form=None):
    with unit_of_work() as uow:  # opens the case of a ticket the daily sweep has not reached yet, as the API does
        s = uow.session
        ctx = hall_context(s, who.hall_id)
        moment = now()
        try:
            data = case_page_data(s, ctx, who, ticket_id, moment)
        except QueueError:
            abort(404)
        today = ctx.hours.local_day(moment).isoformat()
        uow.commit()
    return _page("supervision_case.html", status, **_common(
        who, ctx, None, c=data, error=error, saved=request.args.get("saved"), today=today, form=form or {},
        layout="assessment_base.html", back=url_for("case_pages.cases_page")))


@bp.post("/<int(max=2147483647):ticket_id>")
@supervisor
def act(who, ticket_id: int):
    return case_step_answer(who, ticket_id, one.__wrapped__, "case_pages.one")
