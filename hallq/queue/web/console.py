"""The clerk console (窗口工作台): pages a clerk uses at a window.

The pages are shells; everything they show and do goes through /api/v1 with
the clerk's own token (kept in the tab's sessionStorage), so the console can
do nothing the interface would not let a clerk do. Live updates come over
Socket.IO from the served client (/static/socket.io.min.js): halls run on
closed networks.

Text is Simplified Chinese unless the clerk switches to English; the choice
is kept in a cookie and the page's strings are handed to console.js whole
(hallq.web.staff_pages: what the staff pages share).
"""
from __future__ import annotations

from flask import Blueprint

from hallq.web import staff_pages

bp = Blueprint("console", __name__, url_prefix="/console")

# The console's own texts, beside the staff pages' shared ones (hallq.web.staff_pages.TEXT).
# key: (Simplified Chinese, English). {name} fields are filled in by console.js.
TEXT: dict[str, tuple[str, str]] = {
    "title": ("窗口工作台", "Window console"),
    "signin_title": ("工作人员登录", "Staff sign-in"),
    "choose_window": ("选择窗口和岗位", "Choose the window and post"),
    "window": ("窗口", "Window"),
    "post": ("岗位", "Post"),
    "post_a": ("A岗（主岗）", "A post (main)"),
    "post_b": ("B岗（替岗）", "B post (stand-in)"),
    "your_posts": ("您的岗位：{posts}", "Your posts: {posts}"),
    "no_posts": ("您在本大厅没有固定岗位，可选择空闲窗口。", "You hold no fixed post in this hall; choose a free window."),
    "window_sign_in": ("签到并进入工作台", "Sign in and open the console"),
    "continue_at": ("继续在{window}号窗口办理", "Continue at window {window}"),
    "hello": ("{name}，您好", "Hello, {name}"),
    "window_n": ("{window}号窗口", "Window {window}"),
    "status_open": ("服务中", "Open"),
    "status_paused": ("暂停服务", "Paused"),
    "status_closed": ("未签到", "Not signed in"),
    "not_signed_here": ("您没有在{window}号窗口签到，不能在此办理。", "You are not signed in at window {window}, so you cannot act here."),
    "go_sign_in": ("去签到", "Sign in"),
    "window_items": ("本窗口事项", "This window's items"),
    "waiting_n": ("{n}人等候", "{n} waiting"),
    "sent_here": ("转来本窗口：{n}人", "Sent to this window: {n}"),
    "current": ("当前办理", "Now serving"),
    "idle": ("当前没有办理中的号", "Nobody at the counter"),
    "priority_green": ("绿色通道", "Green channel"),
    "priority_appointment": ("预约", "Appointment"),
    "priority_normal": ("普通", "Normal"),
    "waited": ("等候{time}", "waited {time}"),
    "serving_for": ("已办理{time}", "serving for {time}"),
    "recalls": ("重呼{n}/{limit}次", "recalled {n} of {limit}"),
    "transfers": ("转移记录", "Transfers"),
    "transfer_line": ("{at} 由{from_window}号窗口（{from_service}）转至{to}", "{at} from window {from_window} ({from_service}) to {to}"),
    "to_window": ("{window}号窗口", "window {window}"),
    "returning": ("（办完转回）", " (comes back)"),
    "returns_to": ("办完后将转回{window}号窗口", "Goes back to window {window} when done"),
    "call_next": ("叫号", "Call next"),
    "recall": ("重呼", "Recall"),
    "skip": ("过号", "Missed"),
    "hold": ("挂起", "Hold"),
    "call_number": ("呼叫指定号", "Call a number"),
    "transfer": ("转移", "Transfer"),
    "finish": ("办结", "Finish"),
    "pause": ("暂停服务", "Pause"),
    "resume": ("恢复服务", "Resume"),
    "sign_out": ("签退", "Sign out"),
    "lookup": ("首问查询", "First-contact lookup"),
    "shortcuts": ("快捷键", "Keyboard shortcuts"),
    "next": ("接下来", "Next up"),
    "none_waiting": ("暂无等候", "Nobody waiting"),
    "sent_by_name": ("转入", "sent here"),
    "held": ("挂起中（可回呼）", "On hold (call back)"),
    "missed": ("今日过号（可回呼）", "Missed today (call back)"),
    "call_back": ("回呼", "Call back"),
    "my_day": ("我的今天", "My day"),
    "served": ("已办结", "Served"),
    "avg_service": ("平均办理时长", "Average service time"),
    "calls": ("叫号次数", "Calls"),
    "paused_total": ("暂停合计", "Paused in total"),
    "ratings": ("今日评价", "Ratings today"),
    "ratings_none": ("今日暂无评价", "No ratings yet today"),
    "ratings_no_staff": ("本账号未关联工作人员，没有个人评价", "This account is not a staff member's; no ratings of its own"),
    "ratings_line": ("{count}条，满意率{rate}，差评{bad}条", "{count}, {rate} satisfied, {bad} bad"),
    "nobody_waits": ("没有等候的号。", "Nobody is waiting."),
    "called_msg": ("已呼叫{number}。", "Called {number}."),
    "recalled_msg": ("已重呼{number}。", "Recalled {number}."),
    "skipped_msg": ("{number}已过号。", "{number} marked missed."),
    "skip_confirm": ("确认{number}未到，按过号处理？", "Mark {number} as missed?"),
    "skip_calls": ("已呼叫{calls}次 · 叫号后{time}", "Called {calls} time(s) · {time} since the call"),
    "skip_rule": ("本厅规定：呼叫满{calls}次或叫号满{minutes}分钟仍未到，才能过号。", "The hall's rule: missed only after {calls} calls or {minutes} minutes since the call."),
    "skip_not_yet": ("还不能过号：请先重呼，或{time}后再过号。", "Not yet: recall first, or skip in {time}."),
    "skip_do": ("确认过号", "Mark missed"),
    "held_msg": ("{number}已挂起。", "{number} is on hold."),
    "transferred_msg": ("{number}已转移。", "{number} transferred."),
    "finished_msg": ("{number}已办结：{outcome}。", "{number} finished: {outcome}."),
    "returned_msg": ("{number}本环节已办完，已转回{window}号窗口。", "{number} is done here and goes back to window {window}."),
    "paused_msg": ("已暂停服务：{reason}。", "Paused: {reason}."),
    "resumed_msg": ("已恢复服务。", "Service resumed."),
    "not_now": ("现在不能执行此操作。", "Not possible right now."),
    "why_paused": ("本窗口已暂停服务，请先按P恢复服务。", "This window is paused; press P to resume first."),
    "why_busy": ("正在办理{number}，请先办结、过号、挂起或转移。", "{number} is at the counter; finish, skip, hold or transfer it first."),
    "why_idle": ("当前没有办理中的号。", "Nobody is at the counter."),
    "why_closed": ("本窗口未签到。", "Nobody is signed in at this window."),
    "number_label": ("号码（如A001）", "Ticket number (e.g. A001)"),
    "call": ("呼叫", "Call"),
    "cancel": ("取消", "Cancel"),
    "confirm": ("确定", "Confirm"),
    "transfer_to": ("转到", "Transfer to"),
    "to_item": ("其他事项", "Another item"),
    "to_window_opt": ("其他窗口", "Another window"),
    "come_back": ("办完后转回本窗口", "Come back to me afterwards"),
    "no_open_window": ("没有其他已签到的窗口", "No other window is signed in"),
    "outcome": ("办件类型", "Case outcome"),
    "outcome_immediate": ("即办件", "Immediate"),
    "outcome_promised": ("承诺件", "Promised"),
    "outcome_joint": ("联办件", "Joint"),
    "outcome_supplement": ("补办件", "Supplement"),
    "outcome_forwarded": ("上报件", "Forwarded"),
    "outcome_rejected": ("答复件", "Rejected"),
    "hint_immediate": ("当场办结", "done on the spot"),
    "hint_promised": ("受理，承诺期限内办结，出具受理通知书", "accepted; finished within the promised working days; acceptance notice"),
    "hint_joint": ("需多个部门联合办理", "needs other departments too"),
    "hint_supplement": ("材料不全，一次性告知所缺材料", "materials missing; list them all at once"),
    "hint_forwarded": ("报上级机关审批", "forwarded to a higher authority"),
    "hint_rejected": ("不予受理，书面说明理由", "cannot be accepted; state the reason in writing"),
    "promised_days": ("承诺办结时限（工作日）", "Promised time limit (working days)"),
    "legal_days": ("法定时限{days}个工作日", "legal limit {days} working days"),
    "due_date": ("办结期限：{date}", "Due date: {date}"),
    "departments": ("协办部门", "Assisting departments"),
    "materials": ("所缺材料（一次性告知）", "Missing materials (all of them, at once)"),
    "other_material": ("其他材料，每行一项", "Other materials, one per line"),
    "reason": ("不予受理的理由", "Reason for rejection"),
    "note": ("备注", "Note"),
    "forwarded_to": ("报送机关及说明", "Authority and remarks"),
    "do_finish": ("办结", "Finish"),
    # 容缺受理 (issue 17): accepted now, named materials to follow by a date
    "tolerance": ("容缺受理", "Accept with materials to follow (容缺受理)"),
    "tolerance_hint": ("主要材料齐全，次要材料由申请人承诺限期补齐", "main materials in order; the applicant promises the rest by a date"),
    "tolerance_materials": ("后补材料", "Materials to follow"),
    "tolerance_days": ("补齐期限（工作日）", "To be brought within (working days)"),
    "tolerance_date": ("须于{date}前补齐", "To be brought by {date}"),
    "last_case": ("上一件", "Last case"),
    # 办件提醒 (issue 17): this window's cases about to fall due or overdue
    "case_alerts": ("办件提醒（即将到期 / 超期）", "Cases due soon or overdue"),
    "case_due_soon": ("{number} {service} 应于{date}办结，剩{n}个工作日", "{number} {service} due {date}, {n} working days left"),
    "case_overdue": ("{number} {service} 已超期{n}个工作日（应于{date}办结）", "{number} {service} {n} working days overdue (due {date})"),
    "case_no_reason": ("须注明延期原因", "give the delay reason"),
    "case_escalated": ("已报督查股", "with the supervision office"),
    "case_materials_late": ("{number} {service} 容缺材料逾期{n}个工作日未补齐（应于{date}前）：{materials}",
                            "{number} {service} materials {n} working days late (due {date}): {materials}"),
    "print_notice": ("打印{notice}", "Print the {notice}"),
    "notice_supplement": ("材料补齐通知书", "notice of missing materials"),
    "notice_rejected": ("不予受理告知书", "notice of rejection"),
    "notice_promised": ("受理通知书", "notice of acceptance"),
    "printing": ("正在打印…", "Printing…"),
    "printed": ("已送打印：{number}", "Sent to the printer: {number}"),
    "pause_reason": ("暂停原因", "Reason for the pause"),
    "reason_lunch": ("午休", "Lunch"),
    "reason_meeting": ("开会", "Meeting"),
    "reason_fault": ("系统故障", "System fault"),
    "reason_other": ("其他", "Other"),
    "other_reason": ("请说明", "Please say why"),
    # 顶岗 (AB岗): who stands in while the window is paused; leave is asked on its own page (/leave)
    "stand_in": ("顶岗人员", "Stand-in"),
    "stand_in_nobody": ("不指定", "Nobody named"),
    "stand_in_default": ("（默认）", " (default)"),
    "stand_in_post": ("本窗口{post}岗", "this window's {post} post"),
    "stand_in_on_leave": ("请假中", "on leave"),
    "stand_in_at": ("在{window}号窗口", "at window {window}"),
    "stand_in_hint": ("暂停期间由顶岗人员到窗口值班（AB岗）。请假须另行申请、经审批：",
                      "The stand-in serves the window while it is paused (A/B posts). Leave is asked for and "
                      "approved on its own page:"),
    "leave_link": ("请假申请", "Ask for leave"),
    "leave": ("请假", "Leave"),
    "pause_cover": ("顶岗：{name}", "Stand-in: {name}"),
    "paused_stand_in_msg": ("已暂停服务：{reason}，顶岗：{name}。", "Paused: {reason}; stand-in: {name}."),
    "sign_out_confirm": ("确定在{window}号窗口签退？", "Sign out of window {window}?"),
    "lookup_placeholder": ("输入事项名称或编码", "Item name or code"),
    "lookup_none": ("没有找到匹配的事项", "No item matches"),
    "served_at": ("办理窗口：{windows}", "Served at: {windows}"),
    "no_window_serves": ("暂无窗口办理此事项", "No window serves this item"),
    "guide": ("办事指南", "Service guide"),
    "guide_materials": ("申请材料", "Materials"),
    "guide_limits": ("法定时限{legal}个工作日，承诺时限{promised}个工作日", "legal limit {legal}, promised {promised} working days"),
    "guide_fee": ("收费：{fee}", "Fee: {fee}"),
    "guide_procedure": ("办理流程", "Procedure"),
    "guide_basis": ("设定依据：{basis}", "Legal basis: {basis}"),
    "minutes": ("{n}分钟", "{n} min"),
    "seconds": ("{n}秒", "{n} s"),
    "hours_minutes": ("{h}小时{m}分钟", "{h} h {m} min"),
    "key_call_next": ("叫号", "call next"),
    "key_escape": ("关闭对话框", "close a dialog"),
    "key_outcomes": ("办结时选择类型", "pick the outcome when finishing"),
    "signed_out_msg": ("已签退。", "Signed out."),
}


def texts(lang: str) -> dict[str, str]:
    return staff_pages.texts(TEXT, lang)


@bp.get("/")
def sign_in_page():
    return staff_pages.render_page("console_signin.html", texts, page="signin", window=None)


@bp.get("/window/<int(max=2147483647):number>")
def window_page(number: int):
    return staff_pages.render_page("console.html", texts, page="console", window=number)
