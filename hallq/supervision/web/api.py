"""HTTP routes of the complaint register (/api/v1/complaints). Thin: parse, call, answer.

The register's keepers (the "complaints" permission: supervisors, admins) read and act on every complaint;
a department's chief representative reads the complaints forwarded to the department and records its reply;
the complainant's name and contact are whole for the supervision office alone, masked for everyone else and
in the export.
"""
from __future__ import annotations

import functools

from flask import Blueprint, Response, jsonify, request

from hallq.queue.errors import Invalid
from hallq.queue.halls import hall_context
from hallq.supervision import complaints, views
from hallq.supervision.schemas import (ComplaintCloseIn, ComplaintIn, ForwardIn, ReplyIn, ReportIn, ReverifyIn,
                                       VisitIn)
from hallq.web import openapi
from hallq.web.openapi import spec
from hallq.web.runtime import body, lang, now, principal, reading, unit_of_work

bp = Blueprint("supervision_api", __name__, url_prefix="/api/v1")
ID = "/complaints/<int(max=2147483647):complaint_id>"
route = functools.partial(spec.route, bp)
LIST_QUERY = {"status": "registered, forwarded, replied, reported or closed",
              "overdue": openapi.flag("true: waiting for a reply after its deadline"),
              "due": openapi.flag("true: waiting for a reply, deadline today or later")}


def _flag(name: str) -> bool | None:
    value = (request.args.get(name) or "").lower()
    if value == "":
        return None
    if value in ("1", "true", "yes"):
        return True
    if value in ("0", "false", "no"):
        return False
    raise Invalid("invalid_input", detail=f"{name} must be true or false")


def _rows(uow, who) -> list[dict]:
    ctx = hall_context(uow.session, who.hall_id)
    moment = now()
    rows = complaints.listing(uow.session, ctx, who, moment, status=request.args.get("status") or None,
                              overdue=_flag("overdue"), due=_flag("due"))
    flags = complaints.transfer_flags(uow.session, ctx.id)
    return [views.complaint(uow.session, ctx, c, moment, lang(), whole=complaints.sees_complainant(who), flags=flags)
            for c in rows]


def _answer(uow, who, complaint_id: int, status: int = 200):
    ctx = hall_context(uow.session, who.hall_id)
    c = complaints.get(uow.session, ctx, who, complaint_id)
    return jsonify(views.complaint(uow.session, ctx, c, now(), lang(), whole=complaints.sees_complainant(who),
                                   with_steps=True)), status


@route("GET", "/complaints", "the complaint register (投诉来访登记), newest first, with deadlines", query=LIST_QUERY)
def listing():
    who = principal()
    with reading() as uow:
        return jsonify(_rows(uow, who))


@route("GET", "/complaints.csv", "the complaint register as CSV, the complainant masked", query=LIST_QUERY)
def export():
    who = principal()
    with reading() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        moment = now()
        flags = complaints.transfer_flags(uow.session, ctx.id)
        rows = [views.complaint(uow.session, ctx, c, moment, "zh", whole=False, flags=flags)  # masked whoever asks
                for c in complaints.listing(uow.session, ctx, who, moment, status=request.args.get("status") or None,
                                            overdue=_flag("overdue"), due=_flag("due"))]
    return Response(views.csv_text(rows).encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=complaints.csv"})


@route("POST", "/complaints", "register a complaint", body=ComplaintIn, responses={201: "the complaint"})
def register():
    who = principal()
    data = body(ComplaintIn)
    with unit_of_work() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        c = complaints.register(uow.session, who, ctx, now(), channel=data.channel, name=data.name,
                                contact=data.contact, content=data.content, received_at=data.received_at,
                                window=data.window, staff=data.staff, department=data.department,
                                hotline_ref=data.hotline_ref)
        answer = _answer(uow, who, c.id, 201)
        uow.commit()
    return answer


@route("GET", ID, "one complaint with its timeline")
def one(complaint_id: int):
    who = principal()
    with reading() as uow:
        return _answer(uow, who, complaint_id)


def _step_route(action: str, summary: str, model, call):
    def view(complaint_id: int):
        who = principal()
        data = body(model)
        with unit_of_work() as uow:
            ctx = hall_context(uow.session, who.hall_id)
            call(uow.session, who, ctx, complaint_id, now(), data)
            answer = _answer(uow, who, complaint_id)
            uow.commit()
        return answer
    view.__name__ = f"complaint_{action}"
    route("POST", f"{ID}/{action}", summary, body=model, responses={200: "the complaint"})(view)


_step_route("forward", "forward to the department with a reply deadline in working days", ForwardIn,
            lambda s, who, ctx, i, t, d: complaints.forward(s, who, ctx, i, t, department=d.department, note=d.note))
_step_route("reply", "record the department's reply: the supervision office, or the department's chief "
            "representative at the time they record it (a late one costs points where the scheme says so)", ReplyIn,
            lambda s, who, ctx, i, t, d: complaints.reply(s, who, ctx, i, t, text=d.text, person=d.person, at=d.at))
_step_route("report", "record the result reported back to the complainant", ReportIn,
            lambda s, who, ctx, i, t, d: complaints.report(s, who, ctx, i, t, satisfied=d.satisfied, text=d.text))
_step_route("reverify", "send back to the department to re-verify (the complainant is not satisfied)", ReverifyIn,
            lambda s, who, ctx, i, t, d: complaints.reverify(s, who, ctx, i, t, note=d.note))
_step_route("visit", "record a return visit to the complainant (回访)", VisitIn,
            lambda s, who, ctx, i, t, d: complaints.visit(s, who, ctx, i, t, text=d.text, satisfied=d.satisfied,
                                                          person=d.person, at=d.at))
_step_route("close", "close as verified (an assessment record) or unfounded, with reasons", ComplaintCloseIn,
            lambda s, who, ctx, i, t, d: complaints.close(s, who, ctx, i, t, outcome=d.outcome, reason=d.reason,
                                                          item=d.item, points=d.points))
