"""HTTP routes of the county government's 双目标 (seed 003 (三)): a year's findings and department shares,
entering a finding, reporting the year.

Who: the supervision office enters findings and reads them ("assess": supervisors, admins); the centre
reports the year ("approve": admins), as it publishes a month. Clerks, chief representatives included, get
403: the finding is the centre's report on a department to the county government, not a card of theirs to
check; a department that disputes it does so with the centre, which enters the correction with its reason.
"""
from __future__ import annotations

from flask import Blueprint, jsonify

from hallq.assessment import dual_target_findings as found
from hallq.assessment import dual_target_year as dual
from hallq.assessment.models import DualTargetRevision
from hallq.assessment.schemas import FindingIn, StepIn
from hallq.queue.facts import iso
from hallq.queue.halls import hall_context
from hallq.web.openapi import spec
from hallq.web.runtime import body, now, principal, unit_of_work

bp = Blueprint("dual_target_api", __name__, url_prefix="/api/v1")
YEAR = "/assessment/dual-target/<int(min=2000,max=2999):year>"


def revision_json(r: DualTargetRevision) -> dict:
    return {"revision": r.revision, "published_by": r.published_by, "published_at": iso(r.published_at),
            "reason": r.reason, "finding": r.finding_id, "changes": r.changes}


def year_body(s, ctx, year: int) -> dict:
    result = dual.dual_target_year(s, ctx, year, now())
    names = found.department_names(s, ctx.id)
    return {"year": year, "scheme": {k: v for k, v in result.scheme.items() if k != "classes"},
            "classes": result.scheme["classes"], "provisional": result.counted_to is not None,
            "counted_to": result.counted_to.isoformat() if result.counted_to else None,
            "reported": result.revision is not None, "revision": result.revision,
            "departments": result.cards,
            "findings": [found.finding_json(f, names) for f in dual.findings(s, ctx.id, year)],
            "revisions": [revision_json(r) for r in result.revisions],
            # reported: departments whose total or figure computed now differs (the report stands)
            "moved_since_report": dual.moved_since_report(s, ctx, year, now()) if result.revision else []}


@spec.route(bp, "GET", YEAR, "a year's 双目标: each department's finding, share, total and figure; every finding "
            "and correction; the reported revisions")
def year(year: int):
    who = principal()
    who.require("assess")
    with unit_of_work() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        answer = year_body(uow.session, ctx, year)
        uow.commit()  # the year's months are kept as history, as the year page keeps them
    return jsonify(answer)


@spec.route(bp, "POST", YEAR + "/findings", "enter the centre's 双目标 finding of a department for the year "
            "(督查股); a correction keeps the earlier one and needs a reason; after the report it makes the next "
            "revision", body=FindingIn, responses={201: "the finding"})
def enter(year: int):
    who = principal()
    data = body(FindingIn)
    with unit_of_work() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        row = found.enter(uow.session, who, ctx, year, now(), department=data.department, finding=data.finding,
                          evidence=data.evidence, reason=data.reason)
        answer = found.finding_json(row, found.department_names(uow.session, ctx.id))
        uow.commit()
    return jsonify(answer), 201


@spec.route(bp, "POST", YEAR + "/report", "report the year's 双目标 shares to the county government (admins): the "
            "year is over and its months published; frozen as revision 1", body=StepIn)
def report(year: int):
    who = principal()
    data = body(StepIn)
    with unit_of_work() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        row = dual.publish(uow.session, who, ctx, year, now(), data.note)
        answer = revision_json(row)
        uow.commit()
    return jsonify(answer)
