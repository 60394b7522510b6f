"""HTTP routes of the queue service (API.md). Thin: parse, call the engine, answer."""
from __future__ import annotations

import functools

from flask import Blueprint, jsonify

from hallq.web.openapi import integer, spec
from hallq.cases import notify as case_notify, views as case_views
from hallq.cases.opening import open_case
from hallq.evaluator import views as rating_views
from hallq.queue import calling, issuing, notices, notify, sessions, stand_ins, views
from hallq.queue.chiefs import staff_of
from hallq.queue.errors import Invalid, NotFound
from hallq.queue.halls import find_window, hall_context
from hallq.queue.models import Ticket
from hallq.queue.schemas import (AppointmentIn, CallIn, FinishIn, NoticeIn, PauseIn, PhoneIn, SignInIn, TicketIn,
                                 TransferIn)
from hallq.queue import printing
from hallq.web import throttle
from hallq.web.runtime import (Forbidden, body, int_arg, lang, now, principal, reading, runtime, status_page,
                               unit_of_work)

bp = Blueprint("queue_api", __name__, url_prefix="/api/v1")


route = functools.partial(spec.route, bp)  # a route that is also in the OpenAPI document


def _ticket_answer(uow, ticket, status: int = 200):
    data = views.ticket(uow.session, hall_context(uow.session, ticket.hall_id), ticket, now())
    return jsonify(data), status


@route("GET", "/openapi.json", "this document", public=True)
def openapi():
    return jsonify(spec.document())


@route("GET", "/services", "service items with queue lengths and estimated waits")
def services():
    who = principal()
    who.require("read")
    with reading() as uow:
        return jsonify(views.services(uow.session, hall_context(uow.session, who.hall_id), now()))


@route("GET", "/windows", "windows with their status, current ticket and staff")
def windows():
    who = principal()
    who.require("read")
    with reading() as uow:
        return jsonify(views.windows(uow.session, hall_context(uow.session, who.hall_id)))


@route("POST", "/tickets", "issue a ticket", body=TicketIn, responses={201: "the ticket"})
def issue():
    who = principal()
    who.require("issue")
    data = body(TicketIn)
    printer = printing.printer_for(who, data.printer)
    with unit_of_work() as uow:
        # No ghost tickets: a printer that is not ready refuses before a number exists.
        ready = (lambda: printing.require_printer(uow, who.hall_id, printer, now())) if data.print else None
        ticket = issuing.issue_ticket(uow, who, issuing.IssueRequest(**data.model_dump(exclude={"print", "printer"})),
                                      now(), ready=ready)
        ctx = hall_context(uow.session, ticket.hall_id)
        answer = views.ticket(uow.session, ctx, ticket, now())
        if data.print:
            document = printing.ticket_document(ctx, answer, ticket.item, status_page(ctx, ticket), lang())
            job = printing.request_print(uow, ticket, printer, document, kind="ticket", who=who.actor, now=now())
            answer["print"] = printing.job_json(job)
        uow.commit()
    return jsonify(answer), 201


@route("GET", "/tickets/<int(max=2147483647):ticket_id>", "a ticket with its events")
def ticket(ticket_id: int):
    who = principal()
    who.require("read")
    with reading() as uow:
        t = uow.session.get(Ticket, ticket_id)
        if t is None or t.hall_id != who.hall_id:
            raise NotFound("ticket_unknown", ticket=ticket_id)
        return jsonify(views.ticket(uow.session, hall_context(uow.session, t.hall_id), t, now(), with_events=True))


@route("GET", "/t/<token>", "public status of one ticket (the QR code's target)", public=True)
def public_ticket(token: str):
    with reading() as uow:
        t = uow.session.query(Ticket).filter_by(token=token).one_or_none()
        if t is None:
            raise NotFound("ticket_unknown", ticket="")
        return jsonify(case_views.public_status(uow.session, hall_context(uow.session, t.hall_id), t, now(), lang()))


@route("POST", "/t/<token>/phone", "text reminders for this ticket (即将轮到您, called, missed) to the citizen's phone, "
       "and, while the ticket's case is open after the counter, 办理结果已可领取 (the number kept until the case's "
       "keeping ends): the QR code is the credential; given again before a message went, the number is replaced",
       body=PhoneIn, public=True,
       responses={200: "{opted_in, phone (masked)}", 404: "no such ticket",
                  409: "the hall sends no reminders, or the ticket is done and has no open case", 429: "too many tries"})
def public_phone(token: str):
    limiter = runtime().throttle
    limiter.hit("notify_rate_limited", (throttle.PHONE_PER_ADDRESS, "hallq-phone-addr", limiter.address()),
                (throttle.PHONE_PER_TICKET, "hallq-phone-ticket", token))
    data = body(PhoneIn)
    with unit_of_work() as uow:
        t = uow.session.query(Ticket).filter_by(token=token).one_or_none() if len(token) <= 64 else None
        if t is None:
            raise NotFound("ticket_unknown", ticket="")
        ctx = hall_context(uow.session, t.hall_id)
        answer = notify.contact_json(case_notify.opt_in(uow, ctx, t, data.phone, lang(), "phone", now()))
        uow.commit()
    runtime().notify_poke()  # "即将轮到您" may be owed at once
    return jsonify(answer)


@route("POST", "/tickets/<int(max=2147483647):ticket_id>/requeue", "a missed ticket goes back into its queue")
def requeue(ticket_id: int):
    who = principal()
    with unit_of_work() as uow:
        t = calling.requeue(uow, who, ticket_id, now())
        answer = _ticket_answer(uow, t)
        uow.commit()
    return answer


@route("POST", "/appointments", "an online appointment pushed in by an integration", body=AppointmentIn,
       responses={201: "the appointment"})
def appointment():
    who = principal()
    who.require("appointments")
    data = body(AppointmentIn)
    with unit_of_work() as uow:
        appt = issuing.add_appointment(uow, who, now=now(), **data.model_dump())
        uow.commit()
        return jsonify(issuing.appointment_json(appt)), 201


# --- window actions -----------------------------------------------------------

def _window_ticket(action, number: int, **kwargs):
    """Run a ticket action at a window; answer with the ticket, or 204 when there is none."""
    who = principal()
    with unit_of_work() as uow:
        t = action(uow, who, number, now(), **kwargs)
        if t is None:
            return "", 204
        answer = _ticket_answer(uow, t)
        uow.commit()
    return answer


def _window_state(action, number: int, *args):
    """Run a sign-in/out or pause/resume and answer with the window as it is now."""
    who = principal()
    with unit_of_work() as uow:
        action(uow, who, number, *args, now())
        ctx = hall_context(uow.session, who.hall_id)
        answer = jsonify(views.windows(uow.session, ctx, number)[0])
        uow.commit()
    return answer


@route("POST", "/windows/<int(max=2147483647):number>/sign-in", "the clerk starts serving at window n", body=SignInIn)
def sign_in(number: int):
    return _window_state(sessions.sign_in, number, body(SignInIn).post)


@route("POST", "/windows/<int(max=2147483647):number>/sign-out", "the clerk stops serving at window n")
def sign_out(number: int):
    return _window_state(sessions.sign_out, number)


@route("POST", "/windows/<int(max=2147483647):number>/call-next", "call the next ticket",
       responses={200: "the called ticket", 204: "nobody waits"})
def call_next(number: int):
    return _window_ticket(calling.call_next, number)


@route("POST", "/windows/<int(max=2147483647):number>/call", "call a particular ticket", body=CallIn)
def call(number: int):
    return _window_ticket(calling.call, number, ref=body(CallIn).ticket)


@route("POST", "/windows/<int(max=2147483647):number>/recall", "announce the current ticket again")
def recall(number: int):
    return _window_ticket(calling.recall, number)


@route("POST", "/windows/<int(max=2147483647):number>/skip", "the current ticket did not come: missed")
def skip(number: int):
    return _window_ticket(calling.skip, number)


@route("POST", "/windows/<int(max=2147483647):number>/hold", "park the current ticket; `call` brings it back")
def hold(number: int):
    return _window_ticket(calling.hold, number)


@route("POST", "/windows/<int(max=2147483647):number>/transfer", "move the current ticket to an item or window", body=TransferIn)
def transfer(number: int):
    data = body(TransferIn)
    return _window_ticket(calling.transfer, number, service=data.service, to_window=data.window,
                          come_back=data.come_back)


@route("POST", "/windows/<int(max=2147483647):number>/finish", "end service with the case outcome", body=FinishIn)
def finish(number: int):
    data = body(FinishIn)
    return _window_ticket(_finish_and_open_case, number, **data.model_dump())


def _finish_and_open_case(uow, who, number: int, now_, **kwargs):
    """A finish other than 即办件 opens its case (hallq.cases) in the same transaction."""
    ticket = calling.finish(uow, who, number, now_, **kwargs)
    open_case(uow.session, hall_context(uow.session, ticket.hall_id), ticket, now_)
    return ticket


@route("POST", "/windows/<int(max=2147483647):number>/notices", "print the written notice of a finished case",
       body=NoticeIn, responses={201: "the notice's number and its print job"})
def print_notice(number: int):
    who = principal()
    data = body(NoticeIn)
    with unit_of_work() as uow:
        job, notice_number = notices.print_notice(uow, who, number, data.ticket, data.kind, now())
        uow.commit()
    return jsonify({"id": job.id, "number": notice_number, "kind": data.kind, "ticket": data.ticket,
                    "status": job.state, "printer": job.printer}), 201


@route("POST", "/windows/<int(max=2147483647):number>/pause", "the window stops taking calls", body=PauseIn)
def pause(number: int):
    data = body(PauseIn)
    return _window_state(functools.partial(sessions.pause, stand_in=data.stand_in), number, data.reason)


@route("POST", "/windows/<int(max=2147483647):number>/resume", "the window takes calls again")
def resume(number: int):
    return _window_state(sessions.resume, number)


# --- what the clerk console reads ----------------------------------------------------

@route("GET", "/me", "the signed-in staff member: their posts and the window they sit at; the hall's "
       "calendar_not_entered: years of the next three months whose official holiday arrangement is not known")
def me():
    who = principal()
    if not who.is_staff:
        raise Forbidden("forbidden")
    with reading() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        data = views.me(uow.session, ctx, who.user_id, who.name, who.kind)
    # Years of the next months whose official calendar is not entered (hallq.queue.hours): the duty screen tells
    # supervisors and admins.
    data["hall"]["calendar_not_entered"] = ctx.hours.years_not_entered(ctx.hours.local_day(now()))
    return jsonify(data)


@route("GET", "/me/day", "the staff member's day so far: served, average service time, outcomes, sessions")
def my_day():
    who = principal()
    if not who.is_staff:
        raise Forbidden("forbidden")
    with reading() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        day = views.my_day(uow.session, ctx, who.actor, who.user_id, now())
        staff_id = day.pop("staff_id")
        day["ratings"] = rating_views.ratings_today(uow.session, ctx, staff_id, now()) if staff_id else None
        return jsonify(day)


@route("GET", "/windows/<int(max=2147483647):number>/console",
       "one window as its clerk console shows it: items with waiting counts, current ticket, next tickets; for staff "
       "its cases due soon or overdue, stand_ins: whom the caller may name to stand in (顶岗) when pausing it, and "
       "pause_stand_in: who was named for the pause now open")
def window_console(number: int):
    who = principal()
    who.require("read")
    with reading() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        window = find_window(uow.session, who.hall_id, number)
        answer = views.window_console(uow.session, ctx, window, now())
        # Warned before they fall due, and overdue (seed 002 督促): the cases of this window the caller answers for.
        answer["cases"] = [c for c in case_views.listing(uow.session, ctx, who, now(), window=number)
                           if c["due_soon"] or c["overdue"] or c["materials_late"]] if who.is_staff else []
        # The pause dialog's choice of stand-in (AB岗): staff only, as it says who is on leave.
        me = staff_of(uow.session, who) if who.is_staff else None
        answer["stand_ins"] = stand_ins.candidates(uow.session, ctx, window, me.id if me else None, now()) \
            if who.is_staff else []
        answer["pause_stand_in"] = stand_ins.pause_cover(uow.session, window) if who.is_staff else None
        return jsonify(answer)


@route("GET", "/calendar/due-date", "the due date of a case promised today for n working days",
       query={"days": integer("promised working days", 1, 365, required=True)})
def due_date():
    who = principal()
    who.require("read")
    days = int_arg("days", 1, 365)
    if days is None:
        raise Invalid("invalid_input", detail="days must be a whole number from 1 to 365")
    with reading() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        today = ctx.hours.local_day(now())
        # The same calendar call finish() makes, so the console shows the date the case will carry.
        due = ctx.hours.add_working_days(today, days)
        return jsonify({"from": today.isoformat(), "days": days, "due_date": due.isoformat()})
