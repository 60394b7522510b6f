"""The hall TV display page (/display) and the announcement audio it may play.

A TV has nobody to log in, so its address carries a display token in the URL
fragment, `/display#token=...` (hallq.web.device_pages says why). The page hands it
to Socket.IO in the connect packet and to audio requests as a bearer header.
Which windows and items the page shows follows the token's display profile
(hallq/display/profiles.py), decided by the server when the socket connects.
"""
from __future__ import annotations

import functools
import re

from flask import Blueprint, Response, request, send_file
from sqlalchemy import select

from hallq import wording
from hallq.web import device_pages
from hallq.devices.voice import render_announcement_wav
from hallq.devices.voice.engine import EngineError
from hallq.devices.voice.settings import VoiceSettings as SpeakerSettings
from hallq.display import profiles
from hallq.queue.errors import Forbidden, Invalid, NotFound
from hallq.queue.halls import hall_context
from hallq.queue.models import Staff
from hallq.web import photo_store
from hallq.web.runtime import VoiceUnavailable, int_arg, principal, reading

bp = Blueprint("display", __name__)

# The page's own labels, by language; the page picks with ?lang=en. How a call and a
# window's state are worded comes from hallq.wording (call_text), as the voice and the
# windows' LED screens word them.
TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "title": "叫号显示屏",
        "whole_hall": "全大厅",
        "calling": "正在叫号",
        "recent": "最近叫号",
        "windows": "窗口",
        "queues": "等候人数",
        "waiting": "等候 {n} 人",
        "minutes": "约 {m} 分钟",
        "nobody_waiting": "当前无人等候",
        "watch_calls": "请留意叫号",
        "default_notice": "请凭号有序等候，留意叫号屏和语音提示。",
        "offline": "网络中断，正在重新连接…",
        "error_title": "显示屏无法显示",
        "no_token": "地址中缺少显示屏令牌。",
        "bad_token": "显示屏令牌无效或已停用。",
        "server_error": "暂时连不上服务器，稍后自动重试。",
        "how_to_fix": "管理员可运行 hallq token create --kind display --name 显示屏名称 生成令牌，"
                      "然后打开 /display#token=令牌。本屏会每分钟自动重试。",
        "enable_sound": "点击屏幕开启语音播报",
        "page": "第 {a}/{b} 页",
        "prepare": "请{number}准备",
        "info_roster": "亮证上岗 · 窗口工作人员",
        "info_supervision": "监督投诉",
        "info_phone": "监督电话 {phone}",
        "info_bulletin": "评比结果",
        "info_bulletin_month": "{year}年{month}月 评比结果",
        "info_no_bulletin": "本月评比结果公布后在此公示",
        "info_ranking": "窗口得分前列",
        "info_rank": "第{rank}名",
        "info_score": "{score}分",
        "info_staff_number": "工号 {number}",
        "info_post_A": "A岗",
        "info_post_B": "B岗",
        "info_no_post": "暂未定岗",
        "weekday_locale": "zh-CN",
    },
    "en": {
        "title": "Call display",
        "whole_hall": "Whole hall",
        "calling": "Now calling",
        "recent": "Latest calls",
        "windows": "Windows",
        "queues": "Waiting",
        "waiting": "{n} waiting",
        "minutes": "about {m} min",
        "nobody_waiting": "Nobody is waiting",
        "watch_calls": "Please watch for your number",
        "default_notice": "Please wait for your number to be called and shown here.",
        "offline": "Network lost, reconnecting…",
        "error_title": "This display cannot show the hall",
        "no_token": "The address has no display token.",
        "bad_token": "The display token is not valid or was revoked.",
        "server_error": "The server cannot be reached just now; retrying by itself.",
        "how_to_fix": "An administrator can run hallq token create --kind display --name NAME "
                      "and open /display#token=TOKEN. This screen retries every minute.",
        "enable_sound": "Tap the screen to turn on spoken calls",
        "page": "page {a}/{b}",
        "prepare": "{number}, please get ready",
        "info_roster": "Staff on duty at the windows",
        "info_supervision": "Supervision and complaints",
        "info_phone": "Supervision hotline {phone}",
        "info_bulletin": "Monthly ratings",
        "info_bulletin_month": "Ratings for {year}-{month}",
        "info_no_bulletin": "The month's ratings are posted here once published",
        "info_ranking": "Top windows",
        "info_rank": "No. {rank}",
        "info_score": "{score} points",
        "info_staff_number": "Staff no. {number}",
        "info_post_A": "A post",
        "info_post_B": "B post",
        "info_no_post": "No window yet",
        "weekday_locale": "en-GB",
    },
}


def call_text(lang: str) -> dict:
    """The call's phrases as templates the page fills in ({number}, {window}), and the window states."""
    return {
        "please_go": wording.call_phrase("go", lang),          # under the newest number
        "call_line": wording.call_phrase("sentence", lang),    # a call in one line
        "to_window": wording.window_name(lang),                # in the list of recent calls
        "window_n": wording.window_name(lang, label=True),     # a window card's title
        "recalled": wording.CALL_PHRASES[lang]["recalled"],
        **wording.WINDOW_STATES[lang],                         # serving, idle, paused, closed
        "pause_reasons": wording.pause_reason_words(lang),     # a reason's key or word -> the hall's word
    }


def page_text() -> dict[str, dict]:
    """Every text the page shows, by language: its own labels and the call's phrases."""
    return {lang: {**labels, **call_text(lang)} for lang, labels in TEXT.items()}


TICKET_NUMBER = re.compile(r"^[A-Z]{1,2}[0-9]{1,5}$")


@bp.get("/display")
def display_page():
    return device_pages.render_page("display.html", page_text())


@bp.get("/display/announce.wav")
def announcement_audio():
    """A call as the hall's speakers say it (chime, repeats, the hall's wording), as WAV.

    For TVs that play the announcements themselves; the bearer is the display token.
    """
    who = principal()
    who.require("read")
    number = (request.args.get("number") or "").upper()
    window = int_arg("window", 1, 9_999)
    if not TICKET_NUMBER.match(number) or window is None:
        raise Invalid("invalid_input", detail="number (e.g. A001) and window (a number) are required")
    with reading() as uow:
        voice = hall_context(uow.session, who.hall_id).settings.voice
    template = (voice.template_en if voice.lang == "en" else voice.template) or ""
    try:
        audio = _rendered(number, window, template, voice.lang)
    except EngineError as exc:
        raise VoiceUnavailable("voice_unavailable", detail=str(exc)) from None
    return Response(audio, mimetype="audio/wav", headers={"Cache-Control": "private, max-age=3600"})


@functools.lru_cache(maxsize=256)
def _rendered(number: str, window: int, template: str, lang: str) -> bytes:
    # Every display of the hall asks for the same call at once: synthesise it once.
    # Chime and repeats are the announcer's defaults, as the hall's speakers play them.
    return render_announcement_wav(number, window, SpeakerSettings(template=template, lang=lang))


@bp.get("/display/photo/<string:number>")
def staff_photo(number: str):
    """An active staff member's photo for the public information screen (亮证上岗), as posted at the windows.

    Bearer: a display token whose profile is of kind "info" (a call board has no use for it), or staff.
    Only a picture inside the photo directory (hallq.web.photo_store.picture_file); else 404 and the
    screen shows the initial.
    """
    who = principal()
    who.require("read")
    with reading() as uow:
        s = uow.session
        ctx = hall_context(s, who.hall_id)
        if not who.is_staff and (who.kind != "display" or profiles.resolve(s, ctx, who.name).kind != "info"):
            raise Forbidden("forbidden")
        staff = s.scalar(select(Staff).where(Staff.hall_id == ctx.id, Staff.number == number, Staff.active.is_(True)))
        found = photo_store.picture_file(staff.photo if staff is not None else None)
    if found is None:
        raise NotFound("not_found")
    path, mimetype = found
    return send_file(path, mimetype=mimetype, max_age=300, conditional=True)
