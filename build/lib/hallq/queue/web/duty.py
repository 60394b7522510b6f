"""The duty manager's screen (值班长) and the guide desk (导办台).

Two pages for the hall floor's staff, shells like the clerk console: everything
they show and do goes through /api/v1 with the staff member's own token (kept
in the tab's sessionStorage) and Socket.IO's hall room (the duty screen
also the `supervisors` room, when the staff member may join it).

- /duty/       the duty manager's screen: alerts as they come (a kiosk's call
               for help, a device in trouble and back, a failed print, a bad
               review's follow-up case), the devices, the reprint list, the open
               follow-up cases and the windows at a glance. Supervisors and
               admins act on it; a clerk sees it read-only, without the calls
               for help and bad reviews (Socket.IO's `supervisors` room).
- /duty/desk   the guide desk: green-channel tickets with their reason, printed
               on a chosen printer, and the reprint list.

Alerts are the server's (hallq.queue.alerts, /api/v1/alerts): every duty screen shows them, later
ones too, and one acknowledgement, by name, holds for all.
- /duty/log    the duty log (值班日志, hallq.queue.duty_log): written by the duty manager, printable.
"""
from __future__ import annotations

from flask import Blueprint

from hallq.web import staff_pages
from hallq.wording import PRINTER_DETAILS
from hallq.evaluator.choices import LEVELS, level_name
from hallq.i18n import DEVICE_STATE_NAMES, MESSAGES
from hallq.queue.issuing import GREEN_REASONS

bp = Blueprint("duty", __name__, url_prefix="/duty")

# The two pages' own texts, beside the staff pages' shared ones (hallq.web.staff_pages.TEXT).
# key: (Simplified Chinese, English). {name} fields are filled in by duty.js.
TEXT: dict[str, tuple[str, str]] = {
    "title": ("值班长工作台", "Duty manager"),
    "desk_title": ("导办台", "Guide desk"),
    "signin_title": ("值班人员登录", "Staff sign-in"),
    "signed_in_as": ("{name}（{role}）", "{name} ({role})"),
    "role_admin": ("管理员", "admin"),
    "role_supervisor": ("督查", "supervisor"),
    "role_clerk": ("窗口人员", "clerk"),
    # A clerk may not join the supervisors' room (hallq.server.realtime): say so, or a quiet list would mislead.
    "read_only": ("只读：窗口人员可查看设备和补打列表，处理请由值班长或督查进行；提醒只发给值班长和督查",
                  "Read-only: clerks can look at the devices and the reprint list; the duty manager or a "
                  "supervisor acts, and only they get the alerts"),
    "alerts_not_yours": ("提醒只发给值班长和督查，由他们确认。", "Alerts go to the duty manager and supervisors, who acknowledge them."),
    "to_desk": ("导办台", "Guide desk"),
    "to_duty": ("值班长工作台", "Duty screen"),
    "to_log": ("值班日志", "Duty log"),
    # the duty log (/duty/log)
    "log_title": ("值班日志", "Duty log"),
    "log_heading": ("{hall} 值班日志 {day}", "{hall}: duty log, {day}"),
    "log_day": ("日期", "Day"),
    "log_print": ("打印", "Print"),
    "log_facts": ("开门时间 {opening}；值班长应于 {due} 前到岗（提前{n}分钟）。", "Opens at {opening}; the duty manager is due on the floor by {due} ({n} minutes before)."),
    "log_closed_day": ("当日不开放。", "The hall is closed that day."),
    "log_started": ("本日志由{by}于{time}开始记录。", "Begun by {by} at {time}."),
    "log_received": ("接{day}值班长{by}交班：{note}", "Received from {by} (duty manager on {day}): {note}"),
    "log_kept": ("已于{time}由{by}交接给{to}：日志已封存，只能追加更正。", "Handed over by {by} to {to} at {time}: the log is kept; only corrections can be added."),
    "log_read_only": ("只读：值班日志由值班长（督查账号）填写。", "Read-only: the duty manager (a supervisor account) keeps the log."),
    "log_opening": ("到岗检查", "Opening check"),
    "log_opening_hint": ("点“记录到岗”时以服务器时间为准。", "The server's time is recorded when you press the button."),
    "log_opening_save": ("记录到岗", "Record arrival"),
    "log_text_optional": ("说明（可不填）", "Note (optional)"),
    "log_safety": ("安全检查（电、火、水、防盗）", "Safety check (power, fire, water, theft)"),
    "log_hygiene": ("卫生检查", "Hygiene check"),
    "check_electricity": ("用电", "power"), "check_fire": ("消防", "fire"), "check_water": ("用水", "water"),
    "check_theft": ("防盗", "theft"), "check_hall": ("大厅", "hall"), "check_windows": ("窗口", "windows"),
    "check_restrooms": ("卫生间", "restrooms"),
    "check_ok": ("正常", "OK"), "check_problem": ("有问题", "problem"),
    "log_problem_text": ("问题及处理（有问题时必填）", "Problem and what was done (required for a problem)"),
    "log_save": ("记录", "Record"),
    "log_incident": ("事件及处理", "Incident and handling"),
    "log_incident_what": ("发生了什么", "What happened"),
    "log_incident_handling": ("如何处理", "How it was handled"),
    "log_incident_alert": ("对应提醒（可不选）", "Alert it came as (optional)"),
    "log_no_alert": ("无", "none"),
    "log_opinion_forms": ("征求意见表", "Opinion forms"),
    "log_handed_out": ("发放", "handed out"), "log_collected": ("收回", "collected"),
    "log_note": ("其他记录", "Other note"),
    "log_handover": ("交接班", "Handover"),
    "log_handover_to": ("接班值班长（用户名）", "Next duty manager (username)"),
    "log_handover_note": ("交接事项", "Handover notes"),
    "log_handover_do": ("交接并封存日志", "Hand over and keep the log"),
    "log_handover_none": ("尚未交接。", "Not handed over yet."),
    "log_handover_done": ("{time} {by} 交给 {to}。{note}", "{time}: {by} to {to}. {note}"),
    "log_record": ("值班记录", "Record"),
    "log_time": ("时间", "Time"), "log_kind": ("类别", "Kind"), "log_content": ("内容", "Content"), "log_by": ("记录人", "By"),
    "log_none": ("当日还没有记录。", "Nothing recorded that day."),
    "log_alerts": ("当日提醒", "The day's alerts"),
    "log_alerts_none": ("当日没有提醒。", "No alerts that day."),
    "log_acked": ("确认", "Acknowledged"),
    "log_not_acked": ("未确认", "not acknowledged"),
    "log_correct": ("更正", "Correct"),
    "log_correct_prompt": ("更正内容（原记录保留）：", "The correction (the entry stays as written):"),
    "log_corrects": ("更正第{id}条：", "Correction of entry {id}: "),
    "log_corrected": ("（已更正）", "(corrected)"),
    "kind_opening": ("到岗", "Opening"), "kind_safety": ("安全", "Safety"), "kind_hygiene": ("卫生", "Hygiene"),
    "kind_incident": ("事件", "Incident"), "kind_opinion_forms": ("意见表", "Opinion forms"), "kind_note": ("记录", "Note"),
    "kind_correction": ("更正", "Correction"),
    "opening_on_time": ("到岗：开门前{n}分钟，按时", "On the floor {n} minutes before opening: on time"),
    "opening_late": ("到岗：开门前{n}分钟，未达提前{need}分钟", "On the floor {n} minutes before opening: short of {need}"),
    "opening_after": ("到岗：开门后{n}分钟", "On the floor {n} minutes after opening"),
    "forms_line": ("发放{out}份，收回{in}份", "{out} handed out, {in} collected"),
    "handling_line": ("处理：{text}", "Handled: {text}"),
    "log_sign_by": ("交班人签字：", "Handed over by:"), "log_sign_to": ("接班人签字：", "Received by:"),
    "log_saved": ("已记录。", "Recorded."),
    "kiosk_n": ("取号机 {name}", "kiosk {name}"),
    "log_from_alert": ("来自提醒：{alert}", "Raised as: {alert}"),
    "alertkind_help": ("群众求助", "Call for help"), "alertkind_device": ("设备故障", "Device fault"),
    "alertkind_print": ("打印失败", "Print failed"), "alertkind_bad_review": ("差评", "Bad review"),
    "alertkind_unstaffed": ("窗口无人（有人等候）", "Window unstaffed (people waiting)"),
    "alertkind_followup_overdue": ("整改超期", "Follow-up overdue"),
    "sound_blocked": ("提示音未开启：浏览器（重启后）要先点击一次页面才能发声，有提醒时将听不到声音。",
                      "The alert sound is off: after a restart the browser plays no sound until someone clicks "
                      "the page, so alerts would come silently."),
    "sound_enable": ("点此开启提示音", "Click to turn the sound on"),
    "sound_on": ("提示音：开", "Sound: on"),
    "sound_off": ("提示音：关（点此开启）", "Sound: off (click to turn on)"),
    # alerts
    "alerts": ("提醒", "Alerts"),
    "alerts_new": ("{n}条待确认", "{n} to acknowledge"),
    "alerts_none": ("暂无提醒", "No alerts"),
    "ack": ("确认", "Acknowledge"),
    "ack_all": ("全部确认", "Acknowledge all"),
    "acked_by": ("{name} 已确认 {time}", "acknowledged by {name} at {time}"),
    "alert_ended": ("已于 {time} 恢复", "over at {time}"),
    "alert_unstaffed": ("{window}号窗口{status}，{n}人在等候", "Window {window} is {status} with {n} waiting"),
    "alert_unstaffed_hint": ("只有该窗口办理：{services}。请安排B岗顶岗（AB岗）。",
                             "Only it serves: {services}. Send the B post to stand in (AB岗)."),
    "alert_overdue": ("差评整改超期：{window}号窗口 {number}，期限 {date}", "Follow-up overdue: window {window}, {number}, due {date}"),
    "clear_acked": ("清除已确认", "Clear acknowledged"),
    "alert_help": ("取号机 {kiosk}：有群众呼叫帮助", "Kiosk {kiosk}: someone is asking for help"),
    "alert_help_screen": ("当时界面：{screen}", "screen: {screen}"),
    "alert_device": ("{device} {state}", "{device}: {state}"),
    "alert_print": ("{number} 打印失败（{printer}）", "{number} did not print ({printer})"),
    "alert_print_reason": ("原因：{reason}。", "Reason: {reason}. "),
    "alert_print_hint": ("号仍有效：请在“补打号票”中重打，或告知群众号码。",
                         "The ticket is valid: reprint it under “Reprint tickets”, or tell the citizen the number."),
    "alert_followup": ("差评：{window}号窗口 {number} “{level}”", "Bad review: window {window}, {number}, “{level}”"),
    "alert_followup_due": ("已开立整改案件，期限 {date}，{assignee}", "Follow-up case opened, due {date}; {assignee}"),
    "assigned_to": ("责任人 {name}", "assigned to {name}"),
    "nobody_assigned": ("尚未指定责任人", "nobody assigned yet"),
    "unassigned": ("未指定", "not assigned"),
    "list_sep": ("、", ", "),
    # the kiosk's screens (kiosk.js), as a call for help names them
    "screen_start": ("首页", "start"), "screen_items": ("选择事项", "items"), "screen_search": ("搜索", "search"),
    "screen_confirm": ("确认取号", "confirm"), "screen_green": ("绿色通道", "green channel"),
    "screen_checkin": ("预约签到", "appointment check-in"), "screen_printer": ("打印机不可用", "printer unavailable"),
    "screen_printing": ("正在出票", "printing"), "screen_done": ("已出票", "ticket printed"),
    "screen_failed": ("打印失败", "print failed"), "screen_refused": ("取号被拒", "refused"),
    "screen_setup": ("设置", "setup"),
    "kind_printer": ("打印机", "Printer"), "kind_led": ("LED屏", "LED screen"), "kind_voice": ("语音", "Voice"),
    "kind_keypad": ("呼叫器", "Caller keypad"), "kind_evaluator_keypad": ("评价按键", "Evaluator keypad"),
    # devices
    "devices": ("设备状态", "Devices"),
    "devices_none": ("还没有设备代理连接。", "No device agent has connected yet."),
    "devices_summary": ("共{n}台，{ok}台正常", "{n} devices, {ok} working"),
    "devices_rest": ("其余{n}台正常", "{n} more working normally"),
    "devices_show": ("查看全部{n}台", "show all {n}"),
    "device": ("设备", "Device"),
    "state": ("状态", "State"),
    "since": ("变化时间", "Changed"),
    "last_report": ("最近报告", "Last report"),
    "windows_of": ("{windows}号窗口", "window {windows}"),
    "detail_agent_connected": ("代理刚连接，等待设备报告", "agent connected, waiting for the device's report"),
    "detail_agent_disconnected": ("设备代理已断开", "the device agent disconnected"),
    "detail_silent": ("{time}后没有报告", "no report since {time}"),
    "detail_never": ("从未报告", "never reported"),
    # print failures
    "failures": ("补打号票", "Reprint tickets"),
    "failures_none": ("今天没有打印失败的号票。", "No ticket failed to print today."),
    "number": ("号码", "Number"),
    "item": ("事项", "Item"),
    "printer": ("打印机", "Printer"),
    "why_no_answer": ("打印机没有应答（超时）", "no answer from the printer (timed out)"),
    "reason": ("原因", "Reason"),
    "failed_at": ("时间", "Time"),
    "reprint": ("补打", "Reprint"),
    "reprint_on": ("在哪台打印机补打 {number}", "Printer to reprint {number} on"),
    "own_printer": ("原取号机", "the kiosk's own"),
    "desk_printer": ("导办台", "guide desk"),
    "reprint_sent": ("{number} 已送 {printer} 补打。", "{number} sent to {printer}."),
    "reprinted": ("{number} 已补打。", "{number} reprinted."),
    "reprint_failed": ("{number} 补打失败：{reason}", "{number} did not reprint: {reason}"),
    "printer_refused": ("打印机 {printer} 现在{state}，没有打印。请换一台打印机。",
                        "Printer {printer} is {state} now; nothing was printed. Choose another printer."),
    "status_waiting": ("等候中", "waiting"), "status_called": ("办理中", "being served"),
    "status_held": ("挂起", "on hold"), "status_missed": ("过号", "missed"),
    # follow-ups
    "followups": ("差评整改（办理中）", "Bad-review follow-ups (open)"),
    "followups_none": ("没有办理中的整改案件。", "No open follow-up case."),
    "followups_all": ("全部整改案件", "All follow-up cases"),
    "window": ("窗口", "Window"),
    "rating": ("评价", "Rating"),
    "assignee": ("责任人", "Assigned to"),
    "due": ("期限", "Due"),
    "overdue_days": ("超期{n}个工作日", "{n} working days overdue"),
    "in_time": ("期限内", "in time"),
    # windows
    "windows": ("窗口一览", "Windows"),
    "window_n": ("{n}号", "No. {n}"),
    "status_open": ("服务中", "open"),
    "status_paused": ("暂停", "paused"),
    "status_closed": ("未签到", "not signed in"),
    "serving": ("正在办理 {number}", "serving {number}"),
    "idle": ("空闲", "idle"),
    "pause_lunch": ("午休", "lunch"), "pause_meeting": ("开会", "meeting"), "pause_fault": ("系统故障", "system fault"),
    "pause_other": ("其他", "other"),
    "colon": ("：", ": "),
    # guide desk: green channel
    "green_title": ("绿色通道取号", "Green-channel ticket"),
    "green_hint": ("为老年人、残疾人、孕妇、军人、重大项目和急事急办等群众优先取号。",
                   "Priority numbers for the elderly, disabled, pregnant women, military, major projects and urgent cases."),
    "service": ("办理事项", "Service item"),
    "service_search": ("输入事项名称或编码筛选", "Type an item name or code to filter"),
    "green_reason": ("绿色通道原因", "Reason"),
    "print_it": ("打印号票", "Print the ticket"),
    "print_on": ("打印机", "Printer"),
    "printer_not_working": ("所选打印机现在{state}，出号会被拒绝：请换一台，或不打印。",
                            "The chosen printer is {state} now and would refuse: choose another, or do not print."),
    "desk_printer_refused": ("打印机 {printer} 现在{state}，没有出号。请换一台打印机，或取消“打印号票”后出号并告知群众号码。",
                             "Printer {printer} is {state} now, so no number was issued. Choose another printer, or untick “Print the ticket” and tell the citizen the number."),
    "no_printer": ("没有可用的打印机（可不打印，把号码写给群众）", "No printer (issue without printing and write the number down)"),
    "issue_green": ("出号", "Issue"),
    "issued": ("已出号", "Issued"),
    "issued_line": ("{service}，前面{ahead}人，办理窗口：{windows}", "{service}, {ahead} ahead, windows: {windows}"),
    "no_window": ("暂无窗口办理", "no window serves it yet"),
    "printing_on": ("正在 {printer} 打印…", "Printing on {printer}…"),
    "printed_ok": ("已打印，请把号票交给群众。", "Printed: hand the ticket over."),
    "print_failed_tell": ("打印失败（{reason}）。号码有效，请告知群众号码 {number}，或在下方补打。",
                          "Printing failed ({reason}). The number is valid: tell the citizen {number}, or reprint it below."),
    "not_printed": ("未打印：请把号码告知群众。", "Not printed: tell the citizen the number."),
    "refused": ("没有出号", "No ticket issued"),
    "open_now": ("可取号", "issuing"),
    "closed_now": ("暂停取号", "not issuing"),
    "quota_left": ("余{n}", "{n} left"),
    "waiting_n": ("{n}人等候", "{n} waiting"),
    # keys
    "shortcuts": ("快捷键", "Keys"),
    "key_ack": ("确认最新提醒", "acknowledge the newest alert"),
    "key_green": ("绿色通道表单", "green-channel form"),
    "key_refresh": ("刷新", "refresh"),
    "forbidden_page": ("该账号不能使用此页面。", "This account cannot use this page."),
    # the official calendar of the coming months not entered ({years}, {first}: filled in by duty.js)
    "calendar_not_entered": MESSAGES["calendar_not_entered"],
}


def texts(lang: str) -> dict[str, str]:
    en = lang == "en"
    t = staff_pages.texts(TEXT, lang)
    # Shared names: device states (i18n) and rating levels (evaluator.choices).
    t.update({f"state_{code}": pair[en] for code, pair in DEVICE_STATE_NAMES.items()})
    t.update({f"level_{level}": level_name(level, lang) for level in LEVELS})
    # What a printer's status detail codes and print failures (paper_end, cover_open, unreachable ...) mean.
    t.update({f"pdetail_{code}": pair[en] for code, pair in PRINTER_DETAILS.items()})
    return t


@bp.get("/")
def duty_page():
    return staff_pages.render_page("duty.html", texts, page="duty", green_reasons=GREEN_REASONS)


@bp.get("/log")
def log_page():
    return staff_pages.render_page("duty_log.html", texts, page="log")


@bp.get("/desk")
def desk_page():
    return staff_pages.render_page("duty_desk.html", texts, page="desk", green_reasons=GREEN_REASONS)
