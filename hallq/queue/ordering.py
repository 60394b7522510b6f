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
"""
from __future__ import annotations

from sqlalchemy import and_, bindparam, case, func, literal, or_, select
from sqlalchemy.orm import Session

from hallq.queue.models import Ticket, TicketEvent, Window, WindowItem

PRIORITIES = ("green", "appointment", "normal")
RANK = case({"green": 0, "appointment": 1}, value=Ticket.priority, else_=2)
TARGETED_TIER = -1


# The tickets a window may call: its own items' untargeted waiting tickets and
# those sent to it by name, with each one's tier. Built once, with the window and
# hall as parameters (`candidates_of`): composing it cost more than running it,
# and it runs for every call-next and every keypad count.
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


_LOCK = {"skip_locked": True, "of": Ticket}
_NOT_TRIED = Ticket.id.not_in(bindparam("tried", expanding=True))
# The best candidate, by [has priority classes][some tickets already tried].
_BEST = {(ranked, tried): (CANDIDATES.where(_NOT_TRIED) if tried else CANDIDATES)
         .order_by(TIER, RANK if ranked else literal(2), Ticket.queue_key, Ticket.id).limit(1).with_for_update(**_LOCK)
         for ranked in (True, False) for tried in (True, False)}
# The oldest normal ticket of a tier, when priority tickets had their streak.
_OLDEST_NORMAL = {tried: (CANDIDATES.where(_NOT_TRIED) if tried else CANDIDATES)
                  .where(Ticket.priority == "normal", TIER == bindparam("tier"))
                  .order_by(Ticket.queue_key, Ticket.id).limit(1).with_for_update(**_LOCK)
                  for tried in (True, False)}
_STREAK = (select(TicketEvent.data["priority"].as_string())
           .where(TicketEvent.window_id == bindparam("window_id"), TicketEvent.kind == "called")
           .order_by(TicketEvent.id.desc()).limit(bindparam("limit")))


def _priority_streak(session: Session, window: Window, limit: int) -> bool:
    """Were the window's last `limit` calls all priority tickets?"""
    if limit <= 0:
        return False
    recent = session.scalars(_STREAK, {"window_id": window.id, "limit": limit}).all()
    return len(recent) == limit and all(p in ("green", "appointment") for p in recent)


def pick_next(session: Session, window: Window, priority_streak: int, skip: set[int] = frozenset()) -> int | None:
    """The id of the ticket this window should call now, or None.

    On PostgreSQL the row is locked and rows other transactions hold are
    skipped, so two windows calling at once never pick the same ticket.
    """
    params = candidates_of(window)
    if skip:
        params["tried"] = sorted(skip)
    best = session.execute(_BEST[priority_streak > 0, bool(skip)], params).first()
    if best is None:
        return None
    ticket_id, best_tier, priority = best
    if priority != "normal" and _priority_streak(session, window, priority_streak):
        normal = session.execute(_OLDEST_NORMAL[bool(skip)], {**params, "tier": best_tier}).first()
        if normal is not None:
            return normal[0]
    return ticket_id


# Built once: composing this statement cost more than running it, and it runs
# for every ticket shown (each issue answers with `ahead`).
_AHEAD = select(func.count()).select_from(Ticket).where(
    Ticket.hall_id == bindparam("hall_id"),
    Ticket.item_id == bindparam("item_id"),
    Ticket.status == "waiting",
    Ticket.target_window_id.is_(None),
    or_(
        RANK < bindparam("rank"),
        and_(RANK == bindparam("rank"), or_(Ticket.queue_key < bindparam("key"),
                                            and_(Ticket.queue_key == bindparam("key"), Ticket.id < bindparam("id")))),
    ),
)


def ahead_of(session: Session, ticket: Ticket) -> int:
    """Waiting tickets of the same item that come before this one."""
    if ticket.status != "waiting":
        return 0
    return session.scalar(_AHEAD, {"hall_id": ticket.hall_id, "item_id": ticket.item_id, "id": ticket.id,
                                   "rank": {"green": 0, "appointment": 1}.get(ticket.priority, 2),
                                   "key": ticket.queue_key})


_COUNT_CANDIDATES = select(func.count()).select_from(CANDIDATES.subquery())


def waiting_for(session: Session, window: Window) -> int:
    """How many waiting tickets this window could call (what its keypad shows)."""
    return session.scalar(_COUNT_CANDIDATES, candidates_of(window))
