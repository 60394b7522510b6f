"""The start page (`/` of `hallq serve`): staff sign in, and a device with no token yet is set up.

Signing in here opens the page of the person's role — an admin the admin pages, a supervisor the duty
screen, a clerk the window console — with the sign-in handed over (each page keeps its own in the tab's
sessionStorage), so nobody signs in twice. A kiosk, display or evaluator pad is set up with the link or
QR code an admin made for it (/admin/, device tokens); one without it can have the code typed here.
"""
from __future__ import annotations

from flask import Blueprint

from hallq.web import staff_pages

bp = Blueprint("start", __name__)

TEXT: dict[str, tuple[str, str]] = {
    "title": ("政务服务大厅排队叫号系统", "Service hall queueing"),
    "signin_title": ("工作人员登录", "Staff sign-in"),
    "device_title": ("设置本设备", "Set up this device"),
    "device_hint": ("取号机、叫号显示屏或评价器：请用本设备扫描管理员在“管理后台 → 设备令牌”生成的二维码，"
                    "或在下面粘贴设置链接或令牌。",
                    "A kiosk, hall display or evaluator pad: scan the QR code an admin made under "
                    "Administration → Device tokens, or paste its set-up link or token below."),
    "device_kind": ("设备类型", "Device kind"),
    "kind_kiosk": ("自助取号机", "Kiosk"), "kind_display": ("叫号显示屏", "Hall display"),
    "kind_evaluator": ("服务评价器", "Evaluator pad"),
    "device_code": ("设置链接或令牌", "Set-up link or token"),
    "set_up": ("设置", "Set up"),
    "device_code_bad": ("请粘贴完整的设置链接或令牌。", "Paste the whole set-up link or token."),
    "kiosk_known": ("本设备已设置为取号机。", "This device is set up as a kiosk."),
    "open_kiosk": ("打开取号机页面", "Open the kiosk page"),
    "forbidden_page": ("该账号不能使用任何工作页面。", "This account has no page to open."),
}


def texts(lang: str) -> dict[str, str]:
    return staff_pages.texts(TEXT, lang)


@bp.get("/")
def start_page():
    return staff_pages.render_page("start.html", texts, page="start")
