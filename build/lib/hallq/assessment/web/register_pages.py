"""The staff register's page (人员备案, /assessment/register) for supervisors and admins: each staff member's
home department, resident (常驻) or stand-in (替岗), in post since; the changes with the centre's decision; a
form to propose a change or record one made without consent (hallq.supervision.register, the same functions as
/api/v1/register). The sign-in, language and layout are the supervisors' pages' (pages.py).
"""
from __future__ import annotations

from flask import Blueprint, abort, redirect, request, url_for
from sqlalchemy import select

from hallq.assessment.web.pages import _common, _error_text, _page, supervisor
from hallq.queue import inputs
from hallq.queue.errors import QueueError
from hallq.queue.halls import hall_context
from hallq.queue.models import Department, Staff
from hallq.supervision import register
from hallq.web.runtime import now, reading, unit_of_work

bp = Blueprint("register_pages", __name__, url_prefix="/assessment/register")


@bp.get("")
@supervisor
def page(who, error: str | None = None, form=None, status: int = 200):
    if not who.can("centre"):
        abort(403)
    with reading() as uow:
        s = uow.session
        ctx = hall_context(s, who.hall_id)
        data = register.register(s, ctx, who)
        staff = s.execute(select(Staff.number, Staff.name).where(Staff.hall_id == ctx.id, Staff.active.is_(True))
                          .order_by(Staff.number)).all()
        depts = s.execute(select(Department.code, Department.name).where(Department.hall_id == ctx.id)
                          .order_by(Department.code)).all()
    return _page("supervision_register.html", status, **_common(
        who, ctx, None, people=data["staff"], changes=data["changes"], staff=staff, depts=depts, kinds=register.KINDS,
        error=error, form=form or {}, saved=request.args.get("saved")))


@bp.post("")
@supervisor
def propose(who):
    form = request.form
    try:
        with unit_of_work() as uow:
            ctx = hall_context(uow.session, who.hall_id)
            register.propose(uow.session, ctx, who, now(), staff=form.get("staff", ""), kind=form.get("kind", ""),
                             since=inputs.day(form.get("since"), "since"), reason=form.get("reason", ""),
                             department=form.get("department") or None, replaces=form.get("replaces") or None,
                             unapproved=form.get("unapproved") == "yes")
            uow.commit()
    except QueueError as exc:
        return page.__wrapped__(who, error=_error_text(exc), form=form, status=exc.status)
    return redirect(url_for("register_pages.page", saved="change"))


@bp.post("/<int(max=2147483647):change_id>")
@supervisor
def decide(who, change_id: int):
    form = request.form
    action = form.get("action", "")
    try:
        with unit_of_work() as uow:
            ctx = hall_context(uow.session, who.hall_id)
            if action == "approve":
                register.approve(uow.session, ctx, who, now(), change_id)
            elif action == "refuse":
                register.refuse(uow.session, ctx, who, now(), change_id, form.get("reason", ""))
            else:
                abort(400)
            uow.commit()
    except QueueError as exc:
        if exc.status == 404:
            abort(404)
        return page.__wrapped__(who, error=_error_text(exc), status=exc.status)
    return redirect(url_for("register_pages.page", saved=action))
