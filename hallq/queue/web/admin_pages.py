"""The admin pages (管理后台, /admin/): the hall, departments, windows, staff, accounts, device tokens and
the audit log, for role admin; Simplified Chinese, English with ?lang=en.

A shell over /api/v1/admin (hallq.queue.web.admin_api) with the admin's own token in this tab's
sessionStorage, as the other staff pages (hallq.web.staff_pages): the page can do nothing the API would
not let its user do, and a refusal shows the API's own message.
"""
from __future__ import annotations

from flask import Blueprint

from hallq.web import staff_pages

bp = Blueprint("admin_pages", __name__, url_prefix="/admin")

# key: (Simplified Chinese, English). {name} fields are filled in by admin.js.
TEXT: dict[str, tuple[str, str]] = {
    "title": ("管理后台", "Administration"),
    "signin_title": ("管理员登录", "Administrator sign-in"),
    "forbidden_page": ("该账号不是管理员，不能使用管理后台。", "This account is not an administrator's."),
    "tab_hall": ("大厅设置", "Hall"), "tab_departments": ("部门", "Departments"), "tab_windows": ("窗口", "Windows"),
    "tab_staff": ("工作人员", "Staff"), "tab_accounts": ("账号", "Accounts"), "tab_tokens": ("设备令牌", "Device tokens"),
    "tab_changes": ("变更记录", "Change log"),
    "name": ("名称", "Name"), "code": ("代码", "Code"), "number": ("编号", "Number"),
    "timezone": ("时区", "Time zone"), "notice": ("滚动字幕", "Ticker text"),
    "sessions": ("营业时段（每行一段，如 09:00-12:00；两段之间为午休）",
                 "Opening sessions (one a line, e.g. 09:00-12:00; the gap between two is the lunch break)"),
    "weekdays": ("按星期另定时段（每行：星期 时段…，如 fri 09:00-12:00 14:00-17:00；只写星期为当天不开放）",
                 "Sessions by weekday (a line: weekday sessions…, e.g. fri 09:00-12:00 14:00-17:00; a weekday alone: closed)"),
    "holidays": ("本大厅休息日（每行一个日期）", "The hall's own closed days (one date a line)"),
    "workdays": ("本大厅加班开放日（每行一个日期）", "Extra opening days (one date a line)"),
    # what the hall's screens show (hallq.display.profiles, public_info)
    "prepare_next": ("叫号屏显示“请下一位准备”", "TVs name each window's next ticket (请A003准备)"),
    "supervision_phone": ("监督电话", "Supervision phone"),
    "complaint_channels": ("投诉渠道（每行一条）", "Complaint channels (one a line)"),
    "yes": ("是", "yes"), "no": ("否", "no"), "as_hall": ("同大厅设置", "as the hall"),
    "displays_title": ("显示屏配置", "Display profiles"),
    "displays_hint": ("一个配置对应同名的显示屏令牌：显示某些窗口或某部门的叫号，或作为信息公开屏（亮证上岗、监督电话、考核公示）。"
                      "未配置的显示屏显示全厅。",
                      "A profile is shown by the display tokens of its name: some windows' or a department's calls, or "
                      "the public information screen (roster, supervision phone, the published bulletin). A display "
                      "with no profile shows the whole hall."),
    "display_name": ("显示屏名称（令牌名）", "Name (the display token's)"), "display_title": ("标题", "Title"),
    "display_kind": ("用途", "Shows"), "kind_calls": ("叫号", "calls"), "kind_info": ("信息公开", "public information"),
    "display_windows": ("窗口（逗号分隔）", "Windows (comma-separated)"),
    "display_items": ("事项代码（逗号分隔）", "Item codes (comma-separated)"),
    "display_audio": ("本屏播报叫号", "Plays the calls"),
    "save_display": ("保存显示屏配置", "Save the profile"), "remove_display": ("删除该配置", "Remove the profile"),
    "voice_template": ("叫号语音模板（{号}号码，{窗}窗口）", "Call announcement ({号} number, {窗} window)"),
    "voice_template_en": ("英文语音模板", "English announcement"),
    "save": ("保存", "Save"), "add": ("新增", "Add"), "edit": ("修改", "Edit"), "cancel": ("取消", "Cancel"),
    "deactivate": ("停用", "Deactivate"), "saved": ("已保存。", "Saved."), "deactivated": ("已停用。", "Deactivated."),
    "confirm_deactivate": ("确定停用{what}？历史记录会保留。", "Deactivate {what}? Its history is kept."),
    "export": ("导出大厅配置文件（TOML）", "Export the hall file (TOML)"),
    "chief": ("首席代表（工号）", "Chief representative (staff number)"),
    "kind": ("类型", "Kind"), "kind_independent": ("独立窗口", "Independent"),
    "kind_comprehensive": ("综合窗口", "Comprehensive"), "department": ("部门", "Department"),
    "none": ("无", "none"),
    "window_items": ("办理事项（事项代码，逗号分隔；同一行内用 + 连接的为同一档）",
              "Items (codes, comma-separated; codes joined by + share a tier)"),
    "post_a": ("A岗（工号）", "A post (staff number)"), "post_b": ("B岗（工号）", "B post (staff number)"),
    "posts": ("岗位", "Posts"), "live_from": ("启用日期", "Start date"),
    "staff_number": ("工号", "Staff number"), "photo": ("照片", "Photo"),
    "photo_hint": ("JPEG、PNG 或 WebP，不超过160 KB", "JPEG, PNG or WebP, at most 160 KB"),
    "upload": ("上传照片", "Upload photo"), "has_photo": ("有照片", "photo"), "no_photo": ("无照片", "no photo"),
    "staff_posts": ("岗位（如 1A, 3B）", "Posts (e.g. 1A, 3B)"),
    "username": ("用户名", "Username"), "role": ("角色", "Role"),
    "role_admin": ("管理员", "admin"), "role_supervisor": ("督查", "supervisor"), "role_clerk": ("窗口人员", "clerk"),
    "active": ("启用", "active"), "inactive": ("已停用", "disabled"), "locked": ("已锁定", "locked"),
    "disable": ("停用账号", "Disable"), "enable": ("启用账号", "Enable"),
    "reset_password": ("重置密码", "Reset password"),
    "password_once": ("{username} 的初始密码（只显示这一次，首次登录须修改）：{password}",
                      "{username}'s password (shown this once; to be changed at first sign-in): {password}"),
    "token_kind_kiosk": ("自助取号机", "kiosk"), "token_kind_display": ("叫号显示屏", "display"),
    "token_kind_evaluator": ("评价器", "evaluator pad"), "token_kind_caller": ("呼叫器", "caller keypad"),
    "token_kind_agent": ("设备代理", "device agent"), "token_kind_integration": ("外部系统", "integration"),
    "window": ("窗口", "Window"), "created": ("创建时间", "Created"),
    "revoke": ("吊销", "Revoke"), "replace": ("更换", "Replace"),
    "token_once": ("设备令牌只显示这一次。用设备扫描二维码或打开下面的链接即可完成设置：",
                   "The token is shown this once. Scan the QR code with the device, or open this link on it:"),
    "token_no_page": ("该类设备没有页面，请把令牌填入其配置：", "This kind has no page; put the token in its configuration:"),
    "agent_windows": ("代理所管窗口（逗号分隔）", "Agent's windows (comma-separated)"),
    "when": ("时间", "When"), "who": ("操作人", "Who"), "entity": ("对象", "What"), "action": ("操作", "Action"),
    "before": ("修改前", "Before"), "after": ("修改后", "After"),
    "entity_hall": ("大厅", "hall"), "entity_department": ("部门", "department"), "entity_window": ("窗口", "window"),
    "entity_staff": ("工作人员", "staff"), "entity_account": ("账号", "account"), "entity_token": ("设备令牌", "token"),
    "action_create": ("新增", "created"), "action_update": ("修改", "changed"), "action_deactivate": ("停用", "deactivated"),
    "action_reset_password": ("重置密码", "password reset"), "action_revoke": ("吊销", "revoked"),
    "all": ("全部", "all"), "filter": ("筛选", "Filter"), "day": ("日期", "Day"),
    "entity_scheme": ("考核办法", "assessment scheme"),
    "authorisation": ("授权书（在窗口公示：授权事项、授权期限）", "Authorisation posted at the window (what, until when)"),
    "authorisation_image": ("授权书照片", "Picture of the signed authorisation"),
    "led": ("LED屏地址", "LED screen address"), "printer": ("打印机", "Printer"),
    "default_printer": ("默认 window-{n}", "default window-{n}"), "no_led": ("无LED屏", "no LED screen"),
    # rating, follow-up and complaint settings
    "ratings_title": ("好差评与整改、投诉时限", "Ratings, follow-up and complaint deadlines"),
    "followup_working_days": ("差评整改期限（工作日）", "Bad-review follow-up due in (working days)"),
    "reply_working_days": ("投诉部门答复期限（工作日）", "Complaint reply due in (working days)"),
    "request_seconds": ("评价器等待评价（秒）", "Pad accepts a rating for (seconds)"),
    "qr_days": ("扫码评价有效期（天）", "QR-code rating accepted for (days)"),
    "unrated_counts_as": ("未评价的办件", "An unrated case"), "not_counted": ("不计入满意率", "not counted"),
    # the official calendar
    "calendar_title": ("国家法定节假日安排（按年）", "The official calendar, year by year"),
    "calendar_hint": ("日历库已收录的年份自动生效；尚未收录的年份（国务院办公厅每年秋季公布下一年安排）请在此录入全部放假日期和调休上班日期。未录入前只按法定节日计算，不含调休。",
                      "Years the calendar library holds apply by themselves; for a year it lacks (the State Council "
                      "publishes each autumn), enter every day off and every make-up workday. Until then only the "
                      "statutory holidays count, with no make-up workdays."),
    "year": ("年份", "Year"), "source": ("来源", "Source"),
    "source_library": ("日历库已收录", "in the calendar library"), "source_hall": ("本大厅录入", "entered by the hall"),
    "source_missing": ("未录入：仅按法定节日", "not entered: statutory holidays only"),
    "official_holidays": ("放假日期（每行一个）", "Days off (one a line)"),
    "official_workdays": ("调休上班日期（每行一个）", "Make-up workdays (one a line)"),
    "n_days": ("{n}天", "{n} days"),
    "save_year": ("保存该年安排", "Save the year"), "remove_year": ("删除该年录入", "Remove the year's entry"),
    # the assessment scheme in force
    "scheme_title": ("考核办法", "Assessment scheme"),
    "scheme_hint": ("更换考核办法自所选月份起生效；已发布月份按其发布时的办法冻结，不会改变。",
                    "A scheme chosen applies from the month chosen on; published months keep the scheme they were "
                    "published with."),
    "scope": ("考核对象", "Assessed"), "scope_window": ("窗口", "windows"), "scope_department": ("部门", "departments"),
    "scope_staff": ("工作人员", "staff"), "preset": ("考核办法", "Scheme"), "from_month": ("起始月份", "From month"),
    "in_force": ("现行", "in force"), "since_start": ("启用以来", "from the start"),
    "choose_scheme": ("更换考核办法", "Choose the scheme"), "changed_by": ("修改人", "Changed by"),
}


def texts(lang: str) -> dict[str, str]:
    return staff_pages.texts(TEXT, lang)


@bp.get("/")
def admin_page():
    return staff_pages.render_page("admin.html", texts, page="admin")
