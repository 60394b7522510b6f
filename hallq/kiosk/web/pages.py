"""The kiosk touch page (/kiosk) and the citizen's ticket status page (/t/<token>).

The kiosk signs in with a kiosk device token given once in the URL fragment
(`/kiosk#token=...`, as every device page: hallq.web.device_pages); the page keeps
it in the browser's local storage and takes it out of the address bar. Staff may also type it on the page's setup
screen. Every label the page shows is in TEXT, both languages, so the citizen
can switch language without a reload.

The status page is public: whoever holds the ticket's QR code sees its number,
status, people ahead, estimated wait and the window calling it; nothing personal.
"""
from __future__ import annotations

import functools

from flask import Blueprint, Response, render_template
from pydantic import Field

from hallq.web import device_pages, qr
from hallq.queue import notify
from hallq.queue.errors import NotFound
from hallq.queue.halls import hall_context
from hallq.queue.models import Ticket
from hallq.queue.schemas import Body
from hallq.cases import notify as case_notify, views as case_views
from hallq.web.runtime import VoiceUnavailable, body, now, principal, reading, status_page
from hallq.wording import call_phrase, sentence_case

bp = Blueprint("kiosk", __name__)

TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "title": "自助取号",
        "choose_department": "请选择办理部门",
        "choose_item": "请选择办理事项",
        "search": "搜索事项",
        "search_hint": "输入汉字或拼音首字母，如 sfz = 身份证",
        "search_none": "没有找到相关事项，请换个词，或按部门查找。",
        "guides": "办事指南",
        "guides_title": "办事指南",
        "all_departments": "全部部门",
        "guide_print": "打印指南",
        "guide_take": "取号办理",
        "guide_printing": "正在打印办事指南，请在出票口取走。",
        "guide_printed": "办事指南已打印，请取走。",
        "guide_print_failed": "办事指南没有打印出来，可在导办台领取纸质指南。",
        "back": "返回",
        "home": "首页",
        "next_page": "下一页",
        "prev_page": "上一页",
        "page": "第 {a}/{b} 页",
        "items_n": "{n} 项业务",
        "waiting": "等候 {n} 人",
        "eta": "约 {m} 分钟",
        "no_wait": "无需等候",
        "open": "可取号",
        "quota_left": "今日余号 {n}",
        "quota_out": "今日号已取完",
        "not_open": "暂停取号",
        "no_window": "暂无窗口办理",
        "unstaffed": "现在没有窗口在办理",
        "unstaffed_from": "窗口{time}起办理",
        "unstaffed_paused": "窗口暂停服务中",
        "unstaffed_warn": "现在没有窗口在办理本事项，{when}。取号后请留意叫号，也可以稍后再来。",
        "unstaffed_when_from": "预计{time}起办理",
        "unstaffed_when_paused": "窗口暂停服务，恢复后叫号",
        "unstaffed_when_unknown": "今天何时恢复尚不确定",
        "take_anyway": "知道了，仍要取号",
        "quota_checkin": "已有预约？预约签到",
        "hours": "办公时间 {hours}",
        "hours_always": "全天办理",
        "closed_today": "今日不办公",
        "take": "取号",
        "take_green": "取老年人优先号",
        "take_appointment": "预约签到取号",
        # 一票到底: more items on the one ticket, chosen after the first
        "also_add": "＋ 同时办理其他事项",
        "also_title": "同一次还要办理哪个事项？",
        "also_hint": "一票到底：选好的事项用同一个号依次办理，办完一项不用重新取号。还可再选 {n} 项。",
        "also_ok": "可一并办理",
        "also_chosen": "已选",
        "also_this": "本事项",
        "also_alone": "须单独取号",
        "also_alone_msg": "“{service}”须单独取号，不能与其他事项一票办理。",
        "also_no_window_msg": "本大厅没有办理“{service}”的窗口，不能一票办理。",
        "also_quota_msg": "“{service}”今日号源已取完，不能一票办理。",
        "also_chosen_msg": "“{service}”已经选过了，同一事项只需选一次。",
        "also_full": "一张号最多办理{n}个事项",
        "also_first_alone": "本事项须单独取号，不能加办其他事项",
        "also_added": "已加入“{service}”，本号共办理{n}个事项",
        "visit_title": "一票到底：本号依次办理 {n} 个事项",
        "visit_remove": "移除",
        "take_n": "取号（共{n}个事项）",
        "then_items": "之后依次办理：{names}",
        "also_fix": "修改所选事项",
        "speak_also": "请选择同一次还要办理的事项：{names}。",
        "windows": "办理窗口：{windows}",
        "materials": "请备齐以下材料（一次性告知）",
        "no_materials": "本事项无需提前准备材料，请带好身份证件。",
        "materials_more": "共 {n} 项，下面还有 ▼ 点此往下看",
        "materials_end": "共 {n} 项，已看到最后一项 ▲ 点此回到开头",
        "ahead_eta": "前面 {n} 人 · 约 {m} 分钟",
        "printing": "正在打印…",
        "printing_hint": "请稍候，号票马上打印出来",
        "your_number": "您的号码",
        "take_ticket": "请取走您的号票",
        "take_ticket_hint": "请在等候区就座，留意叫号屏和语音提示。",
        "nobody_ahead": "前面没有人，请留意叫号",
        "steps": "① 选择部门　② 选择事项　③ 取号　④ 凭号等候叫号",
        "print_failed": "号票没有打印出来",
        "print_failed_hint": "您的号码已经生效，排队不受影响；也可以拍下本屏备用。",
        "print_failed_go": "请到导办台补打号票",
        "scan_status": "用手机扫码，随时查看排队进度",
        "finish": "完成",
        "refused": "暂时不能取号",
        "refused_hint": "如有疑问，请按“呼叫工作人员”，或到导办台咨询。",
        "help": "呼叫工作人员",
        "help_sent": "已通知工作人员，请在原地稍候。",
        "help_coming": "工作人员已收到您的求助，正在赶来，请在原地稍候。",
        "help_failed": "呼叫没有发出，请到导办台找工作人员。",
        "elder_on": "适老模式",
        "elder_off": "退出适老模式",
        "lang_switch": "English",
        "appointment": "预约取号",
        "returning": "补件 / 取结果",
        "returning_title": "补交材料 / 领取结果",
        "returning_hint": "请扫描上次号票上的二维码，或输入身份证号：无需重新排队，到原窗口优先办理",
        "returning_done": "请到{window}号窗口，留意叫号",
        "returning_done_hint": "您将排在今天新取号的群众之前。",
        "speak_returning": "补交材料或领取结果，请扫描上次号票上的二维码，或输入身份证号。",
        "speak_returning_done": "请{number}号到{window}号窗口等候叫号。",
        "appointment_title": "预约签到",
        "appointment_hint": "请扫描预约二维码，或输入预约码 / 身份证号",
        "appointment_choose": "您今天有以下预约，请选择",
        "appointment_not_now": "不在预约时段",
        "green": "老年人优先",
        "green_sub": "{age}周岁以上",
        "green_title": "老年人优先通道",
        "green_hint": "请将身份证放在读卡区，或输入身份证号码",
        "green_banner": "老年人优先通道 · {id}",
        "green_too_young": "自助取号机只为{age}周岁以上的老人开通优先通道。残疾人、孕妇、军人等其他优先情况，请到导办台由工作人员办理。",
        "take_normal": "取普通号",
        "id_invalid": "身份证号码不正确，请核对后重新输入。",
        "confirm": "确定",
        "clear": "清空",
        "delete": "删除",
        "printer_out_title": "本机暂停取号",
        "printer_out": "取号机的打印机{state}，现在不能打印号票。",
        "printer_out_hint": "请到导办台请工作人员帮您取号，或使用大厅其他取号机。需要帮助请按“呼叫工作人员”。",
        "hall_not_issuing": "现在不能取号",
        "offline": "网络中断，正在重新连接…",
        "network_error": "网络故障，没有取到号，请重试或联系工作人员。",
        "setup_title": "取号机设置",
        "setup_hint": "请工作人员输入本机的取号机令牌（hallq token create --kind kiosk --name 打印机名）。",
        "setup_bad": "令牌无效或已停用，请重新输入。",
        "setup_save": "保存",
        "idle_back": "{s} 秒后返回首页",
        "printer_state": "打印机：{state}",
        "speak_start": "请选择办理部门。共有{n}个部门：{names}。也可以搜索事项，或按预约取号。",
        "speak_items": "{department}。请选择事项：{names}。",
        "speak_confirm": "{item}。前面有{n}人等候。请准备：{materials}。确认请按取号。",
        "speak_printing": "正在打印，请稍候。",
        "speak_done": "请取走您的号票，您的号码是{number}。",
        "speak_failed": "号票没有打印出来。您的号码是{number}。请到导办台补打号票。",
        "speak_refused": "{message}",
        "speak_green": "老年人优先通道。请刷身份证，或输入身份证号码。",
        "speak_checkin": "预约签到。请扫描预约二维码，或输入预约码。",
        "speak_help": "已通知工作人员，请在原地稍候。",
        "speak_help_coming": "工作人员已收到您的求助，正在赶来。",
        "speak_printer_out": "本机暂停取号，请到导办台找工作人员。",
        "state_ok": "正常", "state_near_end": "纸将用完", "state_paper_out": "缺纸", "state_offline": "离线",
        "state_not_answering": "没有应答", "state_port_down": "连接断开", "state_failed": "故障",
        "state_unknown": "状态未知",
        "notify_offer": "短信提醒我",
        "notify_title": "短信提醒",
        "notify_for": "{number}号 · 快轮到您、叫号和过号时发短信",
        "notify_hint": "请输入您的手机号码。号码只用于今天的提醒，屏幕和号票上不显示，当天结束即删除。",
        "notify_done": "已开通短信提醒：{phone}",
        "notify_bad": "请输入11位手机号码。",
        "locale": "zh-CN",
    },
    "en": {
        "title": "Take a number",
        "choose_department": "Choose a department",
        "choose_item": "Choose a service",
        "search": "Search",
        "search_hint": "Type Chinese or pinyin initials, e.g. sfz = 身份证",
        "search_none": "Nothing found; try other words or browse by department.",
        "guides": "Service guides",
        "guides_title": "Service guides",
        "all_departments": "All departments",
        "guide_print": "Print the guide",
        "guide_take": "Take a number",
        "guide_printing": "Printing the guide; please take it from the slot.",
        "guide_printed": "The guide is printed; please take it.",
        "guide_print_failed": "The guide did not print; the guide desk has paper copies.",
        "back": "Back",
        "home": "Home",
        "next_page": "Next",
        "prev_page": "Previous",
        "page": "page {a}/{b}",
        "items_n": "{n} services",
        "waiting": "{n} waiting",
        "eta": "about {m} min",
        "no_wait": "no wait",
        "open": "Open",
        "quota_left": "{n} numbers left today",
        "quota_out": "No numbers left today",
        "not_open": "Not issuing",
        "no_window": "No window serves it now",
        "unstaffed": "No window serving now",
        "unstaffed_from": "Windows open at {time}",
        "unstaffed_paused": "Its window is paused",
        "unstaffed_warn": "No window is serving this right now; {when}. If you take a number, watch for your call, or come back later.",
        "unstaffed_when_from": "one is expected from {time}",
        "unstaffed_when_paused": "its window is paused and calls again when it resumes",
        "unstaffed_when_unknown": "it is not known when one serves it again today",
        "take_anyway": "I understand, take a number",
        "quota_checkin": "Booked already? Check in",
        "hours": "Opening hours {hours}",
        "hours_always": "Open all day",
        "closed_today": "Closed today",
        "take": "Take a number",
        "take_green": "Take a priority number (elderly)",
        "take_appointment": "Check in",
        "also_add": "+ Add another service",
        "also_title": "What else on this visit?",
        "also_hint": "One number for the whole visit: the services chosen are served in turn, with no new number. "
                     "{n} more possible.",
        "also_ok": "Can be added",
        "also_chosen": "Chosen",
        "also_this": "this one",
        "also_alone": "Needs its own number",
        "also_alone_msg": "\"{service}\" needs a number of its own and cannot share one with other services.",
        "also_no_window_msg": "No window of this hall serves \"{service}\"; it cannot be added to this number.",
        "also_quota_msg": "Today's numbers for \"{service}\" are used up, so it cannot be added.",
        "also_chosen_msg": "\"{service}\" is already chosen; each service needs choosing only once.",
        "also_full": "At most {n} services on one number",
        "also_first_alone": "This service needs a number of its own; nothing can be added",
        "also_added": "\"{service}\" added: {n} services on this number",
        "visit_title": "One number, {n} services in turn",
        "visit_remove": "Remove",
        "take_n": "Take a number ({n} services)",
        "then_items": "Then: {names}",
        "also_fix": "Change the services",
        "speak_also": "Choose what else you need on this visit: {names}.",
        "windows": "Windows: {windows}",
        "materials": "Please have these documents ready",
        "no_materials": "Nothing to prepare; please bring your ID card.",
        "materials_more": "{n} documents in all, more below ▼ touch here to read on",
        "materials_end": "{n} documents in all, this is the last ▲ touch here for the top",
        "ahead_eta": "{n} ahead · about {m} min",
        "printing": "Printing…",
        "printing_hint": "One moment, your ticket is on its way",
        "your_number": "Your number",
        "take_ticket": "Please take your ticket",
        "take_ticket_hint": "Please take a seat and watch the screens for your number.",
        "nobody_ahead": "Nobody ahead of you; watch for your number",
        "steps": "① Department  ② Service  ③ Take a number  ④ Wait to be called",
        "print_failed": "The ticket did not print",
        "print_failed_hint": "Your number is valid and keeps its place in the queue; you may take a photo of this screen.",
        "print_failed_go": "Please ask at the guide desk to reprint your ticket",
        "scan_status": "Scan with your phone to follow the queue",
        "finish": "Done",
        "refused": "No number can be issued",
        "refused_hint": "Questions? Press \"Call for help\" or ask at the guide desk.",
        "help": "Call for help",
        "help_sent": "Staff have been told; please wait here.",
        "help_coming": "A member of staff has seen your call and is on the way; please wait here.",
        "help_failed": "The call did not go through; please go to the guide desk.",
        "elder_on": "Large print",
        "elder_off": "Normal print",
        "lang_switch": "中文",
        "appointment": "Appointment",
        "returning": "Back for my case",
        "returning_title": "Bring missing materials or collect a result",
        "returning_hint": "Scan the QR code on your earlier ticket, or type your ID number: no new place at the back",
        "returning_done": "Please go to window {window} and watch for your number",
        "returning_done_hint": "You will be called before today's new arrivals.",
        "speak_returning": "Bring materials or collect a result. Scan the QR code on your earlier ticket, or type your ID number.",
        "speak_returning_done": "Number {number}, please wait for window {window}.",
        "appointment_title": "Appointment check-in",
        "appointment_hint": "Scan your appointment QR code, or type the code or your ID number",
        "appointment_choose": "Your appointments today; choose one",
        "appointment_not_now": "not in its slot",
        "green": "Elderly priority",
        "green_sub": "aged {age}+",
        "green_title": "Elderly priority",
        "green_hint": "Place your ID card on the reader, or type your ID number",
        "green_banner": "Elderly priority · {id}",
        "green_too_young": "This kiosk opens the priority channel only for people aged {age} or over. For disability, pregnancy, military service and other priority cases, please ask at the guide desk.",
        "take_normal": "Take a normal number",
        "id_invalid": "That ID number is not valid; please check it and try again.",
        "confirm": "OK",
        "clear": "Clear",
        "delete": "Delete",
        "printer_out_title": "This kiosk is not issuing numbers",
        "printer_out": "The ticket printer is {state}; no ticket can be printed now.",
        "printer_out_hint": "Please ask at the guide desk for a number, or use another kiosk. Press \"Call for help\" if you need staff.",
        "hall_not_issuing": "No numbers now",
        "offline": "Network lost, reconnecting…",
        "network_error": "Network failure: no number was taken. Please try again or ask staff.",
        "setup_title": "Kiosk setup",
        "setup_hint": "Staff: enter this kiosk's token (hallq token create --kind kiosk --name PRINTER).",
        "setup_bad": "The token is not valid or was revoked; enter it again.",
        "setup_save": "Save",
        "idle_back": "Back to start in {s} s",
        "printer_state": "Printer: {state}",
        "speak_start": "Choose a department. There are {n}: {names}. You can also search, or check in an appointment.",
        "speak_items": "{department}. Choose a service: {names}.",
        "speak_confirm": "{item}. {n} people are waiting. Please have ready: {materials}. Press take a number to confirm.",
        "speak_printing": "Printing, one moment.",
        "speak_done": "Please take your ticket. Your number is {number}.",
        "speak_failed": "The ticket did not print. Your number is {number}. Please ask at the guide desk.",
        "speak_refused": "{message}",
        "speak_green": "Elderly priority. Place your ID card on the reader, or type your ID number.",
        "speak_checkin": "Appointment check-in. Scan your appointment code, or type it.",
        "speak_help": "Staff have been told; please wait here.",
        "speak_help_coming": "A member of staff is on the way.",
        "speak_printer_out": "This kiosk is not issuing numbers; please ask at the guide desk.",
        "state_ok": "ready", "state_near_end": "nearly out of paper", "state_paper_out": "out of paper",
        "state_offline": "offline", "state_not_answering": "not answering", "state_port_down": "disconnected",
        "state_failed": "broken", "state_unknown": "not reporting",
        "notify_offer": "Text me",
        "notify_title": "Text reminders",
        "notify_for": "Number {number}: a text when your turn is near, when you are called or missed",
        "notify_hint": "Type your mobile number. It is used for today's reminders only, never shown on screens or tickets, and deleted when the day ends.",
        "notify_done": "Text reminders on: {phone}",
        "notify_bad": "Please type an 11-digit mobile number.",
        "locale": "en-GB",
    },
}

# The status page's texts; "calling" is the call as the hall TV words it (hallq.wording).
STATUS_TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "title": "排队进度", "number": "您的号码", "ahead": "前面还有", "people": "人", "eta": "预计等候",
        "minutes": "约 {m} 分钟", "now": "马上就到", "calling": sentence_case(call_phrase("go", "zh")),
        "windows": "办理窗口：{windows}", "issued": "取号时间", "updated": "更新于 {time}",
        "stale": "暂时无法更新，正在重试…", "unknown": "没有找到这张号票，可能已过期或号码有误。",
        "auto": "本页自动更新，无需刷新。", "lang": "English",
        "waiting": "等候中", "called": "正在叫号", "held": "挂起，请留意叫号", "missed": "已过号，请到导办台",
        "finished": "已办结，感谢您的耐心", "expired": "已过期",
        "rate": "请对本次服务进行评价", "rate_reason": "请选择不满意的原因（可多选）", "rate_comment": "补充说明（选填，选“其他”时必填）",
        "rate_send": "提交评价", "rate_thanks": "感谢您的评价！", "rate_done": "您已评价过本次服务，感谢参与。",
        "next": "本号之后还要办理：{items}（叫号时请留意，不用重新取号）",
        "notify_title": "短信提醒", "notify_hint": "快轮到您、叫号和过号时发短信提醒。号码只用于今天的提醒，当天结束即删除。",
        "notify_case_title": "办理结果短信通知",
        "notify_case_hint": "办理结果可以领取时发短信通知您。号码只用于本件的通知，办结领取期满后即删除。",
        "notify_placeholder": "手机号码", "notify_send": "开通提醒", "notify_done": "已开通短信提醒：{phone}",
        "notify_on": "已开通短信提醒",
        "notify_bad": "请输入11位手机号码。",
        "locale": "zh-CN",
        # 办件 (issue 17): what the outcome means, then the result
        "case_promised_open": "已受理（承诺件），正在办理", "case_joint_open": "已受理（联办件），多部门并联办理中",
        "case_forwarded_open": "已受理（上报件），已报上级机关审批", "case_supplement_waiting": "材料不齐，请补齐材料（补办件）",
        "case_open": "材料已补齐，正在办理", "case_done": "办理结果已可领取", "case_rejected_done": "答复件：不予办理",
        "case_delivered": "办理结果已领取",
        "case_due": "承诺办结日期：{date}", "case_materials": "请补齐以下材料：",
        "case_bring": "请于{date}前带齐材料到{place}（请携带本号票）。",
        "case_reason": "原因：{reason}", "case_forwarded_to": "已报送：{to}", "case_departments": "办理部门：",
        "case_lead": "牵头", "case_assist": "协办", "case_task_done": "已完成", "case_task_open": "办理中",
        "case_pickup": "请到{place}领取办理结果（请携带本号票或身份证）。",
        "case_delivered_line": "{at} 由{by}发放，领取人：{to}", "window_n": "{n}号窗口",
        # 容缺受理: accepted, some materials still owed by a date
        "case_promised_waiting": "已容缺受理（承诺件），待补齐材料", "case_joint_waiting": "已容缺受理（联办件），待补齐材料",
        "case_owed": "您承诺于{date}前补齐以下材料：", "case_owed_where": "请带到{place}（请携带本号票）。",
        "case_owed_late": "已过承诺补齐日期，请尽快补齐；办结日期按逾期的工作日顺延。",
    },
    "en": {
        "title": "Your place in the queue", "number": "Your number", "ahead": "Ahead of you", "people": "",
        "eta": "Estimated wait", "minutes": "about {m} min", "now": "any moment", "calling": sentence_case(call_phrase("go", "en")),
        "windows": "Windows: {windows}", "issued": "Taken at", "updated": "updated {time}",
        "stale": "Cannot update just now; retrying…", "unknown": "This ticket was not found; it may have expired.",
        "auto": "This page updates by itself.", "lang": "中文",
        "waiting": "waiting", "called": "being called", "held": "on hold, watch for your number",
        "missed": "missed, please ask at the guide desk", "finished": "finished, thank you", "expired": "expired",
        "rate": "How was our service?", "rate_reason": "What went wrong? (choose any)",
        "rate_comment": "Anything to add (needed for \"other\")", "rate_send": "Send", "rate_thanks": "Thank you for your rating!",
        "rate_done": "You have already rated this service. Thank you.",
        "next": "After this, on the same number: {items} (no need to take another number)",
        "notify_title": "Text reminders", "notify_hint": "A text when your turn is near, when you are called or missed. "
        "The number is used for today's reminders only and deleted when the day ends.",
        "notify_case_title": "A text when your result is ready",
        "notify_case_hint": "We text you when your result can be collected. The number is used for this case only "
        "and deleted once the time to collect it has passed.",
        "notify_placeholder": "Mobile number", "notify_send": "Turn on", "notify_done": "Text reminders on: {phone}",
        "notify_on": "Text reminders are on",
        "notify_bad": "Please type an 11-digit mobile number.",
        "locale": "en-GB",
        "case_promised_open": "Accepted (promised case), in progress", "case_joint_open": "Accepted (joint case), departments at work",
        "case_forwarded_open": "Accepted, forwarded to a higher authority", "case_supplement_waiting": "Materials missing: please bring them",
        "case_open": "Materials complete, in progress", "case_done": "Your result is ready to collect",
        "case_rejected_done": "Reply: not approved", "case_delivered": "Result collected",
        "case_due": "Promised by: {date}", "case_materials": "Please bring:",
        "case_bring": "Bring them by {date} to {place} (bring this ticket).",
        "case_reason": "Reason: {reason}", "case_forwarded_to": "Forwarded to: {to}", "case_departments": "Departments:",
        "case_lead": "lead", "case_assist": "assisting", "case_task_done": "done", "case_task_open": "in progress",
        "case_pickup": "Collect your result at {place} (bring this ticket or your ID card).",
        "case_delivered_line": "Handed out {at} by {by} to {to}", "window_n": "window {n}",
        "case_promised_waiting": "Accepted (promised case), some materials to follow",
        "case_joint_waiting": "Accepted (joint case), some materials to follow",
        "case_owed": "You promised to bring these by {date}:", "case_owed_where": "Bring them to {place} (bring this ticket).",
        "case_owed_late": "The date you promised has passed: please bring them soon. The due date moves on by the "
                          "working days they are late.",
    },
}


@bp.get("/kiosk")
def kiosk_page():
    return device_pages.render_page("kiosk.html", TEXT)


class SpeechIn(Body):
    text: str = Field(min_length=1, max_length=300)
    lang: str = Field("zh", pattern=r"^(zh|en)$")


@bp.post("/kiosk/speech.wav")
def guidance_audio():
    """Spoken guidance as WAV, for kiosks whose browser has no Chinese voice (bearer: a kiosk token)."""
    principal().require("issue")
    data = body(SpeechIn)
    return Response(_spoken(data.text, data.lang), mimetype="audio/wav",
                    headers={"Cache-Control": "private, max-age=3600"})


def _spoken(text: str, lang: str) -> bytes:
    try:
        from hallq.devices.voice import EngineError, render_wav  # renders are cached there, by text
    except ImportError:  # no speech engine on this server: the page stays silent, issuing is unaffected
        raise VoiceUnavailable("internal_error") from None
    try:
        return render_wav(text, lang)
    except EngineError:
        raise VoiceUnavailable("internal_error") from None


def _by_token(s, token: str) -> Ticket | None:
    return s.query(Ticket).filter_by(token=token).one_or_none() if len(token) <= 64 else None


@bp.get("/t/<token>")
def status_page_view(token: str):
    lang = device_pages.page_lang()
    with reading() as uow:
        ticket = _by_token(uow.session, token)
        data = offer = None
        if ticket is not None:
            ctx = hall_context(uow.session, ticket.hall_id)
            data = case_views.public_status(uow.session, ctx, ticket, now(), lang)
            # Text reminders: offered while the ticket is still in the hall's day, and after the counter while its
            # case is open (the result-ready text); never the number, not even masked.
            contact = notify.contact_of(uow.session, ticket.id)
            for_case = ticket.status not in notify.OPEN and data["case"] is not None \
                and data["case"]["status"] in case_notify.OPEN
            offer = {"offered": notify.is_on(ctx) and (ticket.status in notify.OPEN or for_case),
                     "for_case": for_case, "opted_in": bool(contact and contact.address)}
    html = render_template("status_page.html", lang=lang, text=STATUS_TEXT[lang], data=data, token=token,
                           offer=offer)
    response = device_pages.page_response(html, 200 if data else 404)
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/t/<token>/qr.svg")
def status_qr(token: str):
    """The QR code of a ticket's status page, for the kiosk's screen when the paper did not come out."""
    with reading() as uow:
        ticket = _by_token(uow.session, token)
        if ticket is None:
            raise NotFound("ticket_unknown", ticket="")
        url = status_page(hall_context(uow.session, ticket.hall_id), ticket)
    return Response(qr_svg(url), mimetype="image/svg+xml", headers={"Cache-Control": "private, max-age=86400"})


@functools.lru_cache(maxsize=512)
def qr_svg(data: str) -> bytes:
    return qr.svg(data)
