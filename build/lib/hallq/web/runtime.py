"""What every blueprint needs: the runtime, who is calling, bodies, errors.

Routes stay thin: parse the body, call one engine function inside a unit of
work, commit, answer. Errors a person can cause become `{"error", "message"}`
with a 4xx; anything else is a bug and a 500.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, TypeVar

from flask import Flask, current_app, g, jsonify, request
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from hallq.queue.accounts import Principal, authenticate, touch
from hallq.db import Database
from hallq.i18n import message, pick_lang
from hallq.queue import inputs
from hallq.queue.errors import Forbidden, Invalid, QueueError, Unauthorized
from hallq.queue.halls import HallContext
from hallq.queue.models import Ticket
from hallq.queue.unit_of_work import Publisher, UnitOfWork
from hallq.timed_cache import TimedCache

if TYPE_CHECKING:
    from hallq.web.login_guard import LoginGuard  # which imports this module

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass
class Runtime:
    """The app's shared parts, kept in `app.extensions['hallq']`."""

    db: Database
    clock: Callable[[], dt.datetime] = utcnow
    publish: Publisher | None = None
    logins: LoginGuard | None = None  # the one way to sign in
    token_revoked: Callable[[int], None] | None = None  # closes a revoked token's sockets (the app wires it)


def runtime() -> Runtime:
    return current_app.extensions["hallq"]


def now() -> dt.datetime:
    return runtime().clock()


def unit_of_work() -> UnitOfWork:
    return UnitOfWork(runtime().db.write, runtime().publish)


def reading() -> UnitOfWork:
    """A read-only unit of work (never blocks behind writers on SQLite)."""
    return UnitOfWork(runtime().db.read)


# Every request carries its token; looking it up each time would cost more
# than many a request itself. A token revoked in another process stops working
# within this time; one revoked here (logout) at once (forget_token).
TOKEN_CACHE_SECONDS = 10.0
_principals: TimedCache[Principal | None] = TimedCache(TOKEN_CACHE_SECONDS, maxsize=10_000)
# A staff token's use is written at most this often: the idle time is counted in
# minutes and hours, a write per request would cost more than the request.
TOUCH_EVERY = dt.timedelta(minutes=1)
_touched: TimedCache[list[dt.datetime]] = TimedCache(3600.0, maxsize=10_000)


def authenticated(token: str) -> Principal | None:
    """Who a token is now (kept for seconds), None when unknown, revoked or past its time."""
    def look_up() -> Principal | None:
        with reading() as uow:
            return authenticate(uow.session, token, now())
    who = _principals.get(token, look_up)
    if who is not None and who.expires_at is not None and now() >= who.expires_at:
        # As kept, it has run out; it may have been used since in another process: ask the database.
        forget_token(token)
        who = _principals.get(token, look_up)
    if who is not None and who.is_staff:
        _touch(token, who)
    return who


def _touch(token: str, who: Principal) -> None:
    moment = now()
    last = _touched.get(token, lambda: [])  # by the token itself: ids repeat across databases
    if last and moment - last[0] < TOUCH_EVERY:
        return
    with unit_of_work() as uow:
        touch(uow.session, who.token_id, moment)
        uow.commit()
    last[:] = [moment]


def forget_token(token: str | None = None) -> None:
    """Drop a token (all of them when None: device tokens revoked by kind and name, their values unknown here)."""
    _principals.forget(None if token is None else lambda key: key == token)


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() or None if header[:7].lower() == "bearer " else None


def principal(*, password_change: bool = False) -> Principal:
    """Who is calling, or 401. A sign-in that must change its password may do that alone (403 otherwise)."""
    if "principal" not in g:
        token = bearer_token()
        g.principal = authenticated(token) if token else None
    if g.principal is None:
        raise Unauthorized("unauthorized")
    if g.principal.must_change_password and not password_change:
        raise Forbidden("password_change_required")
    return g.principal


def body(model: type[M]) -> M:
    # Devices often omit the content type; the body is JSON all the same. The app's JSON
    # (hallq.web.bounds) refuses a body nested too deep before parsing it.
    raw = request.get_data(cache=True)
    try:
        data = current_app.json.loads(raw) if raw.strip() else {}
    except ValueError as exc:  # not JSON, not UTF-8, or too deep
        raise Invalid("invalid_input", detail=f"unreadable JSON body: {exc}") from None
    if not isinstance(data, dict):
        raise Invalid("invalid_input", detail="the body must be a JSON object")
    if _has_nul(data):
        raise Invalid("invalid_input", detail="text may not contain NUL characters")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        detail = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors())
        raise Invalid("invalid_input", detail=detail) from None


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def int_arg(name: str, low: int = 0, high: int = inputs.MAX_ID) -> int | None:
    """A whole number from the query (hallq.queue.inputs, the one way), None when it is absent or empty."""
    value = request.args.get(name)
    return None if value is None or value == "" else inputs.whole_number(value, name, low, high)


def lang() -> str:
    return pick_lang(request.args.get("lang") or request.headers.get("Accept-Language"))


class VoiceUnavailable(QueueError):
    status = 503


def status_page(ctx: HallContext, ticket: Ticket) -> str:
    """The ticket's public status page, as phones in the hall reach it (the QR code's target)."""
    base = ctx.settings.public_url or request.host_url
    return f"{base.rstrip('/')}/t/{ticket.token}"


def error(code: str, status: int, /, **params):
    return jsonify({"error": code, "message": message(code, lang(), **params)}), status


def install_error_handlers(app: Flask) -> None:
    @app.before_request
    def _no_nul():
        # PostgreSQL cannot store NUL in text; refuse it at the door.
        if "\x00" in request.path or any("\x00" in v for v in request.args.values()):
            raise Invalid("invalid_input", detail="text may not contain NUL characters")

    @app.errorhandler(QueueError)
    def _queue_error(exc: QueueError):
        return error(exc.code, exc.status, **exc.params)

    @app.errorhandler(IntegrityError)
    def _integrity(exc: IntegrityError):
        # Two requests raced for the same row; the database kept it consistent.
        log.warning("integrity conflict: %s", exc.orig)
        return error("conflict", 409)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        code = {404: "not_found", 405: "method_not_allowed"}.get(status)
        code = code or ("internal_error" if status >= 500 else "invalid_input")
        return error(code, status, detail=exc.description)

    @app.errorhandler(Exception)
    def _bug(exc: Exception):
        log.exception("unhandled error")  # a 500 is a bug: the log has the trace
        return error("internal_error", 500)


__all__ = ["Forbidden", "Runtime", "VoiceUnavailable", "authenticated", "bearer_token", "body", "error",
           "forget_token", "install_error_handlers", "int_arg", "now", "principal", "reading", "runtime", "status_page",
           "unit_of_work"]
