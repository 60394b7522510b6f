"""The supervisors' page of the county government's 双目标 (seed 003 (三)): each department's finding,
its share and figure from its windows' annual scores; entering and correcting findings (督查股); reporting
the year (admins); every reported revision. The same functions as /api/v1/assessment/dual-target/{year};
sign-in, language and layout are pages.py's. Each figure links to the finding it stands on
(/assessment/evidence/dual_target/<id>) and each window's score to the year's window page."""
from __future__ import annotations

from flask import Blueprint, abort, request

from hallq.assessment import dual_target_findings as found
from hallq.assessment import dual_target_year as dual
from hallq.assessment.web.pages import _common, _error_text, _local, _page, _pick, _lang, supervisor
from hallq.assessment.scorecard import provisional_note
from hallq.queue.errors import QueueError
from hallq.queue.halls import hall_context
from hallq.web.runtime import now, unit_of_work

bp = Blueprint("dual_target_pages", __name__, url_prefix="/assessment")

NOTES_EN = {"no_finding": "No finding by the centre yet: no figure",
            "needs_window": "The class found needs a window in the hall and the department has none: the centre "
                            "should check",
            "has_window": "The class found is 'no window in the hall' but the department has one: the centre "
                          "should check",
            "government": "Scored by the government's overall opinion: no figure from hallq",
            "no_scores": "Its windows have no annual score this year: no figure",
            "stale": "The class found is not in the scheme now: no figure; enter the finding again"}


def _class_names(classes: list[dict], en: bool) -> dict[str, str]:
    return {c["key"]: (c.get("name_en") or c["name"]) if en else c["name"] for c in classes}


@bp.route("/year/<int:year>/dual-target", methods=["GET", "POST"])
@supervisor
def page(who, year: int):
    if not 2000 <= year <= 2999:
        abort(404)
    say = _pick(_lang())
    en = _lang() == "en"
    error = done = None
    with unit_of_work() as uow:
        s = uow.session
        ctx = hall_context(s, who.hall_id)
        if request.method == "POST":
            form = request.form
            try:
                with s.begin_nested():
                    if form.get("action") == "report":
                        dual.publish(s, who, ctx, year, now(), form.get("note") or None)
                        done = say("已报送。", "Reported.")
                    else:
                        row = found.enter(s, who, ctx, year, now(), department=form.get("department", ""),
                                          finding=form.get("finding") or None, evidence=form.get("evidence", ""),
                                          reason=form.get("reason") or None)
                        done = (say("已录入认定 {n}，生成修订版本 {r}。", "Finding {n} entered; revision {r} made.",
                                    n=row.id, r=row.revision) if row.revision else
                                say("已录入认定 {n}。", "Finding {n} entered.", n=row.id))
                uow.commit()
            except QueueError as exc:
                error = _error_text(exc)
        try:
            result = dual.dual_target_year(s, ctx, year, now())
        except QueueError as exc:
            return _page("assessment_dual_target.html", 409, **_common(
                who, ctx, None, year=year, unavailable=_error_text(exc), error=None, done=None))
        moved = dual.moved_since_report(s, ctx, year, now()) if result.revision else []
        uow.commit()  # the year's months kept as history, as the year page does
        tz = ctx.hours.tz
        names = found.department_names(s, ctx.id)
        rows = dual.findings(s, ctx.id, year)
        entered = {r.id: {"by": r.entered_by, "at": _local(r.entered_at, tz, "%Y-%m-%d %H:%M")} for r in rows}
        history = [{**found.finding_json(r, names), "at": _local(r.entered_at, tz, "%Y-%m-%d %H:%M")}
                   for r in reversed(rows)]
        revisions = [{"revision": r.revision, "by": r.published_by,
                      "at": _local(r.published_at, tz, "%Y-%m-%d %H:%M"), "reason": r.reason,
                      "finding": r.finding_id, "changes": r.changes} for r in result.revisions]
        today = ctx.hours.local_day(now())
    class_names = _class_names(result.scheme["classes"], en)
    cards = [{**c, "note": NOTES_EN.get(c.get("note_key", ""), c["note"]) if en else c["note"],
              "finding_label": class_names.get(c["finding"], c["finding"]) if c["finding"] else None,
              "entered": entered.get(c["finding_id"])} for c in result.cards]
    return _page("assessment_dual_target.html", 400 if error else 200, **_common(
        who, ctx, None, year=year, cards=cards, classes=result.scheme["classes"], class_names=class_names,
        scheme_name=(result.scheme.get("name_en") or result.scheme["name"]) if en else result.scheme["name"],
        revision=result.revision, revisions=revisions, moved=moved, history=history, error=error, done=done,
        may_report=who.can("approve") and result.revision is None and today.year > year,
        provisional=provisional_note(result.counted_to, en) if result.counted_to else None,
        form=request.form if error else {}, unavailable=None))
