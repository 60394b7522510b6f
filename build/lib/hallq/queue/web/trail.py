"""The audit trail (操作记录) for supervisors and admins: its API, its CSV and its page (/audit/).

Thin: the rows come from hallq.queue.audit_trail; the page is a shell over the API with the staff
member's own token (hallq.web.staff_pages), Simplified Chinese by default, English with ?lang=en.
"""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, jsonify, request

from hallq.queue import audit_trail, inputs
from hallq.queue.halls import hall_context
from hallq.web import staff_pages
from hallq.web.openapi import date, integer, spec
from hallq.web.runtime import int_arg, now, principal, reading

bp = Blueprint("trail", __name__)
QUERY = {"day": date("a hall-local day (default: today)"), "person": "a username or actor, e.g. S001, kiosk:k1",
         "window": integer("a window number", 1), "action": "e.g. called, sign_in, pause, window (every window change)"}


def _api(path: str, summary: str, **doc):
    """Documented under /api/v1 (the document's root), served there."""
    spec.operation("GET", path, summary, **doc)
    return bp.route("/api/v1" + path, methods=["GET"])


def _rows() -> list[dict]:
    who = principal()
    who.require("assess")  # supervisors and admins (督查 and the centre)
    with reading() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        day = inputs.day(request.args["day"], "day") if request.args.get("day") else ctx.hours.local_day(now())
        return audit_trail.trail(uow, who.hall_id, ctx.hall.timezone, day,
                                 person=(request.args.get("person") or "").strip()[:120] or None,
                                 window=int_arg("window", 1), action=(request.args.get("action") or "").strip() or None)


@_api("/audit-trail", "the audit trail of a day: staff actions "
            "and admin changes, oldest first", query=QUERY)
def trail_json():
    return jsonify(_rows())


def _cell(value) -> str:
    """A CSV cell Excel will not run: text starting like a formula is quoted as text."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


@_api("/audit-trail.csv", "the audit trail of a day as CSV (UTF-8 with BOM, for Excel)",
            query=QUERY, responses={200: "the CSV file"})
def trail_csv():
    rows = _rows()
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(audit_trail.HEADER)
    for row in rows:
        writer.writerow([_cell(row[k]) for k in audit_trail.HEADER])
    return Response(out.getvalue().encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=audit-trail.csv"})


TEXT: dict[str, tuple[str, str]] = {
    "title": ("操作记录", "Audit trail"),
    "signin_title": ("工作人员登录", "Staff sign-in"),
    "forbidden_page": ("该账号不能查看操作记录（督查、管理员可以）。", "This account cannot see the audit trail (supervisors and admins can)."),
    "day": ("日期", "Day"), "person": ("人员（工号）", "Person (username)"), "window": ("窗口", "Window"),
    "action": ("操作", "Action"), "filter": ("查询", "Show"), "export": ("导出CSV", "Export CSV"),
    "when": ("时间", "When"), "subject": ("对象", "Subject"), "detail": ("说明", "Detail"),
    "none_found": ("没有符合条件的记录。", "Nothing matches."),
    # what each action is called (ticket event kinds, sessions, pauses; admin changes are entity.action)
    **{f"act_{code}": pair for code, pair in {
        "sign_in": ("签到", "signed in"), "sign_out": ("签退", "signed out"), "pause": ("暂停服务", "paused"),
        "resume": ("恢复服务", "resumed"), "issued": ("取号", "issued"), "called": ("叫号", "called"),
        "recalled": ("重呼", "recalled"), "skipped": ("过号", "missed"), "held": ("挂起", "held"),
        "transferred": ("转移", "transferred"), "finished": ("办结", "finished"), "requeued": ("重新排队", "requeued"),
        "expired": ("过期", "expired"), "hall": ("大厅设置", "hall settings"), "department": ("部门", "department"),
        "window": ("窗口", "window"), "staff": ("工作人员", "staff"), "account": ("账号", "account"),
        "token": ("设备令牌", "device token"), "create": ("新增", "created"), "update": ("修改", "changed"),
        "deactivate": ("停用", "deactivated"), "reset_password": ("重置密码", "password reset"),
        "revoke": ("吊销", "revoked")}.items()},
}


@bp.get("/audit/")
def trail_page():
    return staff_pages.render_page("audit_trail.html", lambda lang: staff_pages.texts(TEXT, lang), page="audit")
