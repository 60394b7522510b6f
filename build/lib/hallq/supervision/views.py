"""What the complaint register shows: plain dicts, the complainant masked for all but the supervision office.

One function builds every reader's view (API, pages, CSV), so no screen can forget the masking.
"""
from __future__ import annotations

import csv
import datetime as dt
import io

from sqlalchemy.orm import Session

from hallq.privacy import mask_contact, mask_name
from hallq.queue.facts import iso
from hallq.queue.halls import HallContext
from hallq.queue.models import Department, Staff, Window
from hallq.supervision import complaints
from hallq.supervision.models import Complaint, ComplaintStep

STATUS_NAMES = {"registered": ("已登记", "registered"), "forwarded": ("待部门答复", "awaiting the department"),
                "replied": ("部门已答复", "department replied"), "reported": ("已反馈投诉人", "reported back"),
                "closed": ("已办结", "closed")}
OUTCOME_NAMES = {"verified": ("查实", "verified"), "unfounded": ("不属实", "unfounded")}
STEP_NAMES = {"registered": ("登记", "registered"), "forwarded": ("移交部门", "forwarded"),
              "replied": ("部门答复", "department's reply"), "reported": ("反馈投诉人", "reported back"),
              "reverify": ("重新核实", "re-verification"), "visit": ("回访", "return visit"),
              "closed": ("办结", "closed")}


def _name(names: dict, key, lang: str) -> str:
    zh, en = names.get(key, (key, key))
    return en if lang == "en" else zh


def complainant(c: Complaint, whole: bool) -> dict:
    if whole:
        return {"name": c.complainant_name, "contact": c.complainant_contact, "masked": False}
    return {"name": mask_name(c.complainant_name),
            "contact": mask_contact(c.complainant_contact) if c.complainant_contact else None, "masked": True}


def complaint(s: Session, ctx: HallContext, c: Complaint, now: dt.datetime, lang: str, *, whole: bool,
              with_steps: bool = False, flags: dict[int, tuple[int, int]] | None = None) -> dict:
    """`flags`: complaints.transfer_flags, read once for a list (read here when not given)."""
    if flags is None:
        flags = complaints.transfer_flags(s, ctx.id)
    window = s.get(Window, c.window_id) if c.window_id else None
    staff = s.get(Staff, c.staff_id) if c.staff_id else None
    dept = s.get(Department, c.department_id) if c.department_id else None
    late = complaints.days_late(ctx, c, now)
    out = {
        "id": c.id, "received_at": iso(c.received_at),
        "received_local": c.received_at.astimezone(ctx.hours.tz).strftime("%Y-%m-%d %H:%M"),
        "channel": c.channel, "channel_name": _name(complaints.CHANNELS, c.channel, lang), "hotline_ref": c.hotline_ref,
        "complainant": complainant(c, whole), "content": c.content,
        "window": window.number if window else None,
        "staff": {"number": staff.number, "name": staff.name, "transfer_flag": staff.id in flags} if staff else None,
        "department": {"code": dept.code, "name": dept.name} if dept else None,
        "status": c.status, "status_name": _name(STATUS_NAMES, c.status, lang),
        "due_date": c.due_date.isoformat() if c.due_date else None,
        "overdue": late > 0, "days_late": late,
        "outcome": c.outcome, "outcome_name": _name(OUTCOME_NAMES, c.outcome, lang) if c.outcome else None,
        "outcome_reason": c.outcome_reason, "record": c.record_id,
        "registered_by": c.registered_by, "closed_at": iso(c.closed_at) if c.closed_at else None,
        "closed_by": c.closed_by,
    }
    if with_steps:
        out["steps"] = [step(ctx, st, lang) for st in complaints.steps(s, c)]
    return out


def step(ctx: HallContext, st: ComplaintStep, lang: str) -> dict:
    return {"kind": st.kind, "kind_name": _name(STEP_NAMES, st.kind, lang), "at": iso(st.at),
            "at_local": st.at.astimezone(ctx.hours.tz).strftime("%Y-%m-%d %H:%M"), "person": st.person,
            "text": st.text, "due_date": st.due_date.isoformat() if st.due_date else None,
            "days_late": st.days_late, "satisfied": st.satisfied, "record": st.record_id,
            "recorded_at": iso(st.recorded_at), "actor": st.actor}


CSV_HEADER = ("编号", "收到时间", "方式", "投诉人", "联系方式", "投诉内容", "窗口", "工作人员", "部门", "状态",
              "答复期限", "逾期工作日", "结论", "理由")


def csv_row(row: dict) -> list:
    """A complaint as the export writes it: the export is for anyone the office hands it to, so the
    complainant is masked whoever asks."""
    return [row["id"], row["received_local"], row["channel_name"], row["complainant"]["name"],
            row["complainant"]["contact"] or "", row["content"], row["window"] or "",
            row["staff"]["name"] if row["staff"] else "", row["department"]["name"] if row["department"] else "",
            row["status_name"], row["due_date"] or "", row["days_late"] or "", row["outcome_name"] or "",
            row["outcome_reason"] or ""]


def csv_text(rows: list[dict]) -> str:
    """The register as CSV with a BOM (Excel reads the Chinese); `rows` built with whole=False."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for row in rows:
        writer.writerow(csv_row(row))
    return out.getvalue()
