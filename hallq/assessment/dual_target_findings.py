"""The centre's 双目标 findings, entered by the supervision office (督查股, "assess"): which class of seed
003 (三) a department is in for a year, with the evidence the office checked.

Nothing is overwritten: a correction is a new row that names the finding it replaces and needs a reason;
the earlier one stays readable with who entered it and when. Once the year is reported
(hallq.assessment.dual_target_year), every finding entered for it, first or corrected, needs a reason and
makes the report's next revision, as an appeal ruling makes a published month's.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hallq.assessment.dual_target_year import dual_scheme, findings, in_force, reported, revise
from hallq.assessment.models import DualTargetFinding
from hallq.queue.accounts import Principal
from hallq.queue.errors import Invalid, NotFound, Refused
from hallq.queue.facts import iso
from hallq.queue.halls import HallContext
from hallq.queue.models import Department

TEXT_MAX = 4000


def _text(value: str | None) -> str:
    return (value or "").strip()[:TEXT_MAX]


def enter(s: Session, who: Principal, ctx: HallContext, year: int, now: dt.datetime, *, department: str,
          finding: str | None, evidence: str, reason: str | None = None) -> DualTargetFinding:
    """A department's finding for `year` (`finding` None: withdraw the one in force). Returns the new row;
    after the report its `revision` is the revision it made."""
    who.require("assess")
    if not 2000 <= year <= ctx.hours.local_day(now).year:
        raise Invalid("invalid_input", detail="year must be yyyy, this year or before")
    classes = {c.key: c for c in dual_scheme(s, ctx.id, year).annual.dual_target}
    if finding is not None and finding not in classes:
        raise Invalid("invalid_input", detail=f"finding must be one of {', '.join(classes)}")
    dept = s.scalar(select(Department).where(Department.hall_id == ctx.id, Department.code == department))
    if dept is None:
        raise NotFound("invalid_input", detail=f"no department {department}")
    evidence, reason = _text(evidence), _text(reason)
    if not evidence:
        raise Invalid("finding_evidence_required")
    earlier = in_force(findings(s, ctx.id, year)).get(dept.id)
    report = reported(s, ctx.id, year)
    was_reported = report is not None
    if was_reported and all(c["department"] != dept.code for c in report.cards):
        # Its windows and total were not reported: a revision cannot score it as reported.
        raise Refused("invalid_input", detail=f"{department} was not in the report of {year}")
    if earlier is not None and earlier.finding == finding:
        raise Refused("finding_unchanged", department=dept.name, year=year)
    if finding is None and (earlier is None or earlier.finding is None):
        raise Refused("finding_none_to_withdraw", department=dept.name, year=year)
    if (earlier is not None or was_reported) and not reason:
        raise Invalid("finding_reason_required")
    row = DualTargetFinding(hall_id=ctx.id, year=year, department_id=dept.id, finding=finding, evidence=evidence,
                            entered_by=who.actor, entered_at=now, replaces_id=earlier.id if earlier else None,
                            reason=reason or None)
    s.add(row)
    s.flush()
    if was_reported:
        was = earlier.finding if earlier is not None else None
        made = revise(s, ctx, year, row, now, f"双目标认定更正（{dept.name}：{_name(classes, was)} → "
                                              f"{_name(classes, finding)}）：{reason}")
        row.revision = made.revision
        s.flush()
    return row


def _name(classes: dict, key: str | None) -> str:
    if key is None:
        return "未认定"
    return classes[key].name.split("，")[0][:24] if key in classes else key


def get(s: Session, hall_id: int, finding_id: int) -> DualTargetFinding:
    row = s.get(DualTargetFinding, finding_id) if 0 < finding_id < 2**31 else None
    if row is None or row.hall_id != hall_id:
        raise NotFound("invalid_input", detail=f"no finding {finding_id}")
    return row


def chain(s: Session, row: DualTargetFinding) -> list[DualTargetFinding]:
    """A finding and every one it replaced, newest first: the department's year as it was decided."""
    out = [row]
    while out[-1].replaces_id is not None:
        out.append(s.get(DualTargetFinding, out[-1].replaces_id))
    return out


def finding_json(row: DualTargetFinding, departments: dict[int, tuple[str, str]]) -> dict[str, Any]:
    code, name = departments.get(row.department_id, ("", ""))
    return {"id": row.id, "year": row.year, "department": code, "department_name": name, "finding": row.finding,
            "evidence": row.evidence, "entered_by": row.entered_by, "entered_at": iso(row.entered_at),
            "replaces": row.replaces_id, "reason": row.reason, "revision": row.revision}


def department_names(s: Session, hall_id: int) -> dict[int, tuple[str, str]]:
    return {i: (c, n) for i, c, n in s.execute(select(Department.id, Department.code, Department.name)
                                               .where(Department.hall_id == hall_id))}
