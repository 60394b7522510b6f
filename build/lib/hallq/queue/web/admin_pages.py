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
}


def texts(lang: str) -> dict[str, str]:
    return staff_pages.texts(TEXT, lang)


@bp.get("/")
def admin_page():
    return staff_pages.render_page("admin.html", texts, page="admin")
