"""HTTP routes of 好差评 (API.md: POST /ratings) and bad-review follow-up. Thin: parse, call, answer.

The QR channel has its own public route, POST /t/{token}/rating, keyed by the
ticket's public token like GET /t/{token}; POST /ratings takes the pad and
keypad channels, which need a device token.
"""
from __future__ import annotations

import datetime as dt
import functools

from flask import Blueprint, jsonify, request

from hallq.evaluator import appeals, choices, followup, rating, views
from hallq.evaluator.models import Rating
from hallq.evaluator.schemas import CallbackIn, CloseIn, QrRatingIn, RatingAppealIn, RatingIn, RectificationIn
from hallq.web import openapi
from hallq.web.openapi import ERROR
from hallq.web.openapi import spec
from hallq.queue import inputs
from hallq.queue.errors import Invalid
from hallq.queue.halls import hall_context
from hallq.web.runtime import body, int_arg, lang, now, principal, reading, unit_of_work

bp = Blueprint("evaluator_api", __name__, url_prefix="/api/v1")
ID = "<int(max=2147483647):{}>"


route = functools.partial(spec.route, bp)  # a route that is also in the OpenAPI document


def _rate_limited_doc(path: str) -> None:
    spec.paths[path]["post"]["responses"]["429"] = {
        "description": "too many ratings from this token", "content": {"application/json": {"schema": ERROR}}}


def _rating_answer(uow, r: Rating, status: int = 200):
    return jsonify(views.rating(uow.session, r, lang())), status


@route("GET", "/ratings/options", "rating levels, bad-review reasons and the hall's rating rules")
def rating_options():
    who = principal()
    who.require("read")
    with reading() as uow:
        return jsonify(views.options(hall_context(uow.session, who.hall_id), lang()))


@route("POST", "/ratings", "rate a ticket on the window's evaluator pad or keypad", body=RatingIn,
       responses={201: "the rating", 409: "already rated, not this window's request, or the rating time has passed"})
def rate():
    who = principal()
    data = body(RatingIn)
    with unit_of_work() as uow:
        r = rating.rate(uow, who, data.ticket, data.level, now(), channel=data.channel, reasons=data.reasons,
                        comment=data.comment, window=data.window)
        answer = _rating_answer(uow, r, 201)
        uow.commit()
    return answer


_rate_limited_doc("/ratings")


@route("POST", "/t/<token>/rating", "rate a ticket through the QR code printed on it", body=QrRatingIn,
       public=True, responses={201: "the rating", 409: "already rated, not finished, or too long ago"})
def rate_by_qr(token: str):
    data = body(QrRatingIn)
    with unit_of_work() as uow:
        r = rating.rate_by_qr(uow, token, data.level, now(), reasons=data.reasons, comment=data.comment)
        answer = _rating_answer(uow, r, 201)
        uow.commit()
    return answer


@route("GET", "/t/<token>/rating", "whether the ticket's QR code may rate it now, with the levels and reasons",
       public=True)
def qr_rating_state(token: str):
    with reading() as uow:
        state = rating.qr_state(uow.session, token, now())
    language = lang()
    return jsonify({**state, "levels": [{"level": n, "name": choices.level_name(n, language)} for n in choices.LEVELS],
                    "reasons": [{"code": c, "name": choices.reason_name(c, language)} for c in choices.REASONS],
                    "bad_from": choices.BAD})


def _flag(name: str) -> bool | None:
    value = request.args.get(name)
    if value is None or value == "":
        return None
    if value.lower() in ("1", "true", "yes"):
        return True
    if value.lower() in ("0", "false", "no"):
        return False
    raise Invalid("invalid_input", detail=f"{name} must be true or false")


def _day_arg(name: str) -> dt.date | None:
    value = request.args.get(name)
    return inputs.day(value, name) if value else None


@route("GET", "/ratings", "ratings for supervisors, newest first, with flags and appeal rulings",
       query={"window": openapi.integer("window number"), "flagged": openapi.flag("true: only flagged"),
              "level": openapi.integer("1-5", 1, 5), "from": openapi.date("first hall-local day (YYYY-MM-DD)"),
              "to": openapi.date("last hall-local day"), "limit": openapi.integer("200 by default, at most 1000")})
def ratings():
    who = principal()
    who.require("review")
    limit = min(int_arg("limit") or 200, 1000)
    with reading() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        rows = rating.ratings(uow.session, ctx, window=int_arg("window"), flagged=_flag("flagged"),
                              level=int_arg("level", 1, 5), first_day=_day_arg("from"), last_day=_day_arg("to"),
                              limit=limit)
        return jsonify([views.rating(uow.session, r, lang()) for r in rows])


@route("GET", "/ratings/" + ID.format("rating_id"), "one rating with its appeal ruling (supervisors)")
def one_rating(rating_id: int):
    who = principal()
    who.require("review")
    with reading() as uow:
        return _rating_answer(uow, appeals.find_rating(uow, who, rating_id))


@route("POST", "/ratings/" + ID.format("rating_id") + "/appeal",
       "rule a bad review mistaken or malicious (it stops counting) or valid (申诉复核)", body=RatingAppealIn,
       responses={200: "the rating with the ruling"})
def appeal(rating_id: int):
    who = principal()
    data = body(RatingAppealIn)
    with unit_of_work() as uow:
        appeals.rule(uow, who, rating_id, now(), ruling=data.ruling, reasons=data.reasons)
        answer = _rating_answer(uow, appeals.find_rating(uow, who, rating_id))
        uow.commit()
    return answer


# --- follow-up cases ---------------------------------------------------------------

def _case_answer(uow, who, case_id: int):
    ctx = hall_context(uow.session, who.hall_id)
    case = followup.get_case(uow.session, who, case_id)
    return jsonify(views.case(uow.session, ctx, case, now(), lang(), with_notes=True))


@route("GET", "/followups", "bad-review follow-up cases with due dates and overdue flags",
       query={"status": "open, closed or withdrawn", "overdue": openapi.flag("true: open after the due day"),
              "window": openapi.integer("window number")})
def followups():
    who = principal()
    with reading() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        moment = now()
        rows = followup.cases(uow.session, who, moment, status=request.args.get("status") or None,
                              overdue=_flag("overdue"), window=int_arg("window"))
        return jsonify([views.case(uow.session, ctx, c, moment, lang()) for c in rows])


@route("GET", "/followups/" + ID.format("case_id"), "one follow-up case with its callbacks and rectification")
def one_followup(case_id: int):
    who = principal()
    with reading() as uow:
        return _case_answer(uow, who, case_id)


@route("POST", "/followups/" + ID.format("case_id") + "/callback", "record a callback to the citizen (回访)",
       body=CallbackIn, responses={200: "the case"})
def callback(case_id: int):
    who = principal()
    data = body(CallbackIn)
    with unit_of_work() as uow:
        followup.add_callback(uow, who, case_id, now(), result=data.result, reached=data.reached, at=data.at,
                              person=data.person)
        answer = _case_answer(uow, who, case_id)
        uow.commit()
    return answer


@route("POST", "/followups/" + ID.format("case_id") + "/rectification", "record the rectification (整改)",
       body=RectificationIn, responses={200: "the case"})
def rectification(case_id: int):
    who = principal()
    data = body(RectificationIn)
    with unit_of_work() as uow:
        followup.add_rectification(uow, who, case_id, now(), text=data.text, at=data.at, person=data.person)
        answer = _case_answer(uow, who, case_id)
        uow.commit()
    return answer


@route("POST", "/followups/" + ID.format("case_id") + "/close",
       "close a case (needs a callback and a rectification on record)", body=CloseIn, responses={200: "the case"})
def close(case_id: int):
    who = principal()
    data = body(CloseIn)
    with unit_of_work() as uow:
        followup.close(uow, who, case_id, now(), note=data.note)
        answer = _case_answer(uow, who, case_id)
        uow.commit()
    return answer
