"""What the staff pages share: the clerk console, the duty manager's screen and the guide desk.

They are shells over /api/v1: each signs in with the staff member's own
account, shows the page's texts in Simplified Chinese or, on request, English,
and keeps that choice in a cookie the assessment pages read too. The words they
all use (sign-in, the language switch, the connection's state, the reasons for
a green-channel ticket) are here once; each page adds its own table.
"""
from __future__ import annotations

from typing import Callable

from flask import Response, make_response, render_template, request

from hallq.i18n import DEFAULT_LANG, pick_lang
from hallq.web import origin

LANG_COOKIE = "hallq_lang"
LANG_COOKIE_SECONDS = 365 * 24 * 3600

# key: (Simplified Chinese, English). {name} fields are filled in by the page's script.
TEXT: dict[str, tuple[str, str]] = {
    "lang_switch": ("English", "中文"),
    "username": ("工号 / 用户名", "Staff number / username"),
    "password": ("密码", "Password"),
    "login": ("登录", "Sign in"),
    "logout": ("退出登录", "Log out"),
    "must_change_password": ("首次登录须先修改密码：至少8位，含大写字母、小写字母、数字、其他符号中的三类，不得包含用户名。",
                             "Change your password first: at least 8 characters of three of: upper case, lower case, "
                             "digits, other signs; not containing the username."),
    "new_password": ("新密码", "New password"),
    "new_password_again": ("再次输入新密码", "New password again"),
    "change_password": ("修改密码", "Change password"),
    "passwords_differ": ("两次输入的新密码不一致。", "The two new passwords differ."),
    "conn_live": ("实时连接正常", "Live"),
    "conn_lost": ("连接中断，正在重连…", "Connection lost, reconnecting…"),
    "conn_wait": ("正在连接…", "Connecting…"),
    "offline_note": ("与服务器的连接已中断，以下内容可能不是最新情况，恢复连接后会自动更新。",
                     "The connection to the server is lost; what you see may be out of date and updates once it is back."),
    # why a ticket came by the green channel (hallq.queue.issuing.GREEN_REASONS)
    "green_elderly": ("老年人", "elderly"),
    "green_disabled": ("残疾人", "disabled"),
    "green_pregnant": ("孕妇", "pregnant"),
    "green_military": ("军人", "military"),
    "green_major_project": ("重大项目", "major project"),
    "green_urgent": ("急事急办", "urgent"),
    "green_other": ("其他", "other"),
}


def texts(own: dict[str, tuple[str, str]], lang: str) -> dict[str, str]:
    """The shared texts and a page's own (which win), in one language."""
    en = lang == "en"
    return {key: pair[en] for key, pair in (TEXT | own).items()}


def page_lang() -> str:
    """?lang= when given, else the cookie, else the hall's default."""
    return pick_lang(request.args.get("lang") or request.cookies.get(LANG_COOKIE) or DEFAULT_LANG)


def render_page(template: str, page_texts: Callable[[str], dict[str, str]], **context) -> Response:
    """A staff page in the asked language as `t`; a language asked for by ?lang= is remembered."""
    lang = page_lang()
    response = make_response(render_template(template, lang=lang, t=page_texts(lang), **context))
    if request.args.get("lang"):
        origin.set_cookie(response, LANG_COOKIE, lang, max_age=LANG_COOKIE_SECONDS, samesite="Lax")
    return response
