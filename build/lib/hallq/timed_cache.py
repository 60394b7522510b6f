"""What a process keeps for a few seconds instead of reading it again on every request.

A hall's settings, its open windows and service times, who a token belongs to,
which devices the agents host: each is read far more often than it changes, and
another process's change may show only after `ttl_s`. A change made in this
process forgets what it changed at once (`forget`).

cachetools' TTLCache does the expiry and the size bound (least recently used
goes first); it is not thread-safe, so every access holds the lock. A value is
computed outside the lock: two threads missing at once both compute it, which
costs a read, never a wrong answer. None is a value like any other (an unknown
token is remembered as unknown).
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from cachetools import TTLCache

V = TypeVar("V")


class TimedCache(Generic[V]):
    def __init__(self, ttl_s: float, maxsize: int = 4096, timer: Callable[[], float] = time.monotonic):
        self._entries: TTLCache[Hashable, V] = TTLCache(maxsize, ttl_s, timer)
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], V]) -> V:
        """The value kept for `key`, else `compute()`'s, kept from now on."""
        with self._lock:
            try:
                return self._entries[key]
            except KeyError:
                pass
        value = compute()
        with self._lock:
            self._entries[key] = value
        return value

    def forget(self, match: Callable[[Hashable], bool] | None = None) -> None:
        """Drop every entry, or those whose key `match`es."""
        with self._lock:
            if match is None:
                self._entries.clear()
                return
            for key in [k for k in self._entries if match(k)]:
                del self._entries[key]
