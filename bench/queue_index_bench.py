"""Benchmark: the queries that read one item's waiting tickets, at 100, 1,000 and 5,000 waiting.

Every issued ticket answers with `ahead` (ordering.ahead_statement), the screens' figures count
the waiting per item after issues, calls and finishes (estimates._WAITING, once
per item per paced moment: hallq/server/stats_pacer.py), every call-next
picks from the waiting (ordering.pick_next), every clerk console previews the
call order (ordering.call_order, 5 tickets) and every keypad shows its count
(ordering.waiting_for). Each reads the waiting tickets of an item, so their
cost grows with the queue; this measures how, and which index plan each gets.
The pick and the preview read only the heads of the window's lines (a seek per
item and class); `pick (sort)` is the statement the pick ran before (every
waiting ticket of the window, sorted, first one locked), timed alongside it.

For each size a fresh database is set up: the bench hall (tests/halls/small.toml
opened around the clock, see harness.bench_hall_file) loaded with `hallq
load-hall`, then tickets inserted directly with SQLAlchemy: N waiting for GA01
(green, appointment and normal; ties on the queue key; some sent to a window
by name), a quarter of N waiting for each other item, and finished tickets of
the four days before (2 N of GA01; a hall keeps its history in the same table). Each query is
run `--repeat` times (after a warm-up) and its median and p90 wall time and
median CPU time (of this process's thread: SQLite's whole work) printed, with
the plan the database chose (SQLite: EXPLAIN QUERY PLAN; PostgreSQL: the scan
nodes of EXPLAIN). The write line is the cost the indexes add to the queue
engine's writes: inserting a ticket and moving it waiting -> called ->
finished, per ticket, in one transaction that is rolled back.

Then, with --against-0006 ROUNDS (default 3; 0 skips), the same database gets
back the index 0007_queue_place_index replaced, and the queries are timed with
only the old and only the new index alternately (the other dropped in a
transaction rolled back): before/after in one process over one database,
because on a shared machine runs minutes apart differ by more than an index.

    .venv/bin/python bench/queue_index_bench.py [--sizes 100,1000,5000] [--repeat 200] [--against-0006 3]
                                                [--postgres | --db URL]

Without --postgres/--db only SQLite (a file in a temporary directory) is
measured; --postgres starts a private cluster (tests/services.py, fsync on) and
measures both; --db measures an existing, empty PostgreSQL server (a database
per size is created through its URL) after SQLite.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from sqlalchemy import case, create_engine, insert, select, text, update
from sqlalchemy.orm import Session

from harness import ROOT, bench_hall_file, cli

sys.path.insert(0, str(ROOT))  # for tests.* below (harness is found as bench/ is the script's folder)
from hallq.db import Database, connect
from hallq.queue.estimates import _WAITING
from hallq.queue.models import Hall, Item, Ticket, Window
from hallq.queue.ordering import (_COUNT_CANDIDATES, CANDIDATES, RANKS, TIER, _priority_streak, ahead_of,
                                  ahead_statement, call_order, candidates_of, heads_statement, pick_next, waiting_for)
from tests.queue.test_queue_index import explain  # the tests' reading of a plan

ITEM = "GA01"
WINDOW = 1  # serves GA01 and GA02 (tier 0)
UTC = dt.timezone.utc
DAY = dt.date(2026, 12, 1)
START = dt.datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


# --- filling a hall ------------------------------------------------------------------

def _ticket_rows(hall: Hall, item: Item, count: int, first_seq: int, status: str, day: dt.date,
                 windows: list[int], rnd: random.Random) -> list[dict]:
    """`count` tickets of one item as insert rows. About one in ten shares the previous ticket's
    queue key (two kiosks in the same instant), one in twenty is sent to a window by name."""
    rows = []
    key = dt.datetime.combine(day, dt.time(1, 0), UTC)
    for n in range(count):
        if rnd.random() > 0.1:
            key += dt.timedelta(milliseconds=rnd.randint(1, 4000))
        roll = rnd.random()
        priority = "green" if roll < 0.05 else "appointment" if roll < 0.12 else "normal"
        seq = first_seq + n
        rows.append({
            "hall_id": hall.id, "item_id": item.id, "day": day, "prefix": item.prefix, "seq": seq,
            "number": f"{item.prefix}{seq:05d}", "priority": priority, "status": status,
            "issued_at": key, "queue_key": key, "token": secrets.token_urlsafe(18), "issued_by": "bench",
            "target_window_id": rnd.choice(windows) if status == "waiting" and rnd.random() < 0.05 else None,
            "priority_reason": "elderly" if priority == "green" else None,
        })
    return rows


def fill(db: Database, waiting: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    with db.write() as s:
        hall = s.scalars(select(Hall)).one()
        items = s.scalars(select(Item).where(Item.hall_id == hall.id).order_by(Item.code)).all()
        windows = list(s.scalars(select(Window.id).where(Window.hall_id == hall.id)))
        seq: dict[str, int] = {}
        rows: list[dict] = []
        for item in items:
            # History first: finished tickets of the days before, as a hall that has run for a while.
            for back in range(1, 5):
                count = waiting // 2 if item.code == ITEM else waiting // 8
                start = seq.get(item.prefix, 1)
                rows += _ticket_rows(hall, item, count, start, "finished", DAY - dt.timedelta(days=back), windows, rnd)
            count = waiting if item.code == ITEM else waiting // 4
            start = seq.get(item.prefix, 1) + 10_000
            rows += _ticket_rows(hall, item, count, start, "waiting", DAY, windows, rnd)
            seq[item.prefix] = start + count
        # Unique (hall, prefix, day, seq): history days differ, today's numbers are per prefix.
        for chunk in range(0, len(rows), 2000):
            s.execute(insert(Ticket), rows[chunk:chunk + 2000])
        s.commit()
    if db.engine.dialect.name == "postgresql":
        # Autovacuum would do this within a minute in a running hall; without it the
        # visibility map is empty and every index-only scan visits the heap anyway.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE tickets"))


# --- plans ------------------------------------------------------------------------

def plan(s: Session, statement, params: dict) -> str:
    """The scans the database chose for `statement`, one line."""
    found = explain(s, statement, params)
    if s.get_bind().dialect.name == "sqlite":
        return " | ".join(found)
    return " | ".join(f"{kind} {where}".strip() for kind, where in found)


# --- timing -------------------------------------------------------------------------

def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float, float]:
    """Median and p90 wall time and median CPU time of this thread, of `repeat` calls, in ms, after three
    warm-up calls. The CPU time is what SQLite's work costs (it runs in this thread) without the
    neighbours a shared machine adds to the wall clock; on PostgreSQL it is the client's part only."""
    for _ in range(3):
        fn()
    walls, cpus = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.thread_time()
        fn()
        cpus.append(time.thread_time() - start_cpu)
        walls.append(time.perf_counter() - start)
    walls.sort()
    return statistics.median(walls) * 1000, walls[int(len(walls) * 0.9) - 1] * 1000, statistics.median(cpus) * 1000


# The statement pick_next ran before it read the heads of the window's lines: every waiting
# ticket the window may call, sorted by the policy, the first one locked.
SORTED_PICK = (CANDIDATES.order_by(TIER, case(RANKS, value=Ticket.priority), Ticket.queue_key, Ticket.id).limit(1)
               .with_for_update(skip_locked=True, of=Ticket))


def sorted_pick(s: Session, window: Window, streak: int):
    """pick_next as it was (priority on, nothing tried): the sorted statement, then the window's recent
    calls when a priority ticket leads (the swap's second statement never runs here: no calls yet)."""
    best = s.execute(SORTED_PICK, candidates_of(window)).first()
    if best is not None and best.priority != "normal":
        _priority_streak(s, window, streak)
    return best


def queries(s: Session) -> dict[str, tuple[Callable[[], object], object, dict]]:
    """The measured calls, each with the statement it runs and that statement's parameters (for its plan)."""
    hall = s.scalars(select(Hall)).one()
    item = s.scalars(select(Item).where(Item.code == ITEM)).one()
    ids = list(s.scalars(select(Item.id).where(Item.hall_id == hall.id)))
    window = s.scalars(select(Window).where(Window.hall_id == hall.id, Window.number == WINDOW)).one()
    # The last normal ticket in line: its `ahead` counts (nearly) the whole queue, as for a ticket just issued.
    last = s.scalars(select(Ticket).where(Ticket.item_id == item.id, Ticket.status == "waiting",
                                          Ticket.priority == "normal", Ticket.target_window_id.is_(None))
                     .order_by(Ticket.queue_key.desc(), Ticket.id.desc()).limit(1)).one()
    ahead = {"hall_id": hall.id, "item_id": item.id, "priority": "normal", "id": last.id, "key": last.queue_key}
    waiting = {"hall_id": hall.id, "ids": ids}
    # pick_next as call-next runs it (priority on, nothing tried; on PostgreSQL it locks the row it
    # chose): its plan is that of the heads it reads. Its priority-streak look-up reads events, not tickets.
    pick = candidates_of(window)
    heads = heads_statement(s.get_bind().dialect.name, False)
    return {
        "ahead": (lambda: ahead_of(s, last), ahead_statement(RANKS["normal"]), ahead),
        "_WAITING": (lambda: s.execute(_WAITING, waiting).all(), _WAITING, waiting),
        "pick_next": (lambda: pick_next(s, window, 2), heads, {**pick, "depth": 1}),
        "pick (sort)": (lambda: sorted_pick(s, window, 2), SORTED_PICK, pick),
        "call_order": (lambda: call_order(s, window, 5), heads, {**pick, "depth": 5}),
        "waiting_for": (lambda: waiting_for(s, window), _COUNT_CANDIDATES, pick),
    }


def measure(db: Database, waiting: int, repeat: int) -> dict:
    fill(db, waiting)
    res: dict = {}
    with db.read() as s:
        measured = queries(s)
        for key, (call, statement, params) in measured.items():
            res[key] = (timed(call, repeat), plan(s, statement, params))
        last = s.get(Ticket, measured["ahead"][2]["id"])
        res["ahead (answer)"] = ahead_of(s, last)
        hall_id, item_id, prefix = last.hall_id, last.item_id, last.prefix
        s.rollback()
    res["write"] = (write_cost(db, hall_id, item_id, prefix, repeat), "")
    return res


# The index 0007_queue_place_index replaced, for --against-0006.
OLD_INDEX, NEW_INDEX = "ix_tickets_queue", "ix_tickets_queue_place"
OLD_INDEX_DDL = f"CREATE INDEX {OLD_INDEX} ON tickets (hall_id, status, item_id, queue_key)"


def against_0006(db: Database, rounds: int, repeat: int) -> dict[tuple[str, str], list[float]]:
    """Each query with only the 0006 index, then only the 0007 one, alternating `rounds` times in one
    process over one database: a shared machine's load shifts over minutes, so before/after figures
    from runs minutes apart differ by more than the index does. Each side drops the other's index
    in a transaction that is rolled back. Medians in ms per (index, query): this thread's CPU time on
    SQLite (all of its work), the wall time on PostgreSQL (whose work is in the server)."""
    figure = 2 if db.engine.dialect.name == "sqlite" else 0
    with db.engine.begin() as conn:
        conn.execute(text(OLD_INDEX_DDL))
    cpu: dict[tuple[str, str], list[float]] = {}
    for _ in range(rounds):
        for kept, dropped in ((OLD_INDEX, NEW_INDEX), (NEW_INDEX, OLD_INDEX)):
            with db.write() as s:
                s.execute(text(f"DROP INDEX {dropped}"))
                for key, (call, _, _) in queries(s).items():
                    cpu.setdefault((kept, key), []).append(timed(call, repeat)[figure])
                s.rollback()
    with db.engine.begin() as conn:
        conn.execute(text(f"DROP INDEX {OLD_INDEX}"))
    return cpu


def write_cost(db: Database, hall_id: int, item_id: int, prefix: str, repeat: int) -> tuple[float, float, float]:
    """Insert one ticket and move it waiting -> called -> finished, per ticket; rolled back."""
    with db.write() as s:
        seq = iter(range(900_000, 1_000_000))
        moment = START + dt.timedelta(hours=6)

        def one() -> None:
            n = next(seq)
            ticket_id = s.execute(insert(Ticket).values(
                hall_id=hall_id, item_id=item_id, day=DAY, prefix=prefix, seq=n, number=f"W{n}",
                priority="normal", status="waiting", issued_at=moment, queue_key=moment,
                token=secrets.token_urlsafe(18), issued_by="bench").returning(Ticket.id)).scalar_one()
            for status in ("called", "finished"):
                s.execute(update(Ticket).where(Ticket.id == ticket_id).values(status=status))

        figures = timed(one, repeat)
        s.rollback()
    return figures


# --- databases -------------------------------------------------------------------------

@contextlib.contextmanager
def loaded(tmp: Path, url: str):
    """The bench hall loaded into the (empty) database at `url`, connected."""
    print(cli(["load-hall", str(bench_hall_file(tmp)), "--db", url]), flush=True)
    db = connect(url)
    try:
        yield db
    finally:
        db.dispose()


@contextlib.contextmanager
def sqlite_db(tmp: Path, waiting: int):
    with loaded(tmp, f"sqlite:///{tmp / f'bench-{waiting}.db'}") as db:
        yield db


@contextlib.contextmanager
def postgres_db(tmp: Path, server: str, waiting: int):
    admin = create_engine(server.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    name = f"hallq_index_bench_{waiting}"
    base = server.rsplit("/", 1)[0]
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        with loaded(tmp, f"{base}/{name}") as db:
            yield db
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def report(database: str, waiting: int, res: dict) -> None:
    print(f"\n{database}, {waiting:,} waiting for {ITEM} (ahead of the last: {res['ahead (answer)']:,})")
    print(f"  {'query':<12} {'median ms':>10} {'p90 ms':>8} {'cpu ms':>8}  plan")
    for key in ("ahead", "_WAITING", "pick_next", "pick (sort)", "call_order", "waiting_for", "write"):
        (median, p90, cpu), how = res[key]
        print(f"  {key:<12} {median:>10.3f} {p90:>8.3f} {cpu:>8.3f}  {how}")


def report_against(database: str, waiting: int, cpu: dict[tuple[str, str], list[float]]) -> None:
    what = "thread CPU" if database == "SQLite" else "wall"
    print(f"  {database}, {waiting:,} waiting, index of 0006 against 0007 (median {what} ms over the rounds):")
    for key in ("ahead", "_WAITING", "pick_next", "pick (sort)", "call_order", "waiting_for"):
        old, new = statistics.median(cpu[OLD_INDEX, key]), statistics.median(cpu[NEW_INDEX, key])
        print(f"    {key:<12} {old:>8.3f} -> {new:>8.3f}  ({(new - old) / old:+.0%})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100,1000,5000", help="waiting tickets for one item, comma-separated")
    ap.add_argument("--repeat", type=int, default=200, help="timed calls per query (default 200)")
    ap.add_argument("--against-0006", type=int, default=3, metavar="ROUNDS",
                    help="then time the queries with the index of 0006 and of 0007 alternately, ROUNDS times "
                         "each, in one database per size (default 3; 0 skips)")
    where = ap.add_mutually_exclusive_group()
    where.add_argument("--postgres", action="store_true", help="also on a private PostgreSQL cluster (fsync on)")
    where.add_argument("--db", help="also on this PostgreSQL server (databases are created and dropped)")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="hallq-index-bench-"))
    try:
        with contextlib.ExitStack() as stack:
            server = args.db
            if args.postgres:
                from tests.services import postgres
                server = stack.enter_context(postgres(durable=True))
            databases = [("SQLite", lambda n: sqlite_db(tmp, n))]
            if server:
                databases.append(("PostgreSQL", lambda n: postgres_db(tmp, server, n)))
            for database, opened in databases:
                for waiting in sizes:
                    with opened(waiting) as db:
                        report(database, waiting, measure(db, waiting, args.repeat))
                        if args.against_0006:
                            report_against(database, waiting, against_0006(db, args.against_0006, args.repeat // 4))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
