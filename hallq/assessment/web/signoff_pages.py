"""The supervisors' page of a month's sign-off (发布): where it stands, the
self-check's objections with their answers, the next step for whoever may take
it, and every published revision with the cards it moved. The same functions as
/api/v1/assessment/{month}/… (publication.py); the pages' sign-in, language and
layout are pages.py's."""
from __future__ import annotations

from flask import Blueprint, redirect, request, url_for

from hallq.assessment import publication
from hallq.assessment.web.pages import _common, _error_text, _local, _month_or_404, _page, supervisor
from hallq.queue import inputs
from hallq.queue.errors import QueueError
from hallq.queue.halls import hall_context
from hallq.web.runtime import now, reading, unit_of_work

bp = Blueprint("assessment_signoff", __name__, url_prefix="/assessment")


@bp.get("/<month>/publication")
@supervisor
def signoff(who, month: str):
    year, m = _month_or_404(month)
    month = f"{year:04d}-{m:02d}"
    with reading() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        st = publication.standing(uow.session, ctx.id, month)
        tz = ctx.hours.tz
        steps = [{"step": s.step, "actor": s.actor, "at": _local(s.at, tz, "%Y-%m-%d %H:%M"), "note": s.note or "",
                  "until": s.until.isoformat() if s.until else ""} for s in st.steps]
        objections = [{"id": o.id, "scope": o.scope, "unit": o.unit, "item": o.item or "", "statement": o.statement,
                       "raised_by": o.raised_by, "raised_at": _local(o.raised_at, tz), "accepted": o.accepted,
                       "answer": o.answer, "answered_by": o.answered_by}
                      for o in publication.objections(uow.session, ctx.id, month)]
        revisions = [{"revision": r.revision, "by": r.published_by, "at": _local(r.published_at, tz, "%Y-%m-%d %H:%M"),
                      "reason": r.reason, "changes": r.changes}
                     for r in publication.revisions(uow.session, ctx.id, month)]
        today = ctx.hours.local_day(now())
    return _page("assessment_signoff.html", **_common(
        who, ctx, month, state=st.state, until=st.until.isoformat() if st.until else None, steps=steps,
        objections=objections, revisions=revisions, may_approve=who.can("approve"),
        month_over=(today.year, today.month) > (year, m),
        self_check_over=st.until is not None and today > st.until, error=request.args.get("error"),
        done=request.args.get("done")))


@bp.post("/<month>/publication")
@supervisor
def act(who, month: str):
    _month_or_404(month)
    form = request.form
    action = form.get("action", "")
    note = form.get("note") or None
    try:
        with unit_of_work() as uow:
            s = uow.session
            ctx = hall_context(s, who.hall_id)
            if action == "self_check":
                days = inputs.whole_number(form.get("days", "3"), "days", 1, 30)
                publication.open_self_check(s, who, ctx, month, now(), days, note)
            elif action == "answer":
                objection = inputs.whole_number(form.get("objection", ""), "objection", 1)
                publication.answer_objection(s, who, ctx, objection, now(),
                                             accepted=form.get("accepted") == "yes", answer=form.get("answer", ""))
            elif action == "review":
                publication.review(s, who, ctx, month, now(), note)
            elif action == "approve":
                publication.approve(s, who, ctx, month, now(), note)
            elif action == "publish":
                publication.publish(s, who, ctx, month, now(), note)
                uow.add_event(publication.published_news(ctx, month))
            else:
                return redirect(url_for("assessment_signoff.signoff", month=month))
            uow.commit()
        return redirect(url_for("assessment_signoff.signoff", month=month, done=action))
    except QueueError as exc:
        return redirect(url_for("assessment_signoff.signoff", month=month, error=_error_text(exc)))

