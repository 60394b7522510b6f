"""The citizen's notifications: a number opted in for a ticket, and the messages it is owed.

One interface for every component (the queue's own "即将轮到您", called and missed, and a case's
"办理结果已可领取"):

    notify(uow, ticket, kind, now, key="", **params)

records, in the caller's transaction, that `ticket`'s opted-in number is to be told `kind`
(its words: hallq.i18n.NOTICE_TEXTS, with `params` and the ticket's number and hall). Nothing is
sent there: once the transaction commits, the sender (hallq.notify.sender, a thread of each server
process) claims the message and hands it to the hall's channel (an SMS gateway, the simulator), so
issuing and calling never wait for a gateway. A ticket with no number opted in owes nothing, and
`notify` answers None. Each (ticket, kind, key) is recorded once, by a unique key in the database:
asked twice, from two processes, or again after a restart, it is still one message; a kind that may
rightly come twice for one ticket (a second case) passes its own `key`.

The queue's own messages are derived from the facts, not pushed by the calls (`derive`): a ticket
with a number is owed "soon" while it waits with `notify.soon_ahead` or fewer ahead, "called" once it
has a `called` event and "missed" once it has a `skipped` one. So a server that was down when the
clerk pressed the key still sends them when it is back, and the calls themselves write nothing more.

The number: checked, masked and keyed-hashed like ID numbers (hallq.privacy); kept whole only until
the end of its `keep_until` day (the ticket's own day, or longer if a component keeps it for a case:
`keep_number`), then forgotten by the day's closing (hallq.queue.housekeeping). It is never logged,
never in an event, never in an answer but masked.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.exc import IntegrityError

from hallq.i18n import NOTICE_TEXTS, notice_text
from hallq.privacy import id_hash, mask_phone, normalize_phone
from hallq.queue.errors import Invalid, Refused
from hallq.queue.halls import hall_context
from hallq.queue.models import Hall, Ticket, TicketEvent, Window
from hallq.queue.notify_models import Notification, TicketContact
from hallq.queue.ordering import ahead_of
from hallq.queue.unit_of_work import UnitOfWork

SMS = "sms"
OPEN = ("waiting", "called", "held", "missed")  # a ticket still in the hall's day: it may opt in
# A claim not settled within this (its process died mid-send) is claimed again: the gateway is given the
# message's id as its idempotency key, so a gateway that honours it sends it once even then.
LEASE = dt.timedelta(minutes=2)
# Retries of a message the gateway refused for a passing reason wait this long after the failure.
RETRY_AFTER = dt.timedelta(seconds=30)


@dataclass(frozen=True)
class Outgoing:
    """A claimed message, for the sender's channel: the whole address lives only here, in memory."""

    id: int
    hall_id: int
    channel: str
    address: str
    kind: str
    lang: str
    text: str
    params: dict

    def __repr__(self) -> str:  # whatever logs it shows no address
        return f"Outgoing(id={self.id}, kind={self.kind!r})"


def is_on(ctx) -> bool:
    return ctx.settings.notify.channel != "none"


# --- opting in ----------------------------------------------------------------------

def opt_in(uow: UnitOfWork, ticket: Ticket, raw_phone: str, lang: str, actor: str, now: dt.datetime, *,
           keep_until: dt.date | None = None) -> TicketContact:
    """The citizen's number, to be told about `ticket`. Given again before anything was sent to it, it
    replaces the first (a typo put right); once a message went to a number, that number stays.

    A ticket is opted in while it is in the hall's day; after that only for a component that still has
    something to tell and says until when it keeps the number (`keep_until`: a case still open,
    hallq.cases.notify.opt_in); the number is then kept to the end of that day, never shorter."""
    s = uow.session
    ctx = hall_context(s, ticket.hall_id)
    if not is_on(ctx):
        raise Refused("notify_off")
    in_queue = ticket.status in OPEN and ticket.day == ctx.hours.local_day(now)
    if not in_queue and keep_until is None:
        raise Refused("notify_ticket_done", number=ticket.number, status=ticket.status)
    keep = max(ticket.day, keep_until) if keep_until else ticket.day
    phone = normalize_phone(raw_phone or "")
    if phone is None:
        raise Invalid("phone_invalid")
    contact = s.scalar(select(TicketContact).where(TicketContact.ticket_id == ticket.id).with_for_update())
    fields = dict(channel=SMS, address=phone, masked=mask_phone(phone), address_hash=id_hash(ctx.hall.secret, phone),
                  lang="en" if lang == "en" else "zh", created_at=now, created_by=actor, forgotten_at=None)
    if contact is None:
        contact = TicketContact(ticket_id=ticket.id, hall_id=ticket.hall_id, keep_until=keep, **fields)
        s.add(contact)
    elif contact.address_hash != fields["address_hash"] or contact.address is None:
        if s.scalar(select(Notification.id).where(Notification.ticket_id == ticket.id,
                                                  Notification.state.in_(("sending", "sent")))):
            raise Refused("notify_number_fixed", phone=contact.masked)
        for key, value in fields.items():
            setattr(contact, key, value)
    else:
        contact.lang = fields["lang"]
    contact.keep_until = max(contact.keep_until, keep)
    s.flush()
    return contact


def contact_json(contact: TicketContact | None) -> dict:
    """What a page may show of a contact: the masked number, never the whole one."""
    if contact is None:
        return {"opted_in": False, "phone": None}
    return {"opted_in": contact.address is not None, "phone": contact.masked, "channel": contact.channel}


def contact_of(session, ticket_id: int) -> TicketContact | None:
    return session.scalar(select(TicketContact).where(TicketContact.ticket_id == ticket_id))


def keep_number(s: Session, ticket_id: int, until: dt.date) -> bool:
    """Keep the ticket's whole number until the end of hall-local day `until` (a case whose result comes
    later: 办理结果已可领取). Never shortens; False when there is no number to keep (none, or forgotten)."""
    contact = contact_of(s, ticket_id)
    if contact is None or contact.address is None:
        return False
    contact.keep_until = max(contact.keep_until, until)
    return True


# --- what is owed ---------------------------------------------------------------------

def notify(uow: UnitOfWork, ticket: Ticket, kind: str, now: dt.datetime, *, key: str = "",
           **params) -> Notification | None:
    """Record that the ticket's opted-in number is owed `kind` (see the module's doc); None without a number.

    `params` fill the kind's words (hallq.i18n.NOTICE_TEXTS) beside the ticket's number, item and hall; they
    are stored with the message, so they must never carry personal data."""
    if kind not in NOTICE_TEXTS:
        raise ValueError(f"no words for the notification kind {kind!r}: add them to hallq.i18n.NOTICE_TEXTS")
    s = uow.session
    contact = contact_of(s, ticket.id)
    if contact is None or contact.address is None:
        return None
    found = _find(s, ticket.id, kind, key)
    if found is not None:
        return found
    row = Notification(hall_id=ticket.hall_id, ticket_id=ticket.id, kind=kind, key=key,
                       params={"number": ticket.number, "service": ticket.item.name, **params},
                       state="pending", created_at=now, attempts=0)
    try:
        with s.begin_nested():  # another process recorded it first: theirs is the one
            s.add(row)
    except IntegrityError:
        return _find(s, ticket.id, kind, key)
    return row


def _find(s, ticket_id: int, kind: str, key: str) -> Notification | None:
    return s.scalar(select(Notification).where(Notification.ticket_id == ticket_id, Notification.kind == kind,
                                               Notification.key == key))


def owed(session, hall_id: int, now: dt.datetime) -> list[tuple[int, str, dict]]:
    """The queue's own messages the opted-in tickets of today are owed by now and do not have yet:
    (ticket id, kind, params). Reads only: the sender writes (`derive`) only when something is owed."""
    s = session
    ctx = hall_context(s, hall_id)
    if not is_on(ctx):
        return []
    today = ctx.hours.local_day(now)
    rows = s.execute(select(Ticket, TicketContact.created_at).join(TicketContact, TicketContact.ticket_id == Ticket.id)
                     .where(Ticket.hall_id == hall_id, Ticket.day == today, TicketContact.address.is_not(None))).all()
    if not rows:
        return []
    tickets = [t for t, _ in rows]
    # A call or a miss from before the number was given is not news to its citizen (one who opts in after
    # the counter, for a case's result, was there when called).
    given = {t.id: at for t, at in rows}
    ids = [t.id for t in tickets]
    have = {(n.ticket_id, n.kind) for n in s.scalars(select(Notification).where(
        Notification.ticket_id.in_(ids), Notification.key == ""))}
    facts: dict[int, dict[str, TicketEvent]] = {}
    for event in s.scalars(select(TicketEvent).where(
            TicketEvent.ticket_id.in_(ids), TicketEvent.kind.in_(("called", "skipped"))).order_by(TicketEvent.id)):
        facts.setdefault(event.ticket_id, {}).setdefault(event.kind, event)  # the first of each
    found = []
    for ticket in tickets:
        seen = {kind: e for kind, e in facts.get(ticket.id, {}).items() if e.at >= given[ticket.id]}
        if "called" in seen and (ticket.id, "called") not in have:
            window = s.get(Window, seen["called"].window_id) if seen["called"].window_id else None
            found.append((ticket.id, "called", {"window": window.number if window else ""}))
        if "skipped" in seen and (ticket.id, "missed") not in have:
            found.append((ticket.id, "missed", {}))
        if ticket.status == "waiting" and "called" not in facts.get(ticket.id, {}) and (ticket.id, "soon") not in have:
            ahead = ahead_of(s, ticket)
            if ahead <= ctx.settings.notify.soon_ahead:
                found.append((ticket.id, "soon", {"ahead": ahead}))
    return found


def owed_in_all_halls(session, now: dt.datetime) -> list[tuple[int, str, dict]]:
    return [o for hall_id in session.scalars(select(Hall.id)).all() for o in owed(session, hall_id, now)]


def derive(uow: UnitOfWork, items: list[tuple[int, str, dict]], now: dt.datetime) -> int:
    """Record what `owed` found (again idempotent: another process may have recorded some); how many are new."""
    made = 0
    for ticket_id, kind, params in items:
        ticket = uow.session.get(Ticket, ticket_id)
        if ticket is not None and _find(uow.session, ticket_id, kind, "") is None:
            made += notify(uow, ticket, kind, now, **params) is not None
    return made


def anything_due(session, now: dt.datetime) -> bool:
    """Whether `claim` would find anything (read first: on SQLite a write transaction queues behind issuing)."""
    return session.scalar(select(Notification.id).where(
        or_(Notification.state == "pending", and_(Notification.state == "sending",
                                                  Notification.claimed_at < now - LEASE))).limit(1)) is not None


# --- sending (the sender's side) ------------------------------------------------------------

def claim(uow: UnitOfWork, now: dt.datetime, worker: str, limit: int = 20) -> list[Outgoing]:
    """Take up to `limit` messages due now for this worker: one conditional UPDATE each, so of two
    processes claiming at once only one gets a message. Commit before sending."""
    s = uow.session
    stale = now - LEASE
    due = s.execute(
        select(Notification, TicketContact, Ticket).join(TicketContact, TicketContact.ticket_id == Notification.ticket_id)
        .join(Ticket, Ticket.id == Notification.ticket_id)
        .where(or_(Notification.state == "pending", and_(Notification.state == "sending", Notification.claimed_at < stale)),
               or_(Notification.claimed_at.is_(None), Notification.claimed_at <= now - RETRY_AFTER,
                   Notification.state == "sending"))
        .order_by(Notification.id).limit(limit)).all()
    taken = []
    for note, contact, ticket in due:
        if contact.address is None:  # forgotten before it went: it never will
            s.execute(update(Notification).where(Notification.id == note.id, Notification.state == note.state)
                      .values(state="dropped", error="number_forgotten").execution_options(synchronize_session=False))
            continue
        won = s.execute(update(Notification).where(
            Notification.id == note.id, Notification.state == note.state,
            Notification.claimed_at.is_(None) if note.claimed_at is None else Notification.claimed_at == note.claimed_at)
            .values(state="sending", claimed_at=now, claimed_by=worker[:120], attempts=Notification.attempts + 1)
            .execution_options(synchronize_session=False))
        if won.rowcount != 1:
            continue
        ctx = hall_context(s, note.hall_id)
        text = notice_text(note.kind, contact.lang, hall=ctx.hall.name, **note.params)
        taken.append(Outgoing(note.id, note.hall_id, contact.channel, contact.address, note.kind, contact.lang, text,
                              dict(note.params)))
    return taken


def settle(uow: UnitOfWork, outgoing: Outgoing, worker: str, now: dt.datetime, *, channel: str,
           error: str | None = None, retry: bool = False) -> str:
    """The channel's answer: sent, or failed (pending again when `retry` and attempts are left). Only the
    worker that holds the claim settles it. Answers the state the message is left in."""
    s = uow.session
    note = s.get(Notification, outgoing.id)
    if note is None or note.state != "sending" or note.claimed_by != worker[:120]:
        return note.state if note else "gone"
    note.channel = channel
    if error is None:
        note.state, note.sent_at, note.error = "sent", now, None
    else:
        ctx = hall_context(s, note.hall_id)
        again = retry and note.attempts < ctx.settings.notify.max_attempts
        note.state, note.error = ("pending" if again else "failed"), error[:200]
        note.claimed_at = now  # a retry waits RETRY_AFTER from here
    return note.state


# --- the day's end --------------------------------------------------------------------------

def forget_numbers(uow: UnitOfWork, hall_id: int, last_day: dt.date, now: dt.datetime) -> int:
    """Forget the whole numbers kept until `last_day` or before (the closing's); how many were forgotten.
    Messages still owed to them are dropped: they can no longer go."""
    s = uow.session
    gone = s.scalars(select(TicketContact.id).where(
        TicketContact.hall_id == hall_id, TicketContact.address.is_not(None),
        TicketContact.keep_until <= last_day)).all()
    if not gone:
        return 0
    s.execute(update(TicketContact).where(TicketContact.id.in_(gone)).values(address=None, forgotten_at=now)
              .execution_options(synchronize_session=False))
    tickets = select(TicketContact.ticket_id).where(TicketContact.id.in_(gone))
    s.execute(update(Notification).where(Notification.ticket_id.in_(tickets), Notification.state == "pending")
              .values(state="dropped", error="number_forgotten").execution_options(synchronize_session=False))
    return len(gone)
