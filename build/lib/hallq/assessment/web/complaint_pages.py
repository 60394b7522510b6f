"""The supervision office's pages of the complaint register (/assessment/complaints): the register with what
is due and overdue, a complaint's timeline with the form for its next step, and the CSV export.

The same functions as /api/v1/complaints (hallq.supervision); the sign-in, language and layout are the
supervisors' pages' (pages.py): the office works in the one back office it signs in to. The complainant is
whole here for the supervisor role alone (the "complainant" permission), masked for an admin and in the export.
"""
from __future__ import annotations


from flask import Blueprint, Response, abort, redirect, request, url_for
from sqlalchemy import select

from hallq.assessment import records
from hallq.assessment.web.pages import _common, _error_text, _lang, _page, supervisor
from hallq.queue import inputs
from hallq.queue.errors import Invalid, QueueError
from hallq.queue.halls import hall_context
from hallq.queue.models import Department, Staff, Window
from hallq.supervision import complaints, views
from hallq.web.runtime import now, reading, unit_of_work

bp = Blueprint("complaint_pages", __name__, url_prefix="/assessment/complaints")
VIEWS = ("all", "registered", "due", "overdue", "replied", "reported", "closed")


def _listing(s, ctx, who, view: str):
    if view not in VIEWS:
        abort(404)
    moment = now()
    if view in ("due", "overdue"):
        rows = complaints.listing(s, ctx, who, moment, **{view: True})
    else:
        rows = complaints.listing(s, ctx, who, moment, status=None if view == "all" else view)
    return rows, moment


def _choices(s, hall_id: int) -> dict:
    return {"windows": s.execute(select(Window.number, Window.name).where(Window.hall_id == hall_id)
                                 .order_by(Window.number)).all(),
            "staff": s.execute(select(Staff.number, Staff.name).where(Staff.hall_id == hall_id, Staff.active.is_(True))
                               .order_by(Staff.number)).all(),
            "depts": s.execute(select(Department.code, Department.name).where(Department.hall_id == hall_id)
                               .order_by(Department.code)).all()}


@bp.get("")
@supervisor
def register_page(who, error: str | None = None, form=None, status: int = 200):
    view = request.args.get("view") or "all"
    with reading() as uow:
        s = uow.session
        ctx = hall_context(s, who.hall_id)
        rows, moment = _listing(s, ctx, who, view)
        flags = complaints.transfer_flags(s, ctx.id)
        data = [views.complaint(s, ctx, c, moment, _lang(), whole=complaints.sees_complainant(who), flags=flags)
                for c in rows]
        counts = {v: len(complaints.listing(s, ctx, who, moment, **{v: True})) for v in ("due", "overdue")}
        choices = _choices(s, ctx.id)
    return _page("supervision_complaints.html", status, **_common(
        who, ctx, None, rows=data, view=view, counts=counts, channels=complaints.CHANNELS, error=error,
        form=form or {}, saved=request.args.get("saved"), **choices))


@bp.post("")
@supervisor
def register(who):
    form = request.form
    try:
        with unit_of_work() as uow:
            ctx = hall_context(uow.session, who.hall_id)
            window = form.get("window") or None
            c = complaints.register(uow.session, who, ctx, now(), channel=form.get("channel", ""),
                                    name=form.get("name", "")[:100], contact=form.get("contact") or None,
                                    content=form.get("content", ""),
                                    received_at=inputs.local_moment(form.get("received_at"), ctx.hours.tz),
                                    window=int(window) if window and window.isdigit() else None,
                                    staff=form.get("staff") or None, department=form.get("department") or None,
                                    hotline_ref=form.get("hotline_ref") or None)
            uow.commit()
            number = c.id
    except QueueError as exc:
        return register_page.__wrapped__(who, error=_error_text(exc), form=form, status=exc.status)
    return redirect(url_for("complaint_pages.one", complaint_id=number, saved=1))


@bp.get("/<int(max=2147483647):complaint_id>")
@supervisor
def one(who, complaint_id: int, error: str | None = None, status: int = 200):
    with reading() as uow:
        s = uow.session
        ctx = hall_context(s, who.hall_id)
        try:
            c = complaints.get(s, ctx, who, complaint_id)
        except QueueError:
            abort(404)
        data = views.complaint(s, ctx, c, now(), _lang(), whole=complaints.sees_complainant(who), with_steps=True)
        told = [st for st in data["steps"] if st["kind"] == "reported"]
        month = ctx.hours.local_day(now()).strftime("%Y-%m")
        lines = {key: rule for key, rule in records.record_lines(s, ctx.id, month).items()}
        verified = sorted(lines.values(), key=lambda r: r.complaint != "verified")
        depts = _choices(s, ctx.id)["depts"]
    return _page("supervision_complaint.html", status, **_common(
        who, ctx, None, c=data, error=error, saved=request.args.get("saved"), depts=depts,
        unsatisfied=bool(told) and told[-1]["satisfied"] is False,
        visited=any(st["kind"] == "visit" for st in data["steps"]), lines=verified))


@bp.post("/<int(max=2147483647):complaint_id>")
@supervisor
def act(who, complaint_id: int):
    form = request.form
    action = form.get("action", "")
    try:
        with unit_of_work() as uow:
            s = uow.session
            ctx = hall_context(s, who.hall_id)
            moment = now()
            text = form.get("text", "")
            if action == "forward":
                complaints.forward(s, who, ctx, complaint_id, moment, department=form.get("department") or None,
                                   note=form.get("note") or None)
            elif action == "reply":
                complaints.reply(s, who, ctx, complaint_id, moment, text=text, person=form.get("person") or None,
                                 at=inputs.local_moment(form.get("at"), ctx.hours.tz))
            elif action == "report":
                complaints.report(s, who, ctx, complaint_id, moment, satisfied=form.get("satisfied") == "yes", text=text)
            elif action == "reverify":
                complaints.reverify(s, who, ctx, complaint_id, moment, note=text)
            elif action == "visit":
                answer = form.get("satisfied")
                complaints.visit(s, who, ctx, complaint_id, moment, text=text, person=form.get("person") or None,
                                 satisfied=None if not answer else answer == "yes",
                                 at=inputs.local_moment(form.get("at"), ctx.hours.tz))
            elif action == "close":
                points = form.get("points")
                try:
                    points = float(points) if points else None
                except ValueError:
                    raise Invalid("invalid_input", detail="points must be a number") from None
                complaints.close(s, who, ctx, complaint_id, moment, outcome=form.get("outcome", ""),
                                 reason=form.get("reason", ""), item=form.get("item") or None, points=points)
            else:
                abort(400)
            uow.commit()
    except QueueError as exc:
        if exc.status == 404:
            abort(404)
        return one.__wrapped__(who, complaint_id, error=_error_text(exc), status=exc.status)
    return redirect(url_for("complaint_pages.one", complaint_id=complaint_id, saved=action))


@bp.get("/export.csv")
@supervisor
def export(who):
    view = request.args.get("view") or "all"
    with reading() as uow:
        s = uow.session
        ctx = hall_context(s, who.hall_id)
        rows, moment = _listing(s, ctx, who, view)
        flags = complaints.transfer_flags(s, ctx.id)
        data = [views.complaint(s, ctx, c, moment, "zh", whole=False, flags=flags) for c in rows]  # always masked
    return Response(views.csv_text(data).encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=complaints.csv"})
