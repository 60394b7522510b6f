"""The supervisors' workflow page of one bad-review follow-up case (差评整改, /assessment/followups/<id>):
the rating, who owns the case and by when, the callbacks to the rater (回访: who called, when, whether they
were reached, what was said) and the rectification (整改) as a timeline, the forms to record them and to
close the case, and the rater's appeal ruled from the supervisor's side (mistaken or malicious review, or
valid) with reasons. The same functions as /api/v1/followups and /api/v1/ratings/{id}/appeal; the sign-in,
language and layout are the supervisors' pages' (pages.py).
"""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, redirect, request, url_for

from hallq.assessment.web.pages import _common, _error_text, _lang, _local, _page, supervisor
from hallq.evaluator import appeals, followup
from hallq.evaluator import views as rating_views
from hallq.queue import inputs
from hallq.queue.errors import QueueError
from hallq.queue.halls import hall_context
from hallq.web.runtime import now, reading, unit_of_work

bp = Blueprint("followup_pages", __name__, url_prefix="/assessment/followups")


@bp.get("/<int(max=2147483647):case_id>")
@supervisor
def one(who, case_id: int, error: str | None = None, status: int = 200):
    with reading() as uow:
        s = uow.session
        ctx = hall_context(s, who.hall_id)
        try:
            case = followup.get_case(s, who, case_id)
        except QueueError:
            abort(404)
        data = rating_views.case(s, ctx, case, now(), _lang(), with_notes=True)
        tz = ctx.hours.tz
        for n in data["notes"]:
            n["at_local"] = _local(dt.datetime.fromisoformat(n["at"].replace("Z", "+00:00")), tz, "%Y-%m-%d %H:%M")
        data["opened_local"] = _local(dt.datetime.fromisoformat(data["opened_at"].replace("Z", "+00:00")), tz,
                                      "%Y-%m-%d %H:%M")
    kinds = {n["kind"] for n in data["notes"]}
    return _page("assessment_followup.html", status, **_common(
        who, ctx, None, c=data, error=error, saved=request.args.get("saved"),
        has_callback="callback" in kinds, has_rectification="rectification" in kinds))


def take_step(uow, who, case_id: int, form) -> bool:
    """A follow-up's step from a page's form (callback, rectification, close): the supervisors' page and the
    chief's (chief_pages) post the same form. False for another action."""
    ctx = hall_context(uow.session, who.hall_id)
    moment, action = now(), form.get("action", "")
    at = inputs.local_moment(form.get("at"), ctx.hours.tz)
    person = form.get("person") or None
    if action == "callback":
        followup.add_callback(uow, who, case_id, moment, result=form.get("text", ""),
                              reached=form.get("reached") != "no", at=at, person=person)
    elif action == "rectification":
        followup.add_rectification(uow, who, case_id, moment, text=form.get("text", ""), at=at, person=person)
    elif action == "close":
        followup.close(uow, who, case_id, moment, note=form.get("text") or None)
    else:
        return False
    return True


@bp.post("/<int(max=2147483647):case_id>")
@supervisor
def act(who, case_id: int):
    form = request.form
    action = form.get("action", "")
    try:
        with unit_of_work() as uow:
            if action == "appeal":  # the supervisors' alone
                case = followup.get_case(uow.session, who, case_id)
                appeals.rule(uow, who, case.rating_id, now(), ruling=form.get("ruling", ""),
                             reasons=form.get("text", ""))
            elif not take_step(uow, who, case_id, form):
                abort(400)
            uow.commit()
    except QueueError as exc:
        if exc.status == 404:
            abort(404)
        return one.__wrapped__(who, case_id, error=_error_text(exc), status=exc.status)
    return redirect(url_for("followup_pages.one", case_id=case_id, saved=action))
