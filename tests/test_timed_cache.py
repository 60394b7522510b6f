"""hallq.timed_cache: kept until the time is up, forgotten on demand, bounded."""
from __future__ import annotations

import threading

from hallq.timed_cache import TimedCache


class Ticks:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_value_is_computed_once_until_its_time_is_up():
    ticks, calls = Ticks(), []
    cache = TimedCache(5.0, timer=ticks)

    def compute():
        calls.append(ticks.now)
        return len(calls)

    assert cache.get("hall-1", compute) == 1
    ticks.now = 4.9
    assert cache.get("hall-1", compute) == 1
    ticks.now = 5.0
    assert cache.get("hall-1", compute) == 2
    assert calls == [0.0, 5.0]


def test_none_is_kept_like_any_value():
    calls = []
    cache = TimedCache(5.0, timer=Ticks())
    assert cache.get("unknown-token", lambda: calls.append(1)) is None
    assert cache.get("unknown-token", lambda: calls.append(1)) is None
    assert calls == [1]


def test_forget_drops_all_or_the_matching_keys():
    cache = TimedCache(5.0, timer=Ticks())
    for key in [("db", 1, "a"), ("db", 1, "b"), ("db", 2, "a")]:
        cache.get(key, lambda: "old")
    cache.forget(lambda key: key[1] == 1)
    assert [cache.get(key, lambda: "new") for key in [("db", 1, "a"), ("db", 1, "b"), ("db", 2, "a")]] \
        == ["new", "new", "old"]
    cache.forget()
    assert cache.get(("db", 2, "a"), lambda: "newest") == "newest"


def test_the_least_recently_used_goes_first_when_full():
    cache = TimedCache(5.0, maxsize=2, timer=Ticks())
    cache.get("a", lambda: 1)
    cache.get("b", lambda: 2)
    cache.get("a", lambda: 0)  # a is used again
    cache.get("c", lambda: 3)
    assert cache.get("a", lambda: -1) == 1 and cache.get("b", lambda: -2) == -2


def test_threads_share_it_safely():
    cache = TimedCache(60.0, maxsize=64)
    errors = []

    def hammer(n):
        try:
            for i in range(2000):
                assert cache.get(i % 100, lambda: i % 100) == i % 100
                if i % 97 == 0:
                    cache.forget(lambda key: key % 2 == n % 2)
        except Exception as exc:  # pragma: no cover - the failure is the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=hammer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
