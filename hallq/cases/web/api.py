"""HTTP routes of cases (/api/v1/cases). Thin: parse, call the domain, answer.

Staff read the cases they answer for (supervisors every case); a case's steps are recorded by
its window's staff, its department's chief representative or a supervisor (hallq.cases.access).
"""
from __future__ import annotations

import functools

from flask import Blueprint, jsonify, request

from hallq.cases import access, steps, views
from hallq.cases.deadlines import STANDINGS
from hallq.cases.schemas import CompletionIn, DelayIn, DeliveryIn, MaterialsIn, NoteIn, TaskIn
from hallq.queue.errors import Forbidden, Invalid
from hallq.queue.halls import hall_context
from hallq.web.openapi import integer, spec
from hallq.web.runtime import body, int_arg, now, principal, reading, unit_of_work

bp = Blueprint("cases_api", __name__, url_prefix="/api/v1")
route = functools.partial(spec.route, bp)
CASE = "/cases/<int(max=2147483647):ticket_id>"
LIST_QUERY = {"standing": {"description": "due_soon, overdue or escalated (escalated: overdue three working days, "
                                          "with the supervision office)",
                           "schema": {"type": "string", "enum": list(STANDINGS)}},
              "window": integer("only this window's cases", 1)}


def _staff():
    who = principal()
    if not who.is_staff:
        raise Forbidden("forbidden")
    return who


def _answer(uow, who, ticket_id: int, status: int = 200):
    ctx = hall_context(uow.session, who.hall_id)
    case, _ = steps.find(uow.session, ctx, ticket_id, now())
    answer = jsonify(views.case(uow.session, ctx, case, now(), with_log=True))
    uow.commit()
    return answer, status


@route("GET", "/cases", "open cases (办件) with their due days, most pressing first; the daily overdue list with "
       "standing=overdue", query=LIST_QUERY)
def listing():
    who = _staff()
    standing = request.args.get("standing") or None
    if standing is not None and standing not in STANDINGS:
        raise Invalid("invalid_input", detail=f"standing must be one of {', '.join(STANDINGS)}")
    window = int_arg("window", 1)
    with reading() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        return jsonify(views.listing(uow.session, ctx, who, now(), standing=standing, window=window))


@route("GET", CASE, "one case with its tasks and its log (every step and correction)")
def one(ticket_id: int):
    who = _staff()
    with unit_of_work() as uow:  # opens the case of a ticket the sweep has not reached yet
        ctx = hall_context(uow.session, who.hall_id)
        case, ticket = steps.find(uow.session, ctx, ticket_id, now())
        access.require(uow.session, ctx, who, case, ticket.number)
        return _answer(uow, who, ticket_id)


@route("POST", CASE + "/completion", "the day a case was finished (办结登记): entered once, then corrected with a "
       "reason, each correction logged", body=CompletionIn, responses={201: "recorded", 200: "corrected"})
def complete(ticket_id: int):
    who = principal()
    data = body(CompletionIn)
    with unit_of_work() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        case, _ = steps.find(uow.session, ctx, ticket_id, now()) if who.is_staff else (None, None)
        first = case is not None and case.completed_on is None
        steps.complete(uow, who, ctx, ticket_id, data.completed_on, data.note, now(), reason=data.reason,
                       delay_reason=data.delay_reason)
        return _answer(uow, who, ticket_id, 201 if first else 200)


@route("POST", CASE + "/delay-reason", "why an overdue case is not finished (延期原因)", body=DelayIn)
def delay(ticket_id: int):
    who = principal()
    data = body(DelayIn)
    with unit_of_work() as uow:
        steps.record_delay(uow, who, hall_context(uow.session, who.hall_id), ticket_id, data.reason, now())
        return _answer(uow, who, ticket_id)


@route("POST", CASE + "/materials", "补办件: the missing materials came; the promised time starts. 容缺受理: the "
       "named materials came (all still owed when none are named); with the last the case goes on to its due date",
       body=MaterialsIn)
def materials(ticket_id: int):
    who = principal()
    data = body(MaterialsIn)
    with unit_of_work() as uow:
        steps.materials_received(uow, who, hall_context(uow.session, who.hall_id), ticket_id, data.note, now(),
                                 data.materials)
        return _answer(uow, who, ticket_id)


@route("POST", CASE + "/chase", "上报件: the authority it went to was chased (催办)", body=NoteIn)
def chase(ticket_id: int):
    who = principal()
    data = body(NoteIn)
    with unit_of_work() as uow:
        steps.chase(uow, who, hall_context(uow.session, who.hall_id), ticket_id, data.note, now())
        return _answer(uow, who, ticket_id)


@route("POST", CASE + "/tasks/<int(max=2147483647):task_id>", "联办件: one department's task, its own date, done",
       body=TaskIn)
def task(ticket_id: int, task_id: int):
    who = principal()
    data = body(TaskIn)
    with unit_of_work() as uow:
        steps.update_task(uow, who, hall_context(uow.session, who.hall_id), ticket_id, task_id, now(),
                          due_on=data.due_on, task=data.task, done_on=data.done_on)
        return _answer(uow, who, ticket_id)


@route("POST", CASE + "/delivery", "发放结果: the result handed out (when, by whom, to whom)", body=DeliveryIn)
def deliver(ticket_id: int):
    who = principal()
    data = body(DeliveryIn)
    with unit_of_work() as uow:
        steps.deliver(uow, who, hall_context(uow.session, who.hall_id), ticket_id, data.to, now())
        return _answer(uow, who, ticket_id)
