"""The waiting-queue counts are answered from the queue index alone, and still count right.

`ahead` (ordering.ahead_statement) runs for every issued ticket and the waiting per item
(estimates._WAITING) for every issue, call and finish; with thousands waiting
they must not read a table row per ticket. The index `ix_tickets_queue_place`
holds every column they filter on, so SQLite reports a covering index and
PostgreSQL can answer with an index-only scan. The counts are checked against
a plain count in Python over the same tickets: ties on the queue key, the three
priority classes, tickets sent to a window by name, and other statuses.
"""
from __future__ import annotations

import datetime as dt
import random
import secrets
from collections import Counter

import pytest
from alembic import command
from sqlalchemy import event, insert, inspect, select, text
from sqlalchemy.orm import Session

from hallq.migrate import config, upgrade
from hallq.queue.estimates import _WAITING
from hallq.queue.models import Item, Ticket, Window, WindowItem
from hallq.queue.ordering import (_COUNT_CANDIDATES, ahead_of, ahead_statement, candidates_of, heads_statement,
                                  waiting_for)

INDEX = "ix_tickets_queue_place"
SENT_INDEX = "ix_tickets_sent"  # tickets sent to a window by name
RANKS = {"green": 0, "appointment": 1, "normal": 2}
STATUSES = ["waiting"] * 6 + ["called", "finished", "finished", "missed", "held", "expired"]
UTC = dt.timezone.utc


def explain(s: Session, statement, params: dict, conds: bool = False) -> list:
    """The plan the database chooses for `statement` run with `params`.

    The statement is compiled and its parameters processed exactly as when it
    runs (custom types, expanding IN lists); only EXPLAIN is put in front of the
    SQL on its way to the driver. SQLite: the detail strings of EXPLAIN QUERY
    PLAN. PostgreSQL: (node type, index or table) of every scan node, and with
    `conds` its index condition third (what a seek is keyed on).
    """
    conn = s.connection()
    sqlite = conn.dialect.name == "sqlite"
    prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (FORMAT JSON) "

    def with_explain(_conn, _cursor, sql, parameters, _context, _executemany):
        return prefix + sql, parameters

    event.listen(conn, "before_cursor_execute", with_explain, retval=True)
    try:
        result = conn.execute(statement, params)
        rows = result.cursor.fetchall()  # raw: the statement's own column types do not fit a plan's rows
        result.close()
    finally:
        event.remove(conn, "before_cursor_execute", with_explain)
    if sqlite:
        return [row[-1] for row in rows]
    return list(_scans(rows[0][0][0]["Plan"], conds))


def _scans(node: dict, conds: bool = False):
    if "Scan" in node["Node Type"]:
        scan = node["Node Type"], node.get("Index Name") or node.get("Relation Name")
        yield (*scan, node.get("Index Cond", "")) if conds else scan
    for child in node.get("Plans", []):
        yield from _scans(child, conds)


def fill(s: Session, hall_id: int, per_item: int, seed: int) -> None:
    """Tickets of every item of the hall in every status, inserted as rows.

    Queue keys come from a handful of instants, so many tickets tie on the key
    and only the id tells them apart; one in six is sent to a window by name.
    """
    rnd = random.Random(seed)
    items = s.scalars(select(Item).where(Item.hall_id == hall_id).order_by(Item.id)).all()
    windows = list(s.scalars(select(Window.id).where(Window.hall_id == hall_id)))
    base = dt.datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    instants = [base + dt.timedelta(seconds=rnd.randint(0, 3600)) for _ in range(per_item // 5)]
    rows = []
    for item in items:
        for n in range(per_item):
            key = rnd.choice(instants)
            status = rnd.choice(STATUSES)
            rows.append({
                "hall_id": hall_id, "item_id": item.id, "day": dt.date(2026, 11, 23), "prefix": f"T{item.id}",
                "seq": n + 1, "number": f"T{item.id}-{n + 1}", "priority": rnd.choice(list(RANKS)),
                "status": status, "issued_at": key, "queue_key": key, "token": secrets.token_urlsafe(18),
                "issued_by": "test", "target_window_id": rnd.choice(windows) if rnd.random() < 1 / 6 else None,
            })
    s.execute(insert(Ticket), rows)


def tickets_of(s: Session, hall_id: int) -> list[Ticket]:
    return s.scalars(select(Ticket).where(Ticket.hall_id == hall_id).order_by(Ticket.id)).all()


def expected_ahead(tickets: list[Ticket], t: Ticket) -> int:
    """Untargeted waiting tickets of the same item before `t`: by class, then queue key, then id."""
    place = (RANKS[t.priority], t.queue_key, t.id)
    return sum(1 for u in tickets
               if u.status == "waiting" and u.item_id == t.item_id and u.target_window_id is None
               and (RANKS[u.priority], u.queue_key, u.id) < place)


@pytest.fixture
def filled(hall):
    with hall.db.write() as s:
        fill(s, hall.id, per_item=120, seed=2)
        s.commit()
    for _ in range(2):  # and two through the engine, behind them (GA01's daily quota is used up by now)
        hall.issue("GA02")
    if hall.db.engine.dialect.name == "postgresql":
        # What autovacuum does in a running hall: statistics, and the visibility
        # map without which an index-only scan still visits every heap page.
        with hall.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE tickets"))
    return hall


def _index_only(s: Session) -> None:
    """On PostgreSQL, keep the planner from the table and from bitmap scans, which a few hundred rows
    would make cheaper: what is asserted is that the index alone can answer."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SET LOCAL enable_seqscan = off"))
        s.execute(text("SET LOCAL enable_bitmapscan = off"))


def assert_covered(s: Session, plan: list) -> None:
    if s.get_bind().dialect.name == "sqlite":
        on_tickets = [line for line in plan if " tickets " in f" {line} "]
        assert on_tickets and all(f"USING COVERING INDEX {INDEX} " in line for line in on_tickets), plan
    else:
        on_tickets = [scan for scan in plan if scan[1] in (INDEX, "tickets")]
        assert on_tickets and all(scan == ("Index Only Scan", INDEX) for scan in on_tickets), plan


@pytest.mark.parametrize("priority", list(RANKS))
def test_ahead_is_counted_by_range_seeks_in_the_index(filled, priority):
    """`ahead` reads no ticket row, and each of its counts is a range keyed on the ticket's class: the
    classes before it by equality, its own class up to its queue key, and at its key up to its id. A
    count that tests every waiting ticket of the item grows with the queue for every ticket issued."""
    with filled.db.read() as s:
        _index_only(s)
        t = s.scalars(select(Ticket).where(Ticket.status == "waiting", Ticket.priority == priority,
                                           Ticket.target_window_id.is_(None))
                      .order_by(Ticket.id.desc()).limit(1)).one()
        params = {"hall_id": t.hall_id, "item_id": t.item_id, "priority": t.priority, "id": t.id,
                  "key": t.queue_key}
        statement = ahead_statement(RANKS[t.priority])
        assert_covered(s, explain(s, statement, params))
        before = RANKS[priority]  # a seek per class before this one (none for the green channel)
        plan = explain(s, statement, params, conds=True)
        if s.get_bind().dialect.name == "sqlite":
            seeks = [line for line in plan if line.startswith("SEARCH tickets")]
            line = ("SEARCH tickets USING COVERING INDEX ix_tickets_queue_place "
                    "(hall_id=? AND status=? AND item_id=? AND target_window_id=? AND priority=?")
            assert seeks == [line + ")"] * before + [line + " AND queue_key<?)", line + " AND queue_key=? AND id<?)"], plan
        else:
            assert len(plan) == before + 2 and all("priority" in cond for _, _, cond in plan), plan
            assert "queue_key <" in plan[-2][2] and "queue_key =" in plan[-1][2] and "id <" in plan[-1][2], plan


def test_waiting_per_item_is_counted_from_the_index_alone(filled):
    with filled.db.read() as s:
        _index_only(s)
        ids = list(s.scalars(select(Item.id).where(Item.hall_id == filled.id)))
        assert_covered(s, explain(s, _WAITING, {"hall_id": filled.id, "ids": ids}))


def test_a_windows_waiting_count_reads_no_ticket_row(filled):
    """The keypad's count (ordering.waiting_for) reads the same waiting tickets, joined to the window's items."""
    with filled.db.read() as s:
        _index_only(s)
        window = s.scalars(select(Window).where(Window.hall_id == filled.id, Window.number == 1)).one()
        assert_covered(s, explain(s, _COUNT_CANDIDATES, candidates_of(window)))


@pytest.mark.parametrize("tried", [False, True])
def test_the_pick_reads_the_heads_of_the_windows_lines_by_seeks(filled, tried):
    """Call-next (ordering.heads) reads no window's whole queue: each read of the tickets is a seek
    keyed on (hall, status, item, target window, priority) into the queue index, one keyed on
    (target window, status, priority) into the index of tickets sent by name, or a look-up by id.
    Window 3 serves two tiers; window 4 serves an item of window 3 too."""
    seeks = {INDEX: ("hall_id", "status", "item_id", "target_window_id", "priority"),
             SENT_INDEX: ("target_window_id", "status", "priority")}
    with filled.db.read() as s:
        _index_only(s)
        sqlite = s.get_bind().dialect.name == "sqlite"
        for window in s.scalars(select(Window).where(Window.hall_id == filled.id)):
            params = {**candidates_of(window), "depth": 1, **({"tried": [1, 2, 3]} if tried else {})}
            plan = explain(s, heads_statement(s.get_bind().dialect.name, tried), params, conds=True)
            if sqlite:
                allowed = {f"SEARCH head USING COVERING INDEX {name} ({' AND '.join(f'{c}=?' for c in columns)})"
                           for name, columns in seeks.items()} | {"SEARCH tickets USING INTEGER PRIMARY KEY (rowid=?)"}
                on_tickets = [line for line in plan if line.split()[1:2] in (["head"], ["tickets"])]
                assert on_tickets and all(line in allowed for line in on_tickets), plan
                used = {name for name in seeks if any(f" {name} " in line for line in on_tickets)}
            else:
                on_tickets = [scan for scan in plan if scan[1] in (*seeks, "tickets", "tickets_pkey")]
                assert on_tickets and all(kind == "Index Only Scan" and name in seeks and all(
                    f"{column} " in cond for column in seeks[name]) for kind, name, cond in on_tickets), plan
                used = {name for _, name, _ in on_tickets}
            assert used == set(seeks), plan  # both lines are read, each from its own index


def test_ahead_counts_right_across_classes_ties_and_targeted_tickets(filled):
    with filled.db.read() as s:
        tickets = tickets_of(s, filled.id)
        waiting = [t for t in tickets if t.status == "waiting"]
        # The fill must hold what this test is about, or it proves nothing.
        keys = Counter((t.item_id, t.queue_key) for t in waiting)
        assert any(n > 1 for n in keys.values())
        assert {t.priority for t in waiting} == set(RANKS)
        assert any(t.target_window_id for t in waiting) and any(t.target_window_id is None for t in waiting)
        counted = {t.id: ahead_of(s, t) for t in waiting}
        assert counted == {t.id: expected_ahead(tickets, t) for t in waiting}
        assert max(counted.values()) > 20
        assert all(ahead_of(s, t) == 0 for t in tickets if t.status != "waiting")


def test_waiting_per_item_counts_right(filled):
    with filled.db.read() as s:
        tickets = tickets_of(s, filled.id)
        ids = list(s.scalars(select(Item.id).where(Item.hall_id == filled.id)))
        counted = dict(s.execute(_WAITING, {"hall_id": filled.id, "ids": ids}).all())
        assert counted == Counter(t.item_id for t in tickets if t.status == "waiting")
        assert len(counted) == len(ids) > 1


def test_a_windows_waiting_count_is_right(filled):
    with filled.db.read() as s:
        tickets = tickets_of(s, filled.id)
        for window in s.scalars(select(Window).where(Window.hall_id == filled.id)):
            served = set(s.scalars(select(WindowItem.item_id).where(WindowItem.window_id == window.id)))
            expected = sum(1 for t in tickets if t.status == "waiting" and (
                t.target_window_id == window.id or (t.target_window_id is None and t.item_id in served)))
            assert waiting_for(s, window) == expected


# --- the migration ------------------------------------------------------------------

def _tickets_indexes(db) -> dict[str, list[str]]:
    with db.engine.connect() as conn:
        return {ix["name"]: ix["column_names"] for ix in inspect(conn).get_indexes("tickets")}


def _migrate(db, direction, revision: str) -> None:
    with db.engine.begin() as conn:
        cfg = config(db)
        cfg.attributes["connection"] = conn
        direction(cfg, revision)


def test_the_migration_swaps_the_index_on_a_hall_with_tickets_and_back(filled):
    """0007 replaces ix_tickets_queue on a database that already holds a queue; its downgrade restores it."""
    db = filled.db
    _migrate(db, command.downgrade, "0006")
    indexes = _tickets_indexes(db)
    assert indexes.get("ix_tickets_queue") == ["hall_id", "status", "item_id", "queue_key"] and INDEX not in indexes
    upgrade(db)
    indexes = _tickets_indexes(db)
    assert "ix_tickets_queue" not in indexes
    assert indexes[INDEX] == ["hall_id", "status", "item_id", "target_window_id", "priority", "queue_key", "id"]
    with db.read() as s:  # the queue it was built over reads the same through it
        tickets = tickets_of(s, filled.id)
        t = max((t for t in tickets if t.status == "waiting"), key=lambda t: (RANKS[t.priority], t.queue_key, t.id))
        assert ahead_of(s, t) == expected_ahead(tickets, t) > 0
