"""The supervision office's page of cases (/assessment/cases): the daily overdue list (seed 004 督促检查制度
第二、三条: checked every day, each delay's reason on record), the cases about to fall due (seed 002: warn
and urge), and those escalated after three working days overdue (第四条).

The same read as GET /api/v1/cases (hallq.cases.views); the sign-in, language and layout are the
supervisors' back office's (pages.py).
"""
from __future__ import annotations

from flask import Blueprint, abort, request

from hallq.assessment.web.pages import _common, _page, supervisor
from hallq.cases import views
from hallq.queue.halls import hall_context
from hallq.web.runtime import now, reading

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
