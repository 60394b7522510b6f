"""HTTP routes of devices and printing: states, the reprint list, reprints. Thin."""
from __future__ import annotations

from flask import Blueprint, jsonify

from hallq.queue import printing, device_states as registry
from hallq.queue import views
from hallq.web.openapi import spec
from hallq.queue.errors import NotFound
from hallq.queue.halls import hall_context
from hallq.queue.models import Ticket
from hallq.queue.schemas import ReprintIn
from hallq.web.runtime import body, lang, now, principal, reading, status_page, unit_of_work

bp = Blueprint("devices_api", __name__, url_prefix="/api/v1")


@spec.route(bp, "GET", "/devices", "the devices the agents host, with the state each last reported")
def devices():
    who = principal()
    who.require("read")
    with reading() as uow:
        return jsonify(registry.devices(uow.session, who.hall_id, now()))


@spec.route(bp, "GET", "/print-failures", "today's tickets whose printing failed (the guide desk's reprint list)")
def print_failures():
    who = principal()
    who.require("read")
    with reading() as uow:
        day = hall_context(uow.session, who.hall_id).hours.local_day(now())
        return jsonify(printing.failed_tickets(uow, who.hall_id, day))


@spec.route(bp, "POST", "/tickets/<int(max=2147483647):ticket_id>/reprint", "print a ticket again", body=ReprintIn,
            responses={201: "the print job"})
def reprint(ticket_id: int):
    who = principal()
    who.require("issue")
    data = body(ReprintIn)
    with unit_of_work() as uow:
        ticket = uow.session.get(Ticket, ticket_id)
        if ticket is None or ticket.hall_id != who.hall_id:
            raise NotFound("ticket_unknown", ticket=ticket_id)
        ctx = hall_context(uow.session, who.hall_id)
        view = views.ticket(uow.session, ctx, ticket, now())
        printer = printing.printer_for(who, data.printer)
        job = printing.reprint(uow, ctx, ticket, view, printer, status_page(ctx, ticket), lang(), who.actor, now())
        uow.commit()
        return jsonify(printing.job_json(job)), 201
