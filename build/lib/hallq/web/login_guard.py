"""Signing in with a username and password, and out: the one way, for the API and the pages.

A flood of wrong passwords must neither find a password nor take the CPU the
hall's tickets need. So, before any password is hashed:
- failed logins are counted per address and per username in a moving window
  (the `limits` library, Flask-Limiter's engine: in memory, or in Redis when the
  server has one, so every process counts together); past the limit the answer
  is 429 at the cost of a dictionary look-up;
- at most HASHING_AT_ONCE checks run at a time: scrypt is slow on purpose
  (0.15-0.3 s of CPU), and many addresses at once would otherwise hold every CPU.
The lockout after repeated failures is the account's own state (accounts.check_login).
Only failures count against the limits: a hall's clerks signing in at 8:30
behind one address are not throttled.
"""
from __future__ import annotations

import os
import threading
import time

from flask import request
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from hallq.queue import accounts
from hallq.queue.errors import Forbidden, Throttled, Unauthorized
from hallq.web.runtime import forget_token, now, reading, runtime, unit_of_work

# An address: a hall's guide desk mistyping is far below this; a script is stopped after 20 tries.
PER_ADDRESS = parse("20/minute")
# A username, from anywhere: guessing one account's password from many addresses (and unknown
# usernames alike, so the answer does not tell which exist). The account locks after 5 in a row anyway.
PER_USERNAME = parse("10/minute")
HASHING_AT_ONCE = max(1, (os.cpu_count() or 2) // 2)  # leave the other CPUs to the hall
# A hall's clerks all sign in around opening: fifty at 0.2 s each through one hashing slot is a
# 10 s queue, which must end in a sign-in, not a 429 (a flood is stopped per address before this).
HASHING_WAIT_S = 30.0


class LoginGuard:
    def __init__(self, redis_url: str | None = None):
        self._limiter = MovingWindowRateLimiter(storage_from_string(redis_url or "memory://"))
        self._hashing = threading.BoundedSemaphore(HASHING_AT_ONCE)

    def _keys(self, username: str) -> list[tuple]:
        return [(PER_ADDRESS, "hallq-login-addr", request.remote_addr or "?"),
                (PER_USERNAME, "hallq-login-user", username.casefold()[:200])]

    def sign_in(self, username: str, password: str) -> str:
        """A new staff token, or 401 (wrong username or password), or 429 (throttled, locked, busy)."""
        keys = self._keys(username)
        self._refuse_if_throttled(keys)
        with reading() as uow:
            candidate = accounts.login_candidate(uow.session, username)
        # Hashing holds no transaction: a write lock held for its 0.1-0.3 s would stall every ticket (SQLite).
        if not self._hashing.acquire(timeout=HASHING_WAIT_S):
            raise Throttled("login_busy")
        try:
            matched = accounts.password_matches(candidate, password)
        finally:
            self._hashing.release()
        token = None
        if candidate.user_id is not None:  # an unknown username has nothing to record
            with unit_of_work() as uow:
                user = accounts.record_login(uow.session, candidate, matched, now())
                token = accounts.staff_token(uow.session, user, now()) if user is not None else None
                uow.commit()  # a failure's count too
        if token is None:
            self._failed(keys)
            raise Unauthorized("bad_login")
        return token

    def change_password(self, who: accounts.Principal, current: str, new: str) -> list[int]:
        """One's own password changed, knowing the current one (accounts.change_password): the sign-ins it
        ended. A wrong current password is a failed sign-in, throttled and counted toward the lock, so a
        token left on an unattended screen cannot be used to try passwords at will."""
        keys = self._keys(who.name)
        self._refuse_if_throttled(keys)
        with reading() as uow:
            candidate = accounts.login_candidate(uow.session, who.name)  # a locked account: 429, nothing hashed
        try:
            with unit_of_work() as uow:
                others = accounts.change_password(uow.session, who, current, new, now())
                uow.commit()
        except Forbidden as exc:
            if exc.code != "wrong_password":
                raise
            with unit_of_work() as uow:
                accounts.record_login(uow.session, candidate, False, now())
                uow.commit()
            self._failed(keys)
            raise
        return others

    def _refuse_if_throttled(self, keys: list[tuple]) -> None:
        for item, *ids in keys:
            if not self._limiter.test(item, *ids):
                reset = self._limiter.get_window_stats(item, *ids).reset_time
                raise Throttled("too_many_logins", seconds=max(1, int(reset - time.time())))  # limits' clock

    def _failed(self, keys: list[tuple]) -> None:
        for item, *ids in keys:
            self._limiter.hit(item, *ids)

def closed(token_ids: list[int]) -> None:
    """Tokens revoked in this request: forget what this process kept of them, close their sockets now."""
    forget_token()
    if runtime().token_revoked:
        for token_id in token_ids:
            runtime().token_revoked(token_id)


def end_sign_in(token: str, who: accounts.Principal) -> None:
    """Revoke a staff token now: every request (this process at once, others within the token cache's
    seconds) and every socket with it ends."""
    with unit_of_work() as uow:
        accounts.revoke_token(uow.session, who.token_id, now())
        uow.commit()
    forget_token(token)
    if runtime().token_revoked:
        runtime().token_revoked(who.token_id)
