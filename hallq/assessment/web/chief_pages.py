"""The chief representative's pages (首席代表, /assessment/chief): what a department answers for (issue 16).

A department's chief representative is the staff member the hall names for it (`ratings.chiefs`, set on
the admin's Departments page), signed in with the account linked to that staff member. Here they see the
complaints the supervision office forwarded to their department (the complainant masked: only the
supervision office sees them whole), record the department's reply themselves (dated when recorded: a late
reply costs what the scheme says, counted to that moment), and follow up the bad reviews they own (回访,
整改, 办结). They see the department's open cases (办件), due soon and overdue first, and act on one as
hallq.cases.access lets a chief representative (completion, correction, delay reason, chase: the supervision
office's case page, case_pages.py, in the chief's layout). They see nothing of another department: its
complaints and cases answer 404 and 403.

The same functions as /api/v1/complaints and /api/v1/followups; the sign-in (the one back-office cookie),
language and messages are the supervisors' pages' (pages.py); the layout is the chief's own, with no link
to what a chief may not do.
"""
from __future__ import annotations

import datetime as dt
from functools import wraps

from flask import Blueprint, abort, redirect, request, url_for
from sqlalchemy import select

from hallq.assessment.web.case_pages import case_page_data, case_step_answer
from hallq.assessment.web.pages import _error_text, _lang, _local, _page, _who, is_chief
from hallq.cases import views as case_views
from hallq.evaluator import followup
from hallq.evaluator import views as rating_views
from hallq.queue.errors import QueueError
from hallq.queue.halls import hall_context
from hallq.queue.models import Department
from hallq.supervision import complaints, views
from hallq.web.runtime import now, reading, unit_of_work
from hallq.assessment.web.followup_pages import take_step

bp = Blueprint("chief_pages", __name__, url_prefix="/assessment/chief")


def chief(view):
    """Signed in as a chief representative, or off to the sign-in page; a supervisor goes to their own
    pages (every department's), anyone else gets the refusal page (403)."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        who = _who()
        if who is None:
            return redirect(url_for("assessment_pages.login", next=request.full_path.rstrip("?")))
        if who.must_change_password:
            return redirect(url_for("assessment_pages.password"))
        if who.can("assess"):
            return redirect(url_for("assessment_pages.index"))
        with reading() as uow:
            allowed = is_chief(uow.session, who)
        if not allowed:
            return _page("assessment_denied.html", 403, who=who)
        return view(who, *args, **kwargs)
    return wrapped


def _common(s, who, ctx, **extra) -> dict:
    ids = complaints.chief_departments(s, ctx, who)
    names = list(s.scalars(select(Department.name).where(Department.id.in_(ids)).order_by(Department.code))) \
        if ids else []
    return {"who": who, "hall_name": ctx.hall.name, "departments": names, **extra}


def _moment(value: str, tz) -> str:
    return _local(dt.datetime.fromisoformat(value.replace("Z", "+00:00")), tz, "%Y-%m-%d %H:%M")


@bp.get("")
@chief
def home(who):
    with reading() as uow:
        s = uow.session
        ctx = hall_context(s, who.hall_id)
        moment = now()
        found = complaints.listing(s, ctx, who, moment) if complaints.chief_departments(s, ctx, who) else []
        flags = complaints.transfer_flags(s, ctx.id)
        rows = [views.complaint(s, ctx, c, moment, _lang(), whole=False, flags=flags) for c in found]
        # Awaiting the department's reply first, the most overdue on top; then the rest, newest first.
        rows.sort(key=lambda r: (r["status"] != "forwarded", -r["days_late"], r["due_date"] or "", -r["id"]))
        cases = [rating_views.case(s, ctx, c, moment, _lang()) for c in followup.cases(s, who, moment)]
        cases.sort(key=lambda c: (c["status"] != "open", not c["overdue"], c["due_date"], -c["id"]))
        for c in cases:
            c["opened_local"] = _moment(c["opened_at"], ctx.hours.tz)
        # The open cases the chief answers for (their departments', hallq.cases.access), most pressing first.
        open_cases = case_views.listing(s, ctx, who, moment)
        counts = {"awaiting": sum(r["status"] == "forwarded" for r in rows), "overdue": sum(r["overdue"] for r in rows),
                  "open": sum(c["status"] == "open" for c in cases), "late": sum(c["overdue"] for c in cases),
                  "cases_overdue": sum(c["overdue"] for c in open_cases),
                  "cases_due_soon": sum(c["due_soon"] for c in open_cases)}
        common = _common(s, who, ctx, rows=rows, cases=cases, counts=counts, open_cases=open_cases)
    return _page("chief_home.html", **common)


@bp.get("/complaints/<int(max=2147483647):complaint_id>")
@chief
def complaint(who, complaint_id: int, error: str | None = None, status: int = 200):
    with reading() as uow:
        s = uow.session
        ctx = hall_context(s, who.hall_id)
        try:
            c = complaints.get(s, ctx, who, complaint_id)  # their department's forwarded ones alone
        except QueueError:
            abort(404)
        data = views.complaint(s, ctx, c, now(), _lang(), whole=False, with_steps=True)
        common = _common(s, who, ctx, c=data, error=error, saved=request.args.get("saved"))
    return _page("chief_complaint.html", status, **common)


@bp.post("/complaints/<int(max=2147483647):complaint_id>")
@chief
def reply(who, complaint_id: int):
    form = request.form
    try:
        with unit_of_work() as uow:
            ctx = hall_context(uow.session, who.hall_id)
            complaints.reply(uow.session, who, ctx, complaint_id, now(), text=form.get("text", ""),
                             person=form.get("person") or None)
            uow.commit()
    except QueueError as exc:
        if exc.status == 404 or exc.code == "forbidden":  # not theirs: as if it did not exist
            abort(404)
        return complaint.__wrapped__(who, complaint_id, error=_error_text(exc), status=exc.status)
    return redirect(url_for("chief_pages.complaint", complaint_id=complaint_id, saved="reply"))


@bp.get("/followups/<int(max=2147483647):case_id>")
@chief
def case(who, case_id: int, error: str | None = None, status: int = 200):
    with reading() as uow:
        s = uow.session
        ctx = hall_context(s, who.hall_id)
        try:
            found = followup.get_case(s, who, case_id)  # the cases assigned to them alone
        except QueueError as exc:
            abort(exc.status if exc.status in (403, 404) else 404)
        data = rating_views.case(s, ctx, found, now(), _lang(), with_notes=True)
        for n in data["notes"]:
            n["at_local"] = _moment(n["at"], ctx.hours.tz)
        data["opened_local"] = _moment(data["opened_at"], ctx.hours.tz)
        kinds = {n["kind"] for n in data["notes"]}
        common = _common(s, who, ctx, c=data, error=error, saved=request.args.get("saved"),
                         has_callback="callback" in kinds, has_rectification="rectification" in kinds)
    return _page("chief_followup.html", status, **common)


@bp.post("/followups/<int(max=2147483647):case_id>")
@chief
def act(who, case_id: int):
    form = request.form
    action = form.get("action", "")
    try:
        with unit_of_work() as uow:
            if not take_step(uow, who, case_id, form):  # no appeal ruling here: those are the supervisors'
                abort(400)
            uow.commit()
    except QueueError as exc:
        if exc.status in (403, 404):
            abort(exc.status)
        return case.__wrapped__(who, case_id, error=_error_text(exc), status=exc.status)
    return redirect(url_for("chief_pages.case", case_id=case_id, saved=action))


@bp.get("/cases/<int(max=2147483647):ticket_id>")
@chief
def one_case(who, ticket_id: int, error: str | None = None, status: int = 200, form=None):
    with unit_of_work() as uow:  # opens the case of a ticket the daily sweep has not reached yet, as the API does
        s = uow.session
        ctx = hall_context(s, who.hall_id)
        moment = now()
        try:
            data = case_page_data(s, ctx, who, ticket_id, moment)  # their departments' cases alone
        except QueueError as exc:
            abort(403 if exc.status == 403 else 404)
        today = ctx.hours.local_day(moment).isoformat()
        uow.commit()
        common = _common(s, who, ctx, c=data, error=error, saved=request.args.get("saved"), today=today,
                         form=form or {}, layout="chief_base.html", back=url_for("chief_pages.home"))
    return _page("supervision_case.html", status, **common)


@bp.post("/cases/<int(max=2147483647):ticket_id>")
@chief
def case_step(who, ticket_id: int):
    return case_step_answer(who, ticket_id, one_case.__wrapped__, "chief_pages.one_case")
