"""Who is called next, and how many are ahead.

The policy, in order:
1. Tier. A window serves its items in tiers of preference (hall file); it
   takes from a later tier only when every earlier tier is empty. Tickets sent
   to this window by name (a transfer to it, or one coming back after a
   transfer with "return") come before every tier.
2. Priority class within the tier: green channel, then appointment, then normal.
3. Issue time (the queue key; a requeued missed ticket gets a later key).

Anti-starvation: when the window's last `priority_streak` calls were all
priority tickets and a normal ticket of the chosen tier is waiting, the oldest
normal ticket is called instead. So a steady stream of priority tickets still
lets one normal ticket through every K+1 calls; K = 0 turns priority off.

How the pick reads the queue: the queue index (hall, status, item, target
window, priority, queue key, id) keeps each item's untargeted waiting tickets
of one class in queue order, so the head of every such line is one index seek.
The pick reads the heads of the window's lines (items x classes, and the
tickets sent to it by name, per class) in one statement and chooses among
them in Python: the best ticket of the window is always the head of a line,
and so is the oldest normal ticket of a tier. It never reads the rest of the
hall's queue, however long.
"""
from __future__ import annotations

import datetime as dt
import functools
import operator
from typing import Callable, Iterable, NamedTuple

from sqlalchemy import (CompoundSelect, Select, and_, bindparam, case, func, literal, literal_column, or_, select,
                        true, union_all)
from sqlalchemy.orm import Session, aliased

from hallq.queue.models import Ticket, TicketEvent, Window, WindowItem

PRIORITIES = ("green", "appointment", "normal")
RANKS = {"green": 0, "appointment": 1, "normal": 2}
TARGETED_TIER = -1


# The tickets a window may call: its own items' untargeted waiting tickets and
# those sent to it by name, with each one's tier. Built once, with the window and
# hall as parameters (`candidates_of`): composing it cost more than running it.
# The keypad's count reads it whole; the pick reads only the heads (below) and
# this, by id, to lock the one it chose.
TIER = case((Ticket.target_window_id == bindparam("window_id"), literal(TARGETED_TIER)), else_=WindowItem.tier)
CANDIDATES = (
    select(Ticket.id, TIER.label("tier"), Ticket.priority)
    .outerjoin(WindowItem, and_(WindowItem.item_id == Ticket.item_id, WindowItem.window_id == bindparam("window_id")))
    .where(
        Ticket.hall_id == bindparam("hall_id"),
        Ticket.status == "waiting",
        or_(
            Ticket.target_window_id == bindparam("window_id"),
            and_(Ticket.target_window_id.is_(None), WindowItem.window_id.is_not(None)),
        ),
    )
)


def candidates_of(window: Window) -> dict:
    """The parameters of CANDIDATES (and of the statements built on it) for this window."""
    return {"window_id": window.id, "hall_id": window.hall_id}


# --- the heads of the window's lines ----------------------------------------------

class Head(NamedTuple):
    """A ticket at (or near) the front of one line of the window: one item's (or the
    tickets sent to the window by name) waiting tickets of one class."""
    id: int
    tier: int
    priority: str
    queue_key: dt.datetime


_CLASSES = union_all(*(select(literal(p).label("priority")) for p in PRIORITIES)).subquery("classes")
_HEAD = aliased(Ticket, name="head")


# 'waiting' written into the SQL, not bound: SQLite ran the correlated seeks below four times
# slower with the status as a parameter (0.17 against 0.05 ms for a window's six lines).
_WAITING_STATUS = literal_column("'waiting'")


def _line(where: Iterable, order: Iterable, tried: bool) -> Select:
    """The first `depth` waiting tickets of one line of a class, in queue order: a seek into an index."""
    q = select(_HEAD.id, _HEAD.queue_key).where(
        *where, _HEAD.status == _WAITING_STATUS, _HEAD.priority == _CLASSES.c.priority)
    if tried:
        q = q.where(_HEAD.id.not_in(bindparam("tried", expanding=True)))
    return q.order_by(*order).limit(bindparam("depth"))


@functools.cache  # built once per (database, tried ids or not): composing it costs more than running it
def heads_statement(dialect: str, tried: bool) -> CompoundSelect:
    """Rows (id, tier, priority, queue_key): the first `depth` tickets of every line of the window.
    Parameters: candidates_of(window), depth, and tried when `tried`.

    Lines of the window's own items are keyed (item, NULL target, class): an
    equality on every index column before the queue key, so the index hands
    them out in queue order. Its ORDER BY names those leading columns too:
    PostgreSQL does not count `IS NULL` as fixing a column, and would sort the
    whole line instead of reading its head. Tickets sent here by name may be of
    any item, so their line is read from ix_tickets_sent (target window,
    status, class, queue key): one seek per class.

    The correlated seek is a LATERAL subquery on PostgreSQL (it would run an
    `id IN (correlated subquery)` once per ticket of the table) and an
    `id IN (...)` on SQLite (which has no LATERAL and plans it as seeks then
    rowid look-ups).
    """
    own = _line((_HEAD.hall_id == bindparam("hall_id"), _HEAD.item_id == WindowItem.item_id,
                 _HEAD.target_window_id.is_(None)),
                (_HEAD.item_id, _HEAD.target_window_id, _HEAD.priority, _HEAD.queue_key, _HEAD.id), tried)
    # A window's id names its hall: no hall condition, which the index could not serve.
    sent = _line((_HEAD.target_window_id == bindparam("window_id"),), (_HEAD.queue_key, _HEAD.id), tried)
    parts = []
    for line, tier, sources, where in (
            (own, WindowItem.tier, (WindowItem, _CLASSES), (WindowItem.window_id == bindparam("window_id"),)),
            (sent, literal(TARGETED_TIER), (_CLASSES,), ())):
        first, *rest = sources
        if dialect == "postgresql":
            found = line.lateral("found")
            q = select(found.c.id, tier.label("tier"), _CLASSES.c.priority, found.c.queue_key).select_from(first)
            for source in rest:
                q = q.join(source, true())
            q = q.join(found, true())
        else:
            q = select(Ticket.id, tier.label("tier"), Ticket.priority, Ticket.queue_key).select_from(first)
            for source in rest:
                q = q.join(source, true())
            q = q.join(Ticket, Ticket.id.in_(line.with_only_columns(_HEAD.id)))
        parts.append(q.where(*where))
    return union_all(*parts)


def heads(session: Session, window: Window, depth: int = 1, tried: Iterable[int] = ()) -> list[Head]:
    """The first `depth` waiting tickets of each line this window calls from, ids in `tried` left out."""
    tried = sorted(tried)
    stmt = heads_statement(session.get_bind().dialect.name, bool(tried))
    params = {**candidates_of(window), "depth": depth}
    if tried:
        params["tried"] = tried
    # On the connection: the ORM's handling of a statement cost as much as the seeks themselves.
    return [Head(*row) for row in session.connection().execute(stmt, params)]


def call_place(head: Head, ranked: bool = True) -> tuple:
    """Where a ticket stands in the window's call order: tier, class (unless priority is off), queue key, id."""
    return head.tier, RANKS[head.priority] if ranked else 2, head.queue_key, head.id


def call_order(session: Session, window: Window, limit: int) -> list[Head]:
    """The next `limit` tickets in the order the window calls them (the anti-starvation swap aside).

    The first `limit` of every line hold the first `limit` overall.
    """
    return sorted(heads(session, window, depth=limit), key=call_place)[:limit]


# --- the pick ---------------------------------------------------------------------

_STREAK = (select(TicketEvent.data["priority"].as_string())
           .where(TicketEvent.window_id == bindparam("window_id"), TicketEvent.kind == "called")
           .order_by(TicketEvent.id.desc()).limit(bindparam("limit")))
# The chosen ticket, locked, if it is still one this window may call and no other transaction holds it.
_LOCK = CANDIDATES.where(Ticket.id == bindparam("ticket_id")).with_for_update(skip_locked=True, of=Ticket)


def _priority_streak(session: Session, window: Window, limit: int) -> bool:
    """Were the window's last `limit` calls all priority tickets?"""
    if limit <= 0:
        return False
    recent = session.connection().execute(_STREAK, {"window_id": window.id, "limit": limit}).scalars().all()
    return len(recent) == limit and all(p in ("green", "appointment") for p in recent)


def choose(lines: list[Head], ranked: bool, streak: Callable[[], bool]) -> Head | None:
    """The policy over the heads of the window's lines: the best ticket, or the oldest normal
    ticket of its tier when priority tickets had their streak (`streak` is asked only then)."""
    if not lines:
        return None
    best = min(lines, key=lambda h: call_place(h, ranked))
    if best.priority != "normal" and streak():
        normals = [h for h in lines if h.tier == best.tier and h.priority == "normal"]
        if normals:
            return min(normals, key=lambda h: (h.queue_key, h.id))
    return best


def pick_next(session: Session, window: Window, priority_streak: int, skip: set[int] = frozenset()) -> int | None:
    """The id of the ticket this window should call now, or None.

    On PostgreSQL the chosen row is then locked, skipping a row another
    transaction holds (or one no longer waiting for this window): such a row
    counts as tried and the pick runs again without it, so two windows calling
    at once never pick the same ticket and neither waits for the other.
    """
    tried = set(skip)
    locks = session.get_bind().dialect.name == "postgresql"
    # The window's recent calls do not change while it picks: read them once, and only if asked.
    streak = functools.cache(lambda: _priority_streak(session, window, priority_streak))
    while True:
        chosen = choose(heads(session, window, 1, tried), priority_streak > 0, streak)
        if chosen is None:
            return None
        if not locks or session.connection().execute(_LOCK, {**candidates_of(window), "ticket_id": chosen.id}).first():
            return chosen.id
        tried.add(chosen.id)


@functools.cache
def ahead_statement(rank: int) -> Select:
    """The count of `ahead` for a ticket of this class rank: built once per rank, it runs for every ticket shown.

    Range counts in the queue index, one per part of the line in front: each
    class that ranks before this one, this class before the ticket's queue key,
    and this class at its key with a lower id. A count testing an expression on
    every waiting ticket of the item (its class's rank, then its key) took 1.5 ms
    with 5,000 waiting on SQLite, and one testing the pair (key, id) on each
    ticket of its class still about twice what these plain ranges take.
    """
    line = (Ticket.hall_id == bindparam("hall_id"), Ticket.item_id == bindparam("item_id"),
            Ticket.status == _WAITING_STATUS, Ticket.target_window_id.is_(None))
    own = (*line, Ticket.priority == bindparam("priority"))
    key = bindparam("key", type_=Ticket.queue_key.type)
    parts = [(*line, Ticket.priority == before) for before in PRIORITIES if RANKS[before] < rank]  # one seek each
    parts += [(*own, Ticket.queue_key < key), (*own, Ticket.queue_key == key, Ticket.id < bindparam("id"))]
    return select(functools.reduce(operator.add, (select(func.count()).where(*where).scalar_subquery()
                                                  for where in parts)))


def ahead_of(session: Session, ticket: Ticket) -> int:
    """Waiting tickets of the same item that come before this one."""
    if ticket.status != "waiting":
        return 0
    # On the connection, after flushing what this transaction changed (a requeue, a transfer):
    # the ORM's handling of a plain count cost as much as the count.
    session.flush()
    return session.connection().execute(ahead_statement(RANKS[ticket.priority]), {
        "hall_id": ticket.hall_id, "item_id": ticket.item_id, "priority": ticket.priority, "id": ticket.id,
        "key": ticket.queue_key}).scalar_one()


_COUNT_CANDIDATES = select(func.count()).select_from(CANDIDATES.subquery())


def waiting_for(session: Session, window: Window) -> int:
    """How many waiting tickets this window could call (what its keypad shows)."""
    return session.scalar(_COUNT_CANDIDATES, candidates_of(window))
