"""Errors a person or device can cause, each with a stable code.

The HTTP layer turns them into `{"error": code, "message": text}` with the
status here; the text comes from `hallq.i18n` in the caller's language.
"""
from __future__ import annotations


class QueueError(Exception):
    status = 409

    def __init__(self, code: str, /, **params):
        super().__init__(code)
        self.code = code
        self.params = params


class Invalid(QueueError):
    status = 400


class Unauthorized(QueueError):
    """Who is asking is not known: no valid token, or a wrong username or password (API.md: 401)."""

    status = 401


class Forbidden(QueueError):
    status = 403


class NotFound(QueueError):
    status = 404


class Refused(QueueError):
    """Not allowed now: closed, quota used up, wrong state."""

    status = 409


class Throttled(QueueError):
    """Too many attempts (failed logins): try later, or ask an admin to unlock (API.md: 429)."""

    status = 429
