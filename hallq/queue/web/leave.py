"""Leave (请假, hallq.queue.leave): its HTTP routes and its two staff pages. Thin: parse, call, answer.

Who: any staff account with a staff record asks for its own leave and cancels it; the window head (the
department's chief representative) takes the first step; the centre (the "centre" permission: supervisors and
admins) the second, for a day or more. Devices: 403. /posts-away (hallq.queue.stand_ins): the windows whose A and
B posts are both away now, for the duty screen; staff accounts read it.

Pages (shells over these routes, like the console and the duty screen, with the staff member's own token):
- /leave            ask for leave, one's own leaves
- /leave/approvals  the leaves waiting for the approver's step, and the others they may read
"""
from __future__ import annotations

import functools

from flask import Blueprint, jsonify, request
from sqlalchemy import select

from hallq.queue import leave as leaves
from hallq.queue import leave_views, stand_ins
from hallq.queue.errors import Forbidden
from hallq.queue.halls import hall_context
from hallq.queue.leave_schemas import LeaveIn, LeaveRefuseIn
from hallq.queue.models import Department
from hallq.web import staff_pages
from hallq.web.openapi import spec
from hallq.web.runtime import body, now, principal, reading, unit_of_work
from hallq.queue.chiefs import departments_led, staff_of

bp = Blueprint("leave_api", __name__, url_prefix="/api/v1")
pages = Blueprint("leave_pages", __name__, url_prefix="/leave")
route = functools.partial(spec.route, bp)
ID = "/leave/<int(max=2147483647):leave_id>"


def _staff_principal():
    who = principal()
    if not who.is_staff:
        raise Forbidden("forbidden")
    return who


def _one(uow, who, leave_id: int, status: int = 200):
    s = uow.session
    ctx = hall_context(s, who.hall_id)
    row = leaves.get(s, ctx, who, leave_id)
    return jsonify(leave_views.leave(s, ctx, who, row, now())), status


@route("GET", "/leave", "the leaves the caller may read (own, their department's as its chief representative, "
       "every one for the centre), newest first, with who takes each next step",
       query={"status": "pending, approved, refused or cancelled"})
def listing():
    who = _staff_principal()
    with reading() as uow:
        s = uow.session
        ctx = hall_context(s, who.hall_id)
        me = staff_of(s, who)
        moment = now()
        rows = leaves.listing(s, ctx, who, status=request.args.get("status") or None)
        chief_of = sorted(s.scalars(select(Department.code).where(
            Department.id.in_(departments_led(s, ctx, me))))) if me else []
        stand_in = leaves.default_stand_in(s, me) if me else None
        return jsonify({
            "me": {"number": me.number, "name": me.name, "window": leaves.window_of(s, me.id),
                   "stand_in": {"number": stand_in.number, "name": stand_in.name} if stand_in else None}
            if me else None,
            "centre": leaves.is_centre(who), "chief_of": chief_of,
            "today": ctx.hours.local_day(moment).isoformat(),
            "leaves": [leave_views.leave(s, ctx, who, row, moment, me) for row in rows]})


@route("POST", "/leave", "ask for leave for oneself (half days: am, pm); it goes to the window head, then to the "
       "centre for a day or more (seed 004)", body=LeaveIn, responses={201: "the leave"})
def ask():
    who = _staff_principal()
    data = body(LeaveIn)
    with unit_of_work() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        row = leaves.request(uow.session, ctx, who, now(), first_day=data.first_day, first_half=data.first_half,
                             last_day=data.last_day, last_half=data.last_half, reason=data.reason,
                             stand_in=data.stand_in)
        answer = _one(uow, who, row.id, 201)
        uow.commit()
    return answer


@route("GET", ID, "one leave")
def one(leave_id: int):
    who = _staff_principal()
    with reading() as uow:
        return _one(uow, who, leave_id)


@route("POST", f"{ID}/approve", "approve the step that is the caller's: the window head's (final for half a day), "
       "then the centre's", responses={200: "the leave"})
def approve(leave_id: int):
    who = _staff_principal()
    with unit_of_work() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        leaves.approve(uow.session, ctx, who, now(), leave_id)
        answer = _one(uow, who, leave_id)
        uow.commit()
    return answer


@route("POST", f"{ID}/refuse", "refuse the step that is the caller's, with the reason", body=LeaveRefuseIn,
       responses={200: "the leave"})
def refuse(leave_id: int):
    who = _staff_principal()
    data = body(LeaveRefuseIn)
    with unit_of_work() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        leaves.refuse(uow.session, ctx, who, now(), leave_id, data.reason)
        answer = _one(uow, who, leave_id)
        uow.commit()
    return answer


@route("POST", f"{ID}/cancel", "withdraw one's own leave: pending, or approved and not yet begun",
       responses={200: "the leave"})
def cancel(leave_id: int):
    who = _staff_principal()
    with unit_of_work() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        leaves.cancel(uow.session, ctx, who, now(), leave_id)
        answer = _one(uow, who, leave_id)
        uow.commit()
    return answer


@route("GET", "/posts-away", "the windows whose A and B posts are both away now, in opening hours (AB岗): why "
       "each is away and the stand-in named (顶岗)")
def posts_away():
    who = _staff_principal()
    with reading() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        return jsonify(stand_ins.posts_away(uow.session, ctx, now()))


# --- pages ------------------------------------------------------------------------------------------

# key: (Simplified Chinese, English). {name} fields are filled in by leave.js.
TEXT: dict[str, tuple[str, str]] = {
    "title": ("请假", "Leave"),
    "approvals_title": ("请假审批", "Leave approvals"),
    "signin_title": ("工作人员登录", "Staff sign-in"),
    "read_only": ("", ""),
    "to_approvals": ("请假审批", "Approvals"),
    "to_request": ("我要请假", "Ask for leave"),
    "ask": ("请假申请", "Ask for leave"),
    "rule": ("半天由窗口负责人（首席代表）批准，中心备案；一天以上（含一天）经窗口负责人同意后由中心审批。"
             "未经批准不到岗按旷工处理。",
             "Half a day: the window head (chief representative) approves and the centre is told; a day or more: "
             "the window head agrees, then the centre approves. Absence without approved leave is 旷工 (absent)."),
    "from": ("开始", "From"), "to": ("结束", "To"),
    "am": ("上午", "morning"), "pm": ("下午", "afternoon"),
    "reason": ("请假事由", "Reason"),
    "stand_in": ("顶岗人员（工号）", "Stand-in (staff number)"),
    "stand_in_default": ("默认为本窗口B岗：{name}", "By default the window's B post: {name}"),
    "stand_in_none": ("本窗口没有B岗，请填写顶岗人员。", "The window has no B post: name a stand-in."),
    "submit": ("提交申请", "Submit"),
    "asked": ("已提交，等待{step}审批。", "Submitted: waiting for {step}."),
    "mine": ("我的请假", "My leave"),
    "none": ("没有请假记录。", "No leave on record."),
    "waiting": ("待我审批", "Waiting for my decision"),
    "waiting_none": ("没有待您审批的请假。", "Nothing waits for your decision."),
    "others": ("全部请假", "All leave"),
    "who": ("请假人", "Who"), "when": ("时间", "When"), "length": ("时长", "Length"),
    "status": ("状态", "Status"), "actions": ("操作", "Actions"),
    "half_days": ("{n}个半天", "{n} × half a day"),
    "span": ("{first} {first_half} 至 {last} {last_half}", "{first} {first_half} to {last} {last_half}"),
    "st_pending": ("待审批", "pending"), "st_approved": ("已批准", "approved"), "st_refused": ("不批准", "refused"),
    "st_cancelled": ("已撤销", "cancelled"),
    "step_chief": ("窗口负责人", "the window head"), "step_centre": ("中心", "the centre"),
    "needs_centre": ("一天以上，须中心审批", "a day or more: the centre approves"),
    "chief_agreed": ("{by} 已同意", "agreed by {by}"),
    "decided": ("{by} {time}", "{by}, {time}"),
    "approve": ("批准", "Approve"), "refuse": ("不批准", "Refuse"), "cancel": ("撤销", "Cancel"),
    "refuse_reason": ("不批准的理由：", "Why it is refused:"),
    "no_staff": ("您的账号没有对应的工作人员，不能请假。", "Your account is not a staff member's: it cannot ask for leave."),
    "done": ("已办理。", "Done."),
    "window_n": ("{n}号窗口", "Window {n}"),
}


def _texts(lang: str) -> dict[str, str]:
    return staff_pages.texts(TEXT, lang)


@pages.get("")
def request_page():
    return staff_pages.render_page("leave.html", _texts, page="leave", view="request")


@pages.get("/approvals")
def approvals_page():
    return staff_pages.render_page("leave.html", _texts, page="leave", view="approvals")
