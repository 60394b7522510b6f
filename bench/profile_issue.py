#!/usr/bin/env python
"""Where a ticket's server CPU goes: `POST /api/v1/tickets` under cProfile, in one process.

    python bench/profile_issue.py [--tickets 1000] [--top 25]
    python bench/profile_issue.py --call-next [--tickets 500]   # call-next + finish at window 1 instead
    python bench/profile_issue.py [--call-next] --sql            # the SQL of one round, then the profile

Sets up the queue benchmark's hall (harness.Bench: SQLite, `hallq load-hall`,
a kiosk token), builds the app in this process and issues the tickets through
Flask's test client (the WSGI app as gunicorn calls it, without the socket),
after 50 unmeasured ones; with `--call-next`, clerk S001 signed in at window 1
loops call-next then finish over tickets issued before. Prints the own time
(tottime) summed per package,
then the functions with the most own time. A profile, not a timing: cProfile
slows pure-Python calls more than C ones, so the shares are rough.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from collections import defaultdict

from harness import PASSWORD, SERVICE, Bench
from sqlalchemy import event

from hallq.db import connect
from hallq.server.app import create_app

WARM_UP = 50


def package(filename: str) -> str:
    """Which package a profiled function's file belongs to."""
    if filename.startswith("~") or filename.startswith("<"):
        return "C builtins (sqlite3, json, ...)"
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0]
    if "/hallq/" in filename:
        return "hallq." + filename.split("/hallq/", 1)[1].split("/", 1)[0].removesuffix(".py")
    return "standard library"


def call_next_and_finish(bench: Bench, client, issue, tickets: int):
    """Clerk S001 signed in at window 1 with `tickets` waiting; the loop's one round."""
    bench.add_clerk("S001")
    r = client.post("/api/v1/auth/login", json={"username": "S001", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {r.get_json()['token']}"}
    r = client.post("/api/v1/windows/1/sign-in", json={"post": "A"}, headers=headers)
    assert r.status_code == 200, r.get_data(as_text=True)
    for _ in range(tickets):
        issue()

    def round_() -> None:
        r = client.post("/api/v1/windows/1/call-next", headers=headers)
        assert r.status_code == 200, r.get_data(as_text=True)
        r = client.post("/api/v1/windows/1/finish", json={"outcome": "immediate"}, headers=headers)
        assert r.status_code == 200, r.get_data(as_text=True)
    return round_


def print_statements(database, op) -> None:
    """The SQL one round sends, in order, on every engine (SQLite's writes have their own)."""
    sent: list[str] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        sent.append(" ".join(statement.split()))

    engines = {database.engine, database.write.kw["bind"], database.read.kw["bind"]}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", keep)
    op()
    for engine in engines:
        event.remove(engine, "before_cursor_execute", keep)
    print(f"\nOne round: {len(sent)} statements")
    for n, statement in enumerate(sent, 1):
        print(f"{n:3}. {statement[:220]}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tickets", type=int, default=1000)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--sort", default="tottime", help="pstats order of the function list (tottime, cumulative)")
    ap.add_argument("--callers", help="also print the callers of the functions matching this (pstats) pattern")
    ap.add_argument("--call-next", action="store_true", help="profile call-next + finish instead of issuing")
    ap.add_argument("--sql", action="store_true", help="first print the statements of one round, after the warm-up")
    args = ap.parse_args()
    bench = Bench("hallq-profile-", threads=1, keep=False)
    with bench:
        bench.load_hall()
        kiosk = bench.token("kiosk", "profile")
        database = connect(bench.db_url)
        app = create_app(database)
        client = app.test_client()
        headers = {"Authorization": f"Bearer {kiosk}"}

        def issue() -> None:
            r = client.post("/api/v1/tickets", json={"service": SERVICE}, headers=headers)
            assert r.status_code == 201, r.get_data(as_text=True)

        op, what = issue, "tickets"
        if args.call_next:
            op, what = call_next_and_finish(bench, client, issue, args.tickets + WARM_UP + 1), "call-next + finish"
        for _ in range(WARM_UP):
            op()
        if args.sql:
            print_statements(database, op)
        profile = cProfile.Profile()
        cpu0 = time.process_time()
        profile.enable()
        for _ in range(args.tickets):
            op()
        profile.disable()
        cpu = time.process_time() - cpu0
        stats = pstats.Stats(profile)
        per_package: dict[str, float] = defaultdict(float)
        for (filename, _, _), (_, _, tottime, _, _) in stats.stats.items():
            per_package[package(filename)] += tottime
        total = sum(per_package.values())
        print(f"\n{args.tickets} {what}: {cpu / args.tickets * 1000:.2f} ms CPU each under the profiler "
              f"(own time summed per package, of {total:.2f} s):")
        for name, seconds in sorted(per_package.items(), key=lambda kv: -kv[1])[:15]:
            print(f"  {name:<34}{seconds / total * 100:5.1f}%")
        print()
        stats.sort_stats(args.sort).print_stats(args.top)
        if args.callers:
            stats.print_callers(args.callers)
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
