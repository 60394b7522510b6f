"""Counting what the public may ask of the hall (the citizen's phone), per address and per thing.

The `limits` library, as the login guard counts failed sign-ins: in memory, or in Redis when the
server has one, so every process counts together. A caller past a limit is answered 429 with the
code given, before any database is read.
"""
from __future__ import annotations

from flask import request
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from hallq.queue.errors import Throttled

# One phone's opt-ins and tickets: a citizen types a number or takes a ticket a few times at most.
PHONE_PER_ADDRESS = parse("10/minute")
# One ticket's number, from anywhere: put right once or twice, never rotated through a list of numbers.
PHONE_PER_TICKET = parse("5/hour")


class Throttle:
    def __init__(self, redis_url: str | None = None):
        self._limiter = MovingWindowRateLimiter(storage_from_string(redis_url or "memory://"))

    def hit(self, code: str, *limits: tuple[RateLimitItem, str, str]) -> None:
        """Count one request against each (limit, namespace, key); 429 `code` if any is past its limit."""
        for limit, namespace, key in limits:
            if not self._limiter.hit(limit, namespace, key[:200]):
                raise Throttled(code)

    @staticmethod
    def address() -> str:
        return request.remote_addr or "?"
