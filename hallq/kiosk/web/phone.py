"""扫码取号 on the citizen's phone: the page the hall's posted QR code opens (/m/<hall>), its two public API
calls, and the poster's QR code. Thin, like the kiosk's: the rules are hallq.kiosk.phone's.

Public, as the poster is: anyone with the code may look and take a number, so every call is throttled per
address (hallq.web.throttle) before the database is read, and taking one needs an ID number (one waiting
ticket per person per item). The answer is the ticket's public status page address: the phone goes there.
"""
from __future__ import annotations

import functools

from flask import Blueprint, Response, jsonify, render_template, request
from typing import Annotated

from pydantic import Field

from hallq.i18n import message
from hallq.kiosk import phone
from hallq.queue import notify, views
from hallq.queue.errors import NotFound
from hallq.queue.halls import hall_context
from hallq.queue.schemas import Body
from hallq.web import device_pages, qr, throttle
from hallq.web.openapi import spec
from hallq.web.runtime import body, lang, now, reading, runtime, status_page, unit_of_work

bp = Blueprint("phone_issuing", __name__)

PAGE_TEXT: dict[str, dict[str, str]] = {
    "zh": {"title": "扫码取号", "choose": "请选择办理事项", "waiting": "等候 {n} 人", "closed": "暂不可取号",
           "quota_left": "今日余号 {n}", "id": "身份证号码", "id_hint": "用于“同一事项一人一号”，只保存隐去中间位的号码。",
           "phone": "手机号码（选填）", "phone_hint": "快轮到您、叫号和过号时发短信提醒，当天结束即删除。",
           "take": "取号", "back": "返回", "also": "同一次还要办理（一票到底，可不选）", "taking": "正在取号…", "take_anyway": "知道了，仍要取号",
           "network": "网络故障，没有取到号，请重试。", "lang": "English", "windows": "办理窗口：{windows}",
           "unknown": "本大厅暂未开通扫码取号，请到自助取号机取号。", "none": "现在没有可办理的事项。"},
    "en": {"title": "Take a number", "choose": "Choose a service", "waiting": "{n} waiting", "closed": "not issuing now",
           "quota_left": "{n} left today", "id": "ID number", "id_hint": "For \"one number per person per service\"; "
           "only a masked copy is kept.", "phone": "Mobile number (optional)",
           "phone_hint": "A text when your turn is near, when you are called or missed; deleted when the day ends.",
           "take": "Take a number", "back": "Back", "also": "Also on this visit, on the same number (optional)", "taking": "Taking a number…",
           "take_anyway": "I understand, take a number", "network": "Network failure: no number was taken. Try again.",
           "lang": "中文", "windows": "Windows: {windows}",
           "unknown": "This hall does not issue numbers by phone; please use a kiosk.",
           "none": "No service can be taken now."},
}


class PhoneTicketIn(Body):
    service: str = Field(min_length=1, max_length=40, description="the item's code")
    id_number: str = Field(min_length=1, max_length=30, description="the citizen's ID number; kept masked and hashed")
    phone: str | None = Field(None, max_length=30, description="optional: a mobile number for text reminders")
    unstaffed_ok: bool | None = Field(None, description="true: the citizen took note that no window serves it now")
    also: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(
        [], max_length=3, description="一票到底: more item codes for the same visit, on this one ticket")


def _route(method: str, path: str, summary: str, **doc):
    spec.operation(method, path, summary, public=True, **doc)
    return bp.route("/api/v1" + path.replace("{hall}", "<hall>"), methods=[method])


def _throttled() -> None:
    limiter = runtime().throttle
    limiter.hit("notify_rate_limited", (throttle.PHONE_PER_ADDRESS, "hallq-phone-addr", limiter.address()))


@_route("GET", "/m/{hall}/services", "扫码取号: the hall's items with their queues, for the phone's page "
        "(only in a hall that issues by phone)",
        responses={200: "{hall, services: [{code, name, department, waiting, estimated_wait_s, open, quota_left}]}",
                   404: "no such hall, or it does not issue by phone", 429: "too many requests"})
def services(hall: str):
    _throttled()
    with reading() as uow:
        ctx = phone.phone_hall(uow.session, hall)
        found = views.services(uow.session, ctx, now())
        why = ctx.why_not_issuing(now())
    keep = ("code", "name", "department", "department_code", "waiting", "estimated_wait_s", "open", "quota_left",
            "windows")
    return jsonify({"hall": ctx.hall.name, "issuing": why,
                    "issuing_message": message(why, lang(), **ctx.refusal_params(why, now())) if why else None,
                    "services": [{k: s[k] for k in keep} for s in found]})


@_route("POST", "/m/{hall}/tickets", "扫码取号: take a ticket on the phone (ID number required: one waiting ticket "
        "per person per item; no priority); the answer's `status_page` is where the phone goes next",
        body=PhoneTicketIn, responses={201: "{number, service_name, ahead, estimated_wait_s, status_page}",
                                       404: "no such hall or item, or the hall does not issue by phone",
                                       409: "closed, quota used up, already waiting, unstaffed (needs unstaffed_ok)",
                                       429: "too many requests"})
def take(hall: str):
    _throttled()
    data = body(PhoneTicketIn)
    with unit_of_work() as uow:
        ticket = phone.issue(uow, hall, data.service, data.id_number, data.phone, data.unstaffed_ok, lang(), now(),
                             also=tuple(data.also))
        ctx = hall_context(uow.session, ticket.hall_id)
        full = views.ticket(uow.session, ctx, ticket, now())
        answer = {k: full[k] for k in ("number", "service", "service_name", "ahead", "estimated_wait_s", "windows")}
        answer["status_page"] = status_page(ctx, ticket)
        uow.commit()
    if data.phone:
        runtime().notify_poke()
    return jsonify(answer), 201


@bp.get("/m/<hall>")
def page(hall: str):
    lang_ = device_pages.page_lang()
    with reading() as uow:
        try:
            ctx = phone.phone_hall(uow.session, hall)
            name, notify_on = ctx.hall.name, notify.is_on(ctx)
        except NotFound:
            name = notify_on = None
    html = render_template("phone_issue.html", lang=lang_, text=PAGE_TEXT[lang_], hall=hall, name=name,
                           notify_on=notify_on)
    response = device_pages.page_response(html, 200 if name else 404)
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/m/<hall>/qr.svg")
def poster_qr(hall: str):
    """The QR code to post in the hall: it opens this page (the hall's public address, as on tickets)."""
    with reading() as uow:
        ctx = phone.phone_hall(uow.session, hall)
        base = ctx.settings.public_url
    url = f"{(base or request.host_url).rstrip('/')}/m/{ctx.hall.code}"
    return Response(_svg(url), mimetype="image/svg+xml", headers={"Cache-Control": "private, max-age=3600"})


@functools.lru_cache(maxsize=64)
def _svg(data: str) -> bytes:
    return qr.svg(data)
