"""Call-next picks by the policy, read from the heads of the window's lines.

ordering.pick_next no longer sorts the hall's waiting tickets: it reads the
first ticket of each of the window's lines (item x class, and the tickets sent
to it by name) and chooses among them. These tests build many random queues
and check every pick, and the console's preview of the call order, against a
plain Python reading of the policy over all the tickets: tiers of the window's
items (reshuffled every round), tickets sent to this window or to another by
name, the three classes, ties on the queue key, tickets already tried,
priority turned off (streak 0) and the anti-starvation swap after a streak.
"""
from __future__ import annotations

import datetime as dt
import itertools
import random
import secrets
from dataclasses import dataclass

import pytest
from sqlalchemy import delete, insert, select, text, update

from hallq.queue.models import Item, Ticket, TicketEvent, Window, WindowItem
from hallq.queue.ordering import call_order, pick_next
from hallq.queue.views import upcoming

RANKS = {"green": 0, "appointment": 1, "normal": 2}
UTC = dt.timezone.utc
DAY = dt.date(2026, 11, 23)


@dataclass(frozen=True)
class Waiting:
    """What the policy looks at in a waiting ticket, as inserted."""
    id: int
    item_id: int
    priority: str
    queue_key: dt.datetime
    target_window_id: int | None


def reference(queue: list[Waiting], tiers: dict[int, int], window_id: int, streak: int, streak_reached: bool,
              tried: set[int]) -> int | None:
    """The policy of ordering's docstring, read over every waiting ticket."""
    def tier_of(t: Waiting) -> int | None:
        if t.target_window_id is not None:
            return -1 if t.target_window_id == window_id else None
        return tiers.get(t.item_id)

    candidates = [(tier_of(t), t) for t in queue if t.id not in tried and tier_of(t) is not None]
    if not candidates:
        return None
    tier, best = min(candidates, key=lambda c: (c[0], RANKS[c[1].priority] if streak > 0 else 2,
                                                 c[1].queue_key, c[1].id))
    if best.priority != "normal" and streak > 0 and streak_reached:
        normals = [t for u, t in candidates if u == tier and t.priority == "normal"]
        if normals:
            return min(normals, key=lambda t: (t.queue_key, t.id)).id
    return best.id


def preview(queue: list[Waiting], tiers: dict[int, int], window_id: int, limit: int) -> list[int]:
    """The call order the console shows: tier, class, queue key, id (no anti-starvation swap)."""
    placed = []
    for t in queue:
        tier = (-1 if t.target_window_id == window_id else None) if t.target_window_id else tiers.get(t.item_id)
        if tier is not None:
            placed.append(((tier, RANKS[t.priority], t.queue_key, t.id), t.id))
    return [i for _, i in sorted(placed)][:limit]


class Queues:
    """Random queues in one hall: each round retires the last round's tickets and builds a new one."""

    def __init__(self, hall, seed: int):
        self.hall, self.rnd = hall, random.Random(seed)
        self.seq = itertools.count(1)
        with hall.db.write() as s:
            self.items = list(s.scalars(select(Item.id).where(Item.hall_id == hall.id).order_by(Item.id)))
            self.windows = list(s.scalars(select(Window.id).where(Window.hall_id == hall.id).order_by(Window.id)))
            # A finished ticket for the recorded calls to belong to (they are read by window, not by ticket).
            self.anchor = s.execute(insert(Ticket).values(**self._row(self.items[0], "normal", "finished", None,
                                                                      dt.datetime(2026, 11, 22, 1, tzinfo=UTC)))
                                    .returning(Ticket.id)).scalar_one()
            s.commit()

    def _row(self, item_id: int, priority: str, status: str, target: int | None, key: dt.datetime) -> dict:
        n = next(self.seq)
        return {"hall_id": self.hall.id, "item_id": item_id, "day": DAY, "prefix": "T", "seq": n, "number": f"T{n}",
                "priority": priority, "status": status, "issued_at": key, "queue_key": key,
                "token": secrets.token_urlsafe(18), "issued_by": "test", "target_window_id": target}

    def round(self) -> tuple[list[Waiting], dict[int, dict[int, int]]]:
        """A new queue and new tiers for every window: (waiting tickets, window -> item -> tier)."""
        rnd = self.rnd
        tiers = {w: {i: rnd.randint(0, 2) for i in rnd.sample(self.items, rnd.randint(1, len(self.items)))}
                 for w in self.windows}
        base = dt.datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
        # Few instants, so many tickets tie on the queue key and the id decides.
        instants = [base + dt.timedelta(seconds=rnd.randint(0, 600)) for _ in range(rnd.choice([1, 2, 3, 8]))]
        rows = []
        for _ in range(rnd.choice([0, 1, 3, 8, 20, 40])):
            rows.append(self._row(rnd.choice(self.items), rnd.choices(list(RANKS), weights=(2, 2, 3))[0],
                                  rnd.choice(["waiting"] * 5 + ["called", "finished", "missed", "held"]),
                                  rnd.choice(self.windows) if rnd.random() < 0.2 else None, rnd.choice(instants)))
        with self.hall.db.write() as s:
            s.execute(update(Ticket).where(Ticket.hall_id == self.hall.id, Ticket.status == "waiting")
                      .values(status="expired"))
            s.execute(delete(WindowItem).where(WindowItem.window_id.in_(self.windows)))
            s.execute(insert(WindowItem), [{"window_id": w, "item_id": i, "tier": t}
                                           for w, served in tiers.items() for i, t in served.items()])
            ids = [s.execute(insert(Ticket).values(**row).returning(Ticket.id)).scalar_one() for row in rows]
            s.commit()
        queue = [Waiting(i, r["item_id"], r["priority"], r["queue_key"], r["target_window_id"])
                 for i, r in zip(ids, rows) if r["status"] == "waiting"]
        return queue, tiers

    def calls(self, s, window_id: int, priorities: list[str]) -> None:
        """Record calls at the window, last one last: what the anti-starvation rule reads."""
        at = dt.datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
        for p in priorities:
            s.execute(insert(TicketEvent).values(ticket_id=self.anchor, hall_id=self.hall.id, item_id=self.items[0],
                                                 window_id=window_id, kind="called", at=at, actor="test",
                                                 data={"priority": p, "how": "next"}))


@pytest.mark.parametrize("seed", [1, 2])
def test_the_pick_follows_the_policy_on_random_queues(hall, seed):
    queues = Queues(hall, seed)
    rnd = queues.rnd
    seen = dict.fromkeys(("swap", "swap_tie", "later_tier", "sent_here", "tried_best", "none", "tie"), 0)
    for _ in range(25):
        queue, tiers = queues.round()
        with hall.db.write() as s:  # a write transaction, as call-next's: PostgreSQL locks the pick
            history: dict[int, list[str]] = {w: [] for w in queues.windows}  # the calls recorded this round
            for window_id, streak in itertools.product(queues.windows, (0, 1, 2, 3)):
                window = s.get(Window, window_id)
                recent = rnd.choices(list(RANKS), weights=(2, 2, 1), k=rnd.randint(1, 3))
                queues.calls(s, window_id, recent)
                history[window_id] += recent
                last = history[window_id][-streak:] if streak else []
                reached = len(last) == streak > 0 and "normal" not in last
                tried = set(rnd.sample([t.id for t in queue], min(len(queue), rnd.choice([0, 0, 1, 3]))))
                expected = reference(queue, tiers[window_id], window_id, streak, reached, tried)
                assert pick_next(s, window, streak, tried) == expected, (window_id, streak, reached, tried)
                # What this round covered, so the test fails if the random queues stop exercising the policy.
                plain = reference(queue, tiers[window_id], window_id, streak, False, tried)
                by_id = {t.id: t for t in queue}
                seen["none"] += expected is None
                seen["swap"] += expected != plain
                if expected is not None:
                    chosen = by_id[expected]
                    seen["sent_here"] += chosen.target_window_id == window_id
                    # from a later tier of the window, the earlier ones being empty (or tried)
                    seen["later_tier"] += (chosen.target_window_id is None
                                           and tiers[window_id][chosen.item_id] > min(tiers[window_id].values()))
                    tied = [t for t in queue if t.queue_key == chosen.queue_key and t.id not in tried | {chosen.id}]
                    seen["tie"] += bool(tied)
                    # swapped to a normal ticket that ties with another normal one on the queue key
                    seen["swap_tie"] += expected != plain and any(t.priority == "normal" for t in tied)
                    untried = reference(queue, tiers[window_id], window_id, streak, reached, set())
                    seen["tried_best"] += untried in tried
            s.rollback()
    assert all(seen.values()), seen


def test_the_preview_shows_the_call_order_on_random_queues(hall):
    queues = Queues(hall, 3)
    longest = 0
    for _ in range(20):
        queue, tiers = queues.round()
        with hall.db.read() as s:
            for window_id, limit in itertools.product(queues.windows, (1, 3, 10)):
                window = s.get(Window, window_id)
                expected = preview(queue, tiers[window_id], window_id, limit)
                assert [h.id for h in call_order(s, window, limit)] == expected
                shown = upcoming(s, window, limit)
                assert [t.id for t, _ in shown] == expected
                assert [targeted for _, targeted in shown] == [
                    next(t for t in queue if t.id == i).target_window_id == window_id for i in expected]
                longest = max(longest, len(expected))
    assert longest == 10


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)  # SQLite has no row locks: writers queue on BEGIN IMMEDIATE
def test_a_ticket_another_transaction_holds_is_passed_over_not_waited_for(hall, clock):
    """On PostgreSQL the pick locks its ticket and skips one that another window's transaction holds
    (until that one commits, it is still 'waiting'); the conditional update stays the backstop."""
    first, second = hall.issue("GA02"), hall.issue("GA02")
    with hall.db.write() as holder, hall.db.write() as s:
        holder.execute(text("SET LOCAL lock_timeout = '2s'"))
        s.execute(text("SET LOCAL lock_timeout = '2s'"))  # a wait would fail the test, not hang it
        window = s.scalars(select(Window).where(Window.hall_id == hall.id, Window.number == 1)).one()
        held = holder.scalars(select(Ticket.id).where(Ticket.id == first.id).with_for_update()).one()
        assert held == first.id
        assert pick_next(s, window, 2) == second.id
        holder.rollback()
        s.rollback()
    # Nobody holds it now: the first in line is picked again.
    with hall.db.write() as s:
        window = s.scalars(select(Window).where(Window.hall_id == hall.id, Window.number == 1)).one()
        assert pick_next(s, window, 2) == first.id
        s.rollback()

