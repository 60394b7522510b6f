"""A flood of wrong logins against `hallq serve`, and what it does to issuing tickets (issue 19).

Three phases of the same ticket loop (one kiosk, tickets one after another):
  quiet       nobody else;
  one address 8 threads sending wrong passwords for a real account and for made-up usernames
              from 127.0.0.1, as fast as the server answers;
  many        the same 8 threads, each request from another address (X-Forwarded-For through
              --trusted-proxies 1, as behind nginx): the per-address limit never applies, so
              only the per-username limit and the account lock protect the server;
  spray       each request from another address for another made-up username: no limit applies,
              every one is hashed, and only the bound on checks at once (login_guard.HASHING_AT_ONCE)
              keeps a CPU for the hall.
Printed: the ticket's latency (p50, p95, max) per phase, the login answers by status, and the
server's CPU seconds per phase. Figures, never a pass/fail test.

    python bench/login_flood_bench.py [--tickets 100] [--keep]
"""
from __future__ import annotations

import argparse
import itertools
import os
import random
import sys
import threading
import time
from collections import Counter

import requests

import harness
from harness import Bench, ms, pct

FLOODERS = 8


def issue_loop(base: str, kiosk: str, count: int) -> list[float]:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {kiosk}"
    took = []
    for _ in range(count):
        start = time.perf_counter()
        r = session.post(base + "/api/v1/tickets", json={"service": harness.SERVICE}, timeout=harness.REQUEST_TIMEOUT)
        took.append(time.perf_counter() - start)
        if r.status_code != 201:
            raise harness.BenchError(f"issuing: {harness.describe(r)}")
    return took


def flood(base: str, stop: threading.Event, spread: bool, answers: Counter, lock: threading.Lock,
          spray: bool = False) -> None:
    session = requests.Session()
    names = (f"user{i}" for i in itertools.count(random.randrange(10**9))) if spray \
        else itertools.cycle(["S001", "S003", "admin", "ghost", "root"])
    while not stop.is_set():
        headers = {"X-Forwarded-For": f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"} \
            if spread else {}
        try:
            r = session.post(base + "/api/v1/auth/login", json={"username": next(names), "password": "Wrong-guess-1"},
                             headers=headers, timeout=harness.REQUEST_TIMEOUT)
            code = r.status_code
        except requests.RequestException:
            code = "error"
        with lock:
            answers[code] += 1


def phase(bench: Bench, kiosk: str, tickets: int, flooders: int, spread: bool, spray: bool = False) -> dict:
    stop, lock, answers = threading.Event(), threading.Lock(), Counter()
    threads = [threading.Thread(target=flood, args=(bench.server.base, stop, spread, answers, lock, spray),
                                daemon=True)
               for _ in range(flooders)]
    cpu0, t0 = bench.server.cpu_seconds(), time.monotonic()
    for t in threads:
        t.start()
    if threads:
        time.sleep(1.0)  # the flood under way before the first ticket
    try:
        took = issue_loop(bench.server.base, kiosk, tickets)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    return {"p50_ms": ms(pct(took, 50)), "p95_ms": ms(pct(took, 95)), "max_ms": ms(max(took)),
            "logins": dict(sorted(answers.items(), key=str)), "seconds": round(time.monotonic() - t0, 1),
            "server_cpu_s": round((bench.server.cpu_seconds() or 0) - (cpu0 or 0), 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    os.environ["HALLQ_TRUSTED_PROXIES"] = "1"  # `hallq serve --trusted-proxies 1`, as behind nginx
    with Bench("hallq-login-flood-", threads=64, keep=args.keep) as bench:
        bench.load_hall()
        kiosk = bench.token("kiosk", "k1")
        for username in harness.CLERKS.values():
            bench.add_clerk(username)
        bench.server.start()
        results = {name: phase(bench, kiosk, args.tickets, n, spread, spray) for name, n, spread, spray in (
            ("quiet", 0, False, False), ("one address", FLOODERS, False, False),
            ("many addresses", FLOODERS, True, False), ("spray", FLOODERS, True, True))}
        bench.server.ensure_running()
        print(f"\n{'phase':<16}{'ticket p50':>12}{'p95':>10}{'max':>10}{'server CPU':>12}  logins answered")
        for name, r in results.items():
            print(f"{name:<16}{r['p50_ms']:>10.1f}ms{r['p95_ms']:>8.1f}ms{r['max_ms']:>8.1f}ms"
                  f"{r['server_cpu_s']:>10.2f} s  {r['logins']} in {r['seconds']} s")
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
