"""HTTP routes of the duty log (值班日志, hallq.queue.duty_log). Thin: parse, call, answer.

Who: the duty manager writes (permission `duty`: supervisors); supervisors and admins read (`review`).
"""
from __future__ import annotations

import functools

from flask import Blueprint, jsonify, request

from hallq.queue import duty_log, inputs
from hallq.queue.accounts import person_name
from hallq.queue.halls import hall_context
from hallq.queue.schemas import DutyEntryIn, HandoverIn
from hallq.web.openapi import date, spec
from hallq.web.runtime import body, now, principal, reading, unit_of_work

bp = Blueprint("duty_log_api", __name__, url_prefix="/api/v1")
route = functools.partial(spec.route, bp)


@route("GET", "/duty-log", "the day's duty log with its entries, handover and the day's alerts",
       query={"day": date("the hall-local day (YYYY-MM-DD); today by default")})
def get_log():
    who = principal()
    who.require(duty_log.READ)
    with reading() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        text = request.args.get("day")
        day = inputs.day(text, "day") if text else ctx.hours.local_day(now())
        data = duty_log.log_json(uow.session, who.hall_id, day)
    data["may_write"] = who.can(duty_log.WRITE)
    return jsonify(data)


@route("POST", "/duty-log/entries", "append an entry to today's duty log (a correction: to its entry's log, "
       "also after handover)", body=DutyEntryIn,
       responses={201: "the entry", 409: "handed over already, or the opening check recorded already"})
def add_entry():
    who = principal()
    who.require(duty_log.WRITE)
    data = body(DutyEntryIn)
    with unit_of_work() as uow:
        entry = duty_log.write_entry(uow, who.hall_id, person_name(uow.session, who), who.user_id, now(), data.kind,
                                     text=data.text, handling=data.handling, checks=data.checks,
                                     alert_id=data.alert, corrects=data.corrects, count_out=data.handed_out,
                                     count_in=data.collected)
        answer = duty_log.entry_json(entry)
        uow.commit()
    return jsonify(answer), 201


@route("POST", "/duty-log/handover", "hand today's duty log over to the next duty manager: kept from now on",
       body=HandoverIn, responses={200: "the handover", 409: "handed over already, or nothing to hand over"})
def handover():
    who = principal()
    who.require(duty_log.WRITE)
    data = body(HandoverIn)
    with unit_of_work() as uow:
        log = duty_log.hand_over(uow, who.hall_id, person_name(uow.session, who), now(), data.to, data.note)
        answer = {"day": log.day.isoformat(), "by": log.handed_over_by, "to": log.handed_to,
                  "note": log.handover_note}
        uow.commit()
    return jsonify(answer)
