"""Cases as the back office reads them (JSON), and as the citizen's phone page shows them."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hallq.assessment.models import CaseCompletion
from hallq.cases import access, deadlines, tolerance
from hallq.cases.models import Case, CaseChange, CaseTask
from hallq.privacy import mask_name
from hallq.queue.accounts import Principal
from hallq.queue.facts import iso
from hallq.queue.halls import HallContext
from hallq.queue import views as queue_views
from hallq.queue.models import Department, Ticket

# 答复件: the rights a refusal carries (行政复议法 第二十条: 60 days; 行政诉讼法 第四十六条: six months).
REMEDIES = {"zh": "如不服本决定，可自收到之日起六十日内申请行政复议，或者六个月内依法提起行政诉讼。",
            "en": "If you disagree, you may apply for administrative reconsideration (行政复议) within 60 days "
                  "of receiving this decision, or bring an administrative lawsuit (行政诉讼) within six months."}


def _day(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def _departments(s: Session, ids: set[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    return {i: (c, n) for i, c, n in s.execute(select(Department.id, Department.code, Department.name)
                                               .where(Department.id.in_(ids)))}


def case(s: Session, ctx: HallContext, c: Case, now: dt.datetime, *, with_log: bool = False) -> dict[str, Any]:
    ticket = s.get(Ticket, c.ticket_id)
    st = deadlines.standing(ctx, c, ctx.hours.local_day(now))
    tasks = list(s.scalars(select(CaseTask).where(CaseTask.case_id == c.id).order_by(CaseTask.id)))
    names = _departments(s, {t.department_id for t in tasks} | ({c.department_id} if c.department_id else set()))
    data = {
        "ticket": c.ticket_id, "number": ticket.number, "service": ticket.item.code, "service_name": ticket.item.name,
        "kind": c.kind, "status": c.status, "window": ctx.window_number(s, c.window_id),
        "department": names.get(c.department_id, (None, None))[0], "accepted_by": c.accepted_by,
        "opened_at": iso(c.opened_at), "accepted_on": ctx.hours.local_day(c.opened_at).isoformat(),
        "promised_days": c.promised_days, "due_on": _day(c.due_on),
        "working_days_left": st.working_days_left, "days_overdue": st.days_overdue, "due_soon": st.due_soon,
        "overdue": st.overdue, "escalated": c.escalated_at is not None, "materials_late": st.materials_late,
        "delay_reason": c.delay_reason, "details": c.details, "completed_on": _day(c.completed_on),
        "result_ready_at": iso(c.result_ready_at) if c.result_ready_at else None,
        "delivered_at": iso(c.delivered_at) if c.delivered_at else None, "delivered_by": c.delivered_by,
        "delivered_to": mask_name(c.delivered_to) if c.delivered_to else None,
        "tasks": [{"id": t.id, "department": names[t.department_id][0], "department_name": names[t.department_id][1],
                   "role": t.role, "task": t.task, "due_on": _day(t.due_on), "done_on": _day(t.done_on)}
                  for t in tasks],
    }
    record = tolerance.of(c.details or {})
    # 容缺受理: what is still owed and by when, the warning's words read from here.
    data["tolerance"] = {"owed": tolerance.owed(record), "promised_by": record["promised_by"],
                         "materials": record["materials"]} if record else None
    entered = s.execute(select(CaseCompletion.note, CaseCompletion.entered_by)
                        .where(CaseCompletion.ticket_id == c.ticket_id)).first()
    data["note"], data["entered_by"] = (entered.note, entered.entered_by) if entered else (None, None)
    if with_log:
        data["log"] = [{"at": iso(ch.at), "actor": ch.actor, "action": ch.action, "before": ch.before,
                        "after": ch.after, "note": ch.note}
                       for ch in s.scalars(select(CaseChange).where(CaseChange.case_id == c.id)
                                           .order_by(CaseChange.id))]
    return data


def listing(s: Session, ctx: HallContext, who: Principal, now: dt.datetime, *, standing: str | None = None,
            window: int | None = None) -> list[dict[str, Any]]:
    """Open and waiting cases (or only those due soon, overdue or escalated), most pressing first; a clerk
    sees the cases they answer for."""
    rows = s.scalars(select(Case).where(Case.hall_id == ctx.id, Case.status.in_(("open", "waiting")))
                     .order_by(Case.due_on, Case.id)).all()
    if not access.supervises(who):
        rows = [c for c in rows if access.answers_for(s, ctx, who, c)]
    out = [case(s, ctx, c, now) for c in rows]
    if window is not None:
        out = [c for c in out if c["window"] == window]
    if standing == "due_soon":
        out = [c for c in out if c["due_soon"]]
    elif standing == "overdue":
        out = [c for c in out if c["overdue"]]
    elif standing == "escalated":
        out = [c for c in out if c["escalated"] and c["overdue"]]
    elif standing == "materials_late":
        out = [c for c in out if c["materials_late"]]
    return sorted(out, key=lambda c: (-max(c["days_overdue"], c["materials_late"]), c["working_days_left"] if c["working_days_left"]
                                      is not None else 999, c["ticket"]))


def public(s: Session, ctx: HallContext, ticket: Ticket, now: dt.datetime, lang: str) -> dict[str, Any] | None:
    """What the citizen's phone page shows of their case: what the outcome means, nothing personal."""
    c = s.scalar(select(Case).where(Case.ticket_id == ticket.id))
    if c is None:
        return None
    window = ctx.window_number(s, c.window_id)
    place = ctx.settings.cases.pickup_place or None
    data: dict[str, Any] = {"kind": c.kind, "status": c.status, "window": window, "place": place,
                            "due_on": _day(c.due_on), "completed_on": _day(c.completed_on),
                            "result_ready": c.status in ("done", "delivered") and c.kind != "rejected",
                            "delivered_at": iso(c.delivered_at) if c.delivered_at else None,
                            "timezone": ctx.hall.timezone,  # the page shows times in the hall's zone
                            "delivered_by": c.delivered_by,
                            "delivered_to": mask_name(c.delivered_to) if c.delivered_to else None}
    if c.kind == "supplement":
        data["missing_materials"] = c.details.get("missing_materials", [])
        data["materials_due"] = c.details.get("materials_due")
    record = tolerance.of(c.details or {})
    if record is not None and c.status == "waiting":
        # 容缺受理: what the citizen still owes (names only) and the day they promised it by.
        data["owed_materials"] = tolerance.owed(record)
        data["materials_promised_by"] = record["promised_by"]
        data["materials_late"] = tolerance.days_late(ctx, record, ctx.hours.local_day(now)) > 0
    if c.kind == "rejected":
        data["reason"] = c.details.get("reason") or ""
        data["remedies"] = REMEDIES.get(lang, REMEDIES["zh"])
    if c.kind == "forwarded":
        data["forwarded_to"] = c.details.get("forwarded_to")
    if c.kind == "joint":
        tasks = list(s.scalars(select(CaseTask).where(CaseTask.case_id == c.id).order_by(CaseTask.id)))
        names = _departments(s, {t.department_id for t in tasks})
        data["departments"] = [{"name": names[t.department_id][1], "role": t.role, "done": t.done_on is not None}
                               for t in tasks]
    return data


def public_status(s: Session, ctx: HallContext, ticket: Ticket, now: dt.datetime, lang: str) -> dict[str, Any]:
    """The ticket's public status (hallq.queue.views) with its case, when the window accepted one."""
    data = queue_views.public_status(s, ctx, ticket, now)
    data["case"] = public(s, ctx, ticket, now, lang)
    return data
