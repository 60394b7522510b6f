"""The evaluator pad (评价器) page: a tablet at the window, facing the citizen.

The pad signs in with an evaluator token bound to one window, carried in the
URL fragment (`/evaluator#token=...`) like every device page's
(hallq.web.device_pages). The page hands it to Socket.IO in the connect packet and
to the API as a bearer header.

Idle, the pad shows the window and the clerk on duty (亮证上岗: photo, name,
staff number, this month's stars). `GET /evaluator/state` gives that, and the
window's open rating request if one is still answerable, so a pad that was
reloaded or offline when the clerk finished asks again. Ratings themselves go
through POST /api/v1/ratings; this module decides nothing about them.

Staff photos are served only from the app's photo directory
(`create_app(photo_dir=...)`, which `hallq serve --photos` sets), only if the
staff row's `photo` names an image file inside it; otherwise the pad shows initials.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask import Blueprint, jsonify, send_file
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from hallq.web import device_pages
from hallq.queue.accounts import Principal
from hallq.evaluator import choices, rating
from hallq.evaluator.models import Rating
from hallq.queue import views
from hallq.queue.errors import Forbidden, NotFound
from hallq.queue.facts import iso
from hallq.queue.halls import HallContext, find_window, hall_context
from hallq.queue.models import Staff, Ticket
from hallq.web import photo_store
from hallq.web.runtime import now, principal, reading

bp = Blueprint("evaluator_pages", __name__)


# Every label the pad shows, both languages at once: the citizen switches in
# place (no reload, so an open request is not lost) and the pad goes back to
# the hall's language when it returns to idle for the next citizen.
TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "title": "服务评价器",
        "lang_switch": "English",
        "window_n": "{window}号窗口",
        "on_duty": "亮证上岗",
        "staff_number": "工号 {number}",
        "post_A": "A岗",
        "post_B": "B岗（替岗）",
        "month_stars": "本月服务评价",
        "serving_now": "正在为{number}办理",
        "month_none": "本月暂无评价",
        "month_detail": "{count}条评价 · 满意率{rate}",
        "month_detail_one": "1条评价 · 满意率{rate}",
        "score": "{score}分",
        "invite": "办理结束后，请在本屏为我的服务评价",
        "paused": "暂停服务",
        "paused_hint": "窗口工作人员暂时离开，请稍候。",
        "closed": "窗口未开放",
        "closed_hint": "本窗口暂无工作人员，请到其他窗口办理或咨询导服台。",
        "ask": "请您为本次服务评价",
        "ask_ticket": "{number} · {service}",
        "ask_staff": "办理人员：{name}（{number}）",
        "left": "剩余 {s} 秒",
        "reason_title": "请告诉我们不满意的原因（可多选）",
        "other_placeholder": "请写下具体原因（请勿填写身份证号、手机号）",
        "other_needed": "选择“其他”时，请写下具体原因。",
        "reason_needed": "请至少选择一个原因。",
        "submit": "提交评价",
        "back": "重新选择",
        "sending": "正在提交…",
        "thanks": "感谢您的评价！",
        "thanks_good": "祝您生活愉快，欢迎再来。",
        "thanks_bad": "我们会认真核实，尽快改进。",
        "speak_thanks": "感谢您的评价",
        "already_rated": "这笔业务已经评价过了，感谢您的参与。",
        "expired": "评价时间已过。您还可以扫描号票上的二维码进行评价。",
        "not_requested": "这笔业务现在不能在本屏评价，可扫描号票上的二维码评价。",
        "rate_limited": "评价太频繁了，请稍后再试。",
        "rated_elsewhere": "这笔业务已通过其他方式评价，感谢您的参与。",
        "send_failed": "网络不畅，评价没有送出，请再按一次。",
        "offline": "网络中断，正在重新连接…",
        "error_title": "评价器无法使用",
        "no_token": "地址中缺少评价器令牌。",
        "bad_token": "评价器令牌无效、已停用，或不是评价器令牌。",
        "server_error": "暂时连不上服务器，稍后自动重试。",
        "how_to_fix": "管理员可运行 hallq token create --kind evaluator --name 名称 --window 窗口号 生成令牌，"
                      "然后打开 /evaluator#token=令牌。本屏会每分钟自动重试。",
        "locale": "zh-CN",
    },
    "en": {
        "title": "Service rating",
        "lang_switch": "中文",
        "window_n": "Window {window}",
        "on_duty": "On duty",
        "staff_number": "Staff no. {number}",
        "post_A": "A post",
        "post_B": "B post (stand-in)",
        "month_stars": "This month's rating",
        "serving_now": "Now serving {number}",
        "month_none": "No ratings yet this month",
        "month_detail": "{count} ratings · {rate} satisfied",
        "month_detail_one": "1 rating · {rate} satisfied",
        "score": "{score} / 5",
        "invite": "When we are done, please rate my service here",
        "paused": "Service paused",
        "paused_hint": "The clerk has stepped away; please wait a moment.",
        "closed": "Window closed",
        "closed_hint": "Nobody is serving at this window; please go to another window or ask at the help desk.",
        "ask": "Please rate this service",
        "ask_ticket": "{number} · {service}",
        "ask_staff": "Served by {name} ({number})",
        "left": "{s} s left",
        "reason_title": "Please tell us what went wrong (choose any)",
        "other_placeholder": "Please describe it (no ID or phone numbers, please)",
        "other_needed": "Please describe the \"other\" reason.",
        "reason_needed": "Please choose at least one reason.",
        "submit": "Send rating",
        "back": "Choose again",
        "sending": "Sending…",
        "thanks": "Thank you for your rating!",
        "thanks_good": "Have a good day.",
        "thanks_bad": "We will look into it and put it right.",
        "speak_thanks": "Thank you for your rating",
        "already_rated": "This service has already been rated. Thank you.",
        "expired": "The time to rate here has passed. You can still rate with the QR code on your ticket.",
        "not_requested": "This service cannot be rated on this screen now; please use the QR code on your ticket.",
        "rate_limited": "Too many ratings just now; please try again in a moment.",
        "rated_elsewhere": "This service has been rated already. Thank you.",
        "send_failed": "The network is slow and the rating was not sent; please press again.",
        "offline": "Network lost, reconnecting…",
        "error_title": "This rating pad cannot work",
        "no_token": "The address has no evaluator token.",
        "bad_token": "The evaluator token is not valid, was revoked, or is not an evaluator token.",
        "server_error": "The server cannot be reached just now; retrying by itself.",
        "how_to_fix": "An administrator can run hallq token create --kind evaluator --name NAME --window N "
                      "and open /evaluator#token=TOKEN. This pad retries every minute.",
        "locale": "en-GB",
    },
}


@bp.get("/evaluator")
def pad_page():
    # The socket and /evaluator/state bring the state.
    return device_pages.render_page("evaluator.html", TEXT)


def _pad(who: Principal) -> int:
    """The window of an evaluator token; nobody else has an evaluator's screen."""
    who.require("read")
    if who.kind != "evaluator" or who.window_number is None:
        raise Forbidden("forbidden")
    return who.window_number


@bp.get("/evaluator/state")
def pad_state():
    """What the pad shows now: its window, the clerk on duty, and the open rating request if any."""
    who = principal()
    number = _pad(who)
    moment = now()
    with reading() as uow:
        s = uow.session
        ctx = hall_context(s, who.hall_id)
        data = pad_view(s, ctx, number, moment)
    response = jsonify(data)
    response.headers["Cache-Control"] = "no-store"
    return response


def pad_view(s: Session, ctx: HallContext, number: int, moment: dt.datetime) -> dict:
    window = find_window(s, ctx.id, number)
    shown = next(iter(views.windows(s, ctx, number)), None)
    if shown is None:  # a window taken out of service since the token was made
        raise NotFound("window_unknown", window=number)
    staff = None
    if shown["staff"]:
        row = s.scalar(select(Staff).where(Staff.hall_id == ctx.id, Staff.number == shown["staff"]["number"]))
        staff = {**shown["staff"], "photo": photo_file(row) is not None,
                 "month": month_stars(s, ctx, row.id, moment)}
    return {
        "now": iso(moment),
        "hall": {"name": ctx.hall.name, "timezone": ctx.hall.timezone},
        "window": {"number": window.number, "name": window.name, "status": shown["status"],
                   "pause_reason": shown["pause_reason"]},
        "staff": staff,
        # The ticket at the counter now: the pad greets its citizen by number ("正在为A001办理").
        "serving": {"number": shown["serving"]["number"]} if shown["serving"] else None,
        "request": open_request(s, ctx, window, moment),
        "request_seconds": ctx.settings.ratings.request_seconds,
    }


def open_request(s: Session, ctx: HallContext, window, moment: dt.datetime) -> dict | None:
    """The rating the window asks for, if it can still be answered here (not rated, not timed out)."""
    asked = rating.window_request(s, window)
    if asked is None:
        return None
    left = ctx.settings.ratings.request_seconds - (moment - asked.at).total_seconds()
    if left <= 0 or s.scalar(select(Rating.id).where(Rating.ticket_id == asked.ticket_id)) is not None:
        return None
    ticket = s.get(Ticket, asked.ticket_id)
    return {"id": ticket.id, "number": ticket.number, "service": ticket.item.code,
            "service_name": ticket.item.name, "window": window.number, "at": iso(asked.at),
            "seconds_left": round(left, 1)}


def month_bounds(ctx: HallContext, moment: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The hall-local calendar month holding `moment`."""
    first = ctx.hours.local_day(moment).replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return (dt.datetime.combine(first, dt.time(0), ctx.hours.tz),
            dt.datetime.combine(following, dt.time(0), ctx.hours.tz))


def month_stars(s: Session, ctx: HallContext, staff_id: int, moment: dt.datetime) -> dict:
    """The clerk's ratings this month: mean level (the stars), how many, and the satisfied share.

    Counted ratings only (a bad review ruled out on appeal stops counting), by
    the month of the service, as the satisfaction rate of the assessment does.
    Below the hall's minimum (ratings.pad_min_ratings) the figures are not sent at all:
    two ratings on the 2nd of the month say nothing, yet every citizen would read them.
    """
    start, end = month_bounds(ctx, moment)
    count, mean, satisfied = s.execute(
        select(func.count(), func.avg(Rating.level),
               func.sum(case((Rating.level >= choices.SATISFIED, 1), else_=0)))
        .where(Rating.hall_id == ctx.id, Rating.staff_id == staff_id, Rating.counted.is_(True),
               Rating.requested_at >= start, Rating.requested_at < end)).one()
    least = ctx.settings.ratings.pad_min_ratings
    shown = count >= least
    return {
        "month": start.strftime("%Y-%m"),
        "shown": shown,
        "min_ratings": least,
        "count": count if shown else None,
        "stars": round(float(mean), 1) if shown else None,
        "satisfied_rate": round((satisfied or 0) / count, 3) if shown else None,
    }


# --- staff photos ----------------------------------------------------------------

def photo_file(staff: Staff | None) -> tuple[Path, str] | None:
    """The staff member's photo and its type, if it is an image inside the photo directory."""
    return photo_store.picture_file(staff.photo if staff is not None else None)


@bp.get("/evaluator/photo/<string:number>")
def staff_photo(number: str):
    """The photo of a staff member now on duty at the pad's window (bearer: the pad's token)."""
    who = principal()
    window = _pad(who)
    with reading() as uow:
        s = uow.session
        ctx = hall_context(s, who.hall_id)
        on_duty = next((w["staff"] for w in views.windows(s, ctx, window)), None)
        if not on_duty or on_duty["number"] != number:
            raise NotFound("not_found")
        found = photo_file(s.scalar(select(Staff).where(Staff.hall_id == ctx.id, Staff.number == number)))
    if found is None:
        raise NotFound("not_found")
    path, mimetype = found
    return send_file(path, mimetype=mimetype, max_age=300, conditional=True)
