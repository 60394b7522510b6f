"""HTTP routes the kiosk page needs beyond the queue API: its own state, search,
finding an appointment, and calling for help. Thin, like hallq/queue/web/api.py.

Issuing itself is `POST /api/v1/tickets` with `print: true`; these routes only
help the citizen get there.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request, url_for
from pydantic import Field, model_validator
from sqlalchemy import select

from hallq.cases import returning
from hallq.queue import alerts, issuing, notify
from hallq.queue import views as queue_views
from hallq.queue.device_states import device_state
from hallq.i18n import message
from hallq.kiosk import appointments, guides, search_store, search as item_search
from hallq.queue import printing
from hallq.queue.errors import Forbidden, Invalid, NotFound
from hallq.queue.events import KIOSK_HELP, Event
from hallq.queue.facts import iso
from hallq.queue.halls import hall_context
from hallq.web.openapi import spec
from hallq.queue.models import Department, Item, Ticket
from hallq.queue.schemas import Body, PhoneIn
from hallq.web.runtime import body, lang, now, principal, reading, runtime, unit_of_work

bp = Blueprint("kiosk_api", __name__, url_prefix="/api/v1/kiosk")

class FindAppointmentIn(Body):
    code: str | None = Field(None, max_length=60, description="the appointment code, typed or scanned")
    id_number: str | None = Field(None, max_length=30, description="or the booker's ID number; never kept")

    @model_validator(mode="after")
    def _one(self):
        if not (self.code or "").strip() and not (self.id_number or "").strip():
            raise ValueError("give code or id_number")
        return self


class ReturnIn(Body):
    scanned: str | None = Field(None, max_length=300, description="the first ticket's QR code as scanned (its "
                                                                  "status page's address, or the token)")
    id_number: str | None = Field(None, max_length=30, description="or the applicant's ID number; never kept")

    @model_validator(mode="after")
    def _one(self):
        if not (self.scanned or "").strip() and not (self.id_number or "").strip():
            raise ValueError("give scanned or id_number")
        return self


class HelpIn(Body):
    screen: str = Field("", max_length=40, description="what the kiosk showed when help was asked for")


def _kiosk():
    who = principal()
    if who.kind != "kiosk":
        raise Forbidden("forbidden")
    return who


def _route(method: str, path: str, summary: str, **doc):
    # Documented under its full path in the one OpenAPI document.
    spec.operation(method, "/kiosk" + path, summary, **doc)
    return bp.route(path, methods=[method])


@_route("GET", "/state", "this kiosk: its name (its printer's), hall, hours today, issuing now, its printer's state, "
        "the hall's one-visit rule (一票到底: one_visit.max_items, one_visit.alone)")
def state():
    who = _kiosk()
    moment = now()
    with reading() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        day = ctx.hours.local_day(moment)
        why = ctx.why_not_issuing(moment)
        printer, detail = device_state(uow.session, who.hall_id, "printer", who.name, moment)
        departments = uow.session.execute(_departments(who.hall_id)).all()
        tz = ctx.hours.tz
        return jsonify({
            "kiosk": who.name, "at": iso(moment),
            "hall": {"name": ctx.hall.name, "timezone": ctx.hall.timezone},
            "hours": [[a.astimezone(tz).strftime("%H:%M"), b.astimezone(tz).strftime("%H:%M")]
                      for a, b in ctx.hours.sessions_on(day)],
            "always_open": ctx.hours.hours.always_open,
            "issuing": why, "issuing_message": message(why, lang(), **ctx.refusal_params(why, moment))
            if why else None,
            "green_elderly_age": ctx.settings.green_elderly_age,
            "notify": notify.is_on(ctx),  # the "短信提醒我" offer after a ticket
            # 一票到底: how many items one ticket may carry (the first included), and those only taken alone
            "one_visit": {"max_items": min(ctx.settings.one_visit.max_items, issuing.MAX_ALSO + 1),
                          "alone": ctx.settings.one_visit.alone},
            "printer": {"name": who.name, "state": printer, "detail": detail},
            "help": _help_state(uow.session, who.hall_id, who.name, moment),
            "departments": [{"code": code, "name": name} for code, name in departments],
        })


def _departments(hall_id: int):
    # Departments with at least one active item, in the hall file's order.
    return (select(Department.code, Department.name).where(
        Department.hall_id == hall_id,
        Department.id.in_(select(Item.department_id).where(Item.hall_id == hall_id, Item.active.is_(True))))
        .order_by(Department.id))


@_route("GET", "/search", "service items found by 汉字, pinyin or pinyin initials (sfz finds 身份证) of their names "
        "and keywords (医保, 社保卡), best first",
        query={"q": "what the citizen typed"})
def search():
    who = _kiosk()
    query = (request.args.get("q") or "")[:item_search.MAX_QUERY]
    with reading() as uow:
        rows = uow.session.execute(_items(who.hall_id)).all()
        keys = search_store.key_book(uow.session, item_search.names_of(rows))
    found = item_search.search(query, rows, keys)
    _keep(keys)
    return jsonify({"query": query, "services": found})


def _keep(keys: item_search.KeyBook) -> None:
    """Names a search had to read (new since `hallq load-hall`) are kept for the next one."""
    if keys.read:
        with unit_of_work() as uow:
            search_store.keep(uow.session, keys.read)
            uow.commit()


def _items(hall_id: int):
    return (select(Item.code, Item.name, Department.name, Item.keywords).join(Department, Department.id == Item.department_id)
            .where(Item.hall_id == hall_id, Item.active.is_(True)).order_by(Item.code))


def _form_url(form) -> str:
    return url_for("items_admin_api.download_form", form_id=form.id, name=form.name)


@_route("GET", "/guides", "办事指南: the guides of a department, or those the search finds (names and keywords), "
        "or all", query={"q": "what the citizen typed", "department": "a department's code"},
        responses={200: "{guides: [{code, name, department, department_code, nature, promised_days}]}"})
def guide_list():
    who = _kiosk()
    query = (request.args.get("q") or "")[:item_search.MAX_QUERY]
    department = (request.args.get("department") or "")[:40] or None
    with reading() as uow:
        found, keys = guides.guide_list(uow.session, who.hall_id, query, department)
    _keep(keys)
    return jsonify({"query": query, "guides": found})


@_route("GET", "/guides/<code>", "one item's whole guide in sections, its forms (free) and windows",
        responses={200: "{code, name, department, sections: [{key, label, value}], forms}", 404: "no such item"})
def guide_one(code: str):
    who = _kiosk()
    with reading() as uow:
        return jsonify(guides.guide(uow.session, who.hall_id, code[:40], lang(), _form_url))


@_route("POST", "/guides/<code>/print", "print the item's guide on this kiosk's printer (the tickets' print path: "
        "the agent's answer comes as `print.result`)",
        responses={202: "{job, printer, state}", 404: "no such item", 409: "the printer is not ready"})
def guide_print(code: str):
    who = _kiosk()
    moment = now()
    printer = printing.printer_for(who, None)
    with unit_of_work() as uow:
        view = guides.guide(uow.session, who.hall_id, code[:40], "zh", _form_url)
        printing.require_printer(uow, who.hall_id, printer, moment)
        document = guides.print_document(hall_context(uow.session, who.hall_id), view, moment)
        job = printing.request_document_print(uow, who.hall_id, printer, document, kind="guide", who=who.actor,
                                              now=moment)
        uow.commit()
    return jsonify({"job": job.id, "printer": printer, "state": job.state}), 202


@_route("POST", "/appointments/find", "a booking by its code, or today's bookings of an ID number",
        body=FindAppointmentIn, responses={200: "{appointments: [...]}"})
def find_appointment():
    who = _kiosk()
    data = body(FindAppointmentIn)
    with reading() as uow:
        ctx = hall_context(uow.session, who.hall_id)
        if (data.code or "").strip():
            found = [appointments.by_code(uow.session, ctx, data.code, now())]
        else:
            found = appointments.by_id_number(uow.session, ctx, data.id_number or "", now())
    return jsonify({"appointments": found})


@_route("POST", "/returns", "a citizen back for their case (补办件 materials, or a result ready) checks in by the "
        "first ticket's QR code or ID number: a ticket for the case's window, in the first ticket's place in time",
        body=ReturnIn, responses={201: "the ticket"})
def check_in_return():
    who = _kiosk()
    data = body(ReturnIn)
    with unit_of_work() as uow:
        ticket = returning.check_in(uow, who, data.scanned, data.id_number, now())
        ctx = hall_context(uow.session, who.hall_id)
        answer = queue_views.ticket(uow.session, ctx, ticket, now())
        answer["windows"] = [ctx.window_number(uow.session, ticket.target_window_id)]  # only the case's window
        uow.commit()
    return jsonify(answer), 201


@_route("POST", "/help", "a citizen at this kiosk asks for help: a stored alert for the duty screens (`alert.raised`, "
        "and `kiosk.help` to `supervisors`); pressed again while it waits, the same call (`repeated`)",
        body=HelpIn, responses={200: "{ok, repeated, alert}"})
def call_for_help():
    who = _kiosk()
    data = body(HelpIn)
    if data.screen and not data.screen.replace("-", "").replace("_", "").isalnum():
        raise Invalid("invalid_input", detail="screen is a name like 'start' or 'items'")
    moment = now()
    with unit_of_work() as uow:
        # One alert per call for help, however often the button is pressed, until someone acknowledges it.
        alert, new = alerts.raise_alert(uow, who.hall_id, alerts.HELP, f"kiosk:{who.name}", moment,
                                        {"kiosk": who.name, "screen": data.screen or None})
        if new:
            uow.add_event(Event(KIOSK_HELP, who.hall_id, {
                "kiosk": who.name, "screen": data.screen or None, "alert": alert.id,
                "number": None, "window": None, "service": None, "at": iso(moment)}))
        answer = {"ok": True, "repeated": not new, "alert": alert.id}
        uow.commit()
    return jsonify(answer)


@_route("POST", "/tickets/<int(max=2147483647):ticket_id>/phone", "the citizen at this kiosk asks for text reminders "
        "of the ticket it has just issued (即将轮到您, called, missed); the number is kept masked and hashed, whole "
        "only until the day ends", body=PhoneIn,
        responses={200: "{opted_in, phone (masked)}", 404: "no ticket this kiosk issued",
                   409: "the hall sends no reminders, or the ticket is done"})
def phone_opt_in(ticket_id: int):
    who = _kiosk()
    data = body(PhoneIn)
    with unit_of_work() as uow:
        ticket = uow.session.get(Ticket, ticket_id)
        if ticket is None or ticket.hall_id != who.hall_id or ticket.issued_by != who.actor:
            raise NotFound("ticket_unknown", ticket=ticket_id)
        answer = notify.contact_json(notify.opt_in(uow, ticket, data.phone, lang(), who.actor, now()))
        uow.commit()
    runtime().notify_poke()  # "即将轮到您" may be owed at once
    return jsonify(answer)


def _help_state(session, hall_id: int, kiosk: str, moment) -> dict | None:
    """This kiosk's latest call for help today: waiting, or acknowledged (someone is coming)."""
    alert = alerts.latest_help(session, hall_id, kiosk, alerts.day_start(session, hall_id, moment))
    if alert is None:
        return None
    return {"alert": alert.id, "at": iso(alert.raised_at),
            "acknowledged_at": iso(alert.acked_at) if alert.acked_at else None}
