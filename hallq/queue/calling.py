"""What a clerk does at a window: call, recall, skip, hold, transfer, finish.

Every function takes the unit of work, who acts, the window number and the
time; it checks the window may act (`acting_window`), changes the ticket,
records the fact and queues the news. Illegal moves raise `Refused` (409).
"""
from __future__ import annotations

import datetime as dt
import functools

from sqlalchemy import Update, bindparam, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from hallq.queue.accounts import Principal
from hallq.queue import estimates, events as ev, inputs
from hallq.queue.errors import Invalid, NotFound, Refused
from hallq.queue.facts import announce, record
from hallq.queue.halls import HallContext, find_window, hall_context
from hallq.queue.models import Item, Ticket, TicketEvent, Window, WindowItem
from hallq.queue.ordering import pick_next
from hallq.queue.sessions import acting_window, open_session, serving
from hallq.queue.stats import queue_stats
from hallq.queue.unit_of_work import UnitOfWork

OUTCOMES = ("immediate", "promised", "joint", "supplement", "forwarded", "rejected")


def _idle_window(s: Session, who: Principal, number: int) -> Window:
    window, _, paused, current = acting_window(s, who, number)
    if paused:
        raise Refused("window_paused", window=number)
    if current is not None:
        raise Refused("window_busy", window=number, number=current)
    return window


def _current(s: Session, who: Principal, number: int) -> tuple[Window, Ticket]:
    window, _, _, number_served = acting_window(s, who, number)
    ticket = serving(s, window) if number_served is not None else None
    if ticket is None:
        raise Refused("window_idle", window=number)
    return window, ticket


# Built once, as calls are the engine's busiest path.
_CALLS_OF = select(func.count()).select_from(TicketEvent).where(TicketEvent.ticket_id == bindparam("ticket_id"),
                                                                TicketEvent.kind == "called")
_LAST_CALL = select(func.max(TicketEvent.at)).where(TicketEvent.ticket_id == bindparam("ticket_id"),
                                                    TicketEvent.kind == "called")


@functools.cache
def _update(columns: tuple[str, ...], guarded: bool) -> Update:
    """The UPDATE of these columns of one ticket, built the first time it is needed (composing
    it cost more than running it); `guarded`: only while the row still has `from_status`."""
    where = [Ticket.id == bindparam("ticket_id")]
    if guarded:
        where.append(Ticket.status == bindparam("from_status"))
    return update(Ticket).where(*where).values({name: bindparam(f"new_{name}") for name in columns})


def _write(s: Session, ticket: Ticket, *, from_status: str | None = None, **columns) -> bool:
    """Set columns of a loaded ticket with one UPDATE on the connection, and tell the object.

    The ORM's flush of one changed ticket cost more than the rest of a finish.
    With `from_status`, nothing changes unless the row still has that status:
    False then (someone else got there first).
    """
    params = {"ticket_id": ticket.id, "from_status": from_status, **{f"new_{k}": v for k, v in columns.items()}}
    done = s.connection().execute(_update(tuple(sorted(columns)), from_status is not None), params).rowcount
    if done:  # the row now holds these; tell the loaded object without reading it back
        for name, value in columns.items():
            set_committed_value(ticket, name, value)
    return bool(done)


def _take(s: Session, ticket: Ticket, window: Window, from_status: str) -> bool:
    """Move a ticket into service at `window` unless someone else got there first."""
    return _write(s, ticket, from_status=from_status, status="called", window_id=window.id, target_window_id=None)


def _announce_call(uow: UnitOfWork, ctx: HallContext, ticket: Ticket, window: Window, who: Principal,
                   now: dt.datetime, how: str) -> None:
    # Event rows are written straight to the connection (facts.record), so they are read there too.
    first = uow.session.connection().execute(_CALLS_OF, {"ticket_id": ticket.id}).scalar_one() == 0
    data = {"priority": ticket.priority, "how": how}
    if first:
        data["wait_s"] = round((now - ticket.issued_at).total_seconds(), 1)
    record(uow, ticket, "called", now, who.actor, window=window, data=data, publish=ev.TICKET_CALLED)
    queue_stats(uow, ctx, [ticket.item])


def call_next(uow: UnitOfWork, who: Principal, number: int, now: dt.datetime) -> Ticket | None:
    s = uow.session
    ctx = hall_context(s, who.hall_id)
    window = _idle_window(s, who, number)
    tried: set[int] = set()
    # The conditional update is the guard on SQLite and the backstop on
    # PostgreSQL (where pick_next already skips rows others have locked).
    while (ticket_id := pick_next(s, window, ctx.settings.priority_streak, tried)) is not None:
        ticket = s.get(Ticket, ticket_id)
        if _take(s, ticket, window, "waiting"):
            _announce_call(uow, ctx, ticket, window, who, now, "next")
            return ticket
        tried.add(ticket_id)
    return None


def find_ticket(s: Session, ctx: HallContext, ref: str | int, now: dt.datetime) -> Ticket:
    """A ticket by id, or by number as issued today."""
    ref = inputs.ticket_ref(ref)
    if isinstance(ref, int):
        ticket = s.get(Ticket, ref)
        if ticket is not None and ticket.hall_id == ctx.id:
            return ticket
    else:
        ticket = s.scalar(select(Ticket).where(Ticket.hall_id == ctx.id, Ticket.number == ref,
                                               Ticket.day == ctx.hours.local_day(now)))
        if ticket is not None:
            return ticket
    raise NotFound("ticket_unknown", ticket=ref)


def _serves(s: Session, window: Window, ticket: Ticket) -> bool:
    if ticket.target_window_id is not None:
        return ticket.target_window_id == window.id
    return s.get(WindowItem, (window.id, ticket.item_id)) is not None


def call(uow: UnitOfWork, who: Principal, number: int, now: dt.datetime, ref: str | int) -> Ticket:
    """Call a particular ticket: a waiting one, one held here, or one that missed its call."""
    s = uow.session
    ctx = hall_context(s, who.hall_id)
    window = _idle_window(s, who, number)
    ticket = find_ticket(s, ctx, ref, now)
    if ticket.status == "held":
        if ticket.window_id != window.id:
            held = s.get(Window, ticket.window_id)
            raise Refused("ticket_held_elsewhere", number=ticket.number, held=held.number)
    elif ticket.status in ("waiting", "missed"):
        if ticket.day != ctx.hours.local_day(now):
            raise Refused("ticket_expired", number=ticket.number)
        if not _serves(s, window, ticket) and not (ticket.status == "missed" and ticket.window_id == window.id):
            raise Refused("ticket_not_for_window", window=number, number=ticket.number)
    else:
        raise Refused("ticket_not_callable", number=ticket.number, status=ticket.status)
    if not _take(s, ticket, window, ticket.status):
        raise Refused("ticket_not_callable", number=ticket.number, status="called")
    _announce_call(uow, ctx, ticket, window, who, now, "by_number")
    return ticket


def recall(uow: UnitOfWork, who: Principal, number: int, now: dt.datetime) -> Ticket:
    s = uow.session
    ctx = hall_context(s, who.hall_id)
    window, ticket = _current(s, who, number)
    last_call = s.scalar(select(func.max(TicketEvent.id)).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "called"))
    count = s.scalar(select(func.count()).select_from(TicketEvent).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "recalled", TicketEvent.id > last_call))
    if count >= ctx.settings.recall_limit:
        raise Refused("recall_limit", number=ticket.number, count=count)
    record(uow, ticket, "recalled", now, who.actor, window=window, data={"recall": count + 1},
           publish=ev.TICKET_RECALLED)
    return ticket


def calls_so_far(s: Session, ticket: Ticket) -> tuple[int, dt.datetime | None]:
    """How often the ticket was called at the counter this time (its latest call and the recalls since),
    and when that call was made."""
    last = s.execute(select(TicketEvent.id, TicketEvent.at).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "called").order_by(TicketEvent.id.desc()).limit(1)).first()
    if last is None:
        return 0, None
    recalls = s.scalar(select(func.count()).select_from(TicketEvent).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "recalled", TicketEvent.id > last.id))
    return 1 + recalls, last.at


def skip_allowed_at(ctx: HallContext, calls: int, called_at: dt.datetime | None) -> dt.datetime | None:
    """When a skip is allowed by the hall's minimum on time alone; None when the calls already allow it."""
    rule = ctx.settings
    if calls >= rule.skip_after_calls or called_at is None:
        return None
    return called_at + dt.timedelta(minutes=rule.skip_after_minutes)


def skip(uow: UnitOfWork, who: Principal, number: int, now: dt.datetime) -> Ticket:
    """The called citizen did not come (过号): only after the hall's minimum of calls or minutes, so one
    stray key a moment after the call cannot send a citizen who is on the way to the back of the day."""
    s = uow.session
    ctx = hall_context(s, who.hall_id)
    window, ticket = _current(s, who, number)
    calls, called_at = calls_so_far(s, ticket)
    allowed_at = skip_allowed_at(ctx, calls, called_at)
    if allowed_at is not None and now < allowed_at:
        rule = ctx.settings
        raise Refused("skip_too_soon", number=ticket.number, calls=calls, need_calls=rule.skip_after_calls,
                      minutes=f"{rule.skip_after_minutes:g}", wait_s=max(1, round((allowed_at - now).total_seconds())))
    ticket.status = "missed"
    record(uow, ticket, "skipped", now, who.actor, window=window, publish=ev.TICKET_SKIPPED,
           data={"calls": calls, "after_s": round((now - called_at).total_seconds(), 1) if called_at else None})
    return ticket


def hold(uow: UnitOfWork, who: Principal, number: int, now: dt.datetime) -> Ticket:
    """Park the current ticket (挂起), e.g. while the citizen fetches a document."""
    window, ticket = _current(uow.session, who, number)
    ticket.status = "held"
    record(uow, ticket, "held", now, who.actor, window=window, publish=ev.TICKET_HELD)
    return ticket


def call_back(uow: UnitOfWork, who: Principal, number: int, now: dt.datetime) -> Ticket:
    """Call again the ticket this window last held (回呼 on a caller keypad, which cannot type a number)."""
    s = uow.session
    window = acting_window(s, who, number).window
    held = s.scalar(select(Ticket).join(TicketEvent, TicketEvent.ticket_id == Ticket.id)
                    .where(Ticket.window_id == window.id, Ticket.status == "held", TicketEvent.kind == "held")
                    .order_by(TicketEvent.id.desc()).limit(1))
    if held is None:
        raise Refused("nothing_held", window=number)
    return call(uow, who, number, now, held.id)


def return_to_queue(uow: UnitOfWork, who: Principal, number: int, now: dt.datetime) -> Ticket:
    """The current ticket goes back to its item's queue, in its place in time (a caller keypad's 转移,
    which names no target: "丢回去")."""
    _, ticket = _current(uow.session, who, number)
    return transfer(uow, who, number, now, service=ticket.item.code)


def transfer(uow: UnitOfWork, who: Principal, number: int, now: dt.datetime, *,
             service: str | None = None, to_window: int | None = None, come_back: bool = False) -> Ticket:
    """Send the current ticket to another item or window, keeping its place in time."""
    s = uow.session
    ctx = hall_context(s, who.hall_id)
    if not service and to_window is None:
        raise Invalid("transfer_target_required")
    window, ticket = _current(s, who, number)
    old_item = ticket.item
    data = {"from_service": old_item.code, "from_window": window.number, "return": come_back}
    if service:
        item = s.scalar(select(Item).where(Item.hall_id == ctx.id, Item.code == service, Item.active.is_(True)))
        if item is None:
            raise NotFound("service_unknown", service=service)
        ticket.item, ticket.item_id = item, item.id
    target = None
    if to_window is not None:
        if to_window == number:
            raise Refused("transfer_same_window")
        target = find_window(s, ctx.id, to_window)
        if open_session(s, target) is None:
            raise Refused("transfer_window_unavailable", target=to_window)
        data["to_window"] = to_window
    ticket.status = "waiting"
    ticket.target_window_id = target.id if target else None
    ticket.return_window_id = window.id if come_back else None
    data["to_service"] = ticket.item.code
    record(uow, ticket, "transferred", now, who.actor, window=window, data=data, publish=ev.TICKET_TRANSFERRED)
    queue_stats(uow, ctx, [old_item] + ([ticket.item] if ticket.item is not old_item else []))
    return ticket


def finish(uow: UnitOfWork, who: Principal, number: int, now: dt.datetime, *, outcome: str,
           promised_days: int | None = None, missing_materials: list[str] | None = None,
           note: str | None = None, departments: list[str] | None = None,
           forwarded_to: str | None = None) -> Ticket:
    """End service with the case outcome (办件类型)."""
    s = uow.session
    ctx = hall_context(s, who.hall_id)
    if outcome not in OUTCOMES:
        raise Invalid("outcome_unknown", outcome=outcome)
    window, ticket = _current(s, who, number)
    data: dict = {"outcome": outcome}
    guide = ticket.item.guide or {}
    if outcome == "promised":
        days = promised_days if promised_days is not None else guide.get("promised_days")
        if not days or days < 1:
            raise Invalid("promised_days_required")
        legal = guide.get("legal_days")
        if legal and days > legal:
            raise Invalid("promised_days_too_long", days=days, legal=legal)
        due = ctx.hours.add_working_days(ctx.hours.local_day(now), days)
        data["promised_days"], data["due_date"] = days, due.isoformat()
    else:
        due = None
    if outcome == "supplement":
        materials = [m.strip() for m in (missing_materials or []) if m and m.strip()]
        if not materials:
            raise Invalid("missing_materials_required")
        data["missing_materials"] = materials
    if outcome == "rejected" and not (note or "").strip():
        raise Invalid("reason_required")
    if outcome == "joint" and departments:
        data["departments"] = departments
    if outcome in ("joint", "forwarded") and promised_days:
        data["promised_days"] = promised_days  # the case's own time (hallq.cases), the item's promise otherwise
    if outcome == "forwarded" and (forwarded_to or "").strip():
        data["forwarded_to"] = forwarded_to.strip()
    if note:
        data["note"] = note.strip()
    last_call = s.scalar(_LAST_CALL, {"ticket_id": ticket.id})
    data["service_s"] = round((now - last_call).total_seconds(), 1)

    back_to = s.get(Window, ticket.return_window_id) if ticket.return_window_id else None
    next_item = None
    if back_to is not None and back_to.id != window.id:
        # This leg is done; the case goes back to the window that sent it.
        _write(s, ticket, status="waiting", target_window_id=back_to.id, return_window_id=None)
        data["returning_to"] = back_to.number
    elif ticket.next_items:
        # 一票到底: this item is done; the ticket goes on to the next one (joined below, once this is recorded).
        next_item = s.get(Item, ticket.next_items[0])
        _write(s, ticket, status="waiting", target_window_id=None, return_window_id=None)
        data["next_service"] = next_item.code
    else:
        _write(s, ticket, status="finished", outcome=outcome, return_window_id=None, due_date=due)
    record(uow, ticket, "finished", now, who.actor, window=window, data=data, publish=ev.TICKET_FINISHED)
    if next_item is not None:
        _join_next(uow, ctx, ticket, next_item, window, who, now)
    estimates.forget(s, ticket.hall_id)  # a new service time measured
    if ticket.status == "finished":
        # The evaluator pad of this window asks the citizen for a rating.
        announce(uow, ev.RATING_REQUESTED, ticket, now, window)
    return ticket


def _join_next(uow: UnitOfWork, ctx: HallContext, ticket: Ticket, item: Item, window: Window, who: Principal,
               now: dt.datetime) -> None:
    """一票到底: the ticket joins `item`'s queue at the place its queue key (its issue time) gives it: ahead of
    everyone who took a number after the citizen did."""
    old_item = ticket.item
    rest = list(ticket.next_items[1:]) or None
    _write(uow.session, ticket, item_id=item.id, next_items=rest)
    set_committed_value(ticket, "item", item)
    record(uow, ticket, "joined", now, who.actor, window=window, publish=ev.TICKET_TRANSFERRED,
           data={"from_service": old_item.code, "to_service": item.code, "from_window": window.number,
                 "one_ticket": True})
    queue_stats(uow, ctx, [old_item, item])


def requeue(uow: UnitOfWork, who: Principal, ref: str | int, now: dt.datetime) -> Ticket:
    """A missed ticket goes back in, after the next few waiting tickets; once a day."""
    s = uow.session
    ctx = hall_context(s, who.hall_id)
    who.require("requeue")
    ticket = find_ticket(s, ctx, ref, now)
    if ticket.status != "missed":
        raise Refused("ticket_not_missed", number=ticket.number)
    if ticket.day != ctx.hours.local_day(now):
        raise Refused("ticket_expired", number=ticket.number)
    if s.scalar(select(TicketEvent.id).where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "requeued")):
        raise Refused("ticket_requeued_before", number=ticket.number)
    # Behind the after-th waiting ticket of its class, at the end when fewer
    # wait; requeue_after = 0 puts it back in its old place.
    after = ctx.settings.requeue_after
    if after:
        key = s.scalar(
            select(Ticket.queue_key).where(
                Ticket.hall_id == ctx.id, Ticket.item_id == ticket.item_id, Ticket.status == "waiting",
                Ticket.priority == ticket.priority, Ticket.target_window_id.is_(None))
            .order_by(Ticket.queue_key, Ticket.id).offset(after - 1).limit(1))
        ticket.queue_key = key + dt.timedelta(microseconds=1) if key else now
    ticket.status, ticket.target_window_id = "waiting", None
    record(uow, ticket, "requeued", now, who.actor, publish=ev.TICKET_REQUEUED)
    queue_stats(uow, ctx, [ticket.item])
    return ticket
