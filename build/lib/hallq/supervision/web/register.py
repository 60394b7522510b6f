"""HTTP routes of the staff register (人员备案, hallq.supervision.register). Thin: parse, call, answer.

Who: the centre (the "centre" permission: supervisors and admins) reads the register, proposes and records
changes, and approves or refuses them.
"""
from __future__ import annotations

import functools

from flask import Blueprint, jsonify

from hallq.queue.halls import hall_context
from hallq.supervision import register
from hallq.supervision.schemas import StaffChangeIn, StaffChangeRefuseIn
from hallq.web.openapi import spec
from hallq.web.runtime import body, now, principal, reading, unit_of_work

bp = Blueprint("register_api", __name__, url_prefix="/api/v1")
route = functools.partial(spec.route, bp)
ID = "/register/changes/<int(max=2147483647):change_id>"


@route("GET", "/register", "the staff register: each staff member's home department, resident or stand-in, in "
       "post since, and every change with the centre's decision")
def read():
    who = principal()
    with reading() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        return jsonify(register.register(uow.session, ctx, who))


@route("POST", "/register/changes", "propose a change of the register for the centre's decision, or record one "
       "made without consent (an assessment record where the scheme has the line)", body=StaffChangeIn,
       responses={201: "the change"})
def propose():
    who = principal()
    data = body(StaffChangeIn)
    with unit_of_work() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        row = register.propose(uow.session, ctx, who, now(), staff=data.staff, kind=data.kind, since=data.since,
                               reason=data.reason, department=data.department, replaces=data.replaces,
                               unapproved=data.unapproved)
        answer = register.change_json(uow.session, row)
        uow.commit()
    return jsonify(answer), 201


@route("POST", f"{ID}/approve", "approve a proposed change: it takes effect", responses={200: "the change"})
def approve(change_id: int):
    who = principal()
    with unit_of_work() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        answer = register.change_json(uow.session, register.approve(uow.session, ctx, who, now(), change_id))
        uow.commit()
    return jsonify(answer)


@route("POST", f"{ID}/refuse", "refuse a proposed change, with the reason", body=StaffChangeRefuseIn,
       responses={200: "the change"})
def refuse(change_id: int):
    who = principal()
    data = body(StaffChangeRefuseIn)
    with unit_of_work() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        answer = register.change_json(uow.session, register.refuse(uow.session, ctx, who, now(), change_id,
                                                                    data.reason))
        uow.commit()
    return jsonify(answer)
