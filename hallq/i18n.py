"""User-facing text: Simplified Chinese by default, English on request."""
from __future__ import annotations

import datetime as dt
import string
from typing import NamedTuple

DEFAULT_LANG = "zh"


class Both(NamedTuple):
    """A message parameter already worded in both languages (a time, say): `message` takes the caller's."""
    zh: str
    en: str


def opening_words(at: dt.datetime, today: dt.date) -> Both:
    """When the hall (or a window) opens, as a citizen reads it: "今天 14:00" or "下一个工作日 12月8日 9:00".

    `at` is in the hall's zone; opening later than today is always the next working day (the calendar's).
    """
    clock = f"{at.hour}:{at.minute:02d}"
    if at.date() == today:
        return Both(f"今天 {clock}", f"today at {clock}")
    return Both(f"下一个工作日 {at.month}月{at.day}日 {clock}", f"the next working day, {at:%a} {at.day} {at:%b} at {clock}")

MESSAGES: dict[str, tuple[str, str]] = {
    # issuing
    "hall_closed": ("大厅现在不办理业务，{opens}开始取号。", "The hall is closed now; numbers are issued again {opens}."),
    "closing_soon": ("距下班不足{minutes}分钟，今日已停止取号，请{opens}再来。", "The hall closes in less than {minutes} minutes and has stopped issuing numbers today; please come back {opens}."),
    "quota_exhausted": ("“{service}”今日号源已取完，请{opens}再来或网上预约。", "Today's numbers for \"{service}\" are used up; please come back {opens} or book online."),
    "service_unstaffed": ("“{service}”现在没有窗口在办理{back}。取号后请留意叫号。", "No window is serving \"{service}\" right now{back}. If you take a number, watch for your call."),
    "already_waiting": ("您已持有“{service}”的排队号{number}，请等候叫号。", "You already hold number {number} for \"{service}\"; please wait to be called."),
    "service_unknown": ("没有这个事项：{service}", "No such service item: {service}"),
    "one_visit_too_many": ("一张号最多同时办理{n}个事项，请减少所选事项。", "One number covers at most {n} services on one visit; please choose fewer."),
    "one_visit_repeat": ("“{service}”已经选过，同一事项只需选一次。", "\"{service}\" is already chosen; each service needs choosing only once."),
    "one_visit_alone": ("“{service}”须单独取号，不能与其他事项一票办理。", "\"{service}\" needs a number of its own and cannot share one with other services."),
    "one_visit_no_window": ("本大厅没有办理“{service}”的窗口，不能一票办理。", "No window of this hall serves \"{service}\"; it cannot be added to this number."),
    "one_visit_quota": ("“{service}”今日号源已取完，不能一票办理；去掉它后可以取号。", "Today's numbers for \"{service}\" are used up, so it cannot be added; without it you can take a number."),
    "service_closed": ("“{service}”暂停取号。", "\"{service}\" is not issuing numbers at the moment."),
    "appointment_required": ("预约取号需要预约码。", "An appointment ticket needs an appointment code."),
    "appointment_unknown": ("没有找到预约码{code}，请核对后重试。", "Appointment code {code} was not found; please check it and try again."),
    "appointment_other_person": ("预约码{code}不是这个身份证号的预约。", "Appointment {code} was not booked with this ID number."),
    "appointment_used": ("预约码{code}已经取过号。", "Appointment code {code} has already been checked in."),
    "appointment_cancelled": ("预约{code}已取消。", "Appointment {code} was cancelled."),
    "appointment_wrong_service": ("预约{code}不是这个事项的预约。", "Appointment {code} is for a different service item."),
    "appointment_too_early": ("预约时段{slot}尚未开始，请到时再取号。", "Your appointment slot {slot} has not started yet; please check in then."),
    "appointment_too_late": ("预约时段{slot}已过，请重新预约或取普通号。", "Your appointment slot {slot} has passed; please book again or take a normal number."),
    "appointment_none_today": ("没有找到这个身份证号今天的预约，请核对，或改用预约码，或取普通号。", "No appointment for today was found for this ID number; please check it, use the appointment code, or take a normal number."),
    "appointment_exists": ("预约码{code}已存在。", "Appointment code {code} already exists."),
    "green_reason_required": ("绿色通道需要登记原因。", "A green-channel ticket needs a reason."),
    "green_not_allowed": ("自助取号机只为{age}周岁以上老人（凭身份证号）开通绿色通道，其他情况请到导办台。", "The kiosk opens the green channel only for people aged {age} or over (by ID number); please ask at the guide desk."),
    "id_number_invalid": ("身份证号码无效。", "The ID number is not valid."),
    "phone_invalid": ("手机号码无效。", "The phone number is not valid."),
    # the citizen's notifications (hallq.queue.notify)
    # 扫码取号 (hallq.kiosk.phone)
    "phone_issuing_off": ("本大厅暂未开通扫码取号，请到自助取号机取号。", "This hall does not issue numbers by phone; please use a kiosk."),
    "id_number_required": ("扫码取号需要填写身份证号码。", "Taking a number by phone needs your ID number."),
    "phone_daily_limit": ("今天的扫码取号名额已满，请到自助取号机取号。", "Today's numbers by phone are all taken; please use a kiosk."),
    "notify_off": ("本大厅暂未开通短信提醒。", "This hall does not send text reminders."),
    "complaint_about_you": ("第{complaint}号投诉针对您本人，部门答复须由督查股录入。",
                            "Complaint {complaint} is about you: the supervision office records the department's reply."),
    "notify_ticket_done": ("{number}号的状态为“{status}”，不再发送提醒。", "{number} is {status}; no reminders are sent for it."),
    "notify_number_fixed": ("提醒已发送到{phone}，不能再更换号码。", "Reminders already went to {phone}; the number cannot be changed now."),
    "notify_rate_limited": ("操作过于频繁，请稍后再试。", "Too many attempts; please try again later."),
    # windows
    "window_unknown": ("没有{window}号窗口。", "There is no window {window}."),
    "window_not_signed_in": ("{window}号窗口没有工作人员签到。", "Nobody is signed in at window {window}."),
    "not_your_window": ("您没有在{window}号窗口签到。", "You are not signed in at window {window}."),
    "window_taken": ("{window}号窗口已有{staff}签到。", "{staff} is already signed in at window {window}."),
    "already_signed_in": ("您已在{window}号窗口签到，请先签退。", "You are already signed in at window {window}; sign out there first."),
    "wrong_post": ("您不是{window}号窗口的{post}岗人员。", "You do not hold post {post} at window {window}."),
    "not_staff": ("该账号未关联窗口工作人员。", "This account is not linked to a staff member."),
    "window_paused": ("{window}号窗口已暂停服务，请先恢复。", "Window {window} is paused; resume it first."),
    "window_not_paused": ("{window}号窗口没有暂停。", "Window {window} is not paused."),
    "window_busy": ("{window}号窗口正在办理{number}，请先办结、过号、挂起或转移。", "Window {window} is serving {number}; finish, skip, hold or transfer it first."),
    "window_idle": ("{window}号窗口当前没有正在办理的号。", "Window {window} is not serving anyone now."),
    "skip_too_soon": ("{number}才呼叫了{calls}次。本厅规定呼叫满{need_calls}次或叫号满{minutes}分钟仍未到才能过号，请先重呼，或{wait_s}秒后再过号。", "{number} has been called only {calls} time(s). The hall marks a citizen missed only after {need_calls} calls or {minutes} minutes since the call; recall first, or skip in {wait_s} s."),
    "recall_limit": ("{number}已重呼{count}次，达到上限。", "{number} has been recalled {count} times, the limit."),
    "ticket_unknown": ("没有找到号码{ticket}。", "Ticket {ticket} was not found."),
    "nothing_held": ("{window}号窗口没有挂起的号。", "Window {window} holds no ticket."),
    "ticket_not_callable": ("{number}当前状态为“{status}”，不能呼叫。", "{number} is {status} and cannot be called."),
    "ticket_not_for_window": ("{window}号窗口不办理{number}的事项。", "Window {window} does not serve the item of {number}."),
    "ticket_held_elsewhere": ("{number}挂起在{held}号窗口。", "{number} is held at window {held}."),
    "ticket_not_missed": ("{number}不是过号状态，不能重新排队。", "{number} was not missed, so it cannot be requeued."),
    "ticket_requeued_before": ("{number}今天已经重新排过一次队。", "{number} has already been requeued once today."),
    "ticket_expired": ("{number}已过期。", "{number} has expired."),
    "transfer_target_required": ("转移需要指定事项或窗口。", "A transfer needs a service item or a window."),
    "transfer_same_window": ("不能转移到本窗口。", "A ticket cannot be transferred to its own window."),
    "transfer_window_unavailable": ("{target}号窗口未开放，不能转入。", "Window {target} is not open, so the ticket cannot go there."),
    "transfer_return_without_window": ("“转回本窗口”需要本窗口签到中。", "\"Return\" needs this window to stay signed in."),
    "outcome_unknown": ("办件类型无效：{outcome}", "Unknown case outcome: {outcome}"),
    "promised_days_required": ("承诺件需要填写承诺办结工作日数。", "A promised case needs the promised number of working days."),
    "promised_days_too_long": ("承诺时限{days}个工作日不能超过法定时限{legal}个工作日。", "The promised limit of {days} working days cannot exceed the legal limit of {legal}."),
    "missing_materials_required": ("补办件需要列出全部缺少的材料（一次性告知）。", "A supplementary case must list every missing material (one-time notification)."),
    "reason_required": ("请填写原因。", "Please give a reason."),
    "tolerance_not_for_outcome": ("只有承诺件或联办件可以容缺受理。", "Only a promised or joint case can be accepted with materials to follow (容缺受理)."),
    "tolerance_materials_required": ("容缺受理需要列出后补的材料。", "Accepting with materials to follow needs the materials named."),
    "tolerance_after_due": ("后补材料的期限{days}个工作日不能晚于承诺办结时限{promised}个工作日。", "Materials promised in {days} working days would come after the case is due ({promised} working days)."),
    "tolerance_material_unknown": ("{number}号没有待补材料“{material}”。", "{number} owes no material called “{material}”."),
    # ratings (好差评) and bad-review follow-up
    "rating_qr_by_token": ("扫码评价请使用号票二维码的地址（/api/v1/t/{{token}}/rating）。", "QR ratings go to the ticket's QR address (/api/v1/t/{{token}}/rating)."),
    "rating_by_staff": ("工作人员不能替群众评价。", "Staff cannot rate on a citizen's behalf."),
    "rating_wrong_channel": ("此设备不能通过“{channel}”渠道评价。", "This device cannot rate through the \"{channel}\" channel."),
    "rating_other_window": ("只能评价本窗口（不是{window}号窗口）办理的业务。", "Only this window's tickets can be rated here, not window {window}'s."),
    "rating_window_required": ("评价按键需要指明窗口号。", "A keypad rating needs the window number."),
    "rating_level_invalid": ("评价等级无效：{level}", "Invalid rating level: {level}"),
    "rating_reason_unknown": ("没有这个差评原因：{reason}", "Unknown bad-review reason: {reason}"),
    "rating_reasons_required": ("选择“不满意”或“非常不满意”时请选择原因。", "Please choose a reason for a dissatisfied rating."),
    "rating_other_needs_text": ("选择“其他”原因时请填写具体内容。", "Please describe the \"other\" reason."),
    "already_rated": ("{number}已经评价过，感谢您的参与。", "{number} has already been rated; thank you."),
    "rating_not_requested": ("{number}不是{window}号窗口当前请求评价的业务。", "{number} is not the ticket window {window} is asking a rating for."),
    "rating_expired": ("{number}的评价时间已过，可扫描号票上的二维码评价。", "The time to rate {number} here has passed; please use the QR code on the ticket."),
    "rating_qr_expired": ("{number}办结已超过{days}天，不能再评价。", "{number} was finished more than {days} days ago and can no longer be rated."),
    "rating_rate_limited": ("评价过于频繁（每分钟最多{limit}次），请稍后再试。", "Too many ratings (at most {limit} a minute); please try again later."),
    "rating_unknown": ("没有找到评价{rating}。", "Rating {rating} was not found."),
    "appeal_not_bad_review": ("评价{rating}不是差评，不需要申诉复核。", "Rating {rating} is not a bad review; there is nothing to appeal."),
    "appeal_decided": ("评价{rating}已复核过。", "Rating {rating} has already been ruled on."),
    "alert_unknown": ("没有找到提醒{alert}。", "Alert {alert} was not found."),
    "alert_acknowledged": ("此提醒已由{by}于{time}确认，无需重复确认。", "{by} acknowledged this alert at {time} already."),
    "duty_log_handed_over": ("今天的值班日志已由{by}交接给{to}，不能再添加记录；如需更正，请对原记录追加更正。",
                             "Today's duty log was handed over by {by} to {to}: nothing more can be added; "
                             "append a correction to an entry instead."),
    "duty_log_opening_recorded": ("今天的到岗检查已经记录。", "Today's opening check is recorded already."),
    "duty_log_empty": ("今天的值班日志还没有记录，不能交接。", "Today's duty log has no entry yet: nothing to hand over."),
    "duty_log_entry_unknown": ("没有找到值班日志记录{entry}。", "Duty log entry {entry} was not found."),
    "duty_handover_not_duty": ("{username}不能担任值班长（只有督查账号可以）。",
                               "{username} cannot be the duty manager (supervisor accounts only)."),
    "complaint_unknown": ("没有找到投诉{complaint}。", "Complaint {complaint} was not found."),
    "complaint_wrong_step": ("投诉{complaint}当前为“{status}”，不能办理这一步。", "Complaint {complaint} is {status}; that step does not fit now."),
    "complaint_satisfied": ("投诉人对投诉{complaint}的处理结果满意，不需要重新核实。", "The complainant accepted the result of complaint {complaint}; there is nothing to re-verify."),
    "complaint_visit_missing": ("投诉{complaint}尚未回访，不能办结。", "Complaint {complaint} cannot be closed before a return visit."),
    "staff_change_unknown": ("没有找到人员变动{change}。", "Staff change {change} was not found."),
    "staff_change_decided": ("人员变动{change}已经审批过。", "Staff change {change} is decided already."),
    "leave_unknown": ("没有找到请假{leave}。", "Leave {leave} was not found."),
    "leave_no_staff": ("只有工作人员本人的账号可以请假。", "Only a staff member's own account asks for leave."),
    "leave_not_your_step": ("请假{leave}的这一步应由{step}审批。", "This step of leave {leave} is for {step} to decide."),
    "leave_not_yours": ("只有请假人本人可以撤销请假。", "Only the one who asked can cancel a leave."),
    "leave_closed": ("请假{leave}当前为“{status}”，不能再办理。", "Leave {leave} is {status}; nothing more can be done."),
    "leave_begun": ("请假{leave}已经开始，不能撤销。", "Leave {leave} has begun and cannot be cancelled."),
    "leave_past": ("不能为已经过去的日子请假。", "Leave cannot be asked for days already past."),
    "leave_overlaps": ("与已有的请假{leave}时间重叠。", "It overlaps leave {leave}."),
    "leave_no_workday": ("所选时间内没有工作日的办公时段，不需要请假。",
                         "The days chosen hold no working half day: no leave is needed."),
    "followup_unknown": ("没有找到差评整改件{followup}。", "Follow-up case {followup} was not found."),
    "followup_not_open": ("整改件{followup}已办结或已撤销。", "Follow-up case {followup} is closed or withdrawn."),
    "followup_result_required": ("请填写回访结果。", "Please give the result of the callback."),
    "followup_rectification_required": ("请填写整改内容。", "Please describe the rectification."),
    "followup_time_invalid": ("时间不能早于立案时间，也不能晚于现在。", "The time cannot be before the case opened or in the future."),
    "followup_callback_missing": ("整改件{followup}还没有回访记录，不能办结。", "Case {followup} has no callback to the citizen yet and cannot be closed."),
    "followup_rectification_missing": ("整改件{followup}还没有整改记录，不能办结。", "Case {followup} has no rectification yet and cannot be closed."),
    # access
    "hall_unknown": ("没有这个大厅：{hall}", "No such hall: {hall}"),
    "hall_ambiguous": ("数据库中有多个大厅，请指定。", "The database holds several halls; name one."),
    "no_hall": ("还没有大厅，请先导入大厅文件。", "There is no hall yet; load a hall file first."),
    "unauthorized": ("需要登录或有效的设备令牌。", "A login or a valid device token is needed."),
    "forbidden": ("无权执行此操作。", "You are not allowed to do this."),
    # cases (办件, issue 17)
    "case_not_yours": ("{number}号办件由{window}号窗口负责：只有该窗口的工作人员、本部门首席代表或督查人员可以登记。",
                       "Case {number} belongs to window {window}: only that window's staff, its department's chief "
                       "representative or a supervisor may record it."),
    "case_unknown": ("{number}号不是办件（即办件没有后续办理）。", "{number} is not a case (an immediate case has nothing to follow)."),
    "case_waiting": ("{number}号办件还在等待补齐材料，收到材料后才能办结。",
                     "Case {number} is still waiting for its missing materials; record them first."),
    "delay_reason_required": ("{number}号办件应于{due}办结，超期办结须先注明延期原因。",
                              "Case {number} was due on {due}: a case finished late needs its delay reason."),
    "case_not_overdue": ("{number}号办件没有超期，无需延期原因。", "Case {number} is not overdue: it needs no delay reason."),
    "case_not_waiting": ("{number}号办件没有在等待补齐材料。", "Case {number} is not waiting for materials."),
    "case_not_forwarded": ("{number}号不是在办的上报件。", "Case {number} is not a forwarded case still open."),
    "case_task_unknown": ("{number}号办件没有这项联办任务。", "Case {number} has no such joint task."),
    "case_not_ready": ("{number}号办件尚未办结，没有可发放的结果。", "Case {number} is not finished: there is no result to hand out."),
    "case_in_progress": ("您的办件正在办理中（承诺办结日期：{due}），办结后即可凭号票领取，现在无需排队。",
                         "Your case is still being handled (promised by {due}); collect the result with your ticket once it is ready."),
    "case_not_found": ("没有找到需要补齐材料或领取结果的办件，请核对号票或证件号码，或到导办台咨询。",
                       "No case waiting for materials or a result to collect was found; check the ticket or ID, or ask at the guide desk."),
    "case_delivered": ("{number}号办件的结果已经发放。", "The result of case {number} was already handed out."),
    "bad_login": ("用户名或密码错误。", "Wrong username or password."),
    "too_many_logins": ("登录失败次数过多，请{seconds}秒后再试。", "Too many failed logins; try again in {seconds} seconds."),
    "account_locked": ("账号因多次登录失败已被锁定，请联系管理员解锁。",
                       "The account is locked after repeated failed logins; ask an administrator to unlock it."),
    "login_busy": ("登录请求过多，请稍后再试。", "Too many logins at once; try again in a moment."),
    "weak_password": ("密码不符合要求：{detail}", "The password does not meet the policy: {detail}"),
    "password_change_required": ("首次登录须先修改密码。", "Change your password before anything else (first login)."),
    "wrong_password": ("原密码错误。", "The current password is wrong."),
    "user_unknown": ("没有这个用户：{username}", "No such user: {username}"),
    "cross_origin": ("拒绝来自其他网站的表单提交。", "A form posted from another site is refused."),
    "photo_too_large": ("照片过大（{size} KB），不能超过{limit} KB。", "The photo is too large ({size} KB); at most {limit} KB."),
    "photo_not_image": ("照片须为 JPEG、PNG 或 WebP 图片。", "The photo must be a JPEG, PNG or WebP picture."),
    "hall_file_invalid": ("不符合大厅配置规则：{detail}", "Against the hall file's rules: {detail}"),
    "staff_unknown": ("没有工号为{number}的工作人员。", "No staff member {number}."),
    "department_unknown": ("没有代码为{code}的部门。", "No department {code}."),
    "token_unknown": ("没有这个设备令牌。", "No such device token."),
    "user_exists": ("用户名{username}已存在。", "The username {username} is taken."),
    "own_account": ("不能停用或降级自己的账号。", "You cannot disable or demote your own account."),
    "photo_dir_unset": ("服务器未设置照片目录（hallq serve --photos），不能上传照片。",
                        "The server has no photo directory (hallq serve --photos); photos cannot be uploaded."),
    "invalid_input": ("输入有误：{detail}", "Invalid input: {detail}"),
    "item_unknown": ("没有这个事项：{code}", "No such item: {code}"),
    "item_exists": ("事项编码{code}已存在。", "An item with code {code} exists."),
    "form_unknown": ("没有这个表格文件。", "No such form file."),
    # seed 001 第十三条: promised limits at least 50% shorter than the legal ones (a warning, not a refusal)
    "promise_not_half": ("承诺时限未比法定时限缩短50%以上（第十三条要求）。",
                         "The promised time limit is not at least 50% shorter than the legal one (seed 001 art. 13)."),
    "not_found": ("没有这个地址。", "No such address."),
    "method_not_allowed": ("不支持这种请求方法。", "This method is not allowed here."),
    "internal_error": ("系统内部错误，请联系管理员。", "Internal error; please tell the administrator."),
    "voice_unavailable": ("语音合成暂不可用：{detail}", "Speech synthesis is unavailable: {detail}"),
    "conflict": ("数据已被同时修改，请重试。", "The data changed at the same time; please try again."),
    # printing at kiosks (no ghost tickets)
    "printer_not_ready": ("打印机暂不可用（{state}），暂停取号，请联系导办台工作人员。", "The ticket printer is not available ({state}); numbers cannot be issued here now, please ask at the guide desk."),
    "notice_not_for_outcome": ("{number}不是本窗口以相应办件结果办结的业务，不能打印{notice}。", "{number} was not finished here with the outcome a {notice} is for."),
    "printer_not_yours": ("本设备只能使用自己的打印机（{own}），不能使用{printer}。",
                          "This device prints only on its own printer ({own}), not on {printer}."),
    "ticket_closed": ("{number}已经{status}，不能再打印。", "{number} is {status} and can no longer be printed."),
    # a month's sign-off (hallq.assessment.publication)
    "publication_step": ("{month}的考核目前处于“{state}”，不能{step}。", "The assessment of {month} is {state}; it cannot be {step} now."),
    "month_not_over": ("{month}还没有结束，月末后才能开始自查。", "{month} has not ended; its self-check can start after the month."),
    "self_check_closed": ("{month}不在自查期内，不能提出异议。", "{month} is not in its self-check; objections cannot be raised."),
    "self_check_running": ("自查期到{until}结束，期满后才能审核。", "The self-check runs until {until}; the review comes after it."),
    "objections_open": ("还有{count}条自查异议没有答复，答复后才能审核。", "{count} objection(s) of the self-check are not answered yet; answer them before the review."),
    "changed_since": ("{month}的考核结果在“{step}”之后有变化（督查记录、复议或办结登记），请重新审核。",
                      "The result of {month} changed after it was {step} (a record, an appeal or a completion); review it again."),
    "cards_not_open": ("{month}的考核结果还没有送自查，暂不能查看。", "The cards of {month} are not open to staff before its self-check."),
    "month_published": ("{month}的考核结果已发布并冻结，只能通过复议裁定更改。", "{month} is published and frozen; only an appeal ruling can change it."),
    "published": ("已发布：{detail}", "Published: {detail}"),
    # the county government's 双目标 (hallq.assessment.dual_target_year)
    "dual_target_none": ("本大厅{year}年所用的考核办法没有“双目标”评分说明（如窗口争星方案），不能认定。",
                         "The hall's scheme for {year} has no 双目标 classes (such as the window stars scheme)."),
    "year_not_over": ("{year}年还没有结束，年终后才能报送双目标结果。", "{year} has not ended; its 双目标 result is reported after the year."),
    "dual_target_reported": ("{year}年的双目标结果已报送；更正认定会生成新的修订版本。",
                             "The 双目标 result of {year} is reported already; a corrected finding makes its next revision."),
    "finding_reason_required": ("请填写更正理由：更正已有认定，或在报送后录入认定，都须说明理由。",
                                "Give the reason: correcting a finding, or entering one after the year was reported, says why."),
    "finding_evidence_required": ("请填写认定依据：核查了什么（进驻事项清单、实地核查记录、文件编号）。",
                                  "Give the evidence: what was checked (the items moved in, the inspection, the file)."),
    "finding_unchanged": ("{department}{year}年的认定已经是这一情形，无需更正。", "{department}'s finding for {year} is that already."),
    "finding_none_to_withdraw": ("{department}{year}年没有可撤回的认定。", "{department} has no finding for {year} to withdraw."),
    "months_unpublished": ("以下月份的考核结果尚未发布：{months}。各月发布后才能报送年度双目标结果。",
                           "These months are not published yet: {months}. Publish them before reporting the year."),
    # the official calendar (hallq.queue.hours): a year neither chinese_calendar nor the hall has entered
    "calendar_not_entered": ("{years}年的法定节假日安排尚未录入：目前只把法定节日当天（元旦、春节、清明、劳动节、端午、中秋、国庆）算作休息日，"
                             "调休上班和补假未计入，办结期限和考勤可能相差几天。"
                             "请在管理后台“大厅设置”中录入国务院公布的{years}年安排（或大厅文件 [hall.hours.official.{first}]）。",
                             "The official holiday arrangement for {years} has not been entered: only the statutory holidays "
                             "themselves (New Year's Day, Spring Festival, Qingming, Labour Day, Dragon Boat, Mid-Autumn, "
                             "National Day) count as days off, without make-up workdays or substitute days off, so due dates "
                             "and attendance may be a few days off. Enter the State Council's arrangement for {years} in the "
                             "admin pages' Hall tab (or the hall file's [hall.hours.official.{first}])."),
}

# What the citizen's phone is told (hallq.queue.notify): a kind's words, with the ticket's number, item
# (`service`) and hall, and the params its sender gave. An SMS: short, and no personal data.
NOTICE_TEXTS: dict[str, tuple[str, str]] = {
    "soon": ("即将轮到您：{number}号前面还有{ahead}人，请回到{hall}等候区留意叫号。",
             "Your turn is coming: {ahead} ahead of number {number}. Please return to the waiting area of {hall}."),
    "called": ("请{number}号到{window}号窗口办理（{hall}）。", "Number {number}, please go to window {window} ({hall})."),
    "missed": ("您的{number}号已过号，请到{hall}导办台咨询。",
               "Number {number} was called but missed; please ask at the guide desk of {hall}."),
    # For a case finished later (issue 17): notify(uow, ticket, "result_ready", now, key=<case>, where="3号窗口").
    "result_ready": ("办理结果已可领取：您在{hall}办理的“{service}”（{number}号），请到{where}领取。",
                     "Your result is ready: \"{service}\" (number {number}) at {hall}; please collect it at {where}."),
}


def notice_text(kind: str, lang: str = DEFAULT_LANG, /, **params) -> str:
    zh, en = NOTICE_TEXTS[kind]
    template = en if lang == "en" else zh
    try:
        return template.format(**params)
    except (KeyError, IndexError):  # a param missing: the words still go, with the placeholder's name blank
        return template.format_map({k: params.get(k, "") for k in _names(template)})


def _names(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


STATUS_NAMES = {
    "waiting": ("等候中", "waiting"), "called": ("办理中", "being served"), "held": ("挂起", "on hold"),
    "missed": ("过号", "missed"), "finished": ("已办结", "finished"), "expired": ("已过期", "expired"),
}

# A month's sign-off: its states, and the steps a refusal names.
PUBLICATION_NAMES = {
    "computed": ("已计算、未送自查", "computed, not yet in self-check"), "self_check": ("自查中", "in self-check"),
    "reviewed": ("已审核", "reviewed"), "approved": ("已审定", "approved"), "published": ("已发布", "published"),
    "open_self_check": ("开始自查", "opened for self-check"), "answer": ("答复异议", "answered"), "review": ("审核", "reviewed"), "approve": ("审定", "approved"),
    "publish": ("发布", "published"), "revise": ("修订", "revised"),
}

PUBLICATION_CODES = ("publication_step", "changed_since")

DEVICE_STATE_NAMES = {
    "ok": ("正常", "ready"), "near_end": ("纸将用完", "paper near end"), "paper_out": ("缺纸", "out of paper"),
    "offline": ("离线", "offline"), "not_answering": ("无应答", "not answering"),
    "port_down": ("连接断开", "port down"), "failed": ("故障", "failed"), "unknown": ("状态未知", "state unknown"),
}


def pick_lang(accept: str | None) -> str:
    """'en' when the caller asks for English first, else Chinese."""
    if accept and accept.strip().lower().startswith("en"):
        return "en"
    return DEFAULT_LANG


def message(code: str, lang: str = DEFAULT_LANG, /, **params) -> str:
    zh, en = MESSAGES.get(code, (code, code))
    template = en if lang == "en" else zh
    params = {k: (v.en if lang == "en" else v.zh) if isinstance(v, Both) else v for k, v in params.items()}
    if "status" in params and params["status"] in STATUS_NAMES:
        params["status"] = STATUS_NAMES[params["status"]][lang == "en"]
    if "state" in params and params["state"] in DEVICE_STATE_NAMES:
        params["state"] = DEVICE_STATE_NAMES[params["state"]][lang == "en"]
    for key in ("state", "step"):
        if code in PUBLICATION_CODES and params.get(key) in PUBLICATION_NAMES:
            params[key] = PUBLICATION_NAMES[params[key]][lang == "en"]
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template


def calendar_not_entered(years: list[int], lang: str = DEFAULT_LANG) -> str | None:
    """What supervisors and admins are told while the official calendar of `years` is not entered; None when all are."""
    if not years:
        return None
    return message("calendar_not_entered", lang, years=(" and " if lang == "en" else "、").join(map(str, years)),
                   first=years[0])
